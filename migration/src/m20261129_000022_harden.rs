use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Fixed-window counters shared by every instance: sign-ins per address and in all.
        manager
            .create_table(
                Table::create()
                    .table(RateWindows::Table)
                    .col(ColumnDef::new(RateWindows::Key).string_len(200).not_null())
                    .col(
                        ColumnDef::new(RateWindows::WindowStart)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RateWindows::Count).integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(RateWindows::Key)
                            .col(RateWindows::WindowStart),
                    )
                    .to_owned(),
            )
            .await?;
        // One active bloc head account per bloc, whether or not it is linked to a staff member:
        // the rule holds even when two requests race past the service's own check.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_accounts_one_active_head ON accounts (bloc_id) \
                 WHERE role = 'bloc_head' AND active",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ux_accounts_one_active_head")
            .await?;
        manager
            .drop_table(Table::drop().table(RateWindows::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RateWindows {
    Table,
    Key,
    WindowStart,
    Count,
}
