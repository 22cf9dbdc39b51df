use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .col(uuid(Organisations::Id).primary_key())
                    .col(uuid(Organisations::BlocId))
                    .col(string_len(Organisations::Code, 20))
                    .col(string_len(Organisations::Name, 200))
                    .col(string_len(Organisations::Kind, 20))
                    // No foreign key: staff refer to organisations too, and SQLite cannot add
                    // the second half of a cycle later. The service checks it.
                    .col(uuid_null(Organisations::HeadStaffId))
                    .col(integer(Organisations::Version).default(1))
                    .col(timestamp_with_time_zone(Organisations::CreatedAt))
                    .col(timestamp_with_time_zone(Organisations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organisations_bloc")
                            .from(Organisations::Table, Organisations::BlocId)
                            .to(Blocs::Table, Blocs::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_organisations_bloc_code")
                    .table(Organisations::Table)
                    .col(Organisations::BlocId)
                    .col(Organisations::Code)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Organisations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    BlocId,
    Code,
    Name,
    Kind,
    HeadStaffId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Blocs {
    Table,
    Id,
}
