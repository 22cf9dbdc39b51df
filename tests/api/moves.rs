//! Who may make each task move, over HTTP: every move × every role and relation to the task
//! (the bloc head; the deputy heading the task's sub-committee, who also created it; a deputy
//! with no part in it; the assignee; another staff member; the portal; the admin). Each cell
//! gets a task of its own in the move's starting status, so a move that wrongly succeeds shows
//! as 200 where 403 was due, whatever the policy table says.
use crate::helpers::{DEMO_PASSWORD, TestApp, spawn_app};
use serde_json::{Value, json};

struct Cast {
    head: String,
    binh: String,
    other_deputy: String,
    cuong: String,
    nam: String,
    portal: String,
    admin: String,
    ids: Ids,
}

struct Ids {
    mttq: String,
    ktgs: String,
    cuong: String,
    nam: String,
    directive: String,
}

async fn account_for(app: &TestApp, head: &str, staff_id: &str, username: &str) -> String {
    let res = app
        .post_json(
            "/api/v1/accounts",
            &json!({"username": username, "password": DEMO_PASSWORD, "staff_id": staff_id}),
            Some(head),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    app.first_sign_in(username, DEMO_PASSWORD).await.access
}

async fn cast(app: &TestApp) -> Cast {
    let d = app.seed_demo().await;
    let h = &d.head;
    let ids = Ids {
        mttq: app.first_id("/api/v1/organisations?q=MTTQ", h).await,
        ktgs: app.first_id("/api/v1/sub-committees?q=KTGS", h).await,
        cuong: app.first_id("/api/v1/staff?q=ly van cuong", h).await,
        nam: app.first_id("/api/v1/staff?q=trinh van nam", h).await,
        directive: app.first_id("/api/v1/directives?q=292", h).await,
    };
    let nam = account_for(app, h, &ids.nam, "trinh.van.nam").await;
    let res = app
        .post_json(
            "/api/v1/staff",
            &json!({"full_name": "Hoàng Thị Mai", "role": "deputy_head", "position": "Phó Trưởng khối"}),
            Some(h),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let mai: Value = res.json().await.unwrap();
    let other_deputy = account_for(app, h, mai["id"].as_str().unwrap(), "hoang.thi.mai").await;
    let portal = app
        .portal_account(&d.admin, "Quảng Ninh", "cong.tinh")
        .await;
    Cast {
        head: d.head,
        binh: d.deputy,
        other_deputy,
        cuong: d.staff,
        nam,
        portal,
        admin: d.admin,
        ids,
    }
}

async fn act(app: &TestApp, token: &str, id: &str, body: Value) -> u16 {
    app.post_json(
        &format!("/api/v1/tasks/{id}/transitions"),
        &body,
        Some(token),
    )
    .await
    .status()
    .as_u16()
}

fn submit() -> Value {
    json!({"action": "submit", "report": {"text": "Đã hoàn thành.", "progress": 100}})
}

/// A task created by Bình (heading KTGS), assigned to Cường, brought to `status`.
async fn task_in(app: &TestApp, c: &Cast, status: &str) -> String {
    let res = app
        .post_json(
            "/api/v1/tasks",
            &json!({
                "title": "Rà soát hộ nghèo thôn Quảng Long",
                "description": "Rà soát danh sách hộ nghèo theo chuẩn mới.",
                "expected_result": "Danh sách đã rà soát",
                "directive_id": c.ids.directive,
                "lead_organisation_id": c.ids.mttq,
                "sub_committee_id": c.ids.ktgs,
                "assignee_id": c.ids.cuong,
                "due_on": "2099-12-31",
            }),
            Some(&c.binh),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let steps: &[(&str, Value)] = match status {
        "draft" => &[],
        "assigned" => &[("binh", json!({"action": "assign"}))],
        "in_progress" => &[
            ("binh", json!({"action": "assign"})),
            ("cuong", json!({"action": "start"})),
        ],
        "submitted" => &[
            ("binh", json!({"action": "assign"})),
            ("cuong", json!({"action": "start"})),
            ("cuong", submit()),
        ],
        other => panic!("{other}"),
    };
    for (who, body) in steps {
        let token = if *who == "binh" { &c.binh } else { &c.cuong };
        assert_eq!(act(app, token, &id, body.clone()).await, 200, "{body}");
    }
    id
}

#[tokio::test]
async fn every_move_by_every_role_and_relation() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let actors: [(&str, &String); 7] = [
        ("head", &c.head),
        ("deputy heading the sub-committee, creator", &c.binh),
        ("deputy with no part", &c.other_deputy),
        ("assignee", &c.cuong),
        ("other staff", &c.nam),
        ("portal", &c.portal),
        ("admin", &c.admin),
    ];
    // (move, starting status, body, who may: one flag per actor above)
    let reassign =
        json!({"action": "reassign", "assignee_id": c.ids.nam, "reason": "Đồng chí Cường đi học"});
    let moves: [(&str, &str, Value, [bool; 7]); 7] = [
        (
            "assign",
            "draft",
            json!({"action": "assign"}),
            [true, true, false, false, false, false, false],
        ),
        (
            "start",
            "assigned",
            json!({"action": "start"}),
            [false, false, false, true, false, false, false],
        ),
        (
            "submit",
            "in_progress",
            submit(),
            [false, false, false, true, false, false, false],
        ),
        (
            "complete",
            "submitted",
            json!({"action": "complete"}),
            [true, true, false, false, false, false, false],
        ),
        (
            "return",
            "submitted",
            json!({"action": "return", "reason": "Thiếu biên bản"}),
            [true, true, false, false, false, false, false],
        ),
        (
            "cancel",
            "assigned",
            json!({"action": "cancel", "reason": "Trùng nhiệm vụ khác"}),
            [true, true, false, false, false, false, false],
        ),
        (
            "reassign",
            "assigned",
            reassign,
            [true, true, false, false, false, false, false],
        ),
    ];
    let mut wrong = Vec::new();
    for (name, from, body, may) in &moves {
        for ((who, token), allowed) in actors.iter().zip(may) {
            let id = task_in(&app, &c, from).await;
            // The task offers the move to exactly those who may make it (issue 14).
            let (s, t) = app.get_json(&format!("/api/v1/tasks/{id}"), token).await;
            assert_eq!(s, 200, "{who}: {t}");
            let offered = t["allowed_actions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == name);
            if offered != *allowed {
                wrong.push(format!(
                    "{name} by {who}: offered {offered}: {}",
                    t["allowed_actions"]
                ));
            }
            let status = act(&app, token, &id, body.clone()).await;
            let expected = if *allowed { 200 } else { 403 };
            if status != expected {
                wrong.push(format!("{name} by {who}: {status}, expected {expected}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A deputy handles a task through either relation alone: the lead organisation they lead (in a
/// sub-committee they do not head) or the sub-committee they head (led by an organisation they
/// do not lead); with neither, or by editing the task away from both, they are refused.
#[tokio::test]
async fn a_deputy_handles_a_task_through_either_relation_alone() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let h = &demo.head;
    // demo.deputy (Trần Văn Bình) leads CCB and heads KTGS.
    let id = |q: &'static str| app.first_id(q, h);
    let (ccb, hnd, vp, ktgs, cuong) = (
        id("/api/v1/organisations?q=CCB").await,
        id("/api/v1/organisations?q=HND").await,
        id("/api/v1/sub-committees?q=VP").await,
        id("/api/v1/sub-committees?q=KTGS").await,
        id("/api/v1/staff?q=ly van cuong").await,
    );
    let draft = async |org: &str, sc: &str| -> String {
        let res = app
            .post_json(
                "/api/v1/tasks",
                &json!({"title": "Thăm hỏi hội viên cựu chiến binh", "description": "Thăm hỏi các gia đình chính sách.",
                    "expected_result": "Danh sách hộ đã thăm", "lead_organisation_id": org,
                    "sub_committee_id": sc, "assignee_id": cuong, "due_on": "2099-12-31"}),
                Some(h),
            )
            .await;
        assert_eq!(res.status(), 201);
        res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let edit = async |task: &str, body: Value| {
        app.patch_json(&format!("/api/v1/tasks/{task}"), &body, &demo.deputy, None)
            .await
            .status()
            .as_u16()
    };
    let assign = async |task: &str| {
        app.post_json(
            &format!("/api/v1/tasks/{task}/transitions"),
            &json!({"action": "assign"}),
            Some(&demo.deputy),
        )
        .await
        .status()
        .as_u16()
    };
    let by_org = draft(&ccb, &vp).await;
    assert_eq!(
        edit(&by_org, json!({"title": "Thăm hỏi hội viên CCB"})).await,
        200
    );
    assert_eq!(assign(&by_org).await, 200, "leads the organisation");
    let by_sc = draft(&hnd, &ktgs).await;
    assert_eq!(
        edit(&by_sc, json!({"title": "Giám sát thăm hỏi"})).await,
        200
    );
    // Not away from both: into VP while HND leads it.
    assert_eq!(edit(&by_sc, json!({"sub_committee_id": vp})).await, 403);
    assert_eq!(assign(&by_sc).await, 200, "heads the sub-committee");
    let neither = draft(&hnd, &vp).await;
    assert_eq!(edit(&neither, json!({"title": "x y z"})).await, 403);
    assert_eq!(assign(&neither).await, 403);
}

/// What a person heads is read with their token on every request: a deputy who stops heading a
/// sub-committee loses, at their next request and with the same token, what heading it allowed,
/// and gets it back as soon as they head it again.
#[tokio::test]
async fn heading_a_sub_committee_counts_from_the_next_request() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let h = &demo.head;
    // demo.deputy (Trần Văn Bình) heads KTGS.
    let (hnd, ktgs, cuong) = (
        app.first_id("/api/v1/organisations?q=HND", h).await,
        app.first_id("/api/v1/sub-committees?q=KTGS", h).await,
        app.first_id("/api/v1/staff?q=ly van cuong", h).await,
    );
    let (_, deputy_me) = app.get_json("/api/v1/me", &demo.deputy).await;
    let task: Value = app
        .post_json(
            "/api/v1/tasks",
            &json!({"title": "Giám sát việc thăm hỏi gia đình chính sách", "lead_organisation_id": hnd,
                    "sub_committee_id": ktgs, "assignee_id": cuong, "due_on": "2099-12-31"}),
            Some(h),
        )
        .await
        .json()
        .await
        .unwrap();
    let task = task["id"].as_str().unwrap();
    let edit = async |title: &str| {
        app.patch_json(
            &format!("/api/v1/tasks/{task}"),
            &json!({"title": title}),
            &demo.deputy,
            None,
        )
        .await
        .status()
        .as_u16()
    };
    let may_assign = async || {
        let (_, t) = app
            .get_json(&format!("/api/v1/tasks/{task}"), &demo.deputy)
            .await;
        t["allowed_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("assign"))
    };
    let head_of_ktgs = async |staff: &Value| {
        let res = app
            .patch_json(
                &format!("/api/v1/sub-committees/{ktgs}"),
                &json!({"head_staff_id": staff}),
                h,
                None,
            )
            .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    };
    assert_eq!(edit("Giám sát thăm hỏi").await, 200);
    assert!(may_assign().await);
    head_of_ktgs(&Value::Null).await;
    assert_eq!(edit("Giám sát thăm hỏi hộ nghèo").await, 403);
    assert!(!may_assign().await);
    head_of_ktgs(&deputy_me["staff_id"]).await;
    assert_eq!(edit("Giám sát thăm hỏi hộ cận nghèo").await, 200);
    assert!(may_assign().await);
}
