use super::{
    dto::{
        ClientDto, ClientQuery, ClientToken, ClientWithSecret, CreateClient, TokenRequest,
        UpdateClient,
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
use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, patch, post, web};
use uuid::Uuid;

/// API clients: service accounts for machines such as the provincial portal (admin).
#[utoipa::path(tag = "clients", params(ClientQuery),
    responses(
        (status = 200, description = "A page of clients", body = Page<ClientDto>),
        (status = 403, description = "Only the admin"),
    ))]
#[get("/clients")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<ClientQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, q).await }
    })
    .await
}

/// Register an API client (admin). The answer carries `client_secret`, shown this once.
#[utoipa::path(tag = "clients", request_body = CreateClient,
    responses(
        (status = 201, description = "Registered, with its secret", body = ClientWithSecret),
        (status = 403, description = "Only the admin registers clients"),
    ))]
#[post("/clients")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateClient>,
) -> ApiResult<(web::Json<ClientWithSecret>, StatusCode)> {
    let c = service::create(&state.db, &caller, body.0).await?;
    Ok((web::Json(c), StatusCode::CREATED))
}

/// One client.
#[utoipa::path(tag = "clients", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The client", body = ClientDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the admin"),
    ))]
#[get("/clients/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Change a client, or disable it: its tokens stop working at the next request (admin).
#[utoipa::path(tag = "clients", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateClient,
    responses(
        (status = 200, description = "Changed", body = ClientDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only the admin"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/clients/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateClient>,
) -> ApiResult<HttpResponse> {
    let d = service::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Give a client a new secret (admin); the old one stops working at once.
#[utoipa::path(tag = "clients", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The client with its new secret, shown this once", body = ClientWithSecret),
        (status = 403, description = "Only the admin"),
    ))]
#[post("/clients/{id}/secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ClientWithSecret>> {
    Ok(web::Json(
        service::rotate_secret(&state.db, &caller, id.into_inner()).await?,
    ))
}

/// OAuth 2.0 client credentials: an access token for an API client. Send `grant_type`,
/// `client_id` and `client_secret` as JSON or form fields, or the id and secret with HTTP
/// Basic. Errors are problem+json like everywhere else.
#[utoipa::path(tag = "auth",
    request_body(content(
        (TokenRequest = "application/json"),
        (TokenRequest = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "An access token", body = ClientToken),
        (status = 401, description = "Unknown client, wrong secret, or disabled client"),
        (status = 429, description = "The client's rate limit is used up for this minute"),
    ),
    security(())
)]
#[post("/auth/token")]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: crate::extract::RawBody,
) -> ApiResult<web::Json<ClientToken>> {
    let t = service::parse_token_request(&req, &body.0)?;
    Ok(web::Json(service::token(&state.db, &state.keys, t).await?))
}
