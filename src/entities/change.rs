use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_feed")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub resource_type: String,
    pub resource_id: Uuid,
    pub bloc_id: Option<Uuid>,
    pub operation: String,
    /// What happened: `create`, `update`, or a workflow move (`accept`, `decline`, …).
    pub action: Option<String>,
    pub version: Option<i32>,
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
