use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub bloc_id: Option<Uuid>,
    pub province: Option<String>,
    pub province_id: Option<Uuid>,
    pub staff_id: Option<Uuid>,
    pub active: bool,
    /// Set when someone else set the password; cleared when the person sets their own.
    pub must_change_password: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The staff record an account is linked to (`staff_id`), for the joins that read a person
/// behind accounts (their name, their email).
pub fn staff() -> RelationDef {
    Entity::belongs_to(super::staff::Entity)
        .from(Column::StaffId)
        .to(super::staff::Column::Id)
        .into()
}
