//! Creating a task (on its own or from a meeting's decision) and editing it while it is a
//! draft; after that it changes only through its moves.
use super::service::{NO_DUE, RESOURCE, as_seen_by, dto, event, status_of, target, to_dto};

use super::{
    dto::{CreateTask, CreatedTask, Priority, TaskDto, UpdateTask},
    similarity,
    workflow::{self, Status},
};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::{task, task_coordinator},
    error::{ApiError, ApiResult},
    policy::{self, Action, Actor, Resource, Target},
    refs::{self, Kind},
    search,
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbErr, Set};
use serde_json::json;
use uuid::Uuid;

/// The task fields after checking them, shared by create and draft edits.
struct Fields {
    title: String,
    description: Option<String>,
    expected_result: Option<String>,
    directive_id: Option<Uuid>,
    campaign_id: Option<Uuid>,
    lead_organisation_id: Option<Uuid>,
    coordinators: Vec<Uuid>,
    sub_committee_id: Option<Uuid>,
    assignee_id: Option<Uuid>,
    start_date: Option<NaiveDate>,
    due_date: Option<NaiveDate>,
    priority: Priority,
    key_task: bool,
}

async fn check_fields(conn: &impl ConnectionTrait, bloc_id: Uuid, f: &mut Fields) -> ApiResult<()> {
    let mut c = Checks::new();
    f.title = c.text("title", &f.title, 300);
    f.description = c.opt_long_text("description", f.description.as_deref(), 10_000);
    f.expected_result = c.opt_long_text("expected_result", f.expected_result.as_deref(), 4_000);
    // Every reference in one statement, its problems in the order of the fields.
    let mut refs = refs::Batch::default();
    refs.want("directive_id", Kind::Directive, f.directive_id);
    refs.want("campaign_id", Kind::Campaign, f.campaign_id);
    refs.want(
        "lead_organisation_id",
        Kind::Organisation,
        f.lead_organisation_id,
    );
    if f.coordinators.len() > 20 {
        refs.problem(
            "coordinating_organisation_ids",
            "must list at most 20 organisations",
        );
    } else {
        let mut seen = Vec::new();
        for (i, org) in f.coordinators.iter().enumerate() {
            let field = format!("coordinating_organisation_ids[{i}]");
            if Some(*org) == f.lead_organisation_id {
                refs.problem(field, "is the lead organisation; it cannot also coordinate");
            } else if seen.contains(org) {
                refs.problem(field, "is listed twice");
            } else {
                refs.want(field, Kind::Organisation, Some(*org));
            }
            seen.push(*org);
        }
    }
    refs.want("sub_committee_id", Kind::SubCommittee, f.sub_committee_id);
    refs.want("assignee_id", Kind::Staff, f.assignee_id);
    refs.check(conn, &mut c, bloc_id).await?;
    if let (Some(s), Some(d)) = (f.start_date, f.due_date)
        && s > d
    {
        c.add("due_on", "must not be before start_on");
    }
    c.finish()
}

/// Whether the task being written was created in this transaction: then it has no words or
/// coordinators to replace, and their deletes are skipped.
#[derive(Clone, Copy, PartialEq)]
enum Written {
    New,
    Changed,
}

async fn index(conn: &impl ConnectionTrait, m: &task::Model, w: Written) -> Result<(), DbErr> {
    let texts = [m.title.as_str(), m.description.as_deref().unwrap_or("")];
    match w {
        Written::New => search::index_new(conn, RESOURCE, m.bloc_id, m.id, &texts).await,
        Written::Changed => search::index(conn, RESOURCE, m.bloc_id, m.id, &texts).await,
    }
}

async fn set_coordinators(
    conn: &impl ConnectionTrait,
    task_id: Uuid,
    orgs: &[Uuid],
    w: Written,
) -> Result<(), DbErr> {
    let row = |o| task_coordinator::ActiveModel {
        task_id: Set(task_id),
        organisation_id: Set(o),
    };
    match w {
        Written::New => crate::db::insert_links(conn, orgs, row).await,
        Written::Changed => {
            crate::db::replace_links(conn, task_coordinator::Column::TaskId, task_id, orgs, row)
                .await
        }
    }
}

/// Creates a draft in `conn` (the caller's transaction) and finds the open tasks it may repeat.
#[tracing::instrument(skip_all)]
pub async fn create_in(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    body: CreateTask,
) -> ApiResult<CreatedTask> {
    create_decided(conn, caller, body, None).await
}

/// As [`create_in`], for a task a meeting decided: it points back at the decision.
#[tracing::instrument(skip_all)]
pub async fn create_decided(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    body: CreateTask,
    meeting_decision_id: Option<Uuid>,
) -> ApiResult<CreatedTask> {
    let bloc_id = Scope::of(caller)
        .own_bloc()
        .ok_or_else(|| ApiError::Forbidden("only the bloc's own people create its tasks".into()))?;
    let actor = Actor::of(conn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Task,
        Action::Create,
        &Target {
            sub_committee: body.sub_committee_id,
            organisation: body.lead_organisation_id,
            ..Default::default()
        },
    )?;
    let mut f = Fields {
        title: body.title,
        description: body.description,
        expected_result: body.expected_result,
        directive_id: body.directive_id,
        campaign_id: body.campaign_id,
        lead_organisation_id: body.lead_organisation_id,
        coordinators: body.coordinating_organisation_ids,
        sub_committee_id: body.sub_committee_id,
        assignee_id: body.assignee_id,
        start_date: body.start_date,
        due_date: body.due_date,
        priority: body.priority.unwrap_or(Priority::Normal),
        key_task: body.key_task,
    };
    let today = crate::clock::today();
    let opened_on = body.opened_on.unwrap_or(today);
    if opened_on > today {
        return Err(ApiError::invalid(
            "opened_on",
            format!("must not be in the future (today is {today})"),
        ));
    }
    check_fields(conn, bloc_id, &mut f).await?;
    let now = Utc::now();
    let m = task::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(bloc_id),
        title: Set(f.title),
        description: Set(f.description),
        expected_result: Set(f.expected_result),
        directive_id: Set(f.directive_id),
        campaign_id: Set(f.campaign_id),
        lead_organisation_id: Set(f.lead_organisation_id),
        sub_committee_id: Set(f.sub_committee_id),
        assignee_id: Set(f.assignee_id),
        created_by: Set(caller.account_id),
        start_date: Set(f.start_date),
        due_date: Set(f.due_date),
        due_sort: Set(f.due_date.unwrap_or(NO_DUE)),
        priority: Set(f.priority.rank()),
        key_task: Set(f.key_task),
        progress: Set(0),
        status: Set(Status::Draft.as_str().into()),
        completed_on: Set(None),
        opened_on: Set(opened_on),
        closed_on: Set(None),
        duplicate_of: Set(None),
        meeting_decision_id: Set(meeting_decision_id),
        parent_task_id: Set(None),
        waits_for_children: Set(false),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    set_coordinators(conn, m.id, &f.coordinators, Written::New).await?;
    let similar = similarity::similar_open_tasks(conn, &m, similarity::THRESHOLD, 5).await?;
    index(conn, &m, Written::New).await?;
    event(
        conn,
        caller,
        &m,
        "create",
        None,
        Status::Draft,
        None,
        json!({}),
        opened_on,
    )
    .await?;
    let task = to_dto(
        m,
        {
            let mut c = f.coordinators.clone();
            c.sort();
            c
        },
        crate::clock::today(),
    );
    audit::log_and_announce(
        conn,
        caller,
        audit::Written {
            action: "create",
            resource_type: RESOURCE,
            resource_id: task.id,
            bloc_id: Some(task.bloc_id),
            before: None,
            after: Some(&task),
        },
    )
    .await?;
    Ok(CreatedTask {
        task: as_seen_by(&actor, task),
        possible_duplicates: similar,
    })
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateTask,
) -> ApiResult<TaskDto> {
    let txn = begin_write(db).await?;
    let current = tenancy::find::<task::Entity>(&txn, &Scope::of(caller), id, "task").await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(&actor, Resource::Task, Action::Update, &target(&current))?;
    if_match.check(current.version)?;
    if status_of(&current) != Status::Draft {
        return Err(ApiError::Conflict {
            detail: format!(
                "only a draft can be edited; this task is {} and changes through its moves",
                current.status
            ),
            allowed: Some(
                workflow::allowed_from(status_of(&current))
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            ),
        });
    }
    let before = dto(&txn, current.clone()).await?;
    let mut f = Fields {
        title: body.title.unwrap_or(current.title.clone()),
        description: body.description.unwrap_or(current.description.clone()),
        expected_result: body
            .expected_result
            .unwrap_or(current.expected_result.clone()),
        directive_id: body.directive_id.unwrap_or(current.directive_id),
        campaign_id: body.campaign_id.unwrap_or(current.campaign_id),
        lead_organisation_id: body
            .lead_organisation_id
            .unwrap_or(current.lead_organisation_id),
        coordinators: body
            .coordinating_organisation_ids
            .clone()
            .unwrap_or(before.coordinating_organisation_ids.clone()),
        sub_committee_id: body.sub_committee_id.unwrap_or(current.sub_committee_id),
        assignee_id: body.assignee_id.unwrap_or(current.assignee_id),
        start_date: body.start_date.unwrap_or(current.start_date),
        due_date: body.due_date.unwrap_or(current.due_date),
        priority: body
            .priority
            .unwrap_or(Priority::from_rank(current.priority)),
        key_task: body.key_task.unwrap_or(current.key_task),
    };
    check_fields(&txn, current.bloc_id, &mut f).await?;
    // The edited task must still be one the caller may handle (a deputy cannot move it away).
    policy::authorize(
        &actor,
        Resource::Task,
        Action::Update,
        &Target {
            sub_committee: f.sub_committee_id,
            organisation: f.lead_organisation_id,
            ..Default::default()
        },
    )?;
    let mut am: task::ActiveModel = current.clone().into();
    am.title = Set(f.title);
    am.description = Set(f.description);
    am.expected_result = Set(f.expected_result);
    am.directive_id = Set(f.directive_id);
    am.campaign_id = Set(f.campaign_id);
    am.lead_organisation_id = Set(f.lead_organisation_id);
    am.sub_committee_id = Set(f.sub_committee_id);
    am.assignee_id = Set(f.assignee_id);
    am.start_date = Set(f.start_date);
    am.due_date = Set(f.due_date);
    am.due_sort = Set(f.due_date.unwrap_or(NO_DUE));
    am.priority = Set(f.priority.rank());
    am.key_task = Set(f.key_task);
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, task::Column::Version, current.version).await?;
    if body.coordinating_organisation_ids.is_some() {
        set_coordinators(&txn, id, &f.coordinators, Written::Changed).await?;
    }
    index(&txn, &updated, Written::Changed).await?;
    let after = dto(&txn, updated).await?;
    event(
        &txn,
        caller,
        &current,
        "update",
        Some(Status::Draft),
        Status::Draft,
        None,
        json!(audit::service::diff(
            Some(&json!(before)),
            Some(&json!(after))
        )),
        crate::clock::today(),
    )
    .await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(after.bloc_id),
            before: Some(&before),
            after: Some(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(as_seen_by(&actor, after))
}
