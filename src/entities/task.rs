use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub bloc_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub expected_result: Option<String>,
    pub directive_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub lead_organisation_id: Option<Uuid>,
    pub sub_committee_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub created_by: Uuid,
    pub start_date: Option<Date>,
    pub due_date: Option<Date>,
    pub due_sort: Date,
    pub priority: i16,
    pub key_task: bool,
    pub progress: i16,
    pub status: String,
    pub completed_on: Option<Date>,
    /// The day the task was opened, in Vietnam (given, or the day it was entered).
    pub opened_on: Date,
    /// The day it was completed or cancelled.
    pub closed_on: Option<Date>,
    pub duplicate_of: Option<Uuid>,
    pub meeting_decision_id: Option<Uuid>,
    /// The task of the parent bloc this one was delegated from.
    pub parent_task_id: Option<Uuid>,
    /// Completing it waits for every delegated task that was not declined.
    pub waits_for_children: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
