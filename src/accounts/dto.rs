use crate::{auth::Role, entities::account};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A sign-in account. The password is never returned.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b011")]
    pub id: Uuid,
    #[schema(example = "hoa.nt")]
    pub username: String,
    #[schema(example = "bloc_head")]
    pub role: Role,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Option<Uuid>,
    /// The staff member who signs in with it; their role and bloc are what tokens carry.
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b013")]
    pub staff_id: Option<Uuid>,
    /// For `portal` accounts: the province they read.
    #[schema(example = json!(null))]
    pub province: Option<String>,
    /// For `portal` accounts: the province's record.
    #[schema(example = json!(null))]
    pub province_id: Option<Uuid>,
    #[schema(example = true)]
    pub active: bool,
    /// Someone else set its password: until its person chooses their own at
    /// `POST /me/password`, every other call answers `403 /problems/password-change-required`.
    #[schema(example = false)]
    pub must_change_password: bool,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-01-25T01:30:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-01-25T01:30:00Z")]
    pub updated_at: DateTime<Utc>,
}

impl From<account::Model> for AccountDto {
    fn from(m: account::Model) -> Self {
        Self {
            id: m.id,
            username: m.username,
            role: Role::parse(&m.role).unwrap_or(Role::Staff),
            bloc_id: m.bloc_id,
            staff_id: m.staff_id,
            province: m.province,
            province_id: m.province_id,
            active: m.active,
            must_change_password: m.must_change_password,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "username": "hoa.nt", "password": "mật-khẩu-ban-đầu",
    "staff_id": "01a21945-3cc4-77ec-a861-b9337650b013"
}))]
pub struct CreateAccount {
    /// 3–64 characters of `a-z 0-9 . _ -`; case-insensitive.
    pub username: String,
    /// 8–256 characters.
    #[schema(format = Password)]
    pub password: String,
    /// With `staff_id`, taken from the staff member (and must match if given). A bloc head
    /// may create only `bloc_head`, `deputy_head` and `staff` accounts.
    pub role: Option<Role>,
    /// Required for bloc roles without `staff_id` (admin only; the bloc head's own bloc is implied).
    pub bloc_id: Option<Uuid>,
    pub staff_id: Option<Uuid>,
    /// For `portal`, its province by name (case and diacritics ignored), or `province_id`.
    pub province: Option<String>,
    /// For `portal`, its province's record (`/provinces`).
    pub province_id: Option<Uuid>,
}

/// Fields to change. Setting a password revokes the account's refresh tokens; so does
/// deactivating it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"password": "mật-khẩu-mới-2016"}))]
pub struct UpdateAccount {
    #[schema(format = Password)]
    pub password: Option<String>,
    pub active: Option<bool>,
    /// Links the account to a staff member of its bloc who has none yet and whose role is the
    /// account's, or `null` to unlink it. What the person heads then decides what the account
    /// may do.
    #[serde(default, deserialize_with = "crate::validate::patch")]
    #[schema(value_type = Option<Uuid>)]
    pub staff_id: Option<Option<Uuid>>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AccountQuery {
    /// Only what changed at or after this instant (RFC 3339; the largest `updated_at` the
    /// client has seen).
    #[param(example = "2016-06-30T08:00:00+07:00")]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only these items: 1 to 100 ids, comma-separated.
    pub ids: Option<String>,
    pub role: Option<Role>,
    pub bloc_id: Option<Uuid>,
    pub staff_id: Option<Uuid>,
    pub active: Option<bool>,
    /// The start of the username.
    pub q: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

crate::paged!(AccountQuery);
