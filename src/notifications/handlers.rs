use super::{dto::*, service};
use crate::{
    auth::Caller,
    concurrency::{IfMatch, with_etag},
    error::ApiResult,
    extract::Json,
    pagination::Page,
    state::AppState,
};
use actix_web::{HttpResponse, delete, get, http::StatusCode, patch, post, put, web};
use uuid::Uuid;

/// The caller's inbox, newest first, with the number of unread items.
///
/// Notifications are written in the same transaction as what caused them (a task assigned,
/// returned, reassigned, submitted or completed; a mention; a meeting invitation) or by the
/// scheduler for time-based ones (due soon, overdue, a meeting tomorrow), in Vietnamese, each
/// linking the resource (`href`).
#[utoipa::path(tag = "notifications", params(InboxQuery),
    responses((status = 200, description = "A page of the inbox", body = Inbox)))]
#[get("/me/notifications")]
pub async fn inbox(
    state: web::Data<AppState>,
    caller: Caller,
    req: actix_web::HttpRequest,
    q: crate::extract::Query<InboxQuery>,
) -> ApiResult<HttpResponse> {
    let make = async || service::inbox(&state.db, &caller, q.into_inner()).await;
    // Kept per person at the inbox's version, which the token check read with the account:
    // a hit reads nothing more, and any change to the inbox moves the version first.
    match crate::auth::caller::inbox_version(&req) {
        Some(version) => {
            let key = format!("inbox|{}|{}", caller.account_id, req.query_string());
            crate::page_cache::serve(&state.inboxes, &state.db, &key, version, make).await
        }
        None => Ok(HttpResponse::Ok().json(make().await?)),
    }
}

/// Mark one notification read.
#[utoipa::path(tag = "notifications", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Read", body = NotificationDto),
        (status = 404, description = "Not one of the caller's notifications"),
    ))]
#[post("/me/notifications/{id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<NotificationDto>> {
    Ok(web::Json(
        service::mark_read(&state.db, &caller, id.into_inner()).await?,
    ))
}

/// Mark every notification of the caller read.
#[utoipa::path(tag = "notifications",
    responses((status = 200, description = "How many were marked", body = MarkedRead)))]
#[post("/me/notifications/read-all")]
pub async fn mark_all_read(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<MarkedRead>> {
    Ok(web::Json(service::mark_all_read(&state.db, &caller).await?))
}

/// The caller's channels: email address, channels per kind, quiet hours, daily digest.
#[utoipa::path(tag = "notifications",
    responses((status = 200, description = "The preferences", body = PreferencesDto,
        headers(("ETag" = String, description = "The version")))))]
#[get("/me/notification-preferences")]
pub async fn preferences(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let p = service::preferences(&state.db, &caller).await?;
    let v = p.version;
    Ok(with_etag(StatusCode::OK, &p, v))
}

/// Change the caller's channels. `channels` names kinds whose channels change (an empty list:
/// the inbox only); kinds not named keep theirs.
#[utoipa::path(tag = "notifications", params(("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body(content = UpdatePreferences, example = json!({"email": "lan.nguyen@haiha.vn", "quiet_hours": true, "digest": false, "channels": {"completed": [], "overdue": ["email", "push"]}})),
    responses(
        (status = 200, description = "Changed", body = PreferencesDto, headers(("ETag" = String, description = "The new version"))),
        (status = 412, description = "Stale If-Match"),
        (status = 422, description = "Not an email address, or a channel named twice"),
    ))]
#[patch("/me/notification-preferences")]
pub async fn update_preferences(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    body: Json<UpdatePreferences>,
) -> ApiResult<HttpResponse> {
    let p = service::update_preferences(&state.db, &caller, &if_match, body.0).await?;
    let v = p.version;
    Ok(with_etag(StatusCode::OK, &p, v))
}

/// The caller's push subscriptions.
#[utoipa::path(tag = "notifications",
    responses((status = 200, description = "Every subscription (at most 20)", body = Page<PushSubscriptionDto>)))]
#[get("/me/push-subscriptions")]
pub async fn push_subscriptions(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<Page<PushSubscriptionDto>>> {
    Ok(web::Json(
        service::push_subscriptions(&state.db, &caller).await?,
    ))
}

/// Register a browser's or PWA's push subscription (`PushSubscription.toJSON()`), made with
/// the key of `GET /push/key`. Pushes are encrypted (RFC 8291) and authorised with VAPID (RFC
/// 8292); a subscription the push service calls gone (404, 410) is removed. The endpoint
/// must pass the egress policy webhooks pass.
#[utoipa::path(tag = "notifications", request_body = CreatePushSubscription,
    responses(
        (status = 201, description = "Registered", body = PushSubscriptionDto),
        (status = 200, description = "Already registered; its keys updated", body = PushSubscriptionDto),
        (status = 409, description = "The person has 20 subscriptions already"),
        (status = 422, description = "An endpoint that is not an allowed https URL, or keys that are not a P-256 public key and a 16-byte secret"),
    ))]
#[post("/me/push-subscriptions")]
pub async fn subscribe(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreatePushSubscription>,
) -> ApiResult<(web::Json<PushSubscriptionDto>, StatusCode)> {
    let (s, created) = service::subscribe(&state.db, &state.egress, &caller, body.0).await?;
    Ok((
        web::Json(s),
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
    ))
}

/// Remove one of the caller's push subscriptions.
#[utoipa::path(tag = "notifications", params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "Not one of the caller's subscriptions"),
    ))]
#[delete("/me/push-subscriptions/{id}")]
pub async fn unsubscribe(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    service::unsubscribe(&state.db, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The service's VAPID public key, for `pushManager.subscribe({applicationServerKey})`.
#[utoipa::path(tag = "notifications",
    responses((status = 200, description = "The key", body = VapidKey)))]
#[get("/push/key")]
pub async fn vapid_key(state: web::Data<AppState>, _caller: Caller) -> web::Json<VapidKey> {
    web::Json(VapidKey {
        application_server_key: state.vapid.public_key(),
    })
}

/// A new address for the caller's calendar feed (iCalendar, RFC 5545): deadlines of the tasks
/// they carry, meetings they attend, supervisions they take part in. The address is shown
/// once; a new one revokes the old at once.
#[utoipa::path(tag = "notifications",
    responses((status = 201, description = "The feed's address", body = CalendarFeed)))]
#[put("/me/calendar")]
pub async fn new_calendar(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<(web::Json<CalendarFeed>, StatusCode)> {
    Ok((
        web::Json(service::new_calendar(&state.db, &caller).await?),
        StatusCode::CREATED,
    ))
}

/// Revoke the caller's calendar feed address.
#[utoipa::path(tag = "notifications",
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "There is none"),
    ))]
#[delete("/me/calendar")]
pub async fn revoke_calendar(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<HttpResponse> {
    service::revoke_calendar(&state.db, &caller).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A person's calendar feed, for phone and desktop calendars to subscribe to: no token, the
/// secret in the address is the credential (revocable at `/me/calendar`).
#[utoipa::path(tag = "notifications", params(("secret" = String, Path, description = "The secret of `PUT /me/calendar`")),
    security(()),
    responses(
        (status = 200, description = "The calendar", content_type = "text/calendar", body = String),
        (status = 404, description = "No such feed, or revoked"),
    ))]
#[get("/calendar/{secret}.ics")]
pub async fn calendar(
    state: web::Data<AppState>,
    secret: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let account = service::calendar_owner(&state.db, &secret).await?;
    let body = super::calendar::feed(&state.db, account).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("cache-control", "private, max-age=300"))
        .body(body))
}

/// The caller's emails and pushes, newest first, logged as webhook deliveries are: status,
/// attempts, the last error, when it went or will be tried again.
#[utoipa::path(tag = "notifications", params(SendQuery),
    responses((status = 200, description = "A page of sends", body = Page<SendDto>)))]
#[get("/me/notification-sends")]
pub async fn sends(
    state: web::Data<AppState>,
    caller: Caller,
    q: crate::extract::Query<SendQuery>,
) -> ApiResult<web::Json<Page<SendDto>>> {
    Ok(web::Json(
        service::sends(&state.db, &caller, q.into_inner()).await?,
    ))
}
