use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blocs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub name_folded: String,
    pub level: String,
    pub parent_id: Option<Uuid>,
    pub province: String,
    pub province_folded: String,
    pub province_id: Option<Uuid>,
    pub established_on: Option<Date>,
    pub founding_decision: Option<String>,
    pub dissolved_on: Option<Date>,
    /// The bloc its work moved to when it was dissolved.
    pub successor_id: Option<Uuid>,
    pub dissolution_decision: Option<String>,
    /// Days before a deadline its people are reminded (due soon).
    pub due_soon_days: i32,
    pub keep_photo_metadata: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
