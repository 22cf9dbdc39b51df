//! Database connection, migrations and write transactions, the same on SQLite and PostgreSQL.
use crate::config::{Config, redact_url};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};
use std::time::Duration;
use uuid::Uuid;

pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let url = config.effective_database_url();
    if let Some(path) = sqlite_file(&url)
        && let Some(dir) = std::path::Path::new(&path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = options(config, &url);
    opts.min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    // A database that is still starting (docker compose, a reboot) gets a few seconds.
    let mut last = None;
    for attempt in 0..10 {
        match Database::connect(opts.clone()).await {
            Ok(db) => {
                if db.get_database_backend() == DbBackend::Postgres
                    && postgres_writers(&db, None).is_none()
                {
                    let mut writers = opts.clone();
                    // Lazily: a CLI command that never writes opens no connection for it.
                    writers
                        .max_connections(config.db_writers)
                        .min_connections(0)
                        .connect_lazy(true);
                    postgres_writers(&db, Some(Database::connect(writers).await?));
                }
                return Ok(db);
            }
            Err(e) => {
                if attempt < 9 {
                    tracing::warn!(url = %redact_url(&url), error = %e, "database not reachable yet; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                last = Some(e);
            }
        }
    }
    Err(anyhow::anyhow!(
        "cannot connect to the database at {}: {}",
        redact_url(&url),
        last.map(|e| e.to_string()).unwrap_or_default()
    ))
}

/// The pool settings every connection to a database of the service shares (the primary's and
/// a read replica's).
pub fn options(config: &Config, url: &str) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(config.db_max_connections)
        .acquire_timeout(config.db_acquire_timeout)
        .idle_timeout(Duration::from_secs(300))
        // A ping before every statement was a second round trip for each: only a connection
        // idle long enough to have been dropped (a restart, a firewall) is checked; a busy
        // one cut under the pool fails its statement once (503) and is replaced.
        .test_before_acquire_if_idle_for(Duration::from_secs(5))
        .sqlx_logging(false);
    opts
}

fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}

/// At a clean stop, after the last request: on SQLite the WAL is folded into the database file
/// (so `khoi.db` alone is the whole database) and both pools close; on PostgreSQL the pool
/// closes (the writers' pool may be another instance's in the same process: see
/// [`postgres_writers`]).
pub async fn close(db: &DatabaseConnection) {
    if db.get_database_backend() == DbBackend::Sqlite {
        if let Some(writer) = sqlite_writer(db) {
            let _ = writer.close_by_ref().await;
        }
        if let Err(e) = db
            .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
        {
            tracing::warn!(error = %e, "could not checkpoint the SQLite WAL at stop");
        }
    }
    if let Err(e) = db.close_by_ref().await {
        tracing::warn!(error = %e, "could not close the database cleanly");
    }
}

/// A consistent copy of a SQLite database at `path`, taken while others read and write
/// (`VACUUM INTO` reads one snapshot). Refuses to overwrite. Returns the copy's size.
pub async fn backup_sqlite(db: &DatabaseConnection, path: &std::path::Path) -> anyhow::Result<u64> {
    if path.exists() {
        anyhow::bail!("{} already exists; name a new file", path.display());
    }
    let target = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the backup path must be valid UTF-8"))?;
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [target.into()],
    ))
    .await
    .map_err(|e| anyhow::anyhow!("cannot write the backup to {}: {e}", path.display()))?;
    Ok(std::fs::metadata(path)?.len())
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(&migrator(db), None).await
}

/// The connection migrations go through: on SQLite its one writer. A SQLite connection prepares
/// a `CREATE INDEX` against the schema it last read, so on a pool of several, an index dropped
/// through one connection was still refused as existing by another (migration 36 creates the
/// index that migration 35 dropped).
pub fn migrator(db: &DatabaseConnection) -> DatabaseConnection {
    match db.get_database_backend() {
        DbBackend::Sqlite => sqlite_writer(db).unwrap_or_else(|| db.clone()),
        _ => db.clone(),
    }
}

/// Starts a transaction that will write. On SQLite, which has one writer at a time, write
/// transactions go through a pool of one connection per database file: writers wait their turn
/// in the pool's first-come queue instead of polling the file lock with SQLite's growing sleeps
/// (which under 20 writers left some waiting seconds), and BEGIN IMMEDIATE takes the lock at once
/// so no reader is ever upgraded mid-transaction.
///
/// On PostgreSQL they go through a pool of `KHOI_DB_WRITERS` connections (8): with 32 writers
/// at once on two cores, the one holding the feed's counter row at its commit was often
/// descheduled while the others queued behind it, and p99 doubled (BENCHMARKS.md). A
/// transaction never opens another, so the pool cannot deadlock on itself (on SQLite's pool of
/// one it would hang every test).
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let writer = sqlite_writer(db).unwrap_or_else(|| db.clone());
            writer
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                })
                .await
        }
        _ => {
            postgres_writers(db, None)
                .unwrap_or_else(|| db.clone())
                .begin()
                .await
        }
    }
}

/// The pool write transactions go through ([`begin_write`]): SQLite's one writer of a file,
/// PostgreSQL's `KHOI_DB_WRITERS`; None where writes share the main pool.
pub fn writers(db: &DatabaseConnection) -> Option<DatabaseConnection> {
    match db.get_database_backend() {
        DbBackend::Sqlite => sqlite_writer(db),
        DbBackend::Postgres => postgres_writers(db, None),
        _ => None,
    }
}

/// Whether the database answers on both pools, the readers' and, on PostgreSQL, the writers':
/// readiness covers writing too, and a connection cut under a pool is found here (and replaced)
/// rather than by the next request's write.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await?;
    if db.get_database_backend() == DbBackend::Postgres
        && let Some(writers) = postgres_writers(db, None)
    {
        writers.ping().await?;
    }
    Ok(())
}

/// The writers' pool of the PostgreSQL database `db` connects to, keyed by where it connects
/// (server, database, user, options): `set` by [`connect`], found by [`begin_write`]. None for a
/// connection made otherwise (a tool's), which then writes through its own pool. Instances in
/// one process on one database (the tests') share the first one's pool, which is therefore
/// never closed by one of them: the process's end closes it.
fn postgres_writers(
    db: &DatabaseConnection,
    set: Option<DatabaseConnection>,
) -> Option<DatabaseConnection> {
    use std::{
        collections::HashMap,
        sync::{Mutex, OnceLock},
    };
    static WRITERS: OnceLock<Mutex<HashMap<String, DatabaseConnection>>> = OnceLock::new();
    let o = db.get_postgres_connection_pool().connect_options();
    let key = format!(
        "{}:{}/{}?user={}&options={:?}",
        o.get_host(),
        o.get_port(),
        o.get_database().unwrap_or_default(),
        o.get_username(),
        o.get_options()
    );
    let mut writers = WRITERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    match set {
        Some(w) => {
            writers.insert(key, w.clone());
            Some(w)
        }
        None => writers.get(&key).cloned(),
    }
}

/// The single-connection writer of a SQLite file, made on first use with the same connection
/// settings as `db` (None for an in-memory database, where another connection is another
/// database).
fn sqlite_writer(db: &DatabaseConnection) -> Option<DatabaseConnection> {
    use sea_orm::{SqlxSqliteConnector, sqlx::sqlite::SqlitePoolOptions};
    use std::{
        collections::HashMap,
        path::PathBuf,
        sync::{Mutex, OnceLock},
    };
    static WRITERS: OnceLock<Mutex<HashMap<PathBuf, DatabaseConnection>>> = OnceLock::new();
    let pool = db.get_sqlite_connection_pool();
    let options = pool.connect_options();
    let file = options.get_filename().to_path_buf();
    if file.as_os_str().is_empty() || file.to_string_lossy().contains(":memory:") {
        return None;
    }
    let mut writers = WRITERS.get_or_init(Default::default).lock().ok()?;
    let writer = writers.entry(file).or_insert_with(|| {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(pool.options().get_acquire_timeout())
            .idle_timeout(Duration::from_secs(300))
            .connect_lazy_with((*options).clone());
        SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
    });
    Some(writer.clone())
}

/// A correlated subquery as one column: `column` of the rows of `from` where `cond` holds, joined
/// by commas (SQLite keeps a uuid as 16 bytes, written out here in hex), so a row and its small
/// lists of ids (a task's coordinators, what a person heads) are one statement. Read back with
/// [`ids_in`].
pub fn ids_column(
    backend: DbBackend,
    column: &str,
    from: &str,
    cond: &str,
) -> sea_orm::sea_query::SimpleExpr {
    let agg = match backend {
        DbBackend::Postgres => format!("string_agg({column}::text, ',')"),
        _ => format!("group_concat(hex({column}), ',')"),
    };
    sea_orm::sea_query::Expr::cust(format!("(SELECT {agg} FROM {from} WHERE {cond})"))
}

/// The ids of an [`ids_column`], sorted.
pub fn ids_in(raw: Option<&str>) -> Result<Vec<Uuid>, DbErr> {
    let mut ids = raw
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| Uuid::try_parse(s).map_err(|e| DbErr::Type(format!("id {s}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    ids.sort();
    Ok(ids)
}

/// Replaces the rows of a link table that belong to one owner (a task's coordinators, a
/// meeting's attendees, …): deletes them, then inserts one row per id in a single statement.
pub async fn replace_links<E, A>(
    conn: &impl ConnectionTrait,
    owner_column: E::Column,
    owner: Uuid,
    ids: &[Uuid],
    row: impl Fn(Uuid) -> A,
) -> Result<(), DbErr>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E>,
{
    E::delete_many()
        .filter(owner_column.eq(owner))
        .exec(conn)
        .await?;
    insert_links(conn, ids, row).await
}

/// The links of an owner created in this transaction, which has none to replace yet.
pub async fn insert_links<E, A>(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
    row: impl Fn(Uuid) -> A,
) -> Result<(), DbErr>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E>,
{
    if !ids.is_empty() {
        E::insert_many(ids.iter().map(|id| row(*id)))
            .exec(conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::sqlite_file;

    #[test]
    fn finds_the_sqlite_file_to_create() {
        assert_eq!(
            sqlite_file("sqlite://data/khoi.db?mode=rwc").as_deref(),
            Some("data/khoi.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x@y/z"), None);
    }
}
