//! `Idempotency-Key` on creating `POST`s: the first response to a (caller, key) is stored in
//! the same transaction as the write, so a retry with the same key and body gets that response
//! back and creates nothing; the same key with another body is 422. Keys are kept 24 hours.
use crate::{
    auth::Caller,
    entities::idempotency_key,
    error::{ApiError, ApiResult},
};
use actix_web::{
    FromRequest, HttpRequest, HttpResponse,
    dev::Payload,
    http::{StatusCode, header},
};
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use std::future::{Ready, ready};

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
        status: Set(status.as_u16() as i16),
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
