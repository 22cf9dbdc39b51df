use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_targets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub bloc_id: Uuid,
    pub campaign_id: Uuid,
    pub indicator: String,
    pub measure: String,
    pub aggregation: String,
    pub unit_kind: Option<String>,
    pub baseline_value: f64,
    pub baseline_on: Date,
    pub target_value: f64,
    pub deadline: Date,
    pub higher_is_better: bool,
    pub created_by: Uuid,
    /// The parent campaign's target this one answers to.
    pub parent_target_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
