use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Directives::Table)
                    .col(uuid(Directives::Id).primary_key())
                    .col(uuid(Directives::BlocId))
                    .col(string_len(Directives::Number, 60))
                    // Folded number plus the year of issue: numbering restarts with each term.
                    .col(string_len(Directives::NumberKey, 80))
                    .col(big_integer(Directives::Serial))
                    .col(string_len(Directives::DocType, 20))
                    .col(string_len(Directives::Kind, 20))
                    .col(string_len(Directives::Issuer, 20))
                    .col(date_null(Directives::IssuedOn))
                    .col(string_len(Directives::Title, 500))
                    .col(text_null(Directives::Summary))
                    .col(uuid(Directives::CreatedBy))
                    .col(integer(Directives::Version).default(1))
                    .col(timestamp_with_time_zone(Directives::CreatedAt))
                    .col(timestamp_with_time_zone(Directives::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_directives_bloc")
                            .from(Directives::Table, Directives::BlocId)
                            .to(Blocs::Table, Blocs::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_directives_bloc_number")
                    .table(Directives::Table)
                    .col(Directives::BlocId)
                    .col(Directives::NumberKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_directives_bloc_issued", Directives::IssuedOn),
            ("ix_directives_bloc_issuer", Directives::Issuer),
            ("ix_directives_bloc_kind", Directives::Kind),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Directives::Table)
                        .col(Directives::BlocId)
                        .col(col)
                        .col(Directives::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Directives::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Directives {
    Table,
    Id,
    BlocId,
    Number,
    NumberKey,
    Serial,
    DocType,
    Kind,
    Issuer,
    IssuedOn,
    Title,
    Summary,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Blocs {
    Table,
    Id,
}
