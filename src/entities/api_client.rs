use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: String,
    pub name: String,
    pub secret_hash: String,
    pub role: String,
    pub province: String,
    pub province_id: Option<Uuid>,
    pub scopes: String,
    pub active: bool,
    pub rate_limit_per_minute: i32,
    pub created_by: Uuid,
    pub version: i32,
    pub secret_rotated_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
