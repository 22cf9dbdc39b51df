use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_measurements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub bloc_id: Uuid,
    pub campaign_id: Uuid,
    pub target_id: Uuid,
    pub unit_id: Uuid,
    pub as_of: Date,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub met: Option<bool>,
    pub source: Option<String>,
    /// Unused since migration 26 (kept so a rollback loses nothing); see `evidence`.
    pub evidence_url: Option<String>,
    /// A JSON list of links.
    pub evidence: String,
    pub note: Option<String>,
    pub supersedes_id: Option<Uuid>,
    pub superseded_by: Option<Uuid>,
    pub recorded_by: Uuid,
    pub recorded_by_staff_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
