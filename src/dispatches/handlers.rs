use super::{
    dto::{DispatchDto, DispatchQuery, NewDispatch, UpdateDispatch},
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

/// Where a directive was sent and what each unit did with it.
#[utoipa::path(tag = "directives", params(("id" = Uuid, Path), DispatchQuery),
    responses((status = 200, description = "A page of dispatches", body = Page<DispatchDto>)))]
#[get("/directives/{id}/dispatches")]
pub async fn list_for_directive(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    id: web::Path<Uuid>,
    q: crate::extract::Query<DispatchQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    let id = id.into_inner();
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, Some(id), q).await }
    })
    .await
}

/// Send a directive to grassroots units (bloc head, deputy heads): one dispatch per unit.
#[utoipa::path(tag = "directives", params(("id" = Uuid, Path)), request_body = NewDispatch,
    responses(
        (status = 201, description = "Sent: one dispatch per unit", body = Vec<DispatchDto>),
        (status = 403, description = "Only the bloc head and deputy heads"),
    ))]
#[post("/directives/{id}/dispatches")]
pub async fn send(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewDispatch>,
) -> ApiResult<(web::Json<Vec<DispatchDto>>, StatusCode)> {
    let d = service::send(&state.db, &caller, id.into_inner(), body.0).await?;
    Ok((web::Json(d), StatusCode::CREATED))
}

/// One dispatch.
#[utoipa::path(tag = "directives", params(("id" = Uuid, Path), ("dispatch_id" = Uuid, Path)),
    responses((status = 200, description = "The dispatch", body = DispatchDto, headers(("ETag" = String, description = "The version")))))]
#[get("/directives/{id}/dispatches/{dispatch_id}")]
pub async fn get_dispatch(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, did) = path.into_inner();
    let d = service::get(&state.db, &caller, id, did).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Record a unit's acknowledgement or report back (any cadre of the bloc), or, for a
/// dispatch to a child bloc, that bloc's own: `attachments` adds the report's evidence.
#[utoipa::path(tag = "directives", params(("id" = Uuid, Path), ("dispatch_id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateDispatch,
    responses(
        (status = 200, description = "Recorded", body = DispatchDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only the bloc's cadres"),
        (status = 404, description = "A file in `attachments` is not one of the reporting bloc's"),
        (status = 412, description = "Stale If-Match"),
        (status = 422, description = "A field is invalid, or a file in `attachments` was removed or is attached elsewhere"),
    ))]
#[patch("/directives/{id}/dispatches/{dispatch_id}")]
pub async fn update_dispatch(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: Json<UpdateDispatch>,
) -> ApiResult<HttpResponse> {
    let (id, did) = path.into_inner();
    let d = service::update(&state.db, &caller, id, did, &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Every dispatch of the bloc: `?pending=true` shows which units have not acted on which
/// directive.
#[utoipa::path(tag = "directives", params(DispatchQuery),
    responses((status = 200, description = "A page of dispatches", body = Page<DispatchDto>)))]
#[get("/dispatches")]
pub async fn list_dispatches(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<DispatchQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, None, q).await }
    })
    .await
}
