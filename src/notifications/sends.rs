//! Emails and pushes: queued from the inbox rows by whichever instance claims them, then sent
//! in the background, each send claimed by one instance, retried with backoff and given up
//! after the configured attempts, like webhook deliveries.
use super::{
    dto::{Channel, Kind},
    email::{self, Mailer},
};
use crate::webpush as push;
use crate::{
    config::NotificationConfig,
    entities::{
        account, notification, notification_preference as preference, notification_send as send,
        push_subscription, staff,
    },
    state::AppState,
};
use actix_web::web;
use chrono::{DateTime, Duration as Span, NaiveTime, Timelike, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, sea_query::Expr,
};
use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::Duration,
};
use uuid::Uuid;

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";
/// A push subscription the push service no longer knows (404 or 410): removed.
pub const GONE: &str = "gone";

/// When a send may go: at once, or at 07:00 (Vietnam) when it falls in the quiet hours
/// (21:00–07:00) of a person who keeps them and is not about an urgent task.
pub fn release_at(now: DateTime<Utc>, urgent: bool, quiet_hours: bool) -> DateTime<Utc> {
    if urgent || !quiet_hours {
        return now;
    }
    let local = now.naive_utc() + Span::hours(7);
    let seven = NaiveTime::from_hms_opt(7, 0, 0).unwrap_or_default();
    let day = match local.hour() {
        h if h >= 21 => local.date() + Span::days(1),
        h if h < 7 => local.date(),
        _ => return now,
    };
    (day.and_time(seven) - Span::hours(7)).and_utc()
}

/// A person's channels for `kind`: both unless their preferences say otherwise.
pub fn channels_for(pref: Option<&preference::Model>, kind: &str) -> Vec<Channel> {
    let map: BTreeMap<String, Vec<Channel>> = pref
        .and_then(|p| serde_json::from_str(&p.channels).ok())
        .unwrap_or_default();
    map.get(kind)
        .cloned()
        .unwrap_or_else(|| vec![Channel::Email, Channel::Push])
}

/// Where a person's email goes: their preference, or their staff record's email.
pub async fn email_of(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    pref: Option<&preference::Model>,
) -> Result<Option<String>, DbErr> {
    Ok(emails_of(conn, &[(account_id, pref)])
        .await?
        .remove(&account_id))
}

/// Where each of these people's email goes, by account, as [`email_of`]: the staff records of
/// those whose preferences name no address in one statement, however many (a dispatch batch
/// asked two a person).
async fn emails_of(
    conn: &impl ConnectionTrait,
    people: &[(Uuid, Option<&preference::Model>)],
) -> Result<HashMap<Uuid, String>, DbErr> {
    let mut out: HashMap<Uuid, String> = people
        .iter()
        .filter_map(|(a, p)| Some((*a, p.as_ref()?.email.clone()?)))
        .collect();
    let unnamed: Vec<Uuid> = people
        .iter()
        .map(|(a, _)| *a)
        .filter(|a| !out.contains_key(a))
        .collect();
    if unnamed.is_empty() {
        return Ok(out);
    }
    let on_record: Vec<(Uuid, Option<String>)> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .column(staff::Column::Email)
        .join(sea_orm::JoinType::InnerJoin, account::staff())
        .filter(account::Column::Id.is_in(unnamed))
        .into_tuple()
        .all(conn)
        .await?;
    out.extend(
        on_record
            .into_iter()
            .filter_map(|(a, e)| Some((a, e.filter(|e| !e.trim().is_empty())?))),
    );
    Ok(out)
}

pub fn new_send(
    account_id: Uuid,
    notification_id: Option<Uuid>,
    channel: Channel,
    target: String,
    payload: String,
    at: DateTime<Utc>,
) -> send::ActiveModel {
    send::ActiveModel {
        id: Set(Uuid::now_v7()),
        notification_id: Set(notification_id),
        account_id: Set(account_id),
        channel: Set(channel.as_str().into()),
        target: Set(target),
        payload: Set(payload),
        status: Set(PENDING.into()),
        attempts: Set(0),
        next_attempt_at: Set(at),
        claimed_by: Set(None),
        claimed_until: Set(None),
        last_status_code: Set(None),
        last_error: Set(None),
        delivered_at: Set(None),
        created_at: Set(Utc::now()),
    }
}

/// Inbox rows an instance turns into sends in one transaction.
const DISPATCH_BATCH: u64 = 100;

/// Queues the emails and pushes of inbox rows not yet dispatched, up to [`DISPATCH_BATCH`],
/// and answers how many. The rows are claimed by one conditional update, so on several
/// instances each is dispatched once; their sends are queued in the same transaction.
pub async fn dispatch(db: &DatabaseConnection, email_on: bool) -> Result<usize, DbErr> {
    let waiting = notification::Entity::find()
        .select_only()
        .column(notification::Column::Id)
        .filter(notification::Column::Dispatched.eq(false))
        .order_by_asc(notification::Column::Id)
        .limit(DISPATCH_BATCH)
        .into_query();
    let txn = crate::db::begin_write(db).await?;
    let mine = notification::Entity::update_many()
        .col_expr(notification::Column::Dispatched, Expr::value(true))
        .filter(notification::Column::Id.in_subquery(waiting))
        .filter(notification::Column::Dispatched.eq(false))
        .exec_with_returning(&txn)
        .await?;
    if mine.is_empty() {
        txn.commit().await?;
        return Ok(0);
    }
    let accounts: Vec<Uuid> = mine.iter().map(|n| n.account_id).collect();
    let prefs: HashMap<Uuid, preference::Model> = preference::Entity::find()
        .filter(preference::Column::AccountId.is_in(accounts.clone()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.account_id, p))
        .collect();
    let mut subs: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for s in push_subscription::Entity::find()
        .filter(push_subscription::Column::AccountId.is_in(accounts))
        .all(&txn)
        .await?
    {
        subs.entry(s.account_id).or_default().push(s.id);
    }
    let emails = if email_on {
        let people: Vec<_> = mine
            .iter()
            .map(|n| (n.account_id, prefs.get(&n.account_id)))
            .collect();
        emails_of(&txn, &people).await?
    } else {
        HashMap::new()
    };
    let mut rows = Vec::new();
    for n in &mine {
        let none = Vec::new();
        let subs = subs.get(&n.account_id).unwrap_or(&none);
        let to = emails.get(&n.account_id).cloned();
        rows.extend(sends_of(n, prefs.get(&n.account_id), to, subs));
    }
    // In slices, under the databases' limit of bound parameters a statement.
    for chunk in rows.chunks(500) {
        send::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(mine.len())
}

/// The sends one inbox row makes, by its person's preferences, email address (none when
/// email is off) and push subscriptions.
fn sends_of(
    n: &notification::Model,
    pref: Option<&preference::Model>,
    to: Option<String>,
    subs: &[Uuid],
) -> Vec<send::ActiveModel> {
    let channels = channels_for(pref, &n.kind);
    let at = release_at(Utc::now(), n.urgent, pref.is_none_or(|p| p.quiet_hours));
    let digest = pref.is_some_and(|p| p.digest);
    let mut rows = Vec::new();
    if channels.contains(&Channel::Email)
        && (n.urgent || !digest)
        && let Some(to) = to
    {
        let e = email::single(&n.title, &n.body, n.href.as_deref());
        rows.push(new_send(
            n.account_id,
            Some(n.id),
            Channel::Email,
            to,
            serde_json::to_string(&e).unwrap_or_default(),
            at,
        ));
    }
    if channels.contains(&Channel::Push) {
        let payload = push_payload(n).to_string();
        for s in subs {
            rows.push(new_send(
                n.account_id,
                Some(n.id),
                Channel::Push,
                s.to_string(),
                payload.clone(),
                at,
            ));
        }
    }
    rows
}

/// What a push carries: the item, its text cut (between characters) so that the JSON fits one
/// record of the encrypted message; the app fetches the rest from the inbox.
pub fn push_payload(n: &notification::Model) -> serde_json::Value {
    let mut body_chars = 800;
    loop {
        let v = serde_json::json!({
            "id": n.id, "kind": n.kind, "title": n.title.chars().take(200).collect::<String>(),
            "body": n.body.chars().take(body_chars).collect::<String>(), "href": n.href,
            "urgent": n.urgent,
        });
        if v.to_string().len() <= push::MAX_PLAINTEXT || body_chars == 0 {
            return v;
        }
        body_chars /= 2;
    }
}

/// Sends by status, for `/metrics`.
pub async fn counts(db: &DatabaseConnection) -> Result<Vec<(String, i64)>, DbErr> {
    send::Entity::find()
        .select_only()
        .column(send::Column::Status)
        .column_as(
            sea_orm::sea_query::SimpleExpr::from(sea_orm::sea_query::Func::count(Expr::col(
                send::Column::Id,
            ))),
            "n",
        )
        .group_by(send::Column::Status)
        .into_tuple()
        .all(db)
        .await
}

/// What became of one attempt.
enum Outcome {
    Sent(Option<i32>),
    Gone(i32),
    Retry(Option<i32>, String),
    Fail(Option<i32>, String),
}

struct Channels {
    mailer: Option<(Mailer, String)>,
    /// Emails sent at once ([`email::SMTP_SENDING`]).
    smtp: tokio::sync::Semaphore,
    http: reqwest::Client,
    vapid: push::Vapid,
}

/// Sends an instance keeps in flight: more than the emails it sends at once
/// ([`email::SMTP_SENDING`]), so a permit freed is taken at once by a send already claimed.
const IN_FLIGHT: usize = 32;

/// Runs this instance's dispatching and sending until the process ends.
pub async fn run(state: web::Data<AppState>) {
    let cfg = state.config.notifications.clone();
    let instance = Uuid::now_v7().simple().to_string();
    let mailer = match &cfg.smtp {
        None => None,
        Some(s) => match email::mailer(s) {
            Ok(m) => Some((m, s.from.clone())),
            Err(e) => {
                tracing::error!(error = %e, "email notifications are off: the SMTP settings do not work");
                None
            }
        },
    };
    let http = match reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(crate::webhooks::egress::Guarded(
            state.egress.clone(),
        )))
        .no_proxy()
        .user_agent(concat!("khoi-push/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "notifications are off: no HTTP client");
            return;
        }
    };
    let ch = Channels {
        mailer,
        smtp: tokio::sync::Semaphore::new(email::SMTP_SENDING),
        http,
        vapid: state.vapid.clone(),
    };
    // Side by side: while thousands of inbox rows are queued, the sends already queued go out
    // (one loop doing both sent half as fast while the dispatcher had work, BENCHMARKS.md).
    tokio::join!(
        dispatch_loop(&state.db, &cfg, ch.mailer.is_some()),
        send_loop(&state.db, &cfg, &instance, &ch, &state.egress)
    );
}

async fn dispatch_loop(db: &DatabaseConnection, cfg: &NotificationConfig, email_on: bool) {
    loop {
        match dispatch(db, email_on).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "notification dispatch failed; will retry"),
        }
        tokio::time::sleep(cfg.poll_interval).await;
    }
}

/// Keeps up to [`IN_FLIGHT`] sends going: claims more when half are free, and records each
/// send as it finishes, with any others finished by then, in one transaction. Waiting for a
/// whole batch before claiming the next left the connections idle behind the slowest send.
async fn send_loop(
    db: &DatabaseConnection,
    cfg: &NotificationConfig,
    instance: &str,
    ch: &Channels,
    egress: &crate::webhooks::egress::Egress,
) {
    use futures_util::{FutureExt, StreamExt, stream::FuturesUnordered};
    let mut flight = FuturesUnordered::new();
    // The last claim found fewer than it asked for: the queue is empty for now.
    let mut drained = false;
    loop {
        let room = IN_FLIGHT - flight.len();
        if room >= IN_FLIGHT / 2 || (drained && room > 0) {
            match claim(db, instance, room, Utc::now()).await {
                Ok(mine) => {
                    drained = mine.len() < room;
                    for s in mine {
                        flight.push(async move {
                            let outcome = attempt(db, ch, egress, &s).await;
                            (s, outcome)
                        });
                    }
                }
                Err(e) => {
                    drained = true;
                    tracing::warn!(error = %e, "claiming notification sends failed; will retry");
                }
            }
        }
        if flight.is_empty() {
            tokio::time::sleep(cfg.poll_interval).await;
            continue;
        }
        // With the queue empty, look again after the poll interval even if nothing finished.
        let first = if drained {
            tokio::time::timeout(cfg.poll_interval, flight.next())
                .await
                .ok()
                .flatten()
        } else {
            flight.next().await
        };
        let mut done: Vec<_> = first.into_iter().collect();
        while let Some(Some(d)) = flight.next().now_or_never() {
            done.push(d);
        }
        if !done.is_empty()
            && let Err(e) = record_all(db, cfg, done).await
        {
            // The claims lapse after two minutes and the sends go again: at least once.
            tracing::warn!(error = %e, "recording notification sends failed; they will be retried");
        }
    }
}

/// Claims up to `limit` sends due at `now` in one conditional update, so that on several
/// instances each send is claimed by one, and answers the ones claimed. (Public, with its
/// `now`, for the test of two instances claiming the same rows.)
pub async fn claim(
    db: &DatabaseConnection,
    instance: &str,
    limit: usize,
    now: DateTime<Utc>,
) -> Result<Vec<send::Model>, DbErr> {
    let free = || {
        sea_orm::Condition::all()
            .add(send::Column::Status.eq(PENDING))
            .add(
                sea_orm::Condition::any()
                    .add(send::Column::ClaimedUntil.is_null())
                    .add(send::Column::ClaimedUntil.lt(now)),
            )
    };
    let due = send::Entity::find()
        .select_only()
        .column(send::Column::Id)
        .filter(free())
        .filter(send::Column::NextAttemptAt.lte(now))
        .order_by_asc(send::Column::NextAttemptAt)
        .limit(limit as u64)
        .into_query();
    let txn = crate::db::begin_write(db).await?;
    // The outer condition again: a send another instance claimed since the inner select is
    // left to it (PostgreSQL re-checks it on the row it waited for).
    let mine = send::Entity::update_many()
        .col_expr(send::Column::ClaimedBy, Expr::value(instance))
        .col_expr(
            send::Column::ClaimedUntil,
            Expr::value(now + Span::minutes(2)),
        )
        .filter(send::Column::Id.in_subquery(due))
        .filter(free())
        .exec_with_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(mine)
}

async fn record_all(
    db: &DatabaseConnection,
    cfg: &NotificationConfig,
    done: Vec<(send::Model, Outcome)>,
) -> Result<(), DbErr> {
    let txn = crate::db::begin_write(db).await?;
    for (s, outcome) in done {
        record(&txn, cfg, s, outcome).await?;
    }
    txn.commit().await
}

async fn attempt(
    db: &DatabaseConnection,
    ch: &Channels,
    egress: &crate::webhooks::egress::Egress,
    s: &send::Model,
) -> Outcome {
    match s.channel.as_str() {
        "email" => {
            let Some((mailer, from)) = &ch.mailer else {
                return Outcome::Retry(None, "email is not configured on this instance".into());
            };
            let Ok(e) = serde_json::from_str::<email::Email>(&s.payload) else {
                return Outcome::Fail(None, "unreadable email".into());
            };
            // Never closed, so the permit is always given in the end.
            let _connection = ch.smtp.acquire().await;
            match email::send(mailer, from, &s.target, &e).await {
                Ok(()) => Outcome::Sent(None),
                Err(e) if e.starts_with("To:") => Outcome::Fail(None, e),
                Err(e) => Outcome::Retry(None, e),
            }
        }
        _ => push_one(db, ch, egress, s).await,
    }
}

async fn push_one(
    db: &DatabaseConnection,
    ch: &Channels,
    egress: &crate::webhooks::egress::Egress,
    s: &send::Model,
) -> Outcome {
    let sub = match Uuid::parse_str(&s.target) {
        Ok(id) => push_subscription::Entity::find_by_id(id).one(db).await,
        Err(_) => Ok(None),
    };
    let sub = match sub {
        Ok(Some(sub)) => sub,
        Ok(None) => return Outcome::Fail(None, "the subscription was removed".into()),
        Err(e) => return Outcome::Retry(None, e.to_string()),
    };
    let Ok(keys) = push::parse_keys(&sub.p256dh, &sub.auth) else {
        return Outcome::Fail(None, "the subscription's keys are not valid".into());
    };
    let Ok(url) = url::Url::parse(&sub.endpoint) else {
        return Outcome::Fail(None, "the endpoint is not a URL".into());
    };
    if let Err(r) = egress.check_literal(&url) {
        return Outcome::Fail(None, r.0);
    }
    let body = match push::encrypt(&keys, s.payload.as_bytes()) {
        Ok(b) => b,
        Err(e) => return Outcome::Fail(None, e.into()),
    };
    let urgent = serde_json::from_str::<serde_json::Value>(&s.payload)
        .ok()
        .and_then(|v| v["urgent"].as_bool())
        .unwrap_or(false);
    let res = ch
        .http
        .post(url.clone())
        .header("content-encoding", "aes128gcm")
        .header("content-type", "application/octet-stream")
        .header("ttl", "86400")
        .header("urgency", if urgent { "high" } else { "normal" })
        .header(
            "authorization",
            ch.vapid.authorization(&url, Utc::now().timestamp()),
        )
        .body(body)
        .send()
        .await;
    match res {
        Ok(r) => {
            let code = r.status().as_u16() as i32;
            match code {
                200..=299 => Outcome::Sent(Some(code)),
                404 | 410 => Outcome::Gone(code),
                408 | 429 | 500..=599 => {
                    Outcome::Retry(Some(code), format!("the push service answered {code}"))
                }
                _ => Outcome::Fail(Some(code), format!("the push service refused it ({code})")),
            }
        }
        Err(e) => Outcome::Retry(
            None,
            crate::webhooks::egress::refused_in(&e).map_or_else(|| e.to_string(), |r| r.0.clone()),
        ),
    }
}

async fn record(
    db: &impl ConnectionTrait,
    cfg: &NotificationConfig,
    s: send::Model,
    outcome: Outcome,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let attempts = s.attempts + 1;
    let target = s.target.clone();
    let mut am: send::ActiveModel = s.into();
    am.attempts = Set(attempts);
    am.claimed_by = Set(None);
    am.claimed_until = Set(None);
    match outcome {
        Outcome::Sent(code) => {
            am.status = Set(SENT.into());
            am.last_status_code = Set(code);
            am.last_error = Set(None);
            am.delivered_at = Set(Some(now));
        }
        Outcome::Gone(code) => {
            am.status = Set(GONE.into());
            am.last_status_code = Set(Some(code));
            am.last_error = Set(Some(
                "the push service no longer knows this subscription; removed".into(),
            ));
            if let Ok(id) = Uuid::parse_str(&target) {
                push_subscription::Entity::delete_by_id(id).exec(db).await?;
            }
        }
        Outcome::Fail(code, e) => {
            am.status = Set(FAILED.into());
            am.last_status_code = Set(code);
            am.last_error = Set(Some(e.chars().take(500).collect()));
        }
        Outcome::Retry(code, e) => {
            am.last_status_code = Set(code);
            am.last_error = Set(Some(e.chars().take(500).collect()));
            if attempts as u32 >= cfg.max_attempts {
                am.status = Set(FAILED.into());
            } else {
                let wait = crate::webhooks::delivery::backoff(cfg.retry_base, attempts as u32);
                am.next_attempt_at = Set(now + Span::from_std(wait).unwrap_or(Span::hours(1)));
            }
        }
    }
    am.update(db).await?;
    Ok(())
}

/// Kinds for the digest's lines.
pub fn kind_label(kind: &str) -> &'static str {
    match Kind::parse(kind) {
        Some(Kind::Overdue) => "Quá hạn",
        Some(Kind::DueSoon) => "Sắp đến hạn",
        _ => "Thông báo",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        // Vietnam time h:m on 2016-02-08 is UTC h-7.
        (chrono::NaiveDate::from_ymd_opt(2016, 2, 8)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
            - Span::hours(7))
        .and_utc()
    }

    #[test]
    fn quiet_hours_hold_sends_until_seven_in_vietnam() {
        assert_eq!(release_at(at(9, 0), false, true), at(9, 0));
        assert_eq!(release_at(at(20, 59), false, true), at(20, 59));
        assert_eq!(release_at(at(21, 0), false, true), at(7, 0) + Span::days(1));
        assert_eq!(
            release_at(at(23, 30), false, true),
            at(7, 0) + Span::days(1)
        );
        assert_eq!(release_at(at(6, 59), false, true), at(7, 0));
        assert_eq!(release_at(at(0, 10), false, true), at(7, 0));
        // Urgent tasks and people without quiet hours are told at once.
        assert_eq!(release_at(at(23, 30), true, true), at(23, 30));
        assert_eq!(release_at(at(23, 30), false, false), at(23, 30));
    }

    #[test]
    fn a_push_of_a_long_comment_still_fits_one_record_as_json() {
        let n = notification::Model {
            id: Uuid::nil(),
            account_id: Uuid::nil(),
            bloc_id: None,
            kind: "mentioned".into(),
            title: "Được nhắc đến ".repeat(40),
            body: "Đề nghị đồng chí bổ sung biên bản họp thôn ".repeat(100),
            href: Some("/api/v1/tasks/x".into()),
            resource_type: None,
            resource_id: None,
            urgent: false,
            dedupe_key: None,
            read_at: None,
            dispatched: false,
            created_at: Utc::now(),
        };
        let p = push_payload(&n).to_string();
        assert!(p.len() <= push::MAX_PLAINTEXT, "{} bytes", p.len());
        let back: serde_json::Value = serde_json::from_str(&p).unwrap();
        assert!(back["body"].as_str().unwrap().starts_with("Đề nghị"));
    }

    #[test]
    fn channels_default_to_both_and_follow_preferences() {
        assert_eq!(
            channels_for(None, "overdue"),
            vec![Channel::Email, Channel::Push]
        );
        let p = preference::Model {
            account_id: Uuid::nil(),
            email: None,
            quiet_hours: true,
            digest: false,
            channels: r#"{"completed": [], "overdue": ["push"]}"#.into(),
            calendar_secret_hash: None,
            version: 1,
            updated_at: Utc::now(),
        };
        assert_eq!(channels_for(Some(&p), "completed"), vec![]);
        assert_eq!(channels_for(Some(&p), "overdue"), vec![Channel::Push]);
        assert_eq!(
            channels_for(Some(&p), "assigned"),
            vec![Channel::Email, Channel::Push]
        );
    }
}
