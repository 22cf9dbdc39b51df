use crate::{entities::unit, validate};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Xã.
    Commune,
    /// Phường.
    Ward,
    /// Thị trấn.
    Town,
    /// Đặc khu.
    SpecialZone,
    /// Thôn, bản, ấp.
    Village,
    /// Tổ dân phố, khu dân cư.
    ResidentialGroup,
}

impl UnitKind {
    pub const ALL: [UnitKind; 6] = [
        Self::Commune,
        Self::Ward,
        Self::Town,
        Self::SpecialZone,
        Self::Village,
        Self::ResidentialGroup,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Commune => "commune",
            Self::Ward => "ward",
            Self::Town => "town",
            Self::SpecialZone => "special_zone",
            Self::Village => "village",
            Self::ResidentialGroup => "residential_group",
        }
    }
    pub fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or(Self::Commune)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b011")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Uuid,
    #[schema(example = "Quảng Đức")]
    pub name: String,
    #[schema(example = "commune")]
    pub kind: UnitKind,
    #[schema(example = json!(null))]
    pub parent_id: Option<Uuid>,
    #[schema(example = 9650)]
    pub population: Option<i64>,
    #[schema(example = 2410)]
    pub households: Option<i64>,
    /// The official code of the administrative unit (5 digits for a commune since 2025).
    #[schema(example = "06994")]
    pub code: Option<String>,
    /// The first day it existed, when it was opened by a merger.
    #[schema(example = json!(null))]
    pub valid_from: Option<NaiveDate>,
    /// The last day it existed, when it was merged into another.
    #[schema(example = json!(null))]
    pub valid_to: Option<NaiveDate>,
    /// The unit it was merged into (its predecessors: `GET /units?successor_id=`).
    #[schema(example = json!(null))]
    pub successor_id: Option<Uuid>,
    /// The decision that merged it, or that opened it from a merger.
    #[schema(example = json!(null))]
    pub merger_decision: Option<String>,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-01-25T01:30:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-01-25T01:30:00Z")]
    pub updated_at: DateTime<Utc>,
}

impl From<unit::Model> for UnitDto {
    fn from(m: unit::Model) -> Self {
        Self {
            id: m.id,
            bloc_id: m.bloc_id,
            name: m.name,
            kind: UnitKind::parse(&m.kind),
            parent_id: m.parent_id,
            population: m.population,
            households: m.households,
            code: m.code,
            valid_from: m.valid_from,
            valid_to: m.valid_to,
            successor_id: m.successor_id,
            merger_decision: m.merger_decision,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Quảng Đức", "kind": "commune", "population": 9650, "households": 2410}))]
pub struct CreateUnit {
    /// Unique (ignoring case and diacritics) among the units of the same parent.
    pub name: String,
    pub kind: UnitKind,
    /// A unit of the same bloc this one belongs to (a village in its commune).
    pub parent_id: Option<Uuid>,
    #[schema(minimum = 0)]
    pub population: Option<i64>,
    /// At most the population.
    #[schema(minimum = 0)]
    pub households: Option<i64>,
    /// The official code of the administrative unit.
    #[serde(default)]
    pub code: Option<String>,
}

/// Fields to change; omitted fields stay, `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"households": 2432}))]
pub struct UpdateUnit {
    pub name: Option<String>,
    pub kind: Option<UnitKind>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<Uuid>)]
    pub parent_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<i64>)]
    pub population: Option<Option<i64>>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<i64>)]
    pub households: Option<Option<i64>>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UnitQuery {
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
    pub kind: Option<UnitKind>,
    pub parent_id: Option<Uuid>,
    /// The units merged into this one: its predecessors.
    pub successor_id: Option<Uuid>,
    /// `true`: only units that exist today; `false`: only those merged away.
    pub current: Option<bool>,
    /// Words of the name; case and diacritics are ignored (`q=quang duc`).
    pub q: Option<String>,
    /// `name`, `population`, `households`; `-` prefix for descending. Default: creation order.
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

crate::paged!(UnitQuery);

/// Units merged into a new one: the old ones close the day before `merged_on`, the new one
/// opens that day, and their open work moves to it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_ids": ["01a21945-3cc4-77ec-a861-b9337650b030", "01a21945-3cc4-77ec-a861-b9337650b031"],
    "new_unit": {"name": "Quảng Hà", "kind": "commune", "code": "07078"},
    "merged_on": "2025-07-01", "decision": "1679/NQ-UBTVQH15"}))]
pub struct NewMerger {
    /// Two to 50 open units of the bloc.
    pub unit_ids: Vec<Uuid>,
    pub new_unit: CreateUnit,
    /// The first day of the new unit: no figure of a merged unit may be dated on or after it.
    pub merged_on: NaiveDate,
    /// The decision that merged them (a resolution of the National Assembly Standing
    /// Committee, say).
    pub decision: String,
}

/// What a merger did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Merger {
    /// The new unit.
    pub unit: UnitDto,
    /// The units merged, now closed.
    pub merged: Vec<UnitDto>,
    /// Open unit assignments moved to the new unit.
    #[schema(example = 2)]
    pub assignments_moved: i64,
    /// Dispatches not yet reported back moved to the new unit.
    #[schema(example = 1)]
    pub dispatches_moved: i64,
    /// Units below the merged ones (villages) now below the new one.
    #[schema(example = 12)]
    pub units_moved: i64,
}
