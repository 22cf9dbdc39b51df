use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Append-only history of moves between sub-committees.
        manager
            .create_table(
                Table::create()
                    .table(StaffAssignments::Table)
                    .col(uuid(StaffAssignments::Id).primary_key())
                    .col(uuid(StaffAssignments::BlocId))
                    .col(uuid(StaffAssignments::StaffId))
                    .col(uuid_null(StaffAssignments::FromSubCommitteeId))
                    .col(uuid_null(StaffAssignments::ToSubCommitteeId))
                    .col(date(StaffAssignments::EffectiveOn))
                    .col(string_len_null(StaffAssignments::DecisionRef, 100))
                    .col(text_null(StaffAssignments::Note))
                    .col(uuid(StaffAssignments::CreatedBy))
                    .col(timestamp_with_time_zone(StaffAssignments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_staff_assignments_staff")
                            .from(StaffAssignments::Table, StaffAssignments::StaffId)
                            .to(Staff::Table, Staff::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_staff_assignments_staff")
                    .table(StaffAssignments::Table)
                    .col(StaffAssignments::StaffId)
                    .col(StaffAssignments::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StaffAssignments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum StaffAssignments {
    Table,
    Id,
    BlocId,
    StaffId,
    FromSubCommitteeId,
    ToSubCommitteeId,
    EffectiveOn,
    DecisionRef,
    Note,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Staff {
    Table,
    Id,
}
