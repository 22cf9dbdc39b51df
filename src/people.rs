//! People in answers: every field that names who did something (`created_by`, `author`,
//! `recorded_by`, `actor`) is answered as the person — their staff id and full name — so a
//! client shows "Trần Văn Cường" without a second call, and staff, who cannot read `/accounts`,
//! can see who wrote a report. Records keep the account that acted (the audit trail's fact);
//! the person is looked up when answering, in one query per answer, so a corrected name shows
//! everywhere at once. Done once for every JSON answer (`naming::name_people`), rather than
//! in each of the twenty DTOs' services, so no answer can forget it; a kept page is named when
//! it is made (`page_cache`), since any change of a person it names moves the position it is
//! kept at.
use crate::entities::{account, api_client, staff};
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
    let rows: Vec<(Uuid, String, Option<Uuid>, Option<String>)> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .column(account::Column::Username)
        .column(account::Column::StaffId)
        .column_as(staff::Column::FullName, "full_name")
        .join(
            sea_orm::JoinType::LeftJoin,
            account::Entity::belongs_to(staff::Entity)
                .from(account::Column::StaffId)
                .to(staff::Column::Id)
                .into(),
        )
        .filter(account::Column::Id.is_in(ids.clone()))
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Person> = rows
        .into_iter()
        .map(|(id, username, staff_id, name)| {
            (
                id,
                Person {
                    id: staff_id,
                    account_id: id,
                    full_name: name.unwrap_or(username),
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
