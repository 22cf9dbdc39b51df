//! Issue 14's "done means", end to end: a bloc's first months of 2016 entered in 2026 by its own
//! people in a handful of calls, with the days things really happened; the February review shows
//! the split it would have shown then; and a portal that follows the feed ends with exactly the
//! database's versions of everything it may read.
use crate::helpers::{TestApp, spawn_app};
use crate::imports::{CSV, XLSX, upload, xlsx};
use crate::ledger::{changes_after, rows};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Counts the calls a scenario makes.
struct Calls<'a> {
    app: &'a TestApp,
    n: usize,
}

impl Calls<'_> {
    async fn post(&mut self, path: &str, body: Value, token: &str) -> Value {
        self.n += 1;
        let res = self.app.post_json(path, &body, Some(token)).await;
        let status = res.status().as_u16();
        let v: Value = res.json().await.unwrap_or(Value::Null);
        assert!((200..300).contains(&status), "POST {path}: {status} {v}");
        v
    }
    async fn file(&mut self, path: &str, ct: &str, body: Vec<u8>, token: &str) -> Value {
        self.n += 1;
        let (status, v) = upload(self.app, path, ct, body, token).await;
        assert_eq!(status, 201, "{path}: {v}");
        v
    }
    async fn login(&mut self, user: &str, pw: &str) -> String {
        self.n += 1;
        self.app.login(user, pw).await.access
    }
}

#[tokio::test]
async fn the_first_months_of_2016_in_a_handful_of_calls_and_a_portal_in_step() {
    let app = spawn_app().await;
    let admin = app.login_admin().await.access;
    let mut c = Calls { app: &app, n: 0 };

    // 1. The admin opens the bloc with its head.
    let b = c
        .post(
            "/api/v1/blocs",
            json!({"name": "Khối MTTQ và các đoàn thể huyện Hải Hà", "level": "district",
                   "province": "Quảng Ninh", "established_on": "2016-01-25", "founding_decision": "111-QĐ/TU",
                   "head": {"full_name": "Nguyễn Thế Hòa", "position": "Trưởng khối", "username": "hoa.nt",
                            "password": "mật-khẩu-tạm-2016"}}),
            &admin,
        )
        .await;
    assert_eq!(b["head"]["account"]["must_change_password"], true);
    // 2–4. The head signs in and chooses their own password.
    let first = c.login("hoa.nt", "mật-khẩu-tạm-2016").await;
    c.post(
        "/api/v1/me/password",
        json!({"current_password": "mật-khẩu-tạm-2016", "new_password": "Hải-Hà-25-01-2016"}),
        &first,
    )
    .await;
    let h = c.login("hoa.nt", "Hải-Hà-25-01-2016").await;
    // 5–7. The structure: an organisation and a sub-committee, then the people and the communes
    // from the office's spreadsheets.
    let mttq = c
        .post(
            "/api/v1/organisations",
            json!({"code": "MTTQ", "name": "Ủy ban MTTQ huyện Hải Hà", "kind": "fatherland_front"}),
            &h,
        )
        .await["id"]
        .clone();
    c.post(
        "/api/v1/sub-committees",
        json!({"code": "KTGS", "name": "Tiểu ban Kiểm tra – giám sát"}),
        &h,
    )
    .await;
    let mut staff =
        String::from("Họ và tên,Chức vụ,Vai trò,Đoàn thể,Tiểu ban,Tên đăng nhập,Mật khẩu\n");
    for (name, role, account) in [
        ("Trần Văn Bình", "Phó khối", "binh.tv,mật-khẩu-tạm-2016"),
        ("Lý Văn Cường", "Cán bộ", ","),
        ("Trịnh Văn Nam", "Cán bộ", ","),
    ] {
        staff.push_str(&format!("{name},Cán bộ Khối,{role},MTTQ,KTGS,{account}\n"));
    }
    c.file("/api/v1/imports/staff", CSV, staff.into_bytes(), &h)
        .await;
    c.file(
        "/api/v1/imports/units",
        XLSX,
        xlsx(&[
            vec!["Tên", "Loại"],
            vec!["Quảng Long", "Xã"],
            vec!["Quảng Phong", "Xã"],
        ]),
        &h,
    )
    .await;
    let (_, people) = app.get_json("/api/v1/staff?limit=50", &h).await;
    let person = |name: &str| -> Value {
        people["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["full_name"] == name)
            .unwrap()["id"]
            .clone()
    };
    // 8. The monthly review meeting of 1 February assigns the month's work in one request.
    let task = |title: &str, who: &str, due: &str| {
        json!({"text": format!("Giao: {title}"), "assign": true,
               "task": {"title": title, "description": "Theo kết luận giao ban.", "expected_result": "Báo cáo kết quả",
                        "lead_organisation_id": mttq, "assignee_id": person(who), "due_on": due}})
    };
    let m = c
        .post(
            "/api/v1/meetings",
            json!({"kind": "monthly_review", "held_on": "2016-02-01", "title": "Giao ban tháng 02/2016",
                   "decisions": [
                       task("Kế hoạch tuyên truyền mừng Đảng, mừng Xuân", "Trần Văn Bình", "2016-02-05"),
                       task("Tổng hợp ý kiến cử tri trước kỳ họp", "Trần Văn Bình", "2016-02-10"),
                       task("Rà soát hộ nghèo các xã", "Trần Văn Bình", "2016-02-15"),
                   ]}),
            &h,
        )
        .await;
    let ids: Vec<String> = m["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["task_id"].as_str().unwrap().to_string())
        .collect();
    // 9–11. The deputy, imported with an account, chooses their own password.
    let first = c.login("binh.tv", "mật-khẩu-tạm-2016").await;
    c.post(
        "/api/v1/me/password",
        json!({"current_password": "mật-khẩu-tạm-2016", "new_password": "Bình-KTGS-2016"}),
        &first,
    )
    .await;
    let binh = c.login("binh.tv", "Bình-KTGS-2016").await;
    assert_eq!(
        c.n, 12,
        "the bloc set up and its month assigned in 12 calls"
    );
    // The work as it happened, entered later: on time, late, and one still open at the
    // month's end.
    for (id, who, action, on) in [
        (0, &binh, "start", "2016-02-02"),
        (0, &binh, "submit", "2016-02-04"),
        (0, &h, "complete", "2016-02-04"),
        (1, &binh, "start", "2016-02-02"),
        (1, &binh, "submit", "2016-02-12"),
        (1, &h, "complete", "2016-02-13"),
        (2, &binh, "start", "2016-02-03"),
        (2, &binh, "submit", "2016-03-02"),
        (2, &h, "complete", "2016-03-03"),
    ] {
        let mut body = json!({"action": action, "occurred_on": on});
        if action == "submit" {
            body["report"] = json!({"text": "Đã thực hiện.", "progress": 100});
        }
        c.post(&format!("/api/v1/tasks/{}/transitions", ids[id]), body, who)
            .await;
    }

    // The February review as the meeting of 29 February would have read it.
    let (_, r) = app
        .get_json("/api/v1/reports/monthly-review?month=2016-02", &h)
        .await;
    let t = &r["totals"];
    assert_eq!(
        [
            &t["completed_on_time"],
            &t["completed_late"],
            &t["open"],
            &t["overdue"]
        ],
        [&json!(1), &json!(1), &json!(1), &json!(1)],
        "{t}"
    );

    // The province's portal follows the feed from its start and ends in step with the database.
    let portal = app.portal_account(&admin, "Quảng Ninh", "cong.tinh").await;
    let mut seen: BTreeMap<(String, Uuid), Option<i32>> = BTreeMap::new();
    for change in changes_after(&app, &portal, 0).await {
        seen.insert(
            (
                change["resource_type"].as_str().unwrap().to_string(),
                change["resource_id"].as_str().unwrap().parse().unwrap(),
            ),
            change["version"].as_i64().map(|v| v as i32),
        );
    }
    let readable: BTreeMap<(String, Uuid), Option<i32>> = rows(&app)
        .await
        .into_iter()
        .filter(|((kind, _), _)| !["account", "api_client", "webhook"].contains(&kind.as_str()))
        .collect();
    assert_eq!(seen, readable);
}
