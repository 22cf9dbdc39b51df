use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Units::Table)
                    .col(uuid(Units::Id).primary_key())
                    .col(uuid(Units::BlocId))
                    .col(string_len(Units::Name, 200))
                    // Lower case without diacritics: uniqueness of a name within its parent.
                    .col(string_len(Units::NameFolded, 200))
                    .col(string_len(Units::Kind, 20))
                    .col(uuid_null(Units::ParentId))
                    .col(big_integer_null(Units::Population))
                    .col(big_integer_null(Units::Households))
                    .col(integer(Units::Version).default(1))
                    .col(timestamp_with_time_zone(Units::CreatedAt))
                    .col(timestamp_with_time_zone(Units::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_units_bloc")
                            .from(Units::Table, Units::BlocId)
                            .to(Blocs::Table, Blocs::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_units_parent")
                            .from(Units::Table, Units::ParentId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // NULL parents are distinct in unique indexes, so top-level names get their own index.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_units_name_in_parent ON units (bloc_id, parent_id, name_folded) \
             WHERE parent_id IS NOT NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_units_name_top_level ON units (bloc_id, name_folded) \
             WHERE parent_id IS NULL",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_units_bloc_kind")
                    .table(Units::Table)
                    .col(Units::BlocId)
                    .col(Units::Kind)
                    .col(Units::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Units::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    BlocId,
    Name,
    NameFolded,
    Kind,
    ParentId,
    Population,
    Households,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Blocs {
    Table,
    Id,
}
