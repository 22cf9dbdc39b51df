use super::dto::{AuditEntryDto, AuditQuery};
use crate::{
    auth::Caller,
    entities::audit_entry,
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    tenancy::Scope,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// One write to record.
pub struct Entry<'a> {
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_id: Uuid,
    pub bloc_id: Option<Uuid>,
    /// The resource as clients see it (its DTO), before and after. Secrets never reach here
    /// because DTOs do not carry them.
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The changed fields: `{field: {"before": …, "after": …}}`.
pub fn diff(before: Option<&Value>, after: Option<&Value>) -> Map<String, Value> {
    let empty = Map::new();
    let b = before.and_then(Value::as_object).unwrap_or(&empty);
    let a = after.and_then(Value::as_object).unwrap_or(&empty);
    let mut out = Map::new();
    for key in b.keys().chain(a.keys().filter(|k| !b.contains_key(*k))) {
        if matches!(key.as_str(), "updated_at" | "created_at") {
            continue;
        }
        let (bv, av) = (b.get(key), a.get(key));
        if bv != av {
            out.insert(
                key.clone(),
                json!({"before": bv.cloned().unwrap_or(Value::Null), "after": av.cloned().unwrap_or(Value::Null)}),
            );
        }
    }
    out
}

/// Records a write given the resource's DTO before and after (either may be absent).
#[allow(clippy::too_many_arguments)]
/// One committed write as it is logged and announced: the resource before and after (its DTO).
pub struct Written<'a, T> {
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_id: Uuid,
    pub bloc_id: Option<Uuid>,
    pub before: Option<&'a T>,
    pub after: Option<&'a T>,
}

/// Logs a write and announces it, in the write's own transaction: one entry in the audit log,
/// one change in the feed (which queues the webhook deliveries for it), and, when the request
/// carried an `Idempotency-Key`, the answer bound to that key.
pub async fn log_and_announce<T: serde::Serialize>(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    w: Written<'_, T>,
) -> Result<(), DbErr> {
    let to_json = |t: &T| serde_json::to_value(t).unwrap_or(Value::Null);
    log_and_announce_entry(
        conn,
        caller,
        Entry {
            action: w.action,
            resource_type: w.resource_type,
            resource_id: w.resource_id,
            bloc_id: w.bloc_id,
            before: w.before.map(to_json),
            after: w.after.map(to_json),
        },
    )
    .await
}

/// One row rewritten by a write that touches many (a merger, a dissolution): what it is and
/// where it now belongs.
pub struct Rewrite<'a> {
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_id: Uuid,
    pub bloc_id: Option<Uuid>,
}

/// Saves `am` if the row is still at `read_version` (412 otherwise), moving its version on and
/// stamping `updated_at`, and records the write as [`log_and_announce`] does, `before` and the
/// saved row shown through `to_dto`.
pub async fn save_and_record<A, D>(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    w: Rewrite<'_>,
    before: &D,
    (am, version_column, read_version): (A, <A::Entity as EntityTrait>::Column, i32),
    to_dto: impl Fn(<A::Entity as EntityTrait>::Model) -> D,
) -> ApiResult<<A::Entity as EntityTrait>::Model>
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A> + Clone,
    <A::Entity as EntityTrait>::Column: std::str::FromStr,
    D: serde::Serialize,
{
    let mut am = am;
    am.set(version_column, (read_version + 1).into());
    if let Ok(updated_at) = "updated_at".parse::<<A::Entity as EntityTrait>::Column>() {
        am.set(updated_at, chrono::Utc::now().into());
    }
    let saved =
        crate::concurrency::save_if_unchanged(conn, am, version_column, read_version).await?;
    log_and_announce(
        conn,
        caller,
        Written {
            action: w.action,
            resource_type: w.resource_type,
            resource_id: w.resource_id,
            bloc_id: w.bloc_id,
            before: Some(before),
            after: Some(&to_dto(saved.clone())),
        },
    )
    .await?;
    Ok(saved)
}

/// [`log_and_announce`] for a write already in JSON.
#[tracing::instrument(skip_all)]
pub async fn log_and_announce_entry(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    e: Entry<'_>,
) -> Result<(), DbErr> {
    let idempotent = caller.idempotency.as_ref();
    let (created, after) = (e.action == "create", e.after.clone());
    record(conn, Some(caller.account_id), caller.request_id.clone(), e).await?;
    // A request sent with an Idempotency-Key: its answer is bound to this commit. Where one
    // request writes several resources, the last one recorded is its answer.
    if let Some(claim) = idempotent {
        crate::idempotency::record_in_transaction(conn, claim, created, after.as_ref()).await?;
    }
    Ok(())
}

/// Binds a request's answer to its Idempotency-Key where one request writes several resources
/// and its answer is none of them alone (a bloc opened with its head).
pub async fn answer(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    created: bool,
    body: &impl serde::Serialize,
) -> Result<(), DbErr> {
    if let Some(claim) = caller.idempotency.as_ref() {
        let v = serde_json::to_value(body).unwrap_or(Value::Null);
        crate::idempotency::record_in_transaction(conn, claim, created, Some(&v)).await?;
    }
    Ok(())
}

/// [`log_and_announce_entry`] for a write made by the service itself, outside any request (the
/// first admin, the command line, the demo seed): no actor.
pub async fn log_and_announce_by_system(
    conn: &impl ConnectionTrait,
    e: Entry<'_>,
) -> Result<(), DbErr> {
    record(conn, None, None, e).await
}

async fn record(
    conn: &impl ConnectionTrait,
    actor_id: Option<Uuid>,
    request_id: Option<String>,
    e: Entry<'_>,
) -> Result<(), DbErr> {
    // Every committed write passes here: none may name a dissolved bloc but its dissolution.
    if let Some(b) = e.bloc_id
        && e.action != "dissolve"
    {
        writable(conn, b).await?;
    }
    let changes = diff(e.before.as_ref(), e.after.as_ref());
    audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(e.bloc_id),
        actor_id: Set(actor_id),
        action: Set(e.action.to_string()),
        resource_type: Set(e.resource_type.to_string()),
        resource_id: Set(e.resource_id),
        changes: Set(Value::Object(changes).to_string()),
        request_id: Set(request_id),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?;
    // Every audited write is also a change in the feed, in the same transaction.
    let version = e
        .after
        .as_ref()
        .and_then(|a| a.get("version"))
        .and_then(Value::as_i64)
        .and_then(|v| i32::try_from(v).ok());
    crate::changes::service::append(
        conn,
        e.resource_type,
        e.resource_id,
        e.bloc_id,
        // A delegated task, a cascaded campaign: born in the child bloc as they arrive.
        if matches!(e.action, "create" | "delegate" | "cascade" | "upload") {
            "create"
        } else {
            "update"
        },
        e.action,
        version,
    )
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: AuditQuery,
) -> ApiResult<Page<AuditEntryDto>> {
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::AuditLog,
        Action::Read,
        &Target::default(),
    )?;
    let limit = pagination::limit(q.limit)?;
    // Newest first by default: ids are time-ordered.
    let fields: [SortField<audit_entry::Column>; 0] = [];
    let mut keyset = Keyset::parse(None, q.cursor.as_deref(), &fields)?;
    keyset.desc = true;
    let scope = Scope::of(caller);
    let mut select =
        audit_entry::Entity::find().filter(scope.condition(audit_entry::Column::BlocId));
    if let Some(t) = &q.resource_type {
        select = select.filter(audit_entry::Column::ResourceType.eq(t.as_str()));
    }
    if let Some(id) = q.resource_id {
        select = select.filter(audit_entry::Column::ResourceId.eq(id));
    }
    if let Some(id) = q.actor_id {
        select = select.filter(audit_entry::Column::ActorId.eq(id));
    }
    if let (Some(from), Some(to)) = (q.from, q.to)
        && from > to
    {
        return Err(ApiError::bad_field("from", "must not be after `to`"));
    }
    if let Some(from) = q.from {
        select = select.filter(audit_entry::Column::CreatedAt.gte(from));
    }
    if let Some(to) = q.to {
        select = select.filter(audit_entry::Column::CreatedAt.lt(to));
    }
    Ok(keyset
        .fetch(
            db,
            select,
            audit_entry::Column::Id,
            limit,
            |m| (Value::Null, m.id),
            AuditEntryDto::from,
        )
        .await?)
}

/// Refuses (`409`) a write naming a dissolved bloc: its records are read-only history.
async fn writable(conn: &impl ConnectionTrait, bloc_id: Uuid) -> Result<(), DbErr> {
    use crate::entities::bloc;
    use sea_orm::EntityTrait;
    if let Some(b) = bloc::Entity::find_by_id(bloc_id).one(conn).await?
        && let Some(day) = b.dissolved_on
    {
        return Err(DbErr::Custom(format!(
            "{}{} was dissolved on {day}: its records are read-only",
            crate::error::READ_ONLY,
            b.name
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_keeps_only_changed_fields() {
        let before =
            json!({"name": "Hội Nông dân", "code": "HND", "version": 1, "updated_at": "x"});
        let after =
            json!({"name": "Hội Nông dân huyện", "code": "HND", "version": 2, "updated_at": "y"});
        let d = diff(Some(&before), Some(&after));
        assert_eq!(d.len(), 2);
        assert_eq!(d["name"]["before"], "Hội Nông dân");
        assert_eq!(d["name"]["after"], "Hội Nông dân huyện");
        assert_eq!(d["version"]["after"], 2);
        let created = diff(None, Some(&after));
        assert_eq!(created["code"]["before"], Value::Null);
    }
}
