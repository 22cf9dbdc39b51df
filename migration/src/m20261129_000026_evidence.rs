use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// A campaign figure's evidence becomes a list of links, as a task report's is (issue 16:
    /// evidence the same everywhere). The one link a figure had moves into the list;
    /// `evidence_url` stays, unused, so a rollback loses nothing.
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "ALTER TABLE campaign_measurements ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]'",
        )
        .await?;
        let array = match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => "json_build_array(evidence_url)::text",
            _ => "json_array(evidence_url)",
        };
        db.execute_unprepared(&format!(
            "UPDATE campaign_measurements SET evidence = {array} WHERE evidence_url IS NOT NULL"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE campaign_measurements DROP COLUMN evidence")
            .await?;
        Ok(())
    }
}
