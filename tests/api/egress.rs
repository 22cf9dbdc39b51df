//! The webhook egress policy (issue 12, findings 6 and 7): receivers must be public unless the
//! operator allows a range, names are checked where they are resolved at connect time, the log
//! does not tell an open port from a closed one, hooks per bloc are capped, and blocs take turns.
use crate::helpers::{TestApp, assert_problem, spawn_app_with};
use crate::webhooks::{Receiver, create_hook, create_task, deliveries, fast, wait_until};
use serde_json::{Value, json};
use std::{net::IpAddr, time::Duration};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

async fn register(app: &TestApp, token: &str, url: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/webhooks",
        &json!({"url": url, "events": ["task.*"]}),
        Some(token),
    )
    .await
}

/// Every internal address a bloc head tried, and more spellings of them, is refused at
/// registration; so is a name that resolves to one. Deliveries are off here, so the public
/// addresses accepted at the end are never contacted.
#[tokio::test]
async fn internal_addresses_are_refused_at_registration() {
    let app = spawn_app_with(|c| {
        c.webhooks.deliver = false;
        c.webhooks.allow_nets = vec![];
        c.webhooks.allow_http = true;
    })
    .await;
    let demo = app.seed_demo().await;
    let pins = [
        ("loopback.example", "127.0.0.1"),
        ("metadata.example", "169.254.169.254"),
        ("inside.example", "10.1.2.3"),
        ("v6inside.example", "fd00::1"),
    ];
    for (name, addr) in pins {
        app.state.egress.resolver.pin(name, vec![ip(addr)]);
    }
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://10.0.0.1:6379/",
        "http://192.168.1.1/",
        "http://127.0.0.1:5432/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::1]:8080/",
        "http://LOCALHOST./",
        "http://foo.localhost/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://0.0.0.0/",
        "http://100.64.1.1/",
        "http://172.16.0.1/",
        "http://[fe80::1]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://224.0.0.251/",
        "https://loopback.example/hook",
        "https://LOOPBACK.example./hook",
        "https://metadata.example/",
        "https://inside.example/",
        "https://v6inside.example/",
        "https://does-not-resolve.invalid/",
    ] {
        let res = register(&app, &demo.head, url).await;
        let body = assert_problem(res, 422).await;
        assert_eq!(body["errors"][0]["field"], "url", "{url}: {body}");
    }
    // Public addresses pass.
    app.state
        .egress
        .resolver
        .pin("danvan.example", vec![ip("203.113.0.10")]);
    for url in ["https://danvan.example/hooks", "https://1.1.1.1/hooks"] {
        assert_eq!(register(&app, &demo.head, url).await.status(), 201, "{url}");
    }

    // Plain http only when the operator allows it.
    let strict = spawn_app_with(|c| {
        c.webhooks.deliver = false;
        c.webhooks.allow_http = false;
    })
    .await;
    let demo = strict.seed_demo().await;
    let body = assert_problem(register(&strict, &demo.head, "http://1.1.1.1/").await, 422).await;
    assert!(body["detail"].as_str().unwrap().contains("https"), "{body}");
}

/// A name accepted at registration that later resolves inside the network is refused when the
/// delivery connects: nothing reaches the receiver, and the log says it was blocked. With the
/// range allowed by the operator, the same name delivers.
#[tokio::test]
async fn a_name_that_turns_inward_is_refused_at_connect_time() {
    let receiver = Receiver::start(0);
    let port = receiver
        .url
        .rsplit(':')
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let url = format!("http://hooks.example:{port}/hooks/khoi");

    let app = spawn_app_with(|c| {
        fast(c);
        c.webhooks.allow_nets = vec![];
    })
    .await;
    let demo = app.seed_demo().await;
    // Public when registered (never contacted: it changes before anything is delivered).
    app.state
        .egress
        .resolver
        .pin("hooks.example", vec![ip("203.113.0.10")]);
    let hook = create_hook(&app, &demo.head, &url, json!(["task.*"])).await;
    let id = hook["id"].as_str().unwrap();
    app.state
        .egress
        .resolver
        .pin("hooks.example", vec![ip("127.0.0.1")]);
    create_task(&app, &demo.head, "Nhiệm vụ gửi vào trong").await;
    wait_until(
        async || {
            deliveries(&app, &demo.head, id)
                .await
                .first()
                .is_some_and(|d| d["attempts"].as_i64() >= Some(1))
        },
        "the first attempt",
    )
    .await;
    let log = deliveries(&app, &demo.head, id).await;
    let error = log[0]["last_error"].as_str().unwrap();
    assert!(error.starts_with("blocked"), "{error}");
    assert!(log[0]["last_status_code"].is_null());
    assert!(receiver.received().is_empty());

    // The operator allows loopback: the same name now delivers.
    let allowed = spawn_app_with(fast).await;
    let demo = allowed.seed_demo().await;
    allowed
        .state
        .egress
        .resolver
        .pin("hooks.example", vec![ip("127.0.0.1")]);
    create_hook(&allowed, &demo.head, &url, json!(["task.*"])).await;
    create_task(&allowed, &demo.head, "Nhiệm vụ gửi được").await;
    let got = receiver.wait_for(1, 10).await;
    assert_eq!(got[0].event, "task.create");
}

/// A closed port and an open one that does not speak HTTP leave the same line in the log, with
/// no duration to time them by.
#[tokio::test]
async fn the_log_does_not_tell_an_open_port_from_a_closed_one() {
    let open = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let open_port = open.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut s, _)) = open.accept().await {
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2\r\n").await;
        }
    });
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let app = spawn_app_with(fast).await;
    let demo = app.seed_demo().await;
    let mut ids = Vec::new();
    for port in [open_port, closed_port] {
        let hook = create_hook(
            &app,
            &demo.head,
            &format!("http://127.0.0.1:{port}/"),
            json!(["task.*"]),
        )
        .await;
        ids.push(hook["id"].as_str().unwrap().to_string());
    }
    create_task(&app, &demo.head, "Nhiệm vụ dò cổng").await;
    let mut lines: Vec<Value> = Vec::new();
    for id in &ids {
        wait_until(
            async || {
                deliveries(&app, &demo.head, id)
                    .await
                    .first()
                    .is_some_and(|d| d["attempts"].as_i64() >= Some(1))
            },
            "an attempt",
        )
        .await;
        let d = deliveries(&app, &demo.head, id).await[0].clone();
        lines.push(json!([
            d["last_error"],
            d["last_status_code"],
            d["last_duration_ms"]
        ]));
    }
    assert_eq!(lines[0], lines[1]);
    assert_eq!(lines[0][0], "unreachable: no HTTP answer from the receiver");
    assert!(lines[0][2].is_null());
}

/// At most N hooks per bloc; another bloc has its own N.
#[tokio::test]
async fn hooks_per_bloc_are_capped() {
    let app = spawn_app_with(|c| {
        c.webhooks.deliver = false;
        c.webhooks.max_per_bloc = 3;
    })
    .await;
    let demo = app.seed_demo().await;
    let receiver = Receiver::start(0);
    for _ in 0..3 {
        create_hook(&app, &demo.head, &receiver.url, json!(["task.*"])).await;
    }
    let body = assert_problem(register(&app, &demo.head, &receiver.url).await, 409).await;
    assert!(body["detail"].as_str().unwrap().contains('3'), "{body}");
    let (_, other) = app
        .other_bloc(&demo.admin, "Khối xã Hạ Long", "Quảng Ninh", "ha.long.head")
        .await;
    assert_eq!(register(&app, &other, &receiver.url).await.status(), 201);
}

/// One bloc's backlog (three hooks, fifteen deliveries, both delivery slots held) does not hold
/// up another bloc's delivery: the first slot that frees goes to the other bloc. The receiver
/// answers only when the test lets it, so the outcome does not depend on the machine's speed.
#[tokio::test]
async fn a_blocs_backlog_does_not_delay_another_blocs_deliveries() {
    let held = Receiver::start_gated();
    let quick = Receiver::start(0);
    let app = spawn_app_with(|c| {
        fast(c);
        c.webhooks.concurrency = 2;
        // A held request must not time out and come back as a retry.
        c.webhooks.timeout = Duration::from_secs(120);
    })
    .await;
    let demo = app.seed_demo().await;
    let (_, other) = app
        .other_bloc(&demo.admin, "Khối xã Hạ Long", "Quảng Ninh", "ha.long.head")
        .await;
    create_hook(&app, &other, &quick.url, json!(["task.*"])).await;
    for _ in 0..3 {
        create_hook(&app, &demo.head, &held.url, json!(["task.*"])).await;
    }
    for i in 0..5 {
        create_task(&app, &demo.head, &format!("Nhiệm vụ tồn đọng {i}")).await;
    }
    wait_until(
        async || held.arrived() == 2,
        "both slots taken by the backlog",
    )
    .await;
    create_task(&app, &other, "Nhiệm vụ của khối khác").await;
    // Free one slot at a time; each is taken either by the other bloc or by the backlog.
    let mut freed = 0;
    while quick.received().is_empty() {
        assert!(
            freed < 13,
            "the other bloc's delivery never came ({freed} slots freed)"
        );
        held.release(1);
        freed += 1;
        wait_until(
            async || !quick.received().is_empty() || held.arrived() == 2 + freed,
            "the freed slot taken",
        )
        .await;
    }
    held.release(100);
    assert_eq!(
        freed,
        1,
        "the other bloc's delivery waited while {} of the backlog went first",
        freed - 1
    );
}
