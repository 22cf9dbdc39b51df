//! The one error type of the API, rendered as RFC 9457 `application/problem+json`.
//! Client errors carry their field messages; database and internal errors log their cause under
//! the request id and answer with a generic message, never SQL, a stack trace or a secret.
//! Every problem and every field error has a stable `code` (`catalog`); `localize` answers
//! in Vietnamese when `Accept-Language` prefers it.
pub mod catalog;
pub mod localize;

use actix_web::{
    HttpResponse, ResponseError,
    http::{StatusCode, header},
};
use sea_orm::{DbErr, RuntimeErr, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The detail of a 408, and the reason the body stream gives when its deadline passes.
pub const BODY_TIMED_OUT: &str = "the request body did not arrive in time";

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// The field, as a JSON path into the body (`password`, `coordinating_ids[2]`) or the name of
    /// a query or path parameter.
    #[schema(example = "username")]
    pub field: String,
    /// What is wrong, stable for clients to switch on: `required`, `too_long`, `too_short`,
    /// `too_many`, `out_of_range`, `invalid_date`, `invalid_format`, `invalid_type`,
    /// `invalid_value`, `unknown_field`, `unknown_reference`, `not_allowed`, `date_order`,
    /// `in_future`, `duplicate`, `state_conflict` or `invalid`.
    #[schema(example = "required")]
    pub code: String,
    /// For a person to read, in the language of `Content-Language`.
    #[schema(example = "must not be empty")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            field: field.into(),
            code: catalog::code_of(&message).into(),
            message,
        }
    }

    /// The same problem, its field named under `prefix`.
    pub fn under(self, prefix: &str) -> Self {
        Self {
            field: format!("{prefix}{}", self.field),
            ..self
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation-failed",
    "code": "validation_failed",
    "title": "Dữ liệu không hợp lệ",
    "status": 422,
    "detail": "`username` không được để trống",
    "errors": [{"field": "username", "code": "required", "message": "không được để trống"}]
}))]
pub struct Problem {
    /// A URI reference naming the kind of problem: `/problems/` and the code, `_` as `-`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The kind of problem, stable for clients to switch on (the list is in the README and in
    /// the spec's description of each response).
    #[schema(example = "validation_failed")]
    pub code: String,
    /// The kind of problem for a person, in the language of `Content-Language`.
    pub title: String,
    pub status: u16,
    /// What went wrong with this request, for a person to read.
    pub detail: String,
    /// Present on validation problems: every invalid field with its message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Present on 409s for illegal state changes: the moves allowed from the current state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// No usable credentials were presented (no token, wrong password).
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// A bearer token was presented and is not acceptable (RFC 6750 `invalid_token`).
    #[error("invalid token: {0}")]
    InvalidToken(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 403 until the account's own person replaces a password someone else set.
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    #[error("conflict: {detail}")]
    Conflict {
        detail: String,
        allowed: Option<Vec<String>>,
    },
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    /// The body did not arrive within `KHOI_BODY_TIMEOUT`; the connection is closed.
    #[error("request timeout")]
    RequestTimeout,
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// A `Range` wholly past the end of a file of `size` bytes.
    #[error("range not satisfiable")]
    RangeNotSatisfiable { size: u64 },
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("too many requests")]
    TooManyRequests { retry_after: u64, detail: String },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 503 for the attachments' store (a folder or an S3-compatible server) failing, its cause
    /// logged, not answered.
    #[error("file store unavailable: {0}")]
    StoreUnavailable(String),
    /// 503 for work turned away to bound its cost (password hashing), not a database outage.
    #[error("overloaded: {detail}")]
    Overloaded { retry_after: u64, detail: String },
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::BadRequest {
            detail: detail.into(),
            errors: vec![],
        }
    }
    pub fn bad_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let e = FieldError::new(field, message);
        Self::BadRequest {
            detail: format!("invalid parameter `{}`: {}", e.field, e.message),
            errors: vec![e],
        }
    }
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }
    /// The same problem with its fields named under `prefix` (`head.`, `decisions[0].task.`,
    /// `[3].`): for a part of a body that another service checked.
    pub fn under(self, prefix: &str) -> Self {
        match self {
            Self::Validation(errs) => {
                Self::Validation(errs.into_iter().map(|f| f.under(prefix)).collect())
            }
            other => other,
        }
    }
    /// 409 for a status move that does not exist, listing the moves that do.
    pub fn illegal_move<'a>(
        what: &str,
        from: &str,
        to: &str,
        allowed: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        Self::Conflict {
            detail: format!("a {from} {what} cannot become {to}"),
            allowed: Some(allowed.into_iter().map(str::to_string).collect()),
        }
    }
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::Conflict {
            detail: detail.into(),
            allowed: None,
        }
    }
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// The problem's code (`catalog::TYPES`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { errors, .. } if errors.is_empty() => "malformed_request",
            Self::BadRequest { .. } => "invalid_parameter",
            Self::Unauthorized(_) => "unauthenticated",
            Self::InvalidToken(_) => "invalid_token",
            Self::Forbidden(_) => "forbidden",
            Self::PasswordChangeRequired => "password_change_required",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::Conflict {
                allowed: Some(_), ..
            } => "illegal_transition",
            Self::Conflict { detail, .. } => match catalog::code_of(detail) {
                c @ ("duplicate" | "read_only" | "in_use" | "illegal_transition") => c,
                _ => "state_conflict",
            },
            Self::PreconditionFailed(_) => "stale_version",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::RequestTimeout => "request_timeout",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::RangeNotSatisfiable { .. } => "range_not_satisfiable",
            Self::Validation(_) => "validation_failed",
            Self::TooManyRequests { .. } => "rate_limited",
            Self::Unavailable(_) | Self::StoreUnavailable(_) => "unavailable",
            Self::Overloaded { .. } => "overloaded",
            Self::Internal(_) => "internal",
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            Self::BadRequest { detail, .. } => detail.clone(),
            Self::Unauthorized(d)
            | Self::InvalidToken(d)
            | Self::Forbidden(d)
            | Self::NotFound(d)
            | Self::PreconditionFailed(d)
            | Self::UnsupportedMediaType(d) => d.clone(),
            Self::Conflict { detail, .. } => detail.clone(),
            Self::MethodNotAllowed { allow } => {
                format!("this resource supports {}", allow.join(", "))
            }
            Self::PayloadTooLarge { limit } => {
                format!("the request body exceeds the limit of {limit} bytes")
            }
            Self::RequestTimeout => BODY_TIMED_OUT.into(),
            Self::RangeNotSatisfiable { size } => {
                format!("the range asked starts past the end of the file ({size} bytes)")
            }
            Self::PasswordChangeRequired => "this account's password was set by someone else: \
                 choose your own at POST /api/v1/me/password first (GET /api/v1/me and \
                 POST /api/v1/auth/logout work meanwhile)"
                .into(),
            Self::Validation(errors) => match errors.len() {
                1 => format!("`{}` {}", errors[0].field, errors[0].message),
                n => format!("{n} fields are invalid"),
            },
            Self::TooManyRequests { detail, .. } | Self::Overloaded { detail, .. } => {
                detail.clone()
            }
            Self::Unavailable(_) => {
                "the database is unavailable; retry after the number of seconds in Retry-After"
                    .into()
            }
            Self::StoreUnavailable(_) => {
                "the file store is unavailable; retry after the number of seconds in Retry-After"
                    .into()
            }
            Self::Internal(_) => {
                "an unexpected error occurred; the request id identifies it in the logs".into()
            }
        };
        let errors = match self {
            Self::Validation(e) | Self::BadRequest { errors: e, .. } => e.clone(),
            _ => vec![],
        };
        let allowed = match self {
            Self::Conflict { allowed, .. } => allowed.clone(),
            _ => None,
        };
        let kind = catalog::problem_type(self.code());
        Problem {
            kind: kind.uri(),
            code: kind.code.into(),
            title: kind.en.into(),
            status: status.as_u16(),
            detail,
            errors,
            allowed,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::PasswordChangeRequired => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::StoreUnavailable(_) | Self::Overloaded { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(error = %cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            Self::StoreUnavailable(cause) => {
                tracing::warn!(error = %cause, "file store unavailable")
            }
            _ => {}
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        res.insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            Self::Unauthorized(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"khoi\""));
            }
            Self::InvalidToken(d) => {
                let desc = d.replace('"', "'");
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    format!("Bearer realm=\"khoi\", error=\"invalid_token\", error_description=\"{desc}\""),
                ));
            }
            Self::MethodNotAllowed { allow } => {
                res.insert_header((header::ALLOW, allow.join(", ")));
            }
            Self::TooManyRequests { retry_after, .. } | Self::Overloaded { retry_after, .. } => {
                res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            Self::Unavailable(_) | Self::StoreUnavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::RequestTimeout => {
                // The rest of the body may still be trickling in: the connection cannot be reused.
                res.force_close();
            }
            Self::RangeNotSatisfiable { size } => {
                res.insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
            }
            _ => {}
        }
        res.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

/// True when the error says the database cannot be reached (as opposed to a bad query).
pub fn db_unavailable(e: &DbErr) -> bool {
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => {
            matches!(
                s.as_ref(),
                sea_orm::sqlx::Error::Io(_)
                    | sea_orm::sqlx::Error::PoolTimedOut
                    | sea_orm::sqlx::Error::PoolClosed
                    | sea_orm::sqlx::Error::WorkerCrashed
                    | sea_orm::sqlx::Error::Tls(_)
            ) || is_pg_shutdown(s.as_ref())
        }
        _ => false,
    }
}

/// PostgreSQL's "admin shutdown" / "cannot connect now" classes (57P0x) mean the server is going
/// away or starting up: unavailable, not a bug.
fn is_pg_shutdown(e: &sea_orm::sqlx::Error) -> bool {
    match e {
        sea_orm::sqlx::Error::Database(d) => d.code().is_some_and(|c| c.starts_with("57P")),
        _ => false,
    }
}

/// The SQLSTATE of a database's own error, if that is what `e` is.
fn sql_state(e: &DbErr) -> Option<std::borrow::Cow<'_, str>> {
    match e {
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => {
            match s.as_ref() {
                sea_orm::sqlx::Error::Database(d) => d.code(),
                _ => None,
            }
        }
        _ => None,
    }
}

/// PostgreSQL cancelled this transaction for another's sake (a deadlock, 40P01, or a
/// serialization failure, 40001): nothing was written, and the same request may be retried.
fn is_transient_conflict(e: &DbErr) -> bool {
    sql_state(e).is_some_and(|c| c == "40P01" || c == "40001")
}

/// PostgreSQL's refusal of a NUL or otherwise unencodable character (22021, 22P05).
fn is_unstorable_text(e: &DbErr) -> bool {
    sql_state(e).is_some_and(|c| c == "22021" || c == "22P05")
}

/// Marks a write refused because what it names is read-only history (a dissolved bloc's).
pub const READ_ONLY: &str = "read-only: ";

impl From<DbErr> for ApiError {
    fn from(e: DbErr) -> Self {
        if let DbErr::Custom(m) = &e
            && let Some(detail) = m.strip_prefix(READ_ONLY)
        {
            return ApiError::conflict(detail);
        }
        if db_unavailable(&e) || is_transient_conflict(&e) {
            return ApiError::Unavailable(e.to_string());
        }
        if is_unstorable_text(&e) {
            // The edge refuses these first; this keeps any path it misses from being a 500.
            return ApiError::invalid("body", "contains characters that cannot be stored (NUL)");
        }
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                ApiError::conflict("a resource with the same unique value already exists")
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                ApiError::conflict("the change refers to or is referred to by another resource")
            }
            _ => ApiError::Internal(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    #[test]
    fn validation_problem_lists_fields() {
        let e = ApiError::Validation(vec![
            FieldError::new("title", "must not be empty"),
            FieldError::new("due_on", "must be a date YYYY-MM-DD"),
        ]);
        let p = e.problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.errors.len(), 2);
        assert_eq!(p.detail, "2 fields are invalid");
        assert_eq!(p.kind, "/problems/validation-failed");
        assert_eq!(p.code, "validation_failed");
        assert_eq!(p.errors[0].code, "required");
        assert_eq!(p.errors[1].code, "invalid_date");
    }

    /// A database error with only a SQLSTATE, as PostgreSQL reports one.
    #[derive(Debug)]
    struct Coded(&'static str);

    impl std::fmt::Display for Coded {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "SQLSTATE {}", self.0)
        }
    }

    impl std::error::Error for Coded {}

    impl sea_orm::sqlx::error::DatabaseError for Coded {
        fn message(&self) -> &str {
            self.0
        }
        fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
            Some(self.0.into())
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sea_orm::sqlx::error::ErrorKind {
            sea_orm::sqlx::error::ErrorKind::Other
        }
    }

    fn coded(code: &'static str) -> DbErr {
        DbErr::Exec(RuntimeErr::SqlxError(std::sync::Arc::new(
            sea_orm::sqlx::Error::Database(Box::new(Coded(code))),
        )))
    }

    #[test]
    fn a_deadlock_or_serialization_failure_is_a_503_to_retry_not_a_500() {
        for code in ["40P01", "40001"] {
            let res = ApiError::from(coded(code)).error_response();
            assert_eq!(res.status(), 503, "{code}");
            assert!(res.headers().contains_key("retry-after"), "{code}");
        }
        assert_eq!(
            ApiError::from(coded("42601")).error_response().status(),
            500
        );
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let e = ApiError::Internal("SELECT * FROM accounts: syntax error".into());
        let res = e.error_response();
        assert_eq!(res.status(), 500);
        let body = res.into_body().try_into_bytes().unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(!text.contains("SELECT"), "{text}");
    }

    #[test]
    fn unauthorized_carries_bearer_challenge() {
        let res = ApiError::InvalidToken("token expired".into()).error_response();
        let h = res.headers().get(header::WWW_AUTHENTICATE).unwrap();
        assert!(h.to_str().unwrap().contains("error=\"invalid_token\""));
        let res = ApiError::Unauthorized("a bearer token is required".into()).error_response();
        let h = res.headers().get(header::WWW_AUTHENTICATE).unwrap();
        assert_eq!(h.to_str().unwrap(), "Bearer realm=\"khoi\"");
        assert_eq!(
            res.headers().get(header::CONTENT_TYPE).unwrap(),
            PROBLEM_JSON
        );
    }
}
