//! Prometheus text exposition without a metrics framework: request counts by route and status,
//! a latency histogram per route, and the use of the database's pools (the main one and the
//! writers').
use sea_orm::{DatabaseBackend, DatabaseConnection};
use std::{collections::BTreeMap, fmt::Write, sync::Mutex, time::Duration};

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
pub struct Metrics {
    /// (method, route pattern, status) → count. Route patterns, not raw paths, keep the
    /// cardinality bounded whatever clients send.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
}

/// The method as a label from a closed set: anything but the usual methods is `other`, so
/// clients cannot grow the exposition by inventing methods.
pub fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            let h = m
                .entry((method.to_string(), route.to_string()))
                .or_default();
            for (i, b) in BUCKETS.iter().enumerate() {
                if secs <= *b {
                    h.counts[i] += 1;
                }
            }
            h.sum += secs;
            h.count += 1;
        }
    }

    pub fn render(&self, db: &DatabaseConnection) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str(
            "# HELP khoi_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE khoi_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((method, route, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "khoi_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        out.push_str("# HELP khoi_http_request_duration_seconds Time from request to response.\n");
        out.push_str("# TYPE khoi_http_request_duration_seconds histogram\n");
        if let Ok(m) = self.latency.lock() {
            for ((method, route), h) in m.iter() {
                let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
                for (i, b) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "khoi_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "khoi_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "khoi_http_request_duration_seconds_sum{{{labels}}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "khoi_http_request_duration_seconds_count{{{labels}}} {}",
                    h.count
                );
            }
        }
        pool_lines(
            &mut out,
            db,
            (
                "khoi_db_pool",
                "Database pool",
                "Configured maximum pool size.",
            ),
        );
        if let Some(writers) = crate::db::writers(db) {
            pool_lines(
                &mut out,
                &writers,
                (
                    "khoi_db_writer",
                    "Write transactions' pool",
                    "Write transactions at once (KHOI_DB_WRITERS; 1 on SQLite).",
                ),
            );
        }
        out
    }
}

/// `{name}_connections{state}` and `{name}_max_connections` of one pool.
fn pool_lines(
    out: &mut String,
    db: &DatabaseConnection,
    (name, what, max_help): (&str, &str, &str),
) {
    let (size, idle, max) = pool_use(db);
    let _ = writeln!(
        out,
        "# HELP {name}_connections {what} connections by state."
    );
    let _ = writeln!(out, "# TYPE {name}_connections gauge");
    let _ = writeln!(out, "{name}_connections{{state=\"idle\"}} {idle}");
    let in_use = size.saturating_sub(idle);
    let _ = writeln!(out, "{name}_connections{{state=\"in_use\"}} {in_use}");
    let _ = writeln!(out, "# HELP {name}_max_connections {max_help}");
    let _ = writeln!(out, "# TYPE {name}_max_connections gauge");
    let _ = writeln!(out, "{name}_max_connections {max}");
}

fn pool_use(db: &DatabaseConnection) -> (u32, u32, u32) {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            (
                p.size(),
                p.num_idle() as u32,
                p.options().get_max_connections(),
            )
        }
        DatabaseBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            (
                p.size(),
                p.num_idle() as u32,
                p.options().get_max_connections(),
            )
        }
        _ => (0, 0, 0),
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.record("GET", "/health", 200, Duration::from_millis(3));
        m.record("GET", "/health", 200, Duration::from_millis(300));
        let lat = m.latency.lock().unwrap();
        let h = &lat[&("GET".to_string(), "/health".to_string())];
        assert_eq!(h.count, 2);
        assert_eq!(h.counts[0], 0); // 1 ms
        assert_eq!(h.counts[2], 1); // 5 ms
        assert_eq!(h.counts[8], 2); // 500 ms
    }
}
