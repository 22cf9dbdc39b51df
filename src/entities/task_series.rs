use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_series")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub bloc_id: Uuid,
    pub title: String,
    pub description: String,
    pub expected_result: String,
    pub lead_organisation_id: Uuid,
    pub sub_committee_id: Option<Uuid>,
    pub assignee_id: Uuid,
    pub priority: i16,
    pub rule: String,
    pub due_after_days: i32,
    pub lead_days: i32,
    pub starts_on: Date,
    pub until: Option<Date>,
    pub status: String,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
