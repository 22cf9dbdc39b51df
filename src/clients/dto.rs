use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The scopes a client may hold: `read` the resources, `changes` the change feed, `reports` the
/// reports. A client's role (the portal's: read only, its province only) bounds them all.
pub const SCOPES: [&str; 3] = ["read", "changes", "reports"];

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650f201")]
    pub id: Uuid,
    /// The public identifier it signs in with.
    #[schema(example = "cl_6f1d2c9a8b7e4f30a1c2")]
    pub client_id: String,
    #[schema(example = "Cổng thông tin dân vận tỉnh Quảng Ninh")]
    pub name: String,
    #[schema(example = "portal")]
    pub role: String,
    #[schema(example = "Quảng Ninh")]
    pub province: String,
    /// The province's record.
    #[schema(example = "019ac000-0000-7000-8000-00000000000a")]
    pub province_id: Option<Uuid>,
    #[schema(example = json!(["read", "changes"]))]
    pub scopes: Vec<String>,
    #[schema(example = true)]
    pub active: bool,
    #[schema(example = 600)]
    pub rate_limit_per_minute: i32,
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-03-01T02:00:00Z")]
    pub secret_rotated_at: DateTime<Utc>,
    #[schema(example = "2016-03-01T02:00:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-03-01T02:00:00Z")]
    pub updated_at: DateTime<Utc>,
}

/// A client with its secret: shown once, when created or rotated.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientWithSecret {
    #[serde(flatten)]
    pub client: ClientDto,
    /// Keep it now: only its hash is stored.
    #[schema(example = "bXktc2VjcmV0LWZvci10aGUtcG9ydGFsLW9ubHktb25jZQ")]
    pub client_secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Cổng thông tin dân vận tỉnh Quảng Ninh", "province": "Quảng Ninh", "scopes": ["read", "changes"]}))]
pub struct CreateClient {
    pub name: String,
    /// The province whose blocs it reads, by name (case and diacritics ignored), or
    /// `province_id`: one of the two.
    pub province: Option<String>,
    /// The province's record (`/provinces`).
    pub province_id: Option<Uuid>,
    /// Of `read` (the resources), `changes` (the change feed), `reports` (`/reports/…`).
    /// Default: all three.
    pub scopes: Option<Vec<String>>,
    /// 1 to 100,000; default 600.
    pub rate_limit_per_minute: Option<i32>,
}

/// Fields to change; omitted fields stay. `active: false` stops its tokens at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct UpdateClient {
    pub name: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub active: Option<bool>,
    pub rate_limit_per_minute: Option<i32>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ClientQuery {
    /// Only what changed at or after this instant (RFC 3339; the largest `updated_at` the
    /// client has seen).
    #[param(example = "2016-06-30T08:00:00+07:00")]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only these items: 1 to 100 ids, comma-separated.
    pub ids: Option<String>,
    pub active: Option<bool>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// OAuth 2.0 client credentials (RFC 6749 §4.4), as JSON or form fields; the client may send
/// its id and secret with HTTP Basic instead.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "cl_6f1d2c9a8b7e4f30a1c2", "client_secret": "bXktc2VjcmV0LWZvci10aGUtcG9ydGFsLW9ubHktb25jZQ"}))]
pub struct TokenRequest {
    /// `client_credentials`.
    pub grant_type: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Space-separated; default: all the client's scopes.
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientToken {
    #[schema(example = "eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiJ9...")]
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    #[schema(example = 900)]
    pub expires_in: u64,
    #[schema(example = "read changes")]
    pub scope: String,
}

crate::paged!(ClientQuery);
