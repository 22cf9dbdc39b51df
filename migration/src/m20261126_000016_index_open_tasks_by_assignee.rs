use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // GET /me/tasks: a person's assigned, unfinished tasks, soonest due first. A partial
        // index holding exactly those rows in that order answers it without sorting or skipping
        // finished work (portable: SQLite and PostgreSQL both have partial indexes). The bloc
        // leads it because every query carries the tenancy filter; without it PostgreSQL
        // misjudges the correlated bloc and assignee and sorts a bitmap scan instead.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_tasks_open_by_assignee ON tasks (bloc_id, assignee_id, due_sort, id) \
                 WHERE status IN ('assigned', 'in_progress', 'submitted', 'returned')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_tasks_open_by_assignee")
                    .table(Tasks::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
}
