use super::{
    dto::{NewProvince, ProvinceDto, ProvinceQuery, UpdateProvince},
    service,
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

/// Provinces, in the order of the official list: the 34 of 1 July 2025, then any older ones
/// kept for the history of blocs that belonged to them. Every role reads them.
#[utoipa::path(tag = "provinces", params(ProvinceQuery),
    responses((status = 200, description = "A page of provinces", body = Page<ProvinceDto>)))]
#[get("/provinces")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: crate::extract::Query<ProvinceQuery>,
) -> ApiResult<HttpResponse> {
    let page = service::list(&state.db, &caller, q.into_inner()).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Record a province of an earlier map (admin), for blocs that belonged to it.
#[utoipa::path(tag = "provinces", request_body = NewProvince,
    responses(
        (status = 201, description = "Created", body = ProvinceDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the admin records provinces"),
        (status = 422, description = "An invalid field, a name or code already in use"),
    ))]
#[post("/provinces")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<NewProvince>,
) -> ApiResult<HttpResponse> {
    let d = service::create(&state.db, &caller, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// One province.
#[utoipa::path(tag = "provinces", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The province", body = ProvinceDto, headers(("ETag" = String, description = "The version")))))]
#[get("/provinces/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Fill a province's code, full name or life span (admin).
#[utoipa::path(tag = "provinces", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateProvince,
    responses(
        (status = 200, description = "Changed", body = ProvinceDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only the admin changes provinces"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/provinces/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateProvince>,
) -> ApiResult<HttpResponse> {
    let d = service::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}
