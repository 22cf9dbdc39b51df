use crate::{
    entities::{staff, staff_assignment},
    validate,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A person's place in the bloc.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Trưởng khối: one active per bloc.
    BlocHead,
    /// Phó khối.
    DeputyHead,
    /// Cán bộ.
    Staff,
}

impl StaffRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BlocHead => "bloc_head",
            Self::DeputyHead => "deputy_head",
            Self::Staff => "staff",
        }
    }
    pub fn parse(s: &str) -> Self {
        match s {
            "bloc_head" => Self::BlocHead,
            "deputy_head" => Self::DeputyHead,
            _ => Self::Staff,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b011")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Uuid,
    #[schema(example = "Nguyễn Thế Hòa")]
    pub full_name: String,
    #[schema(example = "Trưởng khối, Trưởng ban Dân vận Huyện ủy, Chủ tịch Ủy ban MTTQ huyện")]
    pub position: Option<String>,
    /// Home organisation.
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b013")]
    pub organisation_id: Option<Uuid>,
    /// Changed only through `POST /staff/{id}/assignments`, so every move is kept.
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b014")]
    pub sub_committee_id: Option<Uuid>,
    #[schema(example = "bloc_head")]
    pub role: StaffRole,
    #[schema(example = "0203 3879 123")]
    pub phone: Option<String>,
    #[schema(example = "hoa.nt@haiha.quangninh.gov.vn")]
    pub email: Option<String>,
    #[schema(example = true)]
    pub active: bool,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-01-25T01:30:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-01-25T01:30:00Z")]
    pub updated_at: DateTime<Utc>,
}

impl From<staff::Model> for StaffDto {
    fn from(m: staff::Model) -> Self {
        Self {
            id: m.id,
            bloc_id: m.bloc_id,
            full_name: m.full_name,
            position: m.position,
            organisation_id: m.organisation_id,
            sub_committee_id: m.sub_committee_id,
            role: StaffRole::parse(&m.role),
            phone: m.phone,
            email: m.email,
            active: m.active,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "full_name": "Nguyễn Thị Lan", "position": "Cán bộ Hội Liên hiệp Phụ nữ",
    "organisation_id": "01a21945-3cc4-77ec-a861-b9337650b013",
    "sub_committee_id": "01a21945-3cc4-77ec-a861-b9337650b014",
    "role": "staff", "phone": "0912 345 678", "email": "lan.nt@haiha.quangninh.gov.vn"
}))]
pub struct CreateStaff {
    pub full_name: String,
    pub position: Option<String>,
    pub organisation_id: Option<Uuid>,
    /// Where the person is first seated; recorded as their first assignment.
    pub sub_committee_id: Option<Uuid>,
    pub role: StaffRole,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// Fields to change; omitted fields stay, `null` clears an optional one. Staff members (and
/// deputy heads) may change only their own `phone` and `email`. The sub-committee changes
/// through `POST /staff/{id}/assignments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "0912 345 679"}))]
pub struct UpdateStaff {
    pub full_name: Option<String>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub position: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<Uuid>)]
    pub organisation_id: Option<Option<Uuid>>,
    pub role: Option<StaffRole>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// `false` deactivates: history and work are kept, sign-in stops at once.
    pub active: Option<bool>,
}

impl UpdateStaff {
    /// True when the body changes nothing but contact details.
    pub fn only_contact(&self) -> bool {
        self.full_name.is_none()
            && self.position.is_none()
            && self.organisation_id.is_none()
            && self.role.is_none()
            && self.active.is_none()
    }
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StaffQuery {
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
    pub role: Option<StaffRole>,
    pub organisation_id: Option<Uuid>,
    pub sub_committee_id: Option<Uuid>,
    pub active: Option<bool>,
    /// Words of the name or position; case and diacritics are ignored (`q=nguyen the hoa`).
    pub q: Option<String>,
    /// `full_name`, `created_at`; `-` prefix for descending. Default: creation order.
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A move between sub-committees.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b015")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b011")]
    pub staff_id: Uuid,
    /// Null for the first seating.
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b014")]
    pub from_sub_committee_id: Option<Uuid>,
    /// Null when the person leaves every sub-committee.
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b016")]
    pub to_sub_committee_id: Option<Uuid>,
    #[schema(example = "2016-03-01")]
    pub effective_on: NaiveDate,
    #[schema(example = "15-QĐ/KMT")]
    pub decision_ref: Option<String>,
    #[schema(example = "Tăng cường cho Tiểu ban Kiểm tra – giám sát trong đợt bầu cử")]
    pub note: Option<String>,
    /// The account that made the move.
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    #[schema(example = "2016-02-28T03:00:00Z")]
    pub created_at: DateTime<Utc>,
}

impl From<staff_assignment::Model> for AssignmentDto {
    fn from(m: staff_assignment::Model) -> Self {
        Self {
            id: m.id,
            staff_id: m.staff_id,
            from_sub_committee_id: m.from_sub_committee_id,
            to_sub_committee_id: m.to_sub_committee_id,
            effective_on: m.effective_on,
            decision_ref: m.decision_ref,
            note: m.note,
            created_by: m.created_by,
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "to_sub_committee_id": "01a21945-3cc4-77ec-a861-b9337650b016",
    "effective_on": "2016-03-01", "decision_ref": "15-QĐ/KMT",
    "note": "Tăng cường cho Tiểu ban Kiểm tra – giám sát trong đợt bầu cử"
}))]
pub struct MoveStaff {
    /// The sub-committee to join; null to leave every sub-committee.
    pub to_sub_committee_id: Option<Uuid>,
    /// Defaults to today (Asia/Ho_Chi_Minh).
    pub effective_on: Option<NaiveDate>,
    pub decision_ref: Option<String>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AssignmentQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

crate::paged!(AssignmentQuery, StaffQuery);
