use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Takes the change feed's lock first, in every trigger deferred to the commit: whichever fires
/// first serialises the rest, so two commits never take the rows they share in opposite orders.
const LOCK: &str = "PERFORM 1 FROM change_counter WHERE id = 1 FOR UPDATE;";

const NIL: &str = "'00000000-0000-0000-0000-000000000000'::uuid";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// Writers in parallel (issue 19, item 3), on PostgreSQL. A change used to take its number
    /// from the counter row when it was written, holding the row locked to the commit: every
    /// writing transaction waited for the one before it to finish all its statements. A change
    /// is now written with a draft number (negative, from a sequence) and numbered by a trigger
    /// deferred to the commit, which takes the counter there, so the lock is held for the
    /// commit's moment only and numbers still follow commit order (the next number is taken
    /// only once the previous holder has committed). The positions of the blocs, the number a
    /// queued webhook delivery carries, and the inbox versions move in the same moment.
    /// SQLite has one writer at a time and numbers a change as it is written; a trigger moves
    /// the positions there as the change is written.
    ///
    /// Deliveries carrying a draft number are found through a partial index of draft numbers,
    /// which stays small; the trigger repeats its predicate (`seq < 0`) so that the function's
    /// generic plan, which cannot see the number's sign, may still use it. The touches are
    /// found by account through an index: the table is empty between transactions but keeps
    /// its dead rows until vacuumed, and a scan of them cost 0.44 ms a touch under 32 writers.
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DatabaseBackend::Postgres {
            // The same positions moved by a trigger as each change is written, so the rule of
            // which positions a change moves is written here only, for both databases.
            let position = |bloc: &str, when: &str| {
                format!(
                    "INSERT INTO change_positions (bloc_id, seq) SELECT {bloc}, NEW.seq WHERE {when} \
                     ON CONFLICT (bloc_id) DO UPDATE SET seq = excluded.seq;"
                )
            };
            m.get_connection()
                .execute_unprepared(&format!(
                    "CREATE TRIGGER change_feed_positions AFTER INSERT ON change_feed BEGIN {} {} END",
                    position("COALESCE(NEW.bloc_id, zeroblob(16))", "true"),
                    position(
                        "zeroblob(16)",
                        "NEW.resource_type = 'bloc' AND NEW.bloc_id IS NOT NULL"
                    ),
                ))
                .await?;
            return Ok(());
        }
        let position = |bloc: &str| {
            format!(
                "INSERT INTO change_positions (bloc_id, seq) VALUES ({bloc}, n) \
                 ON CONFLICT (bloc_id) DO UPDATE SET seq = excluded.seq;"
            )
        };
        let script = format!(
            "CREATE SEQUENCE change_drafts; \
             CREATE INDEX ix_webhook_deliveries_draft ON webhook_deliveries (seq) WHERE seq < 0; \
             CREATE FUNCTION change_feed_number() RETURNS trigger LANGUAGE plpgsql AS $$ \
             DECLARE n bigint; \
             BEGIN \
               UPDATE change_counter SET value = value + 1 WHERE id = 1 RETURNING value INTO n; \
               UPDATE change_feed SET seq = n WHERE seq = NEW.seq; \
               UPDATE webhook_deliveries \
                 SET seq = n, payload = replace(payload, '\"seq\":' || NEW.seq || ',', '\"seq\":' || n || ',') \
                 WHERE seq = NEW.seq AND seq < 0; \
               {} \
               IF NEW.resource_type = 'bloc' AND NEW.bloc_id IS NOT NULL THEN {} END IF; \
               RETURN NULL; \
             END $$; \
             CREATE CONSTRAINT TRIGGER change_feed_number AFTER INSERT ON change_feed \
               DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.seq < 0) \
               EXECUTE FUNCTION change_feed_number(); \
             CREATE TABLE inbox_touches (account_id uuid NOT NULL); \
             CREATE INDEX ix_inbox_touches_account ON inbox_touches (account_id); \
             CREATE FUNCTION inbox_touches_apply() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
               {LOCK} \
               INSERT INTO inbox_versions (account_id, version) VALUES (NEW.account_id, 1) \
                 ON CONFLICT (account_id) DO UPDATE SET version = inbox_versions.version + 1; \
               DELETE FROM inbox_touches WHERE account_id = NEW.account_id; \
               RETURN NULL; \
             END $$; \
             CREATE CONSTRAINT TRIGGER inbox_touches_apply AFTER INSERT ON inbox_touches \
               DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION inbox_touches_apply(); \
             {}",
            position(&format!("COALESCE(NEW.bloc_id, {NIL})")),
            position(NIL),
            crate::m20261130_000032_task_tallies::track_function(LOCK),
        );
        m.get_connection().execute_unprepared(&script).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DatabaseBackend::Postgres {
            m.get_connection()
                .execute_unprepared("DROP TRIGGER change_feed_positions")
                .await?;
            return Ok(());
        }
        let script = format!(
            "{} \
             DROP TRIGGER inbox_touches_apply ON inbox_touches; DROP FUNCTION inbox_touches_apply(); \
             DROP TABLE inbox_touches; \
             DROP TRIGGER change_feed_number ON change_feed; DROP FUNCTION change_feed_number(); \
             DROP INDEX ix_webhook_deliveries_draft; DROP SEQUENCE change_drafts;",
            crate::m20261130_000032_task_tallies::track_function("")
        );
        m.get_connection().execute_unprepared(&script).await?;
        Ok(())
    }
}
