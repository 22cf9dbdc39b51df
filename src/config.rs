//! Configuration: built-in defaults, overridden by environment variables (documented in the
//! README). Secrets are wrapped in [`Secret`] so that neither `Debug` nor logs can print them.
use std::{fmt, net::IpAddr, path::PathBuf, time::Duration};

/// A value that must never be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// `None` means the embedded SQLite file under `data_dir`.
    pub database_url: Option<Secret>,
    /// A PostgreSQL streaming replica of `database_url` that lists, the feed and the summary
    /// may be read from (see `replica`).
    pub database_read_url: Option<Secret>,
    pub data_dir: PathBuf,
    pub bind: String,
    pub workers: Option<usize>,
    pub jwt_secret: Option<Secret>,
    /// PEM private key (Ed25519 or RSA) to sign access tokens with, published as JWKS.
    pub jwt_private_key_file: Option<PathBuf>,
    /// PEM public key of the previous signing key, still accepted during a rotation.
    pub jwt_previous_public_key_file: Option<PathBuf>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub body_limit: usize,
    pub cors_origins: Vec<String>,
    pub admin_password: Option<Secret>,
    pub db_max_connections: u32,
    /// PostgreSQL: the most write transactions an instance runs at once (`KHOI_DB_WRITERS`);
    /// the rest wait their turn, first come first served. SQLite has one writer.
    pub db_writers: u32,
    pub db_acquire_timeout: Duration,
    pub shutdown_timeout: Duration,
    /// The longest a request body may take to arrive, start to end.
    pub body_timeout: Duration,
    /// A fixed "today" for every request (tests, demonstrations, replaying a past month);
    /// refused at start unless `KHOI_ALLOW_FIXED_TODAY=true` says it is meant.
    pub fixed_today: Option<chrono::NaiveDate>,
    pub sign_in: SignInConfig,
    pub webhooks: WebhookConfig,
    pub notifications: NotificationConfig,
    pub files: FilesConfig,
}

/// The types an attachment may be, by the names `KHOI_FILES_TYPES` takes (each is recognised
/// by its content in `files::sniff`).
pub const FILE_TYPES: [&str; 10] = [
    "jpeg", "png", "heic", "webp", "pdf", "docx", "xlsx", "odt", "ods", "mp4",
];

/// Attachments: limits, allowed types and where the bytes go.
#[derive(Clone, Debug)]
pub struct FilesConfig {
    /// The largest file, in bytes.
    pub max_bytes: u64,
    /// What one bloc may store in all, in bytes (each distinct content counted once).
    pub quota_bytes: u64,
    /// Names from `FILE_TYPES`.
    pub types: Vec<String>,
    /// An S3-compatible store instead of the folder under the data directory.
    pub s3: Option<S3Config>,
    /// How long an upload may stay unattached before it is removed.
    pub unattached_ttl: Duration,
    /// The longest an upload's body may take to arrive (a phone on a weak link).
    pub body_timeout: Duration,
    /// Uploads one instance receives at once (each holds a staging file of up to `max_bytes`).
    pub max_concurrent: usize,
}

impl Default for FilesConfig {
    fn default() -> Self {
        Self {
            max_bytes: 25 * 1024 * 1024,
            quota_bytes: 10 * 1024 * 1024 * 1024,
            types: FILE_TYPES.iter().map(|t| t.to_string()).collect(),
            s3: None,
            unattached_ttl: Duration::from_secs(24 * 3600),
            body_timeout: Duration::from_secs(600),
            max_concurrent: 32,
        }
    }
}

#[derive(Clone, Debug)]
pub struct S3Config {
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    /// `http://host/bucket/key` (MinIO and most servers) rather than `http://bucket.host/key`.
    pub path_style: bool,
}

/// How TLS is used with the SMTP server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS: only for a relay on the same host.
    None,
}

/// The mail server notifications are sent through.
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// `From:` of every email.
    pub from: String,
    /// A PEM certificate to trust besides the public roots (a private mail server's CA).
    pub ca_file: Option<PathBuf>,
}

/// Notifications: the scheduler and the email and push channels.
#[derive(Clone, Debug)]
pub struct NotificationConfig {
    /// Whether this instance runs the scheduler (every instance may: each event is made once).
    pub scheduler: bool,
    pub scheduler_interval: Duration,
    /// Whether this instance sends email and push (each send is claimed by one instance).
    pub send: bool,
    pub poll_interval: Duration,
    pub max_attempts: u32,
    pub retry_base: Duration,
    pub smtp: Option<SmtpConfig>,
    /// The VAPID private key (P-256 scalar, base64url); generated and kept under the data
    /// folder when not given.
    pub vapid_private_key: Option<Secret>,
    pub vapid_subject: String,
}

impl Default for NotificationConfig {
    fn default() -> Self {
        Self {
            scheduler: true,
            scheduler_interval: Duration::from_secs(60),
            send: true,
            poll_interval: Duration::from_secs(1),
            max_attempts: 8,
            retry_base: Duration::from_secs(30),
            smtp: None,
            vapid_private_key: None,
            vapid_subject: "mailto:khoi@localhost".into(),
        }
    }
}

/// Limits on the cost of signing in.
#[derive(Clone, Debug)]
pub struct SignInConfig {
    /// Sign-ins (right or wrong) one address may attempt per minute.
    pub per_address_per_minute: u32,
    /// Sign-ins all addresses together may attempt per minute, on all instances.
    pub global_per_minute: u32,
    /// Password hashes computed at once by this instance (each takes about 19 MiB).
    pub hashers: usize,
    /// Proxies (load balancers) whose `X-Forwarded-For` names the client's address.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for SignInConfig {
    fn default() -> Self {
        Self {
            per_address_per_minute: 60,
            global_per_minute: 1200,
            hashers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            trusted_proxies: Vec::new(),
        }
    }
}

/// How webhook deliveries are made and retried.
#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// Whether this instance delivers (every instance may: each delivery is claimed by one).
    pub deliver: bool,
    pub poll_interval: Duration,
    pub timeout: Duration,
    /// Attempts per delivery before it is given up as failed.
    pub max_attempts: u32,
    /// The first retry's delay; each further one doubles, up to an hour.
    pub retry_base: Duration,
    /// Consecutive failed attempts after which a hook is disabled.
    pub disable_after: u32,
    /// Deliveries made at once by this instance (at most one per hook).
    pub concurrency: usize,
    /// Plain `http://` receivers are refused unless the operator allows them.
    pub allow_http: bool,
    /// Address ranges a receiver may resolve to although they are private, loopback or
    /// otherwise internal (`KHOI_WEBHOOK_ALLOW_NETS`).
    pub allow_nets: Vec<Net>,
    /// Hooks one bloc (or the admin, for all blocs) may register.
    pub max_per_bloc: u32,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            deliver: true,
            poll_interval: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            max_attempts: 10,
            retry_base: Duration::from_secs(10),
            disable_after: 20,
            concurrency: 16,
            allow_http: false,
            allow_nets: Vec::new(),
            max_per_bloc: 20,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: None,
            database_read_url: None,
            data_dir: PathBuf::from("data"),
            bind: "127.0.0.1:8080".into(),
            workers: None,
            jwt_secret: None,
            jwt_private_key_file: None,
            jwt_previous_public_key_file: None,
            jwt_issuer: "khoi".into(),
            jwt_audience: "khoi-api".into(),
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            log_filter: "info".into(),
            log_format: LogFormat::Pretty,
            body_limit: 1024 * 1024,
            cors_origins: Vec::new(),
            admin_password: None,
            db_max_connections: 16,
            db_writers: 8,
            db_acquire_timeout: Duration::from_secs(3),
            shutdown_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
            fixed_today: None,
            sign_in: SignInConfig::default(),
            webhooks: WebhookConfig::default(),
            notifications: NotificationConfig::default(),
            files: FilesConfig::default(),
        }
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads configuration through `get`, so tests can pass a map instead of the environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut c = Config {
            database_url: get("DATABASE_URL").map(Secret::new),
            ..Config::default()
        };
        if let Some(v) = get("KHOI_DATABASE_READ_URL") {
            let postgres = |u: &str| u.starts_with("postgres://") || u.starts_with("postgresql://");
            if !postgres(&v) {
                return Err(
                    "KHOI_DATABASE_READ_URL must be a postgres:// URL (a streaming replica)".into(),
                );
            }
            if !c
                .database_url
                .as_ref()
                .is_some_and(|u| postgres(u.expose()))
            {
                return Err(
                    "KHOI_DATABASE_READ_URL needs DATABASE_URL on PostgreSQL: it names that database's streaming replica".into(),
                );
            }
            c.database_read_url = Some(Secret::new(v));
        }
        if let Some(v) = get("KHOI_DATA_DIR") {
            c.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("KHOI_BIND") {
            c.bind = v;
        }
        c.workers = parse_opt(&get, "KHOI_WORKERS", 1, 256)?.map(|n| n as usize);
        c.jwt_secret = get("KHOI_JWT_SECRET").map(Secret::new);
        c.jwt_private_key_file = get("KHOI_JWT_PRIVATE_KEY_FILE").map(PathBuf::from);
        c.jwt_previous_public_key_file =
            get("KHOI_JWT_PREVIOUS_PUBLIC_KEY_FILE").map(PathBuf::from);
        if let Some(v) = get("KHOI_JWT_ISSUER") {
            c.jwt_issuer = v;
        }
        if let Some(v) = get("KHOI_JWT_AUDIENCE") {
            c.jwt_audience = v;
        }
        if let Some(s) = parse_opt(&get, "KHOI_ACCESS_TOKEN_TTL", 30, 24 * 3600)? {
            c.access_token_ttl = Duration::from_secs(s);
        }
        if let Some(s) = parse_opt(&get, "KHOI_REFRESH_TOKEN_TTL", 300, 365 * 24 * 3600)? {
            c.refresh_token_ttl = Duration::from_secs(s);
        }
        if let Some(v) = get("KHOI_LOG") {
            c.log_filter = v;
        }
        c.log_format = match get("KHOI_LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(format!(
                    "KHOI_LOG_FORMAT must be `pretty` or `json`, not `{other}`"
                ));
            }
        };
        if let Some(n) = parse_opt(&get, "KHOI_BODY_LIMIT", 1024, 64 * 1024 * 1024)? {
            c.body_limit = n as usize;
        }
        if let Some(v) = get("KHOI_CORS_ORIGINS") {
            c.cors_origins = v
                .split(',')
                .map(|s| s.trim().trim_end_matches('/').to_string())
                .filter(|s| !s.is_empty())
                .collect();
            for o in &c.cors_origins {
                if o != "*" && !(o.starts_with("http://") || o.starts_with("https://")) {
                    return Err(format!(
                        "KHOI_CORS_ORIGINS: `{o}` is not an origin such as https://portal.example.vn"
                    ));
                }
            }
        }
        c.admin_password = get("KHOI_ADMIN_PASSWORD").map(Secret::new);
        if let Some(n) = parse_opt(&get, "KHOI_DB_MAX_CONNECTIONS", 1, 1000)? {
            c.db_max_connections = n as u32;
        }
        if let Some(n) = parse_opt(&get, "KHOI_DB_WRITERS", 1, 1000)? {
            c.db_writers = n as u32;
        }
        if let Some(s) = parse_opt(&get, "KHOI_DB_ACQUIRE_TIMEOUT", 1, 120)? {
            c.db_acquire_timeout = Duration::from_secs(s);
        }
        if let Some(s) = parse_opt(&get, "KHOI_SHUTDOWN_TIMEOUT", 0, 3600)? {
            c.shutdown_timeout = Duration::from_secs(s);
        }
        if let Some(s) = parse_opt(&get, "KHOI_BODY_TIMEOUT", 1, 3600)? {
            c.body_timeout = Duration::from_secs(s);
        }
        if let Some(v) = get("KHOI_FIXED_TODAY") {
            let day = chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                .map_err(|_| format!("KHOI_FIXED_TODAY must be a date YYYY-MM-DD, not `{v}`"))?;
            if get("KHOI_ALLOW_FIXED_TODAY").as_deref() != Some("true") {
                return Err(format!(
                    "KHOI_FIXED_TODAY={v} would make every deadline and report run on that day; \
                     set KHOI_ALLOW_FIXED_TODAY=true if that is what you want (never in production)"
                ));
            }
            c.fixed_today = Some(day);
        }
        if let Some(n) = parse_opt(&get, "KHOI_LOGIN_RATE_PER_ADDRESS", 1, 1_000_000)? {
            c.sign_in.per_address_per_minute = n as u32;
        }
        if let Some(n) = parse_opt(&get, "KHOI_LOGIN_RATE_GLOBAL", 1, 10_000_000)? {
            c.sign_in.global_per_minute = n as u32;
        }
        if let Some(n) = parse_opt(&get, "KHOI_PASSWORD_HASHERS", 1, 256)? {
            c.sign_in.hashers = n as usize;
        }
        if let Some(v) = get("KHOI_TRUSTED_PROXIES") {
            c.sign_in.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse()
                        .map_err(|_| format!("KHOI_TRUSTED_PROXIES: `{s}` is not an IP address"))
                })
                .collect::<Result<_, _>>()?;
        }
        c.webhooks.allow_http = match get("KHOI_WEBHOOK_ALLOW_HTTP").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(format!(
                    "KHOI_WEBHOOK_ALLOW_HTTP must be `true` or `false`, not `{other}`"
                ));
            }
        };
        if let Some(v) = get("KHOI_WEBHOOK_ALLOW_NETS") {
            c.webhooks.allow_nets = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Net::parse(s).map_err(|m| format!("KHOI_WEBHOOK_ALLOW_NETS: `{s}` {m}")))
                .collect::<Result<_, _>>()?;
        }
        if let Some(n) = parse_opt(&get, "KHOI_WEBHOOK_MAX_PER_BLOC", 1, 10_000)? {
            c.webhooks.max_per_bloc = n as u32;
        }
        c.webhooks.deliver = match get("KHOI_WEBHOOK_DELIVERY").as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => {
                return Err(format!(
                    "KHOI_WEBHOOK_DELIVERY must be `on` or `off`, not `{other}`"
                ));
            }
        };
        if let Some(n) = parse_opt(&get, "KHOI_WEBHOOK_POLL_MS", 10, 60_000)? {
            c.webhooks.poll_interval = Duration::from_millis(n);
        }
        if let Some(n) = parse_opt(&get, "KHOI_WEBHOOK_TIMEOUT_MS", 100, 120_000)? {
            c.webhooks.timeout = Duration::from_millis(n);
        }
        if let Some(n) = parse_opt(&get, "KHOI_WEBHOOK_MAX_ATTEMPTS", 1, 50)? {
            c.webhooks.max_attempts = n as u32;
        }
        if let Some(n) = parse_opt(&get, "KHOI_WEBHOOK_RETRY_BASE_MS", 10, 3_600_000)? {
            c.webhooks.retry_base = Duration::from_millis(n);
        }
        if let Some(n) = parse_opt(&get, "KHOI_WEBHOOK_DISABLE_AFTER", 1, 10_000)? {
            c.webhooks.disable_after = n as u32;
        }
        if let Some(n) = parse_opt(&get, "KHOI_WEBHOOK_CONCURRENCY", 1, 256)? {
            c.webhooks.concurrency = n as usize;
        }
        let on_off = |key: &str| -> Result<Option<bool>, String> {
            match get(key).as_deref() {
                None => Ok(None),
                Some("on") => Ok(Some(true)),
                Some("off") => Ok(Some(false)),
                Some(other) => Err(format!("{key} must be `on` or `off`, not `{other}`")),
            }
        };
        let n = &mut c.notifications;
        if let Some(v) = on_off("KHOI_SCHEDULER")? {
            n.scheduler = v;
        }
        if let Some(ms) = parse_opt(&get, "KHOI_SCHEDULER_INTERVAL_MS", 50, 3_600_000)? {
            n.scheduler_interval = Duration::from_millis(ms);
        }
        if let Some(v) = on_off("KHOI_NOTIFY_SEND")? {
            n.send = v;
        }
        if let Some(ms) = parse_opt(&get, "KHOI_NOTIFY_POLL_MS", 10, 60_000)? {
            n.poll_interval = Duration::from_millis(ms);
        }
        if let Some(v) = parse_opt(&get, "KHOI_NOTIFY_MAX_ATTEMPTS", 1, 50)? {
            n.max_attempts = v as u32;
        }
        if let Some(ms) = parse_opt(&get, "KHOI_NOTIFY_RETRY_BASE_MS", 10, 3_600_000)? {
            n.retry_base = Duration::from_millis(ms);
        }
        if let Some(k) = get("KHOI_VAPID_PRIVATE_KEY") {
            n.vapid_private_key = Some(Secret::new(k));
        }
        if let Some(v) = get("KHOI_VAPID_SUBJECT") {
            if !(v.starts_with("mailto:") || v.starts_with("https://")) {
                return Err(format!(
                    "KHOI_VAPID_SUBJECT must be a mailto: or https: URI, not `{v}`"
                ));
            }
            n.vapid_subject = v;
        }
        if let Some(host) = get("KHOI_SMTP_HOST") {
            let tls = match get("KHOI_SMTP_TLS").as_deref() {
                None | Some("starttls") => SmtpTls::Starttls,
                Some("tls") => SmtpTls::Tls,
                Some("none") => SmtpTls::None,
                Some(other) => {
                    return Err(format!(
                        "KHOI_SMTP_TLS must be `starttls`, `tls` or `none`, not `{other}`"
                    ));
                }
            };
            let default_port = match tls {
                SmtpTls::Tls => 465,
                SmtpTls::Starttls => 587,
                SmtpTls::None => 25,
            };
            let port =
                parse_opt(&get, "KHOI_SMTP_PORT", 1, 65_535)?.map_or(default_port, |p| p as u16);
            let from = get("KHOI_SMTP_FROM").unwrap_or_else(|| "Khối <khoi@localhost>".into());
            if from.parse::<lettre::message::Mailbox>().is_err() {
                return Err(format!(
                    "KHOI_SMTP_FROM must be an address such as `Khối <khoi@haiha.vn>`, not `{from}`"
                ));
            }
            n.smtp = Some(SmtpConfig {
                host,
                port,
                tls,
                username: get("KHOI_SMTP_USERNAME"),
                password: get("KHOI_SMTP_PASSWORD").map(Secret::new),
                from,
                ca_file: get("KHOI_SMTP_CA_FILE").map(PathBuf::from),
            });
        }
        let f = &mut c.files;
        if let Some(n) = parse_opt(&get, "KHOI_FILES_MAX_BYTES", 1024, 5 * 1024 * 1024 * 1024)? {
            f.max_bytes = n;
        }
        if let Some(n) = parse_opt(&get, "KHOI_FILES_QUOTA_BYTES", 0, u64::MAX / 2)? {
            f.quota_bytes = n;
        }
        if let Some(s) = parse_opt(&get, "KHOI_FILES_UNATTACHED_TTL", 60, 30 * 24 * 3600)? {
            f.unattached_ttl = Duration::from_secs(s);
        }
        if let Some(s) = parse_opt(&get, "KHOI_FILES_BODY_TIMEOUT", 1, 24 * 3600)? {
            f.body_timeout = Duration::from_secs(s);
        }
        if let Some(n) = parse_opt(&get, "KHOI_FILES_MAX_CONCURRENT", 1, 10_000)? {
            f.max_concurrent = n as usize;
        }
        if let Some(v) = get("KHOI_FILES_TYPES") {
            let mut types = Vec::new();
            for t in v.split(',').map(|t| t.trim().to_ascii_lowercase()) {
                if t.is_empty() {
                    continue;
                }
                if !FILE_TYPES.contains(&t.as_str()) {
                    return Err(format!(
                        "KHOI_FILES_TYPES: `{t}` is not one of {}",
                        FILE_TYPES.join(", ")
                    ));
                }
                types.push(t);
            }
            f.types = types;
        }
        if let Some(endpoint) = get("KHOI_FILES_S3_ENDPOINT") {
            if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                return Err(format!(
                    "KHOI_FILES_S3_ENDPOINT must be an http or https URL, not `{endpoint}`"
                ));
            }
            let need = |k: &str| {
                get(k).ok_or_else(|| format!("{k} is needed with KHOI_FILES_S3_ENDPOINT"))
            };
            f.s3 = Some(S3Config {
                endpoint,
                bucket: need("KHOI_FILES_S3_BUCKET")?,
                region: get("KHOI_FILES_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                access_key_id: need("KHOI_FILES_S3_ACCESS_KEY_ID")?,
                secret_access_key: Secret::new(need("KHOI_FILES_S3_SECRET_ACCESS_KEY")?),
                path_style: match get("KHOI_FILES_S3_PATH_STYLE").as_deref() {
                    None | Some("true") => true,
                    Some("false") => false,
                    Some(other) => {
                        return Err(format!(
                            "KHOI_FILES_S3_PATH_STYLE must be `true` or `false`, not `{other}`"
                        ));
                    }
                },
            });
        }
        Ok(c)
    }

    /// The URL the service connects to: `DATABASE_URL`, or the embedded SQLite file.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.expose().to_string(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("khoi.db").to_string_lossy()
            ),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.effective_database_url().starts_with("sqlite:")
    }

    /// Where a file the service generates for this database goes (the first admin's password,
    /// the demo password). The embedded SQLite default keeps the plain name; any other database
    /// gets its server and name appended, so starting on PostgreSQL with the same data directory
    /// never overwrites the SQLite installation's files (or another server's).
    pub fn generated_file(&self, name: &str) -> PathBuf {
        if self.database_url.is_none() {
            return self.data_dir.join(name);
        }
        let url = self.effective_database_url();
        let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
        let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
        let rest = rest.split('?').next().unwrap_or_default();
        let tag: String = rest
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        self.data_dir
            .join(format!("{name}.{}", tag.trim_matches('-')))
    }
}

/// An address range: `10.0.0.0/8`, `fd00::/8`, or one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    /// Parses `ADDR/PREFIX` or `ADDR`; the message completes "`…` …".
    pub fn parse(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| "is not an address range such as 10.20.0.0/16".to_string())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("has a prefix length that is not 0 to {max}"))?,
        };
        Ok(Net { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

fn parse_opt(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, String> {
    match get(key) {
        None => Ok(None),
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(format!(
                "{key} must be a whole number from {min} to {max}, not `{v}`"
            )),
        },
    }
}

/// The URL with any password replaced, for logs and start-up errors.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s + 3 => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn a_read_replica_only_beside_a_postgresql_primary() {
        let pg = ("DATABASE_URL", "postgres://u@db/khoi");
        let c = cfg(&[pg, ("KHOI_DATABASE_READ_URL", "postgres://u@replica/khoi")]).unwrap();
        assert_eq!(
            c.database_read_url.unwrap().expose(),
            "postgres://u@replica/khoi"
        );
        assert!(cfg(&[pg]).unwrap().database_read_url.is_none());
        let e = cfg(&[("KHOI_DATABASE_READ_URL", "postgres://u@replica/khoi")]).unwrap_err();
        assert!(e.contains("needs DATABASE_URL on PostgreSQL"), "{e}");
        let e = cfg(&[pg, ("KHOI_DATABASE_READ_URL", "sqlite://other.db")]).unwrap_err();
        assert!(e.contains("postgres:// URL"), "{e}");
    }

    #[test]
    fn defaults_use_embedded_sqlite_on_loopback() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert!(c.is_sqlite());
        assert_eq!(c.effective_database_url(), "sqlite://data/khoi.db?mode=rwc");
        assert_eq!(c.body_limit, 1024 * 1024);
        assert!(c.cors_origins.is_empty());
    }

    #[test]
    fn bad_numbers_name_the_variable() {
        let e = cfg(&[("KHOI_BODY_LIMIT", "lots")]).unwrap_err();
        assert!(e.starts_with("KHOI_BODY_LIMIT"), "{e}");
        let e = cfg(&[("KHOI_LOG_FORMAT", "xml")]).unwrap_err();
        assert!(e.contains("KHOI_LOG_FORMAT"), "{e}");
        let e = cfg(&[("KHOI_CORS_ORIGINS", "portal.vn")]).unwrap_err();
        assert!(e.contains("KHOI_CORS_ORIGINS"), "{e}");
    }

    #[test]
    fn a_fixed_today_must_be_asked_for() {
        let e = cfg(&[("KHOI_FIXED_TODAY", "2016-06-30")]).unwrap_err();
        assert!(e.contains("KHOI_ALLOW_FIXED_TODAY"), "{e}");
        let c = cfg(&[
            ("KHOI_FIXED_TODAY", "2016-06-30"),
            ("KHOI_ALLOW_FIXED_TODAY", "true"),
        ])
        .unwrap();
        assert_eq!(c.fixed_today.unwrap().to_string(), "2016-06-30");
        assert!(cfg(&[("KHOI_FIXED_TODAY", "30/06/2016")]).is_err());
    }

    #[test]
    fn secrets_do_not_print() {
        let c = cfg(&[("KHOI_JWT_SECRET", "very-secret-value-0123456789abcdef")]).unwrap();
        assert!(!format!("{c:?}").contains("very-secret"));
    }

    #[test]
    fn redacts_database_password() {
        assert_eq!(
            redact_url("postgres://khoi:p4ss@db:5432/khoi"),
            "postgres://khoi:***@db:5432/khoi"
        );
        assert_eq!(
            redact_url("postgres://db:5432/khoi"),
            "postgres://db:5432/khoi"
        );
    }
}
