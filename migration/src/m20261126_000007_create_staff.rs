use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Staff::Table)
                    .col(uuid(Staff::Id).primary_key())
                    .col(uuid(Staff::BlocId))
                    .col(string_len(Staff::FullName, 200))
                    .col(string_len_null(Staff::Position, 200))
                    .col(uuid_null(Staff::OrganisationId))
                    .col(uuid_null(Staff::SubCommitteeId))
                    .col(string_len(Staff::Role, 16))
                    .col(string_len_null(Staff::Phone, 32))
                    .col(string_len_null(Staff::Email, 254))
                    .col(boolean(Staff::Active).default(true))
                    .col(integer(Staff::Version).default(1))
                    .col(timestamp_with_time_zone(Staff::CreatedAt))
                    .col(timestamp_with_time_zone(Staff::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_staff_bloc")
                            .from(Staff::Table, Staff::BlocId)
                            .to(Blocs::Table, Blocs::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_staff_organisation")
                            .from(Staff::Table, Staff::OrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_staff_sub_committee")
                            .from(Staff::Table, Staff::SubCommitteeId)
                            .to(SubCommittees::Table, SubCommittees::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_staff_bloc_sub_committee", Staff::SubCommitteeId),
            ("ix_staff_bloc_organisation", Staff::OrganisationId),
            ("ix_staff_bloc_role", Staff::Role),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Staff::Table)
                        .col(Staff::BlocId)
                        .col(col)
                        .col(Staff::Id)
                        .to_owned(),
                )
                .await?;
        }
        // Exactly one active bloc head per bloc, enforced by the database as well as the service.
        // Partial indexes are portable between SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_staff_one_active_head ON staff (bloc_id) \
                 WHERE role = 'bloc_head' AND active = TRUE",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Staff::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Staff {
    Table,
    Id,
    BlocId,
    FullName,
    Position,
    OrganisationId,
    SubCommitteeId,
    Role,
    Phone,
    Email,
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

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SubCommittees {
    Table,
    Id,
}
