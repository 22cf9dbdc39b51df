use super::{
    dto::{CreateOrganisation, OrganisationDto, OrganisationQuery, UpdateOrganisation},
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

/// The organisations of the caller's bloc (MTTQ, HND, HLHPN, ĐTN, CCB, LĐLĐ, …).
#[utoipa::path(tag = "organisations", params(OrganisationQuery),
    responses((status = 200, description = "A page of organisations", body = Page<OrganisationDto>)))]
#[get("/organisations")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<OrganisationQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, q).await }
    })
    .await
}

/// Add an organisation to the bloc (bloc head).
#[utoipa::path(tag = "organisations", request_body = CreateOrganisation,
    responses(
        (status = 201, description = "Created", body = OrganisationDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the bloc head adds organisations"),
        (status = 409, description = "The code is already used in this bloc"),
    ))]
#[post("/organisations")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateOrganisation>,
) -> ApiResult<HttpResponse> {
    let d = service::create(&state.db, &caller, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// One organisation.
#[utoipa::path(tag = "organisations", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The organisation", body = OrganisationDto, headers(("ETag" = String, description = "The version")))))]
#[get("/organisations/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Change an organisation (bloc head, or the deputy head who heads it).
#[utoipa::path(tag = "organisations", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateOrganisation,
    responses(
        (status = 200, description = "Changed", body = OrganisationDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "The caller neither is the bloc head nor heads this organisation"),
        (status = 409, description = "The new code is already used in this bloc"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/organisations/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateOrganisation>,
) -> ApiResult<HttpResponse> {
    let d = service::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}
