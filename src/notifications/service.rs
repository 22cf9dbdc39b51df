//! A person's inbox, channels and calendar address. These are the person's own, not the
//! bloc's records: they are not in the audit log or the change feed (what caused a
//! notification is).
use super::dto::*;
use crate::text::hex;
use crate::{
    auth::Caller,
    concurrency::IfMatch,
    db::begin_write,
    entities::{notification, notification_preference as preference, push_subscription},
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, SortField},
    validate::{self, Checks},
    webhooks::egress::Egress,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, sea_query::Expr,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use uuid::Uuid;

pub fn to_dto(m: notification::Model) -> NotificationDto {
    NotificationDto {
        id: m.id,
        kind: Kind::parse(&m.kind).unwrap_or(Kind::Assigned),
        title: m.title,
        body: m.body,
        href: m.href,
        resource_type: m.resource_type,
        resource_id: m.resource_id,
        urgent: m.urgent,
        read: m.read_at.is_some(),
        read_at: m.read_at,
        created_at: m.created_at,
    }
}

async fn unread(conn: &impl ConnectionTrait, account: Uuid) -> Result<u64, DbErr> {
    notification::Entity::find()
        .filter(notification::Column::AccountId.eq(account))
        .filter(notification::Column::ReadAt.is_null())
        .count(conn)
        .await
}

/// The caller's inbox, newest first.
pub async fn inbox(db: &DatabaseConnection, caller: &Caller, q: InboxQuery) -> ApiResult<Inbox> {
    let limit = pagination::limit(q.limit)?;
    let fields: [SortField<notification::Column>; 0] = [];
    let mut keyset = Keyset::parse(None, q.cursor.as_deref(), &fields)?;
    keyset.desc = true;
    let mut select =
        notification::Entity::find().filter(notification::Column::AccountId.eq(caller.account_id));
    if q.unread == Some(true) {
        select = select.filter(notification::Column::ReadAt.is_null());
    }
    let page = keyset
        .fetch(
            db,
            select,
            notification::Column::Id,
            limit,
            |m| (serde_json::Value::Null, m.id),
            to_dto,
        )
        .await?;
    Ok(Inbox {
        items: page.items,
        next_cursor: page.next_cursor,
        unread_count: unread(db, caller.account_id).await?,
    })
}

/// Marks one of the caller's notifications read (again is harmless).
pub async fn mark_read(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<NotificationDto> {
    let mine = || {
        notification::Entity::find_by_id(id)
            .filter(notification::Column::AccountId.eq(caller.account_id))
    };
    let Some(n) = mine().one(db).await? else {
        return Err(ApiError::not_found("notification"));
    };
    if n.read_at.is_some() {
        return Ok(to_dto(n));
    }
    let txn = begin_write(db).await?;
    let mut am: notification::ActiveModel = n.into();
    am.read_at = Set(Some(Utc::now()));
    let n = am.update(&txn).await?;
    super::emit::touch(&txn, &[caller.account_id]).await?;
    txn.commit().await?;
    Ok(to_dto(n))
}

/// Marks every unread notification of the caller read.
pub async fn mark_all_read(db: &DatabaseConnection, caller: &Caller) -> ApiResult<MarkedRead> {
    let txn = begin_write(db).await?;
    let r = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Utc::now()))
        .filter(notification::Column::AccountId.eq(caller.account_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(&txn)
        .await?;
    if r.rows_affected > 0 {
        super::emit::touch(&txn, &[caller.account_id]).await?;
    }
    let unread_count = unread(&txn, caller.account_id).await?;
    txn.commit().await?;
    Ok(MarkedRead {
        marked: r.rows_affected,
        unread_count,
    })
}

fn channels_of(m: Option<&preference::Model>) -> BTreeMap<Kind, Vec<Channel>> {
    let raw: BTreeMap<String, Vec<Channel>> = m
        .and_then(|p| serde_json::from_str(&p.channels).ok())
        .unwrap_or_default();
    raw.into_iter()
        .filter_map(|(k, v)| Kind::parse(&k).map(|k| (k, v)))
        .collect()
}

async fn preferences_dto(
    conn: &impl ConnectionTrait,
    account: Uuid,
    m: Option<preference::Model>,
) -> Result<PreferencesDto, DbErr> {
    let subs = push_subscription::Entity::find()
        .filter(push_subscription::Column::AccountId.eq(account))
        .count(conn)
        .await?;
    Ok(PreferencesDto {
        email: m.as_ref().and_then(|p| p.email.clone()),
        effective_email: super::sends::email_of(conn, account, m.as_ref()).await?,
        quiet_hours: m.as_ref().is_none_or(|p| p.quiet_hours),
        digest: m.as_ref().is_some_and(|p| p.digest),
        channels: channels_of(m.as_ref()),
        push_subscriptions: subs,
        calendar: m.as_ref().is_some_and(|p| p.calendar_secret_hash.is_some()),
        version: m.as_ref().map_or(0, |p| p.version),
    })
}

pub async fn preferences(db: &DatabaseConnection, caller: &Caller) -> ApiResult<PreferencesDto> {
    let m = preference::Entity::find_by_id(caller.account_id)
        .one(db)
        .await?;
    Ok(preferences_dto(db, caller.account_id, m).await?)
}

/// The caller's row, made with the defaults when they have none yet.
async fn own_row(conn: &impl ConnectionTrait, account: Uuid) -> Result<preference::Model, DbErr> {
    if let Some(m) = preference::Entity::find_by_id(account).one(conn).await? {
        return Ok(m);
    }
    preference::ActiveModel {
        account_id: Set(account),
        email: Set(None),
        quiet_hours: Set(true),
        digest: Set(false),
        channels: Set("{}".into()),
        calendar_secret_hash: Set(None),
        version: Set(1),
        updated_at: Set(Utc::now()),
    }
    .insert(conn)
    .await
}

pub async fn update_preferences(
    db: &DatabaseConnection,
    caller: &Caller,
    if_match: &IfMatch,
    body: UpdatePreferences,
) -> ApiResult<PreferencesDto> {
    let mut c = Checks::new();
    let email = match &body.email {
        Some(Some(e)) => {
            let e = e.trim().to_string();
            if e.len() > 254 || !validate::is_email(&e) {
                c.add(
                    "email",
                    "is not an email address such as lan.nguyen@haiha.vn",
                );
            }
            Some(Some(e))
        }
        other => other.clone(),
    };
    if let Some(ch) = &body.channels {
        for (k, v) in ch {
            let mut seen = v.clone();
            seen.sort();
            seen.dedup();
            if seen.len() != v.len() {
                c.add(&format!("channels.{}", k.as_str()), "names a channel twice");
            }
        }
    }
    c.finish()?;
    let txn = begin_write(db).await?;
    let current = own_row(&txn, caller.account_id).await?;
    if_match.check(current.version)?;
    let mut channels = channels_of(Some(&current));
    if let Some(ch) = body.channels {
        channels.extend(ch);
    }
    let mut am: preference::ActiveModel = current.clone().into();
    if let Some(e) = email {
        am.email = Set(e);
    }
    if let Some(q) = body.quiet_hours {
        am.quiet_hours = Set(q);
    }
    if let Some(d) = body.digest {
        am.digest = Set(d);
    }
    let raw: BTreeMap<&str, &Vec<Channel>> =
        channels.iter().map(|(k, v)| (k.as_str(), v)).collect();
    am.channels = Set(serde_json::to_string(&raw).unwrap_or_else(|_| "{}".into()));
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let m = am.update(&txn).await?;
    let dto = preferences_dto(&txn, caller.account_id, Some(m)).await?;
    txn.commit().await?;
    Ok(dto)
}

fn sub_dto(m: push_subscription::Model) -> PushSubscriptionDto {
    PushSubscriptionDto {
        id: m.id,
        endpoint: m.endpoint,
        created_at: m.created_at,
    }
}

/// The most push subscriptions one person keeps (phones, browsers).
pub const MAX_SUBSCRIPTIONS: u64 = 20;

pub async fn push_subscriptions(
    db: &DatabaseConnection,
    caller: &Caller,
) -> ApiResult<crate::pagination::Page<PushSubscriptionDto>> {
    let items = push_subscription::Entity::find()
        .filter(push_subscription::Column::AccountId.eq(caller.account_id))
        .order_by_asc(push_subscription::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(sub_dto)
        .collect();
    Ok(crate::pagination::Page {
        items,
        next_cursor: None,
    })
}

/// Registers a browser's subscription (again: the same one, answered as it is). The endpoint
/// must be a URL the egress policy allows, as a webhook's must.
pub async fn subscribe(
    db: &DatabaseConnection,
    egress: &Egress,
    caller: &Caller,
    body: CreatePushSubscription,
) -> ApiResult<(PushSubscriptionDto, bool)> {
    let mut c = Checks::new();
    let endpoint = body.endpoint.trim().to_string();
    if endpoint.len() > 2000 {
        c.add("endpoint", "must be at most 2000 characters");
    } else {
        match url::Url::parse(&endpoint) {
            Err(_) => c.add(
                "endpoint",
                "is not a URL such as https://push.example.net/…",
            ),
            Ok(u) => {
                if !u.username().is_empty() || u.password().is_some() {
                    c.add("endpoint", "must not carry credentials");
                } else if let Err(r) = egress.check(&u).await {
                    c.add("endpoint", r.0);
                }
            }
        }
    }
    if let Err((field, msg)) = crate::webpush::parse_keys(&body.keys.p256dh, &body.keys.auth) {
        c.add(field, msg);
    }
    c.finish()?;
    let hash = hex(&Sha256::digest(endpoint.as_bytes()));
    let txn = begin_write(db).await?;
    if let Some(existing) = push_subscription::Entity::find()
        .filter(push_subscription::Column::AccountId.eq(caller.account_id))
        .filter(push_subscription::Column::EndpointHash.eq(hash.clone()))
        .one(&txn)
        .await?
    {
        let mut am: push_subscription::ActiveModel = existing.into();
        am.p256dh = Set(body.keys.p256dh);
        am.auth = Set(body.keys.auth);
        let m = am.update(&txn).await?;
        txn.commit().await?;
        return Ok((sub_dto(m), false));
    }
    let n = push_subscription::Entity::find()
        .filter(push_subscription::Column::AccountId.eq(caller.account_id))
        .count(&txn)
        .await?;
    if n >= MAX_SUBSCRIPTIONS {
        return Err(ApiError::conflict(format!(
            "a person keeps at most {MAX_SUBSCRIPTIONS} push subscriptions; remove one first"
        )));
    }
    let m = push_subscription::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(caller.account_id),
        endpoint: Set(endpoint),
        endpoint_hash: Set(hash),
        p256dh: Set(body.keys.p256dh),
        auth: Set(body.keys.auth),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok((sub_dto(m), true))
}

pub async fn unsubscribe(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<()> {
    let r = push_subscription::Entity::delete_many()
        .filter(push_subscription::Column::Id.eq(id))
        .filter(push_subscription::Column::AccountId.eq(caller.account_id))
        .exec(db)
        .await?;
    if r.rows_affected == 0 {
        return Err(ApiError::not_found("push subscription"));
    }
    Ok(())
}

/// A new calendar address for the caller; the old one stops working at once.
pub async fn new_calendar(db: &DatabaseConnection, caller: &Caller) -> ApiResult<CalendarFeed> {
    let mut raw = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut raw);
    let secret = format!("kc_{}", URL_SAFE_NO_PAD.encode(raw));
    let txn = begin_write(db).await?;
    let current = own_row(&txn, caller.account_id).await?;
    let version = current.version;
    let mut am: preference::ActiveModel = current.into();
    am.calendar_secret_hash = Set(Some(hex(&Sha256::digest(secret.as_bytes()))));
    am.version = Set(version + 1);
    am.updated_at = Set(Utc::now());
    am.update(&txn).await?;
    txn.commit().await?;
    Ok(CalendarFeed {
        url: format!("{}/calendar/{secret}.ics", crate::state::API_PREFIX),
    })
}

pub async fn revoke_calendar(db: &DatabaseConnection, caller: &Caller) -> ApiResult<()> {
    let txn = begin_write(db).await?;
    let current = own_row(&txn, caller.account_id).await?;
    if current.calendar_secret_hash.is_none() {
        return Err(ApiError::not_found("calendar feed"));
    }
    let version = current.version;
    let mut am: preference::ActiveModel = current.into();
    am.calendar_secret_hash = Set(None);
    am.version = Set(version + 1);
    am.updated_at = Set(Utc::now());
    am.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// The account a calendar secret belongs to, if it is current.
pub async fn calendar_owner(db: &DatabaseConnection, secret: &str) -> ApiResult<Uuid> {
    let hash = hex(&Sha256::digest(secret.as_bytes()));
    preference::Entity::find()
        .filter(preference::Column::CalendarSecretHash.eq(hash))
        .one(db)
        .await?
        .map(|p| p.account_id)
        .ok_or_else(|| ApiError::not_found("calendar feed"))
}

/// The days before a deadline a bloc reminds unless it says otherwise.
pub const DEFAULT_DUE_SOON_DAYS: i32 = 2;

/// The caller's emails and pushes, newest first: what was sent, what waits, what failed.
pub async fn sends(
    db: &DatabaseConnection,
    caller: &Caller,
    q: SendQuery,
) -> ApiResult<crate::pagination::Page<SendDto>> {
    use super::sends::{FAILED, GONE, PENDING, SENT};
    use crate::entities::notification_send as send;
    let limit = pagination::limit(q.limit)?;
    let fields: [SortField<send::Column>; 0] = [];
    let mut keyset = Keyset::parse(None, q.cursor.as_deref(), &fields)?;
    keyset.desc = true;
    let mut select = send::Entity::find().filter(send::Column::AccountId.eq(caller.account_id));
    if let Some(s) = q.status.as_deref() {
        if ![PENDING, SENT, FAILED, GONE].contains(&s) {
            return Err(ApiError::bad_field(
                "status",
                "must be one of pending, sent, failed, gone",
            ));
        }
        select = select.filter(send::Column::Status.eq(s));
    }
    Ok(keyset
        .fetch(
            db,
            select,
            send::Column::Id,
            limit,
            |m| (serde_json::Value::Null, m.id),
            |m| SendDto {
                id: m.id,
                notification_id: m.notification_id,
                channel: if m.channel == "push" {
                    Channel::Push
                } else {
                    Channel::Email
                },
                target: m.target,
                status: m.status,
                attempts: m.attempts,
                next_attempt_at: m.next_attempt_at,
                last_status_code: m.last_status_code,
                last_error: m.last_error,
                delivered_at: m.delivered_at,
                created_at: m.created_at,
            },
        )
        .await?)
}
