use crate::campaigns::dto::{CampaignStatus, TargetHeadline};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    /// The province (diacritics and case ignored). The portal: its own (the default);
    /// a bloc's people: their bloc's; the admin: any (default: every bloc).
    #[param(example = "Quảng Ninh")]
    pub province: Option<String>,
    /// One bloc of the province only.
    pub bloc_id: Option<Uuid>,
    /// Start of the period (default: 1 January of `to`'s year).
    pub from: Option<NaiveDate>,
    /// End of the period (default: today).
    pub to: Option<NaiveDate>,
}

/// Tasks by deadline standing, as the task list shows it today.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct StandingCounts {
    #[schema(example = 12)]
    pub open_within_deadline: i64,
    #[schema(example = 3)]
    pub overdue: i64,
    #[schema(example = 40)]
    pub completed_on_time: i64,
    #[schema(example = 5)]
    pub completed_late: i64,
    #[schema(example = 60)]
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupCounts {
    /// The organisation or sub-committee; null for tasks without one.
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650a101")]
    pub id: Option<Uuid>,
    #[schema(example = "HND")]
    pub code: Option<String>,
    #[schema(example = "Hội Nông dân xã Hải Hà")]
    pub name: Option<String>,
    pub tasks: StandingCounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskSummary {
    pub by_standing: StandingCounts,
    pub by_organisation: Vec<GroupCounts>,
    pub by_sub_committee: Vec<GroupCounts>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignSummary {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c001")]
    pub campaign_id: Uuid,
    /// The parent bloc's campaign it joined by cascade; a parent's own figures count its
    /// children's units.
    #[schema(example = json!(null))]
    pub parent_campaign_id: Option<Uuid>,
    #[schema(example = "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh")]
    pub name: String,
    pub status: CampaignStatus,
    pub targets: Vec<TargetHeadline>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct SupervisionSummary {
    /// Supervisions started in the period (planned ones not counted).
    #[schema(example = 4)]
    pub held: i64,
    #[schema(example = 10)]
    pub recommendations: i64,
    #[schema(example = 7)]
    pub implemented: i64,
    /// Open or accepted, not yet implemented.
    #[schema(example = 2)]
    pub pending: i64,
    /// Implemented ÷ recommendations, in percent; null without recommendations.
    #[schema(example = 70.0)]
    pub implementation_rate: Option<f64>,
}

/// A bloc's answer to the work its parent sent down.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ReceivedWork {
    /// Tasks delegated to it, opened in the period or still open.
    #[schema(example = 3)]
    pub delegated: i64,
    #[schema(example = 0)]
    pub awaiting_answer: i64,
    #[schema(example = 1)]
    pub declined: i64,
    #[schema(example = 2)]
    pub completed_on_time: i64,
    #[schema(example = 0)]
    pub completed_late: i64,
    #[schema(example = 0)]
    pub overdue: i64,
    #[schema(example = 0)]
    pub open_within_deadline: i64,
    /// Campaigns of its parent it joined, running in the period.
    #[schema(example = 1)]
    pub cascaded_campaigns: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BlocSummary {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Uuid,
    #[schema(example = "Khối cơ quan Mặt trận và các đoàn thể xã Hải Hà")]
    pub name: String,
    #[schema(example = "commune")]
    pub level: String,
    /// The bloc above it: the one that sends it work.
    #[schema(example = json!(null))]
    pub parent_id: Option<Uuid>,
    pub tasks: TaskSummary,
    /// Work its parent bloc sent down to it: the tasks delegated to it (by status and standing
    /// today) and the campaigns cascaded to it.
    pub received: ReceivedWork,
    /// Campaigns running at some time in the period, with their targets as of `as_of`.
    pub campaigns: Vec<CampaignSummary>,
    pub supervision: SupervisionSummary,
    pub evidence: EvidenceSummary,
}

/// The files the bloc holds as evidence: attached to its reports, figures, findings, responses
/// and meetings, and not removed (all it holds, not only the period's: a file's time is when it
/// was uploaded, not the day of the work it proves).
#[derive(Debug, Default, Clone, Copy, Serialize, ToSchema)]
pub struct EvidenceSummary {
    #[schema(example = 57)]
    pub files: i64,
    #[schema(example = 183_500_800)]
    pub bytes: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProvinceTotals {
    pub tasks: StandingCounts,
    pub supervision: SupervisionSummary,
    pub evidence: EvidenceSummary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    /// The province asked for; null when the admin asked for every bloc.
    #[schema(example = "Quảng Ninh")]
    pub province: Option<String>,
    #[schema(example = "2016-01-01")]
    pub from: NaiveDate,
    #[schema(example = "2016-12-31")]
    pub to: NaiveDate,
    /// The date standings and campaign figures are taken at: `to`, or today if sooner.
    #[schema(example = "2016-12-31")]
    pub as_of: NaiveDate,
    /// Side by side, by name.
    pub blocs: Vec<BlocSummary>,
    pub totals: ProvinceTotals,
}
