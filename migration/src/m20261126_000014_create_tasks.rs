use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tasks::Table)
                    .col(uuid(Tasks::Id).primary_key())
                    .col(uuid(Tasks::BlocId))
                    .col(string_len(Tasks::Title, 300))
                    .col(text_null(Tasks::Description))
                    .col(text_null(Tasks::ExpectedResult))
                    .col(uuid_null(Tasks::DirectiveId))
                    // Campaigns arrive later; the service checks the reference.
                    .col(uuid_null(Tasks::CampaignId))
                    .col(uuid_null(Tasks::LeadOrganisationId))
                    .col(uuid_null(Tasks::SubCommitteeId))
                    .col(uuid_null(Tasks::AssigneeId))
                    .col(uuid(Tasks::CreatedBy))
                    .col(date_null(Tasks::StartDate))
                    .col(date_null(Tasks::DueDate))
                    // due_date, or 9999-12-31 without one: a non-null key for keyset sorting.
                    .col(date(Tasks::DueSort))
                    // 1 low, 2 normal, 3 high, 4 urgent: sortable.
                    .col(small_integer(Tasks::Priority))
                    .col(boolean(Tasks::KeyTask).default(false))
                    .col(small_integer(Tasks::Progress).default(0))
                    .col(string_len(Tasks::Status, 16))
                    // Local (Asia/Ho_Chi_Minh) date of completion: deadline standing derives from it.
                    .col(date_null(Tasks::CompletedOn))
                    .col(uuid_null(Tasks::DuplicateOf))
                    .col(integer(Tasks::Version).default(1))
                    .col(timestamp_with_time_zone(Tasks::CreatedAt))
                    .col(timestamp_with_time_zone(Tasks::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tasks_bloc")
                            .from(Tasks::Table, Tasks::BlocId)
                            .to(Blocs::Table, Blocs::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tasks_directive")
                            .from(Tasks::Table, Tasks::DirectiveId)
                            .to(Directives::Table, Directives::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tasks_lead")
                            .from(Tasks::Table, Tasks::LeadOrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tasks_sub_committee")
                            .from(Tasks::Table, Tasks::SubCommitteeId)
                            .to(SubCommittees::Table, SubCommittees::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tasks_assignee")
                            .from(Tasks::Table, Tasks::AssigneeId)
                            .to(Staff::Table, Staff::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tasks_duplicate_of")
                            .from(Tasks::Table, Tasks::DuplicateOf)
                            .to(Tasks::Table, Tasks::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One index per documented filter and sort, each led by the bloc (tenancy) and ending in
        // the id (keyset tie-break).
        let indexes: [(&str, &[Tasks]); 10] = [
            (
                "ix_tasks_bloc_status",
                &[Tasks::BlocId, Tasks::Status, Tasks::Id],
            ),
            (
                "ix_tasks_bloc_due",
                &[Tasks::BlocId, Tasks::DueSort, Tasks::Id],
            ),
            (
                "ix_tasks_bloc_status_due",
                &[Tasks::BlocId, Tasks::Status, Tasks::DueSort, Tasks::Id],
            ),
            (
                "ix_tasks_bloc_priority",
                &[Tasks::BlocId, Tasks::Priority, Tasks::Id],
            ),
            (
                "ix_tasks_bloc_created",
                &[Tasks::BlocId, Tasks::CreatedAt, Tasks::Id],
            ),
            (
                "ix_tasks_assignee_status_due",
                &[Tasks::AssigneeId, Tasks::Status, Tasks::DueSort, Tasks::Id],
            ),
            (
                "ix_tasks_bloc_lead",
                &[Tasks::BlocId, Tasks::LeadOrganisationId, Tasks::Id],
            ),
            (
                "ix_tasks_bloc_sub_committee",
                &[Tasks::BlocId, Tasks::SubCommitteeId, Tasks::Id],
            ),
            (
                "ix_tasks_bloc_directive",
                &[Tasks::BlocId, Tasks::DirectiveId, Tasks::Id],
            ),
            (
                "ix_tasks_bloc_campaign",
                &[Tasks::BlocId, Tasks::CampaignId, Tasks::Id],
            ),
        ];
        for (name, cols) in indexes {
            let mut idx = Index::create();
            idx.name(name).table(Tasks::Table);
            for c in cols {
                idx.col(c.clone());
            }
            manager.create_index(idx.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(TaskCoordinators::Table)
                    .col(uuid(TaskCoordinators::TaskId))
                    .col(uuid(TaskCoordinators::OrganisationId))
                    .primary_key(
                        Index::create()
                            .col(TaskCoordinators::TaskId)
                            .col(TaskCoordinators::OrganisationId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_task_coordinators_task")
                            .from(TaskCoordinators::Table, TaskCoordinators::TaskId)
                            .to(Tasks::Table, Tasks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_task_coordinators_org")
                            .from(TaskCoordinators::Table, TaskCoordinators::OrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_task_coordinators_org")
                    .table(TaskCoordinators::Table)
                    .col(TaskCoordinators::OrganisationId)
                    .col(TaskCoordinators::TaskId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TaskEvents::Table)
                    .col(uuid(TaskEvents::Id).primary_key())
                    .col(uuid(TaskEvents::TaskId))
                    .col(uuid(TaskEvents::BlocId))
                    .col(string_len(TaskEvents::Action, 24))
                    .col(string_len_null(TaskEvents::FromStatus, 16))
                    .col(string_len(TaskEvents::ToStatus, 16))
                    .col(uuid(TaskEvents::ActorId))
                    .col(text_null(TaskEvents::Note))
                    // JSON text: what else the move changed (e.g. the assignee before and after).
                    .col(text(TaskEvents::Data))
                    .col(timestamp_with_time_zone(TaskEvents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_task_events_task")
                            .from(TaskEvents::Table, TaskEvents::TaskId)
                            .to(Tasks::Table, Tasks::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_task_events_task")
                    .table(TaskEvents::Table)
                    .col(TaskEvents::TaskId)
                    .col(TaskEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TaskReports::Table)
                    .col(uuid(TaskReports::Id).primary_key())
                    .col(uuid(TaskReports::TaskId))
                    .col(uuid(TaskReports::BlocId))
                    .col(uuid(TaskReports::AuthorId))
                    .col(text(TaskReports::Body))
                    .col(small_integer(TaskReports::Progress))
                    // JSON array of links, as text.
                    .col(text(TaskReports::Evidence))
                    .col(timestamp_with_time_zone(TaskReports::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_task_reports_task")
                            .from(TaskReports::Table, TaskReports::TaskId)
                            .to(Tasks::Table, Tasks::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_task_reports_task")
                    .table(TaskReports::Table)
                    .col(TaskReports::TaskId)
                    .col(TaskReports::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            TaskReports::Table.into_iden(),
            TaskEvents::Table.into_iden(),
            TaskCoordinators::Table.into_iden(),
            Tasks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone)]
enum Tasks {
    Table,
    Id,
    BlocId,
    Title,
    Description,
    ExpectedResult,
    DirectiveId,
    CampaignId,
    LeadOrganisationId,
    SubCommitteeId,
    AssigneeId,
    CreatedBy,
    StartDate,
    DueDate,
    DueSort,
    Priority,
    KeyTask,
    Progress,
    Status,
    CompletedOn,
    DuplicateOf,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TaskCoordinators {
    Table,
    TaskId,
    OrganisationId,
}

#[derive(DeriveIden)]
enum TaskEvents {
    Table,
    Id,
    TaskId,
    BlocId,
    Action,
    FromStatus,
    ToStatus,
    ActorId,
    Note,
    Data,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TaskReports {
    Table,
    Id,
    TaskId,
    BlocId,
    AuthorId,
    Body,
    Progress,
    Evidence,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Blocs {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Directives {
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
#[derive(DeriveIden)]
enum Staff {
    Table,
    Id,
}
