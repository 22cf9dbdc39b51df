//! `Idempotency-Key` on creating `POST`s, one mechanism for all of them, with no list of routes:
//!
//! 1. [`layer`] looks the (caller, key) up: a stored answer is replayed (the same key with another
//!    request is 422); otherwise it hands the request a [`Claim`] through the [`Caller`].
//! 2. The write's own transaction stores the key with the resource as written, in
//!    [`crate::audit::record`], which every write calls: committed with the write or not at all.
//!    A crash after the commit therefore cannot let a retry create the resource again, and a crash
//!    before it leaves nothing behind, so the retry simply runs.
//! 3. Two requests racing with one key both run; the second's write meets the first's key (a
//!    unique index) and rolls back, and the layer answers it with the first one's answer.
//! 4. Once the handler has answered, the layer stores its full answer in place of the resource.
//!
//! Keys are kept 24 hours.
use crate::state::AppState;
use crate::{
    entities::idempotency_key,
    error::{ApiError, ApiResult},
};
use actix_web::{
    FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError,
    body::{BoxBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::{StatusCode, header},
    middleware::Next,
    web,
};
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use std::{
    future::{Ready, ready},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};
use uuid::Uuid;

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;

/// The `Idempotency-Key` header, if sent: 1 to 200 visible ASCII characters.
#[derive(Clone, Debug, Default)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(v) = req.headers().get("idempotency-key") else {
            return ready(Ok(IdempotencyKey(None)));
        };
        let ok =
            v.to_str().ok().map(str::trim).filter(|s| {
                !s.is_empty() && s.len() <= 200 && s.bytes().all(|b| b.is_ascii_graphic())
            });
        ready(match ok {
            Some(s) => Ok(IdempotencyKey(Some(s.to_string()))),
            None => Err(ApiError::bad_field(
                "Idempotency-Key",
                "must be 1 to 200 visible ASCII characters",
            )),
        })
    }
}

/// A stored answer, replayed as it was first given.
pub struct Stored {
    pub status: u16,
    pub body: String,
}

impl Stored {
    pub fn response(&self) -> HttpResponse {
        let mut res = json_response(self.status, &self.body);
        res.headers_mut().insert(
            header::HeaderName::from_static("idempotent-replayed"),
            header::HeaderValue::from_static("true"),
        );
        res
    }
}

/// A JSON answer as replayed, with the `ETag` of the resource's `version` if it has one.
fn json_response(status: u16, body: &str) -> HttpResponse {
    let mut res = HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
    res.insert_header((header::CONTENT_TYPE, "application/json"));
    if let Some(v) = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|b| b["version"].as_i64())
    {
        res.insert_header((header::ETAG, format!("\"{v}\"")));
    }
    res.body(body.to_string())
}

pub use crate::auth::caller::Claim;

/// The stored answer for this key, if the caller used it before (on the same endpoint with the
/// same body; otherwise 422).
async fn lookup(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    key: &str,
    endpoint: &str,
    fingerprint: &str,
) -> ApiResult<Option<Stored>> {
    let found = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::AccountId.eq(account_id))
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(
            idempotency_key::Column::CreatedAt.gt(Utc::now() - Duration::hours(RETENTION_HOURS)),
        )
        .one(conn)
        .await?;
    match found {
        None => Ok(None),
        Some(row) if row.endpoint == endpoint && row.request_hash == fingerprint => {
            Ok(Some(Stored {
                status: row.status as u16,
                body: row.response,
            }))
        }
        Some(_) => Err(ApiError::invalid(
            "Idempotency-Key",
            "was already used with a different request; use a new key for a new request",
        )),
    }
}

/// Stores the key in the write's own transaction, with the resource as written (`after`): 201
/// for a create, 200 otherwise. The request's first write inserts the key; later writes of the
/// same request replace the resource, since a request's own resource is written last (a meeting
/// after the tasks its decisions create). A concurrent request that stored the same key first
/// makes the insert fail on the unique index, and the whole write with it.
pub async fn record_in_transaction(
    conn: &impl ConnectionTrait,
    claim: &Claim,
    created: bool,
    after: Option<&serde_json::Value>,
) -> Result<(), DbErr> {
    let status: i16 = if created { 201 } else { 200 };
    let body = after.map(|a| a.to_string()).unwrap_or_default();
    if claim.stored.swap(true, Ordering::AcqRel) {
        idempotency_key::Entity::update_many()
            .col_expr(
                idempotency_key::Column::Status,
                sea_orm::sea_query::Expr::value(status),
            )
            .col_expr(
                idempotency_key::Column::Response,
                sea_orm::sea_query::Expr::value(body),
            )
            .filter(idempotency_key::Column::AccountId.eq(claim.account_id))
            .filter(idempotency_key::Column::Key.eq(claim.key.as_str()))
            .exec(conn)
            .await?;
        return Ok(());
    }
    key_row(claim, status, body).insert(conn).await?;
    Ok(())
}

/// The stored row of a key: what was asked (endpoint, fingerprint) and what was answered.
fn key_row(claim: &Claim, status: i16, response: String) -> idempotency_key::ActiveModel {
    idempotency_key::ActiveModel {
        account_id: Set(claim.account_id),
        key: Set(claim.key.clone()),
        endpoint: Set(claim.endpoint.clone()),
        request_hash: Set(claim.fingerprint.clone()),
        status: Set(status),
        response: Set(response),
        created_at: Set(Utc::now()),
    }
}

/// Answers carrying an API client's secret, which is otherwise kept only as a hash: they are not
/// stored, so these ignore the key.
pub const SECRET_ANSWERS: [&str; 2] = ["/api/v1/clients", "/api/v1/clients/{id}/secret"];

/// Whether a `POST` on this route pattern is replayed for a repeated `Idempotency-Key`: every
/// one under the API but signing in (tokens are never stored) and answers holding a secret.
pub fn replays(pattern: &str) -> bool {
    pattern.starts_with(crate::state::API_PREFIX)
        && !pattern.starts_with("/api/v1/auth")
        && !SECRET_ANSWERS.contains(&pattern)
        && !crate::state::STREAMED_BODIES.contains(&pattern)
}

/// Stores the handler's full answer: over the row its write stored, or as a new row for a
/// request that wrote nothing audited.
async fn store_answer(db: &sea_orm::DatabaseConnection, claim: &Claim, status: u16, body: &str) {
    let result = if claim.stored.load(Ordering::Acquire) {
        idempotency_key::Entity::update_many()
            .col_expr(
                idempotency_key::Column::Status,
                sea_orm::sea_query::Expr::value(status as i16),
            )
            .col_expr(
                idempotency_key::Column::Response,
                sea_orm::sea_query::Expr::value(body),
            )
            .filter(idempotency_key::Column::AccountId.eq(claim.account_id))
            .filter(idempotency_key::Column::Key.eq(claim.key.as_str()))
            .exec(db)
            .await
            .map(|_| ())
    } else {
        key_row(claim, status as i16, body.to_string())
            .insert(db)
            .await
            .map(|_| ())
    };
    // The write is committed either way; what a retry gets back is then the resource as
    // written (or, for a request that wrote nothing audited, a second run).
    if let Err(e) = result {
        tracing::warn!(error = %e, "idempotent answer not stored");
    }
}

/// The middleware for every `POST` sent with an `Idempotency-Key` (sign-in and secret-bearing
/// answers aside).
pub async fn layer(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let pattern = req.match_pattern().unwrap_or_default();
    let applies = req.method() == actix_web::http::Method::POST
        && req.headers().contains_key("idempotency-key")
        && replays(&pattern);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let caller = crate::auth::caller::of(req.request());
    let (true, Some(state), Some(Ok(caller))) = (applies, state, caller) else {
        // Not a case for this layer, or no valid token: the handler answers (401 included).
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    let key = match IdempotencyKey::from_request(req.request(), &mut Payload::None).into_inner() {
        Ok(IdempotencyKey(Some(k))) => k,
        Ok(IdempotencyKey(None)) => unreachable!("the header is there"),
        Err(e) => return Ok(req.error_response(e)),
    };
    let body = match req.extract::<web::Bytes>().await {
        Ok(b) => b,
        Err(e) => {
            let e = crate::extract::body_error(req.request(), &e);
            return Ok(req.error_response(e));
        }
    };
    req.set_payload(bytes_payload(body.clone()));
    let canonical = serde_json::from_slice::<serde_json::Value>(&body)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| String::from_utf8_lossy(&body).into_owned());
    let claim = Claim {
        account_id: caller.account_id,
        key,
        endpoint: format!("POST {}", req.path()),
        fingerprint: crate::auth::tokens::hash_refresh_token(&canonical),
        stored: Arc::new(AtomicBool::new(false)),
    };
    let replay = |db| {
        lookup(
            db,
            claim.account_id,
            &claim.key,
            &claim.endpoint,
            &claim.fingerprint,
        )
    };
    match replay(&state.db).await {
        Ok(Some(stored)) => return Ok(req.into_response(stored.response())),
        Ok(None) => {}
        Err(e) => return Ok(req.error_response(e)),
    }
    // An expired key may be used again: its old answer goes.
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::AccountId.eq(claim.account_id))
        .filter(idempotency_key::Column::Key.eq(claim.key.as_str()))
        .filter(
            idempotency_key::Column::CreatedAt.lte(Utc::now() - Duration::hours(RETENTION_HOURS)),
        )
        .exec(&state.db)
        .await
        .map_err(ApiError::from)?;
    req.extensions_mut().insert(claim.clone());
    let res = next.call(req).await?.map_into_boxed_body();
    if !res.status().is_success() {
        // A request racing this one with the same key may have written first: its answer is
        // this one's too. Otherwise the refusal stands and the key stays free.
        return match replay(&state.db).await {
            Ok(Some(stored)) => {
                let (req, _) = res.into_parts();
                Ok(ServiceResponse::new(req, stored.response()))
            }
            Ok(None) => Ok(res),
            Err(e) => {
                let (req, _) = res.into_parts();
                Ok(ServiceResponse::new(req, e.error_response()))
            }
        };
    }
    let status = res.status().as_u16();
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| ApiError::internal("response body"))?;
    store_answer(&state.db, &claim, status, &String::from_utf8_lossy(&bytes)).await;
    Ok(ServiceResponse::new(
        req,
        head.set_body(BoxBody::new(bytes)),
    ))
}

fn bytes_payload(b: web::Bytes) -> Payload {
    let (_, mut p) = actix_http::h1::Payload::create(true);
    p.unread_data(b);
    Payload::from(p)
}
