use crate::{entities::organisation, validate};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// Ủy ban Mặt trận Tổ quốc.
    FatherlandFront,
    /// Đoàn thể chính trị – xã hội: HND, HLHPN, ĐTN, CCB, LĐLĐ; since 2025 member bodies
    /// of the Front.
    SocioPolitical,
    /// Hội quần chúng được Đảng, Nhà nước giao nhiệm vụ: mass associations that the State
    /// assigns tasks, under the Front since 2025 (Hội Chữ thập đỏ, Hội Người cao tuổi, …).
    MassAssociation,
}

impl OrganisationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FatherlandFront => "fatherland_front",
            Self::SocioPolitical => "socio_political",
            Self::MassAssociation => "mass_association",
        }
    }
    pub fn parse(s: &str) -> Self {
        match s {
            "fatherland_front" => Self::FatherlandFront,
            "mass_association" => Self::MassAssociation,
            _ => Self::SocioPolitical,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b011")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Uuid,
    #[schema(example = "HND")]
    pub code: String,
    #[schema(example = "Hội Nông dân huyện Hải Hà")]
    pub name: String,
    #[schema(example = "socio_political")]
    pub kind: OrganisationKind,
    /// The staff member who heads it (a deputy head of the bloc, or the bloc head for MTTQ).
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b013")]
    pub head_staff_id: Option<Uuid>,
    /// A member body of the bloc's Front committee (since the 2025 reform the
    /// socio-political organisations are): its head is a vice-chair, a deputy head of the
    /// bloc.
    #[schema(example = true)]
    pub member_body: bool,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-01-25T01:30:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-01-25T01:30:00Z")]
    pub updated_at: DateTime<Utc>,
}

impl From<organisation::Model> for OrganisationDto {
    fn from(m: organisation::Model) -> Self {
        Self {
            id: m.id,
            bloc_id: m.bloc_id,
            code: m.code,
            name: m.name,
            kind: OrganisationKind::parse(&m.kind),
            head_staff_id: m.head_staff_id,
            member_body: m.member_body,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "HND", "name": "Hội Nông dân huyện Hải Hà", "kind": "socio_political"}))]
pub struct CreateOrganisation {
    /// Unique in the bloc; stored in upper case without diacritics (`ĐTN` → `DTN`).
    pub code: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub head_staff_id: Option<Uuid>,
    /// A member body of the bloc's Front committee; default false.
    #[serde(default)]
    pub member_body: bool,
}

/// Fields to change; omitted fields stay, `null` clears the head.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Hội Nông dân huyện Hải Hà"}))]
pub struct UpdateOrganisation {
    pub code: Option<String>,
    pub name: Option<String>,
    pub kind: Option<OrganisationKind>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<Uuid>)]
    pub head_staff_id: Option<Option<Uuid>>,
    pub member_body: Option<bool>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrganisationQuery {
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
    pub kind: Option<OrganisationKind>,
    pub head_staff_id: Option<Uuid>,
    /// Words of the name or code; case and diacritics are ignored (`q=nong dan`).
    pub q: Option<String>,
    /// `code`, `name`; `-` prefix for descending. Default: creation order.
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

crate::paged!(OrganisationQuery);
