use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// An uploaded file as stored: the type is the one its content shows, the size and SHA-256
/// those of the bytes kept (a photo's location and camera metadata removed).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01a21945-3cc4-77ec-a861-b9337650b0f1",
    "bloc_id": "01a21945-3cc4-77ec-a861-b9337650b001",
    "name": "Biên bản hội nghị 20-01-2016.pdf",
    "media_type": "application/pdf",
    "size": 482113,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "created_by": {"id": "01a21945-3cc4-77ec-a861-b9337650b041", "account_id": "01a21945-3cc4-77ec-a861-b9337650b031", "full_name": "Lý Văn Cường"},
    "attached_to": null,
    "content_href": "/api/v1/files/01a21945-3cc4-77ec-a861-b9337650b0f1/content",
    "preview_href": null,
    "removed_at": null,
    "version": 1,
    "created_at": "2016-01-20T09:00:00Z"
}))]
pub struct FileDto {
    pub id: Uuid,
    pub bloc_id: Uuid,
    /// As uploaded, without any path, control characters or more than 255 characters.
    pub name: String,
    pub media_type: String,
    pub size: i64,
    /// Of the bytes served by `content_href`, lowercase hex; also the content's `ETag`.
    pub sha256: String,
    /// Who uploaded it (see `Person`).
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    /// What it is attached to; null until it is (an unattached upload is removed after a day).
    pub attached_to: Option<AttachedTo>,
    pub content_href: String,
    /// A JPEG of at most 320 pixels a side, for a JPEG, PNG or WebP image (made in the
    /// background just after the upload); null for other types.
    pub preview_href: Option<String>,
    /// When it was removed (by its uploader, or as an unattached upload after a day): its
    /// content is gone, its record stays.
    pub removed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachedTo {
    /// `task_report`, `campaign_measurement`, `supervision_finding`, …
    #[serde(rename = "type")]
    #[schema(example = "task_report")]
    pub kind: String,
    pub id: Uuid,
}

/// A file as listed on what it is attached to: enough for a phone to show the list and fetch
/// what is tapped.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[schema(example = json!({
    "id": "01a21945-3cc4-77ec-a861-b9337650b0f1",
    "name": "Biên bản hội nghị 20-01-2016.pdf",
    "media_type": "application/pdf",
    "size": 482113,
    "content_href": "/api/v1/files/01a21945-3cc4-77ec-a861-b9337650b0f1/content",
    "preview_href": null
}))]
pub struct FileRef {
    pub id: Uuid,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub content_href: String,
    /// A small JPEG to show in a list (images only; see `FileDto`).
    pub preview_href: Option<String>,
}

/// The form of `POST /files`: one part named `file`.
#[derive(ToSchema)]
#[schema(example = json!({"file": "(the bytes of Biên bản hội nghị 20-01-2016.pdf)"}))]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file; its name is kept, its type is read from its content.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// A file's bytes, as sent or stored (an XLSX workbook to import, an attachment's content).
pub struct FileBytes;

impl utoipa::PartialSchema for FileBytes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for FileBytes {}
