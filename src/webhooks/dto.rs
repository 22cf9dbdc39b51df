use crate::changes::dto::ChangeDto;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650f301")]
    pub id: Uuid,
    /// The bloc whose changes it receives; null for an installation-wide hook (the admin's).
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Option<Uuid>,
    #[schema(example = "https://danvan.quangninh.gov.vn/hooks/khoi")]
    pub url: String,
    #[schema(example = "Đồng bộ nhiệm vụ sang cổng dân vận tỉnh")]
    pub description: String,
    /// Event patterns: `*`, `task.*`, `task.create`, `task.update`, …
    #[schema(example = json!(["task.*", "campaign_measurement.create"]))]
    pub events: Vec<String>,
    /// False once disabled by hand or after repeated failures (see `disabled_reason`).
    #[schema(example = true)]
    pub active: bool,
    #[schema(example = 0)]
    pub consecutive_failures: i32,
    #[schema(example = json!(null))]
    pub disabled_reason: Option<String>,
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-03-01T02:00:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-03-01T02:00:00Z")]
    pub updated_at: DateTime<Utc>,
}

/// A webhook with its signing secret: shown when created or rotated.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: WebhookDto,
    /// The HMAC-SHA256 key, in the Standard Webhooks form `whsec_<base64>`; keep it now.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://danvan.quangninh.gov.vn/hooks/khoi", "description": "Đồng bộ nhiệm vụ sang cổng dân vận tỉnh", "events": ["task.*"]}))]
pub struct CreateWebhook {
    /// An http or https URL, not this service itself.
    pub url: String,
    pub description: Option<String>,
    /// Event patterns (`*`, `<resource_type>.*`, `<resource_type>.create|update`); default `*`.
    pub events: Option<Vec<String>>,
}

/// Fields to change; omitted fields stay. `active: true` re-enables a disabled hook and clears
/// its failure count; deliveries held while it was disabled then go out.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": true}))]
pub struct UpdateWebhook {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<Vec<String>>,
    pub active: Option<bool>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WebhookQuery {
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

crate::str_enum!(DeliveryStatus {
    Pending => "pending",
    Delivered => "delivered",
    Failed => "failed",
});

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    /// Also the `webhook-id` header: the same on every retry, so a receiver can drop repeats.
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650d401")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650f301")]
    pub webhook_id: Uuid,
    #[schema(example = "task.update")]
    pub event: String,
    /// The change reported (null for a ping).
    #[schema(example = 1042)]
    pub seq: Option<i64>,
    /// `pending` (waiting or being retried), `delivered`, or `failed` (given up).
    pub status: DeliveryStatus,
    #[schema(example = 1)]
    pub attempts: i32,
    #[schema(example = "2016-03-01T02:15:10Z")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[schema(example = 204)]
    pub last_status_code: Option<i32>,
    #[schema(example = json!(null))]
    pub last_error: Option<String>,
    #[schema(example = 38)]
    pub last_duration_ms: Option<i32>,
    #[schema(example = "2016-03-01T02:15:01Z")]
    pub last_attempt_at: Option<DateTime<Utc>>,
    #[schema(example = "2016-03-01T02:15:01Z")]
    pub delivered_at: Option<DateTime<Utc>>,
    #[schema(example = "2016-03-01T02:15:00Z")]
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// `pending`, `delivered` or `failed`.
    pub status: Option<DeliveryStatus>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// What a receiver gets: the change as the feed shows it. Fetch the resource for its content.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPayload {
    /// The delivery's id (as the `webhook-id` header).
    pub id: Uuid,
    #[schema(example = "task.update")]
    pub event: String,
    pub webhook_id: Uuid,
    /// Null for a ping.
    pub change: Option<ChangeDto>,
}

crate::paged!(DeliveryQuery, WebhookQuery);
