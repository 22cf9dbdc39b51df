use crate::m20261203_000035_search_token_probe as probe;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// Migration 35 widened `search_tokens`' index on `resource_id` to `(resource_id, token)` for
    /// a search that looked a common word up for each row it walked. That search is undone
    /// (bounded by the word's matches again, BENCHMARKS.md 2026-12-03), so no statement reads
    /// the token from this index: the delete of a resource's words by its id needs the id alone.
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        probe::Migration.down(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        probe::Migration.up(m).await
    }
}
