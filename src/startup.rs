//! Building and running the application. `Application::build` binds the listener first, so
//! tests can ask for port 0 and read back the port they got.
use crate::{
    auth::{self, tokens::JwtKeys},
    config::{Config, Secret, redact_url},
    db,
    extract::{self, BodyLimit},
    metrics::Metrics,
    middleware::request_context,
    openapi,
    routes::{self, RouteTable},
    state::AppState,
};
use actix_cors::Cors;
use actix_web::{
    App, HttpServer,
    dev::Server,
    http::{Method, header},
    middleware::{Condition, from_fn},
    web,
};
use std::{net::TcpListener, sync::Arc};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

pub struct Application {
    port: u16,
    server: Server,
    pub state: web::Data<AppState>,
}

impl Application {
    /// Connects, migrates, ensures the first admin, binds; does not serve until `run`.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let secret = resolve_jwt_secret(&config)?;
        let vapid = resolve_vapid(&config)?;
        let db = db::connect(&config).await?;
        crate::provinces::service::migrate(&db)
            .await
            .map_err(|e| anyhow::anyhow!("cannot apply migrations: {e}"))?;
        if let Some(line) = crate::sessions::service::ensure_admin(&db, &config).await? {
            tracing::info!("{line}");
        }
        let listener = TcpListener::bind(&config.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
        let port = listener.local_addr()?.port();
        let keys = load_keys(&config, &secret)?;
        tracing::info!(
            database = %redact_url(&config.effective_database_url()),
            "database ready, migrations applied"
        );
        if let Some(day) = config.fixed_today {
            tracing::warn!(%day, "today is fixed (KHOI_FIXED_TODAY): deadlines and reports run on that day");
        }
        crate::auth::password::configure(config.sign_in.hashers);
        // The stand-in hash for unknown usernames, made now rather than by the first sign-in.
        tokio::task::spawn_blocking(|| {
            crate::auth::password::dummy_hash();
        })
        .await?;
        let replica = crate::replica::Replica::connect(&config).await?;
        let state = web::Data::new(AppState {
            db,
            replica,
            keys,
            vapid,
            egress: Arc::new(crate::webhooks::egress::Egress::new(&config.webhooks)),
            files: Arc::new(
                crate::file_store::Store::new(&config.data_dir, &config.files)
                    .map_err(|e| anyhow::anyhow!("attachments: {e}"))?,
            ),
            uploads: Arc::new(tokio::sync::Semaphore::new(config.files.max_concurrent)),
            previews: Default::default(),
            config,
            pages: Default::default(),
            inboxes: crate::page_cache::PageCache::with_capacity(
                crate::page_cache::INBOXES,
                crate::page_cache::INBOX_BYTES,
            ),
        });
        let server = serve(listener, state.clone())?;
        crate::allocator::give_back();
        tokio::spawn(crate::allocator::run());
        if state.config.webhooks.deliver {
            tokio::spawn(crate::webhooks::delivery::run(state.clone()));
        }
        if state.config.notifications.send {
            tokio::spawn(crate::notifications::sends::run(state.clone()));
        }
        tokio::spawn(crate::files::run_previews(state.clone()));
        if state.config.notifications.scheduler {
            tokio::spawn(crate::scheduler::run(state.clone()));
            tokio::spawn(crate::files::run_sweep(state.clone()));
        }
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the server is stopped or dropped (tests).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// Serves until SIGINT (Ctrl-C) or SIGTERM, then stops accepting, lets in-flight requests
    /// finish with the database still open (up to `KHOI_SHUTDOWN_TIMEOUT`), and only then closes
    /// the database (on SQLite folding the WAL into `khoi.db`). actix's own handlers are off:
    /// they stop at once on SIGINT, dropping in-flight requests.
    pub async fn run_until_signalled(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let stopper = tokio::spawn(async move {
            let signal = stop_signal().await;
            tracing::info!(signal, "stopping: finishing the requests in flight");
            handle.stop(true).await;
        });
        let served = self.server.await;
        stopper.abort();
        db::close(&self.state.db).await;
        served
    }
}

/// The first of SIGINT and SIGTERM, by name.
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only SIGINT stops khoi");
                let _ = tokio::signal::ctrl_c().await;
                return "SIGINT";
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = term.recv() => "SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}

/// Where the spec is served, and where the Swagger UI reads it.
const DOC: &str = "/api-docs/openapi.json";

fn serve(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let spec = openapi::spec();
    let table = RouteTable::from_spec(&spec);
    // Served as the bytes it serialises to, made once: the spec's object tree is about 35 MB,
    // and a copy of it per worker (what `SwaggerUi::url` keeps) made most of the memory the
    // service held at rest. Kept gzipped: 1.2 MB of JSON held for the service's life became
    // 0.1 MB, and a browser's fetch is no longer compressed for it (5.6 ms each).
    let doc = Doc::of(&serde_json::to_vec(&spec)?)?;
    drop(spec);
    let metrics = web::Data::new(Metrics::default());
    let config = state.config.clone();
    let limit = config.body_limit;
    let body_timeout = config.body_timeout;
    let upload_timeout = config.files.body_timeout;
    let fixed_today = config.fixed_today;
    let cors_origins = Arc::new(config.cors_origins.clone());
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(metrics.clone())
            .app_data(table.clone())
            .app_data(BodyLimit(limit))
            .app_data(web::PayloadConfig::new(limit))
            .app_data(web::QueryConfig::default().error_handler(extract::query_error))
            .app_data(web::PathConfig::default().error_handler(extract::path_error))
            .app_data(crate::middleware::BodyTimeout(body_timeout, upload_timeout))
            .app_data(crate::middleware::FixedToday(fixed_today))
            .wrap(from_fn(crate::idempotency::layer))
            .wrap(from_fn(crate::auth::caller::layer))
            .wrap(from_fn(crate::middleware::body_deadline))
            .wrap(Condition::new(
                !cors_origins.is_empty(),
                cors(&cors_origins),
            ))
            .wrap(from_fn(crate::naming::name_people))
            .wrap(from_fn(crate::error::localize::layer))
            .wrap(from_fn(crate::concurrency::conditional_get))
            // Outside the tags: an ETag names the content, whatever its coding.
            .wrap(actix_web::middleware::Compress::default())
            .wrap(from_fn(request_context))
            .into_utoipa_app()
            .configure(routes::configure)
            .into_app()
            .route(
                DOC,
                web::get().to({
                    let doc = doc.clone();
                    move |req: actix_web::HttpRequest| {
                        let doc = doc.clone();
                        async move { doc.serve(&req) }
                    }
                }),
            )
            .service(
                SwaggerUi::new("/swagger-ui/{_:.*}").config(utoipa_swagger_ui::Config::new([DOC])),
            )
            .default_service(web::to(routes::fallback))
    })
    // A body goes out in slices (`middleware::SLICE`): without TCP_NODELAY the last short
    // slice waits for the client's delayed ACK, 40 ms a page.
    .tcp_nodelay(true)
    .h1_write_buffer_size(crate::middleware::SLICE)
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(config.shutdown_timeout.as_secs());
    if let Some(w) = config.workers {
        server = server.workers(w);
    }
    Ok(server.run())
}

/// The OpenAPI document, gzipped once at start: as it is to clients that accept gzip (every
/// browser, so the Swagger UI), unpacked per request for the rest (rare: code generators).
#[derive(Clone)]
struct Doc {
    gz: web::Bytes,
    len: usize,
}

impl Doc {
    fn of(json: &[u8]) -> std::io::Result<Self> {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(json)?;
        Ok(Doc {
            gz: web::Bytes::from(enc.finish()?),
            len: json.len(),
        })
    }

    fn serve(&self, req: &actix_web::HttpRequest) -> actix_web::HttpResponse {
        let mut res = actix_web::HttpResponse::Ok();
        res.content_type("application/json")
            .insert_header((header::VARY, "accept-encoding"));
        // Its bytes name nobody: the naming layer passes it as it is.
        res.extensions_mut().insert(crate::answer::Final);
        if accepts_gzip(req) {
            return res
                .insert_header((header::CONTENT_ENCODING, "gzip"))
                .body(self.gz.clone());
        }
        let mut json = Vec::with_capacity(self.len);
        match std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&self.gz[..]), &mut json)
        {
            Ok(_) => res.body(json),
            Err(e) => {
                actix_web::ResponseError::error_response(&crate::error::ApiError::internal(e))
            }
        }
    }
}

/// Whether `Accept-Encoding` takes gzip: its own weight, or else `*`'s, above zero.
fn accepts_gzip(req: &actix_web::HttpRequest) -> bool {
    let codings = crate::export::weighted(req, &header::ACCEPT_ENCODING);
    let weight = |coding: &str| codings.iter().find(|c| c.media == coding).map(|c| c.q);
    weight("gzip")
        .or_else(|| weight("*"))
        .is_some_and(|q| q > 0.0)
}

fn cors(origins: &[String]) -> Cors {
    let mut c = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_LANGUAGE,
            header::CONTENT_DISPOSITION,
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600);
    for o in origins {
        c = if o == "*" {
            c.allow_any_origin()
        } else {
            c.allowed_origin(o)
        };
    }
    c
}

/// The HS256 key: `KHOI_JWT_SECRET`, or with the embedded SQLite default a generated one kept in
/// `data/jwt-secret` (0600) so tokens survive restarts. PostgreSQL deployments must set it,
/// because several instances must share it.
/// The HS256 key, and the asymmetric signing key and the previous one if configured.
pub fn load_keys(config: &Config, secret: &Secret) -> anyhow::Result<JwtKeys> {
    let mut keys = JwtKeys::hs256(
        secret.expose().as_bytes(),
        &config.jwt_issuer,
        &config.jwt_audience,
        config.access_token_ttl,
    );
    let read = |var: &str, path: &std::path::Path| {
        std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("{var}: cannot read {}: {e}", path.display()))
    };
    if let Some(path) = &config.jwt_private_key_file {
        let pem = read("KHOI_JWT_PRIVATE_KEY_FILE", path)?;
        keys = keys
            .with_private_key(&pem)
            .map_err(|e| anyhow::anyhow!("KHOI_JWT_PRIVATE_KEY_FILE: {e}"))?;
    }
    if let Some(path) = &config.jwt_previous_public_key_file {
        let pem = read("KHOI_JWT_PREVIOUS_PUBLIC_KEY_FILE", path)?;
        keys = keys
            .with_previous_public_key(&pem)
            .map_err(|e| anyhow::anyhow!("KHOI_JWT_PREVIOUS_PUBLIC_KEY_FILE: {e}"))?;
    }
    Ok(keys)
}

/// The VAPID key: configured, or generated once and kept under the data folder (every instance
/// of one installation must then be given the same `KHOI_VAPID_PRIVATE_KEY`).
pub fn resolve_vapid(config: &Config) -> anyhow::Result<crate::webpush::Vapid> {
    use crate::webpush::Vapid;
    let subject = config.notifications.vapid_subject.clone();
    if let Some(k) = &config.notifications.vapid_private_key {
        return Vapid::from_private(k.expose(), subject)
            .map_err(|m| anyhow::anyhow!("KHOI_VAPID_PRIVATE_KEY {m}"));
    }
    let path = config.generated_file("vapid-private-key");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && let Ok(v) = Vapid::from_private(existing.trim(), subject.clone())
    {
        return Ok(v);
    }
    let generated = Vapid::generate();
    crate::sessions::service::write_private_file(&path, &format!("{generated}\n"))
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    if !config.is_sqlite() {
        tracing::warn!(path = %path.display(), "generated a VAPID key: give every instance the same KHOI_VAPID_PRIVATE_KEY");
    }
    Vapid::from_private(&generated, subject).map_err(|m| anyhow::anyhow!("VAPID key {m}"))
}

pub fn resolve_jwt_secret(config: &Config) -> anyhow::Result<Secret> {
    use crate::auth::tokens::MIN_SECRET_BYTES;
    if let Some(s) = &config.jwt_secret {
        if s.expose().len() < MIN_SECRET_BYTES {
            anyhow::bail!("KHOI_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long");
        }
        return Ok(s.clone());
    }
    if !config.is_sqlite() {
        anyhow::bail!(
            "KHOI_JWT_SECRET is required when DATABASE_URL is not SQLite (all instances must share it); generate one with: openssl rand -base64 48"
        );
    }
    let path = config.data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_string();
        if existing.len() >= MIN_SECRET_BYTES {
            return Ok(Secret::new(existing));
        }
    }
    let generated = auth::password::generate(64);
    crate::sessions::service::write_private_file(&path, &format!("{generated}\n"))
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a JWT signing secret");
    Ok(Secret::new(generated))
}
