//! Work sent down (issue 15): a task delegated to child blocs, each answering with its own
//! linked task (`received`, then accepted into its own workflow or declined), and the roll-up
//! the parent reads.
use super::dates::day_of_move;
use super::service::{NO_DUE, RESOURCE, dto, event, status_of, target};
use super::{
    dto::{DelegatedTask, DelegationTotals, Delegations, NewDelegation},
    workflow::{self, Standing, Status},
};
use crate::{
    audit,
    auth::Caller,
    concurrency::save_if_unchanged,
    db::begin_write,
    entities::{bloc, task, task_event},
    error::{ApiError, ApiResult},
    policy::{self, Action, Actor, Resource},
    search,
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// Sends the task down to each child bloc named, in one transaction.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn delegate(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    body: NewDelegation,
) -> ApiResult<Delegations> {
    let txn = begin_write(db).await?;
    let parent = tenancy::find::<task::Entity>(&txn, &Scope::of(caller), id, "task").await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(&actor, Resource::Task, Action::Delegate, &target(&parent))?;
    let from = status_of(&parent);
    if !from.is_open() || from == Status::Received {
        return Err(ApiError::conflict(format!(
            "a {} task cannot be delegated: only an open task this bloc has taken on",
            from.as_str()
        )));
    }
    let mut c = Checks::new();
    let already: Vec<Uuid> = task::Entity::find()
        .filter(task::Column::ParentTaskId.eq(parent.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|t| t.bloc_id)
        .collect();
    let blocs: Vec<Uuid> = crate::refs::child_blocs(
        &txn,
        &mut c,
        parent.bloc_id,
        &body.bloc_ids,
        &already,
        "task",
    )
    .await?
    .into_iter()
    .map(|(_, b)| b)
    .collect();
    let note = c.opt_long_text("note", body.note.as_deref(), 4_000);
    let due = body.due_date.or(parent.due_date);
    if let (Some(d), Some(p)) = (body.due_date, parent.due_date)
        && d > p
    {
        c.add(
            "due_on",
            format!("must not be after the task's own due date, {p}"),
        );
    }
    // A move of the parent: not in the future, not before its last move.
    let sent_on = day_of_move(&txn, &mut c, "sent_on", &parent, body.sent_on).await?;
    if let Some(d) = due
        && d < sent_on
    {
        c.add("due_on", "must not be before sent_on");
    }
    c.finish()?;
    let now = Utc::now();
    for b in &blocs {
        let m = task::ActiveModel {
            id: Set(Uuid::now_v7()),
            bloc_id: Set(*b),
            title: Set(parent.title.clone()),
            description: Set(parent.description.clone()),
            expected_result: Set(parent.expected_result.clone()),
            directive_id: Set(None),
            campaign_id: Set(None),
            lead_organisation_id: Set(None),
            sub_committee_id: Set(None),
            assignee_id: Set(None),
            created_by: Set(caller.account_id),
            start_date: Set(None),
            due_date: Set(due),
            due_sort: Set(due.unwrap_or(NO_DUE)),
            priority: Set(parent.priority),
            key_task: Set(parent.key_task),
            progress: Set(0),
            status: Set(Status::Received.as_str().into()),
            completed_on: Set(None),
            opened_on: Set(sent_on),
            closed_on: Set(None),
            duplicate_of: Set(None),
            meeting_decision_id: Set(None),
            parent_task_id: Set(Some(parent.id)),
            waits_for_children: Set(false),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        search::index(
            &txn,
            RESOURCE,
            m.bloc_id,
            m.id,
            &[&m.title, m.description.as_deref().unwrap_or("")],
        )
        .await?;
        event(
            &txn,
            caller,
            &m,
            "delegate",
            None,
            Status::Received,
            note.clone(),
            json!({"parent_task_id": parent.id, "from_bloc_id": parent.bloc_id}),
            sent_on,
        )
        .await?;
        let after = dto(&txn, m).await?;
        audit::log_and_announce(
            &txn,
            caller,
            audit::Written {
                action: "delegate",
                resource_type: RESOURCE,
                resource_id: after.id,
                bloc_id: Some(after.bloc_id),
                before: None,
                after: Some(&after),
            },
        )
        .await?;
    }
    // The parent's history says where it went; its row changes only if it now waits.
    event(
        &txn,
        caller,
        &parent,
        "delegate",
        Some(from),
        from,
        note,
        json!({"bloc_ids": blocs}),
        sent_on,
    )
    .await?;
    if let Some(w) = body.waits_for_children
        && w != parent.waits_for_children
    {
        let before = dto(&txn, parent.clone()).await?;
        let mut am: task::ActiveModel = parent.clone().into();
        am.waits_for_children = Set(w);
        am.version = Set(parent.version + 1);
        am.updated_at = Set(now);
        let updated = save_if_unchanged(&txn, am, task::Column::Version, parent.version).await?;
        let after = dto(&txn, updated).await?;
        audit::log_and_announce(
            &txn,
            caller,
            audit::Written {
                action: "update",
                resource_type: RESOURCE,
                resource_id: parent.id,
                bloc_id: Some(parent.bloc_id),
                before: Some(&before),
                after: Some(&after),
            },
        )
        .await?;
    }
    let waits = body.waits_for_children.unwrap_or(parent.waits_for_children);
    let out = rollup_in(&txn, id, waits).await?;
    audit::answer(&txn, caller, true, &out).await?;
    txn.commit().await?;
    Ok(out)
}

/// The roll-up of a task's delegations, for the bloc that sent it (and the portal, the admin).
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn rollup(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<Delegations> {
    policy::may_read(caller, Resource::Task)?;
    let parent = tenancy::find::<task::Entity>(db, &Scope::of(caller), id, "task").await?;
    rollup_in(db, id, parent.waits_for_children).await
}

async fn rollup_in(
    conn: &impl ConnectionTrait,
    id: Uuid,
    waits_for_children: bool,
) -> ApiResult<Delegations> {
    let kids = task::Entity::find()
        .filter(task::Column::ParentTaskId.eq(id))
        .order_by_asc(task::Column::Id)
        .all(conn)
        .await?;
    let names: HashMap<Uuid, String> = bloc::Entity::find()
        .filter(bloc::Column::Id.is_in(kids.iter().map(|k| k.bloc_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect();
    let declined: Vec<Uuid> = kids
        .iter()
        .filter(|k| status_of(k) == Status::Declined)
        .map(|k| k.id)
        .collect();
    let reasons: HashMap<Uuid, Option<String>> = if declined.is_empty() {
        HashMap::new()
    } else {
        task_event::Entity::find()
            .filter(task_event::Column::TaskId.is_in(declined))
            .filter(task_event::Column::Action.eq("decline"))
            .all(conn)
            .await?
            .into_iter()
            .map(|e| (e.task_id, e.note))
            .collect()
    };
    let today = crate::clock::today();
    let mut totals = DelegationTotals::default();
    let mut progress_sum = 0i64;
    let mut progress_n = 0i64;
    let mut children = Vec::with_capacity(kids.len());
    for k in kids {
        let status = status_of(&k);
        let standing = workflow::standing(status, k.due_date, k.completed_on, today);
        totals.delegated += 1;
        match status {
            Status::Received => totals.awaiting_answer += 1,
            Status::Declined => totals.declined += 1,
            Status::Cancelled => {
                totals.accepted += 1;
                totals.cancelled += 1;
            }
            _ => {
                totals.accepted += 1;
                progress_sum += i64::from(k.progress);
                progress_n += 1;
            }
        }
        match standing {
            Some(Standing::CompletedOnTime) => {
                totals.completed += 1;
                totals.completed_on_time += 1;
            }
            Some(Standing::CompletedLate) => {
                totals.completed += 1;
                totals.completed_late += 1;
            }
            Some(Standing::Overdue) => totals.overdue += 1,
            Some(Standing::OpenWithinDeadline) => totals.open_within_deadline += 1,
            None => {}
        }
        children.push(DelegatedTask {
            bloc_name: names.get(&k.bloc_id).cloned().unwrap_or_default(),
            bloc_id: k.bloc_id,
            task_id: k.id,
            status,
            standing,
            progress: k.progress,
            due_date: k.due_date,
            completed_on: k.completed_on,
            decline_reason: reasons.get(&k.id).cloned().flatten(),
        });
    }
    if progress_n > 0 {
        totals.progress = progress_sum / progress_n;
    }
    Ok(Delegations {
        task_id: id,
        waits_for_children,
        totals,
        children,
    })
}

/// 409 unless every child task that was not declined or cancelled is completed: a task that
/// waits for its children is completed after them.
pub(super) async fn children_done(
    conn: &impl ConnectionTrait,
    parent: &task::Model,
) -> ApiResult<()> {
    let waiting: Vec<task::Model> = task::Entity::find()
        .filter(task::Column::ParentTaskId.eq(parent.id))
        .filter(task::Column::Status.is_not_in([
            Status::Completed.as_str(),
            Status::Declined.as_str(),
            Status::Cancelled.as_str(),
        ]))
        .all(conn)
        .await?;
    if waiting.is_empty() {
        return Ok(());
    }
    Err(ApiError::Conflict {
        detail: format!(
            "this task waits for its delegated tasks: {} of them are not completed yet ({})",
            waiting.len(),
            waiting
                .iter()
                .map(|t| t.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        allowed: Some(
            workflow::allowed_from(Status::Submitted)
                .into_iter()
                .filter(|m| *m != "complete")
                .map(str::to_string)
                .collect(),
        ),
    })
}
