use crate::{entities::sub_committee, validate};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct SubCommitteeDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b011")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Uuid,
    #[schema(example = "KTGS")]
    pub code: String,
    #[schema(example = "Tiểu ban Kiểm tra – giám sát")]
    pub name: String,
    #[schema(example = "Kiểm tra, giám sát việc thực hiện nhiệm vụ của Khối và các đoàn thể.")]
    pub mandate: Option<String>,
    /// The bloc head or a deputy head of the same bloc.
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b013")]
    pub head_staff_id: Option<Uuid>,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-01-25T01:30:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-01-25T01:30:00Z")]
    pub updated_at: DateTime<Utc>,
}

impl From<sub_committee::Model> for SubCommitteeDto {
    fn from(m: sub_committee::Model) -> Self {
        Self {
            id: m.id,
            bloc_id: m.bloc_id,
            code: m.code,
            name: m.name,
            mandate: m.mandate,
            head_staff_id: m.head_staff_id,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "KTGS", "name": "Tiểu ban Kiểm tra – giám sát", "mandate": "Kiểm tra, giám sát việc thực hiện nhiệm vụ."}))]
pub struct CreateSubCommittee {
    /// Unique in the bloc; stored in upper case without diacritics.
    pub code: String,
    pub name: String,
    pub mandate: Option<String>,
    /// Must be the bloc head or a deputy head of the same bloc.
    pub head_staff_id: Option<Uuid>,
}

/// Fields to change; omitted fields stay, `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"mandate": "Kiểm tra, giám sát và giải quyết khiếu nại."}))]
pub struct UpdateSubCommittee {
    pub code: Option<String>,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub mandate: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<Uuid>)]
    pub head_staff_id: Option<Option<Uuid>>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SubCommitteeQuery {
    /// Only what changed at or after this instant (RFC 3339; the largest `updated_at` the
    /// client has seen): a phone syncs what changed since its last sync.
    #[param(example = "2016-06-30T08:00:00+07:00")]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only these items: 1 to 100 ids, comma-separated (a phone refreshing what it holds).
    pub ids: Option<String>,
    /// One bloc of those the caller reads (the portal: of its province; the admin: any).
    pub bloc_id: Option<Uuid>,
    /// The blocs of one province (the admin; name, case and diacritics ignored).
    pub province: Option<String>,
    pub head_staff_id: Option<Uuid>,
    /// Words of the name or code; case and diacritics are ignored (`q=kiem tra`).
    pub q: Option<String>,
    /// `code`, `name`; `-` prefix for descending. Default: creation order.
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

crate::paged!(SubCommitteeQuery);
