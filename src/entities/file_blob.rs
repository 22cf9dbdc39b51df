use sea_orm::entity::prelude::*;

/// A stored content, once per bloc however many files carry it; `refs` counts the files not
/// removed, and the content leaves the store when it falls to zero.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "file_blobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub bloc_id: Uuid,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub storage_key: String,
    pub refs: i32,
    pub created_at: DateTimeUtc,
    /// Null when the content gets no preview; else pending, making, ready or failed.
    pub preview_state: Option<String>,
    pub preview_size: Option<i64>,
    pub preview_claimed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
