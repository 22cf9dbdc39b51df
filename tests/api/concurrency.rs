//! Many clients at once: optimistic concurrency and idempotency hold under real parallel
//! requests, on both databases.
use crate::helpers::spawn_app;
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
