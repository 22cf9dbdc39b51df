use crate::entities::audit_entry;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// `bloc`, `account`, `organisation`, `sub_committee`, `staff`, `staff_assignment`, `unit`, …
    pub resource_type: Option<String>,
    pub resource_id: Option<Uuid>,
    /// The account that made the change.
    pub actor_id: Option<Uuid>,
    /// Changes at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Changes before this instant (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// One recorded write.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b011")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Option<Uuid>,
    /// Who: their staff id and full name (see `Person`).
    #[serde(rename = "actor")]
    #[schema(value_type = Option<crate::people::Person>)]
    pub actor_id: Option<Uuid>,
    /// `create`, `update`, `move`, …
    #[schema(example = "update")]
    pub action: String,
    #[schema(example = "organisation")]
    pub resource_type: String,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b014")]
    pub resource_id: Uuid,
    /// The changed fields with their values before and after.
    #[schema(schema_with = changes_schema)]
    pub changes: serde_json::Value,
    #[schema(example = "01a21945-3cce-729b-a98c-0d8cd3e3e449")]
    pub request_id: Option<String>,
    #[schema(example = "2016-01-25T02:00:00Z")]
    pub created_at: DateTime<Utc>,
}

impl From<audit_entry::Model> for AuditEntryDto {
    fn from(m: audit_entry::Model) -> Self {
        Self {
            id: m.id,
            bloc_id: m.bloc_id,
            actor_id: m.actor_id,
            action: m.action,
            resource_type: m.resource_type,
            resource_id: m.resource_id,
            changes: serde_json::from_str(&m.changes).unwrap_or(serde_json::Value::Null),
            request_id: m.request_id,
            created_at: m.created_at,
        }
    }
}

/// `{field: {"before": …, "after": …}}`, with an example (utoipa drops examples on free-form
/// objects declared inline).
pub fn changes_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Object)
        .description(Some("The changed fields with their values before and after."))
        .examples([serde_json::json!({"name": {"before": "Hội Nông dân", "after": "Hội Nông dân huyện Hải Hà"}})])
        .build()
}

crate::paged!(AuditQuery);
