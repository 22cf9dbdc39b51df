use super::{
    dto::{
        CreateUnitAssignment, UncoveredQuery, UncoveredUnit, UnitAssignmentDto,
        UnitAssignmentQuery, UpdateUnitAssignment,
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

/// Staff assigned to grassroots units, by unit or by person.
#[utoipa::path(tag = "unit-assignments", params(UnitAssignmentQuery),
    responses((status = 200, description = "A page of assignments", body = Page<UnitAssignmentDto>)))]
#[get("/unit-assignments")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<UnitAssignmentQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, q).await }
    })
    .await
}

/// Units with nobody assigned for a purpose at any time in a period.
#[utoipa::path(tag = "unit-assignments", params(UncoveredQuery),
    responses((status = 200, description = "The units, by name", body = Page<UncoveredUnit>)))]
#[get("/unit-assignments/uncovered")]
pub async fn uncovered(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<UncoveredQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::list(
        format,
        service::uncovered(&state.db, &caller, q.into_inner()).await?,
    )
}

/// Assign a staff member to a unit (bloc head, deputy heads).
#[utoipa::path(tag = "unit-assignments", request_body = CreateUnitAssignment,
    responses(
        (status = 201, description = "Assigned", body = UnitAssignmentDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the bloc head and deputy heads"),
        (status = 409, description = "The person is already assigned to this unit for this purpose in an overlapping period"),
    ))]
#[post("/unit-assignments")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateUnitAssignment>,
) -> ApiResult<HttpResponse> {
    let d = service::create(&state.db, &caller, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// One assignment.
#[utoipa::path(tag = "unit-assignments", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The assignment", body = UnitAssignmentDto, headers(("ETag" = String, description = "The version")))))]
#[get("/unit-assignments/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Change an assignment (bloc head, deputy heads).
#[utoipa::path(tag = "unit-assignments", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateUnitAssignment,
    responses(
        (status = 200, description = "Changed", body = UnitAssignmentDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only the bloc head and deputy heads"),
        (status = 409, description = "It would overlap another assignment of the same person, unit and purpose"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/unit-assignments/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateUnitAssignment>,
) -> ApiResult<HttpResponse> {
    let d = service::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}
