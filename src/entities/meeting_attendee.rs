use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meeting_attendees")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub meeting_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub staff_id: Uuid,
    pub bloc_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
