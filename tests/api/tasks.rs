//! Tasks as the bloc works them: drafts that must be "five clears" before assignment, the
//! workflow each role may move, reports, deadline standing, safe retries, overlap detection.
use crate::helpers::{Demo, TestApp, assert_problem, etag, spawn_app_with};
use chrono::Duration;
use serde_json::{Value, json};

struct Ids {
    hnd: String,
    ccb: String,
    mttq: String,
    ktgs: String,
    vp: String,
    cuong: String, // demo.staff, in KTGS
    nam: String,   // another KTGS staff member
    binh: String,  // demo.deputy, heads KTGS and CCB
    directive: String,
}

async fn ids(app: &TestApp, d: &Demo) -> Ids {
    let h = &d.head;
    Ids {
        hnd: app.first_id("/api/v1/organisations?q=HND", h).await,
        ccb: app.first_id("/api/v1/organisations?q=CCB", h).await,
        mttq: app.first_id("/api/v1/organisations?q=MTTQ", h).await,
        ktgs: app.first_id("/api/v1/sub-committees?q=KTGS", h).await,
        vp: app.first_id("/api/v1/sub-committees?q=VP", h).await,
        cuong: app.first_id("/api/v1/staff?q=ly van cuong", h).await,
        nam: app.first_id("/api/v1/staff?q=trinh van nam", h).await,
        binh: app.first_id("/api/v1/staff?q=tran van binh", h).await,
        directive: app.first_id("/api/v1/directives?q=292", h).await,
    }
}

/// The day these tests run on, fixed in the service's configuration (`fixed_today`) rather
/// than computed here: a run that crosses midnight in Vietnam sees the same day throughout. It
/// lies after the real date because tasks are still created at the real time.
fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2099, 6, 30).unwrap()
}

async fn spawn_app() -> TestApp {
    spawn_app_with(|c| c.fixed_today = Some(today())).await
}

fn full_task(i: &Ids, title: &str, due: chrono::NaiveDate) -> Value {
    json!({
        "title": title,
        "description": "Phổ biến quy chế tổ chức và hoạt động của cơ quan Khối đến toàn thể cán bộ.",
        "expected_result": "Biên bản hội nghị; 100% cán bộ nắm được quy chế",
        "directive_id": i.directive,
        "lead_organisation_id": i.mttq,
        "coordinating_organisation_ids": [i.hnd, i.ccb],
        "sub_committee_id": i.ktgs,
        "assignee_id": i.cuong,
        "due_on": due.to_string(),
        "priority": "high",
        "key_task": true
    })
}

async fn create(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = app.post_json("/api/v1/tasks", body, Some(token)).await;
    assert_eq!(res.status(), 201, "create task");
    res.json().await.unwrap()
}

async fn act(app: &TestApp, token: &str, id: &str, body: Value) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/tasks/{id}/transitions"),
        &body,
        Some(token),
    )
    .await
}

#[tokio::test]
async fn a_task_leaves_draft_only_when_the_five_clears_hold() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let t = create(
        &app,
        &d.head,
        &json!({"title": "Chuẩn bị hội nghị tổng kết công tác Mặt trận năm 2016"}),
    )
    .await;
    assert_eq!(t["status"], "draft");
    assert_eq!(t["possible_duplicates"], json!([]));
    let id = t["id"].as_str().unwrap();
    let body = assert_problem(
        act(&app, &d.head, id, json!({"action": "assign"})).await,
        422,
    )
    .await;
    let missing: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        missing,
        [
            "assignee_id",
            "description",
            "due_on",
            "expected_result",
            "lead_organisation_id"
        ]
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("rõ người")
    );
    let res = app
        .patch_json(
            &format!("/api/v1/tasks/{id}"),
            &json!({
                "description": "Tổng hợp kết quả, xây dựng báo cáo tổng kết.",
                "expected_result": "Báo cáo tổng kết được Ban Thường vụ thông qua",
                "due_on": (today() + Duration::days(30)).to_string(),
                "lead_organisation_id": i.mttq,
                "assignee_id": i.cuong
            }),
            &d.head,
            Some("\"1\""),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = act(&app, &d.head, id, json!({"action": "assign"})).await;
    assert_eq!(res.status(), 200);
    let t: Value = res.json().await.unwrap();
    assert_eq!(t["status"], "assigned");
    // Only the moves the head may make: starting is the assignee's (issue 14).
    assert_eq!(
        t["allowed_actions"],
        json!(["cancel", "reassign", "mark_duplicate"])
    );
    // Assigned: no more edits, only moves.
    let res = app
        .patch_json(
            &format!("/api/v1/tasks/{id}"),
            &json!({"title": "Sửa"}),
            &d.head,
            None,
        )
        .await;
    assert_problem(res, 409).await;
}

#[tokio::test]
async fn the_workflow_from_assignment_to_completion_by_the_right_people() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let t = create(
        &app,
        &d.deputy,
        &full_task(
            &i,
            "Tổ chức hội nghị triển khai Quyết định 292-QĐ/HU",
            today() + Duration::days(10),
        ),
    )
    .await;
    let id = t["id"].as_str().unwrap().to_string();
    assert_eq!(
        t["coordinating_organisation_ids"].as_array().unwrap().len(),
        2
    );
    assert_eq!(t["standing"], "open_within_deadline");
    assert_eq!(
        act(&app, &d.deputy, &id, json!({"action": "assign"}))
            .await
            .status(),
        200
    );
    // Only the assignee starts and submits.
    assert_problem(
        act(&app, &d.head, &id, json!({"action": "start"})).await,
        403,
    )
    .await;
    assert_problem(
        act(&app, &d.deputy, &id, json!({"action": "start"})).await,
        403,
    )
    .await;
    assert_eq!(
        act(&app, &d.staff, &id, json!({"action": "start"}))
            .await
            .status(),
        200
    );
    let body = assert_problem(
        act(&app, &d.staff, &id, json!({"action": "submit"})).await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "report");
    let res = act(&app, &d.staff, &id, json!({"action": "submit", "report": {"text": "Đã tổ chức hội nghị, 20/20 cán bộ dự.", "progress": 100, "evidence": ["https://vanban.haiha.gov.vn/bb-hn.pdf"]}})).await;
    assert_eq!(res.status(), 200);
    // The assignee cannot approve their own work; the deputy heading KTGS can.
    assert_problem(
        act(&app, &d.staff, &id, json!({"action": "complete"})).await,
        403,
    )
    .await;
    let body = assert_problem(
        act(&app, &d.deputy, &id, json!({"action": "return"})).await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "reason");
    let res = act(
        &app,
        &d.deputy,
        &id,
        json!({"action": "return", "reason": "Thiếu biên bản có chữ ký"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(act(&app, &d.staff, &id, json!({"action": "submit", "report": {"text": "Bổ sung biên bản có chữ ký.", "progress": 100}})).await.status(), 200);
    let res = act(&app, &d.deputy, &id, json!({"action": "complete"})).await;
    assert_eq!(res.status(), 200);
    let t: Value = res.json().await.unwrap();
    assert_eq!(t["status"], "completed");
    assert_eq!(t["standing"], "completed_on_time");
    assert_eq!(t["progress"], 100);
    assert_eq!(t["completed_on"], today().to_string());
    // Finished: every move is 409 and says none are left.
    let body = assert_problem(
        act(&app, &d.head, &id, json!({"action": "cancel"})).await,
        409,
    )
    .await;
    assert_eq!(body["allowed"], json!([]));
    let (_, history) = app
        .get_json(&format!("/api/v1/tasks/{id}/history"), &d.head)
        .await;
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "create", "assign", "start", "submit", "return", "submit", "complete"
        ]
    );
    assert_eq!(history["items"][4]["reason"], "Thiếu biên bản có chữ ký");
    let (_, reports) = app
        .get_json(&format!("/api/v1/tasks/{id}/reports"), &d.staff)
        .await;
    assert_eq!(reports["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        reports["items"][0]["evidence"][0],
        "https://vanban.haiha.gov.vn/bb-hn.pdf"
    );
}

#[tokio::test]
async fn an_illegal_move_is_409_listing_the_moves_that_exist() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let t = create(
        &app,
        &d.head,
        &full_task(
            &i,
            "Kiểm tra việc thực hiện quy chế dân chủ ở cơ sở",
            today(),
        ),
    )
    .await;
    let id = t["id"].as_str().unwrap();
    let body = assert_problem(
        act(&app, &d.head, id, json!({"action": "complete"})).await,
        409,
    )
    .await;
    assert_eq!(
        body["allowed"],
        json!(["assign", "cancel", "mark_duplicate"])
    );
    assert!(body["detail"].as_str().unwrap().contains("draft"));
    let res = act(&app, &d.head, id, json!({"action": "fly"})).await;
    assert_problem(res, 422).await;
}

#[tokio::test]
async fn who_may_create_reassign_and_cancel() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    // Staff never create; a deputy only for what they head or lead.
    let res = app
        .post_json(
            "/api/v1/tasks",
            &full_task(&i, "Việc của cán bộ", today()),
            Some(&d.staff),
        )
        .await;
    assert_problem(res, 403).await;
    let mut other = full_task(&i, "Việc của tiểu ban Văn phòng", today());
    other["sub_committee_id"] = json!(i.vp);
    other["lead_organisation_id"] = json!(i.hnd);
    assert_problem(
        app.post_json("/api/v1/tasks", &other, Some(&d.deputy))
            .await,
        403,
    )
    .await;
    other["lead_organisation_id"] = json!(i.ccb);
    other["coordinating_organisation_ids"] = json!([i.hnd]);
    assert_eq!(
        app.post_json("/api/v1/tasks", &other, Some(&d.deputy))
            .await
            .status(),
        201
    );
    for who in [&d.admin] {
        assert_problem(
            app.post_json("/api/v1/tasks", &full_task(&i, "x", today()), Some(who))
                .await,
            403,
        )
        .await;
    }
    // Reassign: the responsible deputy, with a reason; the new person then starts it.
    let t = create(
        &app,
        &d.head,
        &full_task(
            &i,
            "Giám sát việc thực hiện chính sách bảo hiểm y tế",
            today() + Duration::days(5),
        ),
    )
    .await;
    let id = t["id"].as_str().unwrap();
    assert_eq!(
        act(&app, &d.head, id, json!({"action": "assign"}))
            .await
            .status(),
        200
    );
    assert_problem(
        act(
            &app,
            &d.staff,
            id,
            json!({"action": "reassign", "assignee_id": i.nam, "reason": "x"}),
        )
        .await,
        403,
    )
    .await;
    let body = assert_problem(
        act(
            &app,
            &d.deputy,
            id,
            json!({"action": "reassign", "assignee_id": i.nam}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "reason");
    let res = act(&app, &d.deputy, id, json!({"action": "reassign", "assignee_id": i.nam, "reason": "Đồng chí Cường đi học tập trung"})).await;
    assert_eq!(res.status(), 200);
    let t: Value = res.json().await.unwrap();
    assert_eq!(t["assignee_id"], json!(i.nam));
    assert_problem(
        act(&app, &d.staff, id, json!({"action": "start"})).await,
        403,
    )
    .await;
    let (_, history) = app
        .get_json(&format!("/api/v1/tasks/{id}/history"), &d.head)
        .await;
    assert_eq!(
        history["items"][2]["changes"]["assignee_id"]["after"],
        json!(i.nam)
    );
    // Cancel: the creator or the bloc head; not the assignee.
    let mine = create(
        &app,
        &d.deputy,
        &full_task(&i, "Việc phó khối tạo", today()),
    )
    .await;
    let mine = mine["id"].as_str().unwrap();
    assert_problem(
        act(&app, &d.staff, mine, json!({"action": "cancel"})).await,
        403,
    )
    .await;
    assert_eq!(
        act(
            &app,
            &d.deputy,
            mine,
            json!({"action": "cancel", "reason": "Gộp vào kế hoạch chung"})
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        act(&app, &d.head, id, json!({"action": "cancel"}))
            .await
            .status(),
        200
    );
    // The assignee's own work is never completed by themselves, even as a deputy.
    let mut own = full_task(&i, "Việc giao cho phó khối", today());
    own["assignee_id"] = json!(i.binh);
    let own = create(&app, &d.head, &own).await;
    let own = own["id"].as_str().unwrap();
    act(&app, &d.head, own, json!({"action": "assign"})).await;
    act(&app, &d.deputy, own, json!({"action": "start"})).await;
    assert_eq!(
        act(
            &app,
            &d.deputy,
            own,
            json!({"action": "submit", "report": {"text": "Xong", "progress": 100}})
        )
        .await
        .status(),
        200
    );
    assert_problem(
        act(&app, &d.deputy, own, json!({"action": "complete"})).await,
        403,
    )
    .await;
    assert_eq!(
        act(&app, &d.head, own, json!({"action": "complete"}))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn standing_the_day_before_on_and_after_the_due_date() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let mut ids_by = std::collections::HashMap::new();
    for (name, offset) in [("yesterday", -1), ("today", 0), ("tomorrow", 1)] {
        let t = create(
            &app,
            &d.head,
            &full_task(
                &i,
                &format!("Việc hạn {name}"),
                today() + Duration::days(offset),
            ),
        )
        .await;
        let id = t["id"].as_str().unwrap().to_string();
        act(&app, &d.head, &id, json!({"action": "assign"})).await;
        ids_by.insert(name, id);
    }
    let standing = |v: &Value| v["standing"].as_str().unwrap().to_string();
    let (_, y) = app
        .get_json(&format!("/api/v1/tasks/{}", ids_by["yesterday"]), &d.head)
        .await;
    let (_, t) = app
        .get_json(&format!("/api/v1/tasks/{}", ids_by["today"]), &d.head)
        .await;
    let (_, m) = app
        .get_json(&format!("/api/v1/tasks/{}", ids_by["tomorrow"]), &d.head)
        .await;
    assert_eq!(
        (standing(&y), standing(&t), standing(&m)),
        (
            "overdue".into(),
            "open_within_deadline".into(),
            "open_within_deadline".into()
        )
    );
    let (_, overdue) = app
        .get_json("/api/v1/tasks?standing=overdue", &d.head)
        .await;
    assert_eq!(overdue["items"].as_array().unwrap().len(), 1);
    // Completed today: on time if due today, late if due yesterday.
    for name in ["yesterday", "today"] {
        let id = &ids_by[name];
        act(&app, &d.staff, id, json!({"action": "start"})).await;
        act(
            &app,
            &d.staff,
            id,
            json!({"action": "submit", "report": {"text": "Hoàn thành", "progress": 100}}),
        )
        .await;
        assert_eq!(
            act(&app, &d.deputy, id, json!({"action": "complete"}))
                .await
                .status(),
            200
        );
    }
    let (_, late) = app
        .get_json("/api/v1/tasks?standing=completed_late", &d.head)
        .await;
    assert_eq!(late["items"][0]["id"], json!(ids_by["yesterday"]));
    let (_, on_time) = app
        .get_json("/api/v1/tasks?standing=completed_on_time", &d.head)
        .await;
    assert_eq!(on_time["items"][0]["id"], json!(ids_by["today"]));
    let (_, within) = app
        .get_json("/api/v1/tasks?standing=open_within_deadline", &d.head)
        .await;
    assert_eq!(within["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn my_tasks_are_the_open_ones_soonest_due_first() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    for (title, days) in [("Hạn xa", 20), ("Hạn gần", 2), ("Hạn giữa", 9)] {
        let t = create(
            &app,
            &d.head,
            &full_task(&i, title, today() + Duration::days(days)),
        )
        .await;
        act(
            &app,
            &d.head,
            t["id"].as_str().unwrap(),
            json!({"action": "assign"}),
        )
        .await;
    }
    create(&app, &d.head, &full_task(&i, "Còn nháp", today())).await;
    let (s, mine) = app.get_json("/api/v1/me/tasks", &d.staff).await;
    assert_eq!(s, 200);
    let titles: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Hạn gần", "Hạn giữa", "Hạn xa"]);
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["standing"] == "open_within_deadline")
    );
    let (_, page) = app.get_json("/api/v1/me/tasks?limit=2", &d.staff).await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, rest) = app
        .get_json(
            &format!("/api/v1/me/tasks?limit=2&cursor={cursor}"),
            &d.staff,
        )
        .await;
    assert_eq!(rest["items"][0]["title"], "Hạn xa");
    let (_, none) = app.get_json("/api/v1/me/tasks", &d.head).await;
    assert!(none["items"].as_array().unwrap().is_empty());
    // The admin is nobody's staff record: no task, not every unassigned one.
    let (s, none) = app.get_json("/api/v1/me/tasks", &d.admin).await;
    assert_eq!(s, 200, "{none}");
    assert!(none["items"].as_array().unwrap().is_empty(), "{none}");
}

#[tokio::test]
async fn lists_filter_and_sort() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let a = create(
        &app,
        &d.head,
        &full_task(
            &i,
            "Tuyên truyền cuộc vận động xây dựng nông thôn mới",
            today() + Duration::days(3),
        ),
    )
    .await;
    let mut b = full_task(
        &i,
        "Vận động quỹ Ngày vì người nghèo",
        today() + Duration::days(1),
    );
    b["lead_organisation_id"] = json!(i.hnd);
    b["coordinating_organisation_ids"] = json!([i.mttq]);
    b["priority"] = json!("urgent");
    b["key_task"] = json!(false);
    let b = create(&app, &d.head, &b).await;
    let q = |s: &str| format!("/api/v1/tasks?{s}");
    let count = |v: &Value| v["items"].as_array().unwrap().len();
    let (_, r) = app
        .get_json(&q(&format!("lead_organisation_id={}", i.hnd)), &d.staff)
        .await;
    assert_eq!(
        (count(&r), r["items"][0]["id"].clone()),
        (1, b["id"].clone())
    );
    let (_, r) = app
        .get_json(
            &q(&format!("coordinating_organisation_id={}", i.ccb)),
            &d.staff,
        )
        .await;
    assert_eq!(
        (count(&r), r["items"][0]["id"].clone()),
        (1, a["id"].clone())
    );
    let (_, r) = app.get_json(&q("key_task=true"), &d.staff).await;
    assert_eq!(count(&r), 1);
    let (_, r) = app.get_json(&q("sort=due_on"), &d.staff).await;
    assert_eq!(r["items"][0]["id"], b["id"]);
    let (_, r) = app.get_json(&q("sort=-priority"), &d.staff).await;
    assert_eq!(r["items"][0]["priority"], "urgent");
    let (_, r) = app
        .get_json(
            &q(&format!("due_to={}", today() + Duration::days(2))),
            &d.staff,
        )
        .await;
    assert_eq!(count(&r), 1);
    let (_, r) = app.get_json(&q("q=nong thon moi"), &d.staff).await;
    assert_eq!(r["items"][0]["id"], a["id"]);
    let (_, r) = app.get_json(&q("status=draft,assigned"), &d.staff).await;
    assert_eq!(count(&r), 2);
    let (_, r) = app
        .get_json(
            &q(&format!(
                "directive_id={}&assignee_id={}",
                i.directive, i.cuong
            )),
            &d.staff,
        )
        .await;
    assert_eq!(count(&r), 2);
    assert_problem(app.get(&q("status=finished"), Some(&d.staff)).await, 400).await;
    assert_problem(app.get(&q("standing=soon"), Some(&d.staff)).await, 400).await;
    assert_problem(app.get(&q("sort=title"), Some(&d.staff)).await, 400).await;
}

/// Every reference of a task's body is looked up in one statement; each bad one is still named,
/// with its own reason, in the order of the body's fields.
#[tokio::test]
async fn every_bad_reference_is_named_in_the_order_of_the_fields() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let res = app
        .patch_json(
            &format!("/api/v1/staff/{}", i.nam),
            &json!({"active": false}),
            &d.head,
            Some("*"),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let nowhere = "01a21945-3cc4-77ec-a861-b9337650b011";
    let mut t = full_task(&i, "Việc", today());
    t["directive_id"] = json!(nowhere);
    t["campaign_id"] = json!(nowhere);
    // A sub-committee's id is not an organisation's.
    t["lead_organisation_id"] = json!(i.ktgs);
    t["coordinating_organisation_ids"] = json!([i.hnd, i.ktgs, i.hnd, nowhere, i.ccb]);
    t["sub_committee_id"] = json!(i.mttq);
    t["assignee_id"] = json!(i.nam);
    let body = assert_problem(app.post_json("/api/v1/tasks", &t, Some(&d.head)).await, 422).await;
    let errors: Vec<(String, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("directive_id", "no such directive in this bloc"),
        ("campaign_id", "no such campaign in this bloc"),
        ("lead_organisation_id", "no such organisation in this bloc"),
        (
            "coordinating_organisation_ids[1]",
            "is the lead organisation; it cannot also coordinate",
        ),
        ("coordinating_organisation_ids[2]", "is listed twice"),
        (
            "coordinating_organisation_ids[3]",
            "no such organisation in this bloc",
        ),
        ("sub_committee_id", "no such sub-committee in this bloc"),
        ("assignee_id", "this staff member is no longer active"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(f, m)| (f.to_string(), m.to_string()))
        .collect();
    assert_eq!(errors, expected);
    // More than 20 coordinators: the list's length is the problem, and nothing is looked up.
    let mut t = full_task(&i, "Việc", today());
    t["coordinating_organisation_ids"] = json!(vec![nowhere; 21]);
    let body = assert_problem(app.post_json("/api/v1/tasks", &t, Some(&d.head)).await, 422).await;
    assert_eq!(body["errors"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(body["errors"][0]["field"], "coordinating_organisation_ids");
}

#[tokio::test]
async fn bad_references_and_values_are_422_naming_the_field() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let mut t = full_task(&i, "Việc", today());
    t["coordinating_organisation_ids"] = json!([i.mttq]);
    let body = assert_problem(app.post_json("/api/v1/tasks", &t, Some(&d.head)).await, 422).await;
    assert_eq!(
        body["errors"][0]["field"],
        "coordinating_organisation_ids[0]"
    );
    let mut t = full_task(&i, "Việc", today());
    t["start_on"] = json!((today() + Duration::days(3)).to_string());
    let body = assert_problem(app.post_json("/api/v1/tasks", &t, Some(&d.head)).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "due_on");
    let mut t = full_task(&i, "Việc", today());
    t["assignee_id"] = json!("01a21945-3cc4-77ec-a861-b9337650b011");
    let body = assert_problem(app.post_json("/api/v1/tasks", &t, Some(&d.head)).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "assignee_id");
    let mut t = full_task(&i, "Việc", today());
    t["due_on"] = json!("31/03/2016");
    let body = assert_problem(app.post_json("/api/v1/tasks", &t, Some(&d.head)).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "due_on");
    // A report's progress and evidence are checked.
    let t = create(&app, &d.head, &full_task(&i, "Việc có báo cáo", today())).await;
    let id = t["id"].as_str().unwrap();
    act(&app, &d.head, id, json!({"action": "assign"})).await;
    let res = app
        .post_json(
            &format!("/api/v1/tasks/{id}/reports"),
            &json!({"text": "x", "progress": 120, "evidence": ["ftp://x"]}),
            Some(&d.staff),
        )
        .await;
    let body = assert_problem(res, 422).await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["progress", "evidence[0]"]);
    assert_problem(
        app.post_json(
            &format!("/api/v1/tasks/{id}/reports"),
            &json!({"text": "x", "progress": 10}),
            Some(&d.deputy),
        )
        .await,
        403,
    )
    .await;
    let res = app
        .post_json(
            &format!("/api/v1/tasks/{id}/reports"),
            &json!({"text": "Đã xong 30%", "progress": 30}),
            Some(&d.staff),
        )
        .await;
    assert_eq!(res.status(), 201);
    let (_, t) = app.get_json(&format!("/api/v1/tasks/{id}"), &d.head).await;
    assert_eq!(t["progress"], 30);
}

#[tokio::test]
async fn retries_with_the_same_idempotency_key_create_once() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let body = full_task(&i, "Tổng hợp báo cáo tháng 1/2016", today());
    let send = |key: &str, body: &Value| {
        app.client
            .post(app.url("/api/v1/tasks"))
            .bearer_auth(&d.head)
            .header("idempotency-key", key)
            .json(body)
            .send()
    };
    let first = send("tao-viec-0001", &body).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send("tao-viec-0001", &body).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
    assert_eq!(etag(&again), "\"1\"");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    let mut other = body.clone();
    other["title"] = json!("Khác hẳn");
    let res = send("tao-viec-0001", &other).await.unwrap();
    let problem = assert_problem(res, 422).await;
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    // Concurrent retries of one key create one task.
    let results =
        futures_util::future::join_all((0..8).map(|_| send("tao-viec-0002", &body))).await;
    let ids: std::collections::HashSet<String> =
        futures_util::future::join_all(results.into_iter().map(|r| async {
            let r = r.unwrap();
            assert_eq!(r.status(), 201);
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        }))
        .await
        .into_iter()
        .collect();
    assert_eq!(ids.len(), 1);
    let (_, all) = app
        .get_json("/api/v1/tasks?q=tong hop bao cao thang", &d.head)
        .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    assert_problem(
        app.client
            .post(app.url("/api/v1/tasks"))
            .bearer_auth(&d.head)
            .header("idempotency-key", "có dấu")
            .json(&body)
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
}

#[tokio::test]
async fn stale_if_match_on_a_move_is_412_and_changes_nothing() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let t = create(
        &app,
        &d.head,
        &full_task(&i, "Việc kiểm tra phiên bản", today()),
    )
    .await;
    let id = t["id"].as_str().unwrap();
    // A tag that is not ours, and the current version as a weak tag (If-Match compares
    // strongly), are 412 like an older version.
    for stale in ["\"7\"", "\"stale-0\"", "W/\"1\""] {
        let res = app
            .client
            .post(app.url(&format!("/api/v1/tasks/{id}/transitions")))
            .bearer_auth(&d.head)
            .header("if-match", stale)
            .json(&json!({"action": "assign"}))
            .send()
            .await
            .unwrap();
        assert_problem(res, 412).await;
    }
    let (_, t) = app.get_json(&format!("/api/v1/tasks/{id}"), &d.head).await;
    assert_eq!(t["status"], "draft");
    let res = app
        .client
        .post(app.url(&format!("/api/v1/tasks/{id}/transitions")))
        .bearer_auth(&d.head)
        .header("if-match", "\"1\"")
        .json(&json!({"action": "assign"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(etag(&res), "\"2\"");
}

#[tokio::test]
async fn overlapping_tasks_are_flagged_and_can_be_marked_duplicate() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let first = create(
        &app,
        &d.head,
        &full_task(
            &i,
            "Tuyên truyền, vận động nhân dân tham gia xây dựng nông thôn mới năm 2016",
            today(),
        ),
    )
    .await;
    let mut second = full_task(
        &i,
        "Vận động nhân dân tham gia xây dựng nông thôn mới",
        today(),
    );
    second["lead_organisation_id"] = json!(i.ccb);
    second["coordinating_organisation_ids"] = json!([i.hnd]);
    let second = create(&app, &d.deputy, &second).await;
    let dup = &second["possible_duplicates"];
    assert_eq!(dup[0]["id"], first["id"], "{second}");
    assert!(dup[0]["score"].as_f64().unwrap() >= 0.5);
    assert_eq!(dup[0]["lead_organisation_id"], json!(i.mttq));
    let unrelated = create(
        &app,
        &d.head,
        &full_task(&i, "Kiểm tra thu chi quỹ hội năm 2015", today()),
    )
    .await;
    assert_eq!(unrelated["possible_duplicates"], json!([]));
    let (_, similar) = app
        .get_json(
            &format!("/api/v1/tasks/{}/similar", first["id"].as_str().unwrap()),
            &d.staff,
        )
        .await;
    assert_eq!(similar["items"][0]["id"], second["id"]);
    let sid = second["id"].as_str().unwrap();
    let res = act(
        &app,
        &d.deputy,
        sid,
        json!({"action": "mark_duplicate", "duplicate_of": first["id"]}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let t: Value = res.json().await.unwrap();
    assert_eq!(
        (t["status"].as_str(), t["duplicate_of"].clone()),
        (Some("cancelled"), first["id"].clone())
    );
    assert_eq!(t["standing"], Value::Null);
    // A cancelled task is no longer offered as a duplicate.
    let (_, similar) = app
        .get_json(
            &format!("/api/v1/tasks/{}/similar", first["id"].as_str().unwrap()),
            &d.staff,
        )
        .await;
    assert_eq!(similar["items"], json!([]));
}

#[tokio::test]
async fn another_blocs_tasks_do_not_exist() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let t = create(
        &app,
        &d.head,
        &full_task(&i, "Việc riêng của Hải Hà", today()),
    )
    .await;
    let id = t["id"].as_str().unwrap();
    let (_, other) = app
        .other_bloc(&d.admin, "Khối xã Đầm Hà", "Quảng Ninh", "dam.ha.head")
        .await;
    for path in [
        format!("/api/v1/tasks/{id}"),
        format!("/api/v1/tasks/{id}/history"),
        format!("/api/v1/tasks/{id}/reports"),
        format!("/api/v1/tasks/{id}/similar"),
    ] {
        assert_problem(app.get(&path, Some(&other)).await, 404).await;
    }
    assert_problem(
        act(&app, &other, id, json!({"action": "cancel"})).await,
        404,
    )
    .await;
    assert_problem(
        app.patch_json(
            &format!("/api/v1/tasks/{id}"),
            &json!({"title": "x"}),
            &other,
            None,
        )
        .await,
        404,
    )
    .await;
    assert_problem(
        app.post_json(
            &format!("/api/v1/tasks/{id}/reports"),
            &json!({"text": "x", "progress": 1}),
            Some(&other),
        )
        .await,
        404,
    )
    .await;
    let (_, list) = app.get_json("/api/v1/tasks", &other).await;
    assert!(list["items"].as_array().unwrap().is_empty());
    // The bloc's own tasks cannot point at another bloc's task either.
    let (_, list) = app.get_json("/api/v1/tasks", &d.head).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

/// A task's coordinators are read in the same statement as the task (issue 19): every read
/// (detail, list, a page as it stood, my tasks) gives each task exactly its own, in one order,
/// whether it has none, one or several, and after they are changed.
#[tokio::test]
async fn every_read_gives_each_task_its_own_coordinators() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let (_, orgs) = app
        .get_json("/api/v1/organisations?limit=100", &d.head)
        .await;
    let others: Vec<String> = orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .filter(|o| *o != i.mttq)
        .collect();
    assert!(others.len() >= 4, "the demo's organisations: {orgs}");
    let sets: Vec<Vec<String>> = vec![
        vec![],
        vec![others[2].clone()],
        // Sent in reverse order: read back sorted.
        others.iter().rev().cloned().collect(),
    ];
    let mut want: Vec<(String, Vec<String>)> = vec![];
    for (n, set) in sets.iter().enumerate() {
        let mut body = full_task(&i, &format!("Phối hợp tuyên truyền đợt {n}"), today());
        body["coordinating_organisation_ids"] = json!(set);
        let t = create(&app, &d.head, &body).await;
        let mut sorted = set.clone();
        sorted.sort();
        assert_eq!(
            t["coordinating_organisation_ids"],
            json!(sorted),
            "create {n}"
        );
        want.push((t["id"].as_str().unwrap().to_string(), sorted));
    }
    // Changed while a draft: one dropped from the last.
    let (id, set) = want.last_mut().unwrap();
    set.remove(1);
    let res = app
        .patch_json(
            &format!("/api/v1/tasks/{id}"),
            &json!({"coordinating_organisation_ids": set}),
            &d.head,
            Some("\"1\""),
        )
        .await;
    assert_eq!(res.status(), 200);
    for (id, _) in &want {
        let res = act(&app, &d.head, id, json!({"action": "assign"})).await;
        assert_eq!(res.status(), 200);
    }
    let check = |what: &str, items: &Value| {
        for (id, set) in &want {
            let t = items
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["id"] == json!(id))
                .unwrap_or_else(|| panic!("{what}: {id} missing"));
            assert_eq!(
                t["coordinating_organisation_ids"],
                json!(set),
                "{what}: {id}"
            );
        }
    };
    for (id, set) in &want {
        let (s, t) = app.get_json(&format!("/api/v1/tasks/{id}"), &d.staff).await;
        assert_eq!(s, 200);
        assert_eq!(
            t["coordinating_organisation_ids"],
            json!(set),
            "detail {id}"
        );
    }
    let (_, page) = app.get_json("/api/v1/tasks?limit=100", &d.staff).await;
    check("list", &page["items"]);
    let (_, page) = app
        .get_json(
            &format!("/api/v1/tasks?limit=100&as_of={}", today()),
            &d.staff,
        )
        .await;
    check("as_of", &page["items"]);
    let (_, page) = app.get_json("/api/v1/me/tasks?limit=100", &d.staff).await;
    check("my tasks", &page["items"]);
}

/// `fields=` cuts each task of a list to the fields asked for (`id` always), for the task list
/// and my tasks; a name that is not a field is a 400 naming
/// `fields`, and an answer without it is whole (issue 19: a smaller list answer).
#[tokio::test]
async fn a_list_answers_with_the_fields_asked_for() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let t = create(&app, &d.head, &full_task(&i, "Rà soát hộ nghèo", today())).await;
    let id = t["id"].as_str().unwrap();
    assert_eq!(
        act(&app, &d.head, id, json!({"action": "assign"}))
            .await
            .status(),
        200
    );
    let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    for path in ["/api/v1/tasks", "/api/v1/me/tasks"] {
        let (s, whole) = app.get_json(path, &d.staff).await;
        assert_eq!(s, 200, "{path}");
        assert!(keys(&whole["items"][0]).len() > 20, "{path}: {whole}");
        // Repeated and spaced names count once; `id` comes though not asked for.
        let (s, cut) = app
            .get_json(&format!("{path}?fields=status,%20title,status"), &d.staff)
            .await;
        assert_eq!(s, 200, "{path}");
        let items = cut["items"].as_array().unwrap();
        assert_eq!(items.len(), whole["items"].as_array().unwrap().len());
        for (c, w) in items.iter().zip(whole["items"].as_array().unwrap()) {
            let mut k = keys(c);
            k.sort();
            assert_eq!(k, ["id", "status", "title"], "{path}");
            for k in ["id", "status", "title"] {
                assert_eq!(c[k], w[k], "{path}: {k}");
            }
        }
        assert!(cut.get("next_cursor").is_some());
        let (s, only_id) = app.get_json(&format!("{path}?fields=id"), &d.staff).await;
        assert_eq!(s, 200);
        assert_eq!(keys(&only_id["items"][0]), ["id"]);
        for bad in ["titel", "", ",", "title,password_hash"] {
            let res = app
                .get(&format!("{path}?fields={bad}"), Some(&d.staff))
                .await;
            let body = assert_problem(res, 400).await;
            assert_eq!(
                body["errors"][0]["field"], "fields",
                "{path}?fields={bad}: {body}"
            );
        }
    }
}
