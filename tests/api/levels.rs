//! Work between levels (issue 15), through the API only: Quảng Ninh's province bloc and three
//! commune blocs under it; a provincial directive sent to the three, acknowledged and reported
//! by each; a provincial task delegated to the three, two accept and one declines, the accepted
//! ones completed on time and late, the roll-up exact; reads across levels exact; the portal
//! following the feed sees every step.
use crate::files::{download, pdf, uploaded};
use crate::helpers::{DEMO_PASSWORD, TestApp, assert_problem, spawn_app};
use crate::ledger::changes_after;
use serde_json::{Value, json};

/// A bloc's people for the scenario: its head, a lead organisation and a staff member who
/// signs in.
struct Bloc {
    id: String,
    head: String,
    org: String,
    staff_id: String,
    staff: String,
}

async fn ok(app: &TestApp, path: &str, body: Value, token: &str) -> Value {
    let res = app.post_json(path, &body, Some(token)).await;
    let status = res.status().as_u16();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    assert!((200..300).contains(&status), "POST {path}: {status} {v}");
    v
}

async fn patch_ok(app: &TestApp, path: &str, body: Value, token: &str) -> Value {
    let res = app.patch_json(path, &body, token, None).await;
    let status = res.status().as_u16();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "PATCH {path}: {v}");
    v
}

/// Opens a bloc with its head as the admin would, then gives it a lead organisation and a
/// staff member with an account.
async fn open_bloc(app: &TestApp, admin: &str, body: Value, key: &str) -> Bloc {
    let mut body = body;
    body["head"] = json!({"full_name": format!("Trưởng khối {key}"), "username": format!("{key}.head"),
                          "password": DEMO_PASSWORD});
    let b = ok(app, "/api/v1/blocs", body, admin).await;
    let head = app
        .first_sign_in(&format!("{key}.head"), DEMO_PASSWORD)
        .await
        .access;
    let org = ok(
        app,
        "/api/v1/organisations",
        json!({"code": "MTTQ", "name": format!("Ủy ban MTTQ {key}"), "kind": "fatherland_front"}),
        &head,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let staff_id = ok(
        app,
        "/api/v1/staff",
        json!({"full_name": format!("Cán bộ {key}"), "role": "staff", "organisation_id": org}),
        &head,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        app,
        "/api/v1/accounts",
        json!({"username": format!("{key}.staff"), "password": DEMO_PASSWORD, "staff_id": staff_id}),
        &head,
    )
    .await;
    let staff = app
        .first_sign_in(&format!("{key}.staff"), DEMO_PASSWORD)
        .await
        .access;
    Bloc {
        id: b["id"].as_str().unwrap().to_string(),
        head,
        org,
        staff_id,
        staff,
    }
}

async fn mv(app: &TestApp, token: &str, task: &str, body: Value) -> (u16, Value) {
    let res = app
        .post_json(
            &format!("/api/v1/tasks/{task}/transitions"),
            &body,
            Some(token),
        )
        .await;
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(Value::Null))
}

/// Takes a received task through the child's own workflow to completion on `done`.
async fn carry_out(app: &TestApp, b: &Bloc, task: &str, done: &str) {
    let (s, v) = mv(
        app,
        &b.head,
        task,
        json!({"action": "accept", "occurred_on": "2026-03-03"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "draft");
    // Accepted, it is the bloc's own draft: the five clears before it can be assigned.
    let (s, v) = mv(
        app,
        &b.head,
        task,
        json!({"action": "assign", "occurred_on": "2026-03-04"}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    patch_ok(
        app,
        &format!("/api/v1/tasks/{task}"),
        json!({"lead_organisation_id": b.org, "assignee_id": b.staff_id}),
        &b.head,
    )
    .await;
    for (token, body) in [
        (
            &b.head,
            json!({"action": "assign", "occurred_on": "2026-03-04"}),
        ),
        (
            &b.staff,
            json!({"action": "start", "occurred_on": "2026-03-05"}),
        ),
        (
            &b.staff,
            json!({"action": "submit", "occurred_on": done,
                   "report": {"text": "Đã tổ chức hội nghị tại 100% thôn, khu.", "progress": 100}}),
        ),
        (&b.head, json!({"action": "complete", "occurred_on": done})),
    ] {
        let (s, v) = mv(app, token, task, body.clone()).await;
        assert_eq!(s, 200, "{body}: {v}");
    }
}

/// The task of `bloc` (as its head sees its list) delegated from `parent`.
async fn received_task(app: &TestApp, b: &Bloc, parent: &str) -> String {
    let (s, page) = app.get_json("/api/v1/tasks?status=received", &b.head).await;
    assert_eq!(s, 200);
    let items = page["items"].as_array().unwrap();
    let t = items
        .iter()
        .find(|t| t["parent_task_id"] == parent)
        .unwrap_or_else(|| panic!("no received task in {page}"));
    assert_eq!(t["bloc_id"], b.id.as_str());
    assert_eq!(t["allowed_actions"], json!(["accept", "decline"]));
    t["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_province_sends_work_down_to_three_communes_and_reads_what_comes_back() {
    let app = spawn_app().await;
    let admin = app.login_admin().await.access;

    // Provinces are records: the 34, Quảng Ninh with its official code.
    let (s, page) = app.get_json("/api/v1/provinces?limit=100", &admin).await;
    assert_eq!(s, 200);
    assert_eq!(page["items"].as_array().unwrap().len(), 34);
    let (_, qn) = app.get_json("/api/v1/provinces?q=quang ninh", &admin).await;
    let qn = &qn["items"][0];
    assert_eq!(
        (qn["name"].as_str(), qn["code"].as_str()),
        (Some("Quảng Ninh"), Some("22"))
    );
    let qn_id = qn["id"].as_str().unwrap();

    let province = open_bloc(
        &app,
        &admin,
        json!({"name": "Khối MTTQ và các đoàn thể chính trị – xã hội tỉnh Quảng Ninh", "level": "province",
               "province_id": qn_id, "established_on": "2025-07-01"}),
        "tinh",
    )
    .await;
    let (_, pb) = app
        .get_json(&format!("/api/v1/blocs/{}", province.id), &admin)
        .await;
    assert_eq!(
        (pb["province"].as_str(), pb["province_id"].as_str()),
        (Some("Quảng Ninh"), Some(qn_id))
    );
    let mut communes = Vec::new();
    for (key, name) in [
        ("quangtan", "Khối xã Quảng Tân"),
        ("duongha", "Khối xã Đường Hoa"),
        ("quangha", "Khối xã Quảng Hà"),
    ] {
        communes.push(
            open_bloc(
                &app,
                &admin,
                json!({"name": name, "level": "commune", "parent_id": province.id, "established_on": "2025-07-01"}),
                key,
            )
            .await,
        );
    }
    let ids: Vec<&str> = communes.iter().map(|c| c.id.as_str()).collect();
    // A bloc of another province, to send to by mistake, with a person of its own.
    let (stranger, stranger_head) = app
        .other_bloc(&admin, "Khối xã Tân Thanh", "Lạng Sơn", "tanthanh.head")
        .await;
    ok(
        &app,
        "/api/v1/staff",
        json!({"full_name": "Hoàng Văn Tân", "role": "staff"}),
        &stranger_head,
    )
    .await;
    // No new district after the 2025 reform; an older one is kept for history.
    let p = assert_problem(
        app.post_json(
            "/api/v1/blocs",
            &json!({"name": "Khối huyện Hải Hà", "level": "district", "parent_id": province.id}),
            Some(&admin),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "level", "{p}");

    // 1. A provincial directive sent to the three, acknowledged and reported by each.
    let d = ok(
        &app,
        "/api/v1/directives",
        json!({"number": "01-CT/MTTQ-BTT", "issued_on": "2026-02-20",
               "title": "Về triển khai cuộc vận động năm 2026"}),
        &province.head,
    )
    .await;
    let did = d["id"].as_str().unwrap();
    let p = assert_problem(
        app.post_json(
            &format!("/api/v1/directives/{did}/dispatches"),
            &json!({"bloc_ids": [ids[0], stranger], "sent_on": "2026-02-21"}),
            Some(&province.head),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "bloc_ids[1]", "{p}");
    let sent = ok(
        &app,
        &format!("/api/v1/directives/{did}/dispatches"),
        json!({"bloc_ids": ids, "sent_on": "2026-02-21", "due_on": "2026-03-10"}),
        &province.head,
    )
    .await;
    assert_eq!(sent.as_array().unwrap().len(), 3);
    let mut minutes = vec![];
    for c in &communes {
        // Each reads the directive it received, and only its own dispatch.
        let (s, _) = app
            .get_json(&format!("/api/v1/directives/{did}"), &c.staff)
            .await;
        assert_eq!(s, 200);
        let (s, mine) = app
            .get_json("/api/v1/dispatches?received=true", &c.staff)
            .await;
        assert_eq!(s, 200);
        let mine = mine["items"].as_array().unwrap().clone();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0]["to_bloc_id"], c.id.as_str());
        let path = format!(
            "/api/v1/directives/{did}/dispatches/{}",
            mine[0]["id"].as_str().unwrap()
        );
        // The sender moves the deadline only; the child answers for itself.
        let p = assert_problem(
            app.patch_json(
                &path,
                &json!({"acknowledged_on": "2026-02-22"}),
                &province.head,
                None,
            )
            .await,
            422,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "acknowledged_on");
        let v = patch_ok(
            &app,
            &path,
            json!({"acknowledged_on": "2026-02-22"}),
            &c.staff,
        )
        .await;
        assert_eq!(v["status"], "acknowledged");
        // The report back carries the commune's signed minute, uploaded by its own people;
        // the province may not attach to the commune's answer.
        let minute = uploaded(&app, &c.staff, "Biên bản quán triệt.pdf", &pdf(2000)).await;
        let p = assert_problem(
            app.patch_json(
                &path,
                &json!({"attachments": [minute["id"]]}),
                &province.head,
                None,
            )
            .await,
            422,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "attachments", "{p}");
        let v = patch_ok(
            &app,
            &path,
            json!({"reported_on": "2026-03-05", "report": "Đã quán triệt đến 100% chi bộ, chi hội.",
                   "attachments": [minute["id"]]}),
            &c.head,
        )
        .await;
        assert_eq!(v["status"], "reported");
        assert_eq!(v["attachments"][0]["id"], minute["id"], "{v}");
        minutes.push(
            v["attachments"][0]["content_href"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // The province reads each commune's report back with its evidence and downloads it; a
    // sibling commune finds nothing of the others'.
    let (_, back) = app
        .get_json(
            &format!("/api/v1/directives/{did}/dispatches"),
            &province.head,
        )
        .await;
    assert!(
        back["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["attachments"].as_array().unwrap().len() == 1),
        "{back}"
    );
    for (i, href) in minutes.iter().enumerate() {
        let res = download(&app, href, &province.head).await;
        assert_eq!(res.status(), 200, "{href}");
        assert_eq!(res.bytes().await.unwrap().as_ref(), pdf(2000).as_slice());
        let sibling = &communes[(i + 1) % 3];
        assert_problem(download(&app, href, &sibling.head).await, 404).await;
    }
    // A sibling's dispatch does not exist for a commune.
    let other = sent[1]["id"].as_str().unwrap();
    let (s, _) = app
        .get_json(
            &format!("/api/v1/directives/{did}/dispatches/{other}"),
            &communes[0].head,
        )
        .await;
    assert_eq!(s, 404);
    let (_, back) = app
        .get_json(
            &format!("/api/v1/directives/{did}/dispatches"),
            &province.head,
        )
        .await;
    let statuses: Vec<&str> = back["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["reported"; 3]);

    // 2. A provincial task delegated to the three.
    let t = ok(
        &app,
        "/api/v1/tasks",
        json!({"title": "Tổ chức Ngày hội Đại đoàn kết toàn dân tộc ở khu dân cư",
               "description": "Mỗi xã tổ chức điểm Ngày hội ở các thôn, khu.",
               "expected_result": "100% thôn, khu tổ chức Ngày hội",
               "lead_organisation_id": province.org, "assignee_id": province.staff_id,
               "opened_on": "2026-03-01", "due_on": "2026-03-31"}),
        &province.head,
    )
    .await;
    let tid = t["id"].as_str().unwrap().to_string();
    let (s, v) = mv(
        &app,
        &province.head,
        &tid,
        json!({"action": "assign", "occurred_on": "2026-03-01"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    for (body, field) in [
        (json!({"bloc_ids": [stranger]}), "bloc_ids[0]"),
        (json!({"bloc_ids": [ids[0], ids[0]]}), "bloc_ids[1]"),
        (
            json!({"bloc_ids": [ids[0]], "due_on": "2026-04-30"}),
            "due_on",
        ),
        (
            json!({"bloc_ids": [ids[0]], "sent_on": "2026-02-01"}),
            "sent_on",
        ),
    ] {
        let p = assert_problem(
            app.post_json(
                &format!("/api/v1/tasks/{tid}/delegations"),
                &body,
                Some(&province.head),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }
    // Only those who answer for the task send it down.
    assert_problem(
        app.post_json(
            &format!("/api/v1/tasks/{tid}/delegations"),
            &json!({"bloc_ids": ids}),
            Some(&province.staff),
        )
        .await,
        403,
    )
    .await;
    let r = ok(
        &app,
        &format!("/api/v1/tasks/{tid}/delegations"),
        json!({"bloc_ids": ids, "due_on": "2026-03-20", "sent_on": "2026-03-02",
               "note": "Các xã báo cáo kết quả trước ngày 20/3.", "waits_for_children": true}),
        &province.head,
    )
    .await;
    assert_eq!(r["totals"]["delegated"], 3);
    assert_eq!(r["totals"]["awaiting_answer"], 3);
    assert_eq!(r["waits_for_children"], true);
    let p = assert_problem(
        app.post_json(
            &format!("/api/v1/tasks/{tid}/delegations"),
            &json!({"bloc_ids": [ids[1]]}),
            Some(&province.head),
        )
        .await,
        422,
    )
    .await;
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already"),
        "{p}"
    );

    let kids: Vec<String> = {
        let mut v = Vec::new();
        for c in &communes {
            v.push(received_task(&app, c, &tid).await);
        }
        v
    };
    // Staff of the child bloc do not answer for it.
    let (s, _) = mv(
        &app,
        &communes[0].staff,
        &kids[0],
        json!({"action": "accept"}),
    )
    .await;
    assert_eq!(s, 403);
    // Two accept and one declines, with a reason.
    carry_out(&app, &communes[0], &kids[0], "2026-03-15").await;
    let (s, p) = mv(
        &app,
        &communes[0].head,
        &kids[0],
        json!({"action": "accept"}),
    )
    .await;
    assert_eq!(s, 409, "accepting twice: {p}");
    let (s, p) = mv(
        &app,
        &communes[2].head,
        &kids[2],
        json!({"action": "decline"}),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "reason");
    let (s, v) = mv(
        &app,
        &communes[2].head,
        &kids[2],
        json!({"action": "decline", "reason": "Xã đang sáp nhập, đề nghị tỉnh giao lại sau.", "occurred_on": "2026-03-03"}),
    )
    .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("declined")), "{v}");
    let (s, p) = mv(
        &app,
        &communes[0].head,
        &kids[0],
        json!({"action": "decline", "reason": "x"}),
    )
    .await;
    assert_eq!(s, 409, "declining a completed one: {p}");
    assert!(p["allowed"].as_array().is_some_and(|a| a.is_empty()), "{p}");

    // The parent waits for its children.
    for (token, body) in [
        (
            &province.staff,
            json!({"action": "start", "occurred_on": "2026-03-05"}),
        ),
        (
            &province.staff,
            json!({"action": "submit", "occurred_on": "2026-03-16",
                   "report": {"text": "Tổng hợp kết quả các xã.", "progress": 90}}),
        ),
    ] {
        let (s, v) = mv(&app, token, &tid, body).await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, p) = mv(
        &app,
        &province.head,
        &tid,
        json!({"action": "complete", "occurred_on": "2026-03-16"}),
    )
    .await;
    assert_eq!(s, 409, "{p}");
    assert!(p["detail"].as_str().unwrap().contains(&kids[1]), "{p}");
    carry_out(&app, &communes[1], &kids[1], "2026-03-25").await;
    let (s, v) = mv(
        &app,
        &province.head,
        &tid,
        json!({"action": "complete", "occurred_on": "2026-03-26"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");

    // The roll-up, exact.
    let (s, r) = app
        .get_json(&format!("/api/v1/tasks/{tid}/delegations"), &province.staff)
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        r["totals"],
        json!({"delegated": 3, "awaiting_answer": 0, "accepted": 2, "declined": 1, "cancelled": 0,
               "completed": 2, "completed_on_time": 1, "completed_late": 1, "overdue": 0,
               "open_within_deadline": 0, "progress": 100})
    );
    let children = r["children"].as_array().unwrap();
    let standings: Vec<&str> = children
        .iter()
        .map(|c| c["standing"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(standings, ["completed_on_time", "completed_late", "none"]);
    assert_eq!(children[0]["bloc_name"], "Khối xã Quảng Tân");
    assert_eq!(
        children[2]["decline_reason"],
        "Xã đang sáp nhập, đề nghị tỉnh giao lại sau."
    );

    // Reading across levels is exact.
    let (s, k) = app
        .get_json(&format!("/api/v1/tasks/{}", kids[0]), &province.staff)
        .await;
    assert_eq!(s, 200, "the sender reads what came back");
    assert_eq!(k["allowed_actions"], json!([]), "and may do nothing to it");
    let (s, reports) = app
        .get_json(
            &format!("/api/v1/tasks/{}/reports", kids[0]),
            &province.head,
        )
        .await;
    assert_eq!(
        (s, reports["items"].as_array().map(Vec::len)),
        (200, Some(1))
    );
    let (s, _) = app
        .get_json(
            &format!("/api/v1/tasks/{}/history", kids[1]),
            &province.head,
        )
        .await;
    assert_eq!(s, 200);
    let (s, parent) = app
        .get_json(&format!("/api/v1/tasks/{tid}"), &communes[0].staff)
        .await;
    assert_eq!(s, 200, "a child reads the task it received");
    assert_eq!(parent["allowed_actions"], json!([]));
    for path in [
        format!("/api/v1/tasks/{tid}/delegations"),
        format!("/api/v1/tasks/{tid}/reports"),
        format!("/api/v1/tasks/{tid}/history"),
        format!("/api/v1/tasks/{}", kids[1]),
        format!("/api/v1/tasks/{}/reports", kids[1]),
    ] {
        let (s, _) = app.get_json(&path, &communes[0].head).await;
        assert_eq!(
            s, 404,
            "{path}: a child reads nothing else, of its parent or a sibling"
        );
    }
    let (s, _) = app
        .get_json(&format!("/api/v1/tasks/{}", kids[0]), &communes[1].head)
        .await;
    assert_eq!(s, 404, "a sibling's task does not exist");
    // A child cannot move its parent's task, nor the parent its child's.
    let (s, _) = mv(&app, &communes[0].head, &tid, json!({"action": "cancel"})).await;
    assert_eq!(s, 404);

    // The portal following the feed sees every step, with what happened.
    let portal = app.portal_account(&admin, "Quảng Ninh", "cong.tinh").await;
    let (s, feed) = app
        .get_json("/api/v1/changes?after=0&limit=1000", &portal)
        .await;
    assert_eq!(s, 200);
    let steps: Vec<(String, String)> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| kids.iter().any(|k| c["resource_id"] == k.as_str()))
        .map(|c| {
            (
                c["resource_id"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let of = |k: &str| -> Vec<&str> {
        steps
            .iter()
            .filter(|(id, _)| id == k)
            .map(|(_, a)| a.as_str())
            .collect()
    };
    assert_eq!(
        of(&kids[0]),
        [
            "delegate", "accept", "update", "assign", "start", "submit", "complete"
        ]
    );
    assert_eq!(of(&kids[2]), ["delegate", "decline"]);
    let acts: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["resource_type"] == "directive_dispatch")
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        acts,
        [
            "create",
            "create",
            "create",
            "acknowledge",
            "report",
            "acknowledge",
            "report",
            "acknowledge",
            "report"
        ]
    );
    // The admin's feed holds the same steps.
    let all = changes_after(&app, &admin, 0).await;
    assert!(all.iter().any(|c| c["action"] == "decline"));

    // The province's view: the summary shows each commune's answer to the work sent down.
    let (s, sum) = app
        .get_json(
            "/api/v1/reports/summary?from=2026-03-01&to=2026-03-31",
            &portal,
        )
        .await;
    assert_eq!(s, 200, "{sum}");
    let received = |id: &str| {
        sum["blocs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["bloc_id"] == id)
            .map(|b| b["received"].clone())
            .unwrap()
    };
    assert_eq!(received(ids[0])["completed_on_time"], 1);
    assert_eq!(received(ids[1])["completed_late"], 1);
    assert_eq!(received(ids[2])["declined"], 1);
    let b0 = sum["blocs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["bloc_id"] == ids[0])
        .unwrap();
    assert_eq!(b0["parent_id"], province.id.as_str());
    // Every list the portal reads narrows to one bloc, and never beyond its province.
    let (_, one) = app
        .get_json(&format!("/api/v1/tasks?bloc_id={}", ids[1]), &portal)
        .await;
    let blocs: Vec<&str> = one["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["bloc_id"].as_str().unwrap())
        .collect();
    assert_eq!(blocs, [ids[1]]);
    // Narrowed, each list holds that bloc's own rows and none of the others' the portal sees.
    for (path, bloc) in [
        ("tasks", ids[0]),
        ("staff", ids[0]),
        ("organisations", ids[0]),
        ("directives", province.id.as_str()),
        ("dispatches", province.id.as_str()),
    ] {
        let (_, all) = app.get_json(&format!("/api/v1/{path}"), &portal).await;
        let all = all["items"].as_array().unwrap().clone();
        let (s, page) = app
            .get_json(&format!("/api/v1/{path}?bloc_id={bloc}"), &portal)
            .await;
        assert_eq!(s, 200, "{path}");
        let mine = page["items"].as_array().unwrap();
        assert!(!mine.is_empty(), "{path}: {page}");
        assert!(mine.iter().all(|i| i["bloc_id"] == bloc), "{path}: {page}");
        assert_eq!(
            mine.len(),
            all.iter().filter(|i| i["bloc_id"] == bloc).count(),
            "{path}"
        );
    }
    assert!(
        app.get_json("/api/v1/staff", &portal).await.1["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["bloc_id"] != ids[0]),
        "the portal sees more than one bloc's staff unnarrowed"
    );
    // A bloc outside the portal's province does not widen it: its staff stay unseen.
    let (s, page) = app
        .get_json(&format!("/api/v1/staff?bloc_id={stranger}"), &portal)
        .await;
    assert_eq!((s, page["items"].as_array().map(Vec::len)), (200, Some(0)));
    // The admin narrows to a province.
    let (_, ls) = app
        .get_json("/api/v1/tasks?province=lang son", &admin)
        .await;
    assert!(ls["items"].as_array().unwrap().is_empty());
    let (_, staff_ls) = app
        .get_json("/api/v1/staff?province=Lạng Sơn", &admin)
        .await;
    assert!(!staff_ls["items"].as_array().unwrap().is_empty());
    assert!(
        staff_ls["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["bloc_id"] == stranger.as_str()),
        "{staff_ls}"
    );
}

/// Units of a bloc, made by its head: (name, kind) → id.
async fn units(app: &TestApp, head: &str, names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for n in names {
        let u = ok(
            app,
            "/api/v1/units",
            json!({"name": n, "kind": "village"}),
            head,
        )
        .await;
        out.push(u["id"].as_str().unwrap().to_string());
    }
    out
}

async fn figure(
    app: &TestApp,
    token: &str,
    campaign: &str,
    target: &str,
    unit: &str,
    as_of: &str,
    (num, den): (f64, f64),
) -> (u16, Value) {
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/targets/{target}/measurements"),
            &json!({"unit_id": unit, "measured_on": as_of, "numerator": num, "denominator": den}),
            Some(token),
        )
        .await;
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_campaign_cascaded_to_three_communes_counts_their_units_and_a_merger_keeps_the_series() {
    let app = spawn_app().await;
    let admin = app.login_admin().await.access;
    let province = open_bloc(
        &app,
        &admin,
        json!({"name": "Khối MTTQ và các đoàn thể tỉnh Quảng Ninh", "level": "province", "province": "quang ninh"}),
        "tinh",
    )
    .await;
    let mut communes = Vec::new();
    for (key, name) in [
        ("xa1", "Khối xã Quảng Tân"),
        ("xa2", "Khối xã Đường Hoa"),
        ("xa3", "Khối xã Quảng Hà"),
    ] {
        communes.push(
            open_bloc(
                &app,
                &admin,
                json!({"name": name, "level": "commune", "parent_id": province.id}),
                key,
            )
            .await,
        );
    }
    let (stranger, _) = app
        .other_bloc(&admin, "Khối xã Tân Thanh", "Lạng Sơn", "tanthanh.head")
        .await;
    let villages = [
        units(&app, &communes[0].head, &["Thôn 1", "Thôn 2"]).await,
        units(&app, &communes[1].head, &["Thôn Đông", "Thôn Tây"]).await,
        units(&app, &communes[2].head, &["Thôn Bắc"]).await,
    ];
    let camp = ok(
        &app,
        "/api/v1/campaigns",
        json!({"name": "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh", "kind": "movement",
               "lead_organisation_id": province.org, "start_on": "2026-01-01", "end_on": "2026-12-31"}),
        &province.head,
    )
    .await;
    let cid = camp["id"].as_str().unwrap().to_string();
    let target = ok(
        &app,
        &format!("/api/v1/campaigns/{cid}/targets"),
        json!({"indicator": "Tỷ lệ hộ gia đình văn hóa", "measure": "percent", "aggregation": "ratio",
               "target_value": 90, "due_on": "2026-12-31"}),
        &province.head,
    )
    .await;
    let tid = target["id"].as_str().unwrap().to_string();
    let ids: Vec<&str> = communes.iter().map(|c| c.id.as_str()).collect();
    let p = assert_problem(
        app.post_json(
            &format!("/api/v1/campaigns/{cid}/cascades"),
            &json!({"bloc_ids": [ids[0], stranger]}),
            Some(&province.head),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "bloc_ids[1]");
    let kids = ok(
        &app,
        &format!("/api/v1/campaigns/{cid}/cascades"),
        json!({"bloc_ids": ids}),
        &province.head,
    )
    .await;
    let kids = kids.as_array().unwrap().clone();
    assert_eq!(kids.len(), 3);
    let p = assert_problem(
        app.post_json(
            &format!("/api/v1/campaigns/{cid}/cascades"),
            &json!({"bloc_ids": [ids[2]]}),
            Some(&province.head),
        )
        .await,
        422,
    )
    .await;
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already"),
        "{p}"
    );

    // Each commune collects its villages' figures on its own linked campaign and target.
    let figures = [
        [(40.0, 100.0), (60.0, 100.0)],
        [(90.0, 200.0), (110.0, 200.0)],
        [(30.0, 50.0), (0.0, 0.0)],
    ];
    for (i, c) in communes.iter().enumerate() {
        let kid = kids.iter().find(|k| k["bloc_id"] == c.id.as_str()).unwrap();
        assert_eq!(kid["parent_campaign_id"], cid.as_str());
        let kid_id = kid["id"].as_str().unwrap();
        let (_, ts) = app
            .get_json(&format!("/api/v1/campaigns/{kid_id}/targets"), &c.staff)
            .await;
        let kt = ts["items"].as_array().unwrap()[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(ts["items"][0]["parent_target_id"], tid.as_str());
        for (j, (num, den)) in figures[i].iter().enumerate() {
            if *den > 0.0 {
                let (s, v) = figure(
                    &app,
                    &c.staff,
                    kid_id,
                    &kt,
                    &villages[i][j],
                    "2026-03-31",
                    (*num, *den),
                )
                .await;
                assert_eq!(s, 201, "{v}");
            }
        }
    }
    // The province's figure is the ratio over every unit's figure of the three communes.
    let (s, prog) = app
        .get_json(
            &format!("/api/v1/campaigns/{cid}/progress?as_of=2026-04-15"),
            &province.staff,
        )
        .await;
    assert_eq!(s, 200, "{prog}");
    let t = &prog["targets"][0];
    let (num, den) = (
        40.0 + 60.0 + 90.0 + 110.0 + 30.0,
        100.0 + 100.0 + 200.0 + 200.0 + 50.0,
    );
    assert_eq!(
        (t["numerator"].as_f64(), t["denominator"].as_f64()),
        (Some(num), Some(den))
    );
    assert_eq!(
        t["value"].as_f64(),
        Some(((100.0 * num / den) * 10_000.0_f64).round() / 10_000.0)
    );
    assert_eq!(
        (t["units_in_scope"].as_i64(), t["units_reporting"].as_i64()),
        (Some(5), Some(5))
    );
    // Per bloc, by the same aggregation.
    let blocs: Vec<(String, Option<f64>)> = t["blocs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["bloc_name"].as_str().unwrap().to_string(),
                b["value"].as_f64(),
            )
        })
        .collect();
    assert!(
        blocs.contains(&("Khối xã Quảng Tân".to_string(), Some(50.0))),
        "{blocs:?}"
    );
    assert!(
        blocs.contains(&("Khối xã Đường Hoa".to_string(), Some(50.0))),
        "{blocs:?}"
    );
    assert!(
        blocs.contains(&("Khối xã Quảng Hà".to_string(), Some(60.0))),
        "{blocs:?}"
    );
    // A commune's unit that has not reported this month shows among the province's.
    let (_, april) = app
        .get_json(
            &format!("/api/v1/campaigns/{cid}/progress?as_of=2026-04-15&reported_from=2026-04-01"),
            &province.staff,
        )
        .await;
    assert_eq!(
        april["targets"][0]["not_reported"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    // Reads across levels: the province reads a child's figures; a commune its parent's
    // campaign, not a sibling's.
    let kid0 = kids.iter().find(|k| k["bloc_id"] == ids[0]).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let kid1 = kids.iter().find(|k| k["bloc_id"] == ids[1]).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _) = app
        .get_json(
            &format!("/api/v1/campaigns/{kid0}/progress"),
            &province.head,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .get_json(&format!("/api/v1/campaigns/{cid}"), &communes[0].staff)
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .get_json(&format!("/api/v1/campaigns/{kid1}"), &communes[0].head)
        .await;
    assert_eq!(s, 404);

    // The second commune merges its two villages on 2026-07-01; the series stays continuous.
    let c = &communes[1];
    let kid1_t = {
        let (_, ts) = app
            .get_json(&format!("/api/v1/campaigns/{kid1}/targets"), &c.head)
            .await;
        ts["items"][0]["id"].as_str().unwrap().to_string()
    };
    let merge = |body: Value| {
        let app = &app;
        let token = c.head.clone();
        async move {
            let res = app
                .post_json("/api/v1/units/mergers", &body, Some(&token))
                .await;
            let s = res.status().as_u16();
            (s, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // A merger dated on or before a figure of a merged unit would re-home it: refused.
    let (s, p) = merge(
        json!({"unit_ids": villages[1], "new_unit": {"name": "Thôn Đông Tây", "kind": "village"},
                              "merged_on": "2026-03-31", "decision": "15/NQ-HĐND"}),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "merged_on");
    // Another bloc's unit, and a unit listed twice.
    let (s, p) = merge(json!({"unit_ids": [villages[1][0], villages[0][0]], "new_unit": {"name": "X", "kind": "village"},
                              "merged_on": "2026-07-01", "decision": "15/NQ-HĐND"}))
    .await;
    assert_eq!(
        (s, p["errors"][0]["field"].as_str()),
        (422, Some("unit_ids[1]")),
        "{p}"
    );
    let (s, m) = merge(json!({"unit_ids": villages[1], "new_unit": {"name": "Thôn Đông Tây", "kind": "village", "code": "TDT"},
                              "merged_on": "2026-07-01", "decision": "15/NQ-HĐND"}))
    .await;
    assert_eq!(s, 201, "{m}");
    let new_unit = m["unit"]["id"].as_str().unwrap().to_string();
    assert_eq!(m["unit"]["valid_from"], "2026-07-01");
    let closed: Vec<&str> = m["merged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["valid_to"].as_str().unwrap())
        .collect();
    assert_eq!(closed, ["2026-06-30", "2026-06-30"]);
    // Merging a closed unit again is refused.
    let (s, p) = merge(
        json!({"unit_ids": [villages[1][0], new_unit], "new_unit": {"name": "Y", "kind": "village"},
                              "merged_on": "2026-08-01", "decision": "16/NQ-HĐND"}),
    )
    .await;
    assert_eq!(
        (s, p["errors"][0]["field"].as_str()),
        (422, Some("unit_ids[0]")),
        "{p}"
    );
    // The predecessors are listed under their successor.
    let (_, preds) = app
        .get_json(&format!("/api/v1/units?successor_id={new_unit}"), &c.head)
        .await;
    assert_eq!(preds["items"].as_array().unwrap().len(), 2);
    // A closed unit takes no figure after its last day.
    let (s, p) = figure(
        &app,
        &c.staff,
        &kid1,
        &kid1_t,
        &villages[1][0],
        "2026-07-31",
        (1.0, 2.0),
    )
    .await;
    assert_eq!(
        (s, p["errors"][0]["field"].as_str()),
        (422, Some("measured_on")),
        "{p}"
    );

    // In July, before the new unit reports, the province's figure is what it was: the new
    // unit carries its predecessors' aggregate.
    let (_, july) = app
        .get_json(
            &format!("/api/v1/campaigns/{cid}/progress?as_of=2026-07-15"),
            &province.staff,
        )
        .await;
    let t = &july["targets"][0];
    assert_eq!(
        (t["numerator"].as_f64(), t["denominator"].as_f64()),
        (Some(num), Some(den)),
        "{t}"
    );
    assert_eq!(
        t["units_in_scope"].as_i64(),
        Some(4),
        "two villages became one"
    );
    let series = |v: &Value| -> Vec<(String, Option<f64>)> {
        v["targets"][0]["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["month"].as_str().unwrap().to_string(),
                    p["value"].as_f64(),
                )
            })
            .collect()
    };
    let before = series(&july);
    assert!(
        before.iter().skip(2).all(|(_, v)| *v == before[2].1),
        "continuous: {before:?}"
    );
    // After it reports, its own figure counts.
    let (s, v) = figure(
        &app,
        &c.staff,
        &kid1,
        &kid1_t,
        &new_unit,
        "2026-07-31",
        (300.0, 400.0),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (_, aug) = app
        .get_json(
            &format!("/api/v1/campaigns/{cid}/progress?as_of=2026-08-15"),
            &province.staff,
        )
        .await;
    let t = &aug["targets"][0];
    assert_eq!(
        (t["numerator"].as_f64(), t["denominator"].as_f64()),
        (
            Some(40.0 + 60.0 + 300.0 + 30.0),
            Some(100.0 + 100.0 + 400.0 + 50.0)
        )
    );
    // Asked about a day before the merger, the units are read as they were.
    let (_, june) = app
        .get_json(
            &format!("/api/v1/campaigns/{cid}/progress?as_of=2026-06-15"),
            &province.staff,
        )
        .await;
    assert_eq!(june["targets"][0]["units_in_scope"].as_i64(), Some(5));
    assert_eq!(june["targets"][0]["numerator"].as_f64(), Some(num));
}

#[tokio::test]
async fn a_district_bloc_dissolved_into_its_province_moves_its_open_work_and_keeps_its_history() {
    let app = spawn_app().await;
    let admin = app.login_admin().await.access;
    let province = open_bloc(
        &app,
        &admin,
        json!({"name": "Khối MTTQ và các đoàn thể tỉnh Quảng Ninh", "level": "province", "province": "Quảng Ninh"}),
        "tinh",
    )
    .await;
    let district = open_bloc(
        &app,
        &admin,
        json!({"name": "Khối MTTQ và các đoàn thể huyện Hải Hà", "level": "district", "parent_id": province.id,
               "established_on": "2016-01-25"}),
        "haiha",
    )
    .await;
    let commune = open_bloc(
        &app,
        &admin,
        json!({"name": "Khối xã Quảng Long", "level": "commune", "parent_id": district.id, "established_on": "2016-02-01"}),
        "quanglong",
    )
    .await;
    let (stranger, _) = app
        .other_bloc(&admin, "Khối xã Tân Thanh", "Lạng Sơn", "tanthanh.head")
        .await;
    let village = units(&app, &district.head, &["Xã Quảng Thành"]).await;
    // An open task and a completed one.
    let mk = |title: &str| {
        json!({"title": title, "description": "Rà soát, tổng hợp.", "expected_result": "Báo cáo",
               "lead_organisation_id": district.org, "assignee_id": district.staff_id,
               "opened_on": "2025-03-01", "due_on": "2025-09-30"})
    };
    let open_task = ok(
        &app,
        "/api/v1/tasks",
        mk("Tổng kết 10 năm hoạt động của Khối"),
        &district.head,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let done_task = ok(
        &app,
        "/api/v1/tasks",
        mk("Báo cáo quý I năm 2025"),
        &district.head,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (token, body) in [
        (
            &district.head,
            json!({"action": "assign", "occurred_on": "2025-03-01"}),
        ),
        (
            &district.staff,
            json!({"action": "start", "occurred_on": "2025-03-02"}),
        ),
    ] {
        let (s, v) = mv(&app, token, &open_task, body.clone()).await;
        assert_eq!(s, 200, "{v}");
        let (s, v) = mv(&app, token, &done_task, body).await;
        assert_eq!(s, 200, "{v}");
    }
    for (token, body) in [
        (
            &district.staff,
            json!({"action": "submit", "occurred_on": "2025-03-30", "report": {"text": "Đã báo cáo.", "progress": 100}}),
        ),
        (
            &district.head,
            json!({"action": "complete", "occurred_on": "2025-03-31"}),
        ),
    ] {
        let (s, v) = mv(&app, token, &done_task, body).await;
        assert_eq!(s, 200, "{v}");
    }
    let camp = ok(
        &app,
        "/api/v1/campaigns",
        json!({"name": "Ngày vì người nghèo năm 2025", "kind": "fund", "lead_organisation_id": district.org,
               "start_on": "2025-01-01", "end_on": "2025-12-31"}),
        &district.head,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Parents never go round in a circle, and only the admin moves a bloc under another.
    let p = assert_problem(
        app.patch_json(
            &format!("/api/v1/blocs/{}", province.id),
            &json!({"parent_id": commune.id}),
            &admin,
            None,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "parent_id", "{p}");
    assert_problem(
        app.patch_json(
            &format!("/api/v1/blocs/{}", commune.id),
            &json!({"parent_id": province.id}),
            &commune.head,
            None,
        )
        .await,
        403,
    )
    .await;
    // A supervision still following up a recommendation.
    let sup = ok(
        &app,
        "/api/v1/supervisions",
        json!({"kind": "supervision", "title": "Giám sát công khai tài chính", "subject": "UBND xã Quảng Thành",
               "planned_start_on": "2025-05-05", "planned_end_on": "2025-05-20", "lead_organisation_id": district.org,
               "member_ids": [district.staff_id], "unit_ids": [village[0]]}),
        &district.head,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    patch_ok(
        &app,
        &format!("/api/v1/supervisions/{sup}"),
        json!({"status": "in_progress"}),
        &district.head,
    )
    .await;
    let rec = ok(
        &app,
        &format!("/api/v1/supervisions/{sup}/recommendations"),
        json!({"addressee": "UBND xã Quảng Thành", "due_on": "2025-09-30", "text": "Niêm yết công khai dự toán ngân sách xã."}),
        &district.head,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/blocs/{}/dissolution", district.id);
    let body = |successor: &str| json!({"dissolved_on": "2025-06-30", "successor_id": successor, "decision": "Nghị quyết 202/2025/QH15"});
    // Bad input: the admin only; a successor below it (a cycle), of another province, itself.
    assert_problem(
        app.post_json(&path, &body(&province.id), Some(&province.head))
            .await,
        403,
    )
    .await;
    for (successor, why) in [
        (&commune.id, "below"),
        (&stranger, "province"),
        (&district.id, "itself"),
    ] {
        let p = assert_problem(
            app.post_json(&path, &body(successor), Some(&admin)).await,
            422,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "successor_id", "{why}: {p}");
    }
    let r = ok(&app, &path, body(&province.id), &admin).await;
    assert_eq!(
        (
            r["tasks_moved"].as_i64(),
            r["campaigns_moved"].as_i64(),
            r["units_moved"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(r["bloc"]["dissolved_on"], "2025-06-30");
    assert_eq!(r["supervisions_moved"].as_i64(), Some(1), "{r}");
    assert_eq!(r["accounts_closed"].as_i64(), Some(2), "{r}");
    // Twice is a conflict; any later write naming it too.
    assert_problem(
        app.post_json(&path, &body(&province.id), Some(&admin))
            .await,
        409,
    )
    .await;
    assert_problem(
        app.patch_json(
            &format!("/api/v1/blocs/{}", district.id),
            &json!({"founding_decision": "x"}),
            &admin,
            None,
        )
        .await,
        409,
    )
    .await;
    // Its people's tokens ended with their accounts.
    let (s, _) = app.get_json("/api/v1/tasks", &district.head).await;
    assert_eq!(s, 401);
    // The open task arrived at the province as received, with its history; the province head
    // takes it on.
    let (s, t) = app
        .get_json(&format!("/api/v1/tasks/{open_task}"), &province.head)
        .await;
    assert_eq!(
        (s, t["status"].as_str(), t["bloc_id"].as_str()),
        (200, Some("received"), Some(province.id.as_str())),
        "{t}"
    );
    let (_, h) = app
        .get_json(
            &format!("/api/v1/tasks/{open_task}/history"),
            &province.head,
        )
        .await;
    let actions: Vec<&str> = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "assign", "start", "move"]);
    let (s, v) = mv(
        &app,
        &province.head,
        &open_task,
        json!({"action": "accept"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // The campaign, its unit and figures went too, led by the province's Front committee.
    let (_, c) = app
        .get_json(&format!("/api/v1/campaigns/{camp}"), &province.head)
        .await;
    assert_eq!(
        (c["bloc_id"].as_str(), c["lead_organisation_id"].as_str()),
        (Some(province.id.as_str()), Some(province.org.as_str()))
    );
    let (_, u) = app
        .get_json(&format!("/api/v1/units/{}", village[0]), &province.head)
        .await;
    assert_eq!(u["bloc_id"], province.id.as_str());
    // The open recommendation is followed up by the province now.
    let (s, rv) = app
        .get_json(
            &format!("/api/v1/supervisions/{sup}/recommendations/{rec}"),
            &province.head,
        )
        .await;
    assert_eq!((s, rv["status"].as_str()), (200, Some("open")), "{rv}");
    let res = app
        .post_json(
            &format!("/api/v1/supervisions/{sup}/recommendations/{rec}/responses"),
            &json!({"responded_on": "2025-08-15", "status": "accepted", "text": "UBND xã đang niêm yết."}),
            Some(&province.staff),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    // Its history stays readable to the admin, the portal and the successor's people: the
    // completed task stayed, with its reports; a sibling of the province reads none of it.
    let portal = app.portal_account(&admin, "Quảng Ninh", "cong.tinh").await;
    let (s, reports) = app
        .get_json(
            &format!("/api/v1/tasks/{done_task}/reports"),
            &province.staff,
        )
        .await;
    assert_eq!(
        (s, reports["items"].as_array().map(Vec::len)),
        (200, Some(1))
    );
    let (s, _) = app
        .get_json(&format!("/api/v1/tasks/{done_task}"), &commune.head)
        .await;
    assert_eq!(s, 404);
    let (s, v) = mv(
        &app,
        &province.head,
        &done_task,
        json!({"action": "cancel"}),
    )
    .await;
    assert_eq!(s, 404, "read, never written: {v}");
    for token in [&admin, &portal, &province.head] {
        let (s, t) = app
            .get_json(&format!("/api/v1/tasks/{done_task}"), token)
            .await;
        assert_eq!(
            (s, t["bloc_id"].as_str()),
            (200, Some(district.id.as_str()))
        );
    }
    // The commune below it can no longer be sent work by it; the feed tells the portal.
    let (_, feed) = app
        .get_json("/api/v1/changes?after=0&limit=1000", &portal)
        .await;
    let acts: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["action"].as_str())
        .collect();
    assert!(
        acts.contains(&"dissolve") && acts.contains(&"move") && acts.contains(&"close"),
        "{acts:?}"
    );
}

/// Blocs, portal accounts and clients named by province before provinces were records are
/// linked at start-up; a name no record matches becomes a record of its own, and nothing is lost.
#[tokio::test]
async fn names_from_before_provinces_were_records_are_linked_without_loss() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = spawn_app().await;
    let admin = app.login_admin().await.access;
    let (bloc, _) = app
        .other_bloc(&admin, "Khối huyện Thanh Hà", "Quảng Ninh", "thanhha.head")
        .await;
    // As an older version left them: a province that is no record, and no province_id.
    let db = &app.state.db;
    let backend = db.get_database_backend();
    for sql in [
        "UPDATE blocs SET province = 'Hải Dương', province_folded = 'hai duong', province_id = NULL".to_string(),
        "DELETE FROM provinces WHERE name_folded = 'hai duong'".to_string(),
    ] {
        db.execute_raw(Statement::from_string(backend, sql)).await.unwrap();
    }
    khoi::provinces::service::sync(db).await.unwrap();
    khoi::provinces::service::sync(db).await.unwrap();
    let (_, b) = app.get_json(&format!("/api/v1/blocs/{bloc}"), &admin).await;
    assert_eq!(b["province"], "Hải Dương", "the name is kept");
    let pid = b["province_id"].as_str().expect("linked").to_string();
    let (s, p) = app
        .get_json(&format!("/api/v1/provinces/{pid}"), &admin)
        .await;
    assert_eq!(
        (s, p["name"].as_str(), p["code"].as_str()),
        (200, Some("Hải Dương"), None)
    );
    let (_, all) = app.get_json("/api/v1/provinces?q=hai duong", &admin).await;
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        1,
        "made once, however often it runs"
    );
    // The 34 are there once each, with their fixed ids.
    let (_, qn) = app
        .get_json(
            "/api/v1/provinces/019ac000-0000-7000-8000-00000000000a",
            &admin,
        )
        .await;
    assert_eq!(qn["name"], "Quảng Ninh");
}

/// Three communes of a district merged into one on 1 July 2025, as the reform did: the
/// district's figure and series run on across the merger date, and the portal hears of it.
#[tokio::test]
async fn three_communes_merged_into_one_keep_the_series_continuous() {
    let app = spawn_app().await;
    let admin = app.login_admin().await.access;
    let district = open_bloc(
        &app,
        &admin,
        json!({"name": "Khối MTTQ và các đoàn thể huyện Hải Hà", "level": "district", "province": "Quảng Ninh",
               "established_on": "2016-01-25"}),
        "haiha",
    )
    .await;
    let mut communes = Vec::new();
    for n in ["Quảng Hà", "Quảng Minh", "Quảng Điền"] {
        let u = ok(
            &app,
            "/api/v1/units",
            json!({"name": n, "kind": "commune"}),
            &district.head,
        )
        .await;
        communes.push(u["id"].as_str().unwrap().to_string());
    }
    let camp = ok(
        &app,
        "/api/v1/campaigns",
        json!({"name": "Toàn dân đoàn kết xây dựng nông thôn mới", "kind": "movement", "lead_organisation_id": district.org,
               "start_on": "2025-01-01", "end_on": "2025-12-31"}),
        &district.head,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let target = ok(
        &app,
        &format!("/api/v1/campaigns/{camp}/targets"),
        json!({"indicator": "Tỷ lệ hộ gia đình văn hóa", "measure": "percent", "aggregation": "ratio",
               "target_value": 90, "due_on": "2025-12-31"}),
        &district.head,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Monthly figures from January to June 2025, each commune its own.
    let mut round = Vec::new();
    for (m, day) in [
        "2025-01-31",
        "2025-02-28",
        "2025-03-31",
        "2025-04-30",
        "2025-05-31",
        "2025-06-30",
    ]
    .iter()
    .enumerate()
    {
        for (i, u) in communes.iter().enumerate() {
            round.push(json!({"unit_id": u, "measured_on": day, "numerator": 500 + 10 * m + 5 * i, "denominator": 800 + 100 * i}));
        }
    }
    ok(
        &app,
        &format!("/api/v1/campaigns/{camp}/targets/{target}/measurements"),
        Value::Array(round),
        &district.staff,
    )
    .await;
    let progress = |day: &str| {
        let app = &app;
        let url = format!("/api/v1/campaigns/{camp}/progress?as_of={day}");
        let token = district.head.clone();
        async move { app.get_json(&url, &token).await.1["targets"][0].clone() }
    };
    let june = progress("2025-06-30").await;
    let series_before: Vec<Option<f64>> = june["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64())
        .collect();
    let m = ok(
        &app,
        "/api/v1/units/mergers",
        json!({"unit_ids": communes, "new_unit": {"name": "Quảng Hà", "kind": "commune", "code": "07078"},
               "merged_on": "2025-07-01", "decision": "Nghị quyết 1679/NQ-UBTVQH15"}),
        &district.head,
    )
    .await;
    let merged = m["unit"]["id"].as_str().unwrap().to_string();
    assert_eq!(m["merged"].as_array().unwrap().len(), 3);
    // In July the new commune carries its predecessors' aggregate: the figure runs on.
    let july = progress("2025-07-31").await;
    assert_eq!(
        (july["numerator"].as_f64(), july["denominator"].as_f64()),
        (june["numerator"].as_f64(), june["denominator"].as_f64())
    );
    assert_eq!(july["units_in_scope"].as_i64(), Some(1));
    let series_after: Vec<Option<f64>> = july["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64())
        .collect();
    assert_eq!(
        &series_after[..6],
        &series_before[..],
        "January to June read the same"
    );
    assert_eq!(series_after[6], series_before[5], "July carries June on");
    // The new commune's own figure from August.
    ok(
        &app,
        &format!("/api/v1/campaigns/{camp}/targets/{target}/measurements"),
        json!({"unit_id": merged, "measured_on": "2025-08-31", "numerator": 2300, "denominator": 2700}),
        &district.staff,
    )
    .await;
    let aug = progress("2025-08-31").await;
    assert_eq!(
        (aug["numerator"].as_f64(), aug["denominator"].as_f64()),
        (Some(2300.0), Some(2700.0))
    );
    // The portal hears of the merger.
    let portal = app.portal_account(&admin, "Quảng Ninh", "cong.tinh").await;
    let (_, feed) = app
        .get_json("/api/v1/changes?after=0&limit=1000", &portal)
        .await;
    let merges = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "merge")
        .count();
    assert_eq!(merges, 3, "the three communes closed by the merger");
}
