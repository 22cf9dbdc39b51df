use super::{
    dto::{
        AssignmentDto, AssignmentQuery, CreateStaff, MoveStaff, StaffDto, StaffQuery, UpdateStaff,
    },
    service,
};
use crate::{
    auth::Caller,
    concurrency::{IfMatch, with_etag},
    error::ApiResult,
    export::{self, Format},
    extract::Json,
    pagination::Page,
    state::AppState,
};
use actix_web::{HttpResponse, get, http::StatusCode, patch, post, web};
use uuid::Uuid;

/// The cadres of the caller's bloc.
#[utoipa::path(tag = "staff", params(StaffQuery),
    responses((status = 200, description = "A page of staff members", body = Page<StaffDto>)))]
#[get("/staff")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<StaffQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, q).await }
    })
    .await
}

/// Add a cadre to the bloc (bloc head). A bloc has exactly one active bloc head.
#[utoipa::path(tag = "staff", request_body = CreateStaff,
    responses(
        (status = 201, description = "Created", body = StaffDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the bloc head adds staff"),
        (status = 409, description = "The bloc already has an active bloc head"),
    ))]
#[post("/staff")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateStaff>,
) -> ApiResult<HttpResponse> {
    let d = service::create(&state.db, &caller, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// One staff member.
#[utoipa::path(tag = "staff", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The staff member", body = StaffDto, headers(("ETag" = String, description = "The version")))))]
#[get("/staff/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Change a staff member (bloc head); anyone may change their own phone and email.
///
/// Deactivating (`"active": false`) keeps the person's history and work and stops their
/// sign-in at once. A role change reaches their account and ends its access tokens at once; the
/// next sign-in or refresh carries the new role.
#[utoipa::path(tag = "staff", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateStaff,
    responses(
        (status = 200, description = "Changed", body = StaffDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "The role may not make this change"),
        (status = 409, description = "A second active bloc head, or removing the head of a sub-committee from the heads"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/staff/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateStaff>,
) -> ApiResult<HttpResponse> {
    let d = service::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// A staff member's moves between sub-committees, oldest first.
#[utoipa::path(tag = "staff", params(("id" = Uuid, Path), AssignmentQuery),
    responses((status = 200, description = "The moves", body = Page<AssignmentDto>)))]
#[get("/staff/{id}/assignments")]
pub async fn list_assignments(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    id: web::Path<Uuid>,
    q: crate::extract::Query<AssignmentQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    let id = id.into_inner();
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list_assignments(&state.db, &caller, id, q).await }
    })
    .await
}

/// Move a staff member to another sub-committee (bloc head, or a deputy head moving someone
/// into or out of the sub-committee they head). Their open work stays with them.
#[utoipa::path(tag = "staff", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The staff member's ETag (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = MoveStaff,
    responses(
        (status = 201, description = "Moved; the move as recorded", body = AssignmentDto),
        (status = 403, description = "The caller may not move this person between these sub-committees"),
        (status = 409, description = "Already in that sub-committee, or no longer active"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[post("/staff/{id}/assignments")]
pub async fn move_staff(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<MoveStaff>,
) -> ApiResult<HttpResponse> {
    let d = service::move_staff(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    Ok(HttpResponse::Created().json(d))
}
