use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// A number that moves whenever a person's inbox changes (a notification written, one or
    /// all marked read). The token check reads it with the account, so a kept inbox is served
    /// without reading the inbox, and never after it changed, on any instance (issue 17's
    /// inbox speed).
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE accounts ADD COLUMN inbox_version BIGINT NOT NULL DEFAULT 0",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE accounts DROP COLUMN inbox_version")
            .await?;
        Ok(())
    }
}
