use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "supervisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub bloc_id: Uuid,
    pub kind: String,
    pub title: String,
    pub subject: String,
    pub directive_id: Option<Uuid>,
    pub lead_organisation_id: Option<Uuid>,
    pub sub_committee_id: Option<Uuid>,
    pub planned_start: Date,
    pub planned_end: Date,
    pub status: String,
    pub conclusion: Option<String>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
