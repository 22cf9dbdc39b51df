//! What a campaign's standing reads as: progress per target and unit, the monthly series, and
//! the campaigns report.
use super::{CampaignKind, CampaignStatus, Measure};
use crate::campaigns::progress::Aggregation;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProgressQuery {
    /// Default: today (Vietnam).
    pub as_of: Option<NaiveDate>,
    /// Units whose latest figure is older than this are listed as not reported. Default: the
    /// first day of `as_of`'s month.
    #[serde(rename = "reported_from")]
    pub reported_since: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitRef {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b030")]
    pub id: Uuid,
    #[schema(example = "Quảng Đức")]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitFigure {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b030")]
    pub unit_id: Uuid,
    #[schema(example = "Quảng Đức")]
    pub unit_name: String,
    /// The figure that counts, null when the unit has none yet.
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c201")]
    pub measurement_id: Option<Uuid>,
    #[schema(example = "2016-06-30")]
    #[serde(rename = "measured_on")]
    pub as_of: Option<NaiveDate>,
    #[schema(example = json!(null))]
    pub value: Option<f64>,
    #[schema(example = 3476.0)]
    pub numerator: Option<f64>,
    #[schema(example = 4240.0)]
    pub denominator: Option<f64>,
    #[schema(example = json!(null))]
    pub met: Option<bool>,
    /// Its latest figure is on or after `reported_from`.
    #[schema(example = true)]
    pub reported: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesPoint {
    #[schema(example = "2016-06")]
    pub month: String,
    /// The bloc's figure at the month's end.
    #[schema(example = 82.0)]
    pub value: Option<f64>,
    #[schema(example = 16)]
    pub units_reporting: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetProgress {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c101")]
    pub target_id: Uuid,
    #[schema(example = "Tỷ lệ hộ đạt danh hiệu gia đình văn hóa")]
    pub indicator: String,
    pub measure: Measure,
    pub aggregation: Aggregation,
    #[schema(example = json!(null))]
    pub unit_kind: Option<String>,
    #[schema(example = 78.0)]
    pub baseline_value: f64,
    #[schema(example = "2016-01-01")]
    pub baseline_on: NaiveDate,
    #[schema(example = 85.0)]
    pub target_value: f64,
    #[schema(example = "2017-12-31")]
    #[serde(rename = "due_on")]
    pub deadline: NaiveDate,
    #[schema(example = true)]
    pub higher_is_better: bool,
    /// The bloc's figure from each unit's latest figure; null before any unit reports.
    #[schema(example = 82.0)]
    pub value: Option<f64>,
    /// `ratio`: the sums behind the percent.
    #[schema(example = 20705.0)]
    pub numerator: Option<f64>,
    #[schema(example = 25250.0)]
    pub denominator: Option<f64>,
    /// `count_true`: units that meet it, out of `units_in_scope`.
    #[schema(example = json!(null))]
    pub units_met: Option<i64>,
    /// Units expected to report (of `unit_kind`).
    #[schema(example = 16)]
    pub units_in_scope: i64,
    #[schema(example = 16)]
    pub units_reporting: i64,
    /// 0 at the baseline, 100 at the target.
    #[schema(example = 57.1429)]
    pub percent_of_way: Option<f64>,
    /// Where a straight line from baseline to target stands on `as_of`.
    #[schema(example = 79.8795)]
    pub expected_value: f64,
    /// At or ahead of that line; null before any unit reports.
    #[schema(example = true)]
    pub on_track: Option<bool>,
    /// Units with no figure since `reported_from`.
    pub not_reported: Vec<UnitRef>,
    /// Each unit in scope.
    pub units: Vec<UnitFigure>,
    /// The bloc's figure at each month's end, from the baseline's month to `as_of`.
    pub series: Vec<SeriesPoint>,
    /// A cascaded campaign: the figure of each bloc counted (this one and every child that
    /// joined), from its own units by the same aggregation. Empty otherwise.
    pub blocs: Vec<BlocFigure>,
}

/// One bloc's part of a cascaded campaign's figure.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlocFigure {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b031")]
    pub bloc_id: Uuid,
    #[schema(example = "Khối xã Quảng Tân")]
    pub bloc_name: String,
    #[schema(example = 81.5)]
    pub value: Option<f64>,
    #[schema(example = 815.0)]
    pub numerator: Option<f64>,
    #[schema(example = 1000.0)]
    pub denominator: Option<f64>,
    #[schema(example = 5)]
    pub units_in_scope: i64,
    #[schema(example = 5)]
    pub units_reporting: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignProgress {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c001")]
    pub campaign_id: Uuid,
    #[schema(example = "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh")]
    pub name: String,
    pub status: CampaignStatus,
    #[schema(example = "2016-12-31")]
    pub as_of: NaiveDate,
    #[schema(example = "2016-12-01")]
    #[serde(rename = "reported_from")]
    pub reported_since: NaiveDate,
    #[schema(example = 3)]
    pub open_tasks: i64,
    #[schema(example = 1)]
    pub overdue_tasks: i64,
    pub targets: Vec<TargetProgress>,
}

/// A target's headline figures, for reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetHeadline {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c101")]
    pub target_id: Uuid,
    #[schema(example = "Số xã đạt chuẩn nông thôn mới")]
    pub indicator: String,
    pub measure: Measure,
    pub aggregation: Aggregation,
    #[schema(example = 4.0)]
    pub value: Option<f64>,
    #[schema(example = 6.0)]
    pub target_value: f64,
    #[schema(example = "2017-12-31")]
    #[serde(rename = "due_on")]
    pub deadline: NaiveDate,
    #[schema(example = 16)]
    pub units_in_scope: i64,
    #[schema(example = 16)]
    pub units_reporting: i64,
    #[schema(example = 57.1429)]
    pub percent_of_way: Option<f64>,
    #[schema(example = true)]
    pub on_track: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignReport {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c001")]
    pub campaign_id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Uuid,
    #[schema(example = "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh")]
    pub name: String,
    pub kind: CampaignKind,
    pub status: CampaignStatus,
    #[schema(example = "2016-01-01")]
    pub start_on: NaiveDate,
    #[schema(example = "2017-12-31")]
    pub end_on: NaiveDate,
    #[schema(example = 3)]
    pub open_tasks: i64,
    #[schema(example = 1)]
    pub overdue_tasks: i64,
    pub targets: Vec<TargetHeadline>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CampaignReportQuery {
    /// One bloc of those the caller reads (the portal: of its province; the admin: any).
    pub bloc_id: Option<Uuid>,
    /// The blocs of one province (the admin; name, case and diacritics ignored).
    pub province: Option<String>,
    /// Default: today (Vietnam).
    pub as_of: Option<NaiveDate>,
    pub status: Option<CampaignStatus>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
