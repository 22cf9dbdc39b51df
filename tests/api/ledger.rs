//! Every committed write, once, with its final version (issue 14), driven by the spec: every
//! operation that writes is performed, and around each the database itself is compared with
//! what was announced. For each resource whose row appeared or whose version moved there is
//! exactly one change in the feed, carrying the version the row now has, and one more audit
//! entry; no change names a resource that did not move; a refused write moves nothing and
//! announces nothing. Webhook deliveries are queued by the feed's own append, so they follow.
use crate::helpers::{DEMO_PASSWORD, Demo, TestApp, spawn_app};
use crate::security::{fill, operations, seeded_ids, send, spec};
use crate::tenancy::{own_ids, path_writes, reference_writes, url_of};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Every resource type of the feed, its table, and whether its rows carry a version.
const TABLES: [(&str, &str, bool); 25] = [
    ("account", "accounts", true),
    ("api_client", "api_clients", true),
    ("bloc", "blocs", true),
    ("campaign", "campaigns", true),
    ("campaign_measurement", "campaign_measurements", false),
    ("campaign_registration", "campaign_registrations", true),
    ("campaign_target", "campaign_targets", true),
    ("directive", "directives", true),
    ("directive_dispatch", "directive_dispatches", true),
    ("meeting", "meetings", true),
    ("organisation", "organisations", true),
    ("province", "provinces", true),
    ("staff", "staff", true),
    ("sub_committee", "sub_committees", true),
    ("supervision", "supervisions", true),
    ("supervision_finding", "supervision_findings", false),
    (
        "supervision_recommendation",
        "supervision_recommendations",
        true,
    ),
    ("task", "tasks", true),
    ("task_report", "task_reports", false),
    ("task_series", "task_series", true),
    ("comment", "comments", true),
    ("file", "files", true),
    ("unit", "units", true),
    ("unit_assignment", "unit_assignments", true),
    ("webhook", "webhooks", true),
];

pub(crate) type Rows = BTreeMap<(String, Uuid), Option<i32>>;

/// Every row of every resource table with its version, read from the database itself.
pub(crate) async fn rows(app: &TestApp) -> Rows {
    let db = &app.state.db;
    let mut out = BTreeMap::new();
    for (kind, table, versioned) in TABLES {
        let sql = if versioned {
            format!("SELECT id, version FROM {table}")
        } else {
            format!("SELECT id FROM {table}")
        };
        for r in db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
        {
            let id: Uuid = r.try_get_by_index(0).unwrap();
            let v: Option<i32> = if versioned {
                Some(r.try_get_by_index(1).unwrap())
            } else {
                None
            };
            out.insert((kind.to_string(), id), v);
        }
    }
    out
}

/// The feed from `after` on, as the admin sees it.
pub(crate) async fn changes_after(app: &TestApp, admin: &str, after: i64) -> Vec<Value> {
    let (s, page) = app
        .get_json(&format!("/api/v1/changes?after={after}&limit=1000"), admin)
        .await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["has_more"], false);
    page["items"].as_array().unwrap().clone()
}

async fn audit_count(app: &TestApp, admin: &str, id: &Uuid) -> usize {
    let (s, page) = app
        .get_json(
            &format!("/api/v1/audit-log?resource_id={id}&limit=200"),
            admin,
        )
        .await;
    assert_eq!(s, 200, "{page}");
    page["items"].as_array().unwrap().len()
}

struct Ledger<'a> {
    app: &'a TestApp,
    admin: String,
    rows: Rows,
    seq: i64,
    /// The spec's (method, path) of every write that succeeded at least once.
    done: BTreeSet<(String, String)>,
    writes: usize,
    /// Audit entries seen so far per resource.
    audits: BTreeMap<Uuid, usize>,
}

impl<'a> Ledger<'a> {
    async fn new(app: &'a TestApp, admin: &str) -> Self {
        let seq = changes_after(app, admin, 0)
            .await
            .last()
            .map(|c| c["seq"].as_i64().unwrap())
            .unwrap_or(0);
        Ledger {
            app,
            admin: admin.to_string(),
            rows: rows(app).await,
            seq,
            done: BTreeSet::new(),
            writes: 0,
            audits: BTreeMap::new(),
        }
    }

    /// Sends one write (`template` is the spec's path) and checks what it recorded.
    async fn write(
        &mut self,
        method: &str,
        template: &str,
        url: &str,
        body: &Value,
        token: &str,
    ) -> (u16, Value) {
        let (status, answer) = send(self.app, method, url, body, token).await;
        self.check(method, template, status, answer).await
    }

    /// A spreadsheet sent to an import.
    async fn upload(
        &mut self,
        url: &str,
        content_type: &str,
        file: &str,
        token: &str,
    ) -> (u16, Value) {
        let (status, answer) =
            crate::imports::upload(self.app, url, content_type, file.as_bytes().to_vec(), token)
                .await;
        self.check("post", "/api/v1/imports/{kind}", status, answer)
            .await
    }

    /// A file uploaded as multipart.
    async fn upload_file(&mut self, name: &str, bytes: &[u8], token: &str) -> (u16, Value) {
        let (status, answer) = crate::imports::upload(
            self.app,
            "/api/v1/files",
            &format!("multipart/form-data; boundary={}", crate::files::BOUNDARY),
            crate::files::form("file", name, "application/pdf", bytes),
            token,
        )
        .await;
        self.check("post", "/api/v1/files", status, answer).await
    }

    async fn check(
        &mut self,
        method: &str,
        template: &str,
        status: u16,
        answer: Value,
    ) -> (u16, Value) {
        let mut audits = BTreeMap::new();
        let after = rows(self.app).await;
        let moved: BTreeMap<&(String, Uuid), &Option<i32>> = after
            .iter()
            .filter(|(k, v)| self.rows.get(*k) != Some(*v))
            .collect();
        let feed = changes_after(self.app, &self.admin, self.seq).await;
        let what = format!("{method} {template} → {status}");
        if !(200..300).contains(&status) {
            assert!(moved.is_empty(), "{what} moved {moved:?}: {answer}");
            assert!(feed.is_empty(), "{what} announced {feed:?}");
        } else {
            self.writes += 1;
            self.done.insert((method.to_string(), template.to_string()));
            for ((kind, id), version) in &moved {
                let mine: Vec<&Value> = feed
                    .iter()
                    .filter(|c| {
                        c["resource_type"] == kind.as_str() && c["resource_id"] == id.to_string()
                    })
                    .collect();
                assert_eq!(
                    mine.len(),
                    1,
                    "{what}: {kind} {id} moved to {version:?}, changes {mine:?}"
                );
                assert_eq!(
                    mine[0]["version"],
                    json!(version),
                    "{what}: {kind} {id} is at {version:?}, the feed says {}",
                    mine[0]
                );
                audits.insert(*id, ());
            }
            for c in &feed {
                let key = (
                    c["resource_type"].as_str().unwrap().to_string(),
                    c["resource_id"].as_str().unwrap().parse::<Uuid>().unwrap(),
                );
                assert!(
                    moved.contains_key(&key),
                    "{what} announced {c} but nothing moved"
                );
            }
            // One audit entry more for each resource that moved.
            for id in audits.keys() {
                let n = audit_count(self.app, &self.admin, id).await;
                let before = self.audits.get(id).copied().unwrap_or(0);
                assert_eq!(n, before + 1, "{what}: audit entries of {id}");
                self.audits.insert(*id, n);
            }
        }
        if let Some(last) = feed.last() {
            self.seq = last["seq"].as_i64().unwrap();
        }
        self.rows = after;
        (status, answer)
    }
}

/// Makes every write of the spec through the ledger, as the bloc and the admin would.
async fn every_write<'a>(app: &'a TestApp, d: &Demo) -> Ledger<'a> {
    let (a, h) = (d.admin.as_str(), d.head.as_str());
    let ids = seeded_ids(app, h).await;
    let own = own_ids(app, h, &ids).await;
    // Audit entries written before the ledger opens count as seen.
    let mut ledger = Ledger::new(app, a).await;
    for (_, id) in ledger.rows.keys().cloned().collect::<Vec<_>>() {
        let n = audit_count(app, a, &id).await;
        ledger.audits.insert(id, n);
    }

    // The admin's writes.
    let (_, bloc) = ledger
        .write(
            "post",
            "/api/v1/blocs",
            "/api/v1/blocs",
            &json!({"name": "Khối xã Quảng Thịnh", "level": "commune", "province": "Quảng Ninh"}),
            a,
        )
        .await;
    ledger
        .write(
            "post",
            "/api/v1/accounts",
            "/api/v1/accounts",
            &json!({"username": "quang.thinh.head", "password": "mật-khẩu-dài-2016", "role": "bloc_head", "bloc_id": bloc["id"]}),
            a,
        )
        .await;
    // A bloc opened with its head: the bloc, the person and the account, each once.
    let (s, p) = ledger
        .write(
            "post",
            "/api/v1/blocs",
            "/api/v1/blocs",
            &json!({"name": "Khối xã Quảng Đức", "level": "commune", "province": "Quảng Ninh",
                    "head": {"full_name": "Nguyễn Thị Hoa", "username": "hoa.nt", "password": "mật-khẩu-tạm-2016"}}),
            a,
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let (_, client) = ledger
        .write(
            "post",
            "/api/v1/clients",
            "/api/v1/clients",
            &json!({"name": "Cổng dân vận tỉnh", "province": "Quảng Ninh"}),
            a,
        )
        .await;
    let cid = client["id"].as_str().unwrap();
    // A province of the map before 2025, and a code filled in.
    let (s, old) = ledger
        .write(
            "post",
            "/api/v1/provinces",
            "/api/v1/provinces",
            &json!({"name": "Hải Dương", "full_name": "Tỉnh Hải Dương", "valid_to": "2025-06-30"}),
            a,
        )
        .await;
    assert_eq!(s, 201, "{old}");
    let pid = old["id"].as_str().unwrap();
    ledger
        .write(
            "patch",
            "/api/v1/provinces/{id}",
            &format!("/api/v1/provinces/{pid}"),
            &json!({"code": "30"}),
            a,
        )
        .await;
    ledger
        .write(
            "patch",
            "/api/v1/clients/{id}",
            &format!("/api/v1/clients/{cid}"),
            &json!({"name": "Cổng thông tin dân vận tỉnh Quảng Ninh"}),
            a,
        )
        .await;
    ledger
        .write(
            "post",
            "/api/v1/clients/{id}/secret",
            &format!("/api/v1/clients/{cid}/secret"),
            &Value::Null,
            a,
        )
        .await;

    // The bloc's writes with no reference.
    for (path, body) in [
        (
            "/api/v1/directives",
            json!({"number": "05-CT/HU", "issued_on": "2016-02-15", "title": "Về tăng cường công tác dân vận"}),
        ),
        (
            "/api/v1/webhooks",
            json!({"url": "http://127.0.0.1:9/hook", "events": ["task.*"]}),
        ),
    ] {
        let (s, p) = ledger.write("post", path, path, &body, h).await;
        assert_eq!(s, 201, "{path}: {p}");
    }

    // The bloc's writes with references, then every write with an id in its path.
    let task = &ids[&("tasks".to_string(), "id".to_string())];
    ledger
        .write(
            "post",
            "/api/v1/tasks/{id}/transitions",
            &format!("/api/v1/tasks/{task}/transitions"),
            &json!({"action": "assign"}),
            h,
        )
        .await;
    for case in reference_writes(&own, 1) {
        let url = match &case.id {
            Some(id) => case.path.replace("{id}", id),
            None => fill(case.path, &ids).unwrap(),
        };
        let (s, p) = ledger
            .write(case.method, case.path, &url, &case.body, h)
            .await;
        assert!(
            (200..300).contains(&s),
            "{} {}: {s} {p}",
            case.method,
            case.path
        );
    }
    for (method, path, body) in path_writes(&own) {
        let url = url_of(path, &ids, &own);
        // Some are refused here (the task was moved on above): checked to move nothing.
        ledger.write(method, path, &url, &body, h).await;
    }

    // A task through the whole workflow: reports on their own and with `submit`. (The account
    // writes above changed demo.staff's account, which ended its tokens.)
    let staff = app.login("demo.staff", DEMO_PASSWORD).await.access;
    let (s, t) = ledger
        .write(
            "post",
            "/api/v1/tasks",
            "/api/v1/tasks",
            &json!({
                "title": "Tổng hợp tình hình nhân dân tháng 2",
                "description": "Tổng hợp ý kiến, kiến nghị của nhân dân từ các xã.",
                "expected_result": "Báo cáo tình hình nhân dân",
                "lead_organisation_id": own["organisation"],
                "sub_committee_id": own["sub_committee"],
                "assignee_id": own["staff"],
                "due_on": "2099-12-31",
            }),
            &d.deputy,
        )
        .await;
    assert_eq!(s, 201, "{t}");
    let url = format!("/api/v1/tasks/{}/transitions", t["id"].as_str().unwrap());
    let reports = format!("/api/v1/tasks/{}/reports", t["id"].as_str().unwrap());
    let moves = "/api/v1/tasks/{id}/transitions";
    // Evidence uploaded, then attached by a report and by a submit's report: each attaching
    // moves the file's version, announced once.
    let (s, photo) = ledger
        .upload_file("Ảnh họp xã.pdf", &crate::files::pdf(100), &staff)
        .await;
    assert_eq!(s, 201, "{photo}");
    let (s, minute) = ledger
        .upload_file("Biên bản.pdf", &crate::files::pdf(200), &staff)
        .await;
    assert_eq!(s, 201, "{minute}");
    for (token, body) in [
        (&d.deputy, json!({"action": "assign"})),
        (&staff, json!({"action": "start"})),
        (
            &staff,
            json!({"text": "Đã tổng hợp 8/15 xã.", "progress": 50, "attachments": [photo["id"]]}),
        ),
        (
            &staff,
            json!({"action": "submit", "report": {"text": "Đã tổng hợp đủ 15 xã.", "progress": 100, "attachments": [minute["id"]]}}),
        ),
        (
            &d.deputy,
            json!({"action": "return", "reason": "Thiếu ý kiến của xã Cái Chiên."}),
        ),
        (
            &staff,
            json!({"action": "submit", "report": {"text": "Đã bổ sung xã Cái Chiên.", "progress": 100}}),
        ),
        (&d.head, json!({"action": "complete"})),
    ] {
        let (path, template) = if body.get("action").is_some() {
            (&url, moves)
        } else {
            (&reports, "/api/v1/tasks/{id}/reports")
        };
        let (s, p) = ledger.write("post", template, path, &body, token).await;
        assert!((200..300).contains(&s), "{body}: {s} {p}");
    }

    // A person's role follows to their account: both are announced.
    let nam = app.first_id("/api/v1/staff?q=trinh van nam", h).await;
    let (s, p) = ledger
        .write(
            "post",
            "/api/v1/accounts",
            "/api/v1/accounts",
            &json!({"username": "trinh.van.nam", "password": "mật-khẩu-tạm-2016", "staff_id": nam}),
            h,
        )
        .await;
    assert_eq!(s, 201, "{p}");
    for body in [json!({"role": "deputy_head"}), json!({"active": false})] {
        let (s, p) = ledger
            .write(
                "patch",
                "/api/v1/staff/{id}",
                &format!("/api/v1/staff/{nam}"),
                &body,
                h,
            )
            .await;
        assert_eq!(s, 200, "{body}: {p}");
    }

    // Imports: each row's resources, once each; a dry run and a refused file, nothing.
    for (url, file, status) in [
        (
            "/api/v1/imports/staff?dry_run=true",
            "Họ và tên,Tên đăng nhập,Mật khẩu\nNgô Thị Lan,ngo.thi.lan,mật-khẩu-tạm-2016\n",
            200,
        ),
        (
            "/api/v1/imports/units",
            "Tên,Loại\nThôn Đồng Tâm,Làng\n",
            422,
        ),
        (
            "/api/v1/imports/staff",
            "Họ và tên,Tên đăng nhập,Mật khẩu\nNgô Thị Lan,ngo.thi.lan,mật-khẩu-tạm-2016\nĐỗ Văn Minh,,\n",
            201,
        ),
        (
            "/api/v1/imports/units",
            "Tên,Loại\nThôn Đồng Tâm,Thôn\n",
            201,
        ),
    ] {
        let (s, p) = ledger.upload(url, crate::imports::CSV, file, h).await;
        assert_eq!(s, status, "{url}: {p}");
    }

    // A commune bloc dissolved into the district: its people's accounts close, the bloc
    // becomes history.
    let child = own["child3"].clone();
    let (s, p) = ledger
        .write(
            "post",
            "/api/v1/blocs/{id}/dissolution",
            &format!("/api/v1/blocs/{child}/dissolution"),
            &json!({"dissolved_on": "2025-06-30", "successor_id": d.bloc_id, "decision": "Nghị quyết 1679/NQ-UBTVQH15"}),
            a,
        )
        .await;
    assert_eq!(s, 201, "{p}");

    // A recurring task, and a person's own notification settings (no resource of the bloc
    // moves: nothing is announced).
    let (s, p) = ledger
        .write(
            "post",
            "/api/v1/task-series",
            "/api/v1/task-series",
            &json!({"title": "Báo cáo tháng", "description": "Tổng hợp công tác tháng", "expected_result": "Báo cáo tháng gửi Thường trực",
                    "lead_organisation_id": own["organisation"], "assignee_id": own["staff"],
                    "rule": "FREQ=MONTHLY;BYMONTHDAY=-1", "start_on": "2099-01-31"}),
            h,
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let (s, _) = ledger
        .write(
            "patch",
            "/api/v1/me/notification-preferences",
            "/api/v1/me/notification-preferences",
            &json!({"quiet_hours": false, "digest": true}),
            &staff,
        )
        .await;
    assert_eq!(s, 200);
    let (s, sub) = ledger
        .write(
            "post",
            "/api/v1/me/push-subscriptions",
            "/api/v1/me/push-subscriptions",
            &json!({"endpoint": "http://127.0.0.1:9/push/ledger",
                    "keys": {"p256dh": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4", "auth": "BTBZMqHH6r4Tts7J_aSIgg"}}),
            &staff,
        )
        .await;
    assert_eq!(s, 201, "{sub}");
    let sub = sub["id"].as_str().unwrap().to_string();
    let (s, _) = ledger
        .write(
            "delete",
            "/api/v1/me/push-subscriptions/{id}",
            &format!("/api/v1/me/push-subscriptions/{sub}"),
            &Value::Null,
            &staff,
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = ledger
        .write(
            "put",
            "/api/v1/me/calendar",
            "/api/v1/me/calendar",
            &Value::Null,
            &staff,
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = ledger
        .write(
            "delete",
            "/api/v1/me/calendar",
            "/api/v1/me/calendar",
            &Value::Null,
            &staff,
        )
        .await;
    assert_eq!(s, 204);
    let (_, inbox) = app.get_json("/api/v1/me/notifications", &staff).await;
    let n = inbox["items"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{inbox}"))
        .to_string();
    let (s, _) = ledger
        .write(
            "post",
            "/api/v1/me/notifications/{id}/read",
            &format!("/api/v1/me/notifications/{n}/read"),
            &Value::Null,
            &staff,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = ledger
        .write(
            "post",
            "/api/v1/me/notifications/read-all",
            "/api/v1/me/notifications/read-all",
            &Value::Null,
            &staff,
        )
        .await;
    assert_eq!(s, 200);

    // The account's own password.
    ledger
        .write(
            "post",
            "/api/v1/me/password",
            "/api/v1/me/password",
            &json!({"current_password": DEMO_PASSWORD, "new_password": "mật-khẩu-mới-2016-dài"}),
            &staff,
        )
        .await;

    ledger
}

#[tokio::test]
async fn every_write_is_announced_once_with_the_version_the_database_holds() {
    let app = spawn_app().await;
    let d = app.seed_full_demo().await;
    let a = d.admin.as_str();
    let ledger = every_write(&app, &d).await;
    // Every write of the spec was made at least once (sign-in aside: it writes no resource).
    let served: BTreeSet<(String, String)> = operations(&spec(&app).await)
        .into_iter()
        .filter(|(m, p, _)| m != "get" && !p.starts_with("/api/v1/auth/"))
        .map(|(m, p, _)| (m, p))
        .collect();
    let missing: Vec<_> = served.difference(&ledger.done).collect();
    assert!(missing.is_empty(), "writes never made: {missing:?}");
    assert!(ledger.writes > 60, "{} writes", ledger.writes);

    // A reader that followed the whole feed holds exactly the database's versions.
    let mut last: BTreeMap<(String, Uuid), Option<i32>> = BTreeMap::new();
    for c in changes_after(&app, a, 0).await {
        last.insert(
            (
                c["resource_type"].as_str().unwrap().to_string(),
                c["resource_id"].as_str().unwrap().parse().unwrap(),
            ),
            c["version"].as_i64().map(|v| v as i32),
        );
    }
    assert_eq!(last, rows(&app).await);
}

/// Every role follows the whole feed and reads every `href` it is given: none answers 403 or
/// 404, and nobody hears of a resource type its role may not read.
#[tokio::test]
async fn every_reader_can_read_everything_its_feed_names() {
    let app = spawn_app().await;
    let d = app.seed_full_demo().await;
    every_write(&app, &d).await;
    let portal = app
        .portal_account(&d.admin, "Quảng Ninh", "cong.tinh")
        .await;
    // The password changed in the ledger ended the staff member's tokens.
    let staff = app
        .login("demo.staff", "mật-khẩu-mới-2016-dài")
        .await
        .access;
    let mut heard = BTreeMap::new();
    for (role, token) in [
        ("admin", &d.admin),
        ("bloc_head", &d.head),
        ("deputy_head", &d.deputy),
        ("staff", &staff),
        ("portal", &portal),
    ] {
        let mut types = BTreeSet::new();
        let feed = changes_after(&app, token, 0).await;
        assert!(feed.len() > 20, "{role}: {} changes", feed.len());
        let mut hrefs = BTreeSet::new();
        for c in &feed {
            types.insert(c["resource_type"].as_str().unwrap().to_string());
            hrefs.insert(
                c["href"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{c}"))
                    .to_string(),
            );
        }
        for href in hrefs {
            let (s, body) = app.get_json(&href, token).await;
            assert_eq!(s, 200, "{role} GET {href}: {body}");
        }
        heard.insert(role, types);
    }
    for (role, hidden) in [
        ("bloc_head", &["api_client"][..]),
        ("deputy_head", &["account", "api_client", "webhook"]),
        ("staff", &["account", "api_client", "webhook"]),
        ("portal", &["account", "api_client", "webhook"]),
    ] {
        for t in hidden {
            assert!(!heard[role].contains(*t), "{role} heard of {t}");
        }
    }
    for t in ["account", "api_client", "webhook", "task", "task_report"] {
        assert!(heard["admin"].contains(t), "admin never heard of {t}");
    }
    assert!(heard["bloc_head"].contains("account"));
    assert!(heard["portal"].contains("task"));
}
