//! Directives sent down to grassroots units, and each unit's acknowledgement and report back.
use super::dto::{DispatchDto, DispatchQuery, DispatchStatus, NewDispatch, UpdateDispatch};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::{directive, directive_dispatch as dispatch},
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Page},
    policy::{self, Action, Actor, Resource, Target},
    refs,
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, sea_query::Condition,
};
use serde_json::json;
use uuid::Uuid;

pub const RESOURCE: &str = "directive_dispatch";
const MAX_UNITS: usize = 500;

fn status_of(m: &dispatch::Model) -> DispatchStatus {
    if m.reported_on.is_some() {
        DispatchStatus::Reported
    } else if m.acknowledged_on.is_some() {
        DispatchStatus::Acknowledged
    } else {
        DispatchStatus::Sent
    }
}

pub fn to_dto(m: dispatch::Model) -> DispatchDto {
    let today = crate::clock::today();
    DispatchDto {
        status: status_of(&m),
        overdue: m.reported_on.is_none() && m.due_on.is_some_and(|d| d < today),
        id: m.id,
        bloc_id: m.bloc_id,
        directive_id: m.directive_id,
        unit_id: m.unit_id,
        to_bloc_id: m.to_bloc_id,
        sent_on: m.sent_on,
        due_on: m.due_on,
        acknowledged_on: m.acknowledged_on,
        reported_on: m.reported_on,
        report: m.report,
        attachments: vec![],
        created_by: m.created_by,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// The directive, the caller's own or one sent to its bloc.
async fn find_directive(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<directive::Model> {
    tenancy::find_linked::<directive::Entity>(conn, &Scope::of(caller), id, "directive").await
}

#[tracing::instrument(skip_all, fields(directive_id = %directive_id))]
pub async fn send(
    db: &DatabaseConnection,
    caller: &Caller,
    directive_id: Uuid,
    body: NewDispatch,
) -> ApiResult<Vec<DispatchDto>> {
    let txn = begin_write(db).await?;
    let d = tenancy::find::<directive::Entity>(&txn, &Scope::of(caller), directive_id, "directive")
        .await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Dispatch,
        Action::Create,
        &Target::default(),
    )?;
    let mut c = Checks::new();
    let n = body.unit_ids.len() + body.bloc_ids.len();
    if n == 0 || n > MAX_UNITS {
        c.add(
            "unit_ids",
            format!("must list 1 to {MAX_UNITS} units and child blocs in all"),
        );
    }
    let sent = dispatch::Entity::find()
        .filter(dispatch::Column::DirectiveId.eq(d.id))
        .all(&txn)
        .await?;
    let mut units = Vec::new();
    for (i, u) in body.unit_ids.iter().enumerate().take(MAX_UNITS) {
        let field = format!("unit_ids[{i}]");
        if units.contains(u) {
            c.add(&field, "is listed twice");
            continue;
        }
        if refs::Kind::Unit
            .check(&txn, &mut c, &field, d.bloc_id, Some(*u))
            .await?
            && sent.iter().any(|s| s.unit_id == Some(*u))
        {
            c.add(&field, "the directive was already sent to this unit");
        }
        units.push(*u);
    }
    let already: Vec<Uuid> = sent.iter().filter_map(|s| s.to_bloc_id).collect();
    let blocs: Vec<Uuid> = if body.bloc_ids.is_empty() {
        vec![]
    } else {
        crate::refs::child_blocs(
            &txn,
            &mut c,
            d.bloc_id,
            &body.bloc_ids,
            &already,
            "directive",
        )
        .await?
        .into_iter()
        .map(|(_, b)| b)
        .collect()
    };
    if body.sent_on > crate::clock::today() {
        c.add("sent_on", "must not be in the future");
    } else if d.issued_on.is_some_and(|i| body.sent_on < i) {
        c.add("sent_on", "must not be before the directive was issued");
    }
    if let Some(due) = body.due_on
        && due < body.sent_on
    {
        c.add("due_on", "must not be before sent_on");
    }
    c.finish()?;
    let now = Utc::now();
    let mut out = Vec::new();
    let targets = units
        .into_iter()
        .map(|u| (Some(u), None))
        .chain(blocs.into_iter().map(|b| (None, Some(b))));
    for (unit_id, to_bloc_id) in targets {
        let m = dispatch::ActiveModel {
            id: Set(Uuid::now_v7()),
            bloc_id: Set(d.bloc_id),
            directive_id: Set(d.id),
            unit_id: Set(unit_id),
            to_bloc_id: Set(to_bloc_id),
            sent_on: Set(body.sent_on),
            due_on: Set(body.due_on),
            acknowledged_on: Set(None),
            reported_on: Set(None),
            report: Set(None),
            created_by: Set(caller.account_id),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        if let Some(child) = m.to_bloc_id {
            crate::notifications::emit::directive_sent(&txn, caller.account_id, &d, &m, child)
                .await?;
        }
        let dto = to_dto(m);
        audit::log_and_announce(
            &txn,
            caller,
            audit::Written {
                action: "create",
                resource_type: RESOURCE,
                resource_id: dto.id,
                bloc_id: Some(d.bloc_id),
                before: None,
                after: Some(&dto),
            },
        )
        .await?;
        out.push(dto);
    }
    txn.commit().await?;
    Ok(out)
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    directive_id: Option<Uuid>,
    q: DispatchQuery,
) -> ApiResult<Page<DispatchDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Dispatch)?;
    let limit = pagination::limit(q.limit)?;
    let keyset = Keyset::<dispatch::Column>::parse(None, q.cursor.as_deref(), &[])?;
    if let Some(id) = directive_id {
        find_directive(db, caller, id).await?;
    }
    let scope = Scope::of(caller).narrowed(q.bloc_id, q.province.as_deref());
    let mut select = match (q.received, scope.own_bloc()) {
        // What the caller's bloc received from its parent.
        (Some(true), Some(me)) => tenancy::select_with_received::<dispatch::Entity>(&scope)
            .filter(dispatch::Column::ToBlocId.eq(me)),
        (Some(true), None) => {
            return Err(ApiError::bad_field(
                "received",
                "is for a bloc's own people: the dispatches their bloc received",
            ));
        }
        _ => tenancy::select::<dispatch::Entity>(&scope),
    };
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        dispatch::Column::UpdatedAt,
        dispatch::Column::Id,
    )?;
    if let Some(b) = q.to_bloc_id {
        select = select.filter(dispatch::Column::ToBlocId.eq(b));
    }
    if let Some(id) = directive_id.or(q.directive_id) {
        select = select.filter(dispatch::Column::DirectiveId.eq(id));
    }
    if let Some(u) = q.unit_id {
        select = select.filter(dispatch::Column::UnitId.eq(u));
    }
    if let Some(s) = q.status {
        select = select.filter(match s {
            DispatchStatus::Reported => {
                Condition::all().add(dispatch::Column::ReportedOn.is_not_null())
            }
            DispatchStatus::Acknowledged => Condition::all()
                .add(dispatch::Column::ReportedOn.is_null())
                .add(dispatch::Column::AcknowledgedOn.is_not_null()),
            DispatchStatus::Sent => Condition::all()
                .add(dispatch::Column::ReportedOn.is_null())
                .add(dispatch::Column::AcknowledgedOn.is_null()),
        });
    }
    if q.pending == Some(true) {
        select = select.filter(dispatch::Column::ReportedOn.is_null());
    }
    if q.overdue == Some(true) {
        select = select
            .filter(dispatch::Column::ReportedOn.is_null())
            .filter(dispatch::Column::DueOn.lt(crate::clock::today()));
    }
    let mut page = keyset
        .fetch(
            db,
            select,
            dispatch::Column::Id,
            limit,
            |m| (json!(null), m.id),
            to_dto,
        )
        .await?;
    crate::files::service::fill_attachments(
        db,
        &mut page.items,
        |d| d.id,
        |d, files| d.attachments = files,
    )
    .await?;
    Ok(page)
}

async fn find(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    directive_id: Uuid,
    id: Uuid,
) -> ApiResult<dispatch::Model> {
    find_directive(conn, caller, directive_id).await?;
    let m =
        tenancy::find_linked::<dispatch::Entity>(conn, &Scope::of(caller), id, "dispatch").await?;
    if m.directive_id != directive_id {
        return Err(ApiError::not_found("dispatch"));
    }
    Ok(m)
}

#[tracing::instrument(skip_all, fields(directive_id = %directive_id, id = %id))]
pub async fn get(
    db: &DatabaseConnection,
    caller: &Caller,
    directive_id: Uuid,
    id: Uuid,
) -> ApiResult<DispatchDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Dispatch)?;
    let m = find(db, caller, directive_id, id).await?;
    Ok(with_attachments(db, to_dto(m)).await?)
}

fn check_date(
    c: &mut Checks,
    field: &str,
    d: Option<NaiveDate>,
    not_before: NaiveDate,
    what: &str,
) {
    if let Some(d) = d {
        if d > crate::clock::today() {
            c.add(field, "must not be in the future");
        } else if d < not_before {
            c.add(field, format!("must not be before {what}"));
        }
    }
}

#[tracing::instrument(skip_all, fields(directive_id = %directive_id, id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    directive_id: Uuid,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateDispatch,
) -> ApiResult<DispatchDto> {
    let txn = begin_write(db).await?;
    let current = find(&txn, caller, directive_id, id).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Dispatch,
        Action::Update,
        &Target::default(),
    )?;
    if_match.check(current.version)?;
    let mut c = Checks::new();
    // A child bloc answers for itself; its parent only moves the deadline.
    let me = Scope::of(caller).own_bloc();
    if let Some(to) = current.to_bloc_id {
        let answers = body.acknowledged_on.is_some()
            || body.reported_on.is_some()
            || body.report.is_some()
            || body.attachments.is_some();
        if me == Some(to) && body.due_on.is_some() {
            c.add("due_on", "is set by the bloc that sent the directive");
        }
        if me != Some(to) && answers {
            for (f, given) in [
                ("acknowledged_on", body.acknowledged_on.is_some()),
                ("reported_on", body.reported_on.is_some()),
                ("report", body.report.is_some()),
                ("attachments", body.attachments.is_some()),
            ] {
                if given {
                    c.add(
                        f,
                        "the bloc it was sent to acknowledges and reports back itself",
                    );
                }
            }
        }
    }
    let reported_on = body.reported_on.unwrap_or(current.reported_on);
    let acknowledged_on = match body.acknowledged_on {
        Some(a) => a,
        None => current.acknowledged_on.or(reported_on),
    };
    let report = match &body.report {
        Some(r) => c.opt_long_text("report", r.as_deref(), 10_000),
        None => current.report.clone(),
    };
    let due_on = body.due_on.unwrap_or(current.due_on);
    check_date(
        &mut c,
        "acknowledged_on",
        acknowledged_on,
        current.sent_on,
        "it was sent",
    );
    check_date(
        &mut c,
        "reported_on",
        reported_on,
        acknowledged_on.unwrap_or(current.sent_on),
        "it was acknowledged",
    );
    if reported_on.is_some() && acknowledged_on.is_none() {
        c.add(
            "acknowledged_on",
            "a unit that reported back has acknowledged",
        );
    }
    if report.is_some() && reported_on.is_none() {
        c.add("reported_on", "give the date of the report");
    }
    let files = body.attachments.as_deref().unwrap_or_default();
    if !files.is_empty() && reported_on.is_none() {
        c.add(
            "reported_on",
            "give the date of the report the attachments are evidence of",
        );
    }
    if let Some(d) = due_on
        && d < current.sent_on
    {
        c.add("due_on", "must not be before sent_on");
    }
    c.finish()?;
    let mut am: dispatch::ActiveModel = current.clone().into();
    am.acknowledged_on = Set(acknowledged_on);
    am.reported_on = Set(reported_on);
    am.report = Set(report);
    am.due_on = Set(due_on);
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, dispatch::Column::Version, current.version).await?;
    let before = with_attachments(&txn, to_dto(current.clone())).await?;
    let mut after = to_dto(updated);
    after.attachments = before.attachments.clone();
    // The reporting bloc's own uploads: the child bloc's for a bloc, the sender's for a unit.
    if !files.is_empty() {
        let Some(bloc) = me else {
            return Err(ApiError::bad_field(
                "attachments",
                "are uploaded and attached by a bloc's own people",
            ));
        };
        after.attachments.extend(
            crate::files::service::attach(&txn, caller, bloc, "attachments", files, (RESOURCE, id))
                .await?,
        );
        // In upload order, as a read lists them.
        after.attachments.sort_by_key(|f| f.id);
    }
    // The feed says what happened: acknowledged, reported back, or another change.
    let action = if current.reported_on.is_none() && after.reported_on.is_some() {
        "report"
    } else if current.acknowledged_on.is_none() && after.acknowledged_on.is_some() {
        "acknowledge"
    } else {
        "update"
    };
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action,
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(current.bloc_id),
            before: Some(&before),
            after: Some(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

async fn with_attachments(
    conn: &impl ConnectionTrait,
    mut dto: DispatchDto,
) -> Result<DispatchDto, sea_orm::DbErr> {
    let mut files = crate::files::service::attached_to(conn, &[dto.id]).await?;
    dto.attachments = files.remove(&dto.id).unwrap_or_default();
    Ok(dto)
}
