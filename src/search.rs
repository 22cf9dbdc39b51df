//! Indexed word-prefix search (`q=`) over the `search_tokens` table, the same on SQLite and
//! PostgreSQL. Each searchable resource stores its folded words when it is written; a query
//! matches resources having, for every query word, a word that starts with it.
use crate::{entities::search_token, tenancy::Scope, text};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::{Condition, Query, SimpleExpr},
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
    search_token::Entity::delete_many()
        .filter(search_token::Column::ResourceType.eq(resource_type))
        .filter(search_token::Column::ResourceId.eq(resource_id))
        .exec(conn)
        .await?;
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

/// A condition on `id_column` matching the query, or `None` when `q` has no words.
pub fn matching(
    resource_type: &str,
    scope: &Scope,
    q: &str,
    id_column: impl ColumnTrait,
) -> Option<Condition> {
    let words = text::tokens(q);
    if words.is_empty() {
        return None;
    }
    let mut cond = Condition::all();
    for w in words.into_iter().take(MAX_QUERY_WORDS) {
        let hi = text::prefix_upper_bound(&w);
        let sub = Query::select()
            .column(search_token::Column::ResourceId)
            .from(search_token::Entity)
            .and_where(search_token::Column::ResourceType.eq(resource_type))
            .cond_where(scope.condition(search_token::Column::BlocId))
            .and_where(search_token::Column::Token.gte(w))
            .and_where(search_token::Column::Token.lte(hi))
            .to_owned();
        cond = cond.add(SimpleExpr::from(id_column.in_subquery(sub)));
    }
    Some(cond)
}
