use super::{
    delegations, drafting,
    dto::{
        CreateTask, CreatedTask, Delegations, MyTaskQuery, NewDelegation, NewReport, PageQuery,
        ReportDto, SimilarTask, TaskDto, TaskEventDto, TaskQuery, Transition, UpdateTask,
    },
    moves, reports, service,
};
use crate::{
    auth::Caller,
    concurrency::{IfMatch, with_etag},
    db::begin_write,
    error::ApiResult,
    export::{self, Format},
    extract::Json,
    pagination::{Fields, Page},
    state::AppState,
};
use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, patch, post, web};
use uuid::Uuid;

/// What `fields=` may name on the task lists.
static TASK_FIELDS: std::sync::LazyLock<Vec<String>> =
    std::sync::LazyLock::new(crate::pagination::property_names::<TaskDto>);

/// Tasks of the caller's bloc (the portal: of its province), filtered and sorted.
#[utoipa::path(tag = "tasks", params(TaskQuery),
    responses((status = 200, description = "A page of tasks", body = Page<TaskDto>)))]
#[get("/tasks")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    req: HttpRequest,
    q: crate::extract::Query<TaskQuery>,
) -> ApiResult<HttpResponse> {
    if format != Format::Json {
        let position = crate::auth::caller::read_position(&req, &state, &caller).await?;
        return export::page(format, q.into_inner(), move |q| {
            let (state, caller) = (state.clone(), caller.clone());
            async move {
                let db = state.replica.at_least(&state.db, position).await;
                service::list(db, &caller, q).await
            }
        })
        .await;
    }
    // Per account: `allowed_actions` depends on who asks.
    let key = format!(
        "list|{:?}|{}|{}",
        crate::tenancy::Scope::of(&caller),
        caller.account_id,
        crate::page_cache::normal_query(req.query_string())
    );
    let fields = Fields::parse(q.fields.as_deref(), &TASK_FIELDS)?;
    cached(&state, &caller, &req, key, async |db| {
        Fields::pick(
            fields.as_ref(),
            service::list(db, &caller, q.into_inner()).await?,
        )
    })
    .await
}

/// Serves a kept answer while nothing has changed since it was made (see `page_cache`); a new
/// one is made from the replica when it has replayed that far (see `replica`).
async fn cached<T: serde::Serialize>(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    key: String,
    make: impl AsyncFnOnce(&sea_orm::DatabaseConnection) -> ApiResult<T>,
) -> ApiResult<HttpResponse> {
    let position = crate::auth::caller::kept_position(req, &state.db, caller).await?;
    crate::page_cache::serve(&state.pages, &state.db, &key, position, async || {
        make(state.replica.at_least(&state.db, position).await).await
    })
    .await
}

/// Create a task as a draft (bloc head; a deputy head for the sub-committee they head or the
/// organisation they lead).
///
/// The answer lists `possible_duplicates`: open tasks of the bloc that say the same thing. Send
/// an `Idempotency-Key` to make a retry safe: the same key and body return the first answer.
#[utoipa::path(tag = "tasks", request_body = CreateTask,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1–200 visible ASCII characters, kept 24 hours", pattern = r"^[!-~]{1,200}$")),
    responses(
        (status = 201, description = "Created as a draft", body = CreatedTask, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "The caller may not create tasks for this sub-committee or organisation"),
        (status = 422, description = "An invalid field, or an Idempotency-Key reused with another body"),
    ))]
#[post("/tasks")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateTask>,
) -> ApiResult<HttpResponse> {
    let txn = begin_write(&state.db).await?;
    let created = drafting::create_in(&txn, &caller, body.0).await?;
    txn.commit().await?;
    let v = created.task.version;
    Ok(with_etag(StatusCode::CREATED, &created, v))
}

/// One task, with its deadline standing and the moves possible from its status.
#[utoipa::path(tag = "tasks", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The task", body = TaskDto, headers(("ETag" = String, description = "The version")))))]
#[get("/tasks/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let t = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = t.version;
    Ok(with_etag(StatusCode::OK, &t, v))
}

/// Edit a draft (who may create it). After assignment a task changes only through its moves.
#[utoipa::path(tag = "tasks", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateTask,
    responses(
        (status = 200, description = "Changed", body = TaskDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "The caller may not edit this task"),
        (status = 409, description = "The task is no longer a draft"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/tasks/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateTask>,
) -> ApiResult<HttpResponse> {
    let t = drafting::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = t.version;
    Ok(with_etag(StatusCode::OK, &t, v))
}

/// Move a task along its workflow: `assign`, `start`, `submit` (with `report`), `complete`,
/// `return` (with `reason`), `cancel`, `reassign` (with `assignee_id` and `reason`),
/// `mark_duplicate` (with `duplicate_of`).
///
/// draft → assigned (only when the five clears hold: assignee, title and description, due date,
/// expected result, lead organisation; otherwise 422 listing what is missing) → in_progress →
/// submitted → completed, or → returned → in_progress/submitted; any open status → cancelled.
/// `assign` and `reassign`: the bloc head or the responsible deputy head. `start`, `submit`:
/// the assignee. `complete`, `return`: the bloc head or the deputy head of the task's
/// sub-committee, never the assignee. `cancel`, `mark_duplicate`: the bloc head or the task's
/// creator. A move that does not exist from the current status is 409 listing those that do.
#[utoipa::path(tag = "tasks", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = Transition,
    responses(
        (status = 200, description = "Moved", body = TaskDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "The caller's role may not make this move on this task"),
        (status = 409, description = "Not a move from the current status; `allowed` lists the moves that are"),
        (status = 412, description = "Stale If-Match"),
        (status = 422, description = "The five clears do not hold, or a field the move needs is missing"),
    ))]
#[post("/tasks/{id}/transitions")]
pub async fn transition(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<Transition>,
) -> ApiResult<HttpResponse> {
    let t = moves::transition(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = t.version;
    Ok(with_etag(StatusCode::OK, &t, v))
}

/// Every move of a task, oldest first: who, when, from and to, and why.
#[utoipa::path(tag = "tasks", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, description = "The moves", body = Page<TaskEventDto>)))]
#[get("/tasks/{id}/history")]
pub async fn history(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    id: web::Path<Uuid>,
    q: crate::extract::Query<PageQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    let id = id.into_inner();
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::history(&state.db, &caller, id, q).await }
    })
    .await
}

/// Open tasks of the bloc that say the same thing as this one, best first.
#[utoipa::path(tag = "tasks", params(("id" = Uuid, Path)),
    responses((status = 200, description = "Possible duplicates", body = Page<SimilarTask>)))]
#[get("/tasks/{id}/similar")]
pub async fn similar(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    id: web::Path<Uuid>,
) -> ApiResult<actix_web::HttpResponse> {
    export::list(
        format,
        service::similar(&state.db, &caller, id.into_inner()).await?,
    )
}

/// Progress reports on a task, oldest first.
#[utoipa::path(tag = "tasks", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, description = "The reports", body = Page<ReportDto>)))]
#[get("/tasks/{id}/reports")]
pub async fn list_reports(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    id: web::Path<Uuid>,
    q: crate::extract::Query<PageQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    let id = id.into_inner();
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { reports::list_reports(&state.db, &caller, id, q).await }
    })
    .await
}

/// Report progress on an assigned task (the assignee, or the bloc head); its progress becomes
/// the task's. Send an `Idempotency-Key` to make a retry safe.
#[utoipa::path(tag = "tasks", params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1–200 visible ASCII characters, kept 24 hours", pattern = r"^[!-~]{1,200}$")),
    request_body = NewReport,
    responses(
        (status = 201, description = "Recorded", body = ReportDto),
        (status = 403, description = "Only the assignee or the bloc head reports"),
        (status = 409, description = "The task is a draft, completed or cancelled"),
    ))]
#[post("/tasks/{id}/reports")]
pub async fn add_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewReport>,
) -> ApiResult<HttpResponse> {
    let txn = begin_write(&state.db).await?;
    let report = reports::add_report_in(&txn, &caller, id.into_inner(), body.0).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(report))
}

/// The caller's open tasks (assigned to them, not finished), soonest due first, with standing.
#[utoipa::path(tag = "tasks", params(MyTaskQuery),
    responses((status = 200, description = "A page of the caller's open tasks", body = Page<TaskDto>)))]
#[get("/me/tasks")]
pub async fn my_tasks(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    req: HttpRequest,
    q: crate::extract::Query<MyTaskQuery>,
) -> ApiResult<HttpResponse> {
    if format != Format::Json {
        let position = crate::auth::caller::read_position(&req, &state, &caller).await?;
        return export::page(format, q.into_inner(), move |q| {
            let (state, caller) = (state.clone(), caller.clone());
            async move {
                let db = state.replica.at_least(&state.db, position).await;
                service::my_tasks(db, &caller, q).await
            }
        })
        .await;
    }
    let key = format!(
        "me|{:?}|{}|{}",
        crate::tenancy::Scope::of(&caller),
        caller.account_id,
        crate::page_cache::normal_query(req.query_string())
    );
    let fields = Fields::parse(q.fields.as_deref(), &TASK_FIELDS)?;
    cached(&state, &caller, &req, key, async |db| {
        Fields::pick(
            fields.as_ref(),
            service::my_tasks(db, &caller, q.into_inner()).await?,
        )
    })
    .await
}

/// Delegate the task to child blocs of its bloc (the bloc head, or the deputy head responsible
/// for it): each gets its own linked task, `received`, which its head accepts (into its own
/// workflow, five clears included) or declines with a reason. All of it or nothing. Send an
/// `Idempotency-Key` to make a retry safe.
#[utoipa::path(tag = "tasks", params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1–200 visible ASCII characters, kept 24 hours", pattern = r"^[!-~]{1,200}$")),
    request_body = NewDelegation,
    responses(
        (status = 201, description = "Sent: the roll-up, every child included", body = Delegations),
        (status = 403, description = "The caller may not delegate this task"),
        (status = 409, description = "The task is finished, or itself still awaits an answer"),
        (status = 422, description = "A bloc that is not a child of the task's bloc (`bloc_ids[i]`), a due date after the task's"),
    ))]
#[post("/tasks/{id}/delegations")]
pub async fn delegate(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewDelegation>,
) -> ApiResult<HttpResponse> {
    let d = delegations::delegate(&state.db, &caller, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Created().json(d))
}

/// The roll-up of a delegated task: each child bloc's task with its status, standing and
/// progress, and n of m done, on time, late, overdue, declined. For the bloc that sent it, the
/// portal of its province and the admin.
#[utoipa::path(tag = "tasks", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The roll-up", body = Delegations)))]
#[get("/tasks/{id}/delegations")]
pub async fn rollup(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = delegations::rollup(&state.db, &caller, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(d))
}

/// Recurring tasks of the caller's bloc.
#[utoipa::path(tag = "tasks", params(super::series::SeriesQuery),
    responses((status = 200, description = "A page of series", body = Page<super::series::SeriesDto>)))]
#[get("/task-series")]
pub async fn list_series(
    state: web::Data<AppState>,
    caller: Caller,
    q: crate::extract::Query<super::series::SeriesQuery>,
) -> ApiResult<web::Json<Page<super::series::SeriesDto>>> {
    Ok(web::Json(
        super::series::list(&state.db, &caller, q.into_inner()).await?,
    ))
}

/// Start a recurring task (who may create the task may start its series). The scheduler
/// creates each instance `lead_days` ahead as an ordinary task, assigned, the five clears
/// filled in, titled with its day; each instance's deadline is `due_after_days` after it.
#[utoipa::path(tag = "tasks", request_body = super::series::CreateSeries,
    responses(
        (status = 201, description = "Started", body = super::series::SeriesDto),
        (status = 403, description = "Not allowed to create the bloc's tasks of this organisation"),
        (status = 422, description = "A rule that is not the supported RRULE subset or would make more than 400 tasks a year; a person, organisation or sub-committee not of the bloc"),
    ))]
#[post("/task-series")]
pub async fn create_series(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<super::series::CreateSeries>,
) -> ApiResult<(web::Json<super::series::SeriesDto>, StatusCode)> {
    Ok((
        web::Json(super::series::create(&state.db, &caller, body.0).await?),
        StatusCode::CREATED,
    ))
}

/// One recurring task.
#[utoipa::path(tag = "tasks", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The series", body = super::series::SeriesDto, headers(("ETag" = String, description = "The version"))),
        (status = 404, description = "No such series in the caller's bloc"),
    ))]
#[get("/task-series/{id}")]
pub async fn get_series(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let s = super::series::get(&state.db, &caller, id.into_inner()).await?;
    let v = s.version;
    Ok(with_etag(StatusCode::OK, &s, v))
}

/// Change a series (instances not yet created follow), pause it, resume it or end it.
#[utoipa::path(tag = "tasks", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body(content = super::series::UpdateSeries, example = json!({"status": "paused"})),
    responses(
        (status = 200, description = "Changed", body = super::series::SeriesDto, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "The series has ended"),
        (status = 412, description = "Stale If-Match"),
        (status = 422, description = "A bad rule or day count"),
    ))]
#[patch("/task-series/{id}")]
pub async fn update_series(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<super::series::UpdateSeries>,
) -> ApiResult<HttpResponse> {
    let s = super::series::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = s.version;
    Ok(with_etag(StatusCode::OK, &s, v))
}
