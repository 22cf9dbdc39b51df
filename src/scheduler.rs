//! The scheduler: time-based work inside the service. Each pass makes what is due as of
//! today in Vietnam (the fixed day where the operator fixed it): due-soon and overdue
//! reminders, a meeting's eve, the daily digest, the instances of recurring tasks.
//!
//! Every instance may run it. Each event is claimed by inserting its mark (kind, subject,
//! day) in the transaction that makes it, so two instances never make one twice, and a pass
//! after downtime makes whatever is still due and not yet marked: it catches up without
//! repeating. The pass reads only what is due and unmarked.
use crate::{
    audit,
    db::begin_write,
    entities::{
        bloc, campaign_target, meeting, meeting_attendee, notification,
        notification_preference as preference, recommendation, schedule_mark, task, unit,
        unit_assignment,
    },
    notifications::{
        dto::{Channel, Kind},
        email, emit, sends,
    },
    state::AppState,
};
use actix_web::web;
use chrono::{Datelike, Duration, NaiveDate, Timelike, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
    sea_query::{Expr, OnConflict},
};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

use crate::notifications::service::DEFAULT_DUE_SOON_DAYS;
/// Statuses in which a task is someone's to act on: reminded when due and when late.
const ACTIVE: [&str; 3] = ["assigned", "in_progress", "returned"];
/// The most events one pass makes of each kind; the next pass goes on.
const BATCH: u64 = 500;

/// What one pass made.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub due_soon: u32,
    pub overdue: u32,
    pub recommendations: u32,
    pub figures: u32,
    pub meetings: u32,
    pub digests: u32,
    pub instances: u32,
}

impl Pass {
    /// Whether some kind filled its batch, so that more may be waiting.
    pub fn full(&self) -> bool {
        let b = BATCH as u32;
        self.due_soon >= b || self.overdue >= b || self.recommendations >= b || self.figures >= b
    }
}

pub async fn run(state: web::Data<AppState>) {
    let fixed = state.config.fixed_today;
    let every = state.config.notifications.scheduler_interval;
    loop {
        match crate::clock::FIXED_TODAY
            .scope(fixed, pass(&state.db))
            .await
        {
            // A full batch: more is due (a backlog after downtime); go on at once.
            Ok(p) if p.full() => {
                tracing::info!(?p, "scheduler pass (more is due)");
                continue;
            }
            Ok(p) if p != Pass::default() => tracing::info!(?p, "scheduler pass"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "scheduler pass failed; the next one goes on"),
        }
        tokio::time::sleep(every).await;
    }
}

/// One pass, as of `clock::today()`.
pub async fn pass(db: &DatabaseConnection) -> Result<Pass, DbErr> {
    let today = crate::clock::today();
    let mut p = Pass::default();
    let (soon, late) = reminders(db, today).await?;
    p.due_soon = soon;
    p.overdue = late;
    p.recommendations = recommendation_reminders(db, today).await?;
    p.figures = missing_figures(db, today).await?;
    p.meetings = meetings_tomorrow(db, today).await?;
    p.digests = digests(db, today).await?;
    p.instances = crate::tasks::series::materialise(db, today).await?;
    Ok(p)
}

/// Claims (kind, subject, day) in `conn`: true when this caller is the first.
pub async fn claim(
    conn: &impl ConnectionTrait,
    kind: &str,
    subject: Uuid,
    on: NaiveDate,
) -> Result<bool, DbErr> {
    let r = schedule_mark::Entity::insert(schedule_mark::ActiveModel {
        kind: Set(kind.into()),
        subject_id: Set(subject),
        on_date: Set(on),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            schedule_mark::Column::Kind,
            schedule_mark::Column::SubjectId,
            schedule_mark::Column::OnDate,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec(conn)
    .await;
    match r {
        Ok(_) => Ok(true),
        Err(DbErr::RecordNotInserted) => Ok(false),
        Err(e) => Err(e),
    }
}

/// `NOT EXISTS` a mark of `kind` for the row of `table` and its day in `day_column`.
fn unmarked(kind: &str, table: &str, day_column: &str) -> sea_orm::sea_query::SimpleExpr {
    // All three are this module's constants, never input.
    Expr::cust(format!(
        "NOT EXISTS (SELECT 1 FROM schedule_marks m WHERE m.kind = '{kind}' AND m.subject_id = {table}.id AND m.on_date = {table}.{day_column})"
    ))
}

/// Each bloc's reminder days where it changed them, and the widest of all.
async fn reminder_days(db: &DatabaseConnection) -> Result<(HashMap<Uuid, i32>, i32), DbErr> {
    let days: HashMap<Uuid, i32> = bloc::Entity::find()
        .filter(bloc::Column::DueSoonDays.ne(DEFAULT_DUE_SOON_DAYS))
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.id, b.due_soon_days))
        .collect();
    let widest = days
        .values()
        .copied()
        .chain([DEFAULT_DUE_SOON_DAYS])
        .max()
        .unwrap_or(DEFAULT_DUE_SOON_DAYS);
    Ok((days, widest))
}

async fn reminders(db: &DatabaseConnection, today: NaiveDate) -> Result<(u32, u32), DbErr> {
    let (days, widest) = reminder_days(db).await?;
    let soon = task::Entity::find()
        .filter(task::Column::Status.is_in(ACTIVE))
        .filter(task::Column::DueDate.gte(today))
        .filter(task::Column::DueDate.lte(today + Duration::days(widest as i64)))
        .filter(unmarked("task.due_soon", "tasks", "due_date"))
        .order_by_asc(task::Column::DueSort)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut made = (0, 0);
    for t in soon {
        let window = days
            .get(&t.bloc_id)
            .copied()
            .unwrap_or(DEFAULT_DUE_SOON_DAYS);
        let Some(due) = t.due_date else { continue };
        if (due - today).num_days() > window as i64 {
            continue;
        }
        if remind(db, &t, today, false).await? {
            made.0 += 1;
        }
    }
    let late = task::Entity::find()
        .filter(task::Column::Status.is_in(ACTIVE))
        .filter(task::Column::DueDate.lt(today))
        .filter(unmarked("task.overdue", "tasks", "due_date"))
        .order_by_asc(task::Column::DueSort)
        .limit(BATCH)
        .all(db)
        .await?;
    for t in late {
        if remind(db, &t, today, true).await? {
            made.1 += 1;
        }
    }
    Ok(made)
}

/// One reminder in its own transaction: the mark, the inbox rows, and the `task.due_soon` or
/// `task.overdue` event in the audit log, the feed and the webhooks.
async fn remind(
    db: &DatabaseConnection,
    t: &task::Model,
    today: NaiveDate,
    overdue: bool,
) -> Result<bool, DbErr> {
    let Some(due) = t.due_date else {
        return Ok(false);
    };
    let (kind, action) = if overdue {
        ("task.overdue", "overdue")
    } else {
        ("task.due_soon", "due_soon")
    };
    let txn = begin_write(db).await?;
    if !claim(&txn, kind, t.id, due).await? {
        return Ok(false);
    }
    emit::task_reminder(&txn, t, today, overdue).await?;
    let recorded = audit::log_and_announce_by_system(
        &txn,
        audit::Entry {
            action,
            resource_type: "task",
            resource_id: t.id,
            bloc_id: Some(t.bloc_id),
            before: None,
            after: Some(json!({
                "due_on": due,
                "days": if overdue { (today - due).num_days() } else { (due - today).num_days() },
                "assignee_id": t.assignee_id,
                // The task's own version, unchanged: a reader of the feed keeps it.
                "version": t.version,
            })),
        },
    )
    .await;
    match recorded {
        Ok(()) => {
            txn.commit().await?;
            Ok(true)
        }
        // A bloc that has since been dissolved takes no more writes: its tasks moved on.
        Err(e) => {
            tracing::debug!(task = %t.id, error = %e, "no reminder for a task of a read-only bloc");
            Ok(false)
        }
    }
}

/// Recommendations still waiting on their addressee (open or accepted, not implemented) that
/// fall due within the bloc's reminder days, or are past due: reminded once per deadline.
async fn recommendation_reminders(db: &DatabaseConnection, today: NaiveDate) -> Result<u32, DbErr> {
    let (days, widest) = reminder_days(db).await?;
    let unmarked = |kind: &str| unmarked(kind, "supervision_recommendations", "due_on");
    let rows = recommendation::Entity::find()
        .filter(recommendation::Column::Status.is_in(["open", "accepted"]))
        .filter(recommendation::Column::DueOn.lte(today + Duration::days(widest as i64)))
        .filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(recommendation::Column::DueOn.gte(today))
                        .add(unmarked("recommendation.due_soon")),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(recommendation::Column::DueOn.lt(today))
                        .add(unmarked("recommendation.overdue")),
                ),
        )
        .limit(BATCH)
        .all(db)
        .await?;
    let mut n = 0;
    for r in rows {
        let Some(due) = r.due_on else { continue };
        let overdue = due < today;
        let window = days
            .get(&r.bloc_id)
            .copied()
            .unwrap_or(DEFAULT_DUE_SOON_DAYS);
        if !overdue && (due - today).num_days() > window as i64 {
            continue;
        }
        let kind = if overdue {
            "recommendation.overdue"
        } else {
            "recommendation.due_soon"
        };
        let txn = begin_write(db).await?;
        if !claim(&txn, kind, r.id, due).await? {
            continue;
        }
        emit::recommendation_reminder(&txn, &r, today, overdue).await?;
        txn.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// From this day of the month a unit that has not reported is reminded.
pub const FIGURES_DUE_FROM_DAY: u32 = 25;

/// A unit that reported a figure of a target last month and none yet this month: from the 25th,
/// the people covering it (active unit assignments) are told, once per unit, target and month.
/// Only covered units are read, so a unit nobody covers is not marked before someone does.
async fn missing_figures(db: &DatabaseConnection, today: NaiveDate) -> Result<u32, DbErr> {
    if today.day() < FIGURES_DUE_FROM_DAY {
        return Ok(0);
    }
    let month = today.with_day(1).unwrap_or(today);
    let last_month = (month - Duration::days(1)).with_day(1).unwrap_or(month);
    // Dates are made here, never input.
    let sql = format!(
        "SELECT DISTINCT m.unit_id, m.target_id FROM campaign_measurements m \
         JOIN campaign_targets t ON t.id = m.target_id \
         JOIN unit_assignments ua ON ua.unit_id = m.unit_id AND ua.start_on <= '{today}' \
             AND (ua.end_on IS NULL OR ua.end_on >= '{today}') \
         WHERE m.as_of >= '{last_month}' AND m.as_of < '{month}' AND m.superseded_by IS NULL \
         AND t.deadline >= '{month}' \
         AND NOT EXISTS (SELECT 1 FROM campaign_measurements x WHERE x.target_id = m.target_id \
             AND x.unit_id = m.unit_id AND x.as_of >= '{month}') \
         LIMIT {BATCH}"
    );
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await?;
    let mut n = 0;
    for r in rows {
        let unit: Uuid = r.try_get_by_index(0)?;
        let target: Uuid = r.try_get_by_index(1)?;
        // One mark per (unit, target) pair and month.
        let pair = Uuid::from_u128(unit.as_u128() ^ target.as_u128());
        let txn = begin_write(db).await?;
        if !claim(&txn, "figure.missing", pair, month).await? {
            continue;
        }
        let (Some(u), Some(t)) = (
            unit::Entity::find_by_id(unit).one(&txn).await?,
            campaign_target::Entity::find_by_id(target)
                .one(&txn)
                .await?,
        ) else {
            txn.commit().await?;
            continue;
        };
        let staff: Vec<Uuid> = unit_assignment::Entity::find()
            .filter(unit_assignment::Column::UnitId.eq(unit))
            .filter(unit_assignment::Column::StartOn.lte(today))
            .filter(
                sea_orm::Condition::any()
                    .add(unit_assignment::Column::EndOn.is_null())
                    .add(unit_assignment::Column::EndOn.gte(today)),
            )
            .all(&txn)
            .await?
            .into_iter()
            .map(|a| a.staff_id)
            .collect();
        let to = emit::accounts_of_staff(&txn, &staff).await?;
        emit::to_accounts(
            &txn,
            &to,
            None,
            &emit::Note {
                kind: Kind::FigureMissing,
                title: format!(
                    "{} chưa báo cáo số liệu tháng {}",
                    u.name,
                    month.format("%m/%Y")
                ),
                body: format!("Chỉ tiêu \"{}\": chưa có số liệu tháng này.", t.indicator),
                href: Some(format!(
                    "{}/campaigns/{}/targets/{}",
                    crate::state::API_PREFIX,
                    t.campaign_id,
                    t.id
                )),
                resource: Some(("campaign_target", t.id)),
                bloc_id: Some(t.bloc_id),
                urgent: false,
                once: Some(format!("figure.missing:{unit}:{target}:{month}")),
            },
        )
        .await?;
        txn.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// The eve of a planned meeting: its attendees are told, once.
async fn meetings_tomorrow(db: &DatabaseConnection, today: NaiveDate) -> Result<u32, DbErr> {
    let tomorrow = today + Duration::days(1);
    let ms = meeting::Entity::find()
        .filter(meeting::Column::Status.eq("planned"))
        .filter(meeting::Column::HeldOn.eq(tomorrow))
        .limit(BATCH)
        .all(db)
        .await?;
    let mut n = 0;
    for m in ms {
        let txn = begin_write(db).await?;
        if !claim(&txn, "meeting.tomorrow", m.id, m.held_on).await? {
            continue;
        }
        let staff: Vec<Uuid> = meeting_attendee::Entity::find()
            .filter(meeting_attendee::Column::MeetingId.eq(m.id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|a| a.staff_id)
            .collect();
        let to = emit::accounts_of_staff(&txn, &staff).await?;
        emit::to_accounts(
            &txn,
            &to,
            None,
            &emit::Note {
                kind: Kind::MeetingTomorrow,
                title: format!("Ngày mai họp: {}", m.title),
                body: format!(
                    "Cuộc họp \"{}\" diễn ra ngày {}.{}",
                    m.title,
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
                once: Some(format!("meeting.tomorrow:{}:{}", m.id, m.held_on)),
            },
        )
        .await?;
        txn.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// From 07:00 (Vietnam) each day, one email to each person who chose the digest, listing
/// their unread notifications of the last day, if any.
async fn digests(db: &DatabaseConnection, today: NaiveDate) -> Result<u32, DbErr> {
    let local_hour = (Utc::now() + Duration::hours(7)).hour();
    if local_hour < 7 {
        return Ok(0);
    }
    let people = preference::Entity::find()
        .filter(preference::Column::Digest.eq(true))
        .all(db)
        .await?;
    let mut n = 0;
    for p in people {
        let txn = begin_write(db).await?;
        if !claim(&txn, "digest", p.account_id, today).await? {
            continue;
        }
        if !sends::channels_for(Some(&p), "digest").contains(&Channel::Email) {
            txn.commit().await?;
            continue;
        }
        let since = Utc::now() - Duration::days(1);
        let items: Vec<(String, String)> = notification::Entity::find()
            .filter(notification::Column::AccountId.eq(p.account_id))
            .filter(notification::Column::ReadAt.is_null())
            .filter(notification::Column::CreatedAt.gte(since))
            .order_by_asc(notification::Column::Id)
            .limit(100)
            .all(&txn)
            .await?
            .into_iter()
            .map(|m| {
                (
                    format!("{}: {}", sends::kind_label(&m.kind), m.title),
                    m.body,
                )
            })
            .collect();
        if let (false, Some(to)) = (
            items.is_empty(),
            sends::email_of(&txn, p.account_id, Some(&p)).await?,
        ) {
            let e = email::digest(&emit::vn_date(today), &items);
            sea_orm::EntityTrait::insert(sends::new_send(
                p.account_id,
                None,
                Channel::Email,
                to,
                serde_json::to_string(&e).unwrap_or_default(),
                Utc::now(),
            ))
            .exec(&txn)
            .await?;
            n += 1;
        }
        txn.commit().await?;
    }
    Ok(n)
}
