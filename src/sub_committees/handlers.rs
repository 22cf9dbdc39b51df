use super::{
    dto::{CreateSubCommittee, SubCommitteeDto, SubCommitteeQuery, UpdateSubCommittee},
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

/// The sub-committees of the caller's bloc.
#[utoipa::path(tag = "sub-committees", params(SubCommitteeQuery),
    responses((status = 200, description = "A page of sub-committees", body = Page<SubCommitteeDto>)))]
#[get("/sub-committees")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<SubCommitteeQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, q).await }
    })
    .await
}

/// Add a sub-committee to the bloc (bloc head).
#[utoipa::path(tag = "sub-committees", request_body = CreateSubCommittee,
    responses(
        (status = 201, description = "Created", body = SubCommitteeDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the bloc head adds sub-committees"),
        (status = 409, description = "The code is already used in this bloc"),
    ))]
#[post("/sub-committees")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateSubCommittee>,
) -> ApiResult<HttpResponse> {
    let d = service::create(&state.db, &caller, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// One sub-committee.
#[utoipa::path(tag = "sub-committees", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The sub-committee", body = SubCommitteeDto, headers(("ETag" = String, description = "The version")))))]
#[get("/sub-committees/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Change a sub-committee (bloc head, or the deputy head who heads it).
#[utoipa::path(tag = "sub-committees", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateSubCommittee,
    responses(
        (status = 200, description = "Changed", body = SubCommitteeDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "The caller neither is the bloc head nor heads this sub-committee"),
        (status = 409, description = "The new code is already used in this bloc"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/sub-committees/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateSubCommittee>,
) -> ApiResult<HttpResponse> {
    let d = service::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}
