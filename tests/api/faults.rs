//! Faults under load: the database goes away while clients write, and the service is killed
//! with SIGKILL mid-load. No acknowledged write may be lost, none may be half there, and a retry
//! with the same Idempotency-Key settles every write that got no answer exactly once.
use crate::helpers::{
    ADMIN_PASSWORD, DEMO_PASSWORD, JWT_SECRET, TestDb, fresh_database, spawn_app_with,
    test_data_dir,
};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

/// Writes to the tasks endpoint until told to stop; returns (key, title, status or 0).
async fn writer(
    client: reqwest::Client,
    base: Arc<Mutex<String>>,
    token: String,
    n: usize,
    stop: Arc<AtomicBool>,
) -> Vec<(String, String, u16)> {
    let mut out = Vec::new();
    let mut j = 0;
    while !stop.load(Ordering::Relaxed) {
        let key = format!("w{n}-{j}");
        let title = format!("Nhiệm vụ kiểm thử sự cố {n}-{j}");
        let url = format!("{}/api/v1/tasks", base.lock().unwrap());
        let status = match client
            .post(url)
            .bearer_auth(&token)
            .header("idempotency-key", &key)
            .json(&json!({"title": title}))
            .timeout(Duration::from_secs(10))
            .send()
            .await
        {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        };
        out.push((key, title, status));
        j += 1;
    }
    out
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Each acknowledged write is there once; each unanswered one is there at most once, and a
/// retry with its key leaves it there exactly once; every task has its audit entry.
async fn check_nothing_lost_or_half_written(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    db: &DatabaseConnection,
    writes: &[(String, String, u16)],
) {
    let acked = writes.iter().filter(|w| w.2 == 201).count();
    assert!(acked > 0, "no write was acknowledged: {writes:?}");
    for (key, title, status) in writes {
        let q = format!("SELECT COUNT(*) FROM tasks WHERE title = '{title}'");
        let n = count(db, &q).await;
        if *status == 201 {
            assert_eq!(n, 1, "acknowledged write {key} is missing");
        } else {
            assert!(n <= 1, "{key} is there {n} times");
            let res = client
                .post(format!("{base}/api/v1/tasks"))
                .bearer_auth(token)
                .header("idempotency-key", key)
                .json(&json!({"title": title}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201, "retry of {key}");
            assert_eq!(count(db, &q).await, 1, "{key} after its retry");
        }
    }
    let tasks = count(db, "SELECT COUNT(*) FROM tasks").await;
    let audited = count(
        db,
        // A delegated task is created by its delegation.
        "SELECT COUNT(*) FROM audit_log WHERE resource_type = 'task' AND action IN ('create', 'delegate')",
    )
    .await;
    assert_eq!(
        tasks, audited,
        "a task without its audit entry is half written"
    );
    // The demo's own 2016 tasks aside, and those of its province and communes.
    let demo = count(
        db,
        "SELECT COUNT(*) FROM tasks WHERE opened_on < '2017-01-01' \
         OR bloc_id IN (SELECT id FROM blocs WHERE level <> 'district')",
    )
    .await;
    assert_eq!(
        (tasks - demo) as usize,
        writes.len(),
        "one task per write, after retries"
    );
}

/// PostgreSQL only: the database refuses connections for a while under 8 writers.
#[tokio::test]
#[ignore = "PostgreSQL only: run with TEST_DATABASE_URL and --include-ignored (CI does)"]
async fn a_database_outage_under_load_loses_nothing_and_recovers_by_itself() {
    let app = spawn_app_with(|c| {
        c.db_acquire_timeout = Duration::from_secs(1);
        c.db_max_connections = 8;
    })
    .await;
    let name = crate::helpers::postgres_only(&app);
    let demo = app.seed_demo().await;
    let admin = Database::connect(std::env::var("TEST_DATABASE_URL").unwrap())
        .await
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let base = Arc::new(Mutex::new(app.address.clone()));
    let writers: Vec<_> = (0..8)
        .map(|n| {
            tokio::spawn(writer(
                app.client.clone(),
                base.clone(),
                demo.head.clone(),
                n,
                stop.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    for sql in [
        format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false"),
        format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"),
    ] {
        admin.execute_unprepared(&sql).await.unwrap();
    }
    // While it is down: writes and readiness fail fast with 503 problems.
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Answered (within the pool's 1 s acquire timeout, far inside the client's 10 s), not hung.
    let res = app
        .client
        .get(app.url("/ready"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("/ready answers during the outage");
    assert_eq!(res.status(), 503);
    let res = app
        .client
        .post(app.url("/api/v1/tasks"))
        .bearer_auth(&demo.head)
        .json(&json!({"title": "Trong lúc mất kết nối"}))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("a write answers during the outage");
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    tokio::time::sleep(Duration::from_millis(700)).await;
    admin
        .execute_unprepared(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true"))
        .await
        .unwrap();
    let back = Instant::now();
    while app.get("/ready", None).await.status() != 200 {
        assert!(
            back.elapsed() < Duration::from_secs(30),
            "still not ready 30 s after the database returned"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut writes = Vec::new();
    for w in writers {
        writes.extend(w.await.unwrap());
    }
    assert!(
        writes.iter().any(|w| w.2 == 503),
        "no write met the outage: {:?}",
        writes.iter().map(|w| w.2).collect::<Vec<_>>()
    );
    assert!(
        writes.iter().all(|w| matches!(w.2, 201 | 503)),
        "only 201 and 503 are expected"
    );
    let own = Database::connect(crate::helpers::with_database(
        &std::env::var("TEST_DATABASE_URL").unwrap(),
        &name,
    ))
    .await
    .unwrap();
    check_nothing_lost_or_half_written(&app.client, &app.address, &demo.head, &own, &writes).await;
}

pub(crate) struct Server {
    child: Child,
}

impl Server {
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status, once the process has ended within `limit`.
    pub(crate) fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(s) = self.child.try_wait().unwrap() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

/// Ctrl-C (SIGINT) while 8 requests are on their way: the service stops, but first answers all
/// 8 from a database that is still open, then exits cleanly; on SQLite nothing is left in the
/// WAL, so `khoi.db` alone is the whole database.
#[tokio::test]
async fn sigint_during_eight_requests_answers_all_eight() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (data_dir, envs, _guard) = binary_database(&[], true).await;
    let sqlite = !envs.iter().any(|(k, _)| *k == "DATABASE_URL");
    let (mut server, base) = start(&envs);
    let client = reqwest::Client::new();
    let token = sign_in(&client, &base, "demo.head", DEMO_PASSWORD).await;
    let addr = base.trim_start_matches("http://").to_string();
    let mut streams = Vec::new();
    for i in 0..8 {
        let body = json!({"title": format!("Nhiệm vụ lúc dừng máy {i}")}).to_string();
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST /api/v1/tasks HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).await.unwrap();
        // Half the body: the request is in flight when the signal comes.
        s.write_all(&body.as_bytes()[..body.len() / 2])
            .await
            .unwrap();
        streams.push((s, body));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        Command::new("kill")
            .args(["-INT", &server.pid().to_string()])
            .status()
            .unwrap()
            .success()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut answers = Vec::new();
    for (mut s, body) in streams {
        s.write_all(&body.as_bytes()[body.len() / 2..])
            .await
            .unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out).await;
        answers.push(out.lines().next().unwrap_or("(no answer)").to_string());
    }
    assert_eq!(answers, vec!["HTTP/1.1 201 Created".to_string(); 8]);
    let exit = server
        .wait_exit(Duration::from_secs(20))
        .expect("khoi stopped after the requests in flight");
    assert!(exit.success(), "{exit:?}");
    if sqlite {
        let wal = data_dir.join("khoi.db-wal");
        let left = std::fs::metadata(&wal).map_or(0, |m| m.len());
        assert_eq!(left, 0, "{} still holds {left} bytes", wal.display());
        let conn = Database::connect(format!(
            "sqlite://{}?mode=ro",
            data_dir.join("khoi.db").display()
        ))
        .await
        .unwrap();
        let n = conn
            .query_one_raw(Statement::from_string(
                conn.get_database_backend(),
                "SELECT COUNT(*) AS n FROM tasks WHERE title LIKE 'Nhiệm vụ lúc dừng máy %'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(n, 8);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary and returns it with the address it listens on.
pub(crate) fn start(envs: &[(&str, String)]) -> (Server, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_khoi"));
    for (k, _) in std::env::vars() {
        if k.starts_with("KHOI_") || k == "DATABASE_URL" {
            c.env_remove(k);
        }
    }
    c.env("KHOI_LOG", "info")
        .env("KHOI_BIND", "127.0.0.1:0")
        .env("KHOI_WORKERS", "2");
    for (k, v) in envs {
        c.env(k, v);
    }
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(i) = line.find("khoi listening on ") {
                let _ = tx.send(line[i + "khoi listening on ".len()..].trim().to_string());
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the service started");
    (Server { child }, base)
}

/// A fresh database (SQLite, or PostgreSQL with `TEST_DATABASE_URL`) for the real binary: its
/// data directory, the environment to start the binary with (plus `extra`), and the guard that
/// removes the database. With `demo`, `khoi seed-demo` has loaded the demo bloc.
pub(crate) async fn binary_database(
    extra: &[(&'static str, &str)],
    demo: bool,
) -> (PathBuf, Vec<(&'static str, String)>, TestDb) {
    let data_dir = test_data_dir();
    let (url, guard) = fresh_database(&data_dir).await;
    let mut envs = vec![
        ("KHOI_DATA_DIR", data_dir.display().to_string()),
        ("KHOI_JWT_SECRET", JWT_SECRET.to_string()),
        ("KHOI_ADMIN_PASSWORD", ADMIN_PASSWORD.to_string()),
    ];
    if let Some(u) = &url {
        envs.push(("DATABASE_URL", u.clone()));
    }
    envs.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    if demo {
        let mut seed = Command::new(env!("CARGO_BIN_EXE_khoi"));
        seed.args(["seed-demo", "--password", DEMO_PASSWORD])
            .env("KHOI_LOG", "warn");
        for (k, v) in &envs {
            seed.env(k, v);
        }
        assert!(seed.output().unwrap().status.success());
    }
    (data_dir, envs, guard)
}

/// An access token from the binary at `base`.
pub(crate) async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> String {
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["access_token"].as_str().unwrap().to_string()
}

/// Both databases: SIGKILL mid-load, restart, and every acknowledged write is there.
#[tokio::test]
async fn sigkill_mid_load_loses_no_acknowledged_write() {
    let (data_dir, envs, _guard) = binary_database(&[], true).await;
    let url = envs
        .iter()
        .find(|(k, _)| *k == "DATABASE_URL")
        .map(|(_, v)| v.clone());
    let (server, first) = start(&envs);
    let client = reqwest::Client::new();
    let token = sign_in(&client, &first, "demo.head", DEMO_PASSWORD).await;
    let stop = Arc::new(AtomicBool::new(false));
    let base = Arc::new(Mutex::new(first));
    let writers: Vec<_> = (0..8)
        .map(|n| {
            tokio::spawn(writer(
                client.clone(),
                base.clone(),
                token.clone(),
                n,
                stop.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    drop(server); // SIGKILL: no graceful shutdown
    stop.store(true, Ordering::Relaxed);
    let mut writes = Vec::new();
    for w in writers {
        writes.extend(w.await.unwrap());
    }
    let (_server, second) = start(&envs);
    let db = match &url {
        Some(u) => Database::connect(u).await.unwrap(),
        None => Database::connect(format!(
            "sqlite://{}?mode=rw",
            data_dir.join("khoi.db").display()
        ))
        .await
        .unwrap(),
    };
    check_nothing_lost_or_half_written(&client, &second, &token, &db, &writes).await;
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// `khoi backup PATH` copies the SQLite database while the service runs and writes: the copy
/// is a whole database holding what was committed, and an existing file is never overwritten.
/// On PostgreSQL it refuses and points to pg_dump.
#[tokio::test]
async fn backup_copies_the_running_sqlite_database() {
    let (data_dir, envs, _guard) = binary_database(&[], true).await;
    let backup = |path: &std::path::Path| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_khoi"));
        c.arg("backup").arg(path).env("KHOI_LOG", "warn");
        for (k, v) in &envs {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let copy = data_dir.join("sao-luu.db");
    if envs.iter().any(|(k, _)| *k == "DATABASE_URL") {
        let out = backup(&copy);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        return;
    }
    let (_server, base) = start(&envs);
    let client = reqwest::Client::new();
    let token = sign_in(&client, &base, "demo.head", DEMO_PASSWORD).await;
    for i in 0..5 {
        let res = client
            .post(format!("{base}/api/v1/tasks"))
            .bearer_auth(&token)
            .json(&json!({"title": format!("Nhiệm vụ trước sao lưu {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    let out = backup(&copy);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = Database::connect(format!("sqlite://{}?mode=ro", copy.display()))
        .await
        .unwrap();
    let one = |sql: &'static str| {
        let conn = conn.clone();
        async move {
            conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap()
        }
    };
    let check: String = one("PRAGMA integrity_check")
        .await
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(check, "ok");
    let n: i64 = one("SELECT COUNT(*) FROM tasks WHERE title LIKE 'Nhiệm vụ trước sao lưu %'")
        .await
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(n, 5);
    let again = backup(&copy);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

/// `khoi healthcheck` (the container's health check) exits 0 while the service answers on
/// KHOI_BIND's port, and fails once it has stopped.
#[tokio::test]
async fn healthcheck_follows_the_running_service() {
    let (_data_dir, envs, _guard) = binary_database(&[], false).await;
    let (mut server, base) = start(&envs);
    let port = base.rsplit(':').next().unwrap().to_string();
    let check = || {
        Command::new(env!("CARGO_BIN_EXE_khoi"))
            .arg("healthcheck")
            .env("KHOI_BIND", format!("0.0.0.0:{port}"))
            .env("KHOI_LOG", "warn")
            .output()
            .unwrap()
    };
    let up = check();
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    server.wait_exit(Duration::from_secs(20)).expect("stopped");
    let down = check();
    assert!(!down.status.success());
}
