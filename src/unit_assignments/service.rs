//! Staff assigned to grassroots units for a purpose and a period.
use super::dto::{
    CreateUnitAssignment, Purpose, UncoveredQuery, UncoveredUnit, UnitAssignmentDto,
    UnitAssignmentQuery, UpdateUnitAssignment,
};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::{unit, unit_assignment as ua},
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Kind, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    refs,
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
    sea_query::{Condition, Query},
};
use serde_json::json;
use uuid::Uuid;

pub const RESOURCE: &str = "unit_assignment";
/// An open end, as a date both databases compare correctly (ISO text on SQLite).
const FOREVER: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

fn sort_fields() -> [SortField<ua::Column>; 2] {
    [
        SortField {
            name: "start_on",
            column: ua::Column::StartOn,
            kind: Kind::Date,
        },
        SortField {
            name: "created_at",
            column: ua::Column::CreatedAt,
            kind: Kind::Time,
        },
    ]
}

pub fn to_dto(m: ua::Model) -> UnitAssignmentDto {
    UnitAssignmentDto {
        purpose: Purpose::parse(&m.purpose).unwrap_or(Purpose::Other),
        id: m.id,
        bloc_id: m.bloc_id,
        staff_id: m.staff_id,
        unit_id: m.unit_id,
        start_on: m.start_on,
        end_on: m.end_on,
        notes: m.notes,
        created_by: m.created_by,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// Assignments overlapping `from..=to` (an open end runs for ever).
fn overlapping(from: NaiveDate, to: NaiveDate) -> Condition {
    Condition::all().add(ua::Column::StartOn.lte(to)).add(
        Condition::any()
            .add(ua::Column::EndOn.is_null())
            .add(ua::Column::EndOn.gte(from)),
    )
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: UnitAssignmentQuery,
) -> ApiResult<Page<UnitAssignmentDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::UnitAssignment)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(q.sort.as_deref(), q.cursor.as_deref(), &fields)?;
    let mut select = tenancy::select::<ua::Entity>(
        &Scope::of(caller).narrowed(q.bloc_id, q.province.as_deref()),
    );
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        ua::Column::UpdatedAt,
        ua::Column::Id,
    )?;
    if let Some(u) = q.unit_id {
        select = select.filter(ua::Column::UnitId.eq(u));
    }
    if let Some(s) = q.staff_id {
        select = select.filter(ua::Column::StaffId.eq(s));
    }
    if let Some(p) = q.purpose {
        select = select.filter(ua::Column::Purpose.eq(p.as_str()));
    }
    if let Some(d) = q.active_on {
        select = select.filter(overlapping(d, d));
    }
    let field = keyset.field_name();
    Ok(keyset
        .fetch(
            db,
            select,
            ua::Column::Id,
            limit,
            |m| {
                let v = match field {
                    Some("start_on") => json!(m.start_on),
                    Some("created_at") => json!(m.created_at),
                    _ => json!(null),
                };
                (v, m.id)
            },
            to_dto,
        )
        .await?)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<UnitAssignmentDto> {
    crate::policy::may_read(caller, crate::policy::Resource::UnitAssignment)?;
    tenancy::find::<ua::Entity>(db, &Scope::of(caller), id, "unit assignment")
        .await
        .map(to_dto)
}

/// The same person on the same unit for the same purpose in an overlapping period.
async fn clash(
    conn: &impl ConnectionTrait,
    m: &ua::Model,
) -> Result<Option<ua::Model>, sea_orm::DbErr> {
    ua::Entity::find()
        .filter(ua::Column::BlocId.eq(m.bloc_id))
        .filter(ua::Column::StaffId.eq(m.staff_id))
        .filter(ua::Column::UnitId.eq(m.unit_id))
        .filter(ua::Column::Purpose.eq(m.purpose.clone()))
        .filter(ua::Column::Id.ne(m.id))
        .filter(overlapping(m.start_on, m.end_on.unwrap_or(FOREVER)))
        .one(conn)
        .await
}

async fn check(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    m: &ua::Model,
    staff_changed: bool,
    unit_changed: bool,
) -> Result<(), sea_orm::DbErr> {
    if staff_changed {
        refs::Kind::Staff
            .check(conn, c, "staff_id", m.bloc_id, Some(m.staff_id))
            .await?;
    }
    if unit_changed {
        refs::Kind::Unit
            .check(conn, c, "unit_id", m.bloc_id, Some(m.unit_id))
            .await?;
    }
    if let Some(end) = m.end_on
        && end < m.start_on
    {
        c.add("end_on", "must not be before start_on");
    }
    Ok(())
}

fn clash_error(other: &ua::Model) -> ApiError {
    ApiError::conflict(format!(
        "this person is already assigned to this unit for this purpose from {} (assignment {})",
        other.start_on, other.id
    ))
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: CreateUnitAssignment,
) -> ApiResult<UnitAssignmentDto> {
    let bloc_id = Scope::of(caller)
        .own_bloc()
        .ok_or_else(|| ApiError::Forbidden("only the bloc's own people assign its staff".into()))?;
    let txn = begin_write(db).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::UnitAssignment,
        Action::Create,
        &Target::default(),
    )?;
    let mut c = Checks::new();
    let now = Utc::now();
    let m = ua::Model {
        id: Uuid::now_v7(),
        bloc_id,
        staff_id: body.staff_id,
        unit_id: body.unit_id,
        purpose: body.purpose.as_str().into(),
        start_on: body.start_on,
        end_on: body.end_on,
        notes: c.opt_long_text("notes", body.notes.as_deref(), 4_000),
        created_by: caller.account_id,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    check(&txn, &mut c, &m, true, true).await?;
    c.finish()?;
    if let Some(other) = clash(&txn, &m).await? {
        return Err(clash_error(&other));
    }
    let am: ua::ActiveModel = m.into();
    let m = am.insert(&txn).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: RESOURCE,
            resource_id: m.id,
            bloc_id: Some(bloc_id),
            before: None,
            after: Some(&to_dto(m.clone())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_dto(m))
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateUnitAssignment,
) -> ApiResult<UnitAssignmentDto> {
    let txn = begin_write(db).await?;
    let current =
        tenancy::find::<ua::Entity>(&txn, &Scope::of(caller), id, "unit assignment").await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::UnitAssignment,
        Action::Update,
        &Target::default(),
    )?;
    if_match.check(current.version)?;
    let mut c = Checks::new();
    let mut next = current.clone();
    if let Some(s) = body.staff_id {
        next.staff_id = s;
    }
    if let Some(u) = body.unit_id {
        next.unit_id = u;
    }
    if let Some(p) = body.purpose {
        next.purpose = p.as_str().into();
    }
    if let Some(d) = body.start_on {
        next.start_on = d;
    }
    if let Some(d) = body.end_on {
        next.end_on = d;
    }
    if let Some(n) = &body.notes {
        next.notes = c.opt_long_text("notes", n.as_deref(), 4_000);
    }
    check(
        &txn,
        &mut c,
        &next,
        next.staff_id != current.staff_id,
        next.unit_id != current.unit_id,
    )
    .await?;
    c.finish()?;
    if let Some(other) = clash(&txn, &next).await? {
        return Err(clash_error(&other));
    }
    next.version = current.version + 1;
    next.updated_at = Utc::now();
    let mut am: ua::ActiveModel = current.clone().into();
    am.staff_id = Set(next.staff_id);
    am.unit_id = Set(next.unit_id);
    am.purpose = Set(next.purpose);
    am.start_on = Set(next.start_on);
    am.end_on = Set(next.end_on);
    am.notes = Set(next.notes);
    am.version = Set(next.version);
    am.updated_at = Set(next.updated_at);
    let updated = save_if_unchanged(&txn, am, ua::Column::Version, current.version).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(current.bloc_id),
            before: Some(&to_dto(current)),
            after: Some(&to_dto(updated.clone())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_dto(updated))
}

/// Units with nobody assigned for a purpose at any time in a period: one query.
#[tracing::instrument(skip_all)]
pub async fn uncovered(
    db: &DatabaseConnection,
    caller: &Caller,
    q: UncoveredQuery,
) -> ApiResult<Vec<UncoveredUnit>> {
    crate::policy::may_read(caller, crate::policy::Resource::UnitAssignment)?;
    let to = q.to.unwrap_or(q.from);
    if to < q.from {
        return Err(ApiError::bad_field("to", "must not be before from"));
    }
    let mut covered = Query::select();
    covered
        .column(ua::Column::UnitId)
        .from(ua::Entity)
        .and_where(ua::Column::Purpose.eq(q.purpose.as_str()))
        .cond_where(overlapping(q.from, to));
    let mut select = tenancy::select::<unit::Entity>(&Scope::of(caller))
        .filter(unit::Column::Id.not_in_subquery(covered.to_owned()));
    if let Some(k) = q
        .unit_kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        select = select.filter(unit::Column::Kind.eq(k));
    }
    Ok(select
        .order_by_asc(unit::Column::NameFolded)
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| UncoveredUnit {
            id: u.id,
            name: u.name,
            kind: u.kind,
        })
        .collect())
}
