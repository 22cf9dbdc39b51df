use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SubCommittees::Table)
                    .col(uuid(SubCommittees::Id).primary_key())
                    .col(uuid(SubCommittees::BlocId))
                    .col(string_len(SubCommittees::Code, 20))
                    .col(string_len(SubCommittees::Name, 200))
                    .col(text_null(SubCommittees::Mandate))
                    // Checked by the service (see organisations for why there is no foreign key).
                    .col(uuid_null(SubCommittees::HeadStaffId))
                    .col(integer(SubCommittees::Version).default(1))
                    .col(timestamp_with_time_zone(SubCommittees::CreatedAt))
                    .col(timestamp_with_time_zone(SubCommittees::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sub_committees_bloc")
                            .from(SubCommittees::Table, SubCommittees::BlocId)
                            .to(Blocs::Table, Blocs::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_sub_committees_bloc_code")
                    .table(SubCommittees::Table)
                    .col(SubCommittees::BlocId)
                    .col(SubCommittees::Code)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SubCommittees::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SubCommittees {
    Table,
    Id,
    BlocId,
    Code,
    Name,
    Mandate,
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
