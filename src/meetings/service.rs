//! Meetings, their decisions (which may create tasks), and the monthly review.
use super::dto::{
    CreateMeeting, DecisionDto, MeetingDto, MeetingKind, MeetingQuery, MeetingStatus, NewDecision,
    UpdateMeeting,
};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::{meeting, meeting_attendee as attendee, meeting_decision as decision},
    error::{ApiError, ApiResult, FieldError},
    pagination::{self, Keyset, Kind, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    refs,
    tasks::{self, dto::Transition, workflow::Move},
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

pub const RESOURCE: &str = "meeting";
const MAX_ATTENDEES: usize = 100;
const MAX_DECISIONS: usize = 50;

fn sort_fields() -> [SortField<meeting::Column>; 2] {
    [
        SortField {
            name: "held_on",
            column: meeting::Column::HeldOn,
            kind: Kind::Date,
        },
        SortField {
            name: "created_at",
            column: meeting::Column::CreatedAt,
            kind: Kind::Time,
        },
    ]
}

async fn dtos(
    conn: &impl ConnectionTrait,
    rows: Vec<meeting::Model>,
) -> Result<Vec<MeetingDto>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut attendees: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let mut decisions: HashMap<Uuid, Vec<DecisionDto>> = HashMap::new();
    let mut files = crate::files::service::attached_to(conn, &ids).await?;
    if !ids.is_empty() {
        for a in attendee::Entity::find()
            .filter(attendee::Column::MeetingId.is_in(ids.clone()))
            .order_by_asc(attendee::Column::StaffId)
            .all(conn)
            .await?
        {
            attendees.entry(a.meeting_id).or_default().push(a.staff_id);
        }
        for d in decision::Entity::find()
            .filter(decision::Column::MeetingId.is_in(ids))
            .order_by_asc(decision::Column::Id)
            .all(conn)
            .await?
        {
            decisions
                .entry(d.meeting_id)
                .or_default()
                .push(DecisionDto {
                    id: d.id,
                    text: d.text,
                    task_id: d.task_id,
                    created_at: d.created_at,
                });
        }
    }
    Ok(rows
        .into_iter()
        .map(|m| MeetingDto {
            attendee_ids: attendees.remove(&m.id).unwrap_or_default(),
            decisions: decisions.remove(&m.id).unwrap_or_default(),
            attachments: files.remove(&m.id).unwrap_or_default(),
            kind: MeetingKind::parse(&m.kind).unwrap_or(MeetingKind::AdHoc),
            id: m.id,
            bloc_id: m.bloc_id,
            title: m.title,
            held_on: m.held_on,
            status: MeetingStatus::parse(&m.status),
            chair_staff_id: m.chair_staff_id,
            agenda: m.agenda,
            minutes: m.minutes,
            created_by: m.created_by,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
        .collect())
}

async fn dto(conn: &impl ConnectionTrait, m: meeting::Model) -> Result<MeetingDto, DbErr> {
    Ok(dtos(conn, vec![m]).await?.remove(0))
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: MeetingQuery,
) -> ApiResult<Page<MeetingDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Meeting)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(q.sort.as_deref(), q.cursor.as_deref(), &fields)?;
    if let (Some(f), Some(t)) = (q.from, q.to)
        && f > t
    {
        return Err(ApiError::bad_field("from", "must not be after to"));
    }
    let mut select = tenancy::select::<meeting::Entity>(
        &Scope::of(caller).narrowed(q.bloc_id, q.province.as_deref()),
    );
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        meeting::Column::UpdatedAt,
        meeting::Column::Id,
    )?;
    if let Some(k) = q.kind {
        select = select.filter(meeting::Column::Kind.eq(k.as_str()));
    }
    if let Some(f) = q.from {
        select = select.filter(meeting::Column::HeldOn.gte(f));
    }
    if let Some(t) = q.to {
        select = select.filter(meeting::Column::HeldOn.lte(t));
    }
    let field = keyset.field_name();
    let rows = keyset
        .apply(select, meeting::Column::Id, limit)
        .all(db)
        .await?;
    let items = dtos(db, rows).await?;
    Ok(keyset.finish(
        items,
        limit,
        |d| {
            let v = match field {
                Some("held_on") => json!(d.held_on),
                Some("created_at") => json!(d.created_at),
                _ => json!(null),
            };
            (v, d.id)
        },
        |d| d,
    ))
}

async fn find(conn: &impl ConnectionTrait, caller: &Caller, id: Uuid) -> ApiResult<meeting::Model> {
    tenancy::find::<meeting::Entity>(conn, &Scope::of(caller), id, "meeting").await
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<MeetingDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Meeting)?;
    let m = find(db, caller, id).await?;
    Ok(dto(db, m).await?)
}

async fn check_attendees(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    bloc_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, DbErr> {
    refs::list_in_bloc(
        conn,
        c,
        "attendee_ids",
        bloc_id,
        ids,
        MAX_ATTENDEES,
        refs::Kind::Staff,
    )
    .await
}

async fn set_attendees(
    conn: &impl ConnectionTrait,
    m: &meeting::Model,
    ids: &[Uuid],
) -> Result<(), DbErr> {
    crate::db::replace_links(conn, attendee::Column::MeetingId, m.id, ids, |s| {
        attendee::ActiveModel {
            meeting_id: Set(m.id),
            staff_id: Set(s),
            bloc_id: Set(m.bloc_id),
        }
    })
    .await
}

/// Tells the invited of a planned meeting, in its transaction.
async fn invite(
    conn: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    m: &meeting::Model,
    staff: &[Uuid],
) -> Result<(), sea_orm::DbErr> {
    use crate::notifications::{dto::Kind, emit};
    let to = emit::accounts_of_staff(conn, staff).await?;
    emit::to_accounts(
        conn,
        &to,
        Some(caller.account_id),
        &emit::Note {
            kind: Kind::MeetingInvited,
            title: format!("Mời họp: {}", m.title),
            body: format!(
                "Ngày {}.{}",
                emit::vn_date(m.held_on),
                m.agenda
                    .as_deref()
                    .map(|a| format!(" Nội dung: {a}"))
                    .unwrap_or_default()
            ),
            href: Some(format!("{}/meetings/{}", crate::state::API_PREFIX, m.id)),
            resource: Some(("meeting", m.id)),
            bloc_id: Some(m.bloc_id),
            urgent: false,
            once: None,
        },
    )
    .await?;
    Ok(())
}

fn check_held_on(c: &mut Checks, d: NaiveDate) {
    if d > crate::clock::today() {
        c.add(
            "held_on",
            "must not be in the future: meetings are recorded once held",
        );
    }
}

/// Records decisions; those with a task create it (as `POST /tasks` would, with its rules)
/// pointing back at the decision. Field errors are named from the request body's root.
async fn add_decisions(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    m: &meeting::Model,
    decisions: Vec<NewDecision>,
    prefix: &str,
) -> ApiResult<Vec<Uuid>> {
    let mut ids = Vec::new();
    for (i, d) in decisions.into_iter().enumerate() {
        let field = format!("{prefix}{i}]");
        let mut c = Checks::new();
        let text = c.long_text(&format!("{field}.text"), &d.text, 4_000);
        c.finish()?;
        if d.assign && d.task.is_none() {
            return Err(ApiError::invalid(
                format!("{field}.assign"),
                "needs `task`: the task to create and assign",
            ));
        }
        let id = Uuid::now_v7();
        let under = format!("{field}.task.");
        let named = |e: ApiError| e.under(&under);
        let task_id = match d.task {
            None => None,
            Some(mut t) => {
                t.opened_on = t.opened_on.or(Some(m.held_on));
                let opened_on = t.opened_on;
                let task = tasks::drafting::create_decided(conn, caller, t, Some(id))
                    .await
                    .map_err(named)?
                    .task;
                if d.assign {
                    tasks::moves::transition_in(
                        conn,
                        caller,
                        task.id,
                        &IfMatch::parse(None)?,
                        Transition {
                            action: Move::Assign,
                            reason: None,
                            assignee_id: None,
                            report: None,
                            duplicate_of: None,
                            occurred_on: opened_on,
                        },
                    )
                    .await
                    .map_err(named)?;
                }
                Some(task.id)
            }
        };
        decision::ActiveModel {
            id: Set(id),
            bloc_id: Set(m.bloc_id),
            meeting_id: Set(m.id),
            text: Set(text),
            task_id: Set(task_id),
            created_by: Set(caller.account_id),
            created_at: Set(Utc::now()),
        }
        .insert(conn)
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: CreateMeeting,
) -> ApiResult<MeetingDto> {
    let bloc_id = Scope::of(caller).own_bloc().ok_or_else(|| {
        ApiError::Forbidden("only the bloc's own people record its meetings".into())
    })?;
    let txn = begin_write(db).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Meeting,
        Action::Create,
        &Target::default(),
    )?;
    let mut c = Checks::new();
    let title = match body.title.as_deref() {
        Some(t) => c.text("title", t, 300),
        None => format!(
            "{} ngày {}",
            body.kind.default_title(),
            body.held_on.format("%d/%m/%Y")
        ),
    };
    let status = body.status.unwrap_or(MeetingStatus::Held);
    match status {
        MeetingStatus::Held => check_held_on(&mut c, body.held_on),
        MeetingStatus::Planned => {
            if body.held_on < crate::clock::today() {
                c.add("held_on", "must not be in the past for a planned meeting");
            }
            if body.minutes.is_some() {
                c.add("minutes", "are recorded once the meeting is held");
            }
            if !body.decisions.is_empty() {
                c.add("decisions", "are recorded once the meeting is held");
            }
        }
        MeetingStatus::Cancelled => c.add("status", "a meeting is created planned or held"),
    }
    refs::Kind::Staff
        .check(&txn, &mut c, "chair_staff_id", bloc_id, body.chair_staff_id)
        .await?;
    let attendees = check_attendees(&txn, &mut c, bloc_id, &body.attendee_ids).await?;
    let agenda = c.opt_long_text("agenda", body.agenda.as_deref(), 10_000);
    let minutes = c.opt_long_text("minutes", body.minutes.as_deref(), 50_000);
    if body.decisions.len() > MAX_DECISIONS {
        c.add(
            "decisions",
            format!("must list at most {MAX_DECISIONS} decisions"),
        );
    }
    c.finish()?;
    let now = Utc::now();
    let m = meeting::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(bloc_id),
        kind: Set(body.kind.as_str().into()),
        title: Set(title),
        held_on: Set(body.held_on),
        status: Set(status.as_str().into()),
        chair_staff_id: Set(body.chair_staff_id),
        agenda: Set(agenda),
        minutes: Set(minutes),
        created_by: Set(caller.account_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    set_attendees(&txn, &m, &attendees).await?;
    add_decisions(&txn, caller, &m, body.decisions, "decisions[").await?;
    crate::files::service::attach(
        &txn,
        caller,
        bloc_id,
        "attachments",
        &body.attachments,
        (RESOURCE, m.id),
    )
    .await?;
    if status == MeetingStatus::Planned {
        invite(&txn, caller, &m, &attendees).await?;
    }
    let out = dto(&txn, m).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: RESOURCE,
            resource_id: out.id,
            bloc_id: Some(bloc_id),
            before: None,
            after: Some(&out),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn add_decision(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    body: NewDecision,
) -> ApiResult<MeetingDto> {
    let txn = begin_write(db).await?;
    let m = find(&txn, caller, id).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Meeting,
        Action::Update,
        &Target::default(),
    )?;
    if m.status != MeetingStatus::Held.as_str() {
        return Err(ApiError::conflict(format!(
            "decisions are recorded once the meeting is held; this one is {}",
            m.status
        )));
    }
    let before = dto(&txn, m.clone()).await?;
    // The body is one decision: errors are named from its root (`text`, `task.title`).
    let ids = add_decisions(&txn, caller, &m, vec![body], "[").await;
    let ids = ids.map_err(|e| match e {
        ApiError::Validation(errs) => ApiError::Validation(
            errs.into_iter()
                .map(|fe| {
                    FieldError::new(fe.field.trim_start_matches("[0].").to_string(), fe.message)
                })
                .collect(),
        ),
        other => other,
    })?;
    let mut am: meeting::ActiveModel = m.clone().into();
    am.version = Set(m.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, meeting::Column::Version, m.version).await?;
    let after = dto(&txn, updated).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "decide",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(m.bloc_id),
            before: Some(&before),
            after: Some(&after),
        },
    )
    .await?;
    let _ = ids;
    txn.commit().await?;
    Ok(after)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateMeeting,
) -> ApiResult<MeetingDto> {
    let txn = begin_write(db).await?;
    let current = find(&txn, caller, id).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Meeting,
        Action::Update,
        &Target::default(),
    )?;
    if_match.check(current.version)?;
    let before = dto(&txn, current.clone()).await?;
    let mut c = Checks::new();
    let mut am: meeting::ActiveModel = current.clone().into();
    if let Some(k) = body.kind {
        am.kind = Set(k.as_str().into());
    }
    if let Some(t) = &body.title {
        am.title = Set(c.text("title", t, 300));
    }
    let from = MeetingStatus::parse(&current.status);
    let to = body.status.unwrap_or(from);
    if to != from && !(from == MeetingStatus::Planned && to != MeetingStatus::Planned) {
        return Err(ApiError::illegal_move(
            "meeting",
            from.as_str(),
            to.as_str(),
            if from == MeetingStatus::Planned {
                vec!["held", "cancelled"]
            } else {
                vec![]
            },
        ));
    }
    am.status = Set(to.as_str().into());
    let held_on = body.held_on.unwrap_or(current.held_on);
    match to {
        MeetingStatus::Held => check_held_on(&mut c, held_on),
        MeetingStatus::Planned if body.held_on.is_some() && held_on < crate::clock::today() => {
            c.add("held_on", "must not be in the past for a planned meeting")
        }
        _ => {}
    }
    if to != MeetingStatus::Held && body.minutes.as_ref().is_some_and(|m| m.is_some()) {
        c.add("minutes", "are recorded once the meeting is held");
    }
    if let Some(d) = body.held_on {
        am.held_on = Set(d);
    }
    if let Some(ch) = body.chair_staff_id {
        refs::Kind::Staff
            .check(&txn, &mut c, "chair_staff_id", current.bloc_id, ch)
            .await?;
        am.chair_staff_id = Set(ch);
    }
    let attendees = match &body.attendee_ids {
        Some(ids) => Some(check_attendees(&txn, &mut c, current.bloc_id, ids).await?),
        None => None,
    };
    if let Some(a) = &body.agenda {
        am.agenda = Set(c.opt_long_text("agenda", a.as_deref(), 10_000));
    }
    if let Some(mn) = &body.minutes {
        am.minutes = Set(c.opt_long_text("minutes", mn.as_deref(), 50_000));
    }
    c.finish()?;
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, meeting::Column::Version, current.version).await?;
    if let Some(a) = attendees {
        set_attendees(&txn, &updated, &a).await?;
    }
    if let Some(files) = &body.attachments {
        crate::files::service::attach(
            &txn,
            caller,
            current.bloc_id,
            "attachments",
            files,
            (RESOURCE, id),
        )
        .await?;
    }
    let after = dto(&txn, updated).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
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

// ---- the monthly review ----
