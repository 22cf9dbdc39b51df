use sea_orm_migration::{prelude::*, schema::*};

/// API clients (service accounts for machines such as the provincial portal) and their
/// per-minute request counts, shared by every instance through the database.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ApiClients::Table)
                .col(uuid(ApiClients::Id).primary_key())
                .col(string_len(ApiClients::ClientId, 64).unique_key())
                .col(string_len(ApiClients::Name, 200))
                .col(string_len(ApiClients::SecretHash, 64))
                .col(string_len(ApiClients::Role, 20))
                .col(string_len(ApiClients::Province, 100))
                .col(string_len(ApiClients::Scopes, 500))
                .col(boolean(ApiClients::Active))
                .col(integer(ApiClients::RateLimitPerMinute))
                .col(uuid(ApiClients::CreatedBy))
                .col(integer(ApiClients::Version).default(1))
                .col(timestamp_with_time_zone(ApiClients::SecretRotatedAt))
                .col(timestamp_with_time_zone(ApiClients::CreatedAt))
                .col(timestamp_with_time_zone(ApiClients::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ClientRateWindows::Table)
                .col(uuid(ClientRateWindows::ClientId))
                .col(big_integer(ClientRateWindows::WindowStart))
                .col(integer(ClientRateWindows::Count))
                .primary_key(
                    Index::create()
                        .col(ClientRateWindows::ClientId)
                        .col(ClientRateWindows::WindowStart),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ClientRateWindows::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ApiClients::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
    ClientId,
    Name,
    SecretHash,
    Role,
    Province,
    Scopes,
    Active,
    RateLimitPerMinute,
    CreatedBy,
    Version,
    SecretRotatedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ClientRateWindows {
    Table,
    ClientId,
    WindowStart,
    Count,
}
