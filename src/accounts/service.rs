use super::dto::{AccountDto, AccountQuery, CreateAccount, UpdateAccount};
use crate::{
    audit::{self, Entry},
    auth::{Caller, Role, password},
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::{account, refresh_token, staff},
    error::{ApiError, ApiResult, FieldError},
    pagination::{self, Keyset, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    sessions::service::{NewAccount, create_account_hashed, normalize_username},
    tenancy::{self, Scope},
};
use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

pub const RESOURCE: &str = "account";

fn authorize(caller: &Caller, action: Action) -> ApiResult<()> {
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Account,
        action,
        &Target::default(),
    )
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: AccountQuery,
) -> ApiResult<Page<AccountDto>> {
    authorize(caller, Action::Read)?;
    let limit = pagination::limit(q.limit)?;
    let fields: [SortField<account::Column>; 0] = [];
    let keyset = Keyset::parse(None, q.cursor.as_deref(), &fields)?;
    let mut select = tenancy::select::<account::Entity>(&Scope::of(caller));
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        account::Column::UpdatedAt,
        account::Column::Id,
    )?;
    if let Some(r) = q.role {
        select = select.filter(account::Column::Role.eq(r.as_str()));
    }
    if let Some(b) = q.bloc_id {
        select = select.filter(account::Column::BlocId.eq(b));
    }
    if let Some(s) = q.staff_id {
        select = select.filter(account::Column::StaffId.eq(s));
    }
    if let Some(a) = q.active {
        select = select.filter(account::Column::Active.eq(a));
    }
    if let Some(prefix) =
        q.q.as_deref()
            .map(normalize_username)
            .filter(|p| !p.is_empty())
    {
        // Usernames are ASCII: a range over the unique index finds the prefix.
        select = select
            .filter(account::Column::Username.gte(prefix.clone()))
            .filter(account::Column::Username.lte(format!("{prefix}\u{7f}")));
    }
    Ok(keyset
        .fetch(
            db,
            select,
            account::Column::Id,
            limit,
            |m| (json!(null), m.id),
            AccountDto::from,
        )
        .await?)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<AccountDto> {
    authorize(caller, Action::Read)?;
    tenancy::select_one::<account::Entity>(&Scope::of(caller), id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))
        .map(AccountDto::from)
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: CreateAccount,
) -> ApiResult<AccountDto> {
    authorize(caller, Action::Create)?;
    let txn = begin_write(db).await?;
    let out = create_in(&txn, caller, body, None).await?;
    txn.commit().await?;
    Ok(out)
}

/// Creates an account in the caller's transaction; the caller has been authorised for it.
pub(crate) async fn create_in(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    body: CreateAccount,
    hashed: Option<String>,
) -> ApiResult<AccountDto> {
    let scope = Scope::of(caller);
    let own_bloc = scope.own_bloc();
    let mut errors: Vec<FieldError> = Vec::new();
    let mut role = body.role;
    let mut bloc_id = body.bloc_id;
    if let Some(sid) = body.staff_id {
        let person = tenancy::select_one::<staff::Entity>(&scope, sid)
            .one(txn)
            .await?;
        match person {
            None => errors.push(FieldError::new("staff_id", "no such staff member")),
            Some(p) if !p.active => errors.push(FieldError::new(
                "staff_id",
                "this staff member is no longer active",
            )),
            Some(p) => {
                let staff_role = Role::parse(&p.role).unwrap_or(Role::Staff);
                if role.is_some_and(|r| r != staff_role) {
                    errors.push(FieldError::new(
                        "role",
                        format!("must be the staff member's role, {}", p.role),
                    ));
                }
                if bloc_id.is_some_and(|b| b != p.bloc_id) {
                    errors.push(FieldError::new(
                        "bloc_id",
                        "must be the staff member's bloc",
                    ));
                }
                role = Some(staff_role);
                bloc_id = Some(p.bloc_id);
                if account::Entity::find()
                    .filter(account::Column::StaffId.eq(sid))
                    .one(txn)
                    .await?
                    .is_some()
                {
                    return Err(ApiError::conflict(
                        "this staff member already has an account",
                    ));
                }
            }
        }
    }
    if let Some(own) = own_bloc {
        // The bloc head creates accounts only for their own bloc, and never above bloc roles.
        if role.is_some_and(|r| !r.is_bloc_member()) {
            errors.push(FieldError::new(
                "role",
                "may only be bloc_head, deputy_head or staff",
            ));
        }
        if bloc_id.is_some_and(|b| b != own) {
            errors.push(FieldError::new("bloc_id", "must be your own bloc"));
        }
        bloc_id = Some(own);
    }
    let Some(role) = role else {
        errors.push(FieldError::new("role", "is required without staff_id"));
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if role == Role::BlocHead
        && let Some(b) = bloc_id
    {
        one_head(txn, b, None).await?;
    }
    let province = match role {
        Role::Portal => {
            let mut c = crate::validate::Checks::new();
            let p = crate::provinces::service::resolve(
                txn,
                &mut c,
                body.province_id,
                body.province.as_deref(),
            )
            .await?;
            c.finish()?;
            p.map(|p| p.name)
        }
        _ => {
            if body.province.is_some() || body.province_id.is_some() {
                let f = if body.province.is_some() {
                    "province"
                } else {
                    "province_id"
                };
                return Err(ApiError::invalid(f, "is only for portal accounts"));
            }
            None
        }
    };
    let model = create_account_hashed(
        txn,
        NewAccount {
            username: body.username,
            role,
            bloc_id,
            province,
            password: body.password,
        },
        hashed,
    )
    .await?;
    // Someone else chose this password: the person replaces it before anything else.
    let mut am: account::ActiveModel = model.into();
    am.staff_id = Set(body.staff_id);
    am.must_change_password = Set(true);
    let model = sea_orm::ActiveModelTrait::update(am, txn).await?;
    audit::log_and_announce(
        txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: RESOURCE,
            resource_id: model.id,
            bloc_id: model.bloc_id,
            before: None,
            after: Some(&AccountDto::from(model.clone())),
        },
    )
    .await?;
    Ok(AccountDto::from(model))
}

/// An account may be linked to an active staff member of its own bloc, with the same role, who
/// has no other account. Another bloc's person is "no such staff member", as on create.
async fn link_check(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    current: &account::Model,
    sid: Uuid,
) -> ApiResult<()> {
    let person = tenancy::select_one::<staff::Entity>(&Scope::of(caller), sid)
        .one(conn)
        .await?
        .filter(|p| Some(p.bloc_id) == current.bloc_id);
    let Some(p) = person else {
        return Err(ApiError::invalid(
            "staff_id",
            "no such staff member in this account's bloc",
        ));
    };
    if !p.active {
        return Err(ApiError::invalid(
            "staff_id",
            "this staff member is no longer active",
        ));
    }
    if p.role != current.role {
        return Err(ApiError::invalid(
            "staff_id",
            format!(
                "is a {}; this account is {} (an account takes its person's role)",
                p.role, current.role
            ),
        ));
    }
    if let Some(other) = account::Entity::find()
        .filter(account::Column::StaffId.eq(sid))
        .filter(account::Column::Id.ne(current.id))
        .one(conn)
        .await?
    {
        return Err(ApiError::conflict(format!(
            "this staff member already has an account, `{}`",
            other.username
        )));
    }
    Ok(())
}

/// One active bloc head account per bloc, whether it is linked to a staff member or not (409).
/// The unique index `ux_accounts_one_active_head` holds the rule against races too.
async fn one_head(
    conn: &impl ConnectionTrait,
    bloc_id: Uuid,
    except_account: Option<Uuid>,
) -> ApiResult<()> {
    let mut accounts = account::Entity::find()
        .filter(account::Column::BlocId.eq(bloc_id))
        .filter(account::Column::Role.eq(Role::BlocHead.as_str()))
        .filter(account::Column::Active.eq(true));
    if let Some(id) = except_account {
        accounts = accounts.filter(account::Column::Id.ne(id));
    }
    if let Some(other) = accounts.one(conn).await? {
        return Err(ApiError::conflict(format!(
            "the bloc already has an active bloc head account, `{}`; deactivate it first",
            other.username
        )));
    }
    Ok(())
}

async fn revoke_all(conn: &impl ConnectionTrait, account_id: Uuid) -> Result<(), DbErr> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::AccountId.eq(account_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateAccount,
) -> ApiResult<AccountDto> {
    authorize(caller, Action::Update)?;
    let txn = begin_write(db).await?;
    let current = tenancy::find::<account::Entity>(&txn, &Scope::of(caller), id, "account").await?;
    if_match.check(current.version)?;
    let mut am: account::ActiveModel = current.clone().into();
    let mut revoke = false;
    if body.password.is_some() && current.id == caller.account_id {
        return Err(ApiError::invalid(
            "password",
            "your own password changes at POST /api/v1/me/password, with the current one",
        ));
    }
    if let Some(p) = &body.password {
        password::check_policy(p).map_err(|m| ApiError::invalid("password", m))?;
        am.password_hash = Set(password::hash_blocking(p.clone()).await?);
        am.must_change_password = Set(true);
        revoke = true;
    }
    if let Some(a) = body.active {
        if !a && current.id == caller.account_id {
            return Err(ApiError::conflict("you cannot deactivate your own account"));
        }
        if a && let Some(sid) = current.staff_id {
            let person = staff::Entity::find_by_id(sid).one(&txn).await?;
            if person.is_some_and(|p| !p.active) {
                return Err(ApiError::conflict(
                    "the staff member is inactive; reactivate them instead",
                ));
            }
        }
        if a && !current.active
            && current.role == Role::BlocHead.as_str()
            && let Some(b) = current.bloc_id
        {
            one_head(&txn, b, Some(current.id)).await?;
        }
        am.active = Set(a);
        revoke |= !a;
    }
    if let Some(link) = body.staff_id {
        if let Some(sid) = link {
            link_check(&txn, caller, &current, sid).await?;
        }
        am.staff_id = Set(link);
    }
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, account::Column::Version, current.version).await?;
    if revoke {
        revoke_all(&txn, id).await?;
    }
    let mut after = json!(AccountDto::from(updated.clone()));
    if body.password.is_some() {
        // Record that the password changed without recording any form of it.
        after["password"] = json!("changed");
    }
    audit::log_and_announce_entry(
        &txn,
        caller,
        Entry {
            action: "update",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: updated.bloc_id,
            before: Some(json!(AccountDto::from(current))),
            after: Some(after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(AccountDto::from(updated))
}
