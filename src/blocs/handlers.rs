use super::{
    dissolution,
    dto::{BlocDto, BlocQuery, CreateBloc, CreatedBloc, Dissolution, NewDissolution, UpdateBloc},
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

/// Blocs the caller can see: their own, their province's (portal), or all (admin).
#[utoipa::path(tag = "blocs", params(BlocQuery),
    responses((status = 200, description = "A page of blocs", body = Page<BlocDto>)))]
#[get("/blocs")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<BlocQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, q).await }
    })
    .await
}

/// Create a bloc (admin), with its head in the same request if `head` is given: the person,
/// as a `bloc_head` staff member, and their account, linked; the head chooses their own
/// password at first sign-in. All of it or nothing.
#[utoipa::path(tag = "blocs", request_body = CreateBloc,
    responses(
        (status = 201, description = "Created, with `head` when one was given", body = CreatedBloc, headers(("ETag" = String, description = "The bloc's version"))),
        (status = 403, description = "Only the admin creates blocs"),
        (status = 409, description = "The head's username is taken"),
        (status = 422, description = "An invalid field (the head's under `head.`)"),
    ))]
#[post("/blocs")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateBloc>,
) -> ApiResult<HttpResponse> {
    let d = service::create(&state.db, &caller, body.0).await?;
    let v = d.bloc.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// One bloc.
#[utoipa::path(tag = "blocs", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The bloc", body = BlocDto, headers(("ETag" = String, description = "The version")))))]
#[get("/blocs/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Change a bloc's name, founding date or decision (admin, or its bloc head).
#[utoipa::path(tag = "blocs", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateBloc,
    responses(
        (status = 200, description = "Changed", body = BlocDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "The role may not change blocs"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/blocs/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateBloc>,
) -> ApiResult<HttpResponse> {
    let d = service::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Dissolve a bloc into a successor (the admin), as the districts were on 1 July 2025: its open
/// tasks (arriving as `received`, for the new bloc's head to take on) and running campaigns
/// (with targets, figures and registrations) move to the successor or to the bloc named per
/// item, its units to the successor, its accounts close or move (`accounts`), and the bloc
/// becomes read-only history (`409` on any later write naming it). All of it or nothing.
#[utoipa::path(tag = "blocs", params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1–200 visible ASCII characters, kept 24 hours", pattern = r"^[!-~]{1,200}$")),
    request_body = NewDissolution,
    responses(
        (status = 201, description = "Dissolved", body = Dissolution),
        (status = 403, description = "Only the admin dissolves blocs"),
        (status = 409, description = "The bloc was dissolved already"),
        (status = 422, description = "A successor that is dissolved, of another province, the bloc itself or below it (a cycle); a date in the future"),
    ))]
#[post("/blocs/{id}/dissolution")]
pub async fn dissolve(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewDissolution>,
) -> ApiResult<HttpResponse> {
    let d = dissolution::dissolve(&state.db, &caller, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Created().json(d))
}
