use super::{
    dto::{CreateUnit, Merger, NewMerger, UnitDto, UnitQuery, UpdateUnit},
    mergers, service,
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

/// The grassroots units the caller's bloc serves.
#[utoipa::path(tag = "units", params(UnitQuery),
    responses((status = 200, description = "A page of units", body = Page<UnitDto>)))]
#[get("/units")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<UnitQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, q).await }
    })
    .await
}

/// Add a grassroots unit (bloc head).
#[utoipa::path(tag = "units", request_body = CreateUnit,
    responses(
        (status = 201, description = "Created", body = UnitDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the bloc head adds units"),
        (status = 409, description = "A unit of that name already exists under the same parent"),
    ))]
#[post("/units")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateUnit>,
) -> ApiResult<HttpResponse> {
    let d = service::create(&state.db, &caller, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// One grassroots unit.
#[utoipa::path(tag = "units", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The unit", body = UnitDto, headers(("ETag" = String, description = "The version")))))]
#[get("/units/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Change a grassroots unit (bloc head).
#[utoipa::path(tag = "units", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateUnit,
    responses(
        (status = 200, description = "Changed", body = UnitDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only the bloc head changes units"),
        (status = 409, description = "A unit of that name already exists under the same parent"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/units/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateUnit>,
) -> ApiResult<HttpResponse> {
    let d = service::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Merge units into a new one (the bloc head), as the 2025 reform merged communes: the units
/// named close the day before `merged_on`, the new unit opens that day with the decision, and
/// their open unit assignments, dispatches not yet reported back and the units below them move
/// to it, in one transaction. Campaign series stay continuous: before the merger date the new
/// unit's figure is its predecessors' aggregate, after it its own. Send an `Idempotency-Key`
/// to make a retry safe.
#[utoipa::path(tag = "units", params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1–200 visible ASCII characters, kept 24 hours", pattern = r"^[!-~]{1,200}$")),
    request_body = NewMerger,
    responses(
        (status = 201, description = "Merged", body = Merger),
        (status = 403, description = "Only the bloc head merges units"),
        (status = 409, description = "The new unit's name is taken"),
        (status = 422, description = "Another bloc's or a closed unit (`unit_ids[i]`), a merger dated on or before a figure of a merged unit (`merged_on`)"),
    ))]
#[post("/units/mergers")]
pub async fn merge(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<NewMerger>,
) -> ApiResult<HttpResponse> {
    let d = mergers::merge(&state.db, &caller, body.0).await?;
    Ok(HttpResponse::Created().json(d))
}
