use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub bloc_id: Uuid,
    pub name: String,
    pub name_folded: String,
    pub kind: String,
    pub parent_id: Option<Uuid>,
    pub population: Option<i64>,
    pub households: Option<i64>,
    /// The official code of the administrative unit, where it is one.
    pub code: Option<String>,
    /// Its life span: opened (by a merger, say) and closed.
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    /// The unit it was merged into.
    pub successor_id: Option<Uuid>,
    /// The decision that merged it, or that opened it from a merger.
    pub merger_decision: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
