use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(uuid(Accounts::Id).primary_key())
                    .col(string_len(Accounts::Username, 64).unique_key())
                    .col(string_len(Accounts::PasswordHash, 200))
                    .col(string_len(Accounts::Role, 16))
                    // NULL for installation-wide roles (admin) and province-wide ones (portal).
                    .col(uuid_null(Accounts::BlocId))
                    .col(string_len_null(Accounts::Province, 100))
                    .col(boolean(Accounts::Active).default(true))
                    .col(integer(Accounts::Version).default(1))
                    .col(timestamp_with_time_zone(Accounts::CreatedAt))
                    .col(timestamp_with_time_zone(Accounts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_accounts_bloc")
                            .from(Accounts::Table, Accounts::BlocId)
                            .to(Blocs::Table, Blocs::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_accounts_bloc")
                    .table(Accounts::Table)
                    .col(Accounts::BlocId)
                    .col(Accounts::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Accounts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Username,
    PasswordHash,
    Role,
    BlocId,
    Province,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Blocs {
    Table,
    Id,
}
