//! The one error type of the API, rendered as RFC 9457 `application/problem+json`.
//! Client errors carry their field messages; database and internal errors log their cause under
//! the request id and answer with a generic message, never SQL, a stack trace or a secret.
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
    #[schema(example = "must not be empty")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same problem, its field named under `prefix`.
    pub fn under(self, prefix: &str) -> Self {
        Self {
            field: format!("{prefix}{}", self.field),
            message: self.message,
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "1 field is invalid",
    "errors": [{"field": "username", "message": "must not be empty"}]
}))]
pub struct Problem {
    /// A URI reference naming the kind of problem (`/problems/<kind>`); stable for clients to switch on.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP reason phrase of `status`.
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
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("too many requests")]
    TooManyRequests { retry_after: u64, detail: String },
    #[error("service unavailable: {0}")]
    Unavailable(String),
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

    fn kind(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "/problems/bad-request",
            Self::Unauthorized(_) | Self::InvalidToken(_) => "/problems/unauthorized",
            Self::Forbidden(_) => "/problems/forbidden",
            Self::PasswordChangeRequired => "/problems/password-change-required",
            Self::NotFound(_) => "/problems/not-found",
            Self::MethodNotAllowed { .. } => "/problems/method-not-allowed",
            Self::Conflict { .. } => "/problems/conflict",
            Self::PreconditionFailed(_) => "/problems/precondition-failed",
            Self::PayloadTooLarge { .. } => "/problems/payload-too-large",
            Self::RequestTimeout => "/problems/request-timeout",
            Self::UnsupportedMediaType(_) => "/problems/unsupported-media-type",
            Self::Validation(_) => "/problems/validation",
            Self::TooManyRequests { .. } => "/problems/too-many-requests",
            Self::Unavailable(_) => "/problems/service-unavailable",
            Self::Overloaded { .. } => "/problems/overloaded",
            Self::Internal(_) => "/problems/internal",
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
        Problem {
            kind: self.kind().into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
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
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(error = %cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
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
            Self::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::RequestTimeout => {
                // The rest of the body may still be trickling in: the connection cannot be reused.
                res.force_close();
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

/// PostgreSQL's refusal of a NUL or otherwise unencodable character (22021, 22P05).
fn is_unstorable_text(e: &DbErr) -> bool {
    match e {
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => {
            match s.as_ref() {
                sea_orm::sqlx::Error::Database(d) => {
                    d.code().is_some_and(|c| c == "22021" || c == "22P05")
                }
                _ => false,
            }
        }
        _ => false,
    }
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
        if db_unavailable(&e) {
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
            FieldError::new("due_date", "must be a date YYYY-MM-DD"),
        ]);
        let p = e.problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.errors.len(), 2);
        assert_eq!(p.detail, "2 fields are invalid");
        assert_eq!(p.kind, "/problems/validation");
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
