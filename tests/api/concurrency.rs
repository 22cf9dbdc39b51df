//! Many clients at once: optimistic concurrency and idempotency hold under real parallel
//! requests, on both databases.
use crate::helpers::{spawn_app, spawn_app_with};
use futures_util::future::join_all;
use serde_json::{Value, json};

#[tokio::test]
async fn fifty_writers_with_the_same_if_match_one_wins_the_rest_get_412() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let res = app
        .post_json(
            "/api/v1/tasks",
            &json!({"title": "Chuẩn bị hội nghị sơ kết 6 tháng đầu năm 2016"}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    let task: Value = res.json().await.unwrap();
    let path = format!("/api/v1/tasks/{}", task["id"].as_str().unwrap());
    let statuses = join_all((0..50).map(|i| {
        let (app, path, token) = (&app, &path, &demo.head);
        async move {
            app.patch_json(
                path,
                &json!({"description": format!("Phương án số {i}")}),
                token,
                Some("\"1\""),
            )
            .await
            .status()
            .as_u16()
        }
    }))
    .await;
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let stale = statuses.iter().filter(|s| **s == 412).count();
    assert_eq!((ok, stale), (1, 49), "{statuses:?}");
    let (_, now) = app.get_json(&path, &demo.head).await;
    assert_eq!(now["version"], 2, "exactly one change was applied");
}

#[tokio::test]
async fn fifty_retries_with_the_same_idempotency_key_create_one_task() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let body = json!({"title": "Tổ chức thăm hỏi, tặng quà gia đình chính sách dịp Tết Bính Thân"});
    let answers = join_all((0..50).map(|_| {
        let (app, body, token) = (&app, &body, &demo.head);
        async move {
            let res = app
                .client
                .post(app.url("/api/v1/tasks"))
                .bearer_auth(token)
                .header("idempotency-key", "tet-binh-than-2016")
                .json(body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let v: Value = res.json().await.unwrap_or(Value::Null);
            (status, v["id"].as_str().map(str::to_string))
        }
    }))
    .await;
    assert!(answers.iter().all(|(s, _)| *s == 201), "{answers:?}");
    let mut ids: Vec<&str> = answers.iter().filter_map(|(_, id)| id.as_deref()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 1, "every answer names the same task");
    let (_, list) = app
        .get_json("/api/v1/tasks?q=Tet Binh Than&limit=200", &demo.head)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

/// Every creating POST takes an `Idempotency-Key`, not only tasks and figures: a retry replays
/// the first answer, another body with the key is 422, a refused request leaves the key free, and
/// of many simultaneous retries one creates.
#[tokio::test]
async fn every_create_honours_an_idempotency_key() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let post = |path: &'static str, key: String, body: Value| {
        let (client, url, token) = (app.client.clone(), app.url(path), demo.head.clone());
        async move {
            let res = client
                .post(url)
                .bearer_auth(token)
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let replayed = res.headers().contains_key("idempotent-replayed");
            (
                status,
                replayed,
                res.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    for (i, (path, body)) in [
        (
            "/api/v1/units",
            json!({"name": "Thôn Bắc Sơn", "kind": "village"}),
        ),
        (
            "/api/v1/organisations",
            json!({"code": "HCT", "name": "Hội Chữ thập đỏ xã Hải Hà", "kind": "socio_political"}),
        ),
        (
            "/api/v1/webhooks",
            json!({"url": "http://127.0.0.1:9/hook"}),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let key = format!("lan-dau-tien-{i}");
        let (s1, r1, b1) = post(path, key.clone(), body.clone()).await;
        assert_eq!((s1, r1), (201, false), "{path}: {b1}");
        let (s2, r2, b2) = post(path, key.clone(), body.clone()).await;
        assert_eq!((s2, r2), (201, true), "{path}: {b2}");
        assert_eq!(b1, b2, "{path}");
        // Reused on the same path with another body: 422 on the header.
        let mut other = body.clone();
        other["name"] = json!("Khác hẳn");
        let (s3, _, p) = post(path, key, other).await;
        assert_eq!(
            (s3, p["errors"][0]["field"].as_str()),
            (422, Some("Idempotency-Key")),
            "{path}"
        );
    }
    let (_, units) = app.get_json("/api/v1/units?q=bac son", &demo.head).await;
    assert_eq!(units["items"].as_array().unwrap().len(), 1);

    // A refused request does not use up its key: the corrected retry goes through.
    let (s, _, _) = post(
        "/api/v1/units",
        "sua-roi-gui-lai".to_string(),
        json!({"name": "", "kind": "village"}),
    )
    .await;
    assert_eq!(s, 422);
    let (s, replayed, _) = post(
        "/api/v1/units",
        "sua-roi-gui-lai".to_string(),
        json!({"name": "Thôn Nam Sơn", "kind": "village"}),
    )
    .await;
    assert_eq!((s, replayed), (201, false));

    // Twenty at once with one key: one unit; the others replay it or are told to retry.
    let tries = join_all((0..20).map(|_| {
        post(
            "/api/v1/units",
            "cung-luc".to_string(),
            json!({"name": "Thôn Đông Sơn", "kind": "village"}),
        )
    }))
    .await;
    let made = tries.iter().filter(|(s, r, _)| *s == 201 && !r).count();
    assert_eq!(made, 1, "{tries:?}");
    assert!(
        tries.iter().all(|(s, _, _)| *s == 201 || *s == 409),
        "{tries:?}"
    );
    let (_, units) = app.get_json("/api/v1/units?q=dong son", &demo.head).await;
    assert_eq!(units["items"].as_array().unwrap().len(), 1);
}

/// Write transactions take turns: with one writer allowed (`KHOI_DB_WRITERS=1` on PostgreSQL;
/// SQLite always has one), a second waits until the first ends, and 20 requests that write at
/// once all get through that one writer (no request needs two).
#[tokio::test]
async fn writes_wait_for_a_free_writer_and_all_get_through_one() {
    let app = spawn_app_with(|c| c.db_writers = 1).await;
    let demo = app.seed_demo().await;
    let db = &app.state.db;
    let first = khoi::db::begin_write(db).await.unwrap();
    let wait = std::time::Duration::from_millis(300);
    let second = tokio::time::timeout(wait, khoi::db::begin_write(db)).await;
    assert!(second.is_err(), "a second writer began beside the first");
    drop(first);
    let second = tokio::time::timeout(wait * 10, khoi::db::begin_write(db)).await;
    assert!(matches!(second, Ok(Ok(_))), "the writer was not handed on");
    drop(second);
    let creates = (0..20).map(|i| {
        let body = json!({"title": format!("Tổng hợp ý kiến cử tri phiên {i}")});
        let (app, token) = (&app, &demo.head);
        async move {
            app.post_json("/api/v1/tasks", &body, Some(token))
                .await
                .status()
        }
    });
    for status in join_all(creates).await {
        assert_eq!(status, 201);
    }
}
