use crate::{entities::province, validate};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProvinceDto {
    #[schema(example = "019ac000-0000-7000-8000-00000000000a")]
    pub id: Uuid,
    /// The two-digit code of Decision 19/2025/QĐ-TTg; `null` where it was not confirmed.
    #[schema(example = "22")]
    pub code: Option<String>,
    #[schema(example = "Quảng Ninh")]
    pub name: String,
    #[schema(example = "Tỉnh Quảng Ninh")]
    pub full_name: String,
    #[schema(example = "2025-07-01")]
    pub valid_from: Option<NaiveDate>,
    /// The last day it existed; `null` while it exists.
    #[schema(example = json!(null))]
    pub valid_to: Option<NaiveDate>,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2025-07-01T00:00:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2025-07-01T00:00:00Z")]
    pub updated_at: DateTime<Utc>,
}

impl From<province::Model> for ProvinceDto {
    fn from(m: province::Model) -> Self {
        Self {
            id: m.id,
            code: m.code,
            name: m.name,
            full_name: m.full_name,
            valid_from: m.valid_from,
            valid_to: m.valid_to,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A province of an earlier map, for the history of blocs that belonged to it (admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Hải Dương", "full_name": "Tỉnh Hải Dương", "code": "30", "valid_to": "2025-06-30"}))]
pub struct NewProvince {
    pub name: String,
    /// Defaults to the name.
    pub full_name: Option<String>,
    /// Two digits.
    pub code: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// Fields to change; omitted fields stay, `null` clears an optional one. The short name does
/// not change: blocs and accounts are matched by it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "24"}))]
pub struct UpdateProvince {
    pub full_name: Option<String>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub code: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    pub valid_from: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    pub valid_to: Option<Option<NaiveDate>>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProvinceQuery {
    /// Only what changed at or after this instant (RFC 3339; the largest `updated_at` the
    /// client has seen).
    #[param(example = "2016-06-30T08:00:00+07:00")]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only these items: 1 to 100 ids, comma-separated.
    pub ids: Option<String>,
    /// `true`: only those that exist today; `false`: only those that no longer do.
    pub current: Option<bool>,
    /// Words of the name; case and diacritics are ignored (`q=quang ninh`).
    pub q: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
