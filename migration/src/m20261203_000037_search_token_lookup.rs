use crate::m20261203_000035_search_token_probe as probe;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// Migration 35's index again, `(resource_id, token)` in place of `resource_id` alone: a
    /// search whose every word is common looks each word up by the row's id on the first rows
    /// of its walk (`search::probing`), and with the id alone each look-up read every word of
    /// the resource. Deleting a resource's words by its id uses it as it used the narrower one.
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        probe::Migration.up(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        probe::Migration.down(m).await
    }
}
