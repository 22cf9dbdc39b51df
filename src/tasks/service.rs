use super::{
    dates::{as_it_stood, standing_on, status_on_condition},
    dto::{MyTaskQuery, PageQuery, Priority, SimilarTask, TaskDto, TaskEventDto, TaskQuery},
    similarity,
    workflow::{self, Move, Standing, Status},
};
use crate::{
    auth::Caller,
    entities::{account, task, task_coordinator, task_event},
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Kind, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    search,
    tenancy::{self, Scope},
};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, FromQueryResult, QueryFilter, QueryResult, QuerySelect, Set,
    sea_query::{Condition, Expr, ExprTrait, Query},
};
use serde_json::json;
use uuid::Uuid;

pub const RESOURCE: &str = "task";
pub(super) const NO_DUE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

pub(super) fn status_of(m: &task::Model) -> Status {
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
        created_by: crate::people::Who::Account(m.created_by),
        start_date: m.start_date,
        due_date: m.due_date,
        priority: Priority::from_rank(m.priority),
        key_task: m.key_task,
        progress: m.progress,
        status,
        completed_on: m.completed_on,
        opened_on: m.opened_on,
        duplicate_of: m.duplicate_of,
        meeting_decision_id: m.meeting_decision_id,
        parent_task_id: m.parent_task_id,
        waits_for_children: m.waits_for_children,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// A task already read (a write's before and after) as answered, with its coordinators.
pub async fn dto(conn: &impl ConnectionTrait, m: task::Model) -> Result<TaskDto, DbErr> {
    let mut c: Vec<Uuid> = task_coordinator::Entity::find()
        .filter(task_coordinator::Column::TaskId.eq(m.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.organisation_id)
        .collect();
    c.sort();
    Ok(to_dto(m, c, crate::clock::today()))
}

/// A task read with its coordinating organisations, aggregated in the same statement: a page
/// or a detail is one statement, not the tasks and then their coordinators.
pub(super) struct WithCoordinators(task::Model, Vec<Uuid>);

impl FromQueryResult for WithCoordinators {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        let m = task::Model::from_query_result(res, pre)?;
        let raw: Option<String> = res.try_get(pre, COORDINATORS)?;
        Ok(Self(m, crate::db::ids_in(raw.as_deref())?))
    }
}

/// A detail: the task, its coordinators and its creator, read in one statement, so the answer
/// needs no lookup of who created it.
struct WithCreator(WithCoordinators, crate::people::Who);

impl FromQueryResult for WithCreator {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        let t = WithCoordinators::from_query_result(res, pre)?;
        let who = crate::people::Who::read(res, pre, CREATOR, t.0.created_by)?;
        Ok(Self(t, who))
    }
}

const COORDINATORS: &str = "coordinators";

/// `select` with each task's coordinators as one more column.
pub(super) fn with_coordinators(
    select: sea_orm::Select<task::Entity>,
    backend: DbBackend,
) -> sea_orm::Selector<sea_orm::SelectModel<WithCoordinators>> {
    coordinated(select, backend).into_model::<WithCoordinators>()
}

fn coordinated(
    select: sea_orm::Select<task::Entity>,
    backend: DbBackend,
) -> sea_orm::Select<task::Entity> {
    select.column_as(
        crate::db::ids_column(
            backend,
            "c.organisation_id",
            "task_coordinators c",
            "c.task_id = tasks.id",
        ),
        COORDINATORS,
    )
}

fn sort_fields() -> [SortField<task::Column>; 3] {
    [
        SortField {
            name: "due_on",
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
                    format!("`{s}` is not one of received, draft, assigned, in_progress, submitted, returned, completed, cancelled, declined"),
                )
            })
        })
        .collect()
}

fn key_of(field: Option<&str>) -> impl Fn(&task::Model) -> (serde_json::Value, Uuid) {
    move |m| {
        let v = match field {
            Some("due_on") => json!(m.due_sort),
            Some("priority") => json!(m.priority),
            Some("created_at") => json!(m.created_at),
            _ => json!(null),
        };
        (v, m.id)
    }
}

fn page_of(
    rows: Vec<WithCoordinators>,
    keyset: &Keyset<'_, task::Column>,
    limit: u64,
) -> Page<TaskDto> {
    let today = crate::clock::today();
    let key = key_of(keyset.field_name());
    keyset.finish(
        rows,
        limit,
        |r| key(&r.0),
        |WithCoordinators(m, c)| to_dto(m, c, today),
    )
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: TaskQuery,
) -> ApiResult<Page<TaskDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Task)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(q.sort.as_deref(), q.cursor.as_deref(), &fields)?;
    let scope = Scope::of(caller).narrowed(q.bloc_id, q.province.as_deref());
    let mut select = tenancy::select::<task::Entity>(&scope);
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        task::Column::UpdatedAt,
        task::Column::Id,
    )?;
    let today = crate::clock::today();
    if let Some(day) = q.as_of {
        if day > today {
            return Err(ApiError::bad_field(
                "as_of",
                format!("must not be in the future (today is {today})"),
            ));
        }
        select = select.filter(task::Column::OpenedOn.lte(day));
    }
    if let Some(raw) = &q.status {
        let statuses = parse_statuses(raw)?;
        select = match (q.as_of, statuses.as_slice()) {
            (Some(day), _) => select.filter(status_on_condition(&statuses, day)),
            (None, [one]) => select.filter(task::Column::Status.eq(*one)),
            (None, _) => select.filter(task::Column::Status.is_in(statuses)),
        };
    }
    if let Some(s) = q.standing {
        select = select.filter(match q.as_of {
            Some(day) => standing_on(s, day),
            None => standing_condition(s, today),
        });
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
        return Err(ApiError::bad_field("due_from", "must not be after due_to"));
    }
    if let Some(d) = q.due_before {
        select = select.filter(task::Column::DueDate.lte(d));
    }
    if let Some(d) = q.due_after {
        select = select.filter(task::Column::DueDate.gte(d));
    }
    let matching = search::matching(db, RESOURCE, &scope, q.q.as_deref(), task::Column::Id).await?;
    // In creation order only: the walk's bound is a row's id.
    let probing = match (&matching, keyset.field, keyset.desc) {
        (Some(_), None, false) => {
            search::probing(db, RESOURCE, &scope, q.q.as_deref(), task::Column::Id).await?
        }
        _ => None,
    };
    let rows = async {
        if let Some(probe) = probing {
            match probed(db, select.clone(), probe, &keyset, limit).await? {
                Some(rows) => return Ok(rows),
                None if keyset.first_page() => search::unfilled(RESOURCE, &scope, q.q.as_deref()),
                None => {}
            }
        }
        let select = match matching {
            Some(cond) => select.filter(cond),
            None => select,
        };
        with_coordinators(
            keyset.apply(select, task::Column::Id, limit),
            db.get_database_backend(),
        )
        .all(db)
        .await
    };
    if let Some(day) = q.as_of {
        let page = page_of(rows.await?, &keyset, limit);
        return Ok(as_it_stood(db, page, day).await?);
    }
    // The page and who the caller is, read at once.
    let (rows, actor) = tokio::try_join!(rows, Actor::of(db, caller))?;
    Ok(page_as_seen_by(&actor, page_of(rows, &keyset, limit)))
}

/// The page of a search whose every word is common, with [`search::probing`]'s condition on the
/// first [`search::WALK`] rows of the walk (in creation order, after the cursor): `None` when they
/// do not fill it, and [`search::matching`]'s condition must walk on. Those rows come first in
/// the page's order, so the matches among them that fill the page are the page.
async fn probed(
    db: &DatabaseConnection,
    select: sea_orm::Select<task::Entity>,
    probe: Condition,
    keyset: &Keyset<'_, task::Column>,
    limit: u64,
) -> Result<Option<Vec<WithCoordinators>>, DbErr> {
    let walk = keyset.apply(select.clone(), task::Column::Id, 0);
    let select = search::within_walk(select.filter(probe), walk, task::Column::Id);
    let rows = with_coordinators(
        keyset.apply(select, task::Column::Id, limit),
        db.get_database_backend(),
    )
    .all(db)
    .await?;
    Ok((rows.len() as u64 > limit).then_some(rows))
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<TaskDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Task)?;
    // Across levels: the tasks this bloc delegated, and the one it received. The task with its
    // coordinators and its creator, one statement; who the caller is came with the token.
    let row = crate::people::Who::columns(
        coordinated(
            tenancy::select_linked::<task::Entity>(&Scope::of(caller), id),
            db.get_database_backend(),
        ),
        "tasks.created_by",
        CREATOR,
    )
    .into_model::<WithCreator>();
    let (actor, row) = tokio::try_join!(Actor::of(db, caller), row.one(db))?;
    let WithCreator(WithCoordinators(m, c), who) =
        row.ok_or_else(|| ApiError::not_found("task"))?;
    let t = TaskDto {
        created_by: who,
        ..to_dto(m, c, crate::clock::today())
    };
    let mut t = as_seen_by(&actor, t);
    // A task of another bloc, read across levels: nothing the caller may do to it.
    if Scope::of(caller).own_bloc().is_some_and(|b| b != t.bloc_id) {
        t.allowed_actions.clear();
    }
    Ok(t)
}

/// The prefix of the creator's columns in a detail's statement.
const CREATOR: &str = "creator";

#[tracing::instrument(skip_all)]
pub async fn my_tasks(
    db: &DatabaseConnection,
    caller: &Caller,
    q: MyTaskQuery,
) -> ApiResult<Page<TaskDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Task)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(Some("due_on"), q.cursor.as_deref(), &fields)?;
    // The caller's staff record inside the page's own statement, as a scalar (with `IN` the
    // planner sorts all the person's open tasks instead of walking the index in page order);
    // none (the admin, an account linked to nobody) matches no task.
    let me = sea_orm::sea_query::Query::select()
        .column(account::Column::StaffId)
        .from(account::Entity)
        .and_where(account::Column::Id.eq(caller.account_id))
        .to_owned();
    let mut select = tenancy::select::<task::Entity>(&Scope::of(caller))
        .filter(sea_orm::sea_query::Expr::col(task::Column::AssigneeId).eq(
            sea_orm::sea_query::SimpleExpr::SubQuery(None, Box::new(me.into())),
        ))
        .filter(unfinished_of_someone());
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        task::Column::UpdatedAt,
        task::Column::Id,
    )?;
    if let Some(s) = q.standing {
        select = select.filter(standing_condition(s, crate::clock::today()));
    }
    let rows = with_coordinators(
        keyset.apply(select, task::Column::Id, limit),
        db.get_database_backend(),
    );
    let (rows, actor) = tokio::try_join!(rows.all(db), Actor::of(db, caller))?;
    Ok(page_as_seen_by(&actor, page_of(rows, &keyset, limit)))
}

/// [`Status::WORKED_ON`], the condition of the partial index
/// `ix_tasks_open_by_assignee`, written into the SQL rather than bound. Bound, the statuses are
/// unknown to PostgreSQL's generic plan, which cannot prove the index's condition: it read two
/// other indexes and sorted (costed 4.7 times the custom plan), so my tasks' statement was
/// planned anew on every call.
fn unfinished_of_someone() -> Expr {
    Expr::col((task::Entity, task::Column::Status))
        .is_in(Status::WORKED_ON.map(|s| Expr::Constant(s.as_str().into())))
}

/// The rule of the policy table each move is decided by.
pub(super) fn action_of(m: Move) -> Action {
    match m {
        Move::Assign => Action::Assign,
        Move::Start => Action::Start,
        Move::Submit => Action::Submit,
        Move::Complete => Action::Complete,
        Move::Return => Action::Return,
        Move::Cancel | Move::MarkDuplicate => Action::Cancel,
        Move::Reassign => Action::Reassign,
        Move::Accept => Action::Accept,
        Move::Decline => Action::Decline,
    }
}

/// Keeps in `allowed_actions` only the moves `actor` may make on the task now: the workflow
/// says which exist from its status, the policy table who may make each (as the moves do).
pub(super) fn as_seen_by(actor: &Actor, mut t: TaskDto) -> TaskDto {
    let target = Target {
        sub_committee: t.sub_committee_id,
        organisation: t.lead_organisation_id,
        assignee: t.assignee_id,
        creator: Some(t.created_by.account_id()),
        ..Default::default()
    };
    t.allowed_actions.retain(|a| {
        Move::ALL
            .into_iter()
            .find(|m| m.as_str() == a)
            .is_some_and(|m| policy::allows(actor, Resource::Task, action_of(m), &target))
    });
    t
}

fn page_as_seen_by(actor: &Actor, mut page: Page<TaskDto>) -> Page<TaskDto> {
    page.items = page
        .items
        .into_iter()
        .map(|t| as_seen_by(actor, t))
        .collect();
    page
}

pub(super) fn target(m: &task::Model) -> Target {
    Target {
        sub_committee: m.sub_committee_id,
        organisation: m.lead_organisation_id,
        assignee: m.assignee_id,
        creator: Some(m.created_by),
        ..Default::default()
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn event(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    m: &task::Model,
    action: &str,
    from: Option<Status>,
    to: Status,
    note: Option<String>,
    data: serde_json::Value,
    occurred_on: NaiveDate,
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
        occurred_on: Set(occurred_on),
    }
    .insert(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn similar(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<Vec<SimilarTask>> {
    crate::policy::may_read(caller, crate::policy::Resource::Task)?;
    let m = tenancy::find::<task::Entity>(db, &Scope::of(caller), id, "task").await?;
    Ok(similarity::similar_open_tasks(db, &m, similarity::THRESHOLD, 10).await?)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn history(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    q: PageQuery,
) -> ApiResult<Page<TaskEventDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Task)?;
    // The sender of a delegated task reads its history too.
    let t = tenancy::find_sent_down::<task::Entity>(db, &Scope::of(caller), id, "task").await?;
    let limit = pagination::limit(q.limit)?;
    let fields: [SortField<task_event::Column>; 0] = [];
    let keyset = Keyset::parse(None, q.cursor.as_deref(), &fields)?;
    let select = tenancy::select::<task_event::Entity>(&Scope::Bloc(t.bloc_id))
        .filter(task_event::Column::TaskId.eq(t.id));
    Ok(keyset
        .fetch(
            db,
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
                occurred_on: m.occurred_on,
                created_at: m.created_at,
            },
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::QueryTrait;

    /// My tasks' statuses reach the SQL as the partial index's own condition (migration 16),
    /// with nothing bound that a generic plan could not see.
    #[test]
    fn my_tasks_statuses_are_written_as_the_partial_index_states_them() {
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let stmt = task::Entity::find()
                .filter(unfinished_of_someone())
                .build(backend);
            assert!(
                stmt.sql.ends_with(
                    r#"WHERE "tasks"."status" IN ('assigned', 'in_progress', 'submitted', 'returned')"#
                ),
                "{}",
                stmt.sql
            );
            assert!(stmt.values.is_none_or(|v| v.0.is_empty()));
        }
    }
}
