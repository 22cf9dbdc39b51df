use crate::auth::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Case-insensitive.
    #[schema(example = "admin")]
    pub username: String,
    #[schema(example = "mật-khẩu-của-bạn", format = Password)]
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[schema(example = "0B3m0Jq6Q0p2r9fXrVd1tVbq2Hc8mZ7bX4nYc3kP1aE")]
    pub refresh_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer <access_token>`.
    #[schema(example = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMTkzIn0.c2lnbmF0dXJl")]
    pub access_token: String,
    /// Opaque; exchange it once at `/auth/refresh` for a new pair.
    #[schema(example = "0B3m0Jq6Q0p2r9fXrVd1tVbq2Hc8mZ7bX4nYc3kP1aE")]
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
    /// Seconds until the refresh token expires.
    #[schema(example = 2592000)]
    pub refresh_expires_in: u64,
}

/// The signed-in account.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    #[schema(example = "0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b")]
    pub id: Uuid,
    #[schema(example = "admin")]
    pub username: String,
    #[schema(example = "admin")]
    pub role: Role,
    /// The caller's bloc; null for `admin` and `portal`.
    #[schema(example = json!(null))]
    pub bloc_id: Option<Uuid>,
    /// The province a `portal` account reads; null otherwise.
    #[schema(example = json!(null))]
    pub province: Option<String>,
    #[schema(example = true)]
    pub active: bool,
    /// The staff member the account belongs to, if any.
    #[schema(example = json!(null))]
    pub staff_id: Option<Uuid>,
    /// The caller's bloc by name; null for `admin` and `portal`.
    #[schema(example = "Khối cơ quan Mặt trận và các đoàn thể xã Hải Hà")]
    pub bloc_name: Option<String>,
    /// The person behind the account (null for the admin, portal accounts and accounts not
    /// linked to a staff member): what an app shows as "signed in as".
    pub person: Option<MePerson>,
    /// Someone else set the password: choose your own at `POST /me/password`; every other call
    /// but this one and sign-out answers `403 /problems/password-change-required` until then.
    #[schema(example = false)]
    pub must_change_password: bool,
    #[schema(example = "2026-01-25T01:30:00Z")]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "mật-khẩu-cũ-2016", "new_password": "mật-khẩu-mới-2017"}))]
pub struct ChangePassword {
    #[schema(format = Password)]
    pub current_password: String,
    /// 8–256 characters.
    #[schema(format = Password)]
    pub new_password: String,
}

/// The staff member an account belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct MePerson {
    #[schema(example = "0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1c")]
    pub staff_id: Uuid,
    #[schema(example = "Trần Văn Cường")]
    pub full_name: String,
    #[schema(example = "Phó Chủ tịch Ủy ban MTTQ xã")]
    pub position: Option<String>,
    pub sub_committee: Option<Named>,
    pub organisation: Option<Named>,
}

/// A resource by id with its display name, embedded so a client needs no second call.
#[derive(Debug, Serialize, ToSchema)]
pub struct Named {
    #[schema(example = "0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1d")]
    pub id: Uuid,
    #[schema(example = "Tiểu ban Kiểm tra – giám sát")]
    pub name: String,
}
