use sea_orm::entity::prelude::*;

/// The feed number of the last change announced under a bloc (the nil id: of no bloc, or of a
/// bloc's own record, which may change what other blocs see).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_positions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub bloc_id: Uuid,
    pub seq: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
