use sea_orm::entity::prelude::*;

/// An upload: its name, type and size as stored, who made it, and the one resource it is
/// attached to (unattached uploads are removed after a day). Never deleted: removal keeps the
/// record and frees the content.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "files")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub bloc_id: Uuid,
    pub blob_id: Uuid,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: Uuid,
    pub attached_type: Option<String>,
    pub attached_id: Option<Uuid>,
    pub attached_at: Option<DateTimeUtc>,
    pub removed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
