//! The days things happened (issue 14): a task is open at a day's end if it was opened by then
//! and not yet closed; its status that day is its last move on or before it. The list's `as_of`,
//! the monthly review and the province summary all count this way.
use super::{
    dto::TaskDto,
    workflow::{self, Standing, Status},
};
use crate::{
    entities::{task, task_event},
    pagination::Page,
};
use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Alias, Condition, Expr, ExprTrait, Query, SimpleExpr},
};
use std::collections::HashMap;
use uuid::Uuid;

/// Open at the end of `day`: opened by then and not yet completed or cancelled.
pub fn open_on(day: NaiveDate) -> Condition {
    Condition::all().add(task::Column::OpenedOn.lte(day)).add(
        Condition::any()
            .add(task::Column::ClosedOn.is_null())
            .add(task::Column::ClosedOn.gt(day)),
    )
}

/// A standing as it was at the end of `day`, from the business dates (opened, completed,
/// closed). For today it selects what [`standing_condition`] does.
pub fn standing_on(s: Standing, day: NaiveDate) -> Condition {
    let completed_by = Condition::all()
        .add(task::Column::Status.eq(Status::Completed.as_str()))
        .add(task::Column::CompletedOn.lte(day));
    match s {
        Standing::Overdue => open_on(day).add(task::Column::DueDate.lt(day)),
        Standing::OpenWithinDeadline => open_on(day).add(
            Condition::any()
                .add(task::Column::DueDate.is_null())
                .add(task::Column::DueDate.gte(day)),
        ),
        Standing::CompletedOnTime => completed_by.add(
            Condition::any()
                .add(task::Column::DueDate.is_null())
                .add(Expr::col(task::Column::CompletedOn).lte(Expr::col(task::Column::DueDate))),
        ),
        Standing::CompletedLate => completed_by
            .add(Expr::col(task::Column::CompletedOn).gt(Expr::col(task::Column::DueDate))),
    }
}

/// The day a move or report happened: `given` (default today, in Vietnam), neither in the
/// future nor before the task was opened or last moved. Edits of a draft are not moves.
pub(super) async fn day_of_move(
    conn: &impl ConnectionTrait,
    c: &mut crate::validate::Checks,
    field: &str,
    m: &task::Model,
    given: Option<NaiveDate>,
) -> Result<NaiveDate, DbErr> {
    let today = crate::clock::today();
    let Some(day) = given else {
        return Ok(today);
    };
    if day > today {
        c.add(
            field,
            format!("must not be in the future (today is {today})"),
        );
        return Ok(day);
    }
    if day < m.opened_on {
        c.add(
            field,
            format!("must not be before the task was opened ({})", m.opened_on),
        );
        return Ok(day);
    }
    let last: Option<NaiveDate> = task_event::Entity::find()
        .select_only()
        .column_as(task_event::Column::OccurredOn.max(), "d")
        .filter(task_event::Column::TaskId.eq(m.id))
        .filter(task_event::Column::Action.ne("update"))
        .into_tuple()
        .one(conn)
        .await?
        .flatten();
    if let Some(last) = last.filter(|l| day < *l) {
        c.add(
            field,
            format!("must not be before the task's previous move ({last})"),
        );
    }
    Ok(day)
}

/// Each task's status at the end of `day`: its last move (or its creation) on or before it.
async fn statuses_on(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
    day: NaiveDate,
) -> Result<HashMap<Uuid, Status>, DbErr> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    // Oldest first, so the last one seen per task wins (ids are time-ordered UUIDv7).
    let rows: Vec<(Uuid, String)> = task_event::Entity::find()
        .select_only()
        .column(task_event::Column::TaskId)
        .column(task_event::Column::ToStatus)
        .filter(task_event::Column::TaskId.is_in(ids.iter().copied()))
        .filter(task_event::Column::OccurredOn.lte(day))
        .filter(task_event::Column::Action.ne("update"))
        .order_by_asc(task_event::Column::OccurredOn)
        .order_by_asc(task_event::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    for (id, s) in rows {
        if let Some(s) = Status::parse(&s) {
            out.insert(id, s);
        }
    }
    Ok(out)
}

/// The SQL form of "its status at the end of `day` was one of `statuses`".
pub(super) fn status_on_condition(statuses: &[&'static str], day: NaiveDate) -> SimpleExpr {
    let last = Query::select()
        .column((Alias::new("e"), task_event::Column::ToStatus))
        .from_as(task_event::Entity, Alias::new("e"))
        .and_where(
            Expr::col((Alias::new("e"), task_event::Column::TaskId))
                .equals((task::Entity, task::Column::Id)),
        )
        .and_where(Expr::col((Alias::new("e"), task_event::Column::OccurredOn)).lte(day))
        .and_where(Expr::col((Alias::new("e"), task_event::Column::Action)).ne("update"))
        .order_by(
            (Alias::new("e"), task_event::Column::OccurredOn),
            Order::Desc,
        )
        .order_by((Alias::new("e"), task_event::Column::Id), Order::Desc)
        .limit(1)
        .to_owned();
    SimpleExpr::SubQuery(None, Box::new(last.into())).is_in(statuses.iter().copied())
}

/// A page as it stood at the end of `day`: each task's status then, and its standing then.
pub(super) async fn as_it_stood(
    conn: &impl ConnectionTrait,
    mut page: Page<TaskDto>,
    day: NaiveDate,
) -> Result<Page<TaskDto>, DbErr> {
    let ids: Vec<Uuid> = page.items.iter().map(|t| t.id).collect();
    let then = statuses_on(conn, &ids, day).await?;
    for t in &mut page.items {
        let status = then.get(&t.id).copied().unwrap_or(Status::Draft);
        let completed = t.completed_on.filter(|d| *d <= day);
        t.status = status;
        t.standing = workflow::standing(status, t.due_date, completed, day);
        t.completed_on = completed.filter(|_| status == Status::Completed);
        t.allowed_actions.clear();
    }
    Ok(page)
}
