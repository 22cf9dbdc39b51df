use crate::{entities::bloc, validate};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Administrative level. Since July 2025 local government has two tiers (province, commune);
/// the district tier of the Hải Hà article is kept for older and transitional blocs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    District,
    Commune,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Level::Province, Level::District, Level::Commune]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
    fn rank(self) -> u8 {
        match self {
            Level::Province => 0,
            Level::District => 1,
            Level::Commune => 2,
        }
    }
    /// A bloc's parent is of a higher level (a commune may sit directly under its province).
    pub fn may_have_parent(self, parent: Level) -> bool {
        parent.rank() < self.rank()
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BlocDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b011")]
    pub id: Uuid,
    #[schema(example = "Khối Mặt trận Tổ quốc và các đoàn thể chính trị – xã hội huyện Hải Hà")]
    pub name: String,
    #[schema(example = "district")]
    pub level: Level,
    #[schema(example = json!(null))]
    pub parent_id: Option<Uuid>,
    #[schema(example = "Quảng Ninh")]
    pub province: String,
    /// The province's record (`/provinces/{id}`).
    #[schema(example = "019ac000-0000-7000-8000-00000000000a")]
    pub province_id: Option<Uuid>,
    #[schema(example = "2016-01-25")]
    pub established_on: Option<NaiveDate>,
    /// The decision that founded it.
    #[schema(example = "111-QĐ/TU")]
    pub founding_decision: Option<String>,
    /// Its last day, when it was dissolved: it is read-only history since.
    #[schema(example = json!(null))]
    pub dissolved_on: Option<NaiveDate>,
    /// The bloc its work went to.
    #[schema(example = json!(null))]
    pub successor_id: Option<Uuid>,
    #[schema(example = json!(null))]
    pub dissolution_decision: Option<String>,
    /// Days before a deadline the assignee is reminded that a task is due (0–30, default 2).
    #[schema(example = 2)]
    pub due_soon_days: i32,
    /// Whether uploaded photos keep their location and camera metadata (default false: removed;
    /// a bloc whose evidence needs the place, such as land-use supervision, keeps it).
    #[schema(example = false)]
    pub keep_photo_metadata: bool,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-01-25T01:30:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-01-25T01:30:00Z")]
    pub updated_at: DateTime<Utc>,
}

impl From<bloc::Model> for BlocDto {
    fn from(m: bloc::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            level: Level::parse(&m.level).unwrap_or(Level::District),
            parent_id: m.parent_id,
            province: m.province,
            province_id: m.province_id,
            established_on: m.established_on,
            founding_decision: m.founding_decision,
            dissolved_on: m.dissolved_on,
            successor_id: m.successor_id,
            dissolution_decision: m.dissolution_decision,
            due_soon_days: m.due_soon_days,
            keep_photo_metadata: m.keep_photo_metadata,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Khối Mặt trận Tổ quốc và các đoàn thể chính trị – xã hội huyện Hải Hà",
    "level": "district", "province": "Quảng Ninh",
    "established_on": "2016-01-25", "founding_decision": "111-QĐ/TU"
}))]
pub struct CreateBloc {
    pub name: String,
    pub level: Level,
    /// A bloc of a higher level in the same province.
    pub parent_id: Option<Uuid>,
    /// The province by name (case and diacritics ignored), or `province_id`; taken from the
    /// parent when both are omitted.
    pub province: Option<String>,
    /// The province's record (`/provinces`).
    pub province_id: Option<Uuid>,
    /// A `district` bloc established on or after 2025-07-01 is refused: districts were
    /// abolished then. Older ones are kept for history.
    pub established_on: Option<NaiveDate>,
    pub founding_decision: Option<String>,
    /// Opens the bloc with its head in the same request: the person (a staff member with the
    /// `bloc_head` role) and their sign-in account, linked.
    pub head: Option<NewHead>,
}

/// The head a bloc opens with. The password is a first one, set by the admin: the head must
/// choose their own at first sign-in (`must_change_password`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"full_name": "Nguyễn Thị Hoa", "position": "Trưởng khối", "phone": "0203 3879 123", "username": "hoa.nt", "password": "mật-khẩu-tạm-2016"}))]
pub struct NewHead {
    pub full_name: String,
    pub position: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// 3–64 characters of `a-z 0-9 . _ -`; case-insensitive.
    pub username: String,
    /// 8–256 characters; replaced by the head at first sign-in.
    #[schema(format = Password)]
    pub password: String,
}

/// A bloc just opened, with its head when one was given.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedBloc {
    #[serde(flatten)]
    pub bloc: BlocDto,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<OpenedHead>,
}

/// The head's staff record and account.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenedHead {
    pub staff: crate::staff::dto::StaffDto,
    pub account: crate::accounts::dto::AccountDto,
}

/// Fields to change; omitted fields stay, `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"founding_decision": "111-QĐ/TU"}))]
pub struct UpdateBloc {
    pub name: Option<String>,
    /// The bloc above it (the admin only): of a higher level and the same province, never the
    /// bloc itself or one below it; `null` puts it under none.
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<Uuid>)]
    pub parent_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    pub established_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub founding_decision: Option<Option<String>>,
    /// Days before a deadline the assignee is reminded (0–30); the bloc head or the admin.
    pub due_soon_days: Option<i32>,
    /// Whether photos uploaded from now on keep their location and camera metadata.
    pub keep_photo_metadata: Option<bool>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BlocQuery {
    /// Only what changed at or after this instant (RFC 3339; the largest `updated_at` the
    /// client has seen).
    #[param(example = "2016-06-30T08:00:00+07:00")]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only these items: 1 to 100 ids, comma-separated.
    pub ids: Option<String>,
    pub level: Option<Level>,
    pub parent_id: Option<Uuid>,
    /// Province name; case and diacritics are ignored.
    pub province: Option<String>,
    /// Words of the name; case and diacritics are ignored (`q=hai ha`).
    pub q: Option<String>,
    /// `name`, `created_at`; `-` prefix for descending. Default: creation order.
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

crate::paged!(BlocQuery);

/// What happens to the dissolved bloc's accounts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountsOnDissolution {
    /// Deactivated, with their staff records: nobody signs in as the old bloc again.
    #[default]
    Close,
    /// Moved to the successor with their staff records (a bloc head becomes a deputy head).
    Move,
}

/// A bloc dissolved into a successor (the admin): its open work moves, and it becomes
/// read-only history.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"dissolved_on": "2025-06-30", "successor_id": "01a21945-3cc4-77ec-a861-b9337650b010",
    "decision": "Nghị quyết 202/2025/QH15", "accounts": "move"}))]
pub struct NewDissolution {
    /// Its last day: not in the future, not before it was established.
    pub dissolved_on: NaiveDate,
    /// An existing bloc of the same province, not dissolved, not below this one.
    pub successor_id: Uuid,
    pub decision: String,
    /// `close` (default) or `move`.
    #[serde(default)]
    pub accounts: AccountsOnDissolution,
    /// Open tasks, running campaigns and supervisions with open recommendations that go to
    /// another bloc than the successor: `{"id", "bloc_id"}`.
    #[serde(default)]
    pub moves: Vec<ItemMove>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemMove {
    /// An open task or a campaign not closed of the dissolved bloc.
    pub id: Uuid,
    /// An existing bloc of the same province, not dissolved.
    pub bloc_id: Uuid,
}

/// What a dissolution did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Dissolution {
    pub bloc: BlocDto,
    #[schema(example = 4)]
    pub tasks_moved: i64,
    #[schema(example = 1)]
    pub campaigns_moved: i64,
    /// Supervisions with recommendations still open, moved with them.
    #[schema(example = 1)]
    pub supervisions_moved: i64,
    #[schema(example = 16)]
    pub units_moved: i64,
    #[schema(example = 20)]
    pub staff_moved: i64,
    #[schema(example = 0)]
    pub accounts_closed: i64,
}
