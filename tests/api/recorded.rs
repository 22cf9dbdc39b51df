//! Every write is recorded once: for one write of each resource type, exactly one audit entry
//! and exactly one change in the feed, carrying the version the resource now has (issue 20). A
//! service that forgets its audit call, or calls it twice, fails here.
use crate::helpers::{TestApp, spawn_app};
use serde_json::{Value, json};
use std::collections::BTreeSet;

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
    seen: &mut BTreeSet<String>,
    app: &TestApp,
    admin: &str,
    what: &str,
    write: reqwest::RequestBuilder,
    audits_before: usize,
) -> Value {
    let from = position(app, admin).await;
    let res = write.send().await.unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{what}: {status} {body}");
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
    seen.insert(mine[0]["resource_type"].as_str().unwrap().to_string());
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
    let mut seen = BTreeSet::new();
    once(
        &mut seen,
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
        &mut seen,
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
    once(
        &mut seen,
        &app,
        a,
        "province of an earlier map",
        post(
            "/api/v1/provinces",
            a,
            json!({"name": "Hải Dương", "full_name": "Tỉnh Hải Dương", "code": "30", "valid_to": "2025-06-30"}),
        ),
        0,
    )
    .await;
    let unit = once(
        &mut seen,
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
        &mut seen,
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
        &mut seen,
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
        &mut seen,
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
        &mut seen,
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
        &mut seen,
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
    once(&mut seen, &app, a, "account", post("/api/v1/accounts", h, json!({"username": "vu.thi.hang", "password": "mật-khẩu-dài-2016", "staff_id": staff["id"]})), 0).await;
    once(
        &mut seen,
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
    once(&mut seen, &app, a, "directive", post("/api/v1/directives", h, json!({"number": "15-CT/HU", "issued_on": "2016-03-02", "title": "Về tăng cường công tác dân vận"})), 0).await;
    once(
        &mut seen,
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
    let org = once(
        &mut seen,
        &app,
        a,
        "organisation",
        post(
            "/api/v1/organisations",
            h,
            json!({"code": "HCC", "name": "Hội Chữ thập đỏ huyện Hải Hà", "kind": "socio_political"}),
        ),
        0,
    )
    .await;
    let campaign = once(
        &mut seen,
        &app,
        a,
        "campaign",
        post(
            "/api/v1/campaigns",
            h,
            json!({"name": "Tháng cao điểm vì người nghèo năm 2016", "kind": "drive", "lead_organisation_id": org["id"], "start_on": "2016-10-01", "end_on": "2016-11-30"}),
        ),
        0,
    )
    .await;
    let c = campaign["id"].as_str().unwrap();
    let target = once(
        &mut seen,
        &app,
        a,
        "campaign target",
        post(
            &format!("/api/v1/campaigns/{c}/targets"),
            h,
            json!({"indicator": "Số hộ nghèo được hỗ trợ", "measure": "count", "aggregation": "sum", "target_value": 120, "due_on": "2016-11-30"}),
        ),
        0,
    )
    .await;
    let t = target["id"].as_str().unwrap();
    once(
        &mut seen,
        &app,
        a,
        "measurement",
        post(
            &format!("/api/v1/campaigns/{c}/targets/{t}/measurements"),
            h,
            json!({"unit_id": unit_id, "measured_on": "2016-10-31", "value": 14}),
        ),
        0,
    )
    .await;
    once(
        &mut seen,
        &app,
        a,
        "registration",
        post(
            &format!("/api/v1/campaigns/{c}/registrations"),
            h,
            json!({"title": "Mái ấm cho hộ nghèo thôn Đồng Tâm", "registered_on": "2016-10-05", "unit_id": unit_id}),
        ),
        0,
    )
    .await;
    let supervision = once(
        &mut seen,
        &app,
        a,
        "supervision",
        post(
            "/api/v1/supervisions",
            h,
            json!({"kind": "supervision", "title": "Giám sát chi trả trợ cấp hộ nghèo", "subject": "UBND xã Quảng Đức", "planned_start_on": "2016-10-10", "planned_end_on": "2016-10-20"}),
        ),
        0,
    )
    .await;
    let s = supervision["id"].as_str().unwrap();
    once(
        &mut seen,
        &app,
        a,
        "supervision started",
        patch(
            &format!("/api/v1/supervisions/{s}"),
            h,
            json!({"status": "in_progress"}),
        ),
        1,
    )
    .await;
    once(
        &mut seen,
        &app,
        a,
        "finding",
        post(
            &format!("/api/v1/supervisions/{s}/findings"),
            h,
            json!({"severity": "low", "text": "Danh sách chi trả chưa niêm yết tại thôn."}),
        ),
        0,
    )
    .await;
    once(
        &mut seen,
        &app,
        a,
        "recommendation",
        post(
            &format!("/api/v1/supervisions/{s}/recommendations"),
            h,
            json!({"addressee": "UBND xã Quảng Đức", "text": "Niêm yết danh sách chi trả tại nhà văn hóa thôn."}),
        ),
        0,
    )
    .await;
    let directive = app.first_id("/api/v1/directives", h).await;
    let res = post(
        &format!("/api/v1/directives/{directive}/dispatches"),
        h,
        json!({"unit_ids": [unit_id], "sent_on": "2016-10-01"}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let dispatch = res.json::<Value>().await.unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    once(
        &mut seen,
        &app,
        a,
        "dispatch report",
        patch(
            &format!("/api/v1/directives/{directive}/dispatches/{dispatch}"),
            h,
            json!({"report": "Đã phổ biến đến các chi hội.", "reported_on": "2016-10-10"}),
        ),
        1,
    )
    .await;
    once(
        &mut seen,
        &app,
        a,
        "unit assignment",
        post(
            "/api/v1/unit-assignments",
            h,
            json!({"staff_id": staff["id"], "unit_id": unit_id, "purpose": "election_monitoring", "start_on": "2016-10-01"}),
        ),
        0,
    )
    .await;
    // A report on an assigned task (the bloc head may report on any).
    let cuong = app.first_id("/api/v1/staff?q=ly van cuong", h).await;
    let mine = once(
        &mut seen,
        &app,
        a,
        "task to report on",
        post(
            "/api/v1/tasks",
            h,
            json!({"title": "Báo cáo kết quả Ngày vì người nghèo", "description": "Tổng hợp số hộ được hỗ trợ.", "expected_result": "Báo cáo gửi Huyện ủy", "lead_organisation_id": org["id"], "assignee_id": cuong, "due_on": "2016-11-30"}),
        ),
        0,
    )
    .await;
    let m = mine["id"].as_str().unwrap();
    once(
        &mut seen,
        &app,
        a,
        "assign",
        post(
            &format!("/api/v1/tasks/{m}/transitions"),
            h,
            json!({"action": "assign"}),
        ),
        1,
    )
    .await;
    once(
        &mut seen,
        &app,
        a,
        "task report",
        post(
            &format!("/api/v1/tasks/{m}/reports"),
            h,
            json!({"text": "Đã hỗ trợ 40 hộ.", "progress": 30}),
        ),
        0,
    )
    .await;
    once(
        &mut seen,
        &app,
        a,
        "comment",
        post(
            &format!("/api/v1/tasks/{m}/comments"),
            h,
            json!({"body": "@demo.staff đề nghị gửi số liệu trước thứ Sáu."}),
        ),
        0,
    )
    .await;
    once(
        &mut seen,
        &app,
        a,
        "task series",
        post(
            "/api/v1/task-series",
            h,
            json!({"title": "Báo cáo tuần", "description": "Tổng hợp công tác tuần", "expected_result": "Báo cáo tuần gửi Thường trực", "lead_organisation_id": org["id"], "assignee_id": cuong, "rule": "FREQ=WEEKLY;BYDAY=MO", "start_on": "2099-01-05"}),
        ),
        0,
    )
    .await;
    once(
        &mut seen,
        &app,
        a,
        "file",
        app.client
            .post(app.url("/api/v1/files"))
            .bearer_auth(h)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={}", crate::files::BOUNDARY),
            )
            .body(crate::files::form(
                "file",
                "Biên bản.pdf",
                "application/pdf",
                &crate::files::pdf(40),
            )),
        0,
    )
    .await;
    // Every resource type that announces its changes has been written here once.
    let all: BTreeSet<String> = khoi::webhooks::service::RESOURCE_TYPES
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(seen, all, "resource types without a recorded write");
}
