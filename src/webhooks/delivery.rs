//! Webhook deliveries: queued in the same transaction as the change they report, then sent in
//! the background by whichever instance claims them first.
//!
//! Each due delivery is claimed with a conditional update (`claimed_until` empty or past), so
//! one instance makes each attempt; a claim is a lease, so a delivery whose instance died is
//! taken up again once the lease ends. At most one delivery per hook is in flight, which keeps a
//! slow or failing receiver from holding more than its own slot.
use super::dto::{DeliveryStatus, EventPayload};
use crate::{
    changes::dto::ChangeDto,
    config::WebhookConfig,
    entities::{change, webhook, webhook_delivery as delivery},
    state::AppState,
};
use actix_web::web;
use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};
use sha2::Sha256;
use std::{
    collections::HashSet,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::Semaphore;
use uuid::Uuid;

/// Deliveries by status, for `/metrics`; every status is listed, zero included.
pub async fn counts(db: &sea_orm::DatabaseConnection) -> Result<Vec<(&'static str, i64)>, DbErr> {
    let rows: Vec<(String, i64)> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Status)
        .column_as(
            sea_orm::sea_query::SimpleExpr::from(sea_orm::sea_query::Func::count(Expr::col(
                delivery::Column::Id,
            ))),
            "n",
        )
        .group_by(delivery::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok([
        DeliveryStatus::Pending,
        DeliveryStatus::Delivered,
        DeliveryStatus::Failed,
    ]
    .into_iter()
    .map(|s| {
        let n = rows
            .iter()
            .find(|(r, _)| r == s.as_str())
            .map_or(0, |r| r.1);
        (s.as_str(), n)
    })
    .collect())
}

/// Does `pattern` (`*`, `task.*`, `task.update`) cover `event` (`task.update`)?
pub fn matches(pattern: &str, event: &str) -> bool {
    pattern == "*"
        || pattern == event
        || pattern
            .strip_suffix(".*")
            .is_some_and(|p| event.strip_prefix(p).is_some_and(|r| r.starts_with('.')))
}

pub fn event_name(c: &change::Model) -> String {
    format!("{}.{}", c.resource_type, c.operation)
}

fn patterns(h: &webhook::Model) -> Vec<String> {
    serde_json::from_str(&h.events).unwrap_or_default()
}

pub fn new_delivery(
    hook: Uuid,
    event: String,
    change: Option<ChangeDto>,
    now: DateTime<Utc>,
) -> delivery::ActiveModel {
    let id = Uuid::now_v7();
    let seq = change.as_ref().map(|c| c.seq);
    let payload = EventPayload {
        id,
        event: event.clone(),
        webhook_id: hook,
        change,
    };
    delivery::ActiveModel {
        id: Set(id),
        webhook_id: Set(hook),
        seq: Set(seq),
        event: Set(event),
        payload: Set(serde_json::to_string(&payload).unwrap_or_default()),
        status: Set(DeliveryStatus::Pending.as_str().into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_by: Set(None),
        claimed_until: Set(None),
        last_status_code: Set(None),
        last_error: Set(None),
        last_duration_ms: Set(None),
        last_attempt_at: Set(None),
        delivered_at: Set(None),
        created_at: Set(now),
    }
}

/// Queues the change for every active hook that covers its bloc and event, in the caller's
/// transaction: committed with the change or not at all.
pub async fn enqueue(conn: &impl ConnectionTrait, c: &change::Model) -> Result<(), DbErr> {
    let mut bloc = sea_orm::Condition::any().add(webhook::Column::BlocId.is_null());
    if let Some(b) = c.bloc_id {
        bloc = bloc.add(webhook::Column::BlocId.eq(b));
    }
    let hooks = webhook::Entity::find()
        .filter(webhook::Column::Active.eq(true))
        .filter(bloc)
        .all(conn)
        .await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let event = event_name(c);
    // A hook may name the move (`task.decline`) as well as the operation (`task.update`).
    let moved = c
        .action
        .as_deref()
        .map(|a| format!("{}.{a}", c.resource_type));
    let wanted: Vec<&webhook::Model> = hooks
        .iter()
        .filter(|h| {
            patterns(h)
                .iter()
                .any(|p| matches(p, &event) || moved.as_deref().is_some_and(|m| matches(p, m)))
        })
        .collect();
    if !wanted.is_empty() {
        let href = crate::changes::href::resolve(conn, &[(&c.resource_type, c.resource_id)])
            .await?
            .remove(&c.resource_id);
        let rows = wanted.iter().map(|h| {
            new_delivery(
                h.id,
                event.clone(),
                Some(crate::changes::dto::to_dto(c, href.clone())),
                c.changed_at,
            )
        });
        delivery::Entity::insert_many(rows).exec(conn).await?;
    }
    Ok(())
}

/// The Standard Webhooks signature: `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")),
/// where the key is the base64 after `whsec_`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|k| STANDARD.decode(k).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec());
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The delay before retry number `attempts` (1 after the first failure): base × 2^(n−1), at most
/// an hour.
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    let factor = 2u32.saturating_pow(Ord::min(attempts.saturating_sub(1), 20));
    base.saturating_mul(factor).min(Duration::from_secs(3600))
}

/// Runs the delivery loop of this instance until the process ends.
pub async fn run(state: web::Data<AppState>) {
    let cfg = state.config.webhooks.clone();
    let instance = format!("{}", Uuid::now_v7().simple());
    let http = match reqwest::Client::builder()
        .timeout(cfg.timeout)
        .redirect(reqwest::redirect::Policy::none())
        // Names resolve through the egress policy; no proxy from the environment stands between.
        .dns_resolver(Arc::new(super::egress::Guarded(state.egress.clone())))
        .no_proxy()
        .user_agent(concat!("khoi-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook delivery is off: no HTTP client");
            return;
        }
    };
    let slots = Arc::new(Semaphore::new(cfg.concurrency));
    // A finished attempt wakes the loop at once, so a hook's next delivery does not wait for
    // the next poll.
    let finished = Arc::new(tokio::sync::Notify::new());
    let in_flight = Arc::new(std::sync::Mutex::new(HashSet::<Uuid>::new()));
    // The bloc served last: the next round starts with the bloc after it.
    let mut last: Option<Option<Uuid>> = None;
    loop {
        let free = slots.available_permits();
        if free > 0 {
            let busy: HashSet<Uuid> = in_flight.lock().map(|s| s.clone()).unwrap_or_default();
            match claim(&state.db, &cfg, &instance, free, &busy, last).await {
                Ok(claimed) => {
                    for (d, bloc) in claimed {
                        let Ok(permit) = slots.clone().try_acquire_owned() else {
                            break;
                        };
                        last = Some(bloc);
                        if let Ok(mut s) = in_flight.lock() {
                            s.insert(d.webhook_id);
                        }
                        let (state, http, cfg, in_flight, finished) = (
                            state.clone(),
                            http.clone(),
                            cfg.clone(),
                            in_flight.clone(),
                            finished.clone(),
                        );
                        tokio::spawn(async move {
                            let hook = d.webhook_id;
                            if let Err(e) = attempt(&state, &http, &cfg, d).await {
                                tracing::warn!(error = %e, "webhook attempt not recorded");
                            }
                            if let Ok(mut s) = in_flight.lock() {
                                s.remove(&hook);
                            }
                            drop(permit);
                            finished.notify_one();
                        });
                    }
                }
                Err(e) => tracing::warn!(error = %e, "webhook deliveries not claimed"),
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(cfg.poll_interval) => {}
            _ = finished.notified() => {}
        }
    }
}

fn lease(cfg: &WebhookConfig) -> chrono::Duration {
    chrono::Duration::from_std(cfg.timeout + Duration::from_secs(30))
        .unwrap_or(chrono::Duration::seconds(60))
}

/// Claims up to `n` due deliveries, each with its hook's bloc: the oldest of each hook that has
/// none in flight, taken from the blocs in turn starting after `last` (the bloc served last), so
/// a bloc with a long backlog gets one slot in each round like any other.
async fn claim(
    db: &DatabaseConnection,
    cfg: &WebhookConfig,
    instance: &str,
    n: usize,
    busy_here: &HashSet<Uuid>,
    last: Option<Option<Uuid>>,
) -> Result<Vec<(delivery::Model, Option<Uuid>)>, DbErr> {
    let now = Utc::now();
    let pending = DeliveryStatus::Pending.as_str();
    // Hooks with an attempt under way anywhere (a live lease).
    let mut busy: HashSet<Uuid> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::WebhookId)
        .filter(delivery::Column::Status.eq(pending))
        .filter(delivery::Column::ClaimedUntil.gt(now))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    busy.extend(busy_here.iter().copied());
    let unclaimed = || {
        sea_orm::Condition::any()
            .add(delivery::Column::ClaimedUntil.is_null())
            .add(delivery::Column::ClaimedUntil.lte(now))
    };
    // Hooks with something due, each with its oldest due delivery.
    let due: Vec<(Uuid, DateTime<Utc>)> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::WebhookId)
        .column_as(Expr::col(delivery::Column::NextAttemptAt).min(), "oldest")
        .filter(delivery::Column::Status.eq(pending))
        .filter(delivery::Column::NextAttemptAt.lte(now))
        .filter(unclaimed())
        .group_by(delivery::Column::WebhookId)
        .into_tuple()
        .all(db)
        .await?;
    let due: Vec<(Uuid, DateTime<Utc>)> =
        due.into_iter().filter(|(h, _)| !busy.contains(h)).collect();
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let blocs: std::collections::HashMap<Uuid, Option<Uuid>> = webhook::Entity::find()
        .select_only()
        .column(webhook::Column::Id)
        .column(webhook::Column::BlocId)
        .filter(webhook::Column::Active.eq(true))
        .filter(webhook::Column::Id.is_in(due.iter().map(|(h, _)| *h)))
        .into_tuple::<(Uuid, Option<Uuid>)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut hooks: Vec<(Uuid, Option<Uuid>, DateTime<Utc>)> = due
        .into_iter()
        .filter_map(|(h, oldest)| blocs.get(&h).map(|b| (h, *b, oldest)))
        .collect();
    // Within a bloc, the hook that has waited longest goes first.
    hooks.sort_by_key(|(h, _, oldest)| (*oldest, *h));
    let order = fair_order(hooks.into_iter().map(|(h, b, _)| (h, b)).collect(), last);
    let until = now + lease(cfg);
    let mut claimed = Vec::new();
    for (hook, bloc) in order {
        if claimed.len() >= n {
            break;
        }
        let Some(d) = delivery::Entity::find()
            .filter(delivery::Column::WebhookId.eq(hook))
            .filter(delivery::Column::Status.eq(pending))
            .filter(delivery::Column::NextAttemptAt.lte(now))
            .filter(unclaimed())
            .order_by_asc(delivery::Column::NextAttemptAt)
            .order_by_asc(delivery::Column::Id)
            .one(db)
            .await?
        else {
            continue;
        };
        let won = delivery::Entity::update_many()
            .col_expr(delivery::Column::ClaimedBy, Expr::value(instance))
            .col_expr(delivery::Column::ClaimedUntil, Expr::value(until))
            .filter(delivery::Column::Id.eq(d.id))
            .filter(delivery::Column::Status.eq(pending))
            .filter(unclaimed())
            .exec(db)
            .await?
            .rows_affected
            == 1;
        if won {
            claimed.push((d, bloc));
        }
    }
    Ok(claimed)
}

/// Hooks in turn by bloc: the first hook of each bloc, then the second of each, and so on. The
/// blocs go in a fixed order (by id, the admin's hooks first), starting with the first bloc after
/// `last`, so the bloc served last goes to the back whatever order the rows came in.
fn fair_order(
    hooks: Vec<(Uuid, Option<Uuid>)>,
    last: Option<Option<Uuid>>,
) -> Vec<(Uuid, Option<Uuid>)> {
    let mut blocs: Vec<(Option<Uuid>, Vec<Uuid>)> = Vec::new();
    for (hook, bloc) in hooks {
        match blocs.iter_mut().find(|(b, _)| *b == bloc) {
            Some((_, hs)) => hs.push(hook),
            None => blocs.push((bloc, vec![hook])),
        }
    }
    blocs.sort_by_key(|(b, _)| *b);
    if let Some(last) = last {
        let k = blocs.iter().position(|(b, _)| *b > last).unwrap_or(0);
        blocs.rotate_left(k);
    }
    let longest = blocs.iter().map(|(_, hs)| hs.len()).max().unwrap_or(0);
    (0..longest)
        .flat_map(|i| {
            blocs
                .iter()
                .filter_map(move |(b, hs)| hs.get(i).map(|h| (*h, *b)))
        })
        .collect()
}

/// One attempt: send, then record the outcome and schedule a retry or give up.
async fn attempt(
    state: &AppState,
    http: &reqwest::Client,
    cfg: &WebhookConfig,
    d: delivery::Model,
) -> Result<(), DbErr> {
    let db = &state.db;
    let Some(hook) = webhook::Entity::find_by_id(d.webhook_id).one(db).await? else {
        return Ok(());
    };
    if !hook.active {
        // Disabled since it was claimed: hold it until the hook is enabled again.
        delivery::Entity::update_many()
            .col_expr(
                delivery::Column::ClaimedUntil,
                Expr::value(None::<DateTime<Utc>>),
            )
            .filter(delivery::Column::Id.eq(d.id))
            .exec(db)
            .await?;
        return Ok(());
    }
    let started = Instant::now();
    let timestamp = Utc::now().timestamp();
    let id = d.id.to_string();
    let signature = sign(&hook.secret, &id, timestamp, d.payload.as_bytes());
    let allowed = reqwest::Url::parse(&hook.url)
        .map_err(|_| super::egress::Refused("is not a URL".into()))
        .and_then(|u| state.egress.check_literal(&u));
    let result = match allowed {
        Err(refused) => Err(Failure::Refused(refused)),
        Ok(()) => http
            .post(&hook.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .header("khoi-event", &d.event)
            .body(d.payload.clone())
            .send()
            .await
            .map_err(Failure::Request),
    };
    let elapsed = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
    // Only an HTTP answer has a status and a duration worth showing: for anything short of one
    // the log says the same thing, so it cannot tell a closed port from an open one.
    let (code, error, duration) = match result {
        Ok(r) if r.status().is_success() => (Some(r.status().as_u16() as i32), None, Some(elapsed)),
        Ok(r) => (
            Some(r.status().as_u16() as i32),
            Some(format!("the receiver answered {}", r.status())),
            Some(elapsed),
        ),
        Err(f) => (None, Some(f.describe()), None),
    };
    let now = Utc::now();
    let attempts = d.attempts + 1;
    // The outcome, the hook's failure count and its disabling land together.
    let txn = crate::db::begin_write(db).await?;
    let mut am: delivery::ActiveModel = d.into();
    am.attempts = Set(attempts);
    am.claimed_by = Set(None);
    am.claimed_until = Set(None);
    am.last_status_code = Set(code);
    am.last_duration_ms = Set(duration);
    am.last_attempt_at = Set(Some(now));
    am.last_error = Set(error.clone().map(|e| e.chars().take(500).collect()));
    match error {
        None => {
            am.status = Set(DeliveryStatus::Delivered.as_str().into());
            am.delivered_at = Set(Some(now));
            am.update(&txn).await?;
            webhook::Entity::update_many()
                .col_expr(webhook::Column::ConsecutiveFailures, Expr::value(0))
                .filter(webhook::Column::Id.eq(hook.id))
                .filter(webhook::Column::ConsecutiveFailures.ne(0))
                .exec(&txn)
                .await?;
        }
        Some(_) => {
            if attempts as u32 >= cfg.max_attempts {
                am.status = Set(DeliveryStatus::Failed.as_str().into());
            } else {
                let wait = chrono::Duration::from_std(backoff(cfg.retry_base, attempts as u32))
                    .unwrap_or(chrono::Duration::hours(1));
                am.next_attempt_at = Set(now + wait);
            }
            am.update(&txn).await?;
            webhook::Entity::update_many()
                .col_expr(
                    webhook::Column::ConsecutiveFailures,
                    Expr::col(webhook::Column::ConsecutiveFailures).add(1),
                )
                .filter(webhook::Column::Id.eq(hook.id))
                .exec(&txn)
                .await?;
            let disabled = webhook::Entity::update_many()
                .col_expr(webhook::Column::Active, Expr::value(false))
                .col_expr(
                    webhook::Column::DisabledReason,
                    Expr::value(format!(
                        "disabled after {} consecutive failed deliveries",
                        cfg.disable_after
                    )),
                )
                .col_expr(
                    webhook::Column::Version,
                    Expr::col(webhook::Column::Version).add(1),
                )
                .col_expr(webhook::Column::UpdatedAt, Expr::value(now))
                .filter(webhook::Column::Id.eq(hook.id))
                .filter(webhook::Column::Active.eq(true))
                .filter(webhook::Column::ConsecutiveFailures.gte(cfg.disable_after as i32))
                .exec(&txn)
                .await?;
            if disabled.rows_affected > 0 {
                tracing::warn!(webhook = %hook.id, "webhook disabled after repeated failures");
            }
        }
    }
    txn.commit().await
}

/// Why an attempt got no HTTP answer.
enum Failure {
    Refused(super::egress::Refused),
    Request(reqwest::Error),
}

impl Failure {
    /// The failure's class, never the transport's own words: `blocked` by the egress policy, or
    /// `unreachable` for everything else short of an HTTP answer (name, connection, TLS, timeout,
    /// a reply that is not HTTP).
    fn describe(&self) -> String {
        let refused = match self {
            Failure::Refused(r) => Some(r),
            Failure::Request(e) => super::egress::refused_in(e),
        };
        match refused {
            Some(r) => format!("blocked: the receiver's URL {r}"),
            None => "unreachable: no HTTP answer from the receiver".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_cover_events() {
        assert!(matches("*", "task.update"));
        assert!(matches("task.*", "task.update"));
        assert!(matches("task.update", "task.update"));
        assert!(!matches("task.create", "task.update"));
        assert!(!matches("task.*", "task_report.create"));
        assert!(!matches("task", "task.create"));
    }

    #[test]
    fn blocs_take_turns_after_the_one_served_last() {
        // Ids made in order, so a < b; the admin's hooks (no bloc) sort first.
        let (a, b, c) = (Some(Uuid::now_v7()), Some(Uuid::now_v7()), None);
        let h: Vec<Uuid> = (0..6).map(|_| Uuid::now_v7()).collect();
        let hooks = vec![
            (h[0], a),
            (h[1], a),
            (h[2], a),
            (h[3], b),
            (h[4], c),
            (h[5], b),
        ];
        let ids = |o: Vec<(Uuid, Option<Uuid>)>| o.into_iter().map(|(h, _)| h).collect::<Vec<_>>();
        assert_eq!(
            ids(fair_order(hooks.clone(), None)),
            vec![h[4], h[0], h[3], h[1], h[5], h[2]]
        );
        assert_eq!(
            ids(fair_order(hooks.clone(), Some(a))),
            vec![h[3], h[4], h[0], h[5], h[1], h[2]]
        );
        // After the last bloc, the first again; the order the rows came in does not matter.
        let mut reversed = hooks.clone();
        reversed.reverse();
        assert_eq!(ids(fair_order(reversed, Some(b)))[0], h[4]);
        // A bloc served last that has nothing due any more still sends the next one first.
        let only_a_and_c: Vec<_> = hooks.into_iter().filter(|(_, x)| *x != b).collect();
        assert_eq!(ids(fair_order(only_a_and_c, Some(b)))[0], h[4]);
        assert_eq!(fair_order(Vec::new(), Some(a)), Vec::new());
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let b = Duration::from_secs(10);
        assert_eq!(backoff(b, 1), Duration::from_secs(10));
        assert_eq!(backoff(b, 2), Duration::from_secs(20));
        assert_eq!(backoff(b, 4), Duration::from_secs(80));
        assert_eq!(backoff(b, 30), Duration::from_secs(3600));
    }

    /// The example of the Standard Webhooks specification.
    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                body
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
