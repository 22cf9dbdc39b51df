use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub account_id: Uuid,
    pub bloc_id: Option<Uuid>,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub href: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<Uuid>,
    pub urgent: bool,
    pub dedupe_key: Option<String>,
    pub read_at: Option<DateTimeUtc>,
    /// Its emails and pushes have been queued (by the instance that claimed it).
    pub dispatched: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
