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
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement,
};
use uuid::Uuid;

/// Appends one change. The counter row stays locked until the caller's transaction commits, so
/// numbers are handed out in commit order and a rolled-back write leaves no gap.
pub async fn append(
    conn: &impl ConnectionTrait,
    resource_type: &str,
    resource_id: Uuid,
    bloc_id: Option<Uuid>,
    operation: &str,
    version: Option<i32>,
) -> Result<i64, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "UPDATE change_counter SET value = value + 1 WHERE id = 1 RETURNING value",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("change_counter".into()))?;
    let seq: i64 = row.try_get_by_index(0)?;
    let m = change::ActiveModel {
        seq: Set(seq),
        resource_type: Set(resource_type.to_string()),
        resource_id: Set(resource_id),
        bloc_id: Set(bloc_id),
        operation: Set(operation.to_string()),
        version: Set(version),
        changed_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?;
    crate::webhooks::delivery::enqueue(conn, &m).await?;
    Ok(seq)
}

/// The feed's position: the number of the last committed change.
pub async fn position(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT value FROM change_counter WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("change_counter".into()))?;
    row.try_get_by_index(0)
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
    let mut select =
        tenancy::select::<change::Entity>(&Scope::of(caller)).filter(change::Column::Seq.gt(after));
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
