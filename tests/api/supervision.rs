//! Supervision and social criticism: the lifecycle, who may do each step, recommendations and
//! their responses, and the report.
use crate::helpers::{Demo, TestApp, assert_problem, spawn_app};
use serde_json::{Value, json};

async fn staff_id(app: &TestApp, demo: &Demo, q: &str) -> String {
    app.first_id(&format!("/api/v1/staff?q={q}"), &demo.head)
        .await
}

async fn post(app: &TestApp, path: &str, body: Value, token: &str) -> (u16, Value) {
    let res = app.post_json(path, &body, Some(token)).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn patch(app: &TestApp, path: &str, body: Value, token: &str) -> (u16, Value) {
    let res = app.patch_json(path, &body, token, None).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_supervision_from_plan_to_close_by_the_right_people() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let cuong = staff_id(&app, &demo, "Ly Van Cuong").await;
    let long = app
        .first_id("/api/v1/units?q=Quang Long", &demo.staff)
        .await;
    let plan = json!({"kind": "supervision",
        "title": "Giám sát thực hiện quy chế dân chủ ở cơ sở tại xã Quảng Long",
        "subject": "UBND xã Quảng Long", "unit_ids": [long],
        "planned_start_on": "2016-05-09", "planned_end_on": "2016-05-20"});
    // Staff do not plan; the deputy heading Inspection–Supervision does (it is the default).
    let (status, _) = post(&app, "/api/v1/supervisions", plan.clone(), &demo.staff).await;
    assert_eq!(status, 403);
    let (status, s) = post(&app, "/api/v1/supervisions", plan, &demo.deputy).await;
    assert_eq!(status, 201, "{s}");
    let (_, scs) = app.get_json("/api/v1/sub-committees", &demo.staff).await;
    let ktgs = scs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == "KTGS")
        .unwrap()["id"]
        .clone();
    assert_eq!(s["sub_committee_id"], ktgs);
    assert_eq!(s["status"], "planned");
    let path = format!("/api/v1/supervisions/{}", s["id"].as_str().unwrap());
    // An illegal move lists the allowed ones.
    let res = app
        .patch_json(&path, &json!({"status": "closed"}), &demo.deputy, None)
        .await;
    let p = assert_problem(res, 409).await;
    assert_eq!(p["allowed"], json!(["in_progress"]));
    let (status, _) = patch(&app, &path, json!({"status": "in_progress"}), &demo.staff).await;
    assert_eq!(status, 403, "staff do not run it");
    let (status, _) = patch(&app, &path, json!({"status": "in_progress"}), &demo.deputy).await;
    assert_eq!(status, 200);
    // Findings: members only (and the leaders).
    let finding = json!({"text": "Chưa niêm yết công khai dự toán ngân sách xã năm 2016.", "severity": "medium"});
    let (status, _) = post(
        &app,
        &format!("{path}/findings"),
        finding.clone(),
        &demo.staff,
    )
    .await;
    assert_eq!(status, 403, "not a member yet");
    let (status, _) = patch(&app, &path, json!({"member_ids": [cuong]}), &demo.deputy).await;
    assert_eq!(status, 200);
    let (status, _) = post(&app, &format!("{path}/findings"), finding, &demo.staff).await;
    assert_eq!(status, 201);
    // Concluding needs a conclusion.
    let res = app
        .patch_json(&path, &json!({"status": "concluded"}), &demo.deputy, None)
        .await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "conclusion");
    let (status, _) = patch(
        &app,
        &path,
        json!({"status": "concluded", "conclusion": "UBND xã thực hiện cơ bản đúng quy chế; còn chậm công khai tài chính."}),
        &demo.deputy,
    )
    .await;
    assert_eq!(status, 200);
    // Recommendations: the leaders make them.
    let rec = json!({"text": "Niêm yết công khai dự toán ngân sách xã theo quy định.",
                     "addressee": "UBND xã Quảng Long", "due_on": "2016-07-31"});
    let (status, _) = post(
        &app,
        &format!("{path}/recommendations"),
        rec.clone(),
        &demo.staff,
    )
    .await;
    assert_eq!(status, 403);
    let (status, r1) = post(&app, &format!("{path}/recommendations"), rec, &demo.deputy).await;
    assert_eq!(status, 201);
    let (_, r2) = post(
        &app,
        &format!("{path}/recommendations"),
        json!({"text": "Tổ chức đối thoại với nhân dân về giải phóng mặt bằng.", "addressee": "UBND xã Quảng Long", "due_on": "2016-08-31"}),
        &demo.head,
    )
    .await;
    assert_eq!(r1["overdue"], true, "open past its due date");
    let (_, s) = app.get_json(&path, &demo.staff).await;
    assert_eq!(
        (
            s["pending_recommendations"].as_i64(),
            s["overdue_recommendations"].as_i64()
        ),
        (Some(2), Some(2))
    );
    let r1_path = format!("{path}/recommendations/{}", r1["id"].as_str().unwrap());
    let r2_path = format!("{path}/recommendations/{}", r2["id"].as_str().unwrap());
    // Any cadre records the addressee's response; it settles the recommendation.
    let (status, r) = post(
        &app,
        &format!("{r1_path}/responses"),
        json!({"responded_on": "2016-07-15", "text": "Đã niêm yết tại trụ sở và nhà văn hóa các thôn.", "status": "implemented"}),
        &demo.staff,
    )
    .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(
        (r["status"].as_str(), r["closed_on"].as_str()),
        (Some("implemented"), Some("2016-07-15"))
    );
    assert_eq!(r["responses"].as_array().unwrap().len(), 1);
    let res = app
        .post_json(
            &format!("{r1_path}/responses"),
            &json!({"responded_on": "2016-07-20", "text": "Bổ sung."}),
            Some(&demo.staff),
        )
        .await;
    assert_problem(res, 409).await;
    let res = app
        .post_json(
            &format!("{r2_path}/responses"),
            &json!({"responded_on": "2999-01-01", "text": "Sẽ tổ chức."}),
            Some(&demo.staff),
        )
        .await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "responded_on");
    // It cannot close while a recommendation is pending: the problem names it.
    let (status, _) = patch(&app, &path, json!({"status": "following_up"}), &demo.deputy).await;
    assert_eq!(status, 200);
    let res = app
        .patch_json(&path, &json!({"status": "closed"}), &demo.deputy, None)
        .await;
    let p = assert_problem(res, 409).await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains(r2["id"].as_str().unwrap()),
        "{p}"
    );
    let (status, _) = post(
        &app,
        &format!("{r2_path}/responses"),
        json!({"responded_on": "2016-09-05", "text": "UBND xã đã tổ chức đối thoại ngày 02/9.", "status": "implemented"}),
        &demo.staff,
    )
    .await;
    assert_eq!(status, 201);
    let (status, s) = patch(&app, &path, json!({"status": "closed"}), &demo.deputy).await;
    assert_eq!(status, 200, "{s}");
    let (status, _) = patch(&app, &r2_path, json!({"text": "Sửa"}), &demo.head).await;
    assert_eq!(status, 409, "closed is final");
    // The report counts it in the second quarter beside the seeded one (2 made, 1 implemented).
    let (status, report) = app
        .get_json(
            "/api/v1/reports/supervisions?from=2016-01-01&to=2016-12-31&period=quarter",
            &demo.staff,
        )
        .await;
    assert_eq!(status, 200);
    let q2 = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == "2016-Q2")
        .unwrap();
    assert_eq!(
        (
            q2["held"].as_i64(),
            q2["recommendations"].as_i64(),
            q2["implemented"].as_i64()
        ),
        (Some(2), Some(4), Some(3))
    );
    assert_eq!(q2["implementation_rate"], 75.0);
    assert_eq!(
        q2["overdue"].as_array().unwrap().len(),
        1,
        "the seeded one still open"
    );
    assert_eq!(report["items"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn bad_supervision_input_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let (_, other_head) = app
        .other_bloc(&demo.admin, "Khối huyện Đầm Hà", "Quảng Ninh", "dh.head")
        .await;
    let (_, other_unit) = post(
        &app,
        "/api/v1/units",
        json!({"name": "Xã Quảng Lâm", "kind": "commune"}),
        &other_head,
    )
    .await;
    let base = json!({"kind": "social_criticism", "title": "Phản biện dự thảo quy hoạch",
        "subject": "Dự thảo quy hoạch sử dụng đất huyện Hải Hà", "planned_start_on": "2016-06-01", "planned_end_on": "2016-06-10"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (body, field) in [
        (
            with("planned_end_on", json!("2016-05-01")),
            "planned_end_on",
        ),
        (with("unit_ids", json!([other_unit["id"]])), "unit_ids[0]"),
        (
            with("member_ids", json!([other_unit["id"]])),
            "member_ids[0]",
        ),
        (with("kind", json!("audit")), "kind"),
        (with("title", json!("  ")), "title"),
    ] {
        let res = app
            .post_json("/api/v1/supervisions", &body, Some(&demo.head))
            .await;
        let p = assert_problem(res, 422).await;
        assert_eq!(p["errors"][0]["field"], field, "{body}");
    }
    let (_, list) = app.get_json("/api/v1/supervisions", &demo.head).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "only the seeded one"
    );
    // Another bloc's supervision does not exist.
    let id = list["items"][0]["id"].as_str().unwrap();
    let (status, _) = app
        .get_json(&format!("/api/v1/supervisions/{id}"), &other_head)
        .await;
    assert_eq!(status, 404);
}

/// A deputy runs a supervision through the organisation they lead, not only through the
/// sub-committee they head: Bình leads CCB but does not head VP (a policy mutant once survived
/// here). With another organisation in the lead, the same plan is refused.
#[tokio::test]
async fn the_lead_organisations_leader_runs_the_supervision() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let vp = app
        .first_id("/api/v1/sub-committees?q=VP", &demo.head)
        .await;
    let ccb = app
        .first_id("/api/v1/organisations?q=CCB", &demo.head)
        .await;
    let hnd = app
        .first_id("/api/v1/organisations?q=HND", &demo.head)
        .await;
    let plan = |org: &str| {
        json!({"kind": "supervision", "title": "Giám sát chính sách cựu chiến binh",
            "subject": "UBND xã Quảng Long", "sub_committee_id": vp, "lead_organisation_id": org,
            "planned_start_on": "2016-07-04", "planned_end_on": "2016-07-15"})
    };
    let (status, body) = post(&app, "/api/v1/supervisions", plan(&hnd), &demo.deputy).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = post(&app, "/api/v1/supervisions", plan(&ccb), &demo.deputy).await;
    assert_eq!(status, 201, "{body}");
}
