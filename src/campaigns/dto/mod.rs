mod standing;
pub use standing::*;

use super::progress::Aggregation;
use crate::validate;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CampaignKind {
    /// Phong trào thi đua: an emulation movement.
    Movement,
    /// Cuộc vận động: a drive.
    Drive,
    /// A fund, e.g. Day for the Poor (Ngày vì người nghèo).
    Fund,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Planned,
    Active,
    Closed,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Planned => "planned",
            CampaignStatus::Active => "active",
            CampaignStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "planned" => CampaignStatus::Planned,
            "active" => CampaignStatus::Active,
            "closed" => CampaignStatus::Closed,
            _ => return None,
        })
    }
    /// planned → active → closed; a campaign may close without starting, and reopen to take
    /// figures that arrive late.
    pub fn allowed_next(self) -> &'static [CampaignStatus] {
        match self {
            CampaignStatus::Planned => &[CampaignStatus::Active, CampaignStatus::Closed],
            CampaignStatus::Active => &[CampaignStatus::Closed],
            CampaignStatus::Closed => &[CampaignStatus::Active],
        }
    }
}

impl CampaignKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignKind::Movement => "movement",
            CampaignKind::Drive => "drive",
            CampaignKind::Fund => "fund",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "movement" => CampaignKind::Movement,
            "drive" => CampaignKind::Drive,
            "fund" => CampaignKind::Fund,
            _ => return None,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c001")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Uuid,
    #[schema(example = "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh")]
    pub name: String,
    pub kind: CampaignKind,
    #[schema(example = "Cuộc vận động của Mặt trận Tổ quốc Việt Nam.")]
    pub description: Option<String>,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b020")]
    pub lead_organisation_id: Uuid,
    /// Other organisations taking part.
    #[schema(example = json!(["01a21945-3cc4-77ec-a861-b9337650b021", "01a21945-3cc4-77ec-a861-b9337650b022"]))]
    pub participating_organisation_ids: Vec<Uuid>,
    #[schema(example = "2016-01-01")]
    pub start_on: NaiveDate,
    #[schema(example = "2017-12-31")]
    pub end_on: NaiveDate,
    pub status: CampaignStatus,
    /// The statuses this caller may move it to now (empty unless they run it: the bloc head, or
    /// the leader of its lead organisation).
    #[schema(example = json!(["closed"]))]
    pub allowed_statuses: Vec<CampaignStatus>,
    /// Tasks linked to the campaign that are not finished (drafts included).
    #[schema(example = 3)]
    pub open_tasks: i64,
    /// Open linked tasks past their due date (Vietnam's calendar).
    #[schema(example = 1)]
    pub overdue_tasks: i64,
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    /// The parent bloc's campaign this one joined by cascade: its progress counts there.
    #[schema(example = json!(null))]
    pub parent_campaign_id: Option<Uuid>,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-01-09T01:30:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-01-09T01:30:00Z")]
    pub updated_at: DateTime<Utc>,
}

/// Cascade a campaign to child blocs: each joins with its own linked campaign and targets.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bloc_ids": ["01a21945-3cc4-77ec-a861-b9337650b031"]}))]
pub struct NewCascade {
    /// Child blocs of the campaign's bloc (1 to 500) it was not cascaded to yet. Each needs a
    /// `fatherland_front` organisation, which leads its campaign.
    pub bloc_ids: Vec<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh",
    "kind": "drive",
    "lead_organisation_id": "01a21945-3cc4-77ec-a861-b9337650b020",
    "participating_organisation_ids": [],
    "start_on": "2016-01-01", "end_on": "2017-12-31"
}))]
pub struct CreateCampaign {
    /// Unique in the bloc (case and diacritics ignored).
    pub name: String,
    pub kind: CampaignKind,
    pub description: Option<String>,
    pub lead_organisation_id: Uuid,
    #[serde(default)]
    pub participating_organisation_ids: Vec<Uuid>,
    pub start_on: NaiveDate,
    /// On or after `start_on`.
    pub end_on: NaiveDate,
    /// Default `planned`.
    pub status: Option<CampaignStatus>,
}

/// Fields to change; omitted fields stay. A status change must be one of `allowed_statuses`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "active"}))]
pub struct UpdateCampaign {
    pub name: Option<String>,
    pub kind: Option<CampaignKind>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub lead_organisation_id: Option<Uuid>,
    pub participating_organisation_ids: Option<Vec<Uuid>>,
    pub start_on: Option<NaiveDate>,
    pub end_on: Option<NaiveDate>,
    pub status: Option<CampaignStatus>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CampaignQuery {
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
    pub status: Option<CampaignStatus>,
    pub kind: Option<CampaignKind>,
    pub lead_organisation_id: Option<Uuid>,
    /// Campaigns running on this date (start_on ≤ date ≤ end_on).
    pub running_on: Option<NaiveDate>,
    /// Words of the name or description; case and diacritics are ignored.
    pub q: Option<String>,
    /// `start_on` or `created_at`; `-` prefix for descending. Default: creation order.
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// What a figure is counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// 0 to 100.
    Percent,
    /// A whole number of things (households, people).
    Count,
    /// Đồng, whole.
    Vnd,
    /// A whole number of units (communes, residential areas).
    Units,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Percent => "percent",
            Measure::Count => "count",
            Measure::Vnd => "vnd",
            Measure::Units => "units",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "percent" => Measure::Percent,
            "count" => Measure::Count,
            "vnd" => Measure::Vnd,
            "units" => Measure::Units,
            _ => return None,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c101")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c001")]
    pub campaign_id: Uuid,
    #[schema(example = "Tỷ lệ hộ đạt danh hiệu gia đình văn hóa")]
    pub indicator: String,
    pub measure: Measure,
    pub aggregation: Aggregation,
    /// The kind of unit that reports (`commune`); null: every unit of the bloc.
    #[schema(example = "commune")]
    pub unit_kind: Option<String>,
    #[schema(example = 75.0)]
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
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    /// The parent campaign's target this one answers to (a cascaded campaign's).
    #[schema(example = json!(null))]
    pub parent_target_id: Option<Uuid>,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-07-01T02:00:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-07-01T02:00:00Z")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "indicator": "Tỷ lệ hộ đạt danh hiệu gia đình văn hóa",
    "measure": "percent", "aggregation": "ratio",
    "baseline_value": 75, "baseline_on": "2016-01-01",
    "target_value": 85, "due_on": "2017-12-31"
}))]
pub struct CreateTarget {
    pub indicator: String,
    pub measure: Measure,
    /// `ratio` needs `measure: percent`.
    pub aggregation: Aggregation,
    /// Only units of this kind report (`commune`); omitted: every unit of the bloc.
    pub unit_kind: Option<String>,
    /// Default 0.
    pub baseline_value: Option<f64>,
    /// Default: the campaign's start.
    pub baseline_on: Option<NaiveDate>,
    pub target_value: f64,
    /// Within the campaign, after `baseline_on`.
    #[serde(rename = "due_on")]
    pub deadline: NaiveDate,
    /// Default true.
    pub higher_is_better: Option<bool>,
}

/// Fields to change; omitted fields stay. `measure` and `aggregation` are fixed once figures
/// exist.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"target_value": 90}))]
pub struct UpdateTarget {
    pub indicator: Option<String>,
    pub measure: Option<Measure>,
    pub aggregation: Option<Aggregation>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub unit_kind: Option<Option<String>>,
    pub baseline_value: Option<f64>,
    pub baseline_on: Option<NaiveDate>,
    pub target_value: Option<f64>,
    #[serde(rename = "due_on")]
    pub deadline: Option<NaiveDate>,
    pub higher_is_better: Option<bool>,
}

/// One figure, or a reporting round: a list of 1 to 1,000 figures, recorded all or none.
#[derive(Debug)]
pub struct MeasurementBody(pub crate::extract::OneOrMany<NewMeasurement>);

impl<'de> Deserialize<'de> for MeasurementBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::extract::OneOrMany::deserialize(d).map(MeasurementBody)
    }
}

impl utoipa::PartialSchema for MeasurementBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, OneOfBuilder, Ref};
        OneOfBuilder::new()
            .item(Ref::from_schema_name("NewMeasurement"))
            .item(
                ArrayBuilder::new()
                    .items(Ref::from_schema_name("NewMeasurement"))
                    .min_items(Some(1))
                    .max_items(Some(1000)),
            )
            .into()
    }
}

impl ToSchema for MeasurementBody {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((
            "NewMeasurement".into(),
            <NewMeasurement as utoipa::PartialSchema>::schema(),
        ));
        <NewMeasurement as ToSchema>::schemas(schemas);
    }
}

/// What recording figures answers: the figure, or the round.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum MeasurementOrRound {
    One(Box<MeasurementDto>),
    Round(MeasurementRound),
}

/// A reporting round as recorded: every figure, in the order sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasurementRound {
    pub items: Vec<MeasurementDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasurementDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c201")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c001")]
    pub campaign_id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c101")]
    pub target_id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b030")]
    pub unit_id: Uuid,
    #[schema(example = "2016-06-30")]
    #[serde(rename = "measured_on")]
    pub as_of: NaiveDate,
    /// For `sum` and `average` targets.
    #[schema(example = json!(null))]
    pub value: Option<f64>,
    /// For `ratio` targets.
    #[schema(example = 2050)]
    pub numerator: Option<f64>,
    #[schema(example = 2500)]
    pub denominator: Option<f64>,
    /// For `count_true` targets.
    #[schema(example = json!(null))]
    pub met: Option<bool>,
    #[schema(example = "Báo cáo của UBND xã")]
    pub source: Option<String>,
    /// Links (http or https) to the report, minutes or photos behind the figure.
    #[schema(example = json!(["https://haiha.quangninh.gov.vn/bao-cao/so-ket-6-thang-2016.pdf"]))]
    pub evidence: Vec<String>,
    /// The files attached: the tally, the minutes, photos.
    pub attachments: Vec<crate::files::dto::FileRef>,
    #[schema(example = json!(null))]
    pub note: Option<String>,
    /// The figure this one corrects.
    #[schema(example = json!(null))]
    pub supersedes_id: Option<Uuid>,
    /// The correction that replaced this figure; a superseded figure no longer counts.
    #[schema(example = json!(null))]
    pub superseded_by: Option<Uuid>,
    /// The account that recorded it.
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub recorded_by: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b015")]
    pub recorded_by_staff_id: Option<Uuid>,
    #[schema(example = "2016-07-01T02:00:00Z")]
    pub created_at: DateTime<Utc>,
}

/// One unit's figure: `value`, or `numerator` and `denominator`, or `met`, as the target's
/// aggregation needs. To correct a figure, send a new one with `supersedes_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit_id": "01a21945-3cc4-77ec-a861-b9337650b030", "measured_on": "2016-06-30",
    "numerator": 2050, "denominator": 2500, "source": "Báo cáo của UBND xã Quảng Đức"
}))]
pub struct NewMeasurement {
    pub unit_id: Uuid,
    /// Within the campaign and not in the future.
    #[serde(rename = "measured_on")]
    pub as_of: NaiveDate,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub met: Option<bool>,
    pub source: Option<String>,
    /// Links (http or https) to the report, minutes or photos behind the figure; at most 20.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Files uploaded with `POST /files` (at most 20, of the bloc, not attached elsewhere).
    #[serde(default)]
    pub attachments: Vec<Uuid>,
    pub note: Option<String>,
    /// The figure of the same unit this one corrects; it stays in the history but stops counting.
    pub supersedes_id: Option<Uuid>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MeasurementQuery {
    pub unit_id: Option<Uuid>,
    /// `false` (default) lists every figure, corrected ones included; `true` only those that count.
    pub current_only: Option<bool>,
    #[serde(rename = "measured_from")]
    pub as_of_from: Option<NaiveDate>,
    #[serde(rename = "measured_to")]
    pub as_of_to: Option<NaiveDate>,
    /// `measured_on` or `created_at`; `-` prefix for descending. Default: creation order.
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    Registered,
    Recognised,
    Withdrawn,
}

impl RegistrationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Registered => "registered",
            RegistrationStatus::Recognised => "recognised",
            RegistrationStatus::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "registered" => RegistrationStatus::Registered,
            "recognised" => RegistrationStatus::Recognised,
            "withdrawn" => RegistrationStatus::Withdrawn,
            _ => return None,
        })
    }
    /// registered → recognised; either → withdrawn (final).
    pub fn allowed_next(self) -> &'static [RegistrationStatus] {
        match self {
            RegistrationStatus::Registered => &[
                RegistrationStatus::Recognised,
                RegistrationStatus::Withdrawn,
            ],
            RegistrationStatus::Recognised => &[RegistrationStatus::Withdrawn],
            RegistrationStatus::Withdrawn => &[],
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c301")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c001")]
    pub campaign_id: Uuid,
    /// The grassroots unit that registered, or
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b030")]
    pub unit_id: Option<Uuid>,
    /// the organisation that registered.
    #[schema(example = json!(null))]
    pub organisation_id: Option<Uuid>,
    #[schema(example = "Mô hình \"Dân vận khéo\" trong xây dựng nông thôn mới")]
    pub title: String,
    #[schema(example = "2016-03-15")]
    pub registered_on: NaiveDate,
    pub status: RegistrationStatus,
    /// The statuses this caller may move it to now: recognising is the campaign leaders', any
    /// cadre may withdraw an entry; none once the campaign is closed.
    #[schema(example = json!(["recognised", "withdrawn"]))]
    pub allowed_statuses: Vec<RegistrationStatus>,
    #[schema(example = json!(null))]
    pub note: Option<String>,
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    /// The files attached: the model's photos, its certificate.
    pub attachments: Vec<crate::files::dto::FileRef>,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-07-01T02:00:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-07-01T02:00:00Z")]
    pub updated_at: DateTime<Utc>,
}

/// A unit or an organisation (exactly one) registers a model or entry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit_id": "01a21945-3cc4-77ec-a861-b9337650b030",
    "title": "Mô hình \"Dân vận khéo\" trong xây dựng nông thôn mới",
    "registered_on": "2016-03-15"
}))]
pub struct NewRegistration {
    pub unit_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    pub title: String,
    /// Within the campaign and not in the future.
    pub registered_on: NaiveDate,
    pub note: Option<String>,
    /// Files uploaded with `POST /files` (at most 20, of the bloc, not attached elsewhere): the
    /// model's photos, its certificate.
    #[serde(default)]
    pub attachments: Vec<Uuid>,
}

/// `status` moves as `allowed_statuses` says: recognising takes the campaign's leader (or the
/// bloc head); any cadre of the bloc withdraws an entry that is not yet recognised.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "recognised"}))]
pub struct UpdateRegistration {
    pub title: Option<String>,
    pub status: Option<RegistrationStatus>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub note: Option<Option<String>>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RegistrationQuery {
    /// Only what changed at or after this instant (RFC 3339; the largest `updated_at` the
    /// client has seen).
    #[param(example = "2016-06-30T08:00:00+07:00")]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only these items: 1 to 100 ids, comma-separated.
    pub ids: Option<String>,
    pub status: Option<RegistrationStatus>,
    pub unit_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

crate::paged!(
    CampaignQuery,
    CampaignReportQuery,
    MeasurementQuery,
    RegistrationQuery
);
