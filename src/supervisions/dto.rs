use crate::{str_enum, validate};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

str_enum!(SupervisionKind {
    /// Giám sát.
    Supervision => "supervision",
    /// Phản biện xã hội.
    SocialCriticism => "social_criticism",
    /// Kiểm tra.
    Inspection => "inspection",
});

str_enum!(SupervisionStatus {
    Planned => "planned",
    InProgress => "in_progress",
    Concluded => "concluded",
    FollowingUp => "following_up",
    Closed => "closed",
});

impl SupervisionStatus {
    /// planned → in_progress → concluded → following_up → closed; a supervision without
    /// recommendations may close once concluded.
    pub fn allowed_next(self) -> &'static [SupervisionStatus] {
        use SupervisionStatus::*;
        match self {
            Planned => &[InProgress],
            InProgress => &[Concluded],
            Concluded => &[FollowingUp, Closed],
            FollowingUp => &[Closed],
            Closed => &[],
        }
    }
}

str_enum!(Severity {
    Low => "low",
    Medium => "medium",
    High => "high",
});

str_enum!(RecommendationStatus {
    Open => "open",
    Accepted => "accepted",
    Rejected => "rejected",
    Implemented => "implemented",
});

impl RecommendationStatus {
    /// Not yet settled: open, or accepted but not implemented.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            RecommendationStatus::Open | RecommendationStatus::Accepted
        )
    }
    pub fn allowed_next(self) -> &'static [RecommendationStatus] {
        use RecommendationStatus::*;
        match self {
            Open => &[Accepted, Rejected, Implemented],
            Accepted => &[Implemented, Rejected],
            Rejected | Implemented => &[],
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650d001")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Uuid,
    pub kind: SupervisionKind,
    #[schema(example = "Giám sát việc thực hiện quy chế dân chủ ở cơ sở năm 2016")]
    pub title: String,
    /// The body or policy supervised.
    #[schema(example = "UBND xã Quảng Long: thực hiện Pháp lệnh dân chủ ở xã, phường, thị trấn")]
    pub subject: String,
    /// The directive it carries out.
    #[schema(example = json!(null))]
    pub directive_id: Option<Uuid>,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b020")]
    pub lead_organisation_id: Option<Uuid>,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b040")]
    pub sub_committee_id: Option<Uuid>,
    #[schema(example = json!(["01a21945-3cc4-77ec-a861-b9337650b050"]))]
    pub member_ids: Vec<Uuid>,
    #[schema(example = json!(["01a21945-3cc4-77ec-a861-b9337650b030"]))]
    pub unit_ids: Vec<Uuid>,
    #[schema(example = "2016-05-09")]
    #[serde(rename = "planned_start_on")]
    pub planned_start: NaiveDate,
    #[schema(example = "2016-05-20")]
    #[serde(rename = "planned_end_on")]
    pub planned_end: NaiveDate,
    pub status: SupervisionStatus,
    /// The statuses this caller may move it to now (empty unless they run it).
    #[schema(example = json!(["concluded"]))]
    pub allowed_statuses: Vec<SupervisionStatus>,
    #[schema(example = json!(null))]
    pub conclusion: Option<String>,
    /// Recommendations not yet settled (open or accepted).
    #[schema(example = 2)]
    pub pending_recommendations: i64,
    /// Pending recommendations past their due date.
    #[schema(example = 1)]
    pub overdue_recommendations: i64,
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-05-02T01:30:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-05-02T01:30:00Z")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "supervision",
    "title": "Giám sát việc thực hiện quy chế dân chủ ở cơ sở năm 2016",
    "subject": "UBND xã Quảng Long: thực hiện Pháp lệnh dân chủ ở xã, phường, thị trấn",
    "planned_start_on": "2016-05-09", "planned_end_on": "2016-05-20"
}))]
pub struct CreateSupervision {
    pub kind: SupervisionKind,
    pub title: String,
    pub subject: String,
    pub directive_id: Option<Uuid>,
    pub lead_organisation_id: Option<Uuid>,
    /// Default: the bloc's Inspection–Supervision sub-committee (code `KTGS`), if it has one.
    pub sub_committee_id: Option<Uuid>,
    /// Staff of the bloc (at most 50).
    #[serde(default)]
    pub member_ids: Vec<Uuid>,
    /// Grassroots units concerned (at most 200).
    #[serde(default)]
    pub unit_ids: Vec<Uuid>,
    #[serde(rename = "planned_start_on")]
    pub planned_start: NaiveDate,
    /// On or after `planned_start_on`.
    #[serde(rename = "planned_end_on")]
    pub planned_end: NaiveDate,
}

/// Fields to change; omitted fields stay, `null` clears an optional one. `status` moves as
/// `allowed_statuses` says; `concluded` needs a `conclusion`; `closed` needs every
/// recommendation settled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "concluded", "conclusion": "UBND xã thực hiện cơ bản đúng quy chế; còn chậm công khai tài chính."}))]
pub struct UpdateSupervision {
    pub kind: Option<SupervisionKind>,
    pub title: Option<String>,
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<Uuid>)]
    pub directive_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<Uuid>)]
    pub lead_organisation_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<Uuid>)]
    pub sub_committee_id: Option<Option<Uuid>>,
    pub member_ids: Option<Vec<Uuid>>,
    pub unit_ids: Option<Vec<Uuid>>,
    #[serde(rename = "planned_start_on")]
    pub planned_start: Option<NaiveDate>,
    #[serde(rename = "planned_end_on")]
    pub planned_end: Option<NaiveDate>,
    pub status: Option<SupervisionStatus>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub conclusion: Option<Option<String>>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SupervisionQuery {
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
    pub kind: Option<SupervisionKind>,
    pub status: Option<SupervisionStatus>,
    pub lead_organisation_id: Option<Uuid>,
    pub sub_committee_id: Option<Uuid>,
    /// Supervisions this staff member takes part in.
    pub member_id: Option<Uuid>,
    /// Supervisions concerning this unit.
    pub unit_id: Option<Uuid>,
    /// Planned to start on or after this date.
    pub from: Option<NaiveDate>,
    /// Planned to start on or before this date.
    pub to: Option<NaiveDate>,
    /// Words of the title or subject; case and diacritics are ignored.
    pub q: Option<String>,
    /// `planned_start_on` or `created_at`; `-` prefix for descending. Default: creation order.
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650d101")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650d001")]
    pub supervision_id: Uuid,
    #[schema(example = "Chưa niêm yết công khai dự toán ngân sách xã năm 2016.")]
    pub text: String,
    pub severity: Severity,
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    /// The files attached: photos of what was found, the signed minute.
    pub attachments: Vec<crate::files::dto::FileRef>,
    #[schema(example = "2016-05-12T03:00:00Z")]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "Chưa niêm yết công khai dự toán ngân sách xã năm 2016.", "severity": "medium"}))]
pub struct NewFinding {
    pub text: String,
    pub severity: Severity,
    /// Files uploaded with `POST /files` (at most 20, of the bloc, not attached elsewhere).
    #[serde(default)]
    pub attachments: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650d301")]
    pub id: Uuid,
    #[schema(example = "2016-07-15")]
    pub responded_on: NaiveDate,
    #[schema(
        example = "UBND xã đã niêm yết công khai dự toán tại trụ sở và nhà văn hóa các thôn."
    )]
    pub text: String,
    /// The status the response moved the recommendation to, if it did.
    #[schema(example = "implemented")]
    pub status: Option<RecommendationStatus>,
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    /// The files attached: the addressee's written answer, photos of what was done.
    pub attachments: Vec<crate::files::dto::FileRef>,
    #[schema(example = "2016-07-15T03:00:00Z")]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650d201")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650d001")]
    pub supervision_id: Uuid,
    #[schema(example = "Niêm yết công khai dự toán ngân sách xã theo quy định.")]
    pub text: String,
    /// The body that must act.
    #[schema(example = "UBND xã Quảng Long")]
    pub addressee: String,
    #[schema(example = "2016-07-31")]
    pub due_on: Option<NaiveDate>,
    pub status: RecommendationStatus,
    /// The statuses this caller may set now (empty unless they run the supervision).
    #[schema(example = json!(["accepted", "rejected", "implemented"]))]
    pub allowed_statuses: Vec<RecommendationStatus>,
    /// Open or accepted past its due date (Vietnam's calendar).
    #[schema(example = false)]
    pub overdue: bool,
    /// When it was settled (rejected or implemented).
    #[schema(example = json!(null))]
    pub closed_on: Option<NaiveDate>,
    pub responses: Vec<ResponseDto>,
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-05-20T03:00:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-05-20T03:00:00Z")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "Niêm yết công khai dự toán ngân sách xã theo quy định.", "addressee": "UBND xã Quảng Long", "due_on": "2016-07-31"}))]
pub struct NewRecommendation {
    pub text: String,
    pub addressee: String,
    /// Not before the supervision's planned start.
    pub due_on: Option<NaiveDate>,
}

/// Fields to change (the supervision's leaders). `status` moves as `allowed_statuses` says.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"due_on": "2016-08-31"}))]
pub struct UpdateRecommendation {
    pub text: Option<String>,
    pub addressee: Option<String>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Option<Option<NaiveDate>>,
    pub status: Option<RecommendationStatus>,
}

/// What the addressee answered, and the status it moves the recommendation to, if any.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"responded_on": "2016-07-15", "text": "UBND xã đã niêm yết công khai dự toán tại trụ sở và nhà văn hóa các thôn.", "status": "implemented"}))]
pub struct NewResponse {
    /// Not in the future.
    pub responded_on: NaiveDate,
    pub text: String,
    pub status: Option<RecommendationStatus>,
    /// Files uploaded with `POST /files` (at most 20, of the bloc, not attached elsewhere).
    #[serde(default)]
    pub attachments: Vec<Uuid>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SupervisionReportQuery {
    /// First day covered. Default: 1 January of this year.
    pub from: Option<NaiveDate>,
    /// Last day covered. Default: today.
    pub to: Option<NaiveDate>,
    /// `month`, `quarter` (default) or `year`.
    #[param(inline)]
    pub period: Option<Period>,
}

str_enum!(Period {
    Month => "month",
    Quarter => "quarter",
    Year => "year",
});

#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueRecommendation {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650d201")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650d001")]
    pub supervision_id: Uuid,
    #[schema(example = "Niêm yết công khai dự toán ngân sách xã theo quy định.")]
    pub text: String,
    #[schema(example = "UBND xã Quảng Long")]
    pub addressee: String,
    #[schema(example = "2016-07-31")]
    pub due_on: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionPeriod {
    /// `2016-Q2`, `2016-05` or `2016`.
    #[schema(example = "2016-Q2")]
    pub period: String,
    #[schema(example = "2016-04-01")]
    pub from: NaiveDate,
    #[schema(example = "2016-06-30")]
    pub to: NaiveDate,
    /// Supervisions that started in the period (planned ones that never began are not counted).
    #[schema(example = 3)]
    pub held: i64,
    #[schema(example = 2)]
    pub by_kind_supervision: i64,
    #[schema(example = 1)]
    pub by_kind_social_criticism: i64,
    #[schema(example = 0)]
    pub by_kind_inspection: i64,
    /// Recommendations those supervisions made.
    #[schema(example = 5)]
    pub recommendations: i64,
    #[schema(example = 3)]
    pub implemented: i64,
    /// Implemented ÷ made, percent; null when none were made.
    #[schema(example = 60.0)]
    pub implementation_rate: Option<f64>,
    /// Their recommendations still pending past the due date, today.
    pub overdue: Vec<OverdueRecommendation>,
}

crate::paged!(SupervisionQuery);
