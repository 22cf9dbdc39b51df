use crate::{str_enum, validate};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

str_enum!(Purpose {
    /// Theo dõi bầu cử (the 2016–2021 People's Council elections).
    ElectionMonitoring => "election_monitoring",
    /// Theo dõi, phụ trách cơ sở.
    GrassrootsFollowUp => "grassroots_follow_up",
    Other => "other",
});

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitAssignmentDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650f001")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b050")]
    pub staff_id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b030")]
    pub unit_id: Uuid,
    pub purpose: Purpose,
    #[schema(example = "2016-03-01")]
    pub start_on: NaiveDate,
    /// Null: open-ended.
    #[schema(example = "2016-05-31")]
    pub end_on: Option<NaiveDate>,
    #[schema(example = "Theo dõi công tác bầu cử đại biểu HĐND các cấp nhiệm kỳ 2016–2021")]
    pub notes: Option<String>,
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-02-25T03:00:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-02-25T03:00:00Z")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "staff_id": "01a21945-3cc4-77ec-a861-b9337650b050", "unit_id": "01a21945-3cc4-77ec-a861-b9337650b030",
    "purpose": "election_monitoring", "start_on": "2016-03-01", "end_on": "2016-05-31"
}))]
pub struct CreateUnitAssignment {
    /// An active staff member of the bloc.
    pub staff_id: Uuid,
    pub unit_id: Uuid,
    pub purpose: Purpose,
    pub start_on: NaiveDate,
    /// On or after `start_on`; omitted: open-ended.
    pub end_on: Option<NaiveDate>,
    pub notes: Option<String>,
}

/// Fields to change; omitted fields stay, `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"end_on": "2016-06-15"}))]
pub struct UpdateUnitAssignment {
    pub staff_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    pub purpose: Option<Purpose>,
    pub start_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    pub end_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UnitAssignmentQuery {
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
    pub unit_id: Option<Uuid>,
    pub staff_id: Option<Uuid>,
    pub purpose: Option<Purpose>,
    /// Assignments in force on this date.
    pub active_on: Option<NaiveDate>,
    /// `start_on` or `created_at`; `-` prefix for descending. Default: creation order.
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UncoveredQuery {
    pub purpose: Purpose,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period (default: `from`).
    pub to: Option<NaiveDate>,
    /// Only units of this kind (`commune`, `town`, …).
    pub unit_kind: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UncoveredUnit {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b030")]
    pub id: Uuid,
    #[schema(example = "Cái Chiên")]
    pub name: String,
    #[schema(example = "commune")]
    pub kind: String,
}

crate::paged!(UnitAssignmentQuery);
