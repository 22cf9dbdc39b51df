use sea_orm::entity::prelude::*;

/// How many tasks of a bloc, organisation and sub-committee (the nil id for none) fall on a
/// day, a month or a year (`grain` d, m, y; n for no day) under a kind of count, kept by
/// triggers on `tasks` (migration 32). Read by the province summary only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_tallies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub bloc_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub grain: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub organisation_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sub_committee_id: Uuid,
    pub n: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
