use super::{
    dto::{CreateDirective, DirectiveDto, DirectiveQuery, UpdateDirective},
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

/// Directive documents of the caller's bloc.
#[utoipa::path(tag = "directives", params(DirectiveQuery),
    responses((status = 200, description = "A page of directives", body = Page<DirectiveDto>)))]
#[get("/directives")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<DirectiveQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, q).await }
    })
    .await
}

/// Record a directive (bloc head, deputy heads).
///
/// The number is parsed into serial, type and issuer; a malformed one is 422 on `number`.
#[utoipa::path(tag = "directives", request_body = CreateDirective,
    responses(
        (status = 201, description = "Created", body = DirectiveDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the bloc head and deputy heads record directives"),
        (status = 409, description = "The bloc already has this number issued the same year"),
    ))]
#[post("/directives")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateDirective>,
) -> ApiResult<HttpResponse> {
    let d = service::create(&state.db, &caller, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// One directive.
#[utoipa::path(tag = "directives", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The directive", body = DirectiveDto, headers(("ETag" = String, description = "The version")))))]
#[get("/directives/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Change a directive (bloc head, deputy heads).
#[utoipa::path(tag = "directives", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateDirective,
    responses(
        (status = 200, description = "Changed", body = DirectiveDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only the bloc head and deputy heads change directives"),
        (status = 409, description = "The bloc already has this number issued the same year"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/directives/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateDirective>,
) -> ApiResult<HttpResponse> {
    let d = service::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}
