//! Every write is recorded once: for one write of each resource type, exactly one audit entry
//! and exactly one change in the feed, carrying the version the resource now has (issue 20). A
//! service that forgets its audit call, or calls it twice, fails here.
use crate::helpers::{TestApp, spawn_app};
use serde_json::{Value, json};

/// The feed's current position (the last change's number).
async fn position(app: &TestApp, token: &str) -> i64 {
    let mut after = 0;
    loop {
        let (status, page) = app
            .get_json(&format!("/api/v1/changes?after={after}&limit=200"), token)
            .await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        match items.last() {
            Some(last) => after = last["seq"].as_i64().unwrap(),
            None => return after,
        }
    }
}

/// Performs `write` and checks it left one change (with the resource's new version) and one
/// audit entry more for the resource.
async fn once(
    app: &TestApp,
    admin: &str,
    what: &str,
    write: reqwest::RequestBuilder,
    audits_before: usize,
) -> Value {
    let from = position(app, admin).await;
    let res = write.send().await.unwrap();
    assert!(res.status().is_success(), "{what}: {}", res.status());
    let body: Value = res.json().await.unwrap();
    let id = body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: {body}"));
    let (_, page) = app
        .get_json(&format!("/api/v1/changes?after={from}&limit=200"), admin)
        .await;
    let mine: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["resource_id"] == id)
        .collect();
    assert_eq!(mine.len(), 1, "{what}: changes {mine:?}");
    assert_eq!(
        mine[0]["version"], body["version"],
        "{what}: {mine:?} vs {body}"
    );
    let (_, audit) = app
        .get_json(
            &format!("/api/v1/audit-log?resource_id={id}&limit=200"),
            admin,
        )
        .await;
    assert_eq!(
        audit["items"].as_array().unwrap().len(),
        audits_before + 1,
        "{what}: {audit}"
    );
    body
}

#[tokio::test]
async fn each_write_is_one_audit_entry_and_one_change_with_its_version() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let post = |path: &str, token: &str, body: Value| {
        app.client
            .post(app.url(path))
            .bearer_auth(token)
            .json(&body)
    };
    let patch = |path: &str, token: &str, body: Value| {
        app.client
            .patch(app.url(path))
            .bearer_auth(token)
            .json(&body)
    };
    let (a, h) = (d.admin.as_str(), d.head.as_str());
    once(
        &app,
        a,
        "bloc",
        post(
            "/api/v1/blocs",
            a,
            json!({"name": "Khối xã Quảng Thịnh", "level": "commune", "province": "Quảng Ninh"}),
        ),
        0,
    )
    .await;
    once(
        &app,
        a,
        "client",
        post(
            "/api/v1/clients",
            a,
            json!({"name": "Cổng dân vận tỉnh", "province": "Quảng Ninh"}),
        ),
        0,
    )
    .await;
    let unit = once(
        &app,
        a,
        "unit",
        post(
            "/api/v1/units",
            h,
            json!({"name": "Thôn Đồng Tâm", "kind": "village"}),
        ),
        0,
    )
    .await;
    let unit_id = unit["id"].as_str().unwrap();
    once(
        &app,
        a,
        "unit update",
        patch(
            &format!("/api/v1/units/{unit_id}"),
            h,
            json!({"households": 212}),
        ),
        1,
    )
    .await;
    let task = once(
        &app,
        a,
        "task",
        post(
            "/api/v1/tasks",
            h,
            json!({"title": "Vận động hộ nghèo thôn Đồng Tâm"}),
        ),
        0,
    )
    .await;
    let task_id = task["id"].as_str().unwrap();
    once(
        &app,
        a,
        "task update",
        patch(
            &format!("/api/v1/tasks/{task_id}"),
            h,
            json!({"title": "Vận động hộ cận nghèo thôn Đồng Tâm"}),
        ),
        1,
    )
    .await;
    once(
        &app,
        a,
        "meeting",
        post(
            "/api/v1/meetings",
            h,
            json!({"kind": "ad_hoc", "title": "Họp bàn vận động", "held_on": "2016-03-01"}),
        ),
        0,
    )
    .await;
    let staff = once(
        &app,
        a,
        "staff",
        post(
            "/api/v1/staff",
            h,
            json!({"full_name": "Vũ Thị Hằng", "role": "staff"}),
        ),
        0,
    )
    .await;
    once(&app, a, "account", post("/api/v1/accounts", h, json!({"username": "vu.thi.hang", "password": "mật-khẩu-dài-2016", "staff_id": staff["id"]})), 0).await;
    once(
        &app,
        a,
        "sub-committee",
        post(
            "/api/v1/sub-committees",
            h,
            json!({"code": "TG", "name": "Tiểu ban Tuyên giáo"}),
        ),
        0,
    )
    .await;
    once(&app, a, "directive", post("/api/v1/directives", h, json!({"number": "15-CT/HU", "issued_on": "2016-03-02", "title": "Về tăng cường công tác dân vận"})), 0).await;
    once(
        &app,
        a,
        "webhook",
        post(
            "/api/v1/webhooks",
            h,
            json!({"url": "http://127.0.0.1:9/hooks", "events": ["directive.*"]}),
        ),
        0,
    )
    .await;
}
