//! The first admin and the accounts the service makes itself, and the private files their
//! generated passwords go to.
use super::service::{NewAccount, create_account};
use crate::{
    auth::{Role, password},
    config::Config,
    entities::account,
    error::ApiError,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};
use std::{io::Write, path::PathBuf};

/// Where the generated first admin password is written.
pub fn initial_password_path(config: &Config) -> PathBuf {
    config.generated_file("initial-admin-password")
}

/// On an empty installation, creates the `admin` account so a person can sign in without
/// reading code. Returns a line for the log (which names the password file, never the password).
pub async fn ensure_admin(
    db: &DatabaseConnection,
    config: &Config,
) -> anyhow::Result<Option<String>> {
    let has_admin = account::Entity::find()
        .filter(account::Column::Role.eq(Role::Admin.as_str()))
        .one(db)
        .await?
        .is_some();
    if has_admin {
        return Ok(None);
    }
    let (password, file) = match &config.admin_password {
        Some(p) => {
            password::check_policy(p.expose())
                .map_err(|m| anyhow::anyhow!("KHOI_ADMIN_PASSWORD {m}"))?;
            (p.expose().to_string(), None)
        }
        None => {
            let p = password::generate(20);
            let path = initial_password_path(config);
            write_private_file(&path, &format!("{p}\n"))?;
            (p, Some(path))
        }
    };
    let txn = db.begin().await?;
    let created = create_account(
        &txn,
        NewAccount {
            username: "admin".into(),
            role: Role::Admin,
            bloc_id: None,
            province: None,
            password,
        },
    )
    .await;
    match created {
        Ok(admin) => {
            announce_created_by_system(&txn, &admin).await?;
            txn.commit().await?
        }
        // Another instance starting at the same moment created it first.
        Err(ApiError::Conflict { .. }) => return Ok(None),
        Err(e) => return Err(anyhow::anyhow!("cannot create the admin account: {e}")),
    }
    Ok(Some(match file {
        Some(path) => format!(
            "created the `admin` account; its generated password is in {} (readable only by its owner)",
            path.display()
        ),
        None => "created the `admin` account with the password from KHOI_ADMIN_PASSWORD".into(),
    }))
}

/// Records an account the service made itself (the first admin, the command line) as every
/// other write is: in the audit log, the change feed and the webhooks.
pub async fn announce_created_by_system(
    conn: &impl ConnectionTrait,
    a: &account::Model,
) -> Result<(), DbErr> {
    crate::audit::log_and_announce_by_system(
        conn,
        crate::audit::Entry {
            action: "create",
            resource_type: "account",
            resource_id: a.id,
            bloc_id: a.bloc_id,
            before: None,
            after: Some(serde_json::json!({
                "username": a.username, "role": a.role, "bloc_id": a.bloc_id,
                "province": a.province, "version": a.version,
            })),
        },
    )
    .await
}

/// Writes a file only its owner can read (mode 0600 on Unix).
pub fn write_private_file(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        let mut f = opts.open(path)?;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.write_all(contents.as_bytes())?;
        f.sync_all()?;
    }
    #[cfg(not(unix))]
    {
        let mut f = opts.open(path)?;
        f.write_all(contents.as_bytes())?;
    }
    Ok(())
}
