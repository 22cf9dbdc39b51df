use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The day in Vietnam (UTC+7, no daylight saving) of a stored UTC timestamp column.
fn vn_day(backend: DatabaseBackend, column: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("(({column}) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"),
        _ => format!("date({column}, '+7 hours')"),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// Business dates (issue 14): the day a task was opened and left the open statuses, and the
    /// day each move and report happened, as the bloc says, not the server's clock. Existing
    /// rows take the day they were entered.
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        for (table, column, null) in [
            ("tasks", "opened_on", false),
            ("tasks", "closed_on", true),
            ("task_events", "occurred_on", false),
            ("task_reports", "occurred_on", false),
        ] {
            let def = if null {
                "DATE NULL".to_string()
            } else {
                // A constant default lets SQLite add the column; every row is set just below.
                "DATE NOT NULL DEFAULT '2000-01-01'".to_string()
            };
            db.execute_unprepared(&format!("ALTER TABLE {table} ADD COLUMN {column} {def}"))
                .await?;
        }
        let created = vn_day(backend, "created_at");
        let updated = vn_day(backend, "updated_at");
        for sql in [
            format!("UPDATE tasks SET opened_on = {created}"),
            format!(
                "UPDATE tasks SET closed_on = CASE WHEN status = 'completed' THEN completed_on \
                 ELSE {updated} END WHERE status IN ('completed', 'cancelled')"
            ),
            format!("UPDATE task_events SET occurred_on = {created}"),
            format!("UPDATE task_reports SET occurred_on = {created}"),
            // `as_of` pages a bloc's tasks in id order, keeping those opened by the day: the day
            // is read from the index, and only the page's rows from the table.
            "CREATE INDEX ix_tasks_bloc_opened ON tasks (bloc_id, id, opened_on)".to_string(),
            // A task's status on day D: its last event on or before D.
            "CREATE INDEX ix_task_events_task_day ON task_events (task_id, occurred_on)"
                .to_string(),
        ] {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in [
            "DROP INDEX ix_task_events_task_day",
            "DROP INDEX ix_tasks_bloc_opened",
            "ALTER TABLE task_reports DROP COLUMN occurred_on",
            "ALTER TABLE task_events DROP COLUMN occurred_on",
            "ALTER TABLE tasks DROP COLUMN closed_on",
            "ALTER TABLE tasks DROP COLUMN opened_on",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
