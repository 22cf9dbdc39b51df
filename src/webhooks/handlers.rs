use super::{
    dto::{
        CreateWebhook, DeliveryDto, DeliveryQuery, UpdateWebhook, WebhookDto, WebhookQuery,
        WebhookWithSecret,
    },
    service::{self, SelfAddress},
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

fn self_address(req: &HttpRequest) -> SelfAddress {
    let info = req.connection_info();
    let default_port = if info.scheme() == "https" { 443 } else { 80 };
    let host = info.host().to_ascii_lowercase();
    let (name, port) = match host.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') && p.parse::<u16>().is_ok() => {
            (h.to_string(), p.parse().unwrap_or(default_port))
        }
        _ => (host.clone(), default_port),
    };
    SelfAddress {
        host: (name.trim_matches(['[', ']']).to_string(), port),
        local: Some(req.app_config().local_addr()),
    }
}

/// Webhooks of the caller's bloc (the admin: every webhook).
#[utoipa::path(tag = "webhooks", params(WebhookQuery),
    responses(
        (status = 200, description = "A page of webhooks", body = Page<WebhookDto>),
        (status = 403, description = "Only the bloc head and the admin"),
    ))]
#[get("/webhooks")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<WebhookQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, q).await }
    })
    .await
}

/// Register a webhook (bloc head: for the bloc's changes; admin: for every bloc's).
///
/// Each change matching `events` is POSTed to `url` as JSON, signed as in Standard Webhooks:
/// headers `webhook-id`, `webhook-timestamp` and `webhook-signature` =
/// `v1,` + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")), the key being
/// the base64 after `whsec_` in `secret`. The answer carries `secret`, shown this once.
///
/// The receiver must be public: `https` (plain `http` only where the operator allows it), and a
/// host that is not, and does not resolve to, a loopback, private, link-local, unique-local or
/// otherwise reserved address unless the operator allows its range. The same check runs again
/// when each delivery connects. A bloc has at most `KHOI_WEBHOOK_MAX_PER_BLOC` hooks (20).
#[utoipa::path(tag = "webhooks", request_body = CreateWebhook,
    responses(
        (status = 201, description = "Registered, with its secret", body = WebhookWithSecret),
        (status = 403, description = "Only the bloc head and the admin"),
        (status = 409, description = "The bloc has as many hooks as KHOI_WEBHOOK_MAX_PER_BLOC allows"),
        (status = 422, description = "The URL is not https (or http where allowed), carries credentials, points at this service or at an address the egress policy refuses; or an unknown event pattern"),
    ))]
#[post("/webhooks")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Json<CreateWebhook>,
) -> ApiResult<(web::Json<WebhookWithSecret>, StatusCode)> {
    let w = service::create(
        &state.db,
        &state.egress,
        &state.config.webhooks,
        &caller,
        &self_address(&req),
        body.0,
    )
    .await?;
    Ok((web::Json(w), StatusCode::CREATED))
}

/// One webhook.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The webhook", body = WebhookDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the bloc head and the admin"),
    ))]
#[get("/webhooks/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Change a webhook, disable it, or enable it again (which clears its failure count).
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateWebhook,
    responses(
        (status = 200, description = "Changed", body = WebhookDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only the bloc head and the admin"),
        (status = 412, description = "Stale If-Match"),
        (status = 422, description = "A bad URL (as for registration, egress policy included) or event pattern"),
    ))]
#[patch("/webhooks/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateWebhook>,
) -> ApiResult<HttpResponse> {
    let d = service::update(
        &state.db,
        &state.egress,
        &caller,
        &self_address(&req),
        id.into_inner(),
        &if_match,
        body.0,
    )
    .await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Give a webhook a new signing secret, shown this once.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The webhook with its new secret", body = WebhookWithSecret),
        (status = 403, description = "Only the bloc head and the admin"),
    ))]
#[post("/webhooks/{id}/secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<WebhookWithSecret>> {
    Ok(web::Json(
        service::rotate_secret(&state.db, &caller, id.into_inner()).await?,
    ))
}

/// Send a `ping` event to the webhook, to try the receiver and its signature check.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)),
    responses(
        (status = 202, description = "Queued; follow it in the delivery log", body = DeliveryDto),
        (status = 403, description = "Only the bloc head and the admin"),
    ))]
#[post("/webhooks/{id}/ping")]
pub async fn ping(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<(web::Json<DeliveryDto>, StatusCode)> {
    let d = service::ping(&state.db, &caller, id.into_inner()).await?;
    Ok((web::Json(d), StatusCode::ACCEPTED))
}

/// The webhook's delivery log, newest first: status, attempts, the receiver's last answer.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path), DeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = Page<DeliveryDto>),
        (status = 403, description = "Only the bloc head and the admin"),
    ))]
#[get("/webhooks/{id}/deliveries")]
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    id: web::Path<Uuid>,
    q: crate::extract::Query<DeliveryQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    let id = id.into_inner();
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::deliveries(&state.db, &caller, id, q).await }
    })
    .await
}
