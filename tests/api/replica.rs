//! Reads from a real PostgreSQL streaming replica (`KHOI_DATABASE_READ_URL`): lists, the feed
//! and the summary go to it once it has replayed what the caller could see, and to the primary
//! while it lags or is down, so nobody reads older than what they wrote.
use crate::helpers::{TestApp, replica_server, spawn_app_reading_from, with_database};
use crate::webhooks::create_task;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Reads served by the replica, and sent to the primary because it lagged or did not answer.
fn routed(app: &TestApp) -> (u64, u64, u64) {
    let r = &app.state.replica;
    (
        r.served.load(Ordering::Relaxed),
        r.behind.load(Ordering::Relaxed),
        r.unreachable.load(Ordering::Relaxed),
    )
}

/// Whether a page's items include one whose `field` is `id`.
fn holds(page: &Value, field: &str, id: &str) -> bool {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|item| item[field] == id)
}

/// A page of the task list no earlier request asked for, so the page cache does not answer it.
fn fresh_list(n: &mut u32) -> String {
    *n += 1;
    format!("/api/v1/tasks?limit={}", 200 - *n)
}

/// Waits until the replica serves this app's reads (it must replay the database's creation and
/// everything after). Returns the list page it served.
async fn until_the_replica_serves(app: &TestApp, token: &str, n: &mut u32) -> Value {
    for _ in 0..150 {
        let before = routed(app).0;
        let (status, page) = app.get_json(&fresh_list(n), token).await;
        assert_eq!(status, 200);
        if routed(app).0 > before {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the replica never caught up: {:?}", routed(app));
}

/// Replay stopped on the replica server (every database on it) until resumed, or dropped.
struct Paused {
    db: Option<DatabaseConnection>,
    url: String,
}

impl Paused {
    async fn replay(replica: &str) -> Self {
        let url = with_database(replica, "postgres");
        let db = Database::connect(&url).await.expect("the replica answers");
        db.execute_unprepared("SELECT pg_wal_replay_pause()")
            .await
            .unwrap();
        for _ in 0..100 {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT pg_get_wal_replay_pause_state()::text",
                ))
                .await
                .unwrap()
                .unwrap();
            if row.try_get_by_index::<String>(0).unwrap() == "paused" {
                return Self { db: Some(db), url };
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("replay did not pause");
    }

    async fn resume(mut self) {
        let db = self.db.take().unwrap();
        db.execute_unprepared("SELECT pg_wal_replay_resume()")
            .await
            .unwrap();
        let _ = db.close().await;
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        // A test that failed while replay was paused must not leave the replica behind for the
        // other tests: resumed on a connection of its own (the pool belongs to the test's
        // runtime, which is unwinding).
        if self.db.take().is_none() {
            return;
        }
        let url = self.url.clone();
        let _ = std::thread::spawn(move || {
            tokio::runtime::Runtime::new().unwrap().block_on(async {
                if let Ok(db) = Database::connect(&url).await {
                    let _ = db.execute_unprepared("SELECT pg_wal_replay_resume()").await;
                }
            })
        })
        .join();
    }
}

#[tokio::test]
#[ignore = "PostgreSQL with a streaming replica only: run with TEST_DATABASE_URL, TEST_DATABASE_READ_URL and --include-ignored (CI does)"]
async fn lists_the_feed_and_the_summary_come_from_a_replica_that_has_caught_up() {
    let app = spawn_app_reading_from(&replica_server()).await;
    let demo = app.seed_demo().await;
    for title in ["Tuyên truyền Luật Đất đai", "Rà soát hộ nghèo quý I"] {
        create_task(&app, &demo.head, title).await;
    }
    let mut n = 0;
    let from_replica = until_the_replica_serves(&app, &demo.staff, &mut n).await;
    // The same answers as the primary gives (another instance, without a replica).
    let primary = app.another_instance(|c| c.database_read_url = None).await;
    let path = format!("/api/v1/tasks?limit={}", 200 - n);
    let (_, from_primary) = primary.get_json(&path, &demo.staff).await;
    assert_eq!(from_replica, from_primary);
    assert_eq!(from_replica["items"].as_array().unwrap().len(), 2);
    for path in [
        "/api/v1/changes?limit=500",
        "/api/v1/reports/summary?from=2016-01-01&to=2016-12-31",
        "/api/v1/me/tasks",
    ] {
        let before = routed(&app);
        let (status, replica) = app.get_json(path, &demo.head).await;
        assert_eq!(status, 200, "{path}: {replica}");
        assert_eq!(routed(&app).0, before.0 + 1, "{path} served by the replica");
        let (_, primary) = primary.get_json(path, &demo.head).await;
        assert_eq!(replica, primary, "{path}");
    }
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains("khoi_replica_reads_total{served_by=\"replica\"}"),
        "{metrics}"
    );
}

#[tokio::test]
#[ignore = "PostgreSQL with a streaming replica only: run with TEST_DATABASE_URL, TEST_DATABASE_READ_URL and --include-ignored (CI does)"]
async fn a_writer_reads_its_own_write_while_the_replica_lags() {
    let replica = replica_server();
    let app = spawn_app_reading_from(&replica).await;
    let demo = app.seed_demo().await;
    let mut n = 0;
    until_the_replica_serves(&app, &demo.head, &mut n).await;
    let (_, feed) = app.get_json("/api/v1/changes?limit=500", &demo.head).await;
    let after = feed["next_after"].as_i64().unwrap();

    let paused = Paused::replay(&replica).await;
    let id = create_task(&app, &demo.head, "Vận động hội viên tham gia bảo hiểm y tế").await;
    // The replica really has not seen it: the reads below can only show it from the primary.
    let replica_db =
        Database::connect(with_database(&replica, app.pg_database.as_deref().unwrap()))
            .await
            .unwrap();
    let on_replica = replica_db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!("SELECT count(*) FROM tasks WHERE id = '{id}'"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(on_replica, 0, "replay is paused");

    let before = routed(&app);
    let (_, list) = app.get_json(&fresh_list(&mut n), &demo.head).await;
    assert!(
        holds(&list, "id", &id),
        "the writer's list shows its new task: {list}"
    );
    let (_, feed) = app
        .get_json(&format!("/api/v1/changes?after={after}"), &demo.head)
        .await;
    assert!(
        holds(&feed, "resource_id", &id),
        "the feed shows it: {feed}"
    );
    let csv = app
        .client
        .get(app.url("/api/v1/tasks"))
        .bearer_auth(&demo.staff)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("bảo hiểm y tế"), "the export shows it: {csv}");
    let now = routed(&app);
    assert_eq!(now.0, before.0, "nothing read from a replica that lags");
    assert!(now.1 >= before.1 + 3, "{now:?} after {before:?}");

    paused.resume().await;
    let list = until_the_replica_serves(&app, &demo.head, &mut n).await;
    assert!(holds(&list, "id", &id), "{list}");
}

#[tokio::test]
#[ignore = "PostgreSQL only: run with TEST_DATABASE_URL and --include-ignored (CI does)"]
async fn reads_go_to_the_primary_while_the_replica_does_not_answer() {
    // A port nothing listens on: the service still starts, and reads still answer.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let app = spawn_app_reading_from(&format!("postgres://postgres@127.0.0.1:{port}/x")).await;
    let demo = app.seed_demo().await;
    create_task(
        &app,
        &demo.head,
        "Tổ chức Ngày hội Đại đoàn kết toàn dân tộc",
    )
    .await;
    let (status, list) = app.get_json("/api/v1/tasks", &demo.head).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (status, _) = app.get_json("/api/v1/changes", &demo.head).await;
    assert_eq!(status, 200);
    let (served, _, unreachable) = routed(&app);
    assert_eq!(served, 0);
    assert!(unreachable >= 2, "{:?}", routed(&app));
}
