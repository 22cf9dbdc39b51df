use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub bloc_id: Uuid,
    pub name: String,
    pub name_folded: String,
    pub kind: String,
    pub description: Option<String>,
    pub lead_organisation_id: Uuid,
    pub start_on: Date,
    pub end_on: Date,
    pub status: String,
    pub created_by: Uuid,
    /// The parent bloc's campaign this one joined by cascade.
    pub parent_campaign_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
