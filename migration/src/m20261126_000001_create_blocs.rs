use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Blocs::Table)
                    .col(uuid(Blocs::Id).primary_key())
                    .col(string_len(Blocs::Name, 200))
                    // Folded (lower-case, no diacritics) copy of the name for indexed search.
                    .col(string_len(Blocs::NameFolded, 200))
                    .col(string_len(Blocs::Level, 16))
                    .col(uuid_null(Blocs::ParentId))
                    .col(string_len(Blocs::Province, 100))
                    .col(string_len(Blocs::ProvinceFolded, 100))
                    .col(date_null(Blocs::EstablishedOn))
                    .col(string_len_null(Blocs::FoundingDecision, 100))
                    .col(integer(Blocs::Version).default(1))
                    .col(timestamp_with_time_zone(Blocs::CreatedAt))
                    .col(timestamp_with_time_zone(Blocs::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_blocs_parent")
                            .from(Blocs::Table, Blocs::ParentId)
                            .to(Blocs::Table, Blocs::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_blocs_parent", Blocs::ParentId),
            ("ix_blocs_province_folded", Blocs::ProvinceFolded),
            ("ix_blocs_name_folded", Blocs::NameFolded),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Blocs::Table)
                        .col(col)
                        .col(Blocs::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Blocs::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Blocs {
    Table,
    Id,
    Name,
    NameFolded,
    Level,
    ParentId,
    Province,
    ProvinceFolded,
    EstablishedOn,
    FoundingDecision,
    Version,
    CreatedAt,
    UpdatedAt,
}
