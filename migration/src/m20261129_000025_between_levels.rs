use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(s: &str) -> Alias {
    Alias::new(s)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// Work between levels (issue 15).
    ///
    /// - `provinces`: provinces as records. The 34 provinces of 1 July 2025 are reference data
    ///   that the service writes at start-up (`src/provinces/reference.rs`), with the codes of
    ///   the Prime Minister's Decision 19/2025/QĐ-TTg (Bảng danh mục và mã số các đơn vị hành
    ///   chính Việt Nam, in force from 2025-07-01) where the list was read from its published
    ///   text, and left empty where it was not. Blocs, portal accounts and API clients gain
    ///   `province_id`; their existing province names are linked at start-up, unknown names
    ///   becoming records of their own, so nothing is lost.
    /// - A task delegated to a child bloc is a task of that bloc pointing at its parent task.
    /// - A directive is sent to a child bloc as well as to a unit: a dispatch names one or the
    ///   other.
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("provinces"))
                .col(uuid(a("id")).primary_key())
                .col(string_len_null(a("code"), 2))
                .col(string_len(a("name"), 100))
                .col(string_len(a("name_folded"), 100))
                .col(string_len(a("full_name"), 120))
                .col(date_null(a("valid_from")))
                .col(date_null(a("valid_to")))
                .col(integer(a("version")).default(1))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("ux_provinces_name", vec!["name_folded"]),
            ("ux_provinces_code", vec!["code"]),
        ] {
            let mut ix = Index::create();
            ix.name(name).table(a("provinces")).unique();
            for c in cols {
                ix.col(a(c));
            }
            m.create_index(ix.to_owned()).await?;
        }
        for table in ["blocs", "accounts", "api_clients"] {
            m.alter_table(
                Table::alter()
                    .table(a(table))
                    .add_column(uuid_null(a("province_id")))
                    .to_owned(),
            )
            .await?;
        }
        // The feed says what happened, not only create or update: a delegation accepted or
        // declined, a dispatch acknowledged.
        m.alter_table(
            Table::alter()
                .table(a("change_feed"))
                .add_column(string_len_null(a("action"), 40))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(a("tasks"))
                .add_column(uuid_null(a("parent_task_id")))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(a("tasks"))
                .add_column(boolean(a("waits_for_children")).default(false))
                .to_owned(),
        )
        .await?;
        // A campaign cascaded to a child bloc, and its targets, point at the parent's.
        for (table, column) in [
            ("campaigns", "parent_campaign_id"),
            ("campaign_targets", "parent_target_id"),
            // A unit merged into another points at it; a dissolved bloc at its successor.
            ("units", "successor_id"),
            ("blocs", "successor_id"),
        ] {
            m.alter_table(
                Table::alter()
                    .table(a(table))
                    .add_column(uuid_null(a(column)))
                    .to_owned(),
            )
            .await?;
        }
        // Units gain an official code and a life span; blocs a dissolution.
        for (table, column, def) in [
            ("units", "code", "VARCHAR(20) NULL"),
            ("units", "valid_from", "DATE NULL"),
            ("units", "valid_to", "DATE NULL"),
            ("units", "merger_decision", "VARCHAR(100) NULL"),
            ("blocs", "dissolved_on", "DATE NULL"),
            ("blocs", "dissolution_decision", "VARCHAR(100) NULL"),
            // An organisation that is a member body of the bloc's Front committee (since 2025).
            (
                "organisations",
                "member_body",
                "BOOLEAN NOT NULL DEFAULT FALSE",
            ),
        ] {
            m.get_connection()
                .execute_unprepared(&format!("ALTER TABLE {table} ADD COLUMN {column} {def}"))
                .await?;
        }
        let db = m.get_connection();
        let script = [
            "CREATE INDEX ix_campaigns_parent ON campaigns (parent_campaign_id) \
             WHERE parent_campaign_id IS NOT NULL",
            "CREATE INDEX ix_campaign_targets_parent ON campaign_targets (parent_target_id) \
             WHERE parent_target_id IS NOT NULL",
            "CREATE INDEX ix_units_successor ON units (successor_id) WHERE successor_id IS NOT NULL",
            // A unit merged away leaves its name to the units that exist (a merged commune
            // often keeps one of its predecessors' names).
            "DROP INDEX ux_units_name_in_parent",
            "DROP INDEX ux_units_name_top_level",
            "CREATE UNIQUE INDEX ux_units_name_in_parent ON units (bloc_id, parent_id, name_folded) \
             WHERE parent_id IS NOT NULL AND valid_to IS NULL",
            "CREATE UNIQUE INDEX ux_units_name_top_level ON units (bloc_id, name_folded) \
             WHERE parent_id IS NULL AND valid_to IS NULL",
        ]
        .join(";\n");
        // One call, so every statement runs on one connection of the pool (SQLite keeps its
        // schema per connection).
        db.execute_unprepared(&script).await?;
        db.execute_unprepared(
            "CREATE INDEX ix_tasks_parent ON tasks (parent_task_id, bloc_id) \
             WHERE parent_task_id IS NOT NULL",
        )
        .await?;
        // A dispatch goes to a unit or to a child bloc: `unit_id` becomes optional.
        match m.get_database_backend() {
            DatabaseBackend::Postgres => {
                for sql in [
                    "ALTER TABLE directive_dispatches ALTER COLUMN unit_id DROP NOT NULL",
                    "ALTER TABLE directive_dispatches ADD COLUMN to_bloc_id uuid NULL \
                     REFERENCES blocs (id)",
                ] {
                    db.execute_unprepared(sql).await?;
                }
            }
            backend => {
                // SQLite cannot drop a NOT NULL: the table is rebuilt from its own definition.
                let row = db
                    .query_one_raw(Statement::from_string(
                        backend,
                        "SELECT sql FROM sqlite_master WHERE type = 'table' \
                         AND name = 'directive_dispatches'",
                    ))
                    .await?
                    .ok_or_else(|| DbErr::Custom("directive_dispatches is missing".into()))?;
                let sql: String = row.try_get_by_index(0)?;
                let unit = sql
                    .find("\"unit_id\"")
                    .ok_or_else(|| DbErr::Custom("unit_id is missing".into()))?;
                let end = unit
                    + sql[unit..]
                        .find(',')
                        .ok_or_else(|| DbErr::Custom("unexpected definition".into()))?;
                let column = &sql[unit..end];
                let optional = column.replace(" NOT NULL", "");
                let rebuilt = sql
                    .replacen("\"directive_dispatches\"", "\"directive_dispatches_new\"", 1)
                    .replacen(
                        column,
                        &format!("{optional}, \"to_bloc_id\" uuid_text NULL REFERENCES \"blocs\" (\"id\")"),
                        1,
                    );
                // One call, so every statement runs on one connection of the pool.
                let script = [
                    rebuilt.as_str(),
                    "INSERT INTO directive_dispatches_new (id, bloc_id, directive_id, unit_id, \
                     sent_on, due_on, acknowledged_on, reported_on, report, created_by, version, \
                     created_at, updated_at) SELECT id, bloc_id, directive_id, unit_id, sent_on, \
                     due_on, acknowledged_on, reported_on, report, created_by, version, \
                     created_at, updated_at FROM directive_dispatches",
                    "DROP TABLE directive_dispatches",
                    "ALTER TABLE directive_dispatches_new RENAME TO directive_dispatches",
                    "CREATE UNIQUE INDEX ux_dispatches_directive_unit ON directive_dispatches \
                     (directive_id, unit_id)",
                    "CREATE INDEX ix_dispatches_bloc_reported ON directive_dispatches \
                     (bloc_id, reported_on, id)",
                ]
                .join(";\n");
                db.execute_unprepared(&script).await?;
            }
        }
        for sql in [
            "CREATE UNIQUE INDEX ux_dispatches_directive_bloc ON directive_dispatches \
             (directive_id, to_bloc_id)",
            "CREATE INDEX ix_dispatches_to_bloc ON directive_dispatches (to_bloc_id, id)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        // One call, so every statement runs on one connection of the pool.
        let script = [
            "DROP INDEX ix_dispatches_to_bloc",
            "DROP INDEX ux_dispatches_directive_bloc",
            "DELETE FROM directive_dispatches WHERE to_bloc_id IS NOT NULL",
            "ALTER TABLE directive_dispatches DROP COLUMN to_bloc_id",
            "DROP INDEX ix_tasks_parent",
            "ALTER TABLE tasks DROP COLUMN waits_for_children",
            "ALTER TABLE tasks DROP COLUMN parent_task_id",
            "ALTER TABLE api_clients DROP COLUMN province_id",
            "ALTER TABLE accounts DROP COLUMN province_id",
            "ALTER TABLE blocs DROP COLUMN province_id",
            "DROP INDEX ux_units_name_in_parent",
            "DROP INDEX ux_units_name_top_level",
            "CREATE UNIQUE INDEX ux_units_name_in_parent ON units (bloc_id, parent_id, name_folded) \
             WHERE parent_id IS NOT NULL",
            "CREATE UNIQUE INDEX ux_units_name_top_level ON units (bloc_id, name_folded) \
             WHERE parent_id IS NULL",
            "DROP INDEX ix_units_successor",
            "DROP INDEX ix_campaign_targets_parent",
            "DROP INDEX ix_campaigns_parent",
            "ALTER TABLE organisations DROP COLUMN member_body",
            "ALTER TABLE blocs DROP COLUMN dissolution_decision",
            "ALTER TABLE blocs DROP COLUMN dissolved_on",
            "ALTER TABLE units DROP COLUMN merger_decision",
            "ALTER TABLE units DROP COLUMN valid_to",
            "ALTER TABLE units DROP COLUMN valid_from",
            "ALTER TABLE units DROP COLUMN code",
            "ALTER TABLE blocs DROP COLUMN successor_id",
            "ALTER TABLE units DROP COLUMN successor_id",
            "ALTER TABLE campaign_targets DROP COLUMN parent_target_id",
            "ALTER TABLE campaigns DROP COLUMN parent_campaign_id",
            "DROP TABLE provinces",
            "ALTER TABLE change_feed DROP COLUMN action",
        ]
        .join(";\n");
        db.execute_unprepared(&script).await?;
        Ok(())
    }
}
