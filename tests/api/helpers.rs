//! Spawns the real application on port 0 against a database of its own: a temporary SQLite
//! file, or — when `TEST_DATABASE_URL` is set — a fresh PostgreSQL database created for the test
//! and dropped afterwards. Both go through the real migrations.
use khoi::{
    config::{Config, Secret, SignInConfig, WebhookConfig},
    startup::Application,
    webhooks::egress::Net,
};
use reqwest::{Client, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::path::PathBuf;
use uuid::Uuid;

pub const ADMIN_PASSWORD: &str = "Quản-trị-viên-2016";
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

pub struct TestApp {
    pub address: String,
    /// The PostgreSQL database's name, when the test runs on PostgreSQL.
    pub pg_database: Option<String>,
    pub client: Client,
    pub state: actix_web::web::Data<khoi::state::AppState>,
    /// What it was started with, to start another instance on the same database.
    pub config: Config,
    _db: TestDb,
}

pub enum TestDb {
    /// Another instance's database: the first instance removes it.
    Shared,
    Sqlite(PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Shared => {}
            TestDb::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDb::Postgres { admin_url, name } => {
                let (url, name) = (admin_url.clone(), name.clone());
                // Drop runs outside async; a short-lived runtime on its own thread drops the database.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        if let Ok(db) = Database::connect(&url).await {
                            let _ = db
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// `postgres://u@h:5432/test?x=y` with the database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

pub fn test_data_dir() -> PathBuf {
    std::env::temp_dir().join(format!("khoi-test-{}", Uuid::now_v7().simple()))
}

/// A fresh database for one test: (DATABASE_URL or None for SQLite, the guard that removes it).
pub async fn fresh_database(data_dir: &std::path::Path) -> (Option<String>, TestDb) {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(admin_url) => {
            let name = format!("khoi_test_{}", Uuid::now_v7().simple());
            let admin = Database::connect(&admin_url)
                .await
                .expect("TEST_DATABASE_URL must point at a reachable PostgreSQL server");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            let _ = admin.close().await;
            (
                Some(with_database(&admin_url, &name)),
                TestDb::Postgres { admin_url, name },
            )
        }
        None => (None, TestDb::Sqlite(data_dir.to_path_buf())),
    }
}

pub fn test_config(data_dir: PathBuf, database_url: Option<String>) -> Config {
    Config {
        database_url: database_url.map(Secret::new),
        data_dir,
        bind: "127.0.0.1:0".into(),
        workers: Some(1),
        jwt_secret: Some(Secret::new(JWT_SECRET)),
        admin_password: Some(Secret::new(ADMIN_PASSWORD)),
        db_max_connections: 5,
        shutdown_timeout: std::time::Duration::from_secs(1),
        log_filter: std::env::var("TEST_LOG").unwrap_or_else(|_| "off".into()),
        // Tests sign in often from one address; the limits have tests of their own.
        sign_in: SignInConfig {
            per_address_per_minute: 100_000,
            global_per_minute: 100_000,
            ..SignInConfig::default()
        },
        // Receivers in tests listen on loopback over plain http; the egress tests tighten this.
        webhooks: WebhookConfig {
            allow_http: true,
            allow_nets: vec![Net::parse("127.0.0.0/8").unwrap()],
            ..WebhookConfig::default()
        },
        // Time-based events only where a test asks for them (they would add to feeds and
        // audit logs other tests count).
        // The send loop at its default pace (1 s): faster, every test's app polled the shared
        // PostgreSQL server often enough to delay the webhook fairness test's deliveries.
        notifications: khoi::config::NotificationConfig {
            scheduler: false,
            ..Default::default()
        },
        ..Config::default()
    }
}

/// The PostgreSQL database of a test that needs PostgreSQL. Such tests are `#[ignore]`d, so a
/// plain `cargo test` lists them as ignored instead of passing them untested; run with
/// `--include-ignored` (as CI's PostgreSQL run does) they fail loudly without `TEST_DATABASE_URL`.
pub fn postgres_only(app: &TestApp) -> String {
    app.pg_database
        .clone()
        .expect("this test needs PostgreSQL: set TEST_DATABASE_URL")
}

/// The server URL of a streaming replica of `TEST_DATABASE_URL`'s server (`.ci/replica` starts
/// one on 127.0.0.1:5433). Tests that need one are PostgreSQL-only and fail loudly without it.
pub fn replica_server() -> String {
    std::env::var("TEST_DATABASE_READ_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("this test needs a streaming replica: run `bash .ci/replica` and set TEST_DATABASE_READ_URL=postgres://postgres@127.0.0.1:5433/test")
}

/// An app on a fresh PostgreSQL database that reads from `replica` (a server URL; the test's
/// database name is put in).
pub async fn spawn_app_reading_from(replica: &str) -> TestApp {
    let data_dir = test_data_dir();
    let (database_url, guard) = fresh_database(&data_dir).await;
    let TestDb::Postgres { name, .. } = &guard else {
        panic!("this test needs PostgreSQL: set TEST_DATABASE_URL");
    };
    let read_url = with_database(replica, name);
    let mut config = test_config(data_dir, database_url);
    config.database_read_url = Some(Secret::new(read_url));
    start(config, guard).await
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let data_dir = test_data_dir();
    let (database_url, guard) = fresh_database(&data_dir).await;
    let mut config = test_config(data_dir, database_url);
    adjust(&mut config);
    start(config, guard).await
}

async fn start(config: Config, guard: TestDb) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        khoi::telemetry::init(&config.log_filter, config.log_format);
    }
    let app = Application::build(config.clone())
        .await
        .expect("the application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    let pg_database = match &guard {
        TestDb::Postgres { name, .. } => Some(name.clone()),
        TestDb::Sqlite(_) | TestDb::Shared => None,
    };
    TestApp {
        address,
        pg_database,
        client: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        state,
        config,
        _db: guard,
    }
}

impl TestApp {
    /// A second instance on the same database, as behind a load balancer.
    pub async fn another_instance(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = self.config.clone();
        adjust(&mut config);
        start(config, TestDb::Shared).await
    }
}

pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut r = self.client.get(self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request sent")
    }

    pub async fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        let mut r = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request sent")
    }

    pub async fn login_response(&self, username: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/auth/login",
            &json!({"username": username, "password": password}),
            None,
        )
        .await
    }

    pub async fn login(&self, username: &str, password: &str) -> Tokens {
        let res = self.login_response(username, password).await;
        assert_eq!(res.status(), StatusCode::OK, "login of {username}");
        let body: Value = res.json().await.unwrap();
        Tokens {
            access: body["access_token"].as_str().unwrap().to_string(),
            refresh: body["refresh_token"].as_str().unwrap().to_string(),
        }
    }

    /// Signs in to an account someone else made with `given` (which must be replaced first),
    /// chooses [`OWN_PASSWORD`], and signs in again.
    pub async fn first_sign_in(&self, username: &str, given: &str) -> Tokens {
        let first = self.login(username, given).await;
        let res = self
            .post_json(
                "/api/v1/me/password",
                &json!({"current_password": given, "new_password": OWN_PASSWORD}),
                Some(&first.access),
            )
            .await;
        assert_eq!(res.status(), 204, "{}", res.text().await.unwrap());
        self.login(username, OWN_PASSWORD).await
    }

    pub async fn login_admin(&self) -> Tokens {
        self.login("admin", ADMIN_PASSWORD).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": refresh_token}),
            None,
        )
        .await
    }
}

/// Asserts an RFC 9457 problem with `status` and returns its body.
pub async fn assert_problem(res: Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(
        ct.starts_with("application/problem+json"),
        "content-type was {ct}"
    );
    assert!(res.headers().contains_key("x-request-id"));
    let body: Value = res.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status);
    assert!(body["type"].is_string() && body["title"].is_string() && body["detail"].is_string());
    // Every problem and every field error has a code a client can switch on.
    let code = body["code"].as_str().expect("a problem has a code");
    assert_eq!(
        body["type"],
        format!("/problems/{}", code.replace('_', "-"))
    );
    for e in body["errors"].as_array().into_iter().flatten() {
        assert!(e["code"].is_string() && e["field"].is_string(), "{e}");
    }
    body
}

pub const DEMO_PASSWORD: &str = "Hải-Hà-2016-demo";
/// What a person chooses at first sign-in, replacing the password someone else set.
pub const OWN_PASSWORD: &str = "Mật-khẩu-của-riêng-tôi-2016";

/// The Hải Hà demo bloc with a signed-in token for each of its demo accounts.
pub struct Demo {
    pub bloc_id: String,
    pub head: String,
    pub deputy: String,
    pub staff: String,
    pub admin: String,
}

impl TestApp {
    pub async fn patch_json(
        &self,
        path: &str,
        body: &Value,
        token: &str,
        if_match: Option<&str>,
    ) -> Response {
        let mut r = self
            .client
            .patch(self.url(path))
            .json(body)
            .bearer_auth(token);
        if let Some(m) = if_match {
            r = r.header("if-match", m);
        }
        r.send().await.expect("request sent")
    }

    /// GET returning (status, JSON body).
    pub async fn get_json(&self, path: &str, token: &str) -> (u16, Value) {
        let res = self.get(path, Some(token)).await;
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// The demo bloc's structure, campaigns, supervisions and meetings, without its tasks: tests
    /// make their own.
    pub async fn seed_demo(&self) -> Demo {
        self.seed_demo_with(false).await
    }

    /// The whole demo, as `khoi seed-demo` makes it, its 2016 tasks included.
    pub async fn seed_full_demo(&self) -> Demo {
        self.seed_demo_with(true).await
    }

    async fn seed_demo_with(&self, tasks: bool) -> Demo {
        let config = test_config(test_data_dir(), None);
        let seeded =
            khoi::seed::seed_demo_with(&self.state.db, &config, Some(DEMO_PASSWORD.into()), tasks)
                .await
                .expect("seed");
        Demo {
            bloc_id: seeded.bloc_id.to_string(),
            head: self.login("demo.head", DEMO_PASSWORD).await.access,
            deputy: self.login("demo.deputy", DEMO_PASSWORD).await.access,
            staff: self.login("demo.staff", DEMO_PASSWORD).await.access,
            admin: self.login_admin().await.access,
        }
    }

    /// A second bloc (in another province unless `province` says otherwise) with a bloc head
    /// account, created through the API as the admin would. Returns (bloc id, head token).
    pub async fn other_bloc(
        &self,
        admin: &str,
        name: &str,
        province: &str,
        username: &str,
    ) -> (String, String) {
        let res = self
            .post_json(
                "/api/v1/blocs",
                &json!({"name": name, "level": "commune", "province": province}),
                Some(admin),
            )
            .await;
        assert_eq!(res.status(), 201, "create bloc");
        let bloc: Value = res.json().await.unwrap();
        let bloc_id = bloc["id"].as_str().unwrap().to_string();
        let res = self
            .post_json(
                "/api/v1/accounts",
                &json!({"username": username, "password": DEMO_PASSWORD, "role": "bloc_head", "bloc_id": bloc_id}),
                Some(admin),
            )
            .await;
        assert_eq!(res.status(), 201, "create head account");
        let token = self.first_sign_in(username, DEMO_PASSWORD).await.access;
        (bloc_id, token)
    }

    /// A `portal` account of `province`, created by the admin, and its access token.
    pub async fn portal_account(&self, admin: &str, province: &str, username: &str) -> String {
        let res = self
            .post_json(
                "/api/v1/accounts",
                &json!({"username": username, "password": DEMO_PASSWORD, "role": "portal", "province": province}),
                Some(admin),
            )
            .await;
        assert_eq!(res.status(), 201, "create portal account");
        self.first_sign_in(username, DEMO_PASSWORD).await.access
    }

    /// An access token for an API client (the answer of `POST /clients`), by its credentials.
    /// A new API client of `province`, as the admin opens it (its secret shown once).
    pub async fn new_client(&self, admin: &str, province: &str) -> Value {
        let res = self
            .post_json(
                "/api/v1/clients",
                &json!({"name": "Cổng dân vận tỉnh", "province": province}),
                Some(admin),
            )
            .await;
        assert_eq!(res.status(), 201, "client");
        res.json().await.unwrap()
    }

    pub async fn client_token(&self, client: &Value) -> String {
        let res = self
            .post_json(
                "/api/v1/auth/token",
                &json!({"grant_type": "client_credentials", "client_id": client["client_id"], "client_secret": client["client_secret"]}),
                None,
            )
            .await;
        assert_eq!(res.status(), 200, "client token");
        res.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The id of the first item of a list.
    pub async fn first_id(&self, path: &str, token: &str) -> String {
        let (status, body) = self.get_json(path, token).await;
        assert_eq!(status, 200, "{path}");
        body["items"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: empty list {body}"))
            .to_string()
    }
}

/// The ETag of a response.
pub fn etag(res: &Response) -> String {
    res.headers()
        .get("etag")
        .expect("ETag")
        .to_str()
        .unwrap()
        .to_string()
}

/// The sign-in limits count in fixed one-minute windows: a test that counts up to a limit
/// starts early in a minute, so its count never straddles a window's end (which made it flaky).
pub async fn early_in_a_minute() {
    let second = chrono::Utc::now().timestamp().rem_euclid(60);
    if second >= 40 {
        let wait = (60 - second) as u64 * 1000 + 200;
        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
    }
}
