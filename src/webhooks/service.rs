//! Webhooks: registration by a bloc head (for the bloc) or the admin (for the installation),
//! URL checks, secret rotation, pings and the delivery log.
use super::egress::Egress;
use super::{
    delivery,
    dto::{
        CreateWebhook, DeliveryDto, DeliveryQuery, DeliveryStatus, UpdateWebhook, WebhookDto,
        WebhookQuery, WebhookWithSecret,
    },
};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    config::WebhookConfig,
    db::begin_write,
    entities::{webhook, webhook_delivery},
    error::ApiResult,
    pagination::{self, Keyset, Page},
    policy::{self, Action, Actor, Resource, Target},
    tenancy::{self, Scope},
    validate::Checks,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::Utc;
use rand::RngCore;
use reqwest::Url;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;
use std::net::IpAddr;
use uuid::Uuid;

pub const RESOURCE: &str = "webhook";

/// Every resource type the change feed carries, for event patterns.
pub use crate::changes::service::RESOURCE_TYPES;

/// Where the request came in: the service's own addresses, which a hook may not call.
pub struct SelfAddress {
    /// The `Host` the caller used, with the port its scheme implies.
    pub host: (String, u16),
    /// The local socket.
    pub local: Option<std::net::SocketAddr>,
}

pub fn to_dto(m: webhook::Model) -> WebhookDto {
    WebhookDto {
        events: serde_json::from_str(&m.events).unwrap_or_default(),
        id: m.id,
        bloc_id: m.bloc_id,
        url: m.url,
        description: m.description,
        active: m.active,
        consecutive_failures: m.consecutive_failures,
        disabled_reason: m.disabled_reason,
        created_by: m.created_by,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn delivery_dto(m: webhook_delivery::Model) -> DeliveryDto {
    let status = DeliveryStatus::parse(&m.status).unwrap_or(DeliveryStatus::Pending);
    DeliveryDto {
        next_attempt_at: (status == DeliveryStatus::Pending).then_some(m.next_attempt_at),
        status,
        id: m.id,
        webhook_id: m.webhook_id,
        event: m.event,
        seq: m.seq,
        attempts: m.attempts,
        last_status_code: m.last_status_code,
        last_error: m.last_error,
        last_duration_ms: m.last_duration_ms,
        last_attempt_at: m.last_attempt_at,
        delivered_at: m.delivered_at,
        created_at: m.created_at,
    }
}

fn authorize(caller: &Caller, action: Action) -> ApiResult<()> {
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Webhook,
        action,
        &Target::default(),
    )
}

fn new_secret() -> String {
    let mut b = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut b);
    format!("whsec_{}", STANDARD.encode(b))
}

/// Refuses a URL the egress policy does not allow (resolving its name now); adds the reason to
/// `url`.
pub async fn check_egress(egress: &Egress, c: &mut Checks, url: &str) {
    if url.is_empty() {
        return;
    }
    let Ok(parsed) = Url::parse(url) else { return };
    if let Err(r) = egress.check(&parsed).await {
        c.add("url", &r.0);
    }
}

/// Refuses another hook once the bloc (or the admin's installation-wide set) has the most allowed.
async fn check_cap(
    conn: &impl sea_orm::ConnectionTrait,
    hooks: &WebhookConfig,
    bloc_id: Option<Uuid>,
) -> ApiResult<()> {
    let mut q = webhook::Entity::find();
    q = match bloc_id {
        Some(b) => q.filter(webhook::Column::BlocId.eq(b)),
        None => q.filter(webhook::Column::BlocId.is_null()),
    };
    let max = hooks.max_per_bloc;
    if sea_orm::PaginatorTrait::count(q, conn).await? >= max as u64 {
        return Err(crate::error::ApiError::conflict(format!(
            "the most webhooks allowed is {max}; point an existing one at the new URL instead (PATCH)"
        )));
    }
    Ok(())
}

/// An http(s) URL with a host, no credentials, and not this service.
pub fn check_url(c: &mut Checks, raw: &str, me: &SelfAddress) -> String {
    let raw = raw.trim();
    if raw.len() > 2000 {
        c.add("url", "must be at most 2000 characters");
        return String::new();
    }
    let Ok(url) = Url::parse(raw) else {
        c.add(
            "url",
            "is not a URL such as https://portal.example.vn/hooks/khoi",
        );
        return String::new();
    };
    if !matches!(url.scheme(), "http" | "https") {
        c.add("url", "must be an http or https URL");
        return String::new();
    }
    let Some(host) = url
        .host_str()
        .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
    else {
        c.add("url", "must name a host");
        return String::new();
    };
    if !url.username().is_empty() || url.password().is_some() {
        c.add(
            "url",
            "must not carry credentials; the signature authenticates the service",
        );
        return String::new();
    }
    if url.fragment().is_some() {
        c.add("url", "must not have a fragment");
        return String::new();
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let (me_host, me_port) = (&me.host.0, me.host.1);
    let is_me_by_name = host == *me_host && port == me_port;
    let is_me_by_socket = me.local.is_some_and(|local| {
        port == local.port()
            && (host == "localhost"
                || host
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified() || ip == local.ip()))
    });
    if is_me_by_name || is_me_by_socket {
        c.add("url", "points at this service itself");
        return String::new();
    }
    url.to_string()
}

fn check_events(c: &mut Checks, events: Option<&[String]>) -> String {
    let Some(events) = events else {
        return json!(["*"]).to_string();
    };
    if events.is_empty() {
        c.add("events", "must list at least one event pattern");
    }
    if events.len() > 50 {
        c.add("events", "must list at most 50 patterns");
    }
    let mut out: Vec<String> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let e = e.trim();
        let ok = e == "*"
            || e.split_once('.').is_some_and(|(t, op)| {
                RESOURCE_TYPES.contains(&t) && matches!(op, "*" | "create" | "update")
            });
        if !ok {
            c.add(
                &format!("events[{i}]"),
                "must be `*`, `<resource_type>.*`, `<resource_type>.create` or `<resource_type>.update` with a resource type of the change feed",
            );
        } else if out.iter().any(|o| o == e) {
            c.add(&format!("events[{i}]"), "is listed twice");
        } else {
            out.push(e.to_string());
        }
    }
    json!(out).to_string()
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: WebhookQuery,
) -> ApiResult<Page<WebhookDto>> {
    authorize(caller, Action::Read)?;
    let limit = pagination::limit(q.limit)?;
    let keyset = Keyset::<webhook::Column>::parse(None, q.cursor.as_deref(), &[])?;
    let mut select = tenancy::select::<webhook::Entity>(&Scope::of(caller));
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        webhook::Column::UpdatedAt,
        webhook::Column::Id,
    )?;
    if let Some(a) = q.active {
        select = select.filter(webhook::Column::Active.eq(a));
    }
    Ok(keyset
        .fetch(
            db,
            select,
            webhook::Column::Id,
            limit,
            |m| (json!(null), m.id),
            to_dto,
        )
        .await?)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<WebhookDto> {
    authorize(caller, Action::Read)?;
    tenancy::find::<webhook::Entity>(db, &Scope::of(caller), id, "webhook")
        .await
        .map(to_dto)
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    egress: &Egress,
    hooks: &WebhookConfig,
    caller: &Caller,
    me: &SelfAddress,
    body: CreateWebhook,
) -> ApiResult<WebhookWithSecret> {
    authorize(caller, Action::Create)?;
    let mut c = Checks::new();
    let url = check_url(&mut c, &body.url, me);
    check_egress(egress, &mut c, &url).await;
    let description = c
        .opt_text("description", body.description.as_deref(), 500)
        .unwrap_or_default();
    let events = check_events(&mut c, body.events.as_deref());
    c.finish()?;
    let secret = new_secret();
    let now = Utc::now();
    let bloc_id = Scope::of(caller).own_bloc();
    let txn = begin_write(db).await?;
    check_cap(&txn, hooks, bloc_id).await?;
    let m = webhook::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(bloc_id),
        url: Set(url),
        description: Set(description),
        events: Set(events),
        secret: Set(secret.clone()),
        active: Set(true),
        consecutive_failures: Set(0),
        disabled_reason: Set(None),
        created_by: Set(caller.account_id),
        version: Set(1),
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
            bloc_id,
            before: None,
            after: Some(&dto),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(WebhookWithSecret {
        webhook: dto,
        secret,
    })
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    egress: &Egress,
    caller: &Caller,
    me: &SelfAddress,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateWebhook,
) -> ApiResult<WebhookDto> {
    authorize(caller, Action::Update)?;
    // Resolved before the write lock is taken: a slow name server holds no one else up.
    let mut c = Checks::new();
    let new_url = body.url.as_ref().map(|u| check_url(&mut c, u, me));
    if let Some(u) = &new_url {
        check_egress(egress, &mut c, u).await;
    }
    let txn = begin_write(db).await?;
    let current = tenancy::find::<webhook::Entity>(&txn, &Scope::of(caller), id, "webhook").await?;
    if_match.check(current.version)?;
    let mut am: webhook::ActiveModel = current.clone().into();
    if let Some(u) = new_url {
        am.url = Set(u);
    }
    if let Some(d) = &body.description {
        am.description = Set(c.opt_text("description", Some(d), 500).unwrap_or_default());
    }
    if let Some(e) = &body.events {
        am.events = Set(check_events(&mut c, Some(e)));
    }
    if let Some(a) = body.active {
        am.active = Set(a);
        if a && !current.active {
            am.consecutive_failures = Set(0);
            am.disabled_reason = Set(None);
        } else if !a && current.active {
            am.disabled_reason = Set(Some("disabled by hand".into()));
        }
    }
    c.finish()?;
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, webhook::Column::Version, current.version).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: current.bloc_id,
            before: Some(&to_dto(current)),
            after: Some(&to_dto(updated.clone())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_dto(updated))
}

/// A new signing secret; deliveries from now on are signed with it.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn rotate_secret(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<WebhookWithSecret> {
    authorize(caller, Action::Update)?;
    let txn = begin_write(db).await?;
    let current = tenancy::find::<webhook::Entity>(&txn, &Scope::of(caller), id, "webhook").await?;
    let secret = new_secret();
    let mut am: webhook::ActiveModel = current.clone().into();
    am.secret = Set(secret.clone());
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, webhook::Column::Version, current.version).await?;
    let dto = to_dto(updated);
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "rotate_secret",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: current.bloc_id,
            before: None,
            after: Some(&dto),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(WebhookWithSecret {
        webhook: dto,
        secret,
    })
}

/// Queues a `ping` event, to try a receiver and its signature check.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn ping(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<DeliveryDto> {
    authorize(caller, Action::Update)?;
    let txn = begin_write(db).await?;
    let hook = tenancy::find::<webhook::Entity>(&txn, &Scope::of(caller), id, "webhook").await?;
    let m = delivery::new_delivery(hook.id, "ping".into(), None, Utc::now())
        .insert(&txn)
        .await?;
    txn.commit().await?;
    Ok(delivery_dto(m))
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn deliveries(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    q: DeliveryQuery,
) -> ApiResult<Page<DeliveryDto>> {
    authorize(caller, Action::Read)?;
    let limit = pagination::limit(q.limit)?;
    let hook = tenancy::find::<webhook::Entity>(db, &Scope::of(caller), id, "webhook").await?;
    let mut keyset = Keyset::<webhook_delivery::Column>::parse(None, q.cursor.as_deref(), &[])?;
    // Newest first: ids are time-ordered.
    keyset.desc = true;
    let mut select =
        webhook_delivery::Entity::find().filter(webhook_delivery::Column::WebhookId.eq(hook.id));
    if let Some(s) = q.status {
        select = select.filter(webhook_delivery::Column::Status.eq(s.as_str()));
    }
    Ok(keyset
        .fetch(
            db,
            select,
            webhook_delivery::Column::Id,
            limit,
            |m| (json!(null), m.id),
            delivery_dto,
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> SelfAddress {
        SelfAddress {
            host: ("khoi.quangninh.gov.vn".into(), 443),
            local: Some("127.0.0.1:8080".parse().unwrap()),
        }
    }

    fn check(url: &str) -> Result<String, String> {
        let mut c = Checks::new();
        let out = check_url(&mut c, url, &me());
        c.finish().map(|_| out).map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn urls_must_be_http_and_not_the_service() {
        assert!(check("https://danvan.quangninh.gov.vn/hooks").is_ok());
        assert!(check("http://127.0.0.1:9000/hook").is_ok());
        for bad in [
            "ftp://danvan.quangninh.gov.vn/x",
            "javascript:alert(1)",
            "not a url",
            "https://khoi.quangninh.gov.vn/api/v1/tasks",
            "https://KHOI.quangninh.gov.vn:443/x",
            "http://127.0.0.1:8080/api/v1/tasks",
            "http://localhost:8080/",
            "http://0.0.0.0:8080/",
            "http://[::1]:8080/",
            "https://user:pw@danvan.quangninh.gov.vn/",
        ] {
            assert!(check(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn resource_types_cover_every_audited_resource() {
        for t in [
            crate::tasks::service::RESOURCE,
            crate::campaigns::service::RESOURCE,
            crate::campaigns::targets::TARGET_RESOURCE,
            crate::campaigns::figures::RESOURCE,
            crate::campaigns::registrations::RESOURCE,
            crate::supervisions::service::RESOURCE,
            crate::meetings::service::RESOURCE,
            crate::dispatches::service::RESOURCE,
            crate::directives::service::RESOURCE,
            crate::unit_assignments::service::RESOURCE,
            crate::units::service::RESOURCE,
            crate::staff::service::RESOURCE,
            crate::sub_committees::service::RESOURCE,
            crate::organisations::service::RESOURCE,
            crate::blocs::service::RESOURCE,
            crate::accounts::service::RESOURCE,
            crate::clients::service::RESOURCE,
        ] {
            assert!(RESOURCE_TYPES.contains(&t), "{t}");
        }
    }
}
