use crate::{str_enum, validate};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

str_enum!(DispatchStatus {
    /// Sent, not yet acknowledged.
    Sent => "sent",
    /// Acknowledged by the unit, no report back yet.
    Acknowledged => "acknowledged",
    /// The unit reported back what it did.
    Reported => "reported",
});

#[derive(Debug, Serialize, ToSchema)]
pub struct DispatchDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650f101")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b013")]
    pub directive_id: Uuid,
    /// The unit it was sent to, or `null` when it went to a child bloc.
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b030")]
    pub unit_id: Option<Uuid>,
    /// The child bloc it was sent to: that bloc's people acknowledge and report back
    /// themselves.
    #[schema(example = json!(null))]
    pub to_bloc_id: Option<Uuid>,
    #[schema(example = "2016-01-12")]
    pub sent_on: NaiveDate,
    /// When the report back is due.
    #[schema(example = "2016-02-15")]
    pub due_on: Option<NaiveDate>,
    #[schema(example = "2016-01-14")]
    pub acknowledged_on: Option<NaiveDate>,
    #[schema(example = json!(null))]
    pub reported_on: Option<NaiveDate>,
    /// What the unit reported it did.
    #[schema(example = json!(null))]
    pub report: Option<String>,
    /// The evidence of the report back (the signed minute, photos), uploaded by whoever
    /// reports: the child bloc's people for a bloc, the sender for a unit.
    pub attachments: Vec<crate::files::dto::FileRef>,
    pub status: DispatchStatus,
    /// Not reported back and past `due_on`.
    #[schema(example = false)]
    pub overdue: bool,
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-01-12T03:00:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-01-12T03:00:00Z")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_ids": ["01a21945-3cc4-77ec-a861-b9337650b030"], "sent_on": "2016-01-12", "due_on": "2016-02-15"}))]
pub struct NewDispatch {
    /// Units of the bloc it has not been sent to yet.
    #[serde(default)]
    pub unit_ids: Vec<Uuid>,
    /// Child blocs it has not been sent to yet; 1 to 500 units and blocs in all.
    #[serde(default)]
    pub bloc_ids: Vec<Uuid>,
    /// Not in the future nor before the directive was issued.
    pub sent_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
}

/// The acknowledgement and report back: recorded by the sender for a unit, made by the child
/// bloc's own people for a bloc (the sender then changes only `due_on`). Reporting implies
/// acknowledging: without `acknowledged_on`, it is the report's date.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reported_on": "2016-02-10", "report": "Đã quán triệt đến 100% chi bộ, chi hội."}))]
pub struct UpdateDispatch {
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    pub acknowledged_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    pub reported_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub report: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Option<Option<NaiveDate>>,
    /// Files to attach to the report besides those already attached (uploaded with
    /// `POST /files` by the reporting bloc, at most 20, not attached elsewhere); by whoever
    /// reports back.
    pub attachments: Option<Vec<Uuid>>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DispatchQuery {
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
    pub directive_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    pub to_bloc_id: Option<Uuid>,
    /// `true`: the dispatches the caller's bloc received from its parent, instead of those it
    /// sent.
    pub received: Option<bool>,
    pub status: Option<DispatchStatus>,
    /// `true`: only those not reported back (sent or acknowledged): who has not acted.
    pub pending: Option<bool>,
    /// `true`: only those past their due date without a report.
    pub overdue: Option<bool>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

crate::paged!(DispatchQuery);
