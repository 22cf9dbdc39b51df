use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub task_id: Uuid,
    pub bloc_id: Uuid,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: Uuid,
    pub note: Option<String>,
    pub data: String,
    pub created_at: DateTimeUtc,
    /// The day the move happened, in Vietnam, as the caller said (default: the day it was entered).
    pub occurred_on: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
