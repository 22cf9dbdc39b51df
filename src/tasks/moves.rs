//! The task workflow's moves (`POST /tasks/{id}/transitions`): who may make each, what it
//! needs, and what it records.
use super::dates::day_of_move;
use super::reports::{check_report, insert_report};
use super::service::{RESOURCE, action_of, as_seen_by, dto, event, status_of, target};
use super::{
    dto::{TaskDto, Transition},
    workflow::{self, FiveClears, Move, Status},
};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::task,
    error::{ApiError, ApiResult, FieldError},
    policy::{self, Actor, Resource},
    refs,
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, Set};
use serde_json::json;
use uuid::Uuid;

fn illegal(from: Status, m: Move) -> ApiError {
    let allowed: Vec<String> = workflow::allowed_from(from)
        .into_iter()
        .map(str::to_string)
        .collect();
    ApiError::Conflict {
        detail: if allowed.is_empty() {
            format!(
                "a {} task cannot be moved any more; `{}` is not possible",
                from.as_str(),
                m.as_str()
            )
        } else {
            format!(
                "`{}` is not possible from {}; allowed: {}",
                m.as_str(),
                from.as_str(),
                allowed.join(", ")
            )
        },
        allowed: Some(allowed),
    }
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn transition(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: Transition,
) -> ApiResult<TaskDto> {
    let txn = begin_write(db).await?;
    let after = transition_in(&txn, caller, id, if_match, body).await?;
    txn.commit().await?;
    Ok(after)
}

/// Makes a move in the caller's transaction (a meeting decision assigns the task it creates).
pub async fn transition_in(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: Transition,
) -> ApiResult<TaskDto> {
    let current = tenancy::find::<task::Entity>(txn, &Scope::of(caller), id, "task").await?;
    let from = status_of(&current);
    let actor = Actor::of(txn, caller).await?;
    let action = action_of(body.action);
    // A role that may never make this move hears so before anything about the task's state.
    if policy::rule(Resource::Task, action, caller.role) == policy::Rule::No {
        policy::authorize(&actor, Resource::Task, action, &target(&current))?;
    }
    let to = workflow::next(from, body.action).ok_or_else(|| illegal(from, body.action))?;
    policy::authorize(&actor, Resource::Task, action, &target(&current))?;
    if_match.check(current.version)?;
    let before = dto(txn, current.clone()).await?;
    let mut c = Checks::new();
    let reason = c.opt_long_text("reason", body.reason.as_deref(), 4_000);
    let day = day_of_move(txn, &mut c, "occurred_on", &current, body.occurred_on).await?;
    let mut am: task::ActiveModel = current.clone().into();
    let mut data = json!({});
    match body.action {
        Move::Assign => {
            let missing = workflow::missing_clears(&FiveClears {
                assignee: current.assignee_id.is_some(),
                title: &current.title,
                description: current.description.as_deref(),
                due_date: current.due_date.is_some(),
                expected_result: current.expected_result.as_deref(),
                lead_organisation: current.lead_organisation_id.is_some(),
            });
            if !missing.is_empty() {
                return Err(ApiError::Validation(
                    missing
                        .into_iter()
                        .map(|(f, m)| FieldError::new(f, m))
                        .collect(),
                ));
            }
            refs::Kind::Staff
                .check(
                    txn,
                    &mut c,
                    "assignee_id",
                    current.bloc_id,
                    current.assignee_id,
                )
                .await?;
        }
        Move::Submit => match &body.report {
            None => c.add("report", "is required to submit: say what was done"),
            Some(r) => {
                let (text, evidence) = check_report(&mut c, "report.", r);
                let report_day = match r.occurred_on {
                    None => day,
                    given => {
                        day_of_move(txn, &mut c, "report.occurred_on", &current, given).await?
                    }
                };
                c.check()?;
                insert_report(
                    txn,
                    caller,
                    &current,
                    text,
                    r.progress,
                    evidence,
                    ("report.attachments", &r.attachments),
                    report_day,
                )
                .await?;
                am.progress = Set(r.progress);
            }
        },
        Move::Decline => {
            if reason.is_none() {
                c.add(
                    "reason",
                    "is required to decline a delegated task: say why the bloc cannot take it on",
                );
            }
        }
        Move::Return => {
            if reason.is_none() {
                c.add(
                    "reason",
                    "is required to return a task: say what is missing",
                );
            }
        }
        Move::Complete => {
            if current.waits_for_children {
                super::delegations::children_done(txn, &current).await?;
            }
            am.completed_on = Set(Some(day));
            am.progress = Set(100);
        }
        Move::Reassign => {
            if reason.is_none() {
                c.add("reason", "is required to reassign");
            }
            match body.assignee_id {
                None => c.add("assignee_id", "is required to reassign"),
                Some(a) if Some(a) == current.assignee_id => {
                    c.add("assignee_id", "is already the assignee")
                }
                Some(a) => {
                    if refs::Kind::Staff
                        .check(txn, &mut c, "assignee_id", current.bloc_id, Some(a))
                        .await?
                    {
                        am.assignee_id = Set(Some(a));
                        data = json!({"assignee_id": {"before": current.assignee_id, "after": a}});
                    }
                }
            }
        }
        Move::MarkDuplicate => match body.duplicate_of {
            None => c.add("duplicate_of", "is required: the task this one repeats"),
            Some(d) if d == id => c.add("duplicate_of", "cannot be the task itself"),
            Some(d) => {
                let other = tenancy::select_one::<task::Entity>(&Scope::Bloc(current.bloc_id), d)
                    .one(txn)
                    .await?;
                match other {
                    None => c.add("duplicate_of", "no such task in this bloc"),
                    Some(o) if o.status == Status::Cancelled.as_str() => c.add(
                        "duplicate_of",
                        "is cancelled itself; point to the task that goes on",
                    ),
                    Some(_) => {
                        am.duplicate_of = Set(Some(d));
                        data = json!({"duplicate_of": d});
                    }
                }
            }
        },
        Move::Start | Move::Cancel | Move::Accept => {}
    }
    c.finish()?;
    if !to.is_open() {
        am.closed_on = Set(Some(day));
    }
    am.status = Set(to.as_str().into());
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(txn, am, task::Column::Version, current.version).await?;
    event(
        txn,
        caller,
        &current,
        body.action.as_str(),
        Some(from),
        to,
        reason.clone(),
        data,
        day,
    )
    .await?;
    crate::notifications::emit::task_moved(
        txn,
        caller.account_id,
        body.action.as_str(),
        &current,
        &updated,
        reason.as_deref(),
    )
    .await?;
    let after = dto(txn, updated).await?;
    audit::log_and_announce(
        txn,
        caller,
        audit::Written {
            action: body.action.as_str(),
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(after.bloc_id),
            before: Some(&before),
            after: Some(&after),
        },
    )
    .await?;
    Ok(as_seen_by(&actor, after))
}
