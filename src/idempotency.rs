//! `Idempotency-Key` on creating `POST`s: the first response to a (caller, key) is stored, so a
//! retry with the same key and body gets that response back and creates nothing; the same key
//! with another body is 422. Keys are kept 24 hours.
//!
//! Tasks, task reports and campaign figures — what the field retries most — keep the key in the
//! write's own transaction ([`run`]). Every other `POST` goes through [`layer`], which reserves
//! the key before the handler runs and records its answer after.
use crate::startup::AppState;
use crate::{
    auth::Caller,
    entities::idempotency_key,
    error::{ApiError, ApiResult},
};
use actix_web::{
    FromRequest, HttpRequest, HttpResponse,
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
use std::future::{Ready, ready};

/// A reserved key whose request has not answered yet.
const PENDING: i16 = 0;
/// A reservation this old was left by an instance that stopped mid-request.
const ABANDONED_AFTER_SECS: i64 = 60;

fn in_progress() -> ApiError {
    ApiError::conflict(
        "a request with this Idempotency-Key is still being answered; retry in a moment",
    )
}

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

/// A JSON answer as created or replayed, with the `ETag` of the resource's `version` if it has one.
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

/// The stored answer for this key, if the caller used it before (on the same endpoint with the
/// same body; otherwise 422).
pub async fn lookup(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    key: &IdempotencyKey,
    endpoint: &str,
    fingerprint: &str,
) -> ApiResult<Option<Stored>> {
    let Some(k) = &key.0 else { return Ok(None) };
    let found = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::AccountId.eq(caller.account_id))
        .filter(idempotency_key::Column::Key.eq(k.as_str()))
        .filter(
            idempotency_key::Column::CreatedAt.gt(Utc::now() - Duration::hours(RETENTION_HOURS)),
        )
        .one(conn)
        .await?;
    match found {
        None => Ok(None),
        Some(row) if row.status == PENDING => Err(in_progress()),
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

/// Remembers the answer to a first request (in the caller's transaction).
pub async fn remember(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    key: &IdempotencyKey,
    endpoint: &str,
    fingerprint: &str,
    status: StatusCode,
    body: &str,
) -> Result<(), DbErr> {
    store(
        conn,
        caller,
        key,
        endpoint,
        fingerprint,
        status.as_u16() as i16,
        body,
    )
    .await
}

async fn store(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    key: &IdempotencyKey,
    endpoint: &str,
    fingerprint: &str,
    status: i16,
    body: &str,
) -> Result<(), DbErr> {
    let Some(k) = &key.0 else { return Ok(()) };
    let now = Utc::now();
    // An expired key may be reused: forget its old answer first. Only an expired one: a fresh
    // row committed meanwhile by a concurrent first request must make this insert fail, so the
    // caller replays that request's answer instead of creating a second resource.
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::AccountId.eq(caller.account_id))
        .filter(idempotency_key::Column::Key.eq(k.as_str()))
        .filter(idempotency_key::Column::CreatedAt.lte(now - Duration::hours(RETENTION_HOURS)))
        .exec(conn)
        .await?;
    idempotency_key::ActiveModel {
        account_id: Set(caller.account_id),
        key: Set(k.clone()),
        endpoint: Set(endpoint.to_string()),
        request_hash: Set(fingerprint.to_string()),
        status: Set(status),
        response: Set(body.to_string()),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Runs a creating request at most once per key: replays the stored answer when there is one,
/// otherwise runs `work` in a write transaction and stores its answer in that same transaction.
/// Of two concurrent first requests with one key, the second gets the first one's answer.
pub async fn run(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    key: &IdempotencyKey,
    endpoint: &str,
    fingerprint: &str,
    work: impl AsyncFnOnce(&sea_orm::DatabaseTransaction) -> ApiResult<(StatusCode, String)>,
) -> ApiResult<HttpResponse> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(stored) = lookup(&txn, caller, key, endpoint, fingerprint).await? {
        return Ok(stored.response());
    }
    let (status, body) = work(&txn).await?;
    if let Err(e) = remember(&txn, caller, key, endpoint, fingerprint, status, &body).await {
        drop(txn);
        if matches!(
            e.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ) && let Some(stored) = lookup(db, caller, key, endpoint, fingerprint).await?
        {
            return Ok(stored.response());
        }
        return Err(e.into());
    }
    txn.commit().await?;
    Ok(json_response(status.as_u16(), &body))
}

/// Endpoints whose services keep the key in the write's transaction.
const IN_TRANSACTION: [&str; 3] = [
    "/api/v1/tasks",
    "/api/v1/tasks/{id}/reports",
    "/api/v1/campaigns/{id}/targets/{target_id}/measurements",
];

/// Answers carrying an API client's secret, which is otherwise kept only as a hash: they are not
/// stored, so these ignore the key.
pub const SECRET_ANSWERS: [&str; 2] = ["/api/v1/clients", "/api/v1/clients/{id}/secret"];

enum Reservation {
    Replay(Stored),
    Mine,
}

/// Reserves (caller, key) for this request, or finds the answer already given.
async fn reserve(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    key: &str,
    endpoint: &str,
    fingerprint: &str,
) -> ApiResult<Reservation> {
    let k = IdempotencyKey(Some(key.to_string()));
    let txn = crate::db::begin_write(db).await?;
    let now = Utc::now();
    // A reservation left by a stopped instance is released.
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::AccountId.eq(caller.account_id))
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(idempotency_key::Column::Status.eq(PENDING))
        .filter(
            idempotency_key::Column::CreatedAt.lt(now - Duration::seconds(ABANDONED_AFTER_SECS)),
        )
        .exec(&txn)
        .await?;
    if let Some(stored) = lookup(&txn, caller, &k, endpoint, fingerprint).await? {
        return Ok(Reservation::Replay(stored));
    }
    match store(&txn, caller, &k, endpoint, fingerprint, PENDING, "").await {
        Ok(()) => {
            txn.commit().await?;
            Ok(Reservation::Mine)
        }
        Err(e) => {
            drop(txn);
            // A concurrent first request reserved it: replay its answer, or say it is running.
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) && let Some(stored) = lookup(db, caller, &k, endpoint, fingerprint).await?
            {
                return Ok(Reservation::Replay(stored));
            }
            Err(e.into())
        }
    }
}

/// Records the answer to a reserved key, or releases the key when the request failed (a
/// corrected retry may then use it).
async fn settle(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    key: &str,
    answer: Option<(u16, &str)>,
) -> Result<(), DbErr> {
    let mine = sea_orm::Condition::all()
        .add(idempotency_key::Column::AccountId.eq(caller.account_id))
        .add(idempotency_key::Column::Key.eq(key))
        .add(idempotency_key::Column::Status.eq(PENDING));
    match answer {
        Some((status, body)) => {
            idempotency_key::Entity::update_many()
                .col_expr(
                    idempotency_key::Column::Status,
                    sea_orm::sea_query::Expr::value(status as i16),
                )
                .col_expr(
                    idempotency_key::Column::Response,
                    sea_orm::sea_query::Expr::value(body),
                )
                .filter(mine)
                .exec(db)
                .await?;
        }
        None => {
            idempotency_key::Entity::delete_many()
                .filter(mine)
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// The middleware for every creating `POST` not handled in its service's transaction.
pub async fn layer(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let pattern = req.match_pattern().unwrap_or_default();
    let applies = req.method() == actix_web::http::Method::POST
        && req.headers().contains_key("idempotency-key")
        && pattern.starts_with(crate::routes::API_PREFIX)
        && !pattern.starts_with("/api/v1/auth")
        && !IN_TRANSACTION.contains(&pattern.as_str())
        && !SECRET_ANSWERS.contains(&pattern.as_str());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let caller = crate::auth::caller::authenticate(req.request());
    let (true, Some(state), Ok(caller)) = (applies, state, caller) else {
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
        Err(e) => return Ok(req.error_response(e)),
    };
    req.set_payload(bytes_payload(body.clone()));
    let canonical = serde_json::from_slice::<serde_json::Value>(&body)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| String::from_utf8_lossy(&body).into_owned());
    let fingerprint = crate::auth::tokens::hash_refresh_token(&canonical);
    let endpoint = format!("POST {}", req.path());
    match reserve(&state.db, &caller, &key, &endpoint, &fingerprint).await {
        Ok(Reservation::Replay(stored)) => return Ok(req.into_response(stored.response())),
        Ok(Reservation::Mine) => {}
        Err(e) => return Ok(req.error_response(e)),
    }
    let res = next.call(req).await?.map_into_boxed_body();
    if !res.status().is_success() {
        settle(&state.db, &caller, &key, None)
            .await
            .map_err(ApiError::from)?;
        return Ok(res);
    }
    let status = res.status().as_u16();
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| ApiError::internal("response body"))?;
    settle(
        &state.db,
        &caller,
        &key,
        Some((status, &String::from_utf8_lossy(&bytes))),
    )
    .await
    .map_err(ApiError::from)?;
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
