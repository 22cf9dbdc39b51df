//! Sign-in rules: throttling, password checks, token issue and rotation, the first admin.
use super::dto::{MePerson, MeResponse, Named, TokenResponse};
use crate::auth::{
    Caller, Role, password,
    tokens::JwtKeys,
    tokens::{hash_refresh_token, new_refresh_token},
};
use crate::{
    config::Config,
    db::begin_write,
    entities::{account, bloc, login_failure, organisation, refresh_token, staff, sub_committee},
    error::{ApiError, ApiResult, FieldError},
};
use chrono::{Duration as ChronoDuration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, sea_query::Expr,
};

use uuid::Uuid;

/// Failed sign-ins for one username allowed within [`THROTTLE_WINDOW_SECS`].
pub const THROTTLE_ATTEMPTS: usize = 5;
pub const THROTTLE_WINDOW_SECS: i64 = 60;
const BAD_CREDENTIALS: &str = "the username or password is incorrect";

pub fn normalize_username(u: &str) -> String {
    u.trim().to_lowercase()
}

/// Usernames are 3–64 characters of `a-z 0-9 . _ -`, stored in lower case.
pub fn check_username(u: &str) -> Result<(), String> {
    if !(3..=64).contains(&u.len()) {
        return Err("must be 3 to 64 characters".into());
    }
    if !u
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return Err("may contain only letters a-z, digits, '.', '_' and '-'".into());
    }
    Ok(())
}

/// Where a sign-in comes from, for the per-address limit.
pub struct Origin(pub Option<std::net::IpAddr>);

impl Origin {
    /// The peer's address; behind a trusted proxy, the last address its `X-Forwarded-For` adds
    /// (the one the proxy saw; earlier entries are the client's to write).
    pub fn of(req: &actix_web::HttpRequest, trusted: &[std::net::IpAddr]) -> Self {
        let peer = req.peer_addr().map(|a| a.ip());
        let forwarded = || {
            let v = req.headers().get("x-forwarded-for")?.to_str().ok()?;
            v.rsplit(',').next()?.trim().parse().ok()
        };
        match peer {
            Some(p) if trusted.contains(&p) => Origin(forwarded().or(peer)),
            _ => Origin(peer),
        }
    }
}

pub async fn login(
    db: &DatabaseConnection,
    keys: &JwtKeys,
    config: &Config,
    origin: &Origin,
    username: &str,
    password: &str,
) -> ApiResult<TokenResponse> {
    let username = normalize_username(username);
    let mut errors = Vec::new();
    if username.is_empty() {
        errors.push(FieldError::new("username", "must not be empty"));
    } else if username.chars().count() > 64 {
        errors.push(FieldError::new("username", "must be at most 64 characters"));
    }
    if password.is_empty() {
        errors.push(FieldError::new("password", "must not be empty"));
    } else if password.chars().count() > password::MAX_LEN {
        errors.push(FieldError::new(
            "password",
            format!("must be at most {} characters", password::MAX_LEN),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    check_sign_in_rates(db, config, origin).await?;
    let attempt = count_attempt(db, &username).await?;

    let account = account::Entity::find()
        .filter(account::Column::Username.eq(&username))
        .one(db)
        .await?;
    let hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_string());
    let matches = match password::verify_blocking(password.to_string(), hash).await {
        Ok(m) => m,
        Err(busy) => {
            // Nothing was checked: the attempt does not count against the username.
            forget_attempt(db, attempt).await?;
            return Err(busy.into());
        }
    };
    let account = match account {
        Some(a) if matches && a.active => a,
        _ => return Err(ApiError::Unauthorized(BAD_CREDENTIALS.into())),
    };

    let txn = begin_write(db).await?;
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Username.eq(&username))
        .exec(&txn)
        .await?;
    let tokens = issue_tokens(&txn, keys, config, &account, Uuid::now_v7()).await?;
    txn.commit().await?;
    tracing::info!(account_id = %account.id, role = %account.role, "signed in");
    Ok(tokens)
}

/// The per-address and global sign-in limits (per minute, shared by every instance).
async fn check_sign_in_rates(
    db: &DatabaseConnection,
    config: &Config,
    origin: &Origin,
) -> ApiResult<()> {
    let limits = &config.sign_in;
    let global = crate::ratelimit::hit(db, "login:*", 60).await?;
    if global > limits.global_per_minute as i32 {
        return Err(ApiError::TooManyRequests {
            retry_after: crate::ratelimit::retry_after(60),
            detail: "the service is receiving too many sign-ins; try again shortly".into(),
        });
    }
    if let Some(ip) = origin.0 {
        let n = crate::ratelimit::hit(db, &format!("login:{ip}"), 60).await?;
        if n > limits.per_address_per_minute as i32 {
            return Err(ApiError::TooManyRequests {
                retry_after: crate::ratelimit::retry_after(60),
                detail: "too many sign-ins from this address; try again in a minute".into(),
            });
        }
    }
    Ok(())
}

/// Counts an attempt for `username` before its password is checked, and refuses it with 429
/// when it is past the limit. Counting first is what makes the limit hold under concurrency: of
/// N simultaneous guesses, the k-th to commit sees at least k attempts, so at most
/// [`THROTTLE_ATTEMPTS`] are checked. A refused attempt is removed again, so hammering a username
/// does not extend its lock. A successful sign-in clears the username's attempts.
async fn count_attempt(db: &DatabaseConnection, username: &str) -> ApiResult<Uuid> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    login_failure::ActiveModel {
        id: Set(id),
        username: Set(username.to_string()),
        failed_at: Set(now),
    }
    .insert(db)
    .await?;
    let window_start = now - ChronoDuration::seconds(THROTTLE_WINDOW_SECS);
    let recent: Vec<login_failure::Model> = login_failure::Entity::find()
        .filter(login_failure::Column::Username.eq(username))
        .filter(login_failure::Column::FailedAt.gt(window_start))
        .order_by_asc(login_failure::Column::FailedAt)
        .order_by_asc(login_failure::Column::Id)
        .all(db)
        .await?;
    // The count, not this row's place by time: a row with an earlier clock may commit later.
    if recent.len() > THROTTLE_ATTEMPTS {
        forget_attempt(db, id).await?;
        // The window frees a place when the oldest counted attempt leaves it.
        let oldest = recent.first().map_or(now, |r| r.failed_at);
        let wait = (oldest + ChronoDuration::seconds(THROTTLE_WINDOW_SECS) - now)
            .num_seconds()
            .max(1) as u64;
        return Err(ApiError::TooManyRequests {
            retry_after: wait,
            detail: format!(
                "too many sign-in attempts for this username; try again in {wait} seconds"
            ),
        });
    }
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Username.eq(username))
        .filter(login_failure::Column::FailedAt.lt(now - ChronoDuration::hours(1)))
        .exec(db)
        .await?;
    Ok(id)
}

async fn forget_attempt(db: &DatabaseConnection, id: Uuid) -> ApiResult<()> {
    login_failure::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// The caller changes their own password, proving the current one.
#[tracing::instrument(skip_all)]
pub async fn change_password(
    db: &DatabaseConnection,
    caller: &Caller,
    body: crate::sessions::dto::ChangePassword,
) -> ApiResult<()> {
    let db = db;
    let account = account::Entity::find_by_id(caller.account_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::InvalidToken("the token's account no longer exists".into()))?;
    if let Err(m) = password::check_policy(&body.new_password) {
        return Err(ApiError::invalid("new_password", m));
    }
    if body.new_password == body.current_password {
        return Err(ApiError::invalid(
            "new_password",
            "must differ from the current password",
        ));
    }
    let attempt = count_attempt(db, &account.username).await?;
    let matches =
        match password::verify_blocking(body.current_password, account.password_hash.clone()).await
        {
            Ok(m) => m,
            Err(busy) => {
                forget_attempt(db, attempt).await?;
                return Err(busy.into());
            }
        };
    if !matches {
        return Err(ApiError::invalid(
            "current_password",
            "is not the account's password",
        ));
    }
    forget_attempt(db, attempt).await?;
    let hash = password::hash_blocking(body.new_password).await?;
    let txn = begin_write(db).await?;
    let mut am: account::ActiveModel = account.clone().into();
    am.password_hash = Set(hash);
    am.must_change_password = Set(false);
    am.version = Set(account.version + 1);
    am.updated_at = Set(Utc::now());
    am.update(&txn).await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::AccountId.eq(account.id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    crate::audit::log_and_announce_entry(
        &txn,
        caller,
        crate::audit::Entry {
            action: "change_password",
            resource_type: "account",
            resource_id: account.id,
            bloc_id: account.bloc_id,
            before: None,
            // The version tells a reader of the feed which account it now has (no hash, ever).
            after: Some(serde_json::json!({"password": "changed", "version": account.version + 1})),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn issue_tokens(
    conn: &impl ConnectionTrait,
    keys: &JwtKeys,
    config: &Config,
    account: &account::Model,
    family_id: Uuid,
) -> ApiResult<TokenResponse> {
    let role = Role::parse(&account.role)
        .ok_or_else(|| ApiError::internal(format!("unknown role {}", account.role)))?;
    let access = keys
        .sign_account(
            account.id,
            role,
            account.bloc_id,
            account.province.clone(),
            account.version,
        )
        .map_err(ApiError::internal)?;
    let refresh = new_refresh_token();
    let now = Utc::now();
    let ttl = config.refresh_token_ttl;
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account.id),
        family_id: Set(family_id),
        token_hash: Set(hash_refresh_token(&refresh)),
        expires_at: Set(now + ChronoDuration::seconds(ttl.as_secs() as i64)),
        created_at: Set(now),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(TokenResponse {
        access_token: access,
        refresh_token: refresh,
        token_type: "Bearer".into(),
        expires_in: keys.access_ttl.as_secs(),
        refresh_expires_in: ttl.as_secs(),
    })
}

async fn revoke_family(conn: &impl ConnectionTrait, family_id: Uuid) -> ApiResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn refresh(
    db: &DatabaseConnection,
    keys: &JwtKeys,
    config: &Config,
    token: &str,
) -> ApiResult<TokenResponse> {
    let invalid = || ApiError::Unauthorized("the refresh token is not valid".into());
    if token.is_empty() || token.len() > 512 {
        return Err(invalid());
    }
    let txn = begin_write(db).await?;
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_refresh_token(token)))
        .one(&txn)
        .await?
    else {
        return Err(invalid());
    };
    let now = Utc::now();
    if row.revoked_at.is_some() {
        return Err(ApiError::Unauthorized(
            "the refresh token has been revoked; sign in again".into(),
        ));
    }
    if row.expires_at <= now {
        return Err(ApiError::Unauthorized(
            "the refresh token has expired; sign in again".into(),
        ));
    }
    // Claim the token atomically: of two concurrent uses, only one can set used_at.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        revoke_family(&txn, row.family_id).await?;
        txn.commit().await?;
        tracing::warn!(account_id = %row.account_id, family_id = %row.family_id, "refresh token reuse; session revoked");
        return Err(ApiError::Unauthorized(
            "the refresh token was already used; its session has been revoked".into(),
        ));
    }
    let account = account::Entity::find_by_id(row.account_id)
        .one(&txn)
        .await?;
    let Some(account) = account.filter(|a| a.active) else {
        revoke_family(&txn, row.family_id).await?;
        txn.commit().await?;
        return Err(ApiError::Unauthorized("the account is disabled".into()));
    };
    let tokens = issue_tokens(&txn, keys, config, &account, row.family_id).await?;
    txn.commit().await?;
    Ok(tokens)
}

pub async fn logout(db: &DatabaseConnection, token: &str) -> ApiResult<()> {
    if token.is_empty() || token.len() > 512 {
        return Ok(());
    }
    let txn = begin_write(db).await?;
    if let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_refresh_token(token)))
        .one(&txn)
        .await?
    {
        revoke_family(&txn, row.family_id).await?;
    }
    txn.commit().await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn me(db: &DatabaseConnection, caller: &Caller) -> ApiResult<MeResponse> {
    let a = account::Entity::find_by_id(caller.account_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::InvalidToken("the token's account no longer exists".into()))?;
    let role = Role::parse(&a.role).ok_or_else(|| ApiError::internal("unknown role"))?;
    let bloc_name = match a.bloc_id {
        Some(b) => bloc::Entity::find_by_id(b).one(db).await?.map(|b| b.name),
        None => None,
    };
    let person = match a.staff_id {
        Some(s) => match staff::Entity::find_by_id(s).one(db).await? {
            Some(p) => Some(MePerson {
                staff_id: p.id,
                full_name: p.full_name,
                position: p.position,
                sub_committee: match p.sub_committee_id {
                    Some(id) => sub_committee::Entity::find_by_id(id)
                        .one(db)
                        .await?
                        .map(|c| Named { id, name: c.name }),
                    None => None,
                },
                organisation: match p.organisation_id {
                    Some(id) => organisation::Entity::find_by_id(id)
                        .one(db)
                        .await?
                        .map(|o| Named { id, name: o.name }),
                    None => None,
                },
            }),
            None => None,
        },
        None => None,
    };
    Ok(MeResponse {
        id: a.id,
        username: a.username,
        role,
        bloc_id: a.bloc_id,
        province: a.province,
        active: a.active,
        staff_id: a.staff_id,
        bloc_name,
        person,
        must_change_password: a.must_change_password,
        created_at: a.created_at,
    })
}

/// A new sign-in account. Used by `khoi create-user` and the bootstrap; the HTTP endpoint for
/// accounts comes with the bloc structure.
pub struct NewAccount {
    pub username: String,
    pub role: Role,
    pub bloc_id: Option<Uuid>,
    pub province: Option<String>,
    pub password: String,
}

pub async fn create_account(
    conn: &impl ConnectionTrait,
    new: NewAccount,
) -> Result<account::Model, ApiError> {
    create_account_hashed(conn, new, None).await
}

/// As [`create_account`], with the password's hash already made (imports hash many at once,
/// before their transaction opens).
pub async fn create_account_hashed(
    conn: &impl ConnectionTrait,
    new: NewAccount,
    hashed: Option<String>,
) -> Result<account::Model, ApiError> {
    let username = normalize_username(&new.username);
    let mut errors = Vec::new();
    if let Err(m) = check_username(&username) {
        errors.push(FieldError::new("username", m));
    }
    if let Err(m) = password::check_policy(&new.password) {
        errors.push(FieldError::new("password", m));
    }
    match (new.role.is_bloc_member(), new.bloc_id) {
        (true, None) => errors.push(FieldError::new("bloc_id", "is required for this role")),
        (false, Some(_)) => errors.push(FieldError::new("bloc_id", "must be empty for this role")),
        _ => {}
    }
    if new.role == Role::Portal && new.province.as_deref().is_none_or(|p| p.trim().is_empty()) {
        errors.push(FieldError::new(
            "province",
            "is required for the portal role",
        ));
    }
    // A portal reads a province of the records, by name (case and diacritics ignored).
    let mut province = None;
    if new.role == Role::Portal
        && let Some(name) = new.province.as_deref().filter(|p| !p.trim().is_empty())
    {
        let mut c = crate::validate::Checks::new();
        province = crate::provinces::service::resolve(conn, &mut c, None, Some(name)).await?;
        if let Err(ApiError::Validation(errs)) = c.finish() {
            errors.extend(errs);
        }
    }
    if let Some(bloc_id) = new.bloc_id {
        let exists = crate::entities::bloc::Entity::find_by_id(bloc_id)
            .one(conn)
            .await?
            .is_some();
        if !exists {
            errors.push(FieldError::new("bloc_id", "no such bloc"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if account::Entity::find()
        .filter(account::Column::Username.eq(&username))
        .one(conn)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(format!(
            "the username `{username}` is taken"
        )));
    }
    let hash = match hashed {
        Some(h) => h,
        None => password::hash_blocking(new.password).await?,
    };
    let now = Utc::now();
    let model = account::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(username),
        password_hash: Set(hash),
        role: Set(new.role.as_str().into()),
        bloc_id: Set(new.bloc_id),
        province: Set(province.as_ref().map(|p| p.name.clone())),
        province_id: Set(province.map(|p| p.id)),
        staff_id: Set(None),
        active: Set(true),
        must_change_password: Set(false),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(model)
}

pub use super::bootstrap::{
    announce_created_by_system, ensure_admin, initial_password_path, write_private_file,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(normalize_username("  Demo.Head "), "demo.head");
        assert!(check_username("demo.head").is_ok());
        assert!(check_username("ab").is_err());
        assert!(check_username("nguyễn").is_err());
        assert!(check_username("a b c").is_err());
    }
}
