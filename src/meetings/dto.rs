use crate::{str_enum, tasks::dto::CreateTask, validate};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

str_enum!(MeetingKind {
    /// Giao ban lãnh đạo hằng tuần.
    WeeklyLeadership => "weekly_leadership",
    /// Họp toàn thể cơ quan hằng tháng.
    MonthlyReview => "monthly_review",
    AdHoc => "ad_hoc",
});

impl MeetingKind {
    pub fn default_title(self) -> &'static str {
        match self {
            MeetingKind::WeeklyLeadership => "Giao ban lãnh đạo Khối",
            MeetingKind::MonthlyReview => "Họp cơ quan Khối hằng tháng",
            MeetingKind::AdHoc => "Họp đột xuất",
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650e101")]
    pub id: Uuid,
    #[schema(
        example = "Giao Văn phòng xây dựng chương trình công tác năm 2016, trình Thường trực trước ngày 29/01."
    )]
    pub text: String,
    /// The task the decision created, if it did (the task points back with `meeting_decision_id`).
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650e201")]
    pub task_id: Option<Uuid>,
    #[schema(example = "2016-01-25T03:00:00Z")]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650e001")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Uuid,
    pub kind: MeetingKind,
    #[schema(example = "Giao ban lãnh đạo Khối tuần đầu tiên")]
    pub title: String,
    #[schema(example = "2016-01-25")]
    pub held_on: NaiveDate,
    /// `planned` (scheduled ahead; attendees are invited and reminded the day before),
    /// `held` (decisions and minutes recorded) or `cancelled`.
    pub status: MeetingStatus,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b050")]
    pub chair_staff_id: Option<Uuid>,
    #[schema(example = json!(["01a21945-3cc4-77ec-a861-b9337650b050"]))]
    pub attendee_ids: Vec<Uuid>,
    #[schema(example = "Triển khai Quyết định 292-QĐ/HU; phân công nhiệm vụ tuần.")]
    pub agenda: Option<String>,
    #[schema(example = json!(null))]
    pub minutes: Option<String>,
    pub decisions: Vec<DecisionDto>,
    /// The files attached: the signed minute, the agenda's documents.
    pub attachments: Vec<crate::files::dto::FileRef>,
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-01-25T03:00:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-01-25T03:00:00Z")]
    pub updated_at: DateTime<Utc>,
}

/// A decision; with `task`, the task is created in the same request (with the same rules as
/// `POST /tasks`), so what the meeting decides has an owner and a deadline. It is opened on the
/// meeting's day unless it says otherwise.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "Giao Văn phòng xây dựng chương trình công tác năm 2016.", "task": {"title": "Xây dựng chương trình công tác năm 2016 của cơ quan Khối", "description": "Dự thảo chương trình công tác năm của cơ quan Khối.", "expected_result": "Chương trình công tác năm 2016 được ban hành", "lead_organisation_id": "01a21945-3cc4-77ec-a861-b9337650b001", "assignee_id": "01a21945-3cc4-77ec-a861-b9337650b021", "due_on": "2016-01-29"}, "assign": true}))]
pub struct NewDecision {
    pub text: String,
    pub task: Option<CreateTask>,
    /// With `task`: create it already assigned (the `assign` move, on the meeting's day), which
    /// needs the five clears; otherwise it stays a draft. Default false.
    #[serde(default)]
    pub assign: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "weekly_leadership", "held_on": "2016-01-25",
    "agenda": "Triển khai Quyết định 292-QĐ/HU; phân công nhiệm vụ tuần.",
    "decisions": [{"text": "Giao Văn phòng xây dựng chương trình công tác năm 2016.",
                   "task": {"title": "Xây dựng chương trình công tác năm 2016 của cơ quan Khối", "due_on": "2016-01-29"}}]
}))]
pub struct CreateMeeting {
    pub kind: MeetingKind,
    /// `held` (default: recorded after the fact, `held_on` not in the future) or `planned`
    /// (scheduled ahead, `held_on` today or later; its attendees are invited).
    pub status: Option<MeetingStatus>,
    /// Default: from the kind.
    pub title: Option<String>,
    /// Not in the future: meetings are recorded once held.
    pub held_on: NaiveDate,
    pub chair_staff_id: Option<Uuid>,
    /// At most 100.
    #[serde(default)]
    pub attendee_ids: Vec<Uuid>,
    pub agenda: Option<String>,
    pub minutes: Option<String>,
    /// At most 50.
    #[serde(default)]
    pub decisions: Vec<NewDecision>,
    /// Files uploaded with `POST /files` (at most 20, of the bloc, not attached elsewhere).
    #[serde(default)]
    pub attachments: Vec<Uuid>,
}

/// Fields to change; omitted fields stay, `null` clears an optional one. Decisions are added
/// with `POST /meetings/{id}/decisions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"minutes": "Thống nhất phân công nhiệm vụ tuần."}))]
pub struct UpdateMeeting {
    pub kind: Option<MeetingKind>,
    /// A planned meeting becomes `held` (on a day not in the future) or `cancelled`.
    pub status: Option<MeetingStatus>,
    pub title: Option<String>,
    pub held_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<Uuid>)]
    pub chair_staff_id: Option<Option<Uuid>>,
    pub attendee_ids: Option<Vec<Uuid>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub agenda: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub minutes: Option<Option<String>>,
    /// Files to attach besides those already attached (a scanned minute once it is signed).
    pub attachments: Option<Vec<Uuid>>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MeetingQuery {
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
    pub kind: Option<MeetingKind>,
    /// Held on or after.
    pub from: Option<NaiveDate>,
    /// Held on or before.
    pub to: Option<NaiveDate>,
    /// `held_on` or `created_at`; `-` prefix for descending. Default: creation order.
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MonthlyReviewQuery {
    /// `YYYY-MM`.
    #[param(pattern = r"^[0-9]{4}-[0-9]{2}$", example = "2016-03")]
    pub month: String,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct TaskCounts {
    /// Completed in the month on or before the due date.
    #[schema(example = 4)]
    pub completed_on_time: i64,
    /// Completed in the month after the due date.
    #[schema(example = 1)]
    pub completed_late: i64,
    /// Open at the month's end (today, for the current month): opened by then (`opened_on`)
    /// and not yet completed or cancelled by then (the moves' `occurred_on`).
    #[schema(example = 6)]
    pub open: i64,
    /// Of those, past their due date at the month's end (today, for the current month).
    #[schema(example = 2)]
    pub overdue: i64,
    /// Of those, due in the next month.
    #[schema(example = 3)]
    pub due_next_month: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewGroup {
    /// The sub-committee or organisation; null for tasks without one.
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b040")]
    pub id: Option<Uuid>,
    #[schema(example = "Tiểu ban Kiểm tra – giám sát")]
    pub name: Option<String>,
    pub tasks: TaskCounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewTarget {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c101")]
    pub target_id: Uuid,
    #[schema(example = "Tỷ lệ hộ đạt danh hiệu gia đình văn hóa")]
    pub indicator: String,
    /// Figures dated in the month (corrections that replaced them excluded).
    #[schema(example = 16)]
    pub figures_in_month: i64,
    #[schema(example = 16)]
    pub units_reporting_in_month: i64,
    /// The bloc's figure at the month's end.
    #[schema(example = 82.0)]
    pub value_at_month_end: Option<f64>,
    #[schema(example = 85.0)]
    pub target_value: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewCampaign {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650c001")]
    pub campaign_id: Uuid,
    #[schema(example = "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh")]
    pub name: String,
    pub targets: Vec<ReviewTarget>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthlyReview {
    #[schema(example = "2016-06")]
    pub month: String,
    #[schema(example = "2016-06-01")]
    pub from: NaiveDate,
    #[schema(example = "2016-06-30")]
    pub to: NaiveDate,
    pub totals: TaskCounts,
    pub by_sub_committee: Vec<ReviewGroup>,
    /// By lead organisation.
    pub by_organisation: Vec<ReviewGroup>,
    /// Campaigns running in the month.
    pub campaigns: Vec<ReviewCampaign>,
}

crate::paged!(MeetingQuery);

/// Where a meeting stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    Planned,
    Held,
    Cancelled,
}

impl MeetingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingStatus::Planned => "planned",
            MeetingStatus::Held => "held",
            MeetingStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> MeetingStatus {
        match s {
            "planned" => MeetingStatus::Planned,
            "cancelled" => MeetingStatus::Cancelled,
            _ => MeetingStatus::Held,
        }
    }
}
