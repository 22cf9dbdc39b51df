use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub task_id: Uuid,
    pub bloc_id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    pub progress: i16,
    pub evidence: String,
    pub created_at: DateTimeUtc,
    /// The day the work reported was done, in Vietnam.
    pub occurred_on: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
