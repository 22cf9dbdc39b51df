//! Webhooks: signed deliveries to a receiver on loopback, retries until it recovers, the
//! delivery log, disabling after failures, deliveries surviving a restart, and exactly one
//! delivery per event with two instances on one database.
use crate::helpers::{TestApp, assert_problem, spawn_app_with};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use khoi::config::Config;
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

#[derive(Clone, Debug)]
pub(crate) struct Received {
    id: String,
    timestamp: String,
    signature: String,
    pub(crate) event: String,
    body: String,
}

/// A receiver on loopback that records what it gets and fails the first `fail_first` requests.
#[derive(Clone)]
pub(crate) struct Receiver {
    pub(crate) url: String,
    got: Arc<Mutex<Vec<Received>>>,
    fail_first: Arc<AtomicUsize>,
}

impl Receiver {
    pub(crate) fn start(fail_first: usize) -> Receiver {
        Self::start_slow(fail_first, Duration::ZERO)
    }

    /// A receiver that takes `delay` to answer each request.
    pub(crate) fn start_slow(fail_first: usize, delay: Duration) -> Receiver {
        let got = Arc::new(Mutex::new(Vec::new()));
        let fail = Arc::new(AtomicUsize::new(fail_first));
        let (g, f) = (got.clone(), fail.clone());
        let url = serve(move |req: HttpRequest, body: web::Bytes| {
            let (g, f) = (g.clone(), f.clone());
            async move {
                tokio::time::sleep(delay).await;
                let h = |n: &str| {
                    req.headers()
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string()
                };
                g.lock().unwrap().push(Received {
                    id: h("webhook-id"),
                    timestamp: h("webhook-timestamp"),
                    signature: h("webhook-signature"),
                    event: h("khoi-event"),
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
                if f.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
                {
                    HttpResponse::InternalServerError().finish()
                } else {
                    HttpResponse::NoContent().finish()
                }
            }
        });
        Receiver {
            url,
            got,
            fail_first: fail,
        }
    }

    /// A receiver that holds every request until the test lets it through with `release`, so
    /// a test decides when a delivery slot frees instead of racing the machine's speed.
    pub(crate) fn start_gated() -> Gated {
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let arrived = Arc::new(AtomicUsize::new(0));
        let (g, a) = (gate.clone(), arrived.clone());
        let url = serve(move |_: HttpRequest, _: web::Bytes| {
            let (g, a) = (g.clone(), a.clone());
            async move {
                a.fetch_add(1, Ordering::SeqCst);
                g.acquire().await.unwrap().forget();
                HttpResponse::NoContent().finish()
            }
        });
        Gated { url, gate, arrived }
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests have come, or fails after `secs`.
    pub(crate) async fn wait_for(&self, n: usize, secs: u64) -> Vec<Received> {
        for _ in 0..secs * 20 {
            if self.received().len() >= n {
                return self.received();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("only {} of {n} requests came", self.received().len());
    }
}

/// Answers every request on a loopback port with `answer` (one worker); returns the hook's URL.
fn serve<F, Fut>(answer: F) -> String
where
    F: Fn(HttpRequest, web::Bytes) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = HttpResponse> + 'static,
{
    let server = HttpServer::new(move || App::new().default_service(web::to(answer.clone())))
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    format!("http://127.0.0.1:{port}/hooks/khoi")
}

/// A receiver whose requests wait at a gate (`Receiver::start_gated`).
pub(crate) struct Gated {
    pub(crate) url: String,
    gate: Arc<tokio::sync::Semaphore>,
    arrived: Arc<AtomicUsize>,
}

impl Gated {
    /// Requests that have come, answered or still held.
    pub(crate) fn arrived(&self) -> usize {
        self.arrived.load(Ordering::SeqCst)
    }

    /// Lets `n` held (or future) requests through.
    pub(crate) fn release(&self, n: usize) {
        self.gate.add_permits(n);
    }
}

pub(crate) fn fast(c: &mut Config) {
    c.webhooks.poll_interval = Duration::from_millis(20);
    c.webhooks.retry_base = Duration::from_millis(100);
    c.webhooks.timeout = Duration::from_secs(2);
}

/// What a receiver does: recompute the Standard Webhooks signature from the secret.
fn verify(secret: &str, r: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    r.signature
        .split(' ')
        .any(|s| s.as_bytes() == expected.as_bytes())
}

pub(crate) async fn create_hook(app: &TestApp, token: &str, url: &str, events: Value) -> Value {
    let res = app
        .post_json(
            "/api/v1/webhooks",
            &json!({"url": url, "events": events, "description": "Cổng dân vận tỉnh"}),
            Some(token),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

pub(crate) async fn create_task(app: &TestApp, token: &str, title: &str) -> String {
    let res = app
        .post_json("/api/v1/tasks", &json!({"title": title}), Some(token))
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

pub(crate) async fn deliveries(app: &TestApp, token: &str, hook: &str) -> Vec<Value> {
    let (status, page) = app
        .get_json(
            &format!("/api/v1/webhooks/{hook}/deliveries?limit=200"),
            token,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

pub(crate) async fn wait_until(mut ok: impl AsyncFnMut() -> bool, what: &str) {
    for _ in 0..200 {
        if ok().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn changes_reach_the_receiver_signed_and_logged() {
    let app = spawn_app_with(fast).await;
    let demo = app.seed_demo().await;
    let rx = Receiver::start(0);
    let hook = create_hook(&app, &demo.head, &rx.url, json!(["task.*"])).await;
    let secret = hook["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(hook["bloc_id"], demo.bloc_id);
    // The secret is shown once: never in a read.
    let id = hook["id"].as_str().unwrap();
    let (_, read) = app
        .get_json(&format!("/api/v1/webhooks/{id}"), &demo.head)
        .await;
    assert!(read.get("secret").is_none());

    let task = create_task(&app, &demo.head, "Tuyên truyền bầu cử đại biểu Quốc hội").await;
    // Not covered by `task.*`: never sent.
    let res = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "Thôn Bình Minh", "kind": "village"}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    let got = rx.wait_for(1, 10).await;
    let r = &got[0];
    assert!(verify(secret, r), "signature does not verify: {r:?}");
    let age = chrono::Utc::now().timestamp() - r.timestamp.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "timestamp {}", r.timestamp);
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["event"], "task.create");
    assert_eq!(r.event, "task.create");
    assert_eq!(body["id"], r.id.as_str());
    assert_eq!(body["change"]["resource_id"], task.as_str());
    assert_eq!(body["change"]["bloc_id"], demo.bloc_id);
    assert_eq!(body["change"]["href"], format!("/api/v1/tasks/{task}"));
    // The number the feed gave the change, which on PostgreSQL is given at the commit, after
    // the delivery was queued with a draft one.
    let (_, feed) = app
        .get_json("/api/v1/changes?resource_type=task&limit=1000", &demo.head)
        .await;
    let numbered = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["resource_id"] == task.as_str())
        .unwrap()["seq"]
        .clone();
    assert!(numbered.as_i64().unwrap() > 0);
    assert_eq!(body["change"]["seq"], numbered);
    // A tampered body does not verify.
    let mut forged = r.clone();
    forged.body = forged.body.replace("task.create", "task.update");
    assert!(!verify(secret, &forged));

    wait_until(
        async || deliveries(&app, &demo.head, id).await[0]["status"] == "delivered",
        "the log to say delivered",
    )
    .await;
    let log = deliveries(&app, &demo.head, id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["last_status_code"], 204);
    assert_eq!(log[0]["event"], "task.create");
    assert_eq!(log[0]["seq"], numbered);

    // A ping, and a rotated secret signs what follows.
    let res = app
        .post_json(
            &format!("/api/v1/webhooks/{id}/secret"),
            &json!({}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 200);
    let new_secret = res.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .post_json(
            &format!("/api/v1/webhooks/{id}/ping"),
            &json!({}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 202);
    let got = rx.wait_for(2, 10).await;
    assert_eq!(got[1].event, "ping");
    assert!(verify(&new_secret, &got[1]));
    assert!(!verify(secret, &got[1]));
    assert_eq!(rx.received().len(), 2, "the unit was not sent");
}

#[tokio::test]
async fn a_failing_receiver_is_retried_until_it_recovers_and_a_dead_one_is_disabled() {
    let app = spawn_app_with(|c| {
        fast(c);
        c.webhooks.max_attempts = 3;
        c.webhooks.disable_after = 3;
    })
    .await;
    let demo = app.seed_demo().await;
    let flaky = Receiver::start(2);
    let good = create_hook(&app, &demo.head, &flaky.url, json!(["task.create"])).await;
    // Nobody listens on port 9 here: every attempt fails at once.
    let dead = create_hook(
        &app,
        &demo.head,
        "http://127.0.0.1:9/hook",
        json!(["unit.create"]),
    )
    .await;
    let (good_id, dead_id) = (good["id"].as_str().unwrap(), dead["id"].as_str().unwrap());
    create_task(&app, &demo.head, "Kiểm tra việc thực hiện Chỉ thị 05").await;
    let res = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "Thôn Đồng Tâm", "kind": "village"}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 201);

    // Two failures, then the third attempt gets through, with the same webhook-id each time.
    let got = flaky.wait_for(3, 20).await;
    assert!(got.iter().all(|r| r.id == got[0].id));
    assert!(
        got.iter()
            .all(|r| verify(good["secret"].as_str().unwrap(), r))
    );
    wait_until(
        async || deliveries(&app, &demo.head, good_id).await[0]["status"] == "delivered",
        "the delivery to the flaky receiver",
    )
    .await;
    let log = deliveries(&app, &demo.head, good_id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(
        (
            log[0]["attempts"].clone(),
            log[0]["last_status_code"].clone()
        ),
        (json!(3), json!(204))
    );
    assert_eq!(flaky.received().len(), 3);
    assert_eq!(flaky.fail_first.load(Ordering::SeqCst), 0);
    let (_, hook) = app
        .get_json(&format!("/api/v1/webhooks/{good_id}"), &demo.head)
        .await;
    assert_eq!(
        (hook["active"].clone(), hook["consecutive_failures"].clone()),
        (json!(true), json!(0))
    );

    // The dead receiver: each delivery given up after 3 attempts, the hook off after 4 failures.
    wait_until(
        async || {
            app.get_json(&format!("/api/v1/webhooks/{dead_id}"), &demo.head)
                .await
                .1["active"]
                == false
        },
        "the dead hook to be disabled",
    )
    .await;
    let (_, hook) = app
        .get_json(&format!("/api/v1/webhooks/{dead_id}"), &demo.head)
        .await;
    assert!(hook["disabled_reason"].as_str().unwrap().contains("failed"));
    assert_eq!(hook["consecutive_failures"], 3);
    let log = deliveries(&app, &demo.head, dead_id).await;
    assert!(
        log.iter()
            .any(|d| d["status"] == "failed" && d["attempts"] == 3),
        "{log:?}"
    );
    assert!(log.iter().all(|d| d["last_status_code"].is_null()));
    assert!(
        log[0]["last_error"]
            .as_str()
            .unwrap()
            .starts_with("unreachable")
    );

    // Enabled again, its failure count starts over.
    let res = app
        .patch_json(
            &format!("/api/v1/webhooks/{dead_id}"),
            &json!({"active": true}),
            &demo.head,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["active"].clone(), body["consecutive_failures"].clone()),
        (json!(true), json!(0))
    );
    assert!(body["disabled_reason"].is_null());
}

#[tokio::test]
async fn who_may_register_hooks_and_what_urls_are_refused() {
    let app = spawn_app_with(fast).await;
    let demo = app.seed_demo().await;
    let rx = Receiver::start(0);
    for token in [&demo.deputy, &demo.staff] {
        let res = app
            .post_json("/api/v1/webhooks", &json!({"url": rx.url}), Some(token))
            .await;
        assert_problem(res, 403).await;
        let (status, _) = app.get_json("/api/v1/webhooks", token).await;
        assert_eq!(status, 403);
    }
    let own = format!("{}/api/v1/tasks", app.address);
    let localhost = own.replace("127.0.0.1", "localhost");
    for (url, events, field) in [
        (
            json!("ftp://danvan.quangninh.gov.vn/hook"),
            json!(["*"]),
            "url",
        ),
        (json!("javascript:alert(1)"), json!(["*"]), "url"),
        (json!("đây không phải URL"), json!(["*"]), "url"),
        (json!(own), json!(["*"]), "url"),
        (json!(localhost), json!(["*"]), "url"),
        (
            json!("https://user:mk@danvan.quangninh.gov.vn/hook"),
            json!(["*"]),
            "url",
        ),
        (json!(rx.url), json!(["nhiem_vu.*"]), "events[0]"),
        (json!(rx.url), json!(["task.delete"]), "events[0]"),
        (json!(rx.url), json!(["task.*", "task.*"]), "events[1]"),
        (json!(rx.url), json!([]), "events"),
    ] {
        let res = app
            .post_json(
                "/api/v1/webhooks",
                &json!({"url": url, "events": events}),
                Some(&demo.head),
            )
            .await;
        let p = assert_problem(res, 422).await;
        assert_eq!(p["errors"][0]["field"], field, "{url} {events}: {p}");
    }
    let (_, list) = app.get_json("/api/v1/webhooks", &demo.head).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "nothing half-written"
    );

    // Another bloc's hook does not exist for this bloc; the admin sees both.
    let hook = create_hook(&app, &demo.head, &rx.url, json!(["*"])).await;
    let (_, other) = app
        .other_bloc(
            &demo.admin,
            "Khối xã Đại Bình",
            "Quảng Ninh",
            "dai.binh.head",
        )
        .await;
    let id = hook["id"].as_str().unwrap();
    for path in [
        format!("/api/v1/webhooks/{id}"),
        format!("/api/v1/webhooks/{id}/deliveries"),
    ] {
        let (status, _) = app.get_json(&path, &other).await;
        assert_eq!(status, 404, "{path}");
    }
    let res = app
        .patch_json(
            &format!("/api/v1/webhooks/{id}"),
            &json!({"active": false}),
            &other,
            None,
        )
        .await;
    assert_problem(res, 404).await;
    let (_, list) = app.get_json("/api/v1/webhooks", &other).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let admin_hook = create_hook(&app, &demo.admin, &rx.url, json!(["bloc.*"])).await;
    assert!(admin_hook["bloc_id"].is_null());
    let (_, list) = app.get_json("/api/v1/webhooks", &demo.admin).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    // Stale If-Match.
    let res = app
        .patch_json(
            &format!("/api/v1/webhooks/{id}"),
            &json!({"description": "Mới"}),
            &demo.head,
            Some("\"7\""),
        )
        .await;
    assert_problem(res, 412).await;
}

#[tokio::test]
async fn pending_deliveries_survive_a_restart() {
    // The first instance queues but does not deliver, as if it stopped before it could.
    let first = spawn_app_with(|c| {
        fast(c);
        c.webhooks.deliver = false;
    })
    .await;
    let demo = first.seed_demo().await;
    let rx = Receiver::start(0);
    let hook = create_hook(&first, &demo.head, &rx.url, json!(["task.create"])).await;
    let id = hook["id"].as_str().unwrap();
    let mut tasks = Vec::new();
    for i in 0..5 {
        tasks.push(
            create_task(
                &first,
                &demo.head,
                &format!("Nhiệm vụ trước khi khởi động lại {i}"),
            )
            .await,
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rx.received().is_empty());
    let log = deliveries(&first, &demo.head, id).await;
    assert_eq!(log.len(), 5);
    assert!(
        log.iter()
            .all(|d| d["status"] == "pending" && d["attempts"] == 0)
    );

    // The restarted service finds them in the database and delivers each.
    let second = first.another_instance(|c| c.webhooks.deliver = true).await;
    let got = rx.wait_for(5, 20).await;
    let mut seen: Vec<String> = got
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.body).unwrap()["change"]["resource_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    seen.sort();
    tasks.sort();
    assert_eq!(seen, tasks);
    wait_until(
        async || {
            deliveries(&second, &demo.head, id)
                .await
                .iter()
                .all(|d| d["status"] == "delivered")
        },
        "every delivery logged as delivered",
    )
    .await;
}

#[tokio::test]
async fn two_instances_deliver_each_event_exactly_once() {
    let first = spawn_app_with(fast).await;
    let second = first.another_instance(fast).await;
    let demo = first.seed_demo().await;
    let rx = Receiver::start(0);
    let hook = create_hook(&first, &demo.head, &rx.url, json!(["task.create"])).await;
    let n = 40;
    let mut writers = Vec::new();
    for (w, app) in [&first, &second].into_iter().enumerate() {
        let mut ids = Vec::new();
        for i in 0..n / 2 {
            ids.push(
                create_task(
                    app,
                    &demo.head,
                    &format!("Nhiệm vụ {w}-{i} của hai máy chủ"),
                )
                .await,
            );
        }
        writers.push(ids);
    }
    rx.wait_for(n, 30).await;
    // Every delivery settled (nothing pending or leased can be attempted again): only then is
    // the count final, however late a duplicate would have come.
    let id = hook["id"].as_str().unwrap();
    wait_until(
        async || {
            let log = deliveries(&second, &demo.head, id).await;
            log.len() == n && log.iter().all(|d| d["status"] == "delivered")
        },
        "every delivery settled",
    )
    .await;
    let got = rx.received();
    assert_eq!(got.len(), n, "a delivery was made twice");
    let mut per_id: HashMap<String, usize> = HashMap::new();
    for r in &got {
        *per_id.entry(r.id.clone()).or_default() += 1;
    }
    assert_eq!(per_id.len(), n);
    assert!(per_id.values().all(|&c| c == 1));
    let log = deliveries(&second, &demo.head, id).await;
    assert_eq!(log.len(), n);
    assert!(log.iter().all(|d| d["attempts"] == 1));
}

#[tokio::test]
async fn a_slow_receiver_does_not_hold_up_another_hooks_deliveries() {
    let app = spawn_app_with(|c| {
        fast(c);
        c.webhooks.timeout = Duration::from_secs(30);
    })
    .await;
    let demo = app.seed_demo().await;
    let slow = Receiver::start_slow(0, Duration::from_secs(5));
    let quick = Receiver::start(0);
    create_hook(&app, &demo.head, &slow.url, json!(["task.create"])).await;
    create_hook(&app, &demo.head, &quick.url, json!(["task.create"])).await;
    for i in 0..5 {
        create_task(&app, &demo.head, &format!("Nhiệm vụ gửi song song {i}")).await;
    }
    // The quick receiver gets all five while the slow one is still answering its first (it
    // records a request only once it has answered, after 5 s): an order, not a stopwatch.
    quick.wait_for(5, 30).await;
    assert_eq!(
        slow.received().len(),
        0,
        "the quick hook waited for the slow one"
    );
}

/// The real binary, killed with SIGKILL while deliveries wait, then started again: every queued
/// delivery goes out once.
#[tokio::test]
async fn queued_deliveries_survive_sigkill_of_the_process() {
    let (_data_dir, envs, _guard) = crate::faults::binary_database(
        &[
            ("KHOI_WEBHOOK_POLL_MS", "50"),
            // The receiver listens on loopback over plain http.
            ("KHOI_WEBHOOK_ALLOW_HTTP", "true"),
            ("KHOI_WEBHOOK_ALLOW_NETS", "127.0.0.0/8"),
        ],
        true,
    )
    .await;
    let mut off = envs.clone();
    off.push(("KHOI_WEBHOOK_DELIVERY", "off".to_string()));
    let (server, base) = crate::faults::start(&off);
    let client = reqwest::Client::new();
    let token =
        &crate::faults::sign_in(&client, &base, "demo.head", crate::helpers::DEMO_PASSWORD).await;
    let rx = Receiver::start(0);
    let res = client
        .post(format!("{base}/api/v1/webhooks"))
        .bearer_auth(token)
        .json(&json!({"url": rx.url, "events": ["task.create"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let hook_id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut tasks = Vec::new();
    for i in 0..10 {
        let res = client
            .post(format!("{base}/api/v1/tasks"))
            .bearer_auth(token)
            .json(&json!({"title": format!("Nhiệm vụ trước khi máy chủ bị dừng {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        tasks.push(
            res.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    drop(server); // SIGKILL
    assert!(rx.received().is_empty());
    let (_server, base) = crate::faults::start(&envs);
    rx.wait_for(10, 30).await;
    // The count is final once every delivery is settled (none pending, none leased).
    let log_url = format!("{base}/api/v1/webhooks/{hook_id}/deliveries?limit=200");
    let token =
        crate::faults::sign_in(&client, &base, "demo.head", crate::helpers::DEMO_PASSWORD).await;
    wait_until(
        async || {
            let log: Value = client
                .get(&log_url)
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let items = log["items"].as_array().cloned().unwrap_or_default();
            items.len() == 10 && items.iter().all(|d| d["status"] == "delivered")
        },
        "every delivery settled",
    )
    .await;
    let got = rx.received();
    assert_eq!(got.len(), 10, "a delivery went out twice");
    let mut seen: Vec<String> = got
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.body).unwrap()["change"]["resource_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    seen.sort();
    tasks.sort();
    assert_eq!(seen, tasks);
}
