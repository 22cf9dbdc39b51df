//! The security suite, organised by the OWASP API Security Top 10 (2023). The spec-driven tests
//! here walk every operation of the served spec, so a new endpoint is covered the day it lands.
//!
//! - API1 Broken object-level authorisation: `every_operation_on_another_blocs_ids_is_404` (here),
//!   `tenancy::*` (every write with another bloc's ids in its path is 404 and every reference
//!   field pointed at another bloc's object is 422 naming it, each with a body proven valid),
//!   `isolation::*` (lists, the portal's province), and per resource in `tasks`, `campaigns`,
//!   `supervision`, `followup` (staff acting on other people's objects).
//! - API2 Broken authentication: `bad_tokens::*` (alg none, forged, expired, wrong key, issuer,
//!   audience, malformed headers, an earlier account version), `auth::*` (refresh reuse revokes
//!   the family, throttling with 429 + Retry-After, disabled accounts, timing-equal unknown
//!   users), `hardening::account_changes_end_access_tokens_at_once` (deactivation, password
//!   change and reset, role change), `hardening::the_username_throttle_holds_under_concurrent_guesses`,
//!   `hardening::sign_ins_are_limited_per_address_and_in_all`.
//! - API3 Broken object property-level authorisation: `no_write_accepts_server_owned_fields`
//!   (here), `structure::fields_a_client_must_not_set_are_rejected`.
//! - API4 Unrestricted resource consumption: `limits_on_bodies_pages_lists_and_slow_clients` (here),
//!   `errors::body_over_the_limit_is_413`, `hardening::a_flood_of_sign_ins_stays_within_memory`,
//!   `hardening::a_trickled_body_is_cut_off`, `hardening::metric_labels_stay_bounded_whatever_clients_send`,
//!   `egress::hooks_per_bloc_are_capped`, `egress::a_blocs_backlog_does_not_delay_another_blocs_deliveries`.
//! - API5 Broken function-level authorisation: `the_portal_reads_and_writes_nothing_anywhere` (here,
//!   over HTTP: every read the portal may make is 200, the rest 403, every valid write 403),
//!   `roles::every_role_against_every_write_of_the_structure`, the role tests of each resource,
//!   and `hardening::a_bloc_has_one_active_head_account`.
//! - API6 Unrestricted access to sensitive business flows: `hardening::creates_are_exactly_once_across_a_sigkill`,
//!   `hardening::simultaneous_retries_make_one_meeting` (a retried create never doubles).
//! - API7 Server-side request forgery: `egress::*` (internal addresses in every spelling refused
//!   at registration, names re-pointed inward refused at connect time, no port scanning through
//!   the delivery log).
//! - API8 Security misconfiguration: `errors_leak_no_internals` (here), `operations::*` (CORS off
//!   by default, security headers), `hardening::secrets_are_not_cached_and_every_error_is_a_problem`
//!   (no-store, CSP), `hardening::control_characters_and_absurd_dates_are_refused_at_the_edge`.
use crate::helpers::{TestApp, spawn_app};
use serde_json::{Value, json};
use std::collections::HashMap;

pub(crate) fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

pub(crate) async fn spec(app: &TestApp) -> Value {
    app.get("/api-docs/openapi.json", None)
        .await
        .json()
        .await
        .unwrap()
}

pub(crate) async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    body: &Value,
    token: &str,
) -> (u16, Value) {
    let url = app.url(path);
    let r = match method {
        "get" => app.client.get(url),
        "post" if body.is_null() => app.client.post(url),
        "post" => app.client.post(url).json(body),
        "patch" => app.client.patch(url).json(body),
        "put" => app.client.put(url).json(body),
        "delete" => app.client.delete(url),
        m => panic!("method {m}"),
    };
    let res = r.bearer_auth(token).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Ids of the seeded bloc for each path parameter, by the resource that owns it. The task is
/// a draft with all five clears, so its head may assign it.
pub(crate) async fn seeded_ids(app: &TestApp, t: &str) -> HashMap<(String, String), String> {
    let first = |v: &Value| v["items"][0]["id"].as_str().map(str::to_string);
    let get = |p: String| async move { app.get_json(&p, t).await.1 };
    let mut ids = HashMap::new();
    let mut put = |res: &str, param: &str, v: Option<String>| {
        ids.insert(
            (res.to_string(), param.to_string()),
            v.expect("a seeded id"),
        );
    };
    let campaign = first(&get("/api/v1/campaigns".into()).await);
    let c = campaign.clone().unwrap();
    let target = get(format!("/api/v1/campaigns/{c}/targets")).await["items"][0]["id"]
        .as_str()
        .map(str::to_string);
    let tid = target.clone().unwrap();
    let measurement =
        first(&get(format!("/api/v1/campaigns/{c}/targets/{tid}/measurements")).await);
    let registration = first(&get(format!("/api/v1/campaigns/{c}/registrations")).await);
    // A supervision under way, so findings and recommendations may still be added to it.
    let res = app
        .post_json(
            "/api/v1/supervisions",
            &json!({"kind": "supervision", "title": "Giám sát quy chế dân chủ ở cơ sở", "subject": "UBND xã Quảng Long", "planned_start_on": "2016-05-09", "planned_end_on": "2016-05-20"}),
            Some(t),
        )
        .await;
    let s = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .patch_json(
            &format!("/api/v1/supervisions/{s}"),
            &json!({"status": "in_progress"}),
            t,
            None,
        )
        .await;
    assert_eq!(res.status(), 200, "start the supervision");
    let res = app
        .post_json(
            &format!("/api/v1/supervisions/{s}/recommendations"),
            &json!({"addressee": "UBND xã Quảng Long", "text": "Niêm yết công khai dự toán ngân sách xã."}),
            Some(t),
        )
        .await;
    let recommendation = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .map(str::to_string);
    let supervision = Some(s);
    let directive = first(&get("/api/v1/directives".into()).await);
    let d = directive.clone().unwrap();
    let unit = first(&get("/api/v1/units".into()).await);
    let res = app
        .post_json(
            &format!("/api/v1/directives/{d}/dispatches"),
            &json!({"unit_ids": [unit.clone().unwrap()], "sent_on": "2016-01-12"}),
            Some(t),
        )
        .await;
    let dispatch = res.json::<Value>().await.unwrap()[0]["id"]
        .as_str()
        .map(str::to_string);
    let res = app
        .post_json(
            "/api/v1/tasks",
            &json!({
                "title": "Nhiệm vụ thử quyền truy cập",
                "description": "Rà soát danh sách hộ nghèo các thôn.",
                "expected_result": "Danh sách đã rà soát",
                "lead_organisation_id": first(&get("/api/v1/organisations".into()).await),
                "assignee_id": first(&get("/api/v1/staff?q=ly van cuong".into()).await),
                "due_on": "2099-12-31",
            }),
            Some(t),
        )
        .await;
    let task = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .map(str::to_string);
    put("imports", "kind", Some("staff".into()));
    put("campaigns", "id", campaign);
    put("campaigns", "target_id", target);
    put("campaigns", "measurement_id", measurement);
    put("campaigns", "registration_id", registration);
    put("supervisions", "id", supervision);
    put("supervisions", "recommendation_id", recommendation);
    put("directives", "id", directive);
    put("directives", "dispatch_id", dispatch);
    let comment = match &task {
        Some(id) => app
            .post_json(
                &format!("/api/v1/tasks/{id}/comments"),
                &json!({"body": "Đề nghị bổ sung biên bản."}),
                Some(t),
            )
            .await
            .json::<Value>()
            .await
            .unwrap()["id"]
            .as_str()
            .map(str::to_string),
        None => None,
    };
    let series = app
        .post_json(
            "/api/v1/task-series",
            &json!({
                "title": "Báo cáo tuần",
                "description": "Tổng hợp công tác tuần",
                "expected_result": "Báo cáo tuần gửi Thường trực",
                "lead_organisation_id": first(&get("/api/v1/organisations?q=MTTQ".into()).await),
                "assignee_id": first(&get("/api/v1/staff?q=ly van cuong".into()).await),
                "rule": "FREQ=WEEKLY;BYDAY=MO",
                "start_on": "2099-01-05",
            }),
            Some(t),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .map(str::to_string);
    // A file attached to a report (an unattached upload is only its uploader's and the head's).
    let file = {
        let (status, f) = crate::imports::upload(
            app,
            "/api/v1/files",
            &format!("multipart/form-data; boundary={}", crate::files::BOUNDARY),
            crate::files::form(
                "file",
                "Ảnh hội nghị.jpg",
                "image/jpeg",
                &crate::files::photo(5, 64, 48, None),
            ),
            t,
        )
        .await;
        assert_eq!(status, 201, "{f}");
        // A photo, so that its preview is read too, once it is made.
        let preview = f["preview_href"].as_str().unwrap().to_string();
        let made = crate::peers::eventually(10, async || {
            let res = app
                .client
                .get(app.url(&preview))
                .bearer_auth(t)
                .send()
                .await
                .unwrap();
            (res.status() == 200).then_some(())
        })
        .await;
        assert!(made.is_some(), "the preview was not made");
        let res = app
            .post_json(
                "/api/v1/tasks",
                &json!({
                    "title": "Hội nghị có biên bản",
                    "description": "Tổ chức hội nghị tại nhà văn hóa thôn.",
                    "expected_result": "Biên bản hội nghị",
                    "lead_organisation_id": first(&get("/api/v1/organisations".into()).await),
                    "assignee_id": first(&get("/api/v1/staff?q=ly van cuong".into()).await),
                    "due_on": "2099-12-31",
                }),
                Some(t),
            )
            .await;
        let reported = res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let res = app
            .post_json(
                &format!("/api/v1/tasks/{reported}/transitions"),
                &json!({"action": "assign"}),
                Some(t),
            )
            .await;
        assert_eq!(res.status(), 200, "assign");
        let res = app
            .post_json(
                &format!("/api/v1/tasks/{reported}/reports"),
                &json!({"text": "Đã họp.", "progress": 50, "attachments": [f["id"]]}),
                Some(t),
            )
            .await;
        assert_eq!(res.status(), 201, "report with the file");
        f["id"].as_str().map(str::to_string)
    };
    put("files", "id", file);
    put("tasks", "id", task);
    put("comments", "id", comment);
    put("task-series", "id", series);
    // A calendar address nobody holds.
    put("calendar", "secret", Some("kc_nobody".into()));
    put("units", "id", unit);
    for res in [
        "organisations",
        "sub-committees",
        "staff",
        "meetings",
        "unit-assignments",
        "blocs",
    ] {
        let v = first(&get(format!("/api/v1/{res}")).await);
        put(res, "id", v);
    }
    put(
        "accounts",
        "id",
        first(&get("/api/v1/accounts?q=demo.staff".into()).await),
    );
    put("clients", "id", Some(uuid::Uuid::now_v7().to_string()));
    // Reference data of no bloc, read by everyone: Quảng Ninh.
    put(
        "provinces",
        "id",
        Some("019ac000-0000-7000-8000-00000000000a".to_string()),
    );
    let res = app
        .post_json(
            "/api/v1/webhooks",
            &json!({"url": "http://127.0.0.1:9/hook", "events": ["task.*"]}),
            Some(t),
        )
        .await;
    put(
        "webhooks",
        "id",
        res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .map(str::to_string),
    );
    ids
}

/// Reads that need a period or a purpose get one; everything else is read as it stands.
fn with_required_query(path: &str, url: String) -> String {
    match path {
        "/api/v1/reports/monthly-review" => format!("{url}?month=2016-03"),
        "/api/v1/unit-assignments/uncovered" => {
            format!("{url}?purpose=election_monitoring&from=2016-03-01")
        }
        _ => url,
    }
}

pub(crate) fn fill(path: &str, ids: &HashMap<(String, String), String>) -> Option<String> {
    let rel = path.strip_prefix("/api/v1/")?;
    let resource = rel.split('/').next()?.to_string();
    let mut out = String::from("/api/v1");
    for seg in rel.split('/') {
        out.push('/');
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => out.push_str(
                ids.get(&(resource.clone(), param.to_string()))
                    .unwrap_or_else(|| panic!("no seeded id for {param} of {path}")),
            ),
            None => out.push_str(seg),
        }
    }
    Some(out)
}

/// API1: with another bloc's ids, every operation answers 404 (a body it cannot parse may be
/// 422 first), never 2xx and never 403, which would confirm the object exists.
#[tokio::test]
async fn every_operation_on_another_blocs_ids_is_404() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let (_, other) = app
        .other_bloc(
            &demo.admin,
            "Khối xã Đại Bình",
            "Quảng Ninh",
            "dai.binh.head",
        )
        .await;
    let ids = seeded_ids(&app, &demo.head).await;
    let spec = spec(&app).await;
    let mut tried = 0;
    for (method, path, _) in operations(&spec) {
        // Clients, provinces and dissolutions are the admin's alone: a bloc head is refused
        // (403) whatever the id.
        // An import's path names a kind of thing, not an object.
        if !path.contains('{')
            || path.starts_with("/api/v1/me")
            || path.starts_with("/api/v1/clients")
            || path.starts_with("/api/v1/provinces")
            || path.ends_with("/dissolution")
            || path.starts_with("/api/v1/imports")
        {
            continue;
        }
        let url = fill(&path, &ids).unwrap();
        let body = if method == "get" {
            Value::Null
        } else {
            json!({})
        };
        let (status, _) = send(&app, &method, &url, &body, &other).await;
        assert!(
            status == 404 || (status == 422 && method != "get"),
            "{method} {path} with another bloc's ids gave {status}"
        );
        tried += 1;
    }
    assert!(tried >= 30, "only {tried} operations tried");
}

/// API3: server-owned fields (`bloc_id`, `created_by`, `version`, `id`, `status` where the body
/// does not declare it, …) are refused with 422 naming the field, on every write.
#[tokio::test]
async fn no_write_accepts_server_owned_fields() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let ids = seeded_ids(&app, &demo.head).await;
    let spec = spec(&app).await;
    let schemas = &spec["components"]["schemas"];
    let mut tried = 0;
    for (method, path, op) in operations(&spec) {
        let Some(schema) = op["requestBody"]["content"]["application/json"]["schema"].as_object()
        else {
            continue;
        };
        let declared: Vec<String> = match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => schemas[r.rsplit('/').next().unwrap()]["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default(),
            None => vec![],
        };
        let url = if path.contains('{') {
            fill(&path, &ids).unwrap()
        } else {
            path.clone()
        };
        for field in [
            "bloc_id",
            "created_by",
            "version",
            "id",
            "created_at",
            "recorded_by",
        ] {
            if declared.iter().any(|d| d == field) {
                continue;
            }
            let (status, p) = send(
                &app,
                &method,
                &url,
                &json!({field: demo.bloc_id}),
                &demo.head,
            )
            .await;
            assert_eq!(status, 422, "{method} {path} took {field}: {p}");
            assert_eq!(p["errors"][0]["field"], field, "{method} {path}: {p}");
        }
        tried += 1;
    }
    assert!(tried >= 30, "only {tried} writes tried");
}

/// API5 over HTTP, not over the policy table: the portal reads every resource of its province
/// but the accounts, the hooks, the clients and the audit log (`403`), and every write, with a
/// body the bloc head would be given `2xx` for (see `tenancy`), is `403`.
#[tokio::test]
async fn the_portal_reads_and_writes_nothing_anywhere() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let ids = seeded_ids(&app, &demo.head).await;
    let own = crate::tenancy::own_ids(&app, &demo.head, &ids).await;
    let portal = app
        .portal_account(&demo.admin, "Quảng Ninh", "portal.qn")
        .await;
    let mut bodies: HashMap<(String, String), Value> = crate::tenancy::path_writes(&own)
        .into_iter()
        .map(|(m, p, b)| ((m.to_string(), p.to_string()), b))
        .collect();
    for c in crate::tenancy::reference_writes(&own, 9) {
        bodies.insert((c.method.to_string(), c.path.to_string()), c.body);
    }
    let spec = spec(&app).await;
    let (mut reads, mut writes) = (0, 0);
    for (method, path, op) in operations(&spec) {
        if path.starts_with("/api/v1/auth")
            || path.starts_with("/api/v1/me")
            || path.starts_with("/api/v1/calendar")
        {
            continue;
        }
        let Some(url) = fill(&path, &ids) else {
            continue;
        };
        if method == "get" {
            let url = with_required_query(&path, url);
            let hidden = ["accounts", "webhooks", "clients", "audit-log"]
                .iter()
                .any(|r| path.starts_with(&format!("/api/v1/{r}")));
            let res = app
                .client
                .get(app.url(&url))
                .bearer_auth(&portal)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let want = if hidden { 403 } else { 200 };
            assert_eq!(
                status,
                want,
                "portal GET {url}: {}",
                res.text().await.unwrap()
            );
            reads += 1;
            continue;
        }
        let body = bodies.get(&(method.clone(), path.clone())).cloned().unwrap_or_else(|| {
            // Creates without references: the documented example is a valid body.
            let c = &op["requestBody"]["content"]["application/json"];
            let r = c["schema"]["$ref"].as_str().unwrap_or_default();
            let e = c["example"].clone();
            if e.is_null() {
                spec["components"]["schemas"][r.rsplit('/').next().unwrap_or_default()]["example"]
                    .clone()
            } else {
                e
            }
        });
        let (status, p) = send(&app, &method, &url, &body, &portal).await;
        assert_eq!(status, 403, "portal {method} {path}: {p}");
        writes += 1;
    }
    assert!(
        reads >= 45 && writes >= 40,
        "{reads} reads, {writes} writes"
    );
}

/// The resource whose `Read` row decides a read, by its path.
fn read_resource(path: &str) -> Option<khoi::policy::Resource> {
    use khoi::policy::Resource::*;
    let rel = path.strip_prefix("/api/v1/")?;
    let parts: Vec<&str> = rel.split('/').collect();
    Some(
        match (parts[0], parts.get(2).copied(), parts.get(4).copied()) {
            ("me", _, _) if rel == "me/tasks" => Task,
            ("me", _, _) => return None,
            // The secret in the address decides, and every signed-in person reads the key.
            ("calendar" | "push", ..) => return None,
            ("comments", ..) => Comment,
            ("files", ..) => File,
            ("task-series", ..) => Task,
            ("provinces", ..) => Province,
            ("blocs", ..) => Bloc,
            ("accounts", ..) => Account,
            ("organisations", ..) => Organisation,
            ("sub-committees", ..) => SubCommittee,
            ("staff", ..) => Staff,
            ("units", ..) => Unit,
            ("directives", Some("dispatches"), _) | ("dispatches", ..) => Dispatch,
            ("directives", ..) => Directive,
            ("tasks", ..) => Task,
            ("campaigns", Some("targets"), Some("measurements")) => Measurement,
            ("campaigns", Some("targets"), _) => CampaignTarget,
            ("campaigns", Some("registrations"), _) => Registration,
            ("campaigns", ..) => Campaign,
            ("supervisions", ..) => Supervision,
            ("meetings", ..) => Meeting,
            ("unit-assignments", ..) => UnitAssignment,
            ("changes", ..) => Change,
            ("clients", ..) => Client,
            ("webhooks", ..) => Webhook,
            ("reports", ..) => Summary,
            ("audit-log", ..) => AuditLog,
            (other, ..) => panic!("no resource for {other}: add it here"),
        },
    )
}

/// API5 for reads, over HTTP: every role against every read of the spec, expecting what the
/// policy table's `Read` row says (200 or 403). The expectations come from the table, so
/// flipping a row changes what this test expects: it stays green only if the service consults
/// that row on that route.
#[tokio::test]
async fn every_read_follows_its_row_of_the_policy_table() {
    use khoi::{auth::Role, policy};
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let mut ids = seeded_ids(&app, &demo.head).await;
    let client = app.new_client(&demo.admin, "Quảng Ninh").await;
    ids.insert(
        ("clients".into(), "id".into()),
        client["id"].as_str().unwrap().to_string(),
    );
    let portal = app
        .portal_account(&demo.admin, "Quảng Ninh", "portal.qn")
        .await;
    let roles = [
        (Role::Admin, &demo.admin),
        (Role::BlocHead, &demo.head),
        (Role::DeputyHead, &demo.deputy),
        (Role::Staff, &demo.staff),
        (Role::Portal, &portal),
    ];
    let spec = spec(&app).await;
    let mut tried = 0;
    for (method, path, _) in operations(&spec) {
        let Some(resource) = (method == "get").then(|| read_resource(&path)).flatten() else {
            continue;
        };
        let url = with_required_query(&path, fill(&path, &ids).unwrap());
        for (role, token) in &roles {
            let want = match policy::rule(resource, policy::Action::Read, *role) {
                policy::Rule::Yes => 200,
                policy::Rule::No => 403,
                r => panic!("{resource:?}: a Read row is Yes or No, not {r:?}"),
            };
            let res = app
                .client
                .get(app.url(&url))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            assert_eq!(
                status,
                want,
                "{} GET {url} ({resource:?}): {}",
                role.as_str(),
                res.text().await.unwrap()
            );
            tried += 1;
        }
    }
    assert!(tried >= 45 * 5, "only {tried} reads tried");
}

/// API4: bodies, pages and lists are bounded; a client that never finishes its request is
/// dropped.
#[tokio::test]
async fn limits_on_bodies_pages_lists_and_slow_clients() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    for path in [
        "/api/v1/tasks?limit=201",
        "/api/v1/campaigns?limit=0",
        "/api/v1/staff?limit=-1",
    ] {
        let (status, p) = app.get_json(path, &demo.head).await;
        assert_eq!(
            (status, p["errors"][0]["field"].as_str()),
            (400, Some("limit")),
            "{path}"
        );
    }
    let too_many: Vec<String> = (0..21).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let orgs = app.get_json("/api/v1/organisations", &demo.head).await.1;
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "Quá nhiều", "kind": "movement", "lead_organisation_id": orgs["items"][0]["id"],
                    "participating_organisation_ids": too_many, "start_on": "2016-01-01", "end_on": "2016-12-31"}),
            Some(&demo.head),
        )
        .await;
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "participating_organisation_ids");
    let big = "x".repeat(2 * 1024 * 1024);
    let res = app
        .post_json("/api/v1/tasks", &json!({"title": big}), Some(&demo.head))
        .await;
    assert_eq!(res.status(), 413);
    // Slowloris: headers that never end are cut off (actix's client request timeout, 5 s).
    let addr = app.address.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: khoi\r\nX-Slow: ")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read =
        tokio::time::timeout(std::time::Duration::from_secs(15), s.read_to_end(&mut buf)).await;
    assert!(
        read.is_ok(),
        "a client that never finishes its headers was kept open"
    );
}

/// API8: error answers never show internals (SQL, Rust types, panics, file paths).
#[tokio::test]
async fn errors_leak_no_internals() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let probes = [
        (
            "get",
            "/api/v1/tasks?sort=title;DROP TABLE tasks".to_string(),
            Value::Null,
        ),
        (
            "get",
            "/api/v1/tasks?cursor=%27%20OR%201%3D1".to_string(),
            Value::Null,
        ),
        (
            "get",
            "/api/v1/campaigns/not-a-uuid".to_string(),
            Value::Null,
        ),
        ("post", "/api/v1/tasks".to_string(), json!({"title": 5})),
        ("post", "/api/v1/tasks".to_string(), json!([1, 2])),
        (
            "get",
            "/api/v1/campaigns?status=đang chạy".to_string(),
            Value::Null,
        ),
        (
            "get",
            "/api/v1/reports/monthly-review?month=2016-02-30".to_string(),
            Value::Null,
        ),
    ];
    for (method, path, body) in probes {
        let (status, p) = send(&app, method, &path, &body, &demo.head).await;
        assert!((400..500).contains(&status), "{path}: {status}");
        let text = p.to_string().to_lowercase();
        for leak in [
            "select ", "sqlx", "sea_orm", "panicked", "src/", "::", "stack",
        ] {
            assert!(!text.contains(leak), "{path} leaks {leak}: {p}");
        }
    }
}
