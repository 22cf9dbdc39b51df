use super::{
    dto::*,
    service::{self, Subject},
};
use crate::{
    auth::Caller,
    concurrency::{IfMatch, with_etag},
    error::ApiResult,
    extract::Json,
    pagination::Page,
    state::AppState,
};
use actix_web::{HttpResponse, get, http::StatusCode, patch, post, web};
use uuid::Uuid;

type Created = ApiResult<(web::Json<CommentDto>, StatusCode)>;

async fn add(state: &AppState, caller: &Caller, s: Subject, id: Uuid, body: NewComment) -> Created {
    Ok((
        web::Json(service::create(&state.db, caller, s, id, body).await?),
        StatusCode::CREATED,
    ))
}

async fn list(
    state: &AppState,
    caller: &Caller,
    s: Subject,
    id: Uuid,
    q: CommentQuery,
) -> ApiResult<web::Json<Page<CommentDto>>> {
    Ok(web::Json(service::list(&state.db, caller, s, id, q).await?))
}

/// Comments on a task, oldest first.
#[utoipa::path(tag = "comments", params(("id" = Uuid, Path), CommentQuery),
    responses((status = 200, description = "A page of comments", body = Page<CommentDto>),
        (status = 404, description = "No such task in the caller's scope")))]
#[get("/tasks/{id}/comments")]
pub async fn list_on_task(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    q: crate::extract::Query<CommentQuery>,
) -> ApiResult<web::Json<Page<CommentDto>>> {
    list(
        &state,
        &caller,
        Subject::Task,
        id.into_inner(),
        q.into_inner(),
    )
    .await
}

/// Comment on a task (the bloc's people). `@username` notifies that person if they are of
/// the bloc; the comment also enters the task's history.
#[utoipa::path(tag = "comments", params(("id" = Uuid, Path)), request_body = NewComment,
    responses((status = 201, description = "Posted", body = CommentDto),
        (status = 403, description = "Not one of the bloc's people"),
        (status = 404, description = "No such task in the caller's scope"),
        (status = 422, description = "An empty or too long body")))]
#[post("/tasks/{id}/comments")]
pub async fn add_to_task(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewComment>,
) -> Created {
    add(&state, &caller, Subject::Task, id.into_inner(), body.0).await
}

/// Comments on a supervision, oldest first.
#[utoipa::path(tag = "comments", params(("id" = Uuid, Path), CommentQuery),
    responses((status = 200, description = "A page of comments", body = Page<CommentDto>),
        (status = 404, description = "No such supervision in the caller's scope")))]
#[get("/supervisions/{id}/comments")]
pub async fn list_on_supervision(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    q: crate::extract::Query<CommentQuery>,
) -> ApiResult<web::Json<Page<CommentDto>>> {
    list(
        &state,
        &caller,
        Subject::Supervision,
        id.into_inner(),
        q.into_inner(),
    )
    .await
}

/// Comment on a supervision.
#[utoipa::path(tag = "comments", params(("id" = Uuid, Path)), request_body = NewComment,
    responses((status = 201, description = "Posted", body = CommentDto),
        (status = 403, description = "Not one of the bloc's people"),
        (status = 404, description = "No such supervision in the caller's scope"),
        (status = 422, description = "An empty or too long body")))]
#[post("/supervisions/{id}/comments")]
pub async fn add_to_supervision(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewComment>,
) -> Created {
    add(
        &state,
        &caller,
        Subject::Supervision,
        id.into_inner(),
        body.0,
    )
    .await
}

/// Comments on a recommendation, oldest first.
#[utoipa::path(tag = "comments", params(("id" = Uuid, Path), ("recommendation_id" = Uuid, Path), CommentQuery),
    responses((status = 200, description = "A page of comments", body = Page<CommentDto>),
        (status = 404, description = "No such recommendation in the caller's scope")))]
#[get("/supervisions/{id}/recommendations/{recommendation_id}/comments")]
pub async fn list_on_recommendation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    q: crate::extract::Query<CommentQuery>,
) -> ApiResult<web::Json<Page<CommentDto>>> {
    list(
        &state,
        &caller,
        Subject::Recommendation(path.0),
        path.1,
        q.into_inner(),
    )
    .await
}

/// Comment on a recommendation.
#[utoipa::path(tag = "comments", params(("id" = Uuid, Path), ("recommendation_id" = Uuid, Path)), request_body = NewComment,
    responses((status = 201, description = "Posted", body = CommentDto),
        (status = 403, description = "Not one of the bloc's people"),
        (status = 404, description = "No such recommendation in the caller's scope"),
        (status = 422, description = "An empty or too long body")))]
#[post("/supervisions/{id}/recommendations/{recommendation_id}/comments")]
pub async fn add_to_recommendation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<NewComment>,
) -> Created {
    add(
        &state,
        &caller,
        Subject::Recommendation(path.0),
        path.1,
        body.0,
    )
    .await
}

/// Comments on a campaign, oldest first.
#[utoipa::path(tag = "comments", params(("id" = Uuid, Path), CommentQuery),
    responses((status = 200, description = "A page of comments", body = Page<CommentDto>),
        (status = 404, description = "No such campaign in the caller's scope")))]
#[get("/campaigns/{id}/comments")]
pub async fn list_on_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    q: crate::extract::Query<CommentQuery>,
) -> ApiResult<web::Json<Page<CommentDto>>> {
    list(
        &state,
        &caller,
        Subject::Campaign,
        id.into_inner(),
        q.into_inner(),
    )
    .await
}

/// Comment on a campaign.
#[utoipa::path(tag = "comments", params(("id" = Uuid, Path)), request_body = NewComment,
    responses((status = 201, description = "Posted", body = CommentDto),
        (status = 403, description = "Not one of the bloc's people"),
        (status = 404, description = "No such campaign in the caller's scope"),
        (status = 422, description = "An empty or too long body")))]
#[post("/campaigns/{id}/comments")]
pub async fn add_to_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewComment>,
) -> Created {
    add(&state, &caller, Subject::Campaign, id.into_inner(), body.0).await
}

/// One comment.
#[utoipa::path(tag = "comments", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The comment", body = CommentDto, headers(("ETag" = String, description = "The version"))),
        (status = 404, description = "No such comment in the caller's scope")))]
#[get("/comments/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let c = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = c.version;
    Ok(with_etag(StatusCode::OK, &c, v))
}

/// Edit a comment within 15 minutes of posting, or retract it (`{"retracted": true}`) at any
/// time: its author only. A comment is never deleted.
#[utoipa::path(tag = "comments", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateComment,
    responses((status = 200, description = "Changed", body = CommentDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Someone else's comment"),
        (status = 404, description = "No such comment in the caller's scope"),
        (status = 409, description = "More than 15 minutes after posting, or already retracted"),
        (status = 412, description = "Stale If-Match"),
        (status = 422, description = "An empty or too long body, or `retracted: false`")))]
#[patch("/comments/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateComment>,
) -> ApiResult<HttpResponse> {
    let c = service::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = c.version;
    Ok(with_etag(StatusCode::OK, &c, v))
}
