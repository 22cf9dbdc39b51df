use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns whose change can move a task between tallies; other updates skip the trigger.
const TRACKED: [&str; 8] = [
    "bloc_id",
    "lead_organisation_id",
    "sub_committee_id",
    "status",
    "opened_on",
    "closed_on",
    "completed_on",
    "due_date",
];

/// Rows to add to (`sign` 1) or take from (-1) the tallies for the task `r` (`NEW`, `OLD`, or a
/// table alias): each task counts once per grain (year, month, day; `n` for no day) under each
/// of its kinds:
/// - `opened`: every task, by its opening day;
/// - `due`: not closed and not cancelled or declined, by its due day (none: grain n);
/// - `ontime` or `late`: completed, by the day it closed (its completion day);
/// - `closed`: closed otherwise (cancelled, declined), by the day it closed;
/// - `odd`: completed with a completion day other than its closing day, which the workflow never
///   writes; its presence sends the summary back to counting the tasks.
///
/// The summary reads `opened` and `closed` only to see that no day lies after today.
fn rows(backend: DatabaseBackend, r: &str, sign: i32, from: &str) -> String {
    let (nil, year, month) = match backend {
        DatabaseBackend::Postgres => (
            "'00000000-0000-0000-0000-000000000000'::uuid".to_string(),
            "(x.day - (EXTRACT(DOY FROM x.day)::int - 1))".to_string(),
            "(x.day - (EXTRACT(DAY FROM x.day)::int - 1))".to_string(),
        ),
        _ => (
            "zeroblob(16)".to_string(),
            "date(x.day, 'start of year')".to_string(),
            "date(x.day, 'start of month')".to_string(),
        ),
    };
    let open = format!("{r}.closed_on IS NULL AND {r}.status NOT IN ('cancelled', 'declined')");
    let done = format!(
        "{r}.closed_on IS NOT NULL AND {r}.status = 'completed' AND {r}.completed_on IS NOT NULL \
         AND {r}.completed_on = {r}.closed_on"
    );
    let closed = format!("{r}.closed_on IS NOT NULL AND {r}.status <> 'completed'");
    let odd = format!(
        "{r}.closed_on IS NOT NULL AND {r}.status = 'completed' \
         AND ({r}.completed_on IS NULL OR {r}.completed_on <> {r}.closed_on)"
    );
    let sentinel = match backend {
        DatabaseBackend::Postgres => "DATE '0001-01-01'",
        _ => "'0001-01-01'",
    };
    // The row's kinds (k) and grains (g) as small constant tables, so one statement serves a
    // trigger's row and the back-fill's whole table alike.
    format!(
        "SELECT x.bloc_id AS bloc_id, x.org AS org, x.sc AS sc, x.kind AS kind, g.grain AS grain, \
           CASE g.grain WHEN 'y' THEN {year} WHEN 'm' THEN {month} WHEN 'd' THEN x.day \
           ELSE {sentinel} END AS day, {sign} AS one \
         FROM (SELECT {r}.bloc_id AS bloc_id, \
                 COALESCE({r}.lead_organisation_id, {nil}) AS org, \
                 COALESCE({r}.sub_committee_id, {nil}) AS sc, \
                 CASE k.k WHEN 1 THEN 'opened' WHEN 2 THEN 'due' \
                   WHEN 3 THEN CASE WHEN {r}.due_date IS NOT NULL AND {r}.closed_on > {r}.due_date \
                     THEN 'late' ELSE 'ontime' END \
                   WHEN 4 THEN 'closed' ELSE 'odd' END AS kind, \
                 CASE k.k WHEN 1 THEN {r}.opened_on WHEN 2 THEN {r}.due_date \
                   WHEN 3 THEN {r}.closed_on WHEN 4 THEN {r}.closed_on END AS day \
               FROM {from}(SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 \
                     UNION ALL SELECT 5) k \
               WHERE CASE k.k WHEN 1 THEN true WHEN 2 THEN {open} WHEN 3 THEN {done} \
                 WHEN 4 THEN {closed} ELSE {odd} END) x, \
           (SELECT 'y' AS grain UNION ALL SELECT 'm' UNION ALL SELECT 'd' UNION ALL SELECT 'n') g \
         WHERE (x.day IS NULL) = (g.grain = 'n')"
    )
}

/// One statement adding the rows of each `(row, sign)`, summed by key and taken in key order:
/// a move's decrements and increments of one key cancel out, and two writers lock the rows they
/// share in the same order, so a move one way and a move back cannot deadlock on them.
fn upsert(backend: DatabaseBackend, images: &[(&str, i32)]) -> String {
    let union = images
        .iter()
        .map(|(r, sign)| rows(backend, r, *sign, ""))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    format!(
        "INSERT INTO task_tallies (bloc_id, organisation_id, sub_committee_id, kind, grain, day, n) \
         SELECT bloc_id, org, sc, kind, grain, day, SUM(one) FROM ({union}) s WHERE true \
         GROUP BY bloc_id, org, sc, kind, grain, day HAVING SUM(one) <> 0 \
         ORDER BY bloc_id, kind, grain, day, org, sc \
         ON CONFLICT (bloc_id, kind, grain, day, organisation_id, sub_committee_id) \
         DO UPDATE SET n = task_tallies.n + excluded.n"
    )
}

/// PostgreSQL's trigger function, `first` run before the tallies are written (a later migration
/// takes the change feed's lock there: see `m20261130_000033_numbered_at_commit`).
pub(crate) fn track_function(first: &str) -> String {
    let backend = DatabaseBackend::Postgres;
    format!(
        "CREATE OR REPLACE FUNCTION task_tallies_track() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN {first} \
           IF TG_OP = 'INSERT' THEN {}; \
           ELSIF TG_OP = 'DELETE' THEN {}; \
           ELSE {}; END IF; \
           RETURN NULL; \
         END $$;",
        upsert(backend, &[("NEW", 1)]),
        upsert(backend, &[("OLD", -1)]),
        upsert(backend, &[("OLD", -1), ("NEW", 1)]),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// Task tallies (issue 19, item 5): the province summary counts from numbers kept current
    /// by triggers on `tasks` (every write path, imports and cascades included), by year, month
    /// and day, so a period is a handful of index ranges instead of a scan of the province.
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let backend = m.get_database_backend();
        let db = m.get_connection();
        let (uuid, date) = match backend {
            DatabaseBackend::Postgres => ("uuid", "date"),
            _ => ("blob", "date"),
        };
        db.execute_unprepared(&format!(
            "CREATE TABLE task_tallies (bloc_id {uuid} NOT NULL, organisation_id {uuid} NOT NULL, sub_committee_id {uuid} NOT NULL, \
             kind varchar(8) NOT NULL, grain varchar(1) NOT NULL, day {date} NOT NULL, \
             n bigint NOT NULL, \
             PRIMARY KEY (bloc_id, kind, grain, day, organisation_id, sub_committee_id))"
        ))
        .await?;
        let tasks = "t";
        db.execute_unprepared(&format!(
            "INSERT INTO task_tallies (bloc_id, organisation_id, sub_committee_id, kind, grain, \
               day, n) \
             SELECT bloc_id, org, sc, kind, grain, day, SUM(one) FROM ({}) s GROUP BY bloc_id, org, sc, kind, grain, day",
            rows(backend, tasks, 1, "tasks t, ")
        ))
        .await?;
        let changed = |old: &str, new: &str, op: &str, join: &str| {
            TRACKED
                .iter()
                .map(|c| format!("{old}.{c} {op} {new}.{c}"))
                .collect::<Vec<_>>()
                .join(join)
        };
        match backend {
            // Deferred to the commit: the rows of one bloc, organisation and sub-committee are
            // then locked for the commit's moment, not from the task's insert to its commit
            // (32 writers of one bloc made half the creates a second with immediate triggers).
            DatabaseBackend::Postgres => {
                let script = format!(
                    "{} \
                     CREATE CONSTRAINT TRIGGER task_tallies_write AFTER INSERT OR DELETE ON tasks \
                       DEFERRABLE INITIALLY DEFERRED \
                       FOR EACH ROW EXECUTE FUNCTION task_tallies_track(); \
                     CREATE CONSTRAINT TRIGGER task_tallies_move AFTER UPDATE ON tasks \
                       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW \
                       WHEN ({}) EXECUTE FUNCTION task_tallies_track();",
                    track_function(""),
                    changed("OLD", "NEW", "IS DISTINCT FROM", " OR ")
                );
                db.execute_unprepared(&script).await?;
            }
            _ => {
                for sql in [
                    format!(
                        "CREATE TRIGGER task_tallies_insert AFTER INSERT ON tasks BEGIN {}; END",
                        upsert(backend, &[("NEW", 1)])
                    ),
                    format!(
                        "CREATE TRIGGER task_tallies_delete AFTER DELETE ON tasks BEGIN {}; END",
                        upsert(backend, &[("OLD", -1)])
                    ),
                    format!(
                        "CREATE TRIGGER task_tallies_move AFTER UPDATE ON tasks WHEN {} \
                         BEGIN {}; END",
                        changed("OLD", "NEW", "IS NOT", " OR "),
                        upsert(backend, &[("OLD", -1), ("NEW", 1)])
                    ),
                ] {
                    db.execute_unprepared(&sql).await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let script = match m.get_database_backend() {
            DatabaseBackend::Postgres => {
                "DROP TRIGGER task_tallies_move ON tasks; DROP TRIGGER task_tallies_write ON tasks; \
                 DROP FUNCTION task_tallies_track(); DROP TABLE task_tallies;"
            }
            _ => {
                "DROP TRIGGER task_tallies_move; DROP TRIGGER task_tallies_delete; \
                 DROP TRIGGER task_tallies_insert; DROP TABLE task_tallies;"
            }
        };
        db.execute_unprepared(script).await?;
        Ok(())
    }
}
