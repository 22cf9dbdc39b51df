use super::{
    dto::{
        CreateTask, CreatedTask, MyTaskQuery, NewReport, PageQuery, Priority, ReportDto,
        SimilarTask, TaskDto, TaskEventDto, TaskQuery, Transition, UpdateTask,
    },
    similarity,
    workflow::{self, FiveClears, Move, Standing, Status},
};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::{account, directive, task, task_coordinator, task_event, task_report},
    error::{ApiError, ApiResult, FieldError},
    pagination::{self, Keyset, Kind, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    refs, search,
    state::AppState,
    tenancy::{self, Scope},
    validate::{self, Checks},
};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::{Condition, Expr, ExprTrait, Query},
};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

pub const RESOURCE: &str = "task";
const NO_DUE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

fn status_of(m: &task::Model) -> Status {
    Status::parse(&m.status).unwrap_or(Status::Draft)
}

pub fn to_dto(m: task::Model, coordinators: Vec<Uuid>, today: NaiveDate) -> TaskDto {
    let status = status_of(&m);
    TaskDto {
        standing: workflow::standing(status, m.due_date, m.completed_on, today),
        allowed_actions: workflow::allowed_from(status)
            .into_iter()
            .map(str::to_string)
            .collect(),
        id: m.id,
        bloc_id: m.bloc_id,
        title: m.title,
        description: m.description,
        expected_result: m.expected_result,
        directive_id: m.directive_id,
        campaign_id: m.campaign_id,
        lead_organisation_id: m.lead_organisation_id,
        coordinating_organisation_ids: coordinators,
        sub_committee_id: m.sub_committee_id,
        assignee_id: m.assignee_id,
        created_by: m.created_by,
        start_date: m.start_date,
        due_date: m.due_date,
        priority: Priority::from_rank(m.priority),
        key_task: m.key_task,
        progress: m.progress,
        status,
        completed_on: m.completed_on,
        duplicate_of: m.duplicate_of,
        meeting_decision_id: m.meeting_decision_id,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

async fn coordinators_of(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Uuid>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for row in task_coordinator::Entity::find()
        .filter(task_coordinator::Column::TaskId.is_in(ids.iter().copied()))
        .all(conn)
        .await?
    {
        out.entry(row.task_id)
            .or_default()
            .push(row.organisation_id);
    }
    for v in out.values_mut() {
        v.sort();
    }
    Ok(out)
}

pub async fn dto(conn: &impl ConnectionTrait, m: task::Model) -> Result<TaskDto, DbErr> {
    let mut coords = coordinators_of(conn, &[m.id]).await?;
    let c = coords.remove(&m.id).unwrap_or_default();
    Ok(to_dto(m, c, validate::today()))
}

fn sort_fields() -> [SortField<task::Column>; 3] {
    [
        SortField {
            name: "due_date",
            column: task::Column::DueSort,
            kind: Kind::Date,
        },
        SortField {
            name: "priority",
            column: task::Column::Priority,
            kind: Kind::Int,
        },
        SortField {
            name: "created_at",
            column: task::Column::CreatedAt,
            kind: Kind::Time,
        },
    ]
}

fn open_statuses() -> Vec<&'static str> {
    Status::OPEN.iter().map(|s| s.as_str()).collect()
}

/// The SQL form of a deadline standing, for `today` in Vietnam.
pub fn standing_condition(s: Standing, today: NaiveDate) -> Condition {
    let completed = task::Column::Status.eq(Status::Completed.as_str());
    match s {
        Standing::Overdue => Condition::all()
            .add(task::Column::Status.is_in(open_statuses()))
            .add(task::Column::DueDate.lt(today)),
        Standing::OpenWithinDeadline => Condition::all()
            .add(task::Column::Status.is_in(open_statuses()))
            .add(
                Condition::any()
                    .add(task::Column::DueDate.is_null())
                    .add(task::Column::DueDate.gte(today)),
            ),
        Standing::CompletedOnTime => Condition::all().add(completed).add(
            Condition::any()
                .add(task::Column::DueDate.is_null())
                .add(Expr::col(task::Column::CompletedOn).lte(Expr::col(task::Column::DueDate))),
        ),
        Standing::CompletedLate => Condition::all()
            .add(completed)
            .add(Expr::col(task::Column::CompletedOn).gt(Expr::col(task::Column::DueDate))),
    }
}

fn parse_statuses(raw: &str) -> ApiResult<Vec<&'static str>> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            Status::parse(s).map(Status::as_str).ok_or_else(|| {
                ApiError::bad_field(
                    "status",
                    format!("`{s}` is not one of draft, assigned, in_progress, submitted, returned, completed, cancelled"),
                )
            })
        })
        .collect()
}

fn key_of(field: Option<&str>) -> impl Fn(&task::Model) -> (serde_json::Value, Uuid) {
    move |m| {
        let v = match field {
            Some("due_date") => json!(m.due_sort),
            Some("priority") => json!(m.priority),
            Some("created_at") => json!(m.created_at),
            _ => json!(null),
        };
        (v, m.id)
    }
}

async fn page_of(
    conn: &impl ConnectionTrait,
    rows: Vec<task::Model>,
    keyset: &Keyset<'_, task::Column>,
    limit: u64,
) -> Result<Page<TaskDto>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut coords = coordinators_of(conn, &ids).await?;
    let today = validate::today();
    Ok(
        keyset.finish(rows, limit, key_of(keyset.field_name()), |m| {
            let c = coords.remove(&m.id).unwrap_or_default();
            to_dto(m, c, today)
        }),
    )
}

pub async fn list(state: &AppState, caller: &Caller, q: TaskQuery) -> ApiResult<Page<TaskDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Task)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(q.sort.as_deref(), q.cursor.as_deref(), &fields)?;
    let scope = Scope::of(caller);
    let mut select = tenancy::select::<task::Entity>(&scope);
    if let Some(raw) = &q.status {
        let statuses = parse_statuses(raw)?;
        select = match statuses.as_slice() {
            [one] => select.filter(task::Column::Status.eq(*one)),
            _ => select.filter(task::Column::Status.is_in(statuses)),
        };
    }
    if let Some(s) = q.standing {
        select = select.filter(standing_condition(s, validate::today()));
    }
    if let Some(v) = q.lead_organisation_id {
        select = select.filter(task::Column::LeadOrganisationId.eq(v));
    }
    if let Some(org) = q.coordinating_organisation_id {
        select = select.filter(
            task::Column::Id.in_subquery(
                Query::select()
                    .column(task_coordinator::Column::TaskId)
                    .from(task_coordinator::Entity)
                    .and_where(task_coordinator::Column::OrganisationId.eq(org))
                    .to_owned(),
            ),
        );
    }
    if let Some(v) = q.sub_committee_id {
        select = select.filter(task::Column::SubCommitteeId.eq(v));
    }
    if let Some(v) = q.assignee_id {
        select = select.filter(task::Column::AssigneeId.eq(v));
    }
    if let Some(v) = q.directive_id {
        select = select.filter(task::Column::DirectiveId.eq(v));
    }
    if let Some(v) = q.campaign_id {
        select = select.filter(task::Column::CampaignId.eq(v));
    }
    if let Some(v) = q.key_task {
        select = select.filter(task::Column::KeyTask.eq(v));
    }
    if let (Some(a), Some(b)) = (q.due_after, q.due_before)
        && a > b
    {
        return Err(ApiError::bad_field(
            "due_after",
            "must not be after due_before",
        ));
    }
    if let Some(d) = q.due_before {
        select = select.filter(task::Column::DueDate.lte(d));
    }
    if let Some(d) = q.due_after {
        select = select.filter(task::Column::DueDate.gte(d));
    }
    if let Some(cond) =
        q.q.as_deref()
            .and_then(|q| search::matching(RESOURCE, &scope, q, task::Column::Id))
    {
        select = select.filter(cond);
    }
    let rows = keyset
        .apply(select, task::Column::Id, limit)
        .all(&state.db)
        .await?;
    Ok(page_of(&state.db, rows, &keyset, limit).await?)
}

pub async fn get(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<TaskDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Task)?;
    let m = tenancy::find::<task::Entity>(&state.db, &Scope::of(caller), id, "task").await?;
    Ok(dto(&state.db, m).await?)
}

/// The caller's staff record id, through their account.
async fn my_staff_id(conn: &impl ConnectionTrait, caller: &Caller) -> Result<Option<Uuid>, DbErr> {
    Ok(account::Entity::find_by_id(caller.account_id)
        .one(conn)
        .await?
        .and_then(|a| a.staff_id))
}

pub async fn my_tasks(
    state: &AppState,
    caller: &Caller,
    q: MyTaskQuery,
) -> ApiResult<Page<TaskDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Task)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(Some("due_date"), q.cursor.as_deref(), &fields)?;
    let Some(me) = my_staff_id(&state.db, caller).await? else {
        return Ok(Page {
            items: vec![],
            next_cursor: None,
        });
    };
    let mut select = tenancy::select::<task::Entity>(&Scope::of(caller))
        .filter(task::Column::AssigneeId.eq(me))
        .filter(task::Column::Status.is_in([
            Status::Assigned.as_str(),
            Status::InProgress.as_str(),
            Status::Submitted.as_str(),
            Status::Returned.as_str(),
        ]));
    if let Some(s) = q.standing {
        select = select.filter(standing_condition(s, validate::today()));
    }
    let rows = keyset
        .apply(select, task::Column::Id, limit)
        .all(&state.db)
        .await?;
    Ok(page_of(&state.db, rows, &keyset, limit).await?)
}

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
    if let Some(d) = f.directive_id
        && directive::Entity::find_by_id(d)
            .filter(directive::Column::BlocId.eq(bloc_id))
            .one(conn)
            .await?
            .is_none()
    {
        c.add("directive_id", "no such directive in this bloc");
    }
    if let Some(id) = f.campaign_id
        && crate::entities::campaign::Entity::find_by_id(id)
            .filter(crate::entities::campaign::Column::BlocId.eq(bloc_id))
            .one(conn)
            .await?
            .is_none()
    {
        c.add("campaign_id", "no such campaign in this bloc");
    }
    refs::organisation_in_bloc(
        conn,
        &mut c,
        "lead_organisation_id",
        bloc_id,
        f.lead_organisation_id,
    )
    .await?;
    let mut seen = Vec::new();
    for (i, org) in f.coordinators.iter().enumerate() {
        let field = format!("coordinating_organisation_ids[{i}]");
        if Some(*org) == f.lead_organisation_id {
            c.add(
                &field,
                "is the lead organisation; it cannot also coordinate",
            );
        } else if seen.contains(org) {
            c.add(&field, "is listed twice");
        } else {
            refs::organisation_in_bloc(conn, &mut c, &field, bloc_id, Some(*org)).await?;
        }
        seen.push(*org);
    }
    if f.coordinators.len() > 20 {
        c.add(
            "coordinating_organisation_ids",
            "must list at most 20 organisations",
        );
    }
    refs::sub_committee_in_bloc(
        conn,
        &mut c,
        "sub_committee_id",
        bloc_id,
        f.sub_committee_id,
    )
    .await?;
    refs::staff_in_bloc(conn, &mut c, "assignee_id", bloc_id, f.assignee_id).await?;
    if let (Some(s), Some(d)) = (f.start_date, f.due_date)
        && s > d
    {
        c.add("due_date", "must not be before start_date");
    }
    c.finish()
}

fn target(m: &task::Model) -> Target {
    Target {
        sub_committee: m.sub_committee_id,
        organisation: m.lead_organisation_id,
        assignee: m.assignee_id,
        creator: Some(m.created_by),
        ..Default::default()
    }
}

async fn index(conn: &impl ConnectionTrait, m: &task::Model) -> Result<(), DbErr> {
    search::index(
        conn,
        RESOURCE,
        m.bloc_id,
        m.id,
        &[&m.title, m.description.as_deref().unwrap_or("")],
    )
    .await
}

async fn set_coordinators(
    conn: &impl ConnectionTrait,
    task_id: Uuid,
    orgs: &[Uuid],
) -> Result<(), DbErr> {
    crate::db::replace_links(conn, task_coordinator::Column::TaskId, task_id, orgs, |o| {
        task_coordinator::ActiveModel {
            task_id: Set(task_id),
            organisation_id: Set(o),
        }
    })
    .await
}

#[allow(clippy::too_many_arguments)]
async fn event(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    m: &task::Model,
    action: &str,
    from: Option<Status>,
    to: Status,
    note: Option<String>,
    data: serde_json::Value,
) -> Result<(), DbErr> {
    task_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        task_id: Set(m.id),
        bloc_id: Set(m.bloc_id),
        action: Set(action.into()),
        from_status: Set(from.map(|s| s.as_str().to_string())),
        to_status: Set(to.as_str().into()),
        actor_id: Set(caller.account_id),
        note: Set(note),
        data: Set(data.to_string()),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Creates a draft in `conn` (the caller's transaction) and finds the open tasks it may repeat.
pub async fn create_in(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    body: CreateTask,
) -> ApiResult<CreatedTask> {
    create_decided(conn, caller, body, None).await
}

/// As [`create_in`], for a task a meeting decided: it points back at the decision.
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
        duplicate_of: Set(None),
        meeting_decision_id: Set(meeting_decision_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    set_coordinators(conn, m.id, &f.coordinators).await?;
    let similar = similarity::similar_open_tasks(conn, &m, similarity::THRESHOLD, 5).await?;
    index(conn, &m).await?;
    event(
        conn,
        caller,
        &m,
        "create",
        None,
        Status::Draft,
        None,
        json!({}),
    )
    .await?;
    let task = to_dto(
        m,
        {
            let mut c = f.coordinators.clone();
            c.sort();
            c
        },
        validate::today(),
    );
    audit::change(
        conn,
        caller,
        "create",
        RESOURCE,
        task.id,
        Some(task.bloc_id),
        None,
        Some(&task),
    )
    .await?;
    Ok(CreatedTask {
        task,
        possible_duplicates: similar,
    })
}

pub async fn similar(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<Vec<SimilarTask>> {
    crate::policy::may_read(caller, crate::policy::Resource::Task)?;
    let m = tenancy::find::<task::Entity>(&state.db, &Scope::of(caller), id, "task").await?;
    Ok(similarity::similar_open_tasks(&state.db, &m, similarity::THRESHOLD, 10).await?)
}

pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateTask,
) -> ApiResult<TaskDto> {
    let txn = begin_write(&state.db).await?;
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
        set_coordinators(&txn, id, &f.coordinators).await?;
    }
    index(&txn, &updated).await?;
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
    )
    .await?;
    audit::change(
        &txn,
        caller,
        "update",
        RESOURCE,
        id,
        Some(after.bloc_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

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

fn check_report(c: &mut Checks, field: &str, r: &NewReport) -> (String, Vec<String>) {
    let text = c
        .opt_long_text(&format!("{field}text"), Some(&r.text), 10_000)
        .unwrap_or_default();
    if text.is_empty() {
        c.add(&format!("{field}text"), "must not be empty");
    }
    if !(0..=100).contains(&r.progress) {
        c.add(&format!("{field}progress"), "must be from 0 to 100");
    }
    if r.evidence.len() > 20 {
        c.add(&format!("{field}evidence"), "must list at most 20 links");
    }
    let mut evidence = Vec::new();
    for (i, e) in r.evidence.iter().enumerate() {
        let e = e.trim();
        if !(e.starts_with("http://") || e.starts_with("https://"))
            || e.len() > 2000
            || e.contains(char::is_whitespace)
        {
            c.add(
                &format!("{field}evidence[{i}]"),
                "must be an http or https link",
            );
        }
        evidence.push(e.to_string());
    }
    (text, evidence)
}

async fn insert_report(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    m: &task::Model,
    text: String,
    progress: i16,
    evidence: Vec<String>,
) -> Result<task_report::Model, DbErr> {
    task_report::ActiveModel {
        id: Set(Uuid::now_v7()),
        task_id: Set(m.id),
        bloc_id: Set(m.bloc_id),
        author_id: Set(caller.account_id),
        body: Set(text),
        progress: Set(progress),
        evidence: Set(json!(evidence).to_string()),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await
}

pub async fn transition(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: Transition,
) -> ApiResult<TaskDto> {
    let txn = begin_write(&state.db).await?;
    let current = tenancy::find::<task::Entity>(&txn, &Scope::of(caller), id, "task").await?;
    let from = status_of(&current);
    let actor = Actor::of(&txn, caller).await?;
    let action = match body.action {
        Move::Assign => Action::Assign,
        Move::Start => Action::Start,
        Move::Submit => Action::Submit,
        Move::Complete => Action::Complete,
        Move::Return => Action::Return,
        Move::Cancel | Move::MarkDuplicate => Action::Cancel,
        Move::Reassign => Action::Reassign,
    };
    // A role that may never make this move hears so before anything about the task's state.
    if policy::rule(Resource::Task, action, caller.role) == policy::Rule::No {
        policy::authorize(&actor, Resource::Task, action, &target(&current))?;
    }
    let to = workflow::next(from, body.action).ok_or_else(|| illegal(from, body.action))?;
    policy::authorize(&actor, Resource::Task, action, &target(&current))?;
    if_match.check(current.version)?;
    let before = dto(&txn, current.clone()).await?;
    let mut c = Checks::new();
    let reason = c.opt_long_text("reason", body.reason.as_deref(), 4_000);
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
            refs::staff_in_bloc(
                &txn,
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
                c.check()?;
                insert_report(&txn, caller, &current, text, r.progress, evidence).await?;
                am.progress = Set(r.progress);
            }
        },
        Move::Return => {
            if reason.is_none() {
                c.add(
                    "reason",
                    "is required to return a task: say what is missing",
                );
            }
        }
        Move::Complete => {
            am.completed_on = Set(Some(validate::today()));
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
                    if refs::staff_in_bloc(&txn, &mut c, "assignee_id", current.bloc_id, Some(a))
                        .await?
                        .is_some()
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
                    .one(&txn)
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
        Move::Start | Move::Cancel => {}
    }
    c.finish()?;
    am.status = Set(to.as_str().into());
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, task::Column::Version, current.version).await?;
    event(
        &txn,
        caller,
        &current,
        body.action.as_str(),
        Some(from),
        to,
        reason,
        data,
    )
    .await?;
    let after = dto(&txn, updated).await?;
    audit::change(
        &txn,
        caller,
        body.action.as_str(),
        RESOURCE,
        id,
        Some(after.bloc_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

pub async fn history(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    q: PageQuery,
) -> ApiResult<Page<TaskEventDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Task)?;
    let scope = Scope::of(caller);
    let t = tenancy::find::<task::Entity>(&state.db, &scope, id, "task").await?;
    let limit = pagination::limit(q.limit)?;
    let fields: [SortField<task_event::Column>; 0] = [];
    let keyset = Keyset::parse(None, q.cursor.as_deref(), &fields)?;
    let select =
        tenancy::select::<task_event::Entity>(&scope).filter(task_event::Column::TaskId.eq(t.id));
    Ok(keyset
        .fetch(
            &state.db,
            select,
            task_event::Column::Id,
            limit,
            |m| (json!(null), m.id),
            |m| TaskEventDto {
                id: m.id,
                action: m.action,
                from_status: m.from_status,
                to_status: m.to_status,
                actor_id: m.actor_id,
                reason: m.note,
                changes: serde_json::from_str(&m.data).unwrap_or(json!({})),
                created_at: m.created_at,
            },
        )
        .await?)
}

fn report_dto(m: task_report::Model) -> ReportDto {
    ReportDto {
        id: m.id,
        task_id: m.task_id,
        author_id: m.author_id,
        text: m.body,
        progress: m.progress,
        evidence: serde_json::from_str(&m.evidence).unwrap_or_default(),
        created_at: m.created_at,
    }
}

/// Adds a progress report in the caller's transaction (the assignee, or the bloc head).
pub async fn add_report_in(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    body: NewReport,
) -> ApiResult<ReportDto> {
    let current = tenancy::find::<task::Entity>(conn, &Scope::of(caller), id, "task").await?;
    let actor = Actor::of(conn, caller).await?;
    policy::authorize(&actor, Resource::Task, Action::Report, &target(&current))?;
    let status = status_of(&current);
    if !status.is_open() || status == Status::Draft {
        return Err(ApiError::conflict(format!(
            "reports go on assigned, open tasks; this one is {}",
            current.status
        )));
    }
    let mut c = Checks::new();
    let (text, evidence) = check_report(&mut c, "", &body);
    c.finish()?;
    let report = insert_report(conn, caller, &current, text, body.progress, evidence).await?;
    let mut am: task::ActiveModel = current.clone().into();
    am.progress = Set(body.progress);
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    save_if_unchanged(conn, am, task::Column::Version, current.version).await?;
    let dto = report_dto(report);
    audit::change(
        conn,
        caller,
        "create",
        "task_report",
        dto.id,
        Some(current.bloc_id),
        None,
        Some(&dto),
    )
    .await?;
    Ok(dto)
}

pub async fn list_reports(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    q: PageQuery,
) -> ApiResult<Page<ReportDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Task)?;
    let scope = Scope::of(caller);
    let t = tenancy::find::<task::Entity>(&state.db, &scope, id, "task").await?;
    let limit = pagination::limit(q.limit)?;
    let fields: [SortField<task_report::Column>; 0] = [];
    let keyset = Keyset::parse(None, q.cursor.as_deref(), &fields)?;
    let select =
        tenancy::select::<task_report::Entity>(&scope).filter(task_report::Column::TaskId.eq(t.id));
    Ok(keyset
        .fetch(
            &state.db,
            select,
            task_report::Column::Id,
            limit,
            |m| (json!(null), m.id),
            report_dto,
        )
        .await?)
}
