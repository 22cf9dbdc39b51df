use super::number;
use crate::{entities::directive, validate};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct DirectiveDto {
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b011")]
    pub id: Uuid,
    #[schema(example = "01a21945-3cc4-77ec-a861-b9337650b012")]
    pub bloc_id: Uuid,
    /// As written, in upper case.
    #[schema(example = "292-QĐ/HU")]
    pub number: String,
    #[schema(example = 292)]
    pub serial: i64,
    /// The type code of the number.
    #[schema(example = "QĐ")]
    pub doc_type: String,
    /// `decision` (QĐ), `resolution` (NQ), `plan` (KH), `directive` (CT), `guidance` (HD),
    /// `notice` (TB), `conclusion` (KL), `report` (BC), `regulation` (QC), `rule` (QĐi),
    /// `programme` (CTr), `official_letter` (CV), `proposal` (TTr), `scheme` (ĐA) or `other`.
    #[schema(example = "decision")]
    pub kind: String,
    /// The issuing body's code (TW, TU, HU, ĐU, UBND, …).
    #[schema(example = "HU")]
    pub issuer: String,
    /// What the issuer code stands for, when it is a known one.
    #[schema(example = "district Party committee")]
    pub issuer_name: Option<String>,
    #[schema(example = "2016-01-08")]
    pub issued_on: Option<NaiveDate>,
    #[schema(
        example = "Về ban hành quy chế tổ chức và hoạt động của các cơ quan khối Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội huyện Hải Hà"
    )]
    pub title: String,
    #[schema(example = "Quy chế tổ chức và hoạt động của cơ quan Khối.")]
    pub summary: Option<String>,
    /// Who did it: their staff id and full name (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "2016-01-09T01:30:00Z")]
    pub created_at: DateTime<Utc>,
    #[schema(example = "2016-01-09T01:30:00Z")]
    pub updated_at: DateTime<Utc>,
}

impl From<directive::Model> for DirectiveDto {
    fn from(m: directive::Model) -> Self {
        Self {
            issuer_name: number::issuer_name(&m.issuer).map(str::to_string),
            id: m.id,
            bloc_id: m.bloc_id,
            number: m.number,
            serial: m.serial,
            doc_type: m.doc_type,
            kind: m.kind,
            issuer: m.issuer,
            issued_on: m.issued_on,
            title: m.title,
            summary: m.summary,
            created_by: m.created_by,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "number": "292-QĐ/HU", "issued_on": "2016-01-08",
    "title": "Về ban hành quy chế tổ chức và hoạt động của các cơ quan khối Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội huyện Hải Hà"
}))]
pub struct CreateDirective {
    /// `292-QĐ/HU` (Party) or `123/QĐ-UBND`, `45/2016/QĐ-UBND` (State). Unique in the bloc
    /// among documents issued the same year.
    pub number: String,
    pub issued_on: Option<NaiveDate>,
    pub title: String,
    pub summary: Option<String>,
}

/// Fields to change; omitted fields stay, `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"summary": "Quy chế tổ chức và hoạt động của cơ quan Khối."}))]
pub struct UpdateDirective {
    pub number: Option<String>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    pub issued_on: Option<Option<NaiveDate>>,
    pub title: Option<String>,
    #[serde(default, deserialize_with = "validate::patch")]
    #[schema(value_type = Option<String>)]
    pub summary: Option<Option<String>>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DirectiveQuery {
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
    /// Issuer code (`HU`, `TU`, …); case and diacritics are ignored.
    pub issuer: Option<String>,
    /// `decision`, `resolution`, `plan`, …
    pub kind: Option<String>,
    /// Issued on or after this date.
    pub issued_from: Option<NaiveDate>,
    /// Issued on or before this date.
    pub issued_to: Option<NaiveDate>,
    /// Words of the number, title or summary; case and diacritics are ignored.
    pub q: Option<String>,
    /// `issued_on`, `serial`, `created_at`; `-` prefix for descending. Default: creation order.
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

crate::paged!(DirectiveQuery);
