//! The binary as an operator runs it: start-up, first admin, create-user, shutdown.
use crate::helpers::{fresh_database, spawn_app_with, test_data_dir};
use std::{
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_khoi");

fn khoi() -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("KHOI_") || k == "DATABASE_URL" {
            c.env_remove(k);
        }
    }
    c.env("KHOI_LOG", "warn");
    c
}

#[test]
fn openapi_command_prints_the_spec() {
    let out = khoi().arg("openapi").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        khoi::openapi::spec_json()
    );
}

#[test]
fn postgres_without_a_jwt_secret_is_a_one_line_start_up_error() {
    let out = khoi()
        .env(
            "DATABASE_URL",
            "postgres://khoi:mật-khẩu-bí-mật@127.0.0.1:1/khoi",
        )
        .env("KHOI_DATA_DIR", test_data_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("KHOI_JWT_SECRET"), "{err}");
    assert!(!err.contains("mật-khẩu-bí-mật"));
}

#[test]
fn bad_configuration_names_the_variable() {
    let out = khoi()
        .env("KHOI_BODY_LIMIT", "một triệu")
        .env("KHOI_DATA_DIR", test_data_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("KHOI_BODY_LIMIT"), "{err}");
}

#[tokio::test]
async fn create_user_reads_the_password_from_stdin() {
    let data_dir = test_data_dir();
    let (database_url, _guard) = fresh_database(&data_dir).await;
    let mut cmd = khoi();
    cmd.args([
        "create-user",
        "--username",
        "Portal.QN",
        "--role",
        "portal",
        "--province",
        "Quảng Ninh",
    ])
    .env("KHOI_DATA_DIR", &data_dir)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    if let Some(url) = &database_url {
        cmd.env("DATABASE_URL", url);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("cổng-thông-tin-2016\n".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("created portal.qn (portal)")
    );

    // A short password is refused with the field named.
    let mut cmd = khoi();
    cmd.args(["create-user", "--username", "ngan", "--role", "admin"])
        .env("KHOI_DATA_DIR", &data_dir)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = &database_url {
        cmd.env("DATABASE_URL", url);
    }
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"abc\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr).unwrap().contains("password"));

    // The service started on the same database lets the new account sign in.
    let dir = data_dir.clone();
    let app = spawn_app_with(move |c| {
        c.data_dir = dir;
        c.database_url = database_url.map(khoi::config::Secret::new);
    })
    .await;
    let t = app.login("portal.qn", "cổng-thông-tin-2016").await;
    let me: serde_json::Value = app
        .get("/api/v1/me", Some(&t.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "portal");
    assert_eq!(me["province"], "Quảng Ninh");
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// Starts the real binary on the embedded SQLite default, as `cargo run` does.
#[test]
fn first_start_creates_admin_password_file_and_sigterm_stops_cleanly() {
    let data_dir = test_data_dir();
    let mut child = khoi()
        .env("KHOI_LOG", "info")
        .env("KHOI_DATA_DIR", &data_dir)
        .env("KHOI_BIND", "127.0.0.1:0")
        .env("KHOI_WORKERS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut log = String::new();
    let mut base = None;
    let started = Instant::now();
    while !log.contains("sign in:") && started.elapsed() < Duration::from_secs(60) {
        let Some(Ok(line)) = lines.next() else { break };
        log.push_str(&line);
        log.push('\n');
        if let Some(i) = line.find("khoi listening on ") {
            base = Some(line[i + "khoi listening on ".len()..].trim().to_string());
        }
    }
    let base = base.unwrap_or_else(|| panic!("no listening line in:\n{log}"));
    assert!(log.contains("Swagger UI"), "{log}");

    let file = data_dir.join("initial-admin-password");
    let password = std::fs::read_to_string(&file).unwrap().trim().to_string();
    assert_eq!(password.len(), 20);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let secret = std::fs::metadata(data_dir.join("jwt-secret"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(secret, 0o600);
    }
    assert!(!log.contains(&password), "the log shows the admin password");
    assert!(log.contains("initial-admin-password"));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        let client = reqwest::Client::new();
        let res = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "admin", "password": password}))
            .send()
            .await
            .unwrap();
        res.status()
    });
    assert_eq!(status, 200);

    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let exit = exit.expect("khoi did not stop within 20 s of SIGTERM");
    assert!(exit.success(), "exit status {exit:?}");
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test]
async fn seed_demo_generates_a_private_password_and_is_idempotent() {
    let data_dir = test_data_dir();
    let (database_url, _guard) = fresh_database(&data_dir).await;
    let run = || {
        let mut cmd = khoi();
        cmd.arg("seed-demo").env("KHOI_DATA_DIR", &data_dir);
        if let Some(url) = &database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.output().unwrap()
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let out = String::from_utf8(first.stdout).unwrap();
    assert!(out.contains("seeded the Hải Hà demo bloc"), "{out}");
    // On PostgreSQL the file is named after the database, so the SQLite installation's own
    // password file in the same directory is never overwritten.
    let file = std::path::PathBuf::from(
        out.split("their password is in ")
            .nth(1)
            .and_then(|r| r.split(" (readable").next())
            .unwrap_or_else(|| panic!("no password file named in: {out}")),
    );
    assert_eq!(file.parent(), Some(data_dir.as_path()));
    assert_eq!(
        file.file_name().unwrap() == "demo-password",
        database_url.is_none(),
        "{}",
        file.display()
    );
    let password = std::fs::read_to_string(&file).unwrap().trim().to_string();
    assert!(!out.contains(&password), "the password is printed");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let second = run();
    assert!(second.status.success());
    assert!(
        String::from_utf8(second.stdout)
            .unwrap()
            .contains("already there; nothing changed")
    );
    // The generated password signs demo.head in.
    let dir = data_dir.clone();
    let url = database_url.clone();
    let app = spawn_app_with(move |c| {
        c.data_dir = dir;
        c.database_url = url.map(khoi::config::Secret::new);
    })
    .await;
    let t = app.login("demo.head", &password).await;
    let (_, staff) = app.get_json("/api/v1/staff?limit=200", &t.access).await;
    assert_eq!(staff["items"].as_array().unwrap().len(), 20);
    let (_, units) = app.get_json("/api/v1/units?limit=200", &t.access).await;
    assert_eq!(units["items"].as_array().unwrap().len(), 16);
    let (_, orgs) = app.get_json("/api/v1/organisations", &t.access).await;
    assert_eq!(orgs["items"].as_array().unwrap().len(), 6);
    let (_, scs) = app.get_json("/api/v1/sub-committees", &t.access).await;
    assert!(
        scs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["head_staff_id"].is_string())
    );
    let (_, heads) = app
        .get_json("/api/v1/staff?role=deputy_head", &t.access)
        .await;
    assert_eq!(heads["items"].as_array().unwrap().len(), 5);
    let _ = std::fs::remove_dir_all(&data_dir);
}
