use crate::{entities::unit, validate};
use chrono::{DateTime, Utc};
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
    pub kind: Option<UnitKind>,
    pub parent_id: Option<Uuid>,
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
