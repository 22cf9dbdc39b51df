//! API clients: registration by the admin, the client-credentials grant, and the per-request
//! check that a client is still active and within its rate limit.
use super::dto::{
    ClientDto, ClientQuery, ClientToken, ClientWithSecret, CreateClient, SCOPES, TokenRequest,
    UpdateClient,
};
use crate::{
    audit,
    auth::tokens::JwtKeys,
    auth::{
        Caller, Role,
        tokens::{hash_refresh_token, new_refresh_token},
    },
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::api_client,
    error::{ApiError, ApiResult, FieldError},
    pagination::{self, Keyset, Page},
    policy::{self, Action, Actor, Resource, Target},
    validate::Checks,
};
use actix_web::{HttpRequest, http::header};
use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::Utc;
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

pub const RESOURCE: &str = "api_client";
const DEFAULT_RATE: i32 = 600;

pub fn to_dto(m: api_client::Model) -> ClientDto {
    ClientDto {
        scopes: m.scopes.split_whitespace().map(str::to_string).collect(),
        id: m.id,
        client_id: m.client_id,
        name: m.name,
        role: m.role,
        province: m.province,
        province_id: m.province_id,
        active: m.active,
        rate_limit_per_minute: m.rate_limit_per_minute,
        created_by: m.created_by,
        version: m.version,
        secret_rotated_at: m.secret_rotated_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn admin_only(caller: &Caller, action: Action) -> ApiResult<()> {
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Client,
        action,
        &Target::default(),
    )
}

fn check_scopes(c: &mut Checks, scopes: Option<&[String]>) -> String {
    let Some(scopes) = scopes else {
        return SCOPES.join(" ");
    };
    let mut out: Vec<&str> = Vec::new();
    for (i, s) in scopes.iter().enumerate() {
        match SCOPES.iter().find(|k| **k == s.trim()) {
            Some(k) if !out.contains(k) => out.push(k),
            Some(_) => c.add(&format!("scopes[{i}]"), "is listed twice"),
            None => c.add(
                &format!("scopes[{i}]"),
                format!("must be one of {}", SCOPES.join(", ")),
            ),
        }
    }
    if out.is_empty() && scopes.is_empty() {
        c.add("scopes", "must list at least one scope");
    }
    out.join(" ")
}

fn check_rate(c: &mut Checks, rate: Option<i32>) -> i32 {
    let r = rate.unwrap_or(DEFAULT_RATE);
    if !(1..=100_000).contains(&r) {
        c.add("rate_limit_per_minute", "must be from 1 to 100000");
    }
    r
}

fn new_client_id() -> String {
    let mut b = [0u8; 10];
    rand::thread_rng().fill_bytes(&mut b);
    format!("cl_{}", crate::text::hex(&b))
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: ClientQuery,
) -> ApiResult<Page<ClientDto>> {
    admin_only(caller, Action::Read)?;
    let limit = pagination::limit(q.limit)?;
    let keyset = Keyset::<api_client::Column>::parse(None, q.cursor.as_deref(), &[])?;
    let mut select = api_client::Entity::find();
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        api_client::Column::UpdatedAt,
        api_client::Column::Id,
    )?;
    if let Some(a) = q.active {
        select = select.filter(api_client::Column::Active.eq(a));
    }
    Ok(keyset
        .fetch(
            db,
            select,
            api_client::Column::Id,
            limit,
            |m| (json!(null), m.id),
            to_dto,
        )
        .await?)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<ClientDto> {
    admin_only(caller, Action::Read)?;
    api_client::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("client"))
        .map(to_dto)
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: CreateClient,
) -> ApiResult<ClientWithSecret> {
    admin_only(caller, Action::Create)?;
    let mut c = Checks::new();
    let name = c.text("name", &body.name, 200);
    let scopes = check_scopes(&mut c, body.scopes.as_deref());
    let rate = check_rate(&mut c, body.rate_limit_per_minute);
    let txn = begin_write(db).await?;
    let named = crate::provinces::service::resolve(
        &txn,
        &mut c,
        body.province_id,
        body.province.as_deref(),
    )
    .await?;
    if body.province.is_none() && body.province_id.is_none() {
        c.add(
            "province",
            "is required: the province whose blocs it reads (or province_id)",
        );
    }
    c.finish()?;
    let (province, province_id) = match named {
        Some(p) => (p.name, Some(p.id)),
        None => return Err(ApiError::invalid("province", "is required")),
    };
    let secret = new_refresh_token();
    let now = Utc::now();
    let m = api_client::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(new_client_id()),
        name: Set(name),
        secret_hash: Set(hash_refresh_token(&secret)),
        role: Set(Role::Portal.as_str().into()),
        province: Set(province),
        province_id: Set(province_id),
        scopes: Set(scopes),
        active: Set(true),
        rate_limit_per_minute: Set(rate),
        created_by: Set(caller.account_id),
        version: Set(1),
        secret_rotated_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let dto = to_dto(m);
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: RESOURCE,
            resource_id: dto.id,
            bloc_id: None,
            before: None,
            after: Some(&dto),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ClientWithSecret {
        client: dto,
        client_secret: secret,
    })
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateClient,
) -> ApiResult<ClientDto> {
    admin_only(caller, Action::Update)?;
    let txn = begin_write(db).await?;
    let current = api_client::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("client"))?;
    if_match.check(current.version)?;
    let mut c = Checks::new();
    let mut am: api_client::ActiveModel = current.clone().into();
    if let Some(n) = &body.name {
        am.name = Set(c.text("name", n, 200));
    }
    if let Some(s) = &body.scopes {
        am.scopes = Set(check_scopes(&mut c, Some(s)));
    }
    if let Some(r) = body.rate_limit_per_minute {
        am.rate_limit_per_minute = Set(check_rate(&mut c, Some(r)));
    }
    if let Some(a) = body.active {
        am.active = Set(a);
    }
    c.finish()?;
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, api_client::Column::Version, current.version).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: None,
            before: Some(&to_dto(current)),
            after: Some(&to_dto(updated.clone())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_dto(updated))
}

/// A new secret; the old one stops working at once.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn rotate_secret(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<ClientWithSecret> {
    admin_only(caller, Action::Update)?;
    let txn = begin_write(db).await?;
    let current = api_client::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("client"))?;
    let secret = new_refresh_token();
    let now = Utc::now();
    let mut am: api_client::ActiveModel = current.clone().into();
    am.secret_hash = Set(hash_refresh_token(&secret));
    am.secret_rotated_at = Set(now);
    am.version = Set(current.version + 1);
    am.updated_at = Set(now);
    let updated = save_if_unchanged(&txn, am, api_client::Column::Version, current.version).await?;
    let dto = to_dto(updated);
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "rotate_secret",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: None,
            before: None,
            after: Some(&dto),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ClientWithSecret {
        client: dto,
        client_secret: secret,
    })
}

/// The body of `POST /auth/token`, JSON or form-encoded, with HTTP Basic credentials merged in.
pub fn parse_token_request(req: &HttpRequest, body: &[u8]) -> ApiResult<TokenRequest> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut t: TokenRequest = if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes(body).map_err(|e| ApiError::invalid("body", e.to_string()))?
    } else if content_type.starts_with("application/json") {
        crate::extract::decode_json(body)?
    } else {
        return Err(ApiError::UnsupportedMediaType(
            "send application/json or application/x-www-form-urlencoded".into(),
        ));
    };
    if let Some(auth) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some((scheme, rest)) = auth.split_once(' ')
        && scheme.eq_ignore_ascii_case("basic")
    {
        let decoded = STANDARD
            .decode(rest.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| ApiError::Unauthorized("malformed HTTP Basic credentials".into()))?;
        let (id, secret) = decoded
            .split_once(':')
            .ok_or_else(|| ApiError::Unauthorized("malformed HTTP Basic credentials".into()))?;
        // RFC 6749 §2.3.1: the parts are form-encoded.
        let dec = |s: &str| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
                .ok()
                .and_then(|v| v.into_iter().next().map(|(_, v)| v))
                .unwrap_or_default()
        };
        t.client_id = Some(dec(id));
        t.client_secret = Some(dec(secret));
    }
    // The form and Basic paths bypass the JSON checks: the same edge rule here.
    let fields = [
        ("grant_type", Some(&t.grant_type)),
        ("client_id", t.client_id.as_ref()),
        ("client_secret", t.client_secret.as_ref()),
        ("scope", t.scope.as_ref()),
    ];
    let errors: Vec<FieldError> = fields
        .into_iter()
        .filter_map(|(f, v)| crate::extract::clean::check(v?, false).map(|m| FieldError::new(f, m)))
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(t)
}

pub async fn token(
    db: &DatabaseConnection,
    keys: &JwtKeys,
    t: TokenRequest,
) -> ApiResult<ClientToken> {
    if t.grant_type != "client_credentials" {
        return Err(ApiError::invalid(
            "grant_type",
            "only client_credentials is supported here (people sign in at /auth/login)",
        ));
    }
    let refused =
        || ApiError::Unauthorized("unknown client, wrong secret, or disabled client".into());
    let (Some(id), Some(secret)) = (t.client_id.as_deref(), t.client_secret.as_deref()) else {
        return Err(refused());
    };
    let client = api_client::Entity::find()
        .filter(api_client::Column::ClientId.eq(id.trim()))
        .one(db)
        .await?;
    let hash = hash_refresh_token(secret);
    let Some(client) = client.filter(|c| c.active && c.secret_hash == hash) else {
        return Err(refused());
    };
    let allowed: Vec<&str> = client.scopes.split_whitespace().collect();
    let scope = match t.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => allowed.join(" "),
        Some(asked) => {
            for s in asked.split_whitespace() {
                if !allowed.contains(&s) {
                    return Err(ApiError::invalid(
                        "scope",
                        format!("the client may not have `{s}`"),
                    ));
                }
            }
            asked.split_whitespace().collect::<Vec<_>>().join(" ")
        }
    };
    crate::auth::clients::admit(db, client.id, None).await?;
    let role = Role::parse(&client.role).unwrap_or(Role::Portal);
    let access_token = keys
        .sign_client(client.id, role, client.province.clone(), scope.clone())
        .map_err(ApiError::internal)?;
    Ok(ClientToken {
        access_token,
        token_type: "Bearer".into(),
        expires_in: keys.access_ttl.as_secs(),
        scope,
    })
}
