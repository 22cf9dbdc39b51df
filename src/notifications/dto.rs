use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// What a notification is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A task was assigned to you (or reassigned to you).
    Assigned,
    /// Your submitted task was returned to you.
    Returned,
    /// A task of yours was reassigned to someone else.
    ReassignedAway,
    /// A task was submitted for your review.
    Submitted,
    /// A task you carried or created was completed.
    Completed,
    /// A task of yours is due within the bloc's reminder days.
    DueSoon,
    /// A task you carry or answer for is past its deadline.
    Overdue,
    /// A directive sent down to your bloc waits for its acknowledgement.
    DirectiveWaiting,
    /// A recommendation of your bloc's supervision waits on its addressee and is due soon.
    RecommendationDueSoon,
    /// A recommendation of your bloc's supervision is past its deadline, unsettled.
    RecommendationOverdue,
    /// A unit you cover has not reported this month's figure of a target it reported last
    /// month.
    FigureMissing,
    /// Someone mentioned you in a comment.
    Mentioned,
    /// You are invited to a planned meeting.
    MeetingInvited,
    /// A meeting you attend is tomorrow.
    MeetingTomorrow,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::Assigned,
        Kind::Returned,
        Kind::ReassignedAway,
        Kind::Submitted,
        Kind::Completed,
        Kind::DueSoon,
        Kind::Overdue,
        Kind::DirectiveWaiting,
        Kind::RecommendationDueSoon,
        Kind::RecommendationOverdue,
        Kind::FigureMissing,
        Kind::Mentioned,
        Kind::MeetingInvited,
        Kind::MeetingTomorrow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Assigned => "assigned",
            Kind::Returned => "returned",
            Kind::ReassignedAway => "reassigned_away",
            Kind::Submitted => "submitted",
            Kind::Completed => "completed",
            Kind::DueSoon => "due_soon",
            Kind::Overdue => "overdue",
            Kind::DirectiveWaiting => "directive_waiting",
            Kind::RecommendationDueSoon => "recommendation_due_soon",
            Kind::RecommendationOverdue => "recommendation_overdue",
            Kind::FigureMissing => "figure_missing",
            Kind::Mentioned => "mentioned",
            Kind::MeetingInvited => "meeting_invited",
            Kind::MeetingTomorrow => "meeting_tomorrow",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A channel a notification may also travel by; the inbox always has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Push,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Push => "push",
        }
    }
}

/// One item of a person's inbox.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019c5a10-7c4e-7d4b-9d6e-3f1c2b4a5d6e", "kind": "due_soon", "title": "Còn 2 ngày đến hạn: Báo cáo kết quả vận động tháng 2", "body": "Nhiệm vụ \"Báo cáo kết quả vận động tháng 2\" đến hạn ngày 10/02/2016.", "href": "/api/v1/tasks/019c5a0f-1111-7d4b-9d6e-3f1c2b4a5d6e", "resource_type": "task", "resource_id": "019c5a0f-1111-7d4b-9d6e-3f1c2b4a5d6e", "urgent": false, "read": false, "read_at": null, "created_at": "2016-02-08T01:00:00Z"}))]
pub struct NotificationDto {
    pub id: Uuid,
    #[schema(example = "due_soon")]
    pub kind: Kind,
    /// What happened, in Vietnamese.
    #[schema(example = "Còn 2 ngày đến hạn: Báo cáo tuần")]
    pub title: String,
    #[schema(example = "Nhiệm vụ \"Báo cáo tuần\" đến hạn ngày 10/02/2016.")]
    pub body: String,
    /// The resource it is about, as a path of this API.
    #[schema(example = "/api/v1/tasks/0190f5a8-7c4e-7d4b-9d6e-3f1c2b4a5d6e")]
    pub href: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<Uuid>,
    /// About an urgent task: sent by email and push even in quiet hours.
    pub urgent: bool,
    pub read: bool,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A page of the inbox, newest first, with the count of unread items in the whole inbox.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "019c5a10-7c4e-7d4b-9d6e-3f1c2b4a5d6e", "kind": "due_soon", "title": "Còn 2 ngày đến hạn: Báo cáo kết quả vận động tháng 2", "body": "Nhiệm vụ \"Báo cáo kết quả vận động tháng 2\" đến hạn ngày 10/02/2016.", "href": "/api/v1/tasks/019c5a0f-1111-7d4b-9d6e-3f1c2b4a5d6e", "resource_type": "task", "resource_id": "019c5a0f-1111-7d4b-9d6e-3f1c2b4a5d6e", "urgent": false, "read": false, "read_at": null, "created_at": "2016-02-08T01:00:00Z"}], "next_cursor": null, "unread_count": 1}))]
pub struct Inbox {
    pub items: Vec<NotificationDto>,
    pub next_cursor: Option<String>,
    pub unread_count: u64,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Only unread items.
    pub unread: Option<bool>,
    /// Items per page, 1–200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// How many were marked read.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"marked": 3, "unread_count": 0}))]
pub struct MarkedRead {
    pub marked: u64,
    pub unread_count: u64,
}

/// A person's channels: where email goes, which kinds travel by which channel, quiet hours and
/// the daily digest.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"email": "cuong.ly@haiha.vn", "effective_email": "cuong.ly@haiha.vn", "quiet_hours": true, "digest": false, "channels": {"completed": []}, "push_subscriptions": 1, "calendar": true, "version": 3}))]
pub struct PreferencesDto {
    /// Where email goes; when empty, the email of the person's staff record.
    #[schema(example = "lan.nguyen@haiha.vn")]
    pub email: Option<String>,
    /// The address email actually goes to (this, or the staff record's), if any.
    pub effective_email: Option<String>,
    /// No email or push from 21:00 to 07:00 (Vietnam) except about urgent tasks; what falls in
    /// them waits until 07:00.
    pub quiet_hours: bool,
    /// Email once a day at 07:00 with the day's unread items instead of one email each
    /// (urgent ones still go at once).
    pub digest: bool,
    /// For each kind, the channels besides the inbox. A kind not named travels by both.
    #[schema(value_type = BTreeMap<String, Vec<Channel>>, example = json!({"completed": [], "overdue": ["email", "push"]}))]
    pub channels: BTreeMap<Kind, Vec<Channel>>,
    /// Push subscriptions this person has.
    pub push_subscriptions: u64,
    /// Whether a calendar feed URL is active.
    pub calendar: bool,
    pub version: i32,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePreferences {
    /// An email address, or null to use the staff record's.
    #[serde(default, deserialize_with = "crate::validate::patch")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    pub quiet_hours: Option<bool>,
    pub digest: Option<bool>,
    /// Kinds named here replace their channels; others stay.
    #[schema(value_type = Option<BTreeMap<String, Vec<Channel>>>)]
    pub channels: Option<BTreeMap<Kind, Vec<Channel>>>,
}

/// A browser's push subscription (`PushSubscription.toJSON()`).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"endpoint": "https://fcm.googleapis.com/fcm/send/dXk…", "keys": {"p256dh": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4", "auth": "BTBZMqHH6r4Tts7J_aSIgg"}}))]
pub struct CreatePushSubscription {
    #[schema(example = "https://fcm.googleapis.com/fcm/send/dXk…")]
    pub endpoint: String,
    pub keys: PushKeys,
    /// Ignored (browsers send it).
    #[serde(rename = "expirationTime", default)]
    #[schema(value_type = Option<i64>)]
    pub expiration_time: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushKeys {
    /// The browser's P-256 public key, uncompressed, base64url (65 bytes).
    pub p256dh: String,
    /// The browser's authentication secret, base64url (16 bytes).
    pub auth: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019c5a10-8888-7d4b-9d6e-3f1c2b4a5d6e", "endpoint": "https://fcm.googleapis.com/fcm/send/dXk…", "created_at": "2016-02-08T01:00:00Z"}))]
pub struct PushSubscriptionDto {
    pub id: Uuid,
    pub endpoint: String,
    pub created_at: DateTime<Utc>,
}

/// The key a browser subscribes with (`applicationServerKey`).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"application_server_key": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"}))]
pub struct VapidKey {
    /// The service's VAPID public key: uncompressed P-256, base64url.
    pub application_server_key: String,
}

/// The calendar feed's address, shown once; making a new one revokes the old.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"url": "/api/v1/calendar/kc_3q2Lr9x0aZ8m1YtWbQ4cVnK7sPfD6hJe.ics"}))]
pub struct CalendarFeed {
    #[schema(example = "/api/v1/calendar/kc_3q2….ics")]
    pub url: String,
}

/// One email or push made for the person, as a webhook delivery is logged.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019c5a10-aaaa-7d4b-9d6e-3f1c2b4a5d6e", "notification_id": "019c5a10-7c4e-7d4b-9d6e-3f1c2b4a5d6e", "channel": "email", "target": "cuong.ly@haiha.vn", "status": "sent", "attempts": 1, "next_attempt_at": "2016-02-08T01:00:00Z", "last_status_code": null, "last_error": null, "delivered_at": "2016-02-08T01:00:01Z", "created_at": "2016-02-08T01:00:00Z"}))]
pub struct SendDto {
    pub id: Uuid,
    /// The inbox item it carries; null for a daily digest.
    pub notification_id: Option<Uuid>,
    pub channel: Channel,
    /// The email address, or the push subscription's id.
    pub target: String,
    /// `pending`, `sent`, `failed` (given up after the configured attempts, or refused for
    /// good) or `gone` (the push service no longer knows the subscription; it was removed).
    pub status: String,
    pub attempts: i32,
    /// When it is (or was last) due: a retry's time, or 07:00 after quiet hours.
    pub next_attempt_at: DateTime<Utc>,
    /// The push service's HTTP status of the last attempt.
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SendQuery {
    /// Only sends in this status (`pending`, `sent`, `failed`, `gone`).
    pub status: Option<String>,
    /// Items per page, 1–200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
