use crate::entities::change;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeDto {
    /// Position in the feed: commit order, without gaps across the whole installation.
    #[schema(example = 1042)]
    pub seq: i64,
    #[schema(example = "task")]
    pub resource_type: String,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650e201")]
    pub resource_id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Option<Uuid>,
    /// `create` or `update` (nothing is deleted: corrections and cancellations are updates).
    #[schema(example = "update")]
    pub operation: String,
    /// What happened: `create`, `update`, or the move made (`assign`, `delegate`, `accept`,
    /// `decline`, `acknowledge`, `report`, …). A webhook's `events` may name it
    /// (`task.decline`) as well as the operation (`task.update`).
    #[schema(example = "decline")]
    pub action: Option<String>,
    /// The resource's version after the change, when it has one.
    #[schema(example = 3)]
    pub version: Option<i32>,
    #[schema(example = "2016-03-01T02:15:00Z")]
    pub changed_at: DateTime<Utc>,
    /// Where to read the resource now (for findings and task reports: their parent's list).
    #[schema(example = "/api/v1/tasks/01a21945-3cc4-77ec-a861-b9337650e201")]
    pub href: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    pub items: Vec<ChangeDto>,
    /// Pass as `after` next time; it stays the same while nothing new has been committed.
    #[schema(example = 1042)]
    pub next_after: i64,
    /// More changes are waiting: ask again at once.
    #[schema(example = false)]
    pub has_more: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChangeQuery {
    /// The `seq` last seen (0, the default, starts from the beginning).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Only changes of this resource type (`task`, `campaign`, …).
    pub resource_type: Option<String>,
}

/// A change as the feed and webhook deliveries show it.
pub fn to_dto(c: &change::Model, href: Option<String>) -> ChangeDto {
    ChangeDto {
        seq: c.seq,
        resource_type: c.resource_type.clone(),
        resource_id: c.resource_id,
        bloc_id: c.bloc_id,
        operation: c.operation.clone(),
        action: c.action.clone(),
        version: c.version,
        changed_at: c.changed_at,
        href,
    }
}
