//! People in answers: every field that names who did something (`created_by`, `author`,
//! `recorded_by`, `actor`) is answered as the person — their staff id and full name — so a
//! client shows "Trần Văn Cường" without a second call, and staff, who cannot read `/accounts`,
//! can see who wrote a report. Records keep the account that acted (the audit trail's fact);
//! the person is looked up when answering, in one query per answer, so a corrected name shows
//! everywhere at once. Done once for every JSON answer (`naming::name_people`), rather than
//! in each of the twenty DTOs' services, so no answer can forget it; a kept page is named when
//! it is made (`page_cache`), since any change of a person it names moves the position it is
//! kept at.
use crate::entities::{account, api_client};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// Who did something.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    /// Their staff record; null for the admin, a portal account or an API client.
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b021")]
    pub id: Option<Uuid>,
    /// The account that acted (what the audit log records).
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b101")]
    pub account_id: Uuid,
    /// The staff member's full name; for an account without one its username, for an API
    /// client its name.
    #[schema(example = "Trần Văn Cường")]
    pub full_name: String,
}

/// A field that names who did something: the account, answered as the person by the naming
/// layer, or the person already when the statement that read the record read them too (the
/// layer then has nothing to look up).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Who {
    Account(Uuid),
    Person(Person),
}

impl Who {
    pub fn account_id(&self) -> Uuid {
        match self {
            Who::Account(id) => *id,
            Who::Person(p) => p.account_id,
        }
    }

    /// Adds to `select` the person behind the account in `account` (a column, such as
    /// `tasks.created_by`) as two columns named after `prefix`, for [`Who::read`]: named as
    /// [`lookup`] names them, so a record read with its person answers as the layer would.
    pub fn columns<E: sea_orm::EntityTrait>(
        select: sea_orm::Select<E>,
        account: &str,
        prefix: &str,
    ) -> sea_orm::Select<E> {
        use sea_orm::{QuerySelect, sea_query::Expr};
        let of = |what: &str| {
            Expr::cust(format!(
                "(SELECT {what} FROM accounts a LEFT JOIN staff s ON s.id = a.staff_id WHERE a.id = {account})"
            ))
        };
        select
            .column_as(of("a.staff_id"), format!("{prefix}_staff_id"))
            .column_as(of(&name_sql("s", "a")), format!("{prefix}_name"))
    }

    /// The person [`Who::columns`] read for `account_id`, or the account when there is none
    /// (an API client, whose name the layer finds).
    pub fn read(
        res: &sea_orm::QueryResult,
        pre: &str,
        prefix: &str,
        account_id: Uuid,
    ) -> Result<Self, DbErr> {
        let name: Option<String> = res.try_get(pre, &format!("{prefix}_name"))?;
        Ok(match name {
            Some(full_name) => Who::Person(Person {
                id: res.try_get(pre, &format!("{prefix}_staff_id"))?,
                account_id,
                full_name,
            }),
            None => Who::Account(account_id),
        })
    }
}

/// A person's name, in SQL: their staff record's, or for an account without one its username
/// (`staff` and `account` the tables' names in the statement).
fn name_sql(staff: &str, account: &str) -> String {
    format!("COALESCE({staff}.full_name, {account}.username)")
}

/// The fields that name a person.
const KEYS: [&str; 4] = crate::answer::PERSON_KEYS;
/// Row snapshots (the audit log's before and after) are kept as they were written.
const SNAPSHOTS: [&str; 3] = ["before", "after", "changes"];

/// Answers the people `value` names, in place: one lookup (two with API clients).
pub async fn name(db: &impl ConnectionTrait, value: &mut Value) -> Result<(), DbErr> {
    let mut ids = HashSet::new();
    collect(value, &mut ids);
    if ids.is_empty() {
        return Ok(());
    }
    let people = lookup(db, &ids).await?;
    fill(value, &complete(people, ids));
    Ok(())
}

/// A serialised JSON answer with the people it names answered, as [`name`] answers them in a
/// parsed tree (the person's fields in `Person`'s order, the answer's own order kept), or None
/// when it names nobody (most answers: one byte search spares them the rest). Done on the
/// bytes: parsing a page of 50 tasks into a tree and writing it out again cost more than
/// making the page did. An answer holding row snapshots goes through the tree, which knows
/// what is inside one.
pub async fn name_body(db: &impl ConnectionTrait, body: &[u8]) -> Result<Option<Vec<u8>>, DbErr> {
    let bad = |e: serde_json::Error| DbErr::Type(format!("answer: {e}"));
    let found = people_in(body);
    if found.is_empty() {
        return Ok(None);
    }
    if holds_snapshots(body) {
        let mut value: Value = serde_json::from_slice(body).map_err(bad)?;
        name(db, &mut value).await?;
        return serde_json::to_vec(&value).map(Some).map_err(bad);
    }
    let ids: HashSet<Uuid> = found.iter().map(|(_, _, id)| *id).collect();
    let people = complete(lookup(db, &ids).await?, ids);
    let mut out = Vec::with_capacity(body.len() + found.len() * 64);
    let mut from = 0;
    for (start, end, id) in found {
        out.extend_from_slice(&body[from..start]);
        serde_json::to_writer(&mut out, &people[&id]).map_err(bad)?;
        from = end;
    }
    out.extend_from_slice(&body[from..]);
    Ok(Some(out))
}

/// Whether a serialised answer has a snapshot field (as a key: see `answer::person_keys`).
fn holds_snapshots(body: &[u8]) -> bool {
    static FINDERS: std::sync::OnceLock<Vec<memchr::memmem::Finder<'static>>> =
        std::sync::OnceLock::new();
    FINDERS
        .get_or_init(|| crate::answer::key_finders(&SNAPSHOTS, ""))
        .iter()
        .any(|f| f.find(body).is_some())
}

/// Where a serialised answer names someone: the byte range of each quoted account id under a
/// person's key, with the id, in order.
fn people_in(body: &[u8]) -> Vec<(usize, usize, Uuid)> {
    let mut found = Vec::new();
    for key in crate::answer::person_keys() {
        for at in key.find_iter(body) {
            // The key's pattern ends with the id's opening quote.
            let open = at + key.needle().len() - 1;
            let Some(len) = memchr::memchr(b'"', &body[open + 1..]) else {
                continue;
            };
            let close = open + 1 + len;
            if let Ok(id) = Uuid::try_parse_ascii(&body[open + 1..close]) {
                found.push((open, close + 1, id));
            }
        }
    }
    found.sort_by_key(|(start, _, _)| *start);
    found
}

/// The people `value` names, without their names: for an answer to a write that has committed
/// when the lookup failed, which must not become an error the client would retry.
pub fn name_unknown(value: &mut Value) {
    let mut ids = HashSet::new();
    collect(value, &mut ids);
    fill(value, &complete(HashMap::new(), ids));
}

/// An account that is gone (never, as accounts are kept) or the service's own writes (the nil
/// id, e.g. the reference provinces at start-up) are still answered as a person.
fn complete(mut people: HashMap<Uuid, Person>, ids: HashSet<Uuid>) -> HashMap<Uuid, Person> {
    for id in ids {
        people.entry(id).or_insert_with(|| Person {
            id: None,
            account_id: id,
            full_name: if id.is_nil() {
                "khoi".into()
            } else {
                String::new()
            },
        });
    }
    people
}

fn collect(v: &Value, out: &mut HashSet<Uuid>) {
    match v {
        Value::Object(m) => {
            for (k, item) in m {
                if KEYS.contains(&k.as_str()) {
                    if let Some(id) = item.as_str().and_then(|s| Uuid::parse_str(s).ok()) {
                        out.insert(id);
                    }
                } else if !SNAPSHOTS.contains(&k.as_str()) {
                    collect(item, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
        _ => {}
    }
}

fn fill(v: &mut Value, people: &HashMap<Uuid, Person>) {
    match v {
        Value::Object(m) => {
            for (k, item) in m.iter_mut() {
                if KEYS.contains(&k.as_str()) {
                    if let Some(p) = item
                        .as_str()
                        .and_then(|s| Uuid::parse_str(s).ok())
                        .and_then(|id| people.get(&id))
                    {
                        *item = serde_json::to_value(p).unwrap_or(Value::Null);
                    }
                } else if !SNAPSHOTS.contains(&k.as_str()) {
                    fill(item, people);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| fill(i, people)),
        _ => {}
    }
}

/// The people behind these accounts (or API clients), in two queries at most.
pub async fn lookup(
    db: &impl ConnectionTrait,
    ids: &HashSet<Uuid>,
) -> Result<HashMap<Uuid, Person>, DbErr> {
    let ids: Vec<Uuid> = ids.iter().copied().collect();
    let rows: Vec<(Uuid, Option<Uuid>, String)> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .column(account::Column::StaffId)
        .column_as(
            sea_orm::sea_query::Expr::cust(name_sql("s", "accounts")),
            "full_name",
        )
        .join_as(
            sea_orm::JoinType::LeftJoin,
            account::staff(),
            sea_orm::sea_query::Alias::new("s"),
        )
        .filter(account::Column::Id.is_in(ids.clone()))
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Person> = rows
        .into_iter()
        .map(|(id, staff_id, full_name)| {
            (
                id,
                Person {
                    id: staff_id,
                    account_id: id,
                    full_name,
                },
            )
        })
        .collect();
    let missing: Vec<Uuid> = ids.into_iter().filter(|i| !out.contains_key(i)).collect();
    if !missing.is_empty() {
        let clients: Vec<(Uuid, String)> = api_client::Entity::find()
            .select_only()
            .column(api_client::Column::Id)
            .column(api_client::Column::Name)
            .filter(api_client::Column::Id.is_in(missing))
            .into_tuple()
            .all(db)
            .await?;
        for (id, name) in clients {
            out.insert(
                id,
                Person {
                    id: None,
                    account_id: id,
                    full_name: name,
                },
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_in_the_bytes_where_the_tree_finds_them() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        let body = serde_json::to_vec(&serde_json::json!({
            "items": [
                {"title": "Hội nghị \"created_by\":\"x\"", "created_by": a, "n": 1},
                {"title": "Kế hoạch", "created_by": b, "author": a, "actor": "không phải id"},
            ],
            "recorded_by": null,
        }))
        .unwrap();
        let found = people_in(&body);
        assert_eq!(
            found.iter().map(|f| f.2).collect::<Vec<_>>(),
            // `json!` sorts keys: the second item's `author` comes before its `created_by`.
            vec![a, a, b],
            "in order, the escaped text and the non-id left alone"
        );
        let mut tree = HashSet::new();
        collect(&serde_json::from_slice(&body).unwrap(), &mut tree);
        assert_eq!(tree, found.iter().map(|f| f.2).collect());
        for (start, end, id) in found {
            assert_eq!(&body[start..end], format!("\"{id}\"").as_bytes());
        }
        assert!(!holds_snapshots(&body));
        assert!(holds_snapshots(br#"{"after":{"created_by":"x"}}"#));
    }
}
