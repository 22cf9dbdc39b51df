//! Indexed word-prefix search (`q=`) over the `search_tokens` table, the same on SQLite and
//! PostgreSQL. Each searchable resource stores its folded words when it is written; a query
//! matches resources having, for every query word, a word that starts with it.
use crate::{entities::search_token, tenancy::Scope, text};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    QueryTrait, Select, Set, Statement, Value,
    sea_query::{Condition, DeleteStatement, Expr, ExprTrait, Query, SimpleExpr},
};
use std::{
    collections::HashMap,
    sync::{LazyLock, Mutex},
    time::{Duration, Instant},
};
use uuid::Uuid;

/// The most words of a query that are used; more add little and cost a subquery each.
const MAX_QUERY_WORDS: usize = 8;

/// Replaces the words stored for one resource.
pub async fn index(
    conn: &impl ConnectionTrait,
    resource_type: &str,
    bloc_id: Uuid,
    resource_id: Uuid,
    texts: &[&str],
) -> Result<(), DbErr> {
    conn.execute(&forget(resource_id)).await?;
    index_new(conn, resource_type, bloc_id, resource_id, texts).await
}

/// Stores the words of a resource created in this transaction, which has none yet: [`index`]
/// without its delete, one statement fewer on a create.
pub async fn index_new(
    conn: &impl ConnectionTrait,
    resource_type: &str,
    bloc_id: Uuid,
    resource_id: Uuid,
    texts: &[&str],
) -> Result<(), DbErr> {
    let mut words: Vec<String> = Vec::new();
    for t in texts {
        for w in text::tokens(t) {
            if !words.contains(&w) {
                words.push(w);
            }
        }
    }
    if words.is_empty() {
        return Ok(());
    }
    search_token::Entity::insert_many(words.into_iter().map(|token| search_token::ActiveModel {
        resource_type: Set(resource_type.to_string()),
        bloc_id: Set(bloc_id),
        token: Set(token),
        resource_id: Set(resource_id),
    }))
    .exec(conn)
    .await?;
    Ok(())
}

/// Deletes the words stored for one resource, by its id alone. Ids are UUIDs drawn for each
/// resource, so the type adds nothing, and with it PostgreSQL may walk the primary key's range of
/// that type: with statistics taken while the type was rare (the units of a fresh province), a
/// rename read every unit's words (41 ms at 20,000 units, against 0.02 ms by the id's index).
pub fn forget(resource_id: Uuid) -> DeleteStatement {
    Query::delete()
        .from_table(search_token::Entity)
        .and_where(search_token::Column::ResourceId.eq(resource_id))
        .to_owned()
}

/// Matches of a word in one bloc from which a search walks the page's own order instead of
/// joining from the matches (see [`matching`]). From 500 matches, spread evenly, the walk reads
/// about a tenth of a bloc's N rows to fill a page of 50 (51 × N / 500), a hash look-up each;
/// wherever they lie, no more than the bloc. A join from 500 or more matches reads each of
/// their rows and sorts them, or, misjudged, the whole bloc.
pub const COMMON: i64 = 500;

/// The words of a query that are searched.
fn words_of(q: Option<&str>) -> Vec<String> {
    text::tokens(q.unwrap_or_default())
        .into_iter()
        .take(MAX_QUERY_WORDS)
        .collect()
}

/// A condition on `id_column` matching the query, or `None` without one or when it has no words.
///
/// Each word is an `IN` over its matches. A rare word's is joined: PostgreSQL starts from its few
/// matches. A common word (at least [`COMMON`] times in the caller's own bloc) is written
/// `(… IN …) IS TRUE`, which PostgreSQL cannot join, so it does not read the whole bloc to join
/// and sort it: it hashes the word's matches once and walks the bloc in the page's order,
/// stopping with the page. Its cost is bounded by the word's matches and the bloc, wherever the
/// matches lie in the walk. Where every word is common, a list may first try [`probing`]'s
/// condition on the walk's first rows. Only on PostgreSQL and in one bloc; the counts come from
/// one statement, each kept a minute ([`known_words`]).
pub async fn matching(
    conn: &impl ConnectionTrait,
    resource_type: &str,
    scope: &Scope,
    q: Option<&str>,
    id_column: impl ColumnTrait,
) -> Result<Option<Condition>, DbErr> {
    let Some((words, common)) = counted(conn, resource_type, scope, q).await? else {
        return Ok(None);
    };
    let forms: Vec<Form> = common
        .iter()
        .map(|&c| if c { Form::Hashed } else { Form::Joined })
        .collect();
    Ok(Some(condition(
        resource_type,
        scope,
        &words,
        &forms,
        id_column,
    )))
}

/// The query's words and, for each, whether it is common in the caller's own bloc (never on
/// SQLite or across blocs); `None` without words. Shared by [`matching`] and [`probing`]: a
/// list that asks both counts once, the second asking reads the kept counts.
async fn counted(
    conn: &impl ConnectionTrait,
    resource_type: &str,
    scope: &Scope,
    q: Option<&str>,
) -> Result<Option<(Vec<String>, Vec<bool>)>, DbErr> {
    let words = words_of(q);
    if words.is_empty() {
        return Ok(None);
    }
    let common = match (conn.get_database_backend(), scope.own_bloc()) {
        (DbBackend::Postgres, Some(bloc)) => known_words(conn, resource_type, bloc, &words).await?,
        _ => vec![false; words.len()],
    };
    Ok(Some((words, common)))
}

/// How many rows of a page's walk [`probing`]'s condition is tried on before [`matching`]'s. A
/// word in a third of the bloc fills a page of 50 in about 150 rows; a query whose matches lie
/// further on pays these look-ups on top of the hash once a minute ([`unfilled`]): in
/// PostgreSQL alone about a seventh of the hash of 2,000 matches (BENCHMARKS.md 2026-12-03).
pub const WALK: u64 = 300;

/// For a query whose every word is common in the caller's bloc (PostgreSQL), the same condition
/// written as a look-up of each word by the row's id: a scalar subquery PostgreSQL runs for each
/// row it walks, stopping with the page, so a word spread through the bloc fills it without
/// reading all its matches. Its cost grows with the rows walked, unbounded where the matches lie
/// at the walk's end or the words never meet (4–5 times slower than the hash through khoi,
/// BENCHMARKS.md 2026-12-03): the caller tries it on the first [`WALK`] rows of the walk only,
/// then, if they do not fill the page, runs [`matching`]'s. `None` for any other query, and
/// for one that left its first page unfilled within the last minute ([`unfilled`]).
pub async fn probing(
    conn: &impl ConnectionTrait,
    resource_type: &str,
    scope: &Scope,
    q: Option<&str>,
    id_column: impl ColumnTrait,
) -> Result<Option<Condition>, DbErr> {
    let (DbBackend::Postgres, Some(bloc)) = (conn.get_database_backend(), scope.own_bloc()) else {
        return Ok(None);
    };
    let Some((words, common)) = counted(conn, resource_type, scope, q).await? else {
        return Ok(None);
    };
    if !common.iter().all(|&c| c)
        || unfilled_lately(&(resource_type.to_string(), bloc, words.clone()))
    {
        return Ok(None);
    }
    let forms = vec![Form::LookedUp; words.len()];
    Ok(Some(condition(
        resource_type,
        scope,
        &words,
        &forms,
        id_column,
    )))
}

/// Queries of a bloc whose [`probing`] left a first page unfilled, and when: their words lie
/// beyond the walk's first rows or do not meet, so for [`KNOWN_FOR`] they go to the hash at
/// once instead of paying the look-ups again (whatever their other filters; a query misjudged
/// that way is only slower, with the same answers).
type Unfilled = HashMap<(String, Uuid, Vec<String>), Instant>;
static UNFILLED: LazyLock<Mutex<Unfilled>> = LazyLock::new(Default::default);

fn unfilled_lately(key: &(String, Uuid, Vec<String>)) -> bool {
    let unfilled = UNFILLED.lock().unwrap_or_else(|e| e.into_inner());
    unfilled.get(key).is_some_and(|at| at.elapsed() < KNOWN_FOR)
}

/// Tells [`probing`] that its condition did not fill the first page of `q` in the caller's
/// bloc: the query goes to the hash alone for [`KNOWN_FOR`].
pub fn unfilled(resource_type: &str, scope: &Scope, q: Option<&str>) {
    let Some(bloc) = scope.own_bloc() else {
        return;
    };
    let words = words_of(q);
    let mut unfilled = UNFILLED.lock().unwrap_or_else(|e| e.into_inner());
    if unfilled.len() >= KNOWN_AT_MOST {
        unfilled.clear();
    }
    unfilled.insert((resource_type.to_string(), bloc, words), Instant::now());
}

/// `select` kept to the rows up to the [`WALK`]th of `walk`, the same rows in the page's order
/// (by `id`, ascending), or to none where `walk` has fewer: PostgreSQL finds that row's id once,
/// then walks `select` in `id`'s order no further than it.
pub fn within_walk<E: EntityTrait>(
    select: Select<E>,
    walk: Select<E>,
    id: impl ColumnTrait,
) -> Select<E> {
    let last = walk
        .select_only()
        .column(id)
        .offset(WALK - 1)
        .limit(1)
        .into_query();
    select.filter(
        Expr::col(id.as_column_ref()).lte(SimpleExpr::SubQuery(None, Box::new(last.into()))),
    )
}

/// How one word of a query is written.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Form {
    /// An `IN` over its matches, which PostgreSQL joins from.
    Joined,
    /// `(… IN …) IS TRUE`: its matches hashed once, each walked row checked in the hash.
    Hashed,
    /// `((SELECT TRUE … WHERE resource_id = row LIMIT 1)) IS TRUE`: one index probe a walked row.
    LookedUp,
}

/// The condition of [`matching`] or [`probing`], each word written in its form.
fn condition(
    resource_type: &str,
    scope: &Scope,
    words: &[String],
    forms: &[Form],
    id_column: impl ColumnTrait,
) -> Condition {
    let mut cond = Condition::all();
    for (w, &form) in words.iter().zip(forms) {
        let mut sub = Query::select()
            .from(search_token::Entity)
            .and_where(search_token::Column::ResourceType.eq(resource_type))
            .cond_where(scope.condition(search_token::Column::BlocId))
            .and_where(search_token::Column::Token.gte(w.as_str()))
            .and_where(search_token::Column::Token.lte(text::prefix_upper_bound(w)))
            .to_owned();
        cond = cond.add(match form {
            Form::LookedUp => {
                sub.expr(Expr::val(true))
                    .and_where(
                        Expr::col((search_token::Entity, search_token::Column::ResourceId))
                            .equals(id_column.as_column_ref()),
                    )
                    .limit(1);
                Expr::cust_with_expr("($1) IS TRUE", Expr::SubQuery(None, Box::new(sub.into())))
            }
            Form::Hashed | Form::Joined => {
                sub.column(search_token::Column::ResourceId);
                let within = SimpleExpr::from(id_column.in_subquery(sub));
                match form {
                    Form::Hashed => Expr::cust_with_expr("($1) IS TRUE", within),
                    _ => within,
                }
            }
        });
    }
    cond
}

/// How long a word's count in a bloc is trusted. A word that has just crossed [`COMMON`] is
/// searched the other way for at most this long: slower, with the same answers.
const KNOWN_FOR: Duration = Duration::from_secs(60);
/// The most counts kept (a few hundred kilobytes); reaching it forgets them all.
const KNOWN_AT_MOST: usize = 4_096;

/// Counts kept by resource type, bloc and word: whether the word is common there, and when.
type Known = HashMap<(String, Uuid, String), (bool, Instant)>;
static KNOWN: LazyLock<Mutex<Known>> = LazyLock::new(Default::default);

/// [`common_words`], counting only the words not counted in the last [`KNOWN_FOR`], so that a
/// search repeated within it makes no round trip more than before.
async fn known_words(
    conn: &impl ConnectionTrait,
    resource_type: &str,
    bloc: Uuid,
    words: &[String],
) -> Result<Vec<bool>, DbErr> {
    let key = |w: &String| (resource_type.to_string(), bloc, w.clone());
    let now = Instant::now();
    let mut common: Vec<Option<bool>> = {
        let known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
        words
            .iter()
            .map(|w| {
                known
                    .get(&key(w))
                    .filter(|(_, at)| now.duration_since(*at) < KNOWN_FOR)
                    .map(|(c, _)| *c)
            })
            .collect()
    };
    let unknown: Vec<String> = words
        .iter()
        .zip(&common)
        .filter(|(_, c)| c.is_none())
        .map(|(w, _)| w.clone())
        .collect();
    if !unknown.is_empty() {
        let counted = common_words(conn, resource_type, bloc, &unknown).await?;
        let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
        if known.len() + unknown.len() > KNOWN_AT_MOST {
            known.clear();
        }
        let mut counted = unknown.iter().zip(counted);
        for c in common.iter_mut().filter(|c| c.is_none()) {
            let (w, is) = counted.next().expect("one count for each unknown word");
            known.insert(key(w), (is, now));
            *c = Some(is);
        }
    }
    Ok(common
        .into_iter()
        .map(|c| c.expect("each word known or counted above"))
        .collect())
}

/// For each word, whether it matches at least [`COMMON`] resources of the type in `bloc`: one
/// statement, each count stopping at [`COMMON`] entries of the words' primary key.
pub async fn common_words(
    conn: &impl ConnectionTrait,
    resource_type: &str,
    bloc: Uuid,
    words: &[String],
) -> Result<Vec<bool>, DbErr> {
    let mut values: Vec<Value> = vec![resource_type.into(), bloc.into()];
    let counts: Vec<String> = words
        .iter()
        .map(|w| {
            values.push(w.as_str().into());
            values.push(text::prefix_upper_bound(w).into());
            let (lo, hi) = (values.len() - 1, values.len());
            format!(
                "(SELECT COUNT(*) FROM (SELECT 1 FROM search_tokens WHERE resource_type = $1 \
                 AND bloc_id = $2 AND token >= ${lo} AND token <= ${hi} LIMIT {COMMON}) AS w)"
            )
        })
        .collect();
    let sql = format!("SELECT {}", counts.join(", "));
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("word counts".into()))?;
    (0..words.len())
        .map(|i| Ok(row.try_get_by_index::<i64>(i)? >= COMMON))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::task;
    use sea_orm::{QueryFilter, QueryTrait};

    fn sql(form: Form) -> String {
        let words = ["dan".to_string()];
        let cond = condition(
            "task",
            &Scope::Bloc(Uuid::nil()),
            &words,
            &[form],
            task::Column::Id,
        );
        task::Entity::find()
            .filter(cond)
            .build(DbBackend::Postgres)
            .to_string()
    }

    #[test]
    fn a_probe_looks_each_word_up_by_the_rows_id() {
        let probe = sql(Form::LookedUp);
        // One probe by the row's id, stopping at the first match: not an `IN` over every match.
        assert!(
            probe.contains(r#"WHERE ((SELECT TRUE FROM "search_tokens" WHERE"#)
                && probe
                    .contains(r#""search_tokens"."resource_id" = "tasks"."id" LIMIT 1)) IS TRUE"#)
                && !probe.contains(" IN ("),
            "{probe}"
        );
    }

    #[test]
    fn a_common_word_is_a_filter_postgres_cannot_turn_into_a_join() {
        let common = sql(Form::Hashed);
        // The whole `IN` is the left side of `IS TRUE`: not an `IN` at the top of the `WHERE`,
        // which PostgreSQL would join, nor a look-up by the row's id, which it would run for
        // each row it walks.
        assert!(
            common.contains(r#"WHERE ("tasks"."id" IN (SELECT "resource_id" FROM "search_tokens""#)
                && common.ends_with(") IS TRUE")
                && !common.contains(r#"= "tasks"."id""#),
            "{common}"
        );
        let rare = sql(Form::Joined);
        assert!(
            rare.contains(r#"WHERE "tasks"."id" IN (SELECT "resource_id" FROM"#)
                && !rare.contains("IS TRUE"),
            "{rare}"
        );
    }
}
