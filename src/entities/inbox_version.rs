use sea_orm::entity::prelude::*;

/// A number that moves whenever a person's inbox changes (a notification written, one or all
/// marked read): a kept inbox page is keyed by it. Its own table, not a column of `accounts`,
/// so moving it never waits on an account being edited.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inbox_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: Uuid,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
