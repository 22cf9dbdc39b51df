//! Reads a PostgreSQL streaming replica can take from the primary (`KHOI_DATABASE_READ_URL`):
//! the task lists, the change feed and the province summary. A read goes to the replica only
//! when the replica has replayed every change the caller could see at the moment the request's
//! token was checked on the primary (the scope's position, read in that same statement): so a
//! writer always reads its own writes, and everyone reads what was committed before they asked.
//! A replica that is behind, down or not configured sends the read to the primary.
use crate::config::{Config, redact_url};
use sea_orm::{Database, DatabaseConnection};
use std::{
    sync::atomic::{AtomicI64, AtomicU64, Ordering},
    time::Duration,
};

/// How long a look at the replica's position may take before the read goes to the primary.
const LOOK_TIMEOUT: Duration = Duration::from_millis(500);

/// The routes (after the API prefix) whose reads a replica may serve.
pub fn routed(route: &str) -> bool {
    matches!(
        route,
        "/tasks" | "/me/tasks" | "/changes" | "/reports/summary"
    )
}

#[derive(Default)]
pub struct Replica {
    db: Option<DatabaseConnection>,
    /// The highest feed position the replica was seen to have replayed. Replay only moves
    /// forward, so a read at or below it needs no look.
    replayed: AtomicI64,
    pub served: AtomicU64,
    pub behind: AtomicU64,
    pub unreachable: AtomicU64,
}

impl Replica {
    /// The replica's pool, made lazily: a replica that is down at start (or still replaying the
    /// database's creation) does not stop the service, its reads go to the primary until it
    /// answers.
    pub async fn connect(config: &Config) -> anyhow::Result<Self> {
        let Some(url) = config
            .database_read_url
            .as_ref()
            .map(|u| u.expose().to_string())
        else {
            return Ok(Self::default());
        };
        let mut opts = crate::db::options(config, &url);
        opts.min_connections(0)
            .connect_lazy(true)
            .connect_timeout(Duration::from_secs(2));
        let db = Database::connect(opts)
            .await
            .map_err(|e| anyhow::anyhow!("KHOI_DATABASE_READ_URL ({}): {e}", redact_url(&url)))?;
        tracing::info!(replica = %redact_url(&url), "reads of lists, the feed and the summary may go to the replica");
        Ok(Self {
            db: Some(db),
            ..Self::default()
        })
    }

    pub fn configured(&self) -> bool {
        self.db.is_some()
    }

    /// Where a read that must show every change up to `position` goes: the replica when it has
    /// replayed that far, otherwise the primary.
    pub async fn at_least<'a>(
        &'a self,
        primary: &'a DatabaseConnection,
        position: i64,
    ) -> &'a DatabaseConnection {
        let Some(replica) = &self.db else {
            return primary;
        };
        if self.replayed.load(Ordering::Relaxed) >= position {
            self.served.fetch_add(1, Ordering::Relaxed);
            return replica;
        }
        match tokio::time::timeout(LOOK_TIMEOUT, crate::position::feed(replica)).await {
            Ok(Ok(seen)) => {
                self.replayed.fetch_max(seen, Ordering::Relaxed);
                if seen >= position {
                    self.served.fetch_add(1, Ordering::Relaxed);
                    return replica;
                }
                self.behind.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Err(e)) => {
                self.unreachable.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, "the read replica did not answer; reading the primary");
            }
            Err(_) => {
                self.unreachable.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("the read replica took too long to answer; reading the primary");
            }
        }
        primary
    }

    /// The replica's counters in Prometheus' text format (nothing without a replica).
    pub fn render(&self, out: &mut String) {
        use std::fmt::Write;
        if !self.configured() {
            return;
        }
        let _ = writeln!(
            out,
            "# HELP khoi_replica_reads_total Reads that could go to the read replica, by where they went.\n# TYPE khoi_replica_reads_total counter"
        );
        for (to, n) in [
            ("replica", &self.served),
            ("primary_replica_behind", &self.behind),
            ("primary_replica_unreachable", &self.unreachable),
        ] {
            let _ = writeln!(
                out,
                "khoi_replica_reads_total{{served_by=\"{to}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP khoi_replica_position The highest feed position the replica was seen to have replayed.\n# TYPE khoi_replica_position gauge\nkhoi_replica_position {}",
            self.replayed.load(Ordering::Relaxed)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_costly_reads_are_routed() {
        for r in ["/tasks", "/me/tasks", "/changes", "/reports/summary"] {
            assert!(routed(r), "{r}");
        }
        // A detail, a write's target, anything the token check must not pay a position for.
        for r in [
            "/tasks/0190c8e2-0000-7000-8000-000000000000",
            "/me",
            "/reports",
            "/changes/x",
        ] {
            assert!(!routed(r), "{r}");
        }
    }

    #[tokio::test]
    async fn without_a_replica_every_read_is_the_primary() {
        let primary = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let none = Replica::default();
        assert!(!none.configured());
        let got = none.at_least(&primary, i64::MAX).await;
        assert!(std::ptr::eq(got, &primary));
        let mut out = String::new();
        none.render(&mut out);
        assert!(out.is_empty());
    }
}
