//! API clients and the client-credentials grant: JSON, form and HTTP Basic, disabling, secret
//! rotation, the portal's limits, and the per-client rate limit.
use crate::helpers::{TestApp, assert_problem, spawn_app};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Value, json};

async fn register(app: &TestApp, admin: &str, rate: i32) -> Value {
    let res = app
        .post_json(
            "/api/v1/clients",
            &json!({"name": "Cổng thông tin dân vận tỉnh Quảng Ninh", "province": "Quảng Ninh", "rate_limit_per_minute": rate}),
            Some(admin),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

async fn token_json(app: &TestApp, id: &str, secret: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/token",
        &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}),
        None,
    )
    .await
}

#[tokio::test]
async fn a_portal_client_gets_tokens_three_ways_and_reads_only_its_province() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let res = app
        .post_json(
            "/api/v1/clients",
            &json!({"name": "X", "province": "Quảng Ninh"}),
            Some(&demo.head),
        )
        .await;
    assert_problem(res, 403).await;
    let c = register(&app, &demo.admin, 1000).await;
    let (id, secret) = (
        c["client_id"].as_str().unwrap(),
        c["client_secret"].as_str().unwrap(),
    );
    assert!(id.starts_with("cl_"));
    let (_, listed) = app.get_json("/api/v1/clients", &demo.admin).await;
    assert!(
        listed.to_string().find(secret).is_none(),
        "the secret is shown once"
    );

    let res = token_json(&app, id, secret).await;
    assert_eq!(res.status(), 200);
    let t: Value = res.json().await.unwrap();
    assert_eq!(
        (t["token_type"].as_str(), t["scope"].as_str()),
        (Some("Bearer"), Some("read changes reports"))
    );
    let form = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&client_id={id}&client_secret={secret}&scope=read"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    assert_eq!(form.json::<Value>().await.unwrap()["scope"], "read");
    let basic = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header(
            "authorization",
            format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))),
        )
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 200);

    let token = t["access_token"].as_str().unwrap();
    let (status, tasks) = app.get_json("/api/v1/campaigns", token).await;
    assert_eq!(status, 200);
    assert_eq!(
        tasks["items"].as_array().unwrap().len(),
        3,
        "Hải Hà is in Quảng Ninh"
    );
    let res = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "Thôn Mới", "kind": "village"}),
            Some(token),
        )
        .await;
    assert_problem(res, 403).await;
    let (_, other) = app
        .other_bloc(
            &demo.admin,
            "Khối thành phố Lạng Sơn",
            "Lạng Sơn",
            "ls.head",
        )
        .await;
    let unit = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "Phường Chi Lăng", "kind": "ward"}),
            Some(&other),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let res = app
        .get(
            &format!("/api/v1/units/{}", unit["id"].as_str().unwrap()),
            Some(token),
        )
        .await;
    assert_problem(res, 404).await;

    // Bad credentials, grants and scopes.
    assert_problem(token_json(&app, id, "sai-mật-khẩu").await, 401).await;
    assert_problem(token_json(&app, "cl_không_có", secret).await, 401).await;
    let res = app
        .post_json(
            "/api/v1/auth/token",
            &json!({"grant_type": "password", "client_id": id, "client_secret": secret}),
            None,
        )
        .await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "grant_type");
    let res = app
        .post_json("/api/v1/auth/token", &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "scope": "write"}), None)
        .await;
    assert_eq!(
        assert_problem(res, 422).await["errors"][0]["field"],
        "scope"
    );
    let res = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("content-type", "text/plain")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415).await;

    // Rotation: the old secret stops, the new one works.
    let path = format!("/api/v1/clients/{}", c["id"].as_str().unwrap());
    let rotated: Value = app
        .post_json(&format!("{path}/secret"), &json!({}), Some(&demo.admin))
        .await
        .json()
        .await
        .unwrap();
    let new_secret = rotated["client_secret"].as_str().unwrap();
    assert_problem(token_json(&app, id, secret).await, 401).await;
    assert_eq!(token_json(&app, id, new_secret).await.status(), 200);
    // Disabling: no new tokens, and the tokens it has stop at once.
    let res = app
        .patch_json(&path, &json!({"active": false}), &demo.admin, None)
        .await;
    assert_eq!(res.status(), 200);
    assert_problem(token_json(&app, id, new_secret).await, 401).await;
    assert_problem(app.get("/api/v1/campaigns", Some(token)).await, 401).await;
}

#[tokio::test]
async fn each_client_is_rate_limited_with_retry_after() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let c = register(&app, &demo.admin, 3).await;
    let res = token_json(
        &app,
        c["client_id"].as_str().unwrap(),
        c["client_secret"].as_str().unwrap(),
    )
    .await;
    let token = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    // The token request counted as one; then at most 2 more pass in this minute (5 more if a
    // minute boundary falls in between), so 8 requests must meet a 429.
    let mut passed = 0;
    let mut retry_after = None;
    for _ in 0..8 {
        let res = app.get("/api/v1/blocs", Some(&token)).await;
        match res.status().as_u16() {
            200 => passed += 1,
            429 => {
                retry_after = res
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
                break;
            }
            s => panic!("unexpected {s}"),
        }
    }
    assert!(
        retry_after.is_some_and(|s| (1..=60).contains(&s)),
        "no 429 after {passed} requests"
    );
    assert!(
        (2..=5).contains(&passed),
        "{passed} passed before the limit"
    );
    let rate = app
        .post_json("/api/v1/clients", &json!({"name": "Sai", "province": "Quảng Ninh", "rate_limit_per_minute": 0, "scopes": ["write"]}), Some(&demo.admin))
        .await;
    let p = assert_problem(rate, 422).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["scopes[0]", "rate_limit_per_minute"]);
}

/// Scopes bound what a client's token reads: `read` the resources, `changes` the feed,
/// `reports` the reports; a scope taken from the client ends at once for its tokens.
#[tokio::test]
async fn scopes_bound_what_a_clients_token_reads() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let c = register(&app, &demo.admin, 600).await;
    let (id, secret) = (
        c["client_id"].as_str().unwrap(),
        c["client_secret"].as_str().unwrap(),
    );
    let res = app
        .post_json(
            "/api/v1/auth/token",
            &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "scope": "read changes"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["scope"], "read changes");
    let token = body["access_token"].as_str().unwrap().to_string();
    for (path, status) in [
        ("/api/v1/blocs", 200),
        ("/api/v1/tasks", 200),
        ("/api/v1/changes", 200),
        ("/api/v1/reports/summary", 403),
        ("/api/v1/reports/campaigns", 403),
    ] {
        let res = app.get(path, Some(&token)).await;
        assert_eq!(res.status(), status, "{path}");
        if status == 403 {
            let p = assert_problem(res, 403).await;
            assert!(p["detail"].as_str().unwrap().contains("reports"), "{p}");
        }
    }
    // The admin takes `changes` away: the token issued with it loses it at once.
    let cid = c["id"].as_str().unwrap();
    let res = app
        .patch_json(
            &format!("/api/v1/clients/{cid}"),
            &json!({"scopes": ["read", "reports"]}),
            &demo.admin,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_problem(app.get("/api/v1/changes", Some(&token)).await, 403).await;
    assert_eq!(app.get("/api/v1/blocs", Some(&token)).await.status(), 200);
    // A new token gets what the client holds now.
    let body: Value = token_json(&app, id, secret).await.json().await.unwrap();
    assert_eq!(body["scope"], "read reports");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(
        app.get("/api/v1/reports/summary", Some(token))
            .await
            .status(),
        200
    );
    assert_problem(app.get("/api/v1/changes", Some(token)).await, 403).await;
}
