//! The change feed: written with every audited write, in the same transaction, numbered in
//! commit order; read with a cursor.
use super::dto::{ChangePage, ChangeQuery, to_dto};
use crate::{
    auth::Caller,
    entities::change,
    error::{ApiError, ApiResult},
    policy::{self, Action, Actor, Resource, Target},
    tenancy::{self, Scope},
};
use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryFilter, QueryOrder,
    QuerySelect, Statement,
    sea_query::{Expr, Query},
};
use uuid::Uuid;

/// Every resource type the feed carries (webhook event patterns name them too).
pub const RESOURCE_TYPES: [&str; 25] = [
    "account",
    "api_client",
    "bloc",
    "campaign",
    "campaign_measurement",
    "campaign_registration",
    "campaign_target",
    "comment",
    "directive",
    "directive_dispatch",
    "file",
    "meeting",
    "organisation",
    "province",
    "staff",
    "sub_committee",
    "supervision",
    "supervision_finding",
    "supervision_recommendation",
    "task",
    "task_report",
    "task_series",
    "unit",
    "unit_assignment",
    "webhook",
];

/// Resource types of no bloc that every reader may read (and so hears of).
const REFERENCE_TYPES: [&str; 1] = ["province"];

/// Appends one change, numbered in commit order so a reader never misses one.
///
/// On PostgreSQL the change is written with a draft number (negative, from a sequence) and a
/// trigger deferred to the commit numbers it there from the counter row, moving its queued
/// deliveries' number with it (migration 33): the counter is locked for
/// the commit's moment, not from this write to the commit, so writers run in parallel. SQLite
/// has one writer at a time: the number is taken here, and the counter row stays locked until
/// the transaction commits, so a rolled-back write leaves no gap. Called inside the write's
/// transaction (every audited write has one): outside one, PostgreSQL would number the change
/// before its deliveries were queued, and they would keep the draft number.
pub async fn append(
    conn: &impl ConnectionTrait,
    resource_type: &str,
    resource_id: Uuid,
    bloc_id: Option<Uuid>,
    operation: &str,
    action: &str,
    version: Option<i32>,
) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    let m = change::Model {
        seq: 0,
        resource_type: resource_type.to_string(),
        resource_id,
        bloc_id,
        operation: operation.to_string(),
        action: Some(action.to_string()),
        version,
        changed_at: Utc::now(),
    };
    let seq: i64 = if backend == DbBackend::Postgres {
        insert(conn, &m, Expr::cust("-nextval('change_drafts')")).await?
    } else {
        let row = conn
            .query_one_raw(Statement::from_string(
                backend,
                "UPDATE change_counter SET value = value + 1 WHERE id = 1 RETURNING value",
            ))
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("change_counter".into()))?;
        let seq: i64 = row.try_get_by_index(0)?;
        insert(conn, &m, Expr::val(seq)).await?
    };
    let m = change::Model { seq, ..m };
    // The blocs' positions move by triggers (migration 33): as the change is written on SQLite,
    // at the commit on PostgreSQL.
    crate::webhooks::delivery::enqueue(conn, &m).await
}

/// Writes `m` numbered `seq`, returning the number written.
async fn insert(conn: &impl ConnectionTrait, m: &change::Model, seq: Expr) -> Result<i64, DbErr> {
    use change::Column as C;
    let mut q = Query::insert();
    q.into_table(change::Entity)
        .columns([
            C::Seq,
            C::ResourceType,
            C::ResourceId,
            C::BlocId,
            C::Operation,
            C::Action,
            C::Version,
            C::ChangedAt,
        ])
        .values_panic([
            seq,
            m.resource_type.clone().into(),
            m.resource_id.into(),
            m.bloc_id.into(),
            m.operation.clone().into(),
            m.action.clone().into(),
            m.version.into(),
            m.changed_at.into(),
        ])
        .returning_col(C::Seq);
    let row = conn
        .query_one_raw(conn.get_database_backend().build(&q))
        .await?
        .ok_or_else(|| DbErr::RecordNotInserted)?;
    row.try_get_by_index(0)
}

/// The policy row that decides who may read a change of each resource type: the feed tells a
/// caller only of what it may then read (nested resources are read through their parent).
pub(crate) fn read_as(resource_type: &str) -> Option<Resource> {
    Some(match resource_type {
        "account" => Resource::Account,
        "api_client" => Resource::Client,
        "bloc" => Resource::Bloc,
        "campaign" => Resource::Campaign,
        "campaign_measurement" => Resource::Measurement,
        "campaign_registration" => Resource::Registration,
        "campaign_target" => Resource::CampaignTarget,
        "directive" => Resource::Directive,
        "directive_dispatch" => Resource::Dispatch,
        "meeting" => Resource::Meeting,
        "organisation" => Resource::Organisation,
        "province" => Resource::Province,
        "staff" => Resource::Staff,
        "sub_committee" => Resource::SubCommittee,
        "supervision" | "supervision_finding" | "supervision_recommendation" => {
            Resource::Supervision
        }
        "task" | "task_report" | "task_series" => Resource::Task,
        "comment" => Resource::Comment,
        "file" => Resource::File,
        "unit" => Resource::Unit,
        "unit_assignment" => Resource::UnitAssignment,
        "webhook" => Resource::Webhook,
        _ => return None,
    })
}

/// The resource types `caller` may read.
fn readable_types(caller: &Caller) -> Vec<&'static str> {
    RESOURCE_TYPES
        .into_iter()
        .filter(|t| read_as(t).is_some_and(|r| policy::may_read(caller, r).is_ok()))
        .collect()
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: ChangeQuery,
) -> ApiResult<ChangePage> {
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Change,
        Action::Read,
        &Target::default(),
    )?;
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::bad_field("after", "must be 0 or more"));
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_field("limit", "must be from 1 to 1000"));
    }
    let mut select = tenancy::select_feed(&Scope::of(caller), &REFERENCE_TYPES)
        .filter(change::Column::Seq.gt(after))
        .filter(change::Column::ResourceType.is_in(readable_types(caller)));
    if let Some(t) = q
        .resource_type
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        select = select.filter(change::Column::ResourceType.eq(t));
    }
    let mut rows = select
        .order_by_asc(change::Column::Seq)
        .limit(limit as u64 + 1)
        .all(db)
        .await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let keys: Vec<(&str, Uuid)> = rows
        .iter()
        .map(|r| (r.resource_type.as_str(), r.resource_id))
        .collect();
    let hrefs = super::href::resolve(db, &keys).await?;
    Ok(ChangePage {
        next_after: rows.last().map(|r| r.seq).unwrap_or(after),
        has_more,
        items: rows
            .into_iter()
            .map(|m| to_dto(&m, hrefs.get(&m.resource_id).cloned()))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_resource_type_of_the_feed_has_a_reading_rule() {
        for t in super::RESOURCE_TYPES {
            assert!(super::read_as(t).is_some(), "{t}");
        }
    }
}
