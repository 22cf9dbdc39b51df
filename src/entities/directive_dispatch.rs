use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directive_dispatches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub bloc_id: Uuid,
    pub directive_id: Uuid,
    pub unit_id: Option<Uuid>,
    /// A child bloc it was sent to, instead of a unit.
    pub to_bloc_id: Option<Uuid>,
    pub sent_on: Date,
    pub due_on: Option<Date>,
    pub acknowledged_on: Option<Date>,
    pub reported_on: Option<Date>,
    pub report: Option<String>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
