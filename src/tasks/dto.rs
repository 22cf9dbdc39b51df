use super::workflow::{Move, Standing, Status};
use crate::validate;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn rank(self) -> i16 {
        match self {
            Priority::Low => 1,
            Priority::Normal => 2,
            Priority::High => 3,
            Priority::Urgent => 4,
        }
    }
    pub fn from_rank(r: i16) -> Self {
        match r {
            1 => Priority::Low,
            3 => Priority::High,
            4 => Priority::Urgent,
            _ => Priority::Normal,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b011")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Uuid,
    #[schema(example = "Tổ chức hội nghị triển khai Quyết định 292-QĐ/HU đến cán bộ các tiểu ban")]
    pub title: String,
    #[schema(
        example = "Phổ biến quy chế tổ chức và hoạt động của cơ quan Khối; phân công nhiệm vụ theo tiểu ban."
    )]
    pub description: Option<String>,
    #[schema(example = "100% cán bộ cơ quan Khối nắm được quy chế; biên bản hội nghị")]
    pub expected_result: Option<String>,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b013")]
    pub directive_id: Option<Uuid>,
    #[schema(example = json!(null))]
    pub campaign_id: Option<Uuid>,
    /// The one organisation in charge (chủ trì).
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b014")]
    pub lead_organisation_id: Option<Uuid>,
    /// Organisations that coordinate (phối hợp).
    #[schema(example = json!(["01a21945-3cc4-77ec-a861-b9337650b015"]))]
    pub coordinating_organisation_ids: Vec<Uuid>,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b016")]
    pub sub_committee_id: Option<Uuid>,
    /// The one responsible person (a staff member).
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b017")]
    pub assignee_id: Option<Uuid>,
    /// The account that created it.
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: crate::people::Who,
    #[schema(example = "2016-01-11")]
    #[serde(rename = "start_on")]
    pub start_date: Option<NaiveDate>,
    #[schema(example = "2016-01-29")]
    #[serde(rename = "due_on")]
    pub due_date: Option<NaiveDate>,
    #[schema(example = "high")]
    pub priority: Priority,
    /// One of the key tasks (nhiệm vụ trọng tâm).
    #[schema(example = true)]
    pub key_task: bool,
    #[schema(example = 40)]
    pub progress: i16,
    #[schema(example = "in_progress")]
    pub status: Status,
    /// Derived from the status, the due date and today's date in Vietnam; null when cancelled.
    #[schema(example = "open_within_deadline")]
    pub standing: Option<Standing>,
    /// The moves the caller may make now: those the workflow has from the status that the
    /// policy table allows this caller on this task (as the moves themselves decide).
    #[schema(example = json!(["submit"]))]
    pub allowed_actions: Vec<String>,
    /// The day it was completed, in Vietnam (the `complete` move's `occurred_on`).
    #[schema(example = json!(null))]
    pub completed_on: Option<NaiveDate>,
    /// The day it was opened, in Vietnam.
    #[schema(example = "2016-01-11")]
    pub opened_on: NaiveDate,
    /// Set when the task was cancelled as a duplicate of another.
    #[schema(example = json!(null))]
    pub duplicate_of: Option<Uuid>,
    /// The meeting decision that created this task, if one did.
    #[schema(example = json!(null))]
    pub meeting_decision_id: Option<Uuid>,
    /// The parent bloc's task this one was delegated from.
    #[schema(example = json!(null))]
    pub parent_task_id: Option<Uuid>,
    /// Completing it waits for every task delegated from it that was not declined or
    /// cancelled (`GET /tasks/{id}/delegations`).
    #[schema(example = false)]
    pub waits_for_children: bool,
    #[schema(example = 3)]
    pub version: i32,
    #[schema(example = "2016-01-09T01:30:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-01-12T08:15:00Z")]
    pub updated_at: DateTime<Utc>,
}

/// An open task of the bloc that seems to say the same thing.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarTask {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b019")]
    pub id: Uuid,
    #[schema(example = "Triển khai Quyết định 292-QĐ/HU tới cán bộ các tiểu ban")]
    pub title: String,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b014")]
    pub lead_organisation_id: Option<Uuid>,
    #[schema(example = "assigned")]
    pub status: Status,
    /// 0 to 1: how much the two say the same thing.
    #[schema(example = 0.72)]
    pub score: f64,
}

/// A created task, with the open tasks it may duplicate.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedTask {
    #[serde(flatten)]
    pub task: TaskDto,
    pub possible_duplicates: Vec<SimilarTask>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Tổ chức hội nghị triển khai Quyết định 292-QĐ/HU đến cán bộ các tiểu ban",
    "description": "Phổ biến quy chế tổ chức và hoạt động của cơ quan Khối; phân công nhiệm vụ theo tiểu ban.",
    "expected_result": "100% cán bộ cơ quan Khối nắm được quy chế; biên bản hội nghị",
    "directive_id": "01a21945-3cc4-77ec-a861-b9337650b013",
    "lead_organisation_id": "01a21945-3cc4-77ec-a861-b9337650b014",
    "coordinating_organisation_ids": ["01a21945-3cc4-77ec-a861-b9337650b015"],
    "sub_committee_id": "01a21945-3cc4-77ec-a861-b9337650b016",
    "assignee_id": "01a21945-3cc4-77ec-a861-b9337650b017",
    "start_on": "2016-01-11", "due_on": "2016-01-29", "priority": "high", "key_task": true
}))]
pub struct CreateTask {
    pub title: String,
    pub description: Option<String>,
    pub expected_result: Option<String>,
    pub directive_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub lead_organisation_id: Option<Uuid>,
    /// Organisations that coordinate (phối hợp): at most 20, each once, not the lead.
    #[serde(default)]
    pub coordinating_organisation_ids: Vec<Uuid>,
    pub sub_committee_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    #[serde(rename = "start_on")]
    pub start_date: Option<NaiveDate>,
    #[serde(rename = "due_on")]
    pub due_date: Option<NaiveDate>,
    /// Default `normal`.
    pub priority: Option<Priority>,
    #[serde(default)]
    pub key_task: bool,
    /// The day the task was opened, in Vietnam, when it is entered later (not in the future);
    /// default today.
    #[schema(example = "2016-01-11")]
    pub opened_on: Option<NaiveDate>,
}

/// Changes to a draft; omitted fields stay, `null` clears an optional one. After assignment a
/// task changes only through its moves.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"due_on": "2016-02-05", "expected_result": "Biên bản hội nghị; 100% cán bộ tham dự"}))]
pub struct UpdateTask {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub expected_result: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<Uuid>)]
    pub directive_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<Uuid>)]
    pub campaign_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<Uuid>)]
    pub lead_organisation_id: Option<Option<Uuid>>,
    /// Replaces the coordinating organisations: at most 20, each once, not the lead.
    pub coordinating_organisation_ids: Option<Vec<Uuid>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<Uuid>)]
    pub sub_committee_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<Uuid>)]
    pub assignee_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    #[serde(rename = "start_on")]
    pub start_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    #[serde(rename = "due_on")]
    pub due_date: Option<Option<NaiveDate>>,
    pub priority: Option<Priority>,
    pub key_task: Option<bool>,
}

/// A progress report, sent alone or with `submit`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "text": "Đã tổ chức hội nghị ngày 20/01/2016, 20/20 cán bộ tham dự.",
    "progress": 100,
    "evidence": ["https://vanban.haiha.quangninh.gov.vn/bien-ban-hoi-nghi-20-01-2016.pdf"]
}))]
pub struct NewReport {
    pub text: String,
    /// 0 to 100; becomes the task's progress.
    #[schema(minimum = 0, maximum = 100)]
    pub progress: i16,
    /// Links (http or https) to minutes, photos, documents.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Files uploaded with `POST /files` (at most 20, of the bloc, not attached elsewhere).
    #[serde(default)]
    pub attachments: Vec<Uuid>,
    /// The day the work was done, in Vietnam (default today): not in the future, not before
    /// the task's last move or the day it was opened.
    #[schema(example = "2016-01-20")]
    pub occurred_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b020")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b011")]
    pub task_id: Uuid,
    /// Who: their staff id and full name (see `Person`).
    #[serde(rename = "author")]
    #[schema(value_type = crate::people::Person)]
    pub author_id: Uuid,
    #[schema(example = "Đã tổ chức hội nghị ngày 20/01/2016, 20/20 cán bộ tham dự.")]
    pub text: String,
    #[schema(example = 100)]
    pub progress: i16,
    #[schema(example = json!(["https://vanban.haiha.quangninh.gov.vn/bien-ban-hoi-nghi-20-01-2016.pdf"]))]
    pub evidence: Vec<String>,
    /// The files attached: photos, scanned minutes.
    pub attachments: Vec<crate::files::dto::FileRef>,
    /// The day the work was done, in Vietnam.
    #[schema(example = "2016-01-20")]
    pub occurred_on: NaiveDate,
    /// When it was entered.
    #[schema(example = "2016-01-20T09:00:00Z")]
    pub created_at: DateTime<Utc>,
}

/// A workflow move.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"action": "reassign", "assignee_id": "01a21945-3cc4-77ec-a861-b9337650b021", "reason": "Đồng chí Lan đi học tập trung 3 tháng"}))]
pub struct Transition {
    pub action: Move,
    /// Required for `return`, `reassign`; kept for every move.
    pub reason: Option<String>,
    /// For `reassign`: the new responsible person.
    pub assignee_id: Option<Uuid>,
    /// For `submit`: the report that goes with it.
    pub report: Option<NewReport>,
    /// For `mark_duplicate`: the task this one duplicates.
    pub duplicate_of: Option<Uuid>,
    /// The day the move happened, in Vietnam (default today): not in the future, not before
    /// the task's previous move or the day it was opened. A completion's day decides whether
    /// it was on time.
    #[schema(example = "2016-01-28")]
    pub occurred_on: Option<NaiveDate>,
}

/// One move in a task's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskEventDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b022")]
    pub id: Uuid,
    /// `create`, `update`, or a workflow move.
    #[schema(example = "reassign")]
    pub action: String,
    #[schema(example = "in_progress")]
    pub from_status: Option<String>,
    #[schema(example = "assigned")]
    pub to_status: String,
    /// Who: their staff id and full name (see `Person`).
    #[serde(rename = "actor")]
    #[schema(value_type = crate::people::Person)]
    pub actor_id: Uuid,
    #[schema(example = "Đồng chí Lan đi học tập trung 3 tháng")]
    pub reason: Option<String>,
    /// What else changed, e.g. `{"assignee_id": {"before": …, "after": …}}`.
    #[schema(schema_with = crate::audit::dto::changes_schema)]
    pub changes: serde_json::Value,
    /// The day it happened, in Vietnam (for an edit, the day it was made).
    #[schema(example = "2016-01-15")]
    pub occurred_on: NaiveDate,
    /// When it was entered.
    #[schema(example = "2016-01-15T02:00:00Z")]
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TaskQuery {
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
    /// One status, or several separated by commas (`assigned,in_progress`).
    pub status: Option<String>,
    pub standing: Option<Standing>,
    pub lead_organisation_id: Option<Uuid>,
    /// Tasks this organisation coordinates.
    pub coordinating_organisation_id: Option<Uuid>,
    pub sub_committee_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub directive_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub key_task: Option<bool>,
    /// Due on or before this date.
    #[serde(rename = "due_to")]
    pub due_before: Option<NaiveDate>,
    /// Due on or after this date.
    #[serde(rename = "due_from")]
    pub due_after: Option<NaiveDate>,
    /// Words of the title or description; case and diacritics are ignored.
    pub q: Option<String>,
    /// The tasks as they stood at the end of this day (in Vietnam, not in the future): those
    /// opened by then, each with the status and standing it had that day, from its history;
    /// `status` and `standing` filter by that day too. Other fields are as they are now, and
    /// `allowed_actions` is empty.
    #[param(example = "2016-06-30")]
    pub as_of: Option<NaiveDate>,
    /// `due_on` (tasks without one last), `priority`, `created_at`; `-` prefix for descending.
    /// Default: creation order.
    pub sort: Option<String>,
    /// Only these fields of each task, comma-separated (`id` always comes): a smaller answer
    /// for a list that shows a few (`title,status,standing,due_on`). Default: every field. The
    /// JSON answer only; an export keeps its columns.
    #[param(example = "title,status,standing,due_on")]
    pub fields: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MyTaskQuery {
    /// Only what changed at or after this instant (RFC 3339; the largest `updated_at` the
    /// client has seen).
    #[param(example = "2016-06-30T08:00:00+07:00")]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only these items: 1 to 100 ids, comma-separated.
    pub ids: Option<String>,
    /// Only these fields of each task, comma-separated (`id` always comes): a smaller answer
    /// for a list that shows a few (`title,status,standing,due_on`). Default: every field. The
    /// JSON answer only; an export keeps its columns.
    #[param(example = "title,status,standing,due_on")]
    pub fields: Option<String>,
    pub standing: Option<Standing>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

crate::paged!(PageQuery, TaskQuery, MyTaskQuery);

/// Send a task down to child blocs: each gets its own linked task, `received`, to accept or
/// decline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bloc_ids": ["01a21945-3cc4-77ec-a861-b9337650b031"], "due_on": "2026-03-31", "note": "Các xã báo cáo kết quả trước ngày 31/3.", "waits_for_children": true}))]
pub struct NewDelegation {
    /// Child blocs of the task's bloc (1 to 500), not yet sent this task.
    pub bloc_ids: Vec<Uuid>,
    /// The children's deadline: by default the task's own; never after it.
    #[serde(rename = "due_on")]
    pub due_date: Option<NaiveDate>,
    /// The day it was sent, in Vietnam (default today): the child tasks' `opened_on`. Not in
    /// the future, not before the task's last move.
    #[schema(example = "2026-03-02")]
    pub sent_on: Option<NaiveDate>,
    /// What the parent asks, kept in each child task's history.
    pub note: Option<String>,
    /// `true`: this task cannot be completed until every child task that was not declined
    /// or cancelled is completed. Omitted: unchanged.
    pub waits_for_children: Option<bool>,
}

/// One child bloc's answer to a delegated task.
#[derive(Debug, Serialize, ToSchema)]
pub struct DelegatedTask {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b031")]
    pub bloc_id: Uuid,
    #[schema(example = "Khối xã Quảng Tân")]
    pub bloc_name: String,
    /// The child bloc's own task.
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650e301")]
    pub task_id: Uuid,
    #[schema(example = "in_progress")]
    pub status: Status,
    #[schema(example = "open_within_deadline")]
    pub standing: Option<Standing>,
    #[schema(example = 40)]
    pub progress: i16,
    #[schema(example = "2026-03-31")]
    #[serde(rename = "due_on")]
    pub due_date: Option<NaiveDate>,
    #[schema(example = json!(null))]
    pub completed_on: Option<NaiveDate>,
    /// Why it was declined.
    #[schema(example = json!(null))]
    pub decline_reason: Option<String>,
}

/// The roll-up of a delegated task: n of m done, on time, late, overdue, declined.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct DelegationTotals {
    /// Child tasks sent.
    #[schema(example = 3)]
    pub delegated: i64,
    /// Not yet accepted or declined.
    #[schema(example = 0)]
    pub awaiting_answer: i64,
    /// Accepted (whatever they have become since, cancelled aside).
    #[schema(example = 2)]
    pub accepted: i64,
    #[schema(example = 1)]
    pub declined: i64,
    /// Cancelled by the child bloc after accepting.
    #[schema(example = 0)]
    pub cancelled: i64,
    #[schema(example = 2)]
    pub completed: i64,
    #[schema(example = 1)]
    pub completed_on_time: i64,
    #[schema(example = 1)]
    pub completed_late: i64,
    /// Open (awaiting an answer included) and past the deadline.
    #[schema(example = 0)]
    pub overdue: i64,
    #[schema(example = 0)]
    pub open_within_deadline: i64,
    /// Mean progress of the accepted, not cancelled, child tasks (0 when none).
    #[schema(example = 100)]
    pub progress: i64,
}

/// A task's delegations: every child bloc's status, standing and progress, rolled up.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delegations {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650e201")]
    pub task_id: Uuid,
    #[schema(example = true)]
    pub waits_for_children: bool,
    pub totals: DelegationTotals,
    /// In the order they were sent.
    pub children: Vec<DelegatedTask>,
}
