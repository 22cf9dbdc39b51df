//! Fixed-window counters in the database, so every instance counts against the same limit.
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};

/// Counts one event under `key` in the current window of `window_secs` and returns the count so
/// far in that window (this event included). The upsert is atomic: of N concurrent hits, exactly
/// one sees each count from 1 to N.
pub async fn hit(conn: &impl ConnectionTrait, key: &str, window_secs: i64) -> Result<i32, DbErr> {
    let now = chrono::Utc::now().timestamp();
    let window = now - now.rem_euclid(window_secs);
    let backend = conn.get_database_backend();
    let (upsert, prune) = match backend {
        DatabaseBackend::Postgres => (
            "INSERT INTO rate_windows (key, window_start, count) VALUES ($1, $2, 1) \
             ON CONFLICT (key, window_start) DO UPDATE SET count = rate_windows.count + 1 RETURNING count",
            "DELETE FROM rate_windows WHERE key = $1 AND window_start < $2",
        ),
        _ => (
            "INSERT INTO rate_windows (key, window_start, count) VALUES (?, ?, 1) \
             ON CONFLICT (key, window_start) DO UPDATE SET count = rate_windows.count + 1 RETURNING count",
            "DELETE FROM rate_windows WHERE key = ? AND window_start < ?",
        ),
    };
    let values = || [Value::from(key), Value::from(window)];
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(backend, upsert, values()))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("rate window".into()))?;
    let count: i32 = row.try_get_by_index(0)?;
    if count == 1 {
        // The first hit of a window forgets the key's earlier windows.
        conn.execute_raw(Statement::from_sql_and_values(backend, prune, values()))
            .await?;
    }
    Ok(count)
}

/// Seconds until the current window of `window_secs` ends (at least 1).
pub fn retry_after(window_secs: i64) -> u64 {
    let now = chrono::Utc::now().timestamp();
    (window_secs - now.rem_euclid(window_secs)).max(1) as u64
}
