//! The command line: `khoi [serve]`, `khoi migrate`, `khoi openapi`, `khoi backup`,
//! `khoi seed-demo`, `khoi create-user`.
use crate::{
    auth::Role,
    config::Config,
    db, openapi,
    sessions::service::{NewAccount, create_account},
    startup::Application,
    telemetry,
};
use clap::{Parser, Subcommand};
use std::io::BufRead;
use uuid::Uuid;

#[derive(Parser, Debug)]
#[command(
    name = "khoi",
    version,
    about = "JSON REST API for the bloc agencies (Khối)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the API (the default): migrations are applied on start.
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Load the Hải Hà demo bloc (idempotent) with accounts demo.head, demo.deputy, demo.staff.
    SeedDemo {
        /// Password of the three demo accounts; generated into data/demo-password when omitted.
        #[arg(long)]
        password: Option<String>,
    },
    /// Copy the SQLite database to PATH while the service runs: a consistent snapshot
    /// (`VACUUM INTO`), never a half-written file. For PostgreSQL use `pg_dump`.
    Backup {
        /// The file to write; it must not exist yet.
        path: std::path::PathBuf,
    },
    /// Exit 0 when the service on KHOI_BIND answers /ready (the container's health check).
    Healthcheck,
    /// Run one scheduler pass now (reminders, digests, recurring tasks) and print what it made
    /// and how long it took: safe beside running instances, each event is made once.
    Remind,
    /// Create a sign-in account; the password is read from the first line of standard input.
    CreateUser {
        #[arg(long)]
        username: String,
        /// admin, bloc_head, deputy_head, staff or portal.
        #[arg(long)]
        role: String,
        /// Required for bloc_head, deputy_head and staff.
        #[arg(long)]
        bloc_id: Option<Uuid>,
        /// Required for portal: the province it reads.
        #[arg(long)]
        province: Option<String>,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        print!("{}", openapi::spec_json());
        return Ok(());
    }
    let config = Config::from_env().map_err(|e| anyhow::anyhow!(e))?;
    telemetry::init(&config.log_filter, config.log_format);
    match command {
        Command::Serve => {
            let app = Application::build(config.clone()).await?;
            let host = config
                .bind
                .rsplit_once(':')
                .map(|(h, _)| h)
                .unwrap_or("127.0.0.1");
            let host = if host == "0.0.0.0" || host == "[::]" {
                "127.0.0.1"
            } else {
                host
            };
            let base = format!("http://{host}:{}", app.port());
            tracing::info!("khoi listening on {base}");
            tracing::info!("Swagger UI: {base}/swagger-ui/  (spec: {base}/api-docs/openapi.json)");
            tracing::info!(
                "sign in: POST {base}/api/v1/auth/login as `admin`; the first start writes its password to {} unless KHOI_ADMIN_PASSWORD is set",
                crate::sessions::service::initial_password_path(&config).display()
            );
            app.run_until_signalled().await?;
            tracing::info!("stopped");
        }
        Command::Healthcheck => {
            let port = config.bind.rsplit_once(':').map_or("8080", |(_, p)| p);
            let url = format!("http://127.0.0.1:{port}/ready");
            let ok = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(3))
                .build()?
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if !ok {
                anyhow::bail!("{url} did not answer 200");
            }
        }
        Command::Remind => {
            let conn = db::connect(&config).await?;
            crate::provinces::service::migrate(&conn)
                .await
                .map_err(|e| anyhow::anyhow!("cannot apply migrations: {e}"))?;
            let started = std::time::Instant::now();
            let pass = crate::clock::FIXED_TODAY
                .scope(config.fixed_today, crate::scheduler::pass(&conn))
                .await?;
            println!(
                "due soon {}, overdue {}, recommendations {}, figures {}, meetings {}, digests {}, recurring tasks {} in {} ms",
                pass.due_soon,
                pass.overdue,
                pass.recommendations,
                pass.figures,
                pass.meetings,
                pass.digests,
                pass.instances,
                started.elapsed().as_millis()
            );
            db::close(&conn).await;
        }
        Command::Backup { path } => {
            if !config.is_sqlite() {
                anyhow::bail!(
                    "khoi backup copies the embedded SQLite database; for PostgreSQL use pg_dump (see the README, Backups)"
                );
            }
            let conn = db::connect(&config).await?;
            let bytes = db::backup_sqlite(&conn, &path).await?;
            db::close(&conn).await;
            println!(
                "backed up the database to {} ({bytes} bytes)",
                path.display()
            );
        }
        Command::Migrate => {
            let conn = db::connect(&config).await?;
            crate::provinces::service::migrate(&conn).await?;
            tracing::info!("migrations applied");
        }
        Command::SeedDemo { password } => {
            let conn = db::connect(&config).await?;
            crate::provinces::service::migrate(&conn).await?;
            let seeded = crate::seed::seed_demo(&conn, &config, password).await?;
            if seeded.created {
                println!("seeded the Hải Hà demo bloc {}", seeded.bloc_id);
                println!(
                    "accounts: demo.head (bloc head), demo.deputy (deputy head, heads Tiểu ban Kiểm tra – giám sát), demo.staff (staff of that sub-committee)"
                );
                match seeded.password_file {
                    Some(p) => println!(
                        "their password is in {} (readable only by you)",
                        p.display()
                    ),
                    None => println!("their password is the one given with --password"),
                }
            } else {
                println!(
                    "the Hải Hà demo bloc {} is already there; nothing changed",
                    seeded.bloc_id
                );
            }
        }
        Command::CreateUser {
            username,
            role,
            bloc_id,
            province,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!(
                    "--role must be one of admin, bloc_head, deputy_head, staff, portal"
                )
            })?;
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            let conn = db::connect(&config).await?;
            crate::provinces::service::migrate(&conn).await?;
            let txn = crate::db::begin_write(&conn).await?;
            let account = create_account(
                &txn,
                NewAccount {
                    username,
                    role,
                    bloc_id,
                    province,
                    password,
                },
            )
            .await
            .map_err(|e| {
                let p = e.problem();
                let fields: Vec<String> = p
                    .errors
                    .iter()
                    .map(|f| format!("{} {}", f.field, f.message))
                    .collect();
                anyhow::anyhow!(
                    "{}{}",
                    p.detail,
                    if fields.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", fields.join("; "))
                    }
                )
            })?;
            crate::sessions::service::announce_created_by_system(&txn, &account).await?;
            txn.commit().await?;
            println!(
                "created {} ({}) with id {}",
                account.username, account.role, account.id
            );
        }
        Command::Openapi => {} // printed before any configuration is read
    }
    Ok(())
}
