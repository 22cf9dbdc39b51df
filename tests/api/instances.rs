//! Two instances on one database, as behind a load balancer: login throttling, client rate
//! limits, idempotency keys, the change feed and the kept list pages hold whichever instance
//! answers.
use crate::helpers::{ADMIN_PASSWORD, assert_problem, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn two_instances_share_throttling_rate_limits_keys_the_feed_and_fresh_lists() {
    let a = spawn_app().await;
    let b = a.another_instance(|_| {}).await;
    let demo = a.seed_demo().await;

    // Login throttling: 3 failures on one, 2 on the other, then both refuse.
    for (i, app) in [&a, &a, &a, &b, &b].into_iter().enumerate() {
        let res = app.login_response("admin", &format!("đoán-mò-{i}")).await;
        assert_problem(res, 401).await;
    }
    for app in [&a, &b] {
        assert_problem(app.login_response("admin", ADMIN_PASSWORD).await, 429).await;
    }

    // An Idempotency-Key used on one instance replays on the other.
    let mut ids = Vec::new();
    for app in [&a, &b] {
        let res = app
            .client
            .post(app.url("/api/v1/tasks"))
            .bearer_auth(&demo.head)
            .header("idempotency-key", "hai-may-chu-mot-nhiem-vu")
            .json(&json!({"title": "Chuẩn bị Đại hội đại biểu MTTQ xã"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        ids.push(res.json::<Value>().await.unwrap()["id"].clone());
    }
    assert_eq!(ids[0], ids[1]);

    // A kept list page on one instance is not served after a write through the other.
    let (_, before) = a.get_json("/api/v1/tasks?status=draft", &demo.head).await;
    let res = b
        .post_json(
            "/api/v1/tasks",
            &json!({"title": "Nhiệm vụ ghi qua máy chủ thứ hai"}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    let new_id = res.json::<Value>().await.unwrap()["id"].clone();
    let (_, after) = a.get_json("/api/v1/tasks?status=draft", &demo.head).await;
    let n = |v: &Value| v["items"].as_array().unwrap().len();
    assert_eq!(n(&after), n(&before) + 1);
    assert!(
        after["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == new_id)
    );

    // The feed reads the same from both.
    let (_, fa) = a.get_json("/api/v1/changes?limit=1000", &demo.admin).await;
    let (_, fb) = b.get_json("/api/v1/changes?limit=1000", &demo.admin).await;
    assert_eq!(fa, fb);
    assert!(
        fa["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["resource_id"] == new_id)
    );

    // A client's rate limit counts its requests on both instances together.
    let res = a
        .post_json(
            "/api/v1/clients",
            &json!({"name": "Cổng dân vận tỉnh", "province": "Quảng Ninh", "rate_limit_per_minute": 4}),
            Some(&demo.admin),
        )
        .await;
    let c: Value = res.json().await.unwrap();
    let token = a.client_token(&c).await;
    // 4 a minute (the token request was one): alternating instances, 8 more requests meet a
    // 429 even if a minute boundary falls in between.
    let mut limited = false;
    for i in 0..8 {
        let app = if i % 2 == 0 { &a } else { &b };
        match app
            .get("/api/v1/blocs", Some(&token))
            .await
            .status()
            .as_u16()
        {
            200 => {}
            429 => {
                limited = true;
                break;
            }
            s => panic!("unexpected {s}"),
        }
    }
    assert!(limited, "the two instances counted separately");
}
