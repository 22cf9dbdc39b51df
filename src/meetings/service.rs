//! Meetings, their decisions (which may create tasks), and the monthly review.
use super::dto::{
    CreateMeeting, DecisionDto, MeetingDto, MeetingKind, MeetingQuery, MonthlyReview,
    MonthlyReviewQuery, NewDecision, ReviewCampaign, ReviewGroup, ReviewTarget, TaskCounts,
    UpdateMeeting,
};
use crate::{
    audit,
    auth::Caller,
    campaigns,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::{
        campaign, campaign_measurement, meeting, meeting_attendee as attendee,
        meeting_decision as decision, organisation, sub_committee, task,
    },
    error::{ApiError, ApiResult, FieldError},
    pagination::{self, Keyset, Kind, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    refs,
    state::AppState,
    tasks::{
        self,
        service::standing_condition,
        workflow::{Standing, Status},
    },
    tenancy::{self, Scope},
    validate::{self, Checks},
};
use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
    sea_query::{Condition, Expr, Func, SimpleExpr},
};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
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
            kind: MeetingKind::parse(&m.kind).unwrap_or(MeetingKind::AdHoc),
            id: m.id,
            bloc_id: m.bloc_id,
            title: m.title,
            held_on: m.held_on,
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

pub async fn list(
    state: &AppState,
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
    let mut select = tenancy::select::<meeting::Entity>(&Scope::of(caller));
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
        .all(&state.db)
        .await?;
    let items = dtos(&state.db, rows).await?;
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

pub async fn get(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<MeetingDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Meeting)?;
    let m = find(&state.db, caller, id).await?;
    Ok(dto(&state.db, m).await?)
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

fn check_held_on(c: &mut Checks, d: NaiveDate) {
    if d > validate::today() {
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
        let id = Uuid::now_v7();
        let task_id = match d.task {
            None => None,
            Some(t) => Some(
                tasks::drafting::create_decided(conn, caller, t, Some(id))
                    .await
                    .map_err(|e| match e {
                        ApiError::Validation(errs) => ApiError::Validation(
                            errs.into_iter()
                                .map(|fe| {
                                    FieldError::new(
                                        format!("{field}.task.{}", fe.field),
                                        fe.message,
                                    )
                                })
                                .collect(),
                        ),
                        other => other,
                    })?
                    .task
                    .id,
            ),
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

pub async fn create(
    state: &AppState,
    caller: &Caller,
    body: CreateMeeting,
) -> ApiResult<MeetingDto> {
    let bloc_id = Scope::of(caller).own_bloc().ok_or_else(|| {
        ApiError::Forbidden("only the bloc's own people record its meetings".into())
    })?;
    let txn = begin_write(&state.db).await?;
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
    check_held_on(&mut c, body.held_on);
    refs::staff_in_bloc(&txn, &mut c, "chair_staff_id", bloc_id, body.chair_staff_id).await?;
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
    let out = dto(&txn, m).await?;
    audit::change(
        &txn,
        caller,
        "create",
        RESOURCE,
        out.id,
        Some(bloc_id),
        None,
        Some(&out),
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

pub async fn add_decision(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    body: NewDecision,
) -> ApiResult<MeetingDto> {
    let txn = begin_write(&state.db).await?;
    let m = find(&txn, caller, id).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Meeting,
        Action::Update,
        &Target::default(),
    )?;
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
    audit::change(
        &txn,
        caller,
        "decide",
        RESOURCE,
        id,
        Some(m.bloc_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    let _ = ids;
    txn.commit().await?;
    Ok(after)
}

pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateMeeting,
) -> ApiResult<MeetingDto> {
    let txn = begin_write(&state.db).await?;
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
    if let Some(d) = body.held_on {
        check_held_on(&mut c, d);
        am.held_on = Set(d);
    }
    if let Some(ch) = body.chair_staff_id {
        refs::staff_in_bloc(&txn, &mut c, "chair_staff_id", current.bloc_id, ch).await?;
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
    let after = dto(&txn, updated).await?;
    audit::change(
        &txn,
        caller,
        "update",
        RESOURCE,
        id,
        Some(current.bloc_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

// ---- the monthly review ----

fn parse_month(raw: &str) -> ApiResult<(NaiveDate, NaiveDate)> {
    let bad = || ApiError::bad_field("month", "must be YYYY-MM, e.g. 2016-03");
    let (y, m) = raw.trim().split_once('-').ok_or_else(bad)?;
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(1900..=9998).contains(&y) || y.to_string().len() != 4 {
        return Err(bad());
    }
    let from = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
    Ok((from, campaigns::progress::month_end(y, m)))
}

/// Task counts per (sub-committee, lead organisation) for one condition.
async fn grouped(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    cond: Condition,
) -> Result<Vec<(Option<Uuid>, Option<Uuid>, i64)>, DbErr> {
    tenancy::select::<task::Entity>(scope)
        .select_only()
        .column(task::Column::SubCommitteeId)
        .column(task::Column::LeadOrganisationId)
        .column_as(
            SimpleExpr::from(Func::count(Expr::col(task::Column::Id))),
            "n",
        )
        .filter(cond)
        .group_by(task::Column::SubCommitteeId)
        .group_by(task::Column::LeadOrganisationId)
        .into_tuple()
        .all(conn)
        .await
}

pub async fn monthly_review(
    state: &AppState,
    caller: &Caller,
    q: MonthlyReviewQuery,
) -> ApiResult<MonthlyReview> {
    crate::policy::may_read(caller, crate::policy::Resource::Summary)?;
    let (from, to) = parse_month(&q.month)?;
    let scope = Scope::of(caller);
    let today = validate::today();
    let cutoff = std::cmp::min(to, today);
    let (ny, nm) = if to.month() == 12 {
        (to.year() + 1, 1)
    } else {
        (to.year(), to.month() + 1)
    };
    let next_from = NaiveDate::from_ymd_opt(ny, nm, 1).unwrap_or(to);
    let next_to = campaigns::progress::month_end(ny, nm);
    let open: Vec<&str> = Status::OPEN.iter().map(|s| s.as_str()).collect();
    let created_by_end = task::Column::CreatedAt.lt(validate::end_of_day(to));
    // The standings are the task list's own conditions, as of the month's last day (or today).
    let completed_in_month = |s: Standing| {
        standing_condition(s, cutoff)
            .add(task::Column::CompletedOn.gte(from))
            .add(task::Column::CompletedOn.lte(to))
    };
    let still_open = Condition::all()
        .add(task::Column::Status.is_in(open))
        .add(created_by_end.clone());
    let metrics: [(usize, Condition); 5] = [
        (0, completed_in_month(Standing::CompletedOnTime)),
        (1, completed_in_month(Standing::CompletedLate)),
        (2, still_open.clone()),
        (
            3,
            standing_condition(Standing::Overdue, cutoff).add(created_by_end),
        ),
        (
            4,
            still_open
                .add(task::Column::DueDate.gte(next_from))
                .add(task::Column::DueDate.lte(next_to)),
        ),
    ];
    let mut by_sc: BTreeMap<Option<Uuid>, TaskCounts> = BTreeMap::new();
    let mut by_org: BTreeMap<Option<Uuid>, TaskCounts> = BTreeMap::new();
    let mut totals = TaskCounts::default();
    fn bump(c: &mut TaskCounts, metric: usize, n: i64) {
        match metric {
            0 => c.completed_on_time += n,
            1 => c.completed_late += n,
            2 => c.open += n,
            3 => c.overdue += n,
            _ => c.due_next_month += n,
        }
    }
    for (metric, cond) in metrics {
        for (sc, org, n) in grouped(&state.db, &scope, cond).await? {
            bump(by_sc.entry(sc).or_default(), metric, n);
            bump(by_org.entry(org).or_default(), metric, n);
            bump(&mut totals, metric, n);
        }
    }
    let sc_names: HashMap<Uuid, String> = tenancy::select::<sub_committee::Entity>(&scope)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let org_names: HashMap<Uuid, String> = tenancy::select::<organisation::Entity>(&scope)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let group = |map: BTreeMap<Option<Uuid>, TaskCounts>, names: &HashMap<Uuid, String>| {
        map.into_iter()
            .map(|(id, tasks)| ReviewGroup {
                id,
                name: id.and_then(|i| names.get(&i).cloned()),
                tasks,
            })
            .collect::<Vec<_>>()
    };
    let mut campaigns_out = Vec::new();
    for c in tenancy::select::<campaign::Entity>(&scope)
        .filter(campaign::Column::StartOn.lte(to))
        .filter(campaign::Column::EndOn.gte(from))
        .order_by_asc(campaign::Column::Id)
        .all(&state.db)
        .await?
    {
        let mut targets = Vec::new();
        for t in campaigns::targets::targets_of(&state.db, c.id).await? {
            let in_month: Vec<Uuid> = campaign_measurement::Entity::find()
                .select_only()
                .column(campaign_measurement::Column::UnitId)
                .filter(campaign_measurement::Column::TargetId.eq(t.id))
                .filter(campaign_measurement::Column::SupersededBy.is_null())
                .filter(campaign_measurement::Column::AsOf.gte(from))
                .filter(campaign_measurement::Column::AsOf.lte(to))
                .into_tuple()
                .all(&state.db)
                .await?;
            let mut units = in_month.clone();
            units.sort();
            units.dedup();
            let headline = campaigns::figures::headline(&state.db, &t, to).await?;
            targets.push(ReviewTarget {
                target_id: t.id,
                indicator: t.indicator.clone(),
                figures_in_month: in_month.len() as i64,
                units_reporting_in_month: units.len() as i64,
                value_at_month_end: headline.value,
                target_value: t.target_value,
            });
        }
        campaigns_out.push(ReviewCampaign {
            campaign_id: c.id,
            name: c.name,
            targets,
        });
    }
    Ok(MonthlyReview {
        month: format!("{:04}-{:02}", from.year(), from.month()),
        from,
        to,
        totals,
        by_sub_committee: group(by_sc, &sc_names),
        by_organisation: group(by_org, &org_names),
        campaigns: campaigns_out,
    })
}
