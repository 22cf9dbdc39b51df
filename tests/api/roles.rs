//! The role rules of the policy table, tried over HTTP by every role: what each may and may
//! not do in the Hải Hà demo bloc.
use crate::helpers::{DEMO_PASSWORD, Demo, TestApp, spawn_app};
use serde_json::{Value, json};

struct Who {
    name: &'static str,
    token: String,
}

async fn everyone(app: &TestApp, demo: &Demo) -> Vec<Who> {
    let portal = app
        .portal_account(&demo.admin, "Quảng Ninh", "portal.qn")
        .await;
    vec![
        Who {
            name: "admin",
            token: demo.admin.clone(),
        },
        Who {
            name: "bloc_head",
            token: demo.head.clone(),
        },
        Who {
            name: "deputy_head",
            token: demo.deputy.clone(),
        },
        Who {
            name: "staff",
            token: demo.staff.clone(),
        },
        Who {
            name: "portal",
            token: portal,
        },
    ]
}

async fn id_of(app: &TestApp, path: &str, token: &str) -> String {
    app.first_id(path, token).await
}

async fn status(res: reqwest::Response) -> u16 {
    let s = res.status().as_u16();
    if s >= 400 {
        let body: Value = res.json().await.unwrap();
        assert!(body["type"].is_string(), "problem+json expected");
    }
    s
}

fn check(op: &str, who: &str, got: u16, want: u16) {
    assert_eq!(got, want, "{who} {op}: expected {want}, got {got}");
}

#[tokio::test]
async fn every_role_against_every_write_of_the_structure() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let people = everyone(&app, &demo).await;
    let head = &demo.head;
    let ccb = id_of(&app, "/api/v1/organisations?q=CCB", head).await;
    let hnd = id_of(&app, "/api/v1/organisations?q=HND", head).await;
    let ktgs = id_of(&app, "/api/v1/sub-committees?q=KTGS", head).await;
    let vp = id_of(&app, "/api/v1/sub-committees?q=VP", head).await;
    let ttvd = id_of(&app, "/api/v1/sub-committees?q=TTVD", head).await;
    let unit = id_of(&app, "/api/v1/units?q=quang duc", head).await;
    let other_staff = id_of(&app, "/api/v1/staff?q=trinh van nam", head).await;
    let me_staff = id_of(&app, "/api/v1/staff?q=ly van cuong", head).await; // demo.staff
    let me_deputy = id_of(&app, "/api/v1/staff?q=tran van binh", head).await; // demo.deputy
    let movers = [
        id_of(&app, "/api/v1/staff?q=do thi thu trang", head).await,
        id_of(&app, "/api/v1/staff?q=do thi thu trang", head).await,
        id_of(&app, "/api/v1/staff?q=bui thi ngoc", head).await,
        id_of(&app, "/api/v1/staff?q=ta van long", head).await,
        id_of(&app, "/api/v1/staff?q=ta van long", head).await,
    ];
    let bloc = format!("/api/v1/blocs/{}", demo.bloc_id);
    let directive = id_of(&app, "/api/v1/directives?q=292", head).await;

    //                                                  admin head deputy staff portal
    let expect: [(&str, [u16; 5]); 17] = [
        ("create bloc", [201, 403, 403, 403, 403]),
        ("change bloc", [200, 200, 403, 403, 403]),
        ("create organisation", [403, 201, 403, 403, 403]),
        (
            "change organisation the deputy heads",
            [403, 200, 200, 403, 403],
        ),
        ("change another organisation", [403, 200, 403, 403, 403]),
        ("create sub-committee", [403, 201, 403, 403, 403]),
        (
            "change sub-committee the deputy heads",
            [403, 200, 200, 403, 403],
        ),
        ("change another sub-committee", [403, 200, 403, 403, 403]),
        ("create staff", [403, 201, 403, 403, 403]),
        ("change another person's name", [403, 200, 403, 403, 403]),
        (
            "change the staff member's own phone",
            [403, 200, 403, 200, 403],
        ),
        (
            "move into the deputy's sub-committee",
            [403, 201, 201, 403, 403],
        ),
        ("create unit", [403, 201, 403, 403, 403]),
        ("change unit", [403, 200, 403, 403, 403]),
        ("create account", [201, 201, 403, 403, 403]),
        ("record directive", [403, 201, 201, 403, 403]),
        ("change directive", [403, 200, 200, 403, 403]),
    ];
    for (i, who) in people.iter().enumerate() {
        let t = who.token.as_str();
        let n = who.name;
        let mut got = Vec::new();
        got.push(status(app.post_json("/api/v1/blocs", &json!({"name": format!("Khối xã {n}"), "level": "commune", "province": "Quảng Ninh"}), Some(t)).await).await);
        got.push(
            status(
                app.patch_json(&bloc, &json!({"founding_decision": "111-QĐ/TU"}), t, None)
                    .await,
            )
            .await,
        );
        got.push(status(app.post_json("/api/v1/organisations", &json!({"code": format!("HCT{i}"), "name": "Hội Chữ thập đỏ", "kind": "socio_political"}), Some(t)).await).await);
        got.push(
            status(
                app.patch_json(
                    &format!("/api/v1/organisations/{ccb}"),
                    &json!({"name": format!("Hội Cựu chiến binh huyện Hải Hà {i}")}),
                    t,
                    None,
                )
                .await,
            )
            .await,
        );
        got.push(
            status(
                app.patch_json(
                    &format!("/api/v1/organisations/{hnd}"),
                    &json!({"name": format!("Hội Nông dân huyện Hải Hà {i}")}),
                    t,
                    None,
                )
                .await,
            )
            .await,
        );
        got.push(
            status(
                app.post_json(
                    "/api/v1/sub-committees",
                    &json!({"code": format!("TB{i}"), "name": format!("Tiểu ban {n}")}),
                    Some(t),
                )
                .await,
            )
            .await,
        );
        got.push(
            status(
                app.patch_json(
                    &format!("/api/v1/sub-committees/{ktgs}"),
                    &json!({"mandate": format!("Kiểm tra, giám sát ({i})")}),
                    t,
                    None,
                )
                .await,
            )
            .await,
        );
        got.push(
            status(
                app.patch_json(
                    &format!("/api/v1/sub-committees/{vp}"),
                    &json!({"mandate": format!("Văn phòng ({i})")}),
                    t,
                    None,
                )
                .await,
            )
            .await,
        );
        got.push(
            status(
                app.post_json(
                    "/api/v1/staff",
                    &json!({"full_name": format!("Cán bộ mới {i}"), "role": "staff"}),
                    Some(t),
                )
                .await,
            )
            .await,
        );
        got.push(
            status(
                app.patch_json(
                    &format!("/api/v1/staff/{other_staff}"),
                    &json!({"full_name": format!("Trịnh Văn Nam {i}")}),
                    t,
                    None,
                )
                .await,
            )
            .await,
        );
        got.push(
            status(
                app.patch_json(
                    &format!("/api/v1/staff/{me_staff}"),
                    &json!({"phone": format!("0912 345 67{i}")}),
                    t,
                    None,
                )
                .await,
            )
            .await,
        );
        got.push(
            status(
                app.post_json(
                    &format!("/api/v1/staff/{}/assignments", movers[i]),
                    &json!({"to_sub_committee_id": ktgs}),
                    Some(t),
                )
                .await,
            )
            .await,
        );
        got.push(
            status(
                app.post_json(
                    "/api/v1/units",
                    &json!({"name": format!("Thôn {i}"), "kind": "village"}),
                    Some(t),
                )
                .await,
            )
            .await,
        );
        got.push(
            status(
                app.patch_json(
                    &format!("/api/v1/units/{unit}"),
                    &json!({"households": 2400 + i}),
                    t,
                    None,
                )
                .await,
            )
            .await,
        );
        got.push(status(app.post_json("/api/v1/accounts", &json!({"username": format!("can.bo.{i}"), "password": DEMO_PASSWORD, "role": "staff", "bloc_id": demo.bloc_id}), Some(t)).await).await);
        got.push(
            status(
                app.post_json(
                    "/api/v1/directives",
                    &json!({"number": format!("{}-KH/HU", 10 + i), "title": "Kế hoạch"}),
                    Some(t),
                )
                .await,
            )
            .await,
        );
        got.push(
            status(
                app.patch_json(
                    &format!("/api/v1/directives/{directive}"),
                    &json!({"summary": format!("Tóm tắt {i}")}),
                    t,
                    None,
                )
                .await,
            )
            .await,
        );
        assert_eq!(got.len(), expect.len());
        for ((op, want), got) in expect.iter().zip(&got) {
            check(op, n, *got, want[i]);
        }
    }

    // The deputy may change their own phone, and move people out of their sub-committee,
    // but not between two sub-committees they do not head.
    let d = &demo.deputy;
    check(
        "deputy's own phone",
        "deputy_head",
        status(
            app.patch_json(
                &format!("/api/v1/staff/{me_deputy}"),
                &json!({"phone": "0913 000 111"}),
                d,
                None,
            )
            .await,
        )
        .await,
        200,
    );
    let long = &movers[3];
    check(
        "move between others' sub-committees",
        "deputy_head",
        status(
            app.post_json(
                &format!("/api/v1/staff/{long}/assignments"),
                &json!({"to_sub_committee_id": ttvd}),
                Some(d),
            )
            .await,
        )
        .await,
        403,
    );
    let ngoc = &movers[2];
    check(
        "move out of own sub-committee",
        "deputy_head",
        status(
            app.post_json(
                &format!("/api/v1/staff/{ngoc}/assignments"),
                &json!({"to_sub_committee_id": vp}),
                Some(d),
            )
            .await,
        )
        .await,
        201,
    );
    // A staff member may not change their own name or role, only contact details.
    let s = &demo.staff;
    check(
        "staff's own name",
        "staff",
        status(
            app.patch_json(
                &format!("/api/v1/staff/{me_staff}"),
                &json!({"full_name": "Lý Văn Cường (sửa)"}),
                s,
                None,
            )
            .await,
        )
        .await,
        403,
    );
    check(
        "staff's own role",
        "staff",
        status(
            app.patch_json(
                &format!("/api/v1/staff/{me_staff}"),
                &json!({"role": "deputy_head"}),
                s,
                None,
            )
            .await,
        )
        .await,
        403,
    );

    // Reads: every role reads the structure of the bloc it can see.
    for who in &people {
        for path in [
            "/api/v1/blocs",
            "/api/v1/organisations",
            "/api/v1/sub-committees",
            "/api/v1/staff",
            "/api/v1/units",
        ] {
            let (s, body) = app.get_json(path, &who.token).await;
            assert_eq!(s, 200, "{} GET {path}", who.name);
            assert!(
                !body["items"].as_array().unwrap().is_empty(),
                "{} sees nothing at {path}",
                who.name
            );
        }
        let audit = if matches!(who.name, "admin" | "bloc_head") {
            200
        } else {
            403
        };
        check(
            "read the audit log",
            who.name,
            app.get_json("/api/v1/audit-log", &who.token).await.0,
            audit,
        );
        let accounts = if matches!(who.name, "admin" | "bloc_head") {
            200
        } else {
            403
        };
        check(
            "read accounts",
            who.name,
            app.get_json("/api/v1/accounts", &who.token).await.0,
            accounts,
        );
    }
}

/// Honest affordances (issue 14): `allowed_statuses` lists only what this caller may set, by
/// the same rules the change itself is decided by; each one offered succeeds and each one
/// withheld is refused.
#[tokio::test]
async fn allowed_statuses_are_what_the_caller_may_set() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let ids = crate::security::seeded_ids(&app, &d.head).await;
    let id = |r: &str, p: &str| ids[&(r.to_string(), p.to_string())].clone();
    let (c, reg) = (id("campaigns", "id"), id("campaigns", "registration_id"));
    let (s, rec) = (
        id("supervisions", "id"),
        id("supervisions", "recommendation_id"),
    );
    let paths = [
        format!("/api/v1/campaigns/{c}"),
        format!("/api/v1/campaigns/{c}/registrations/{reg}"),
        format!("/api/v1/supervisions/{s}"),
        format!("/api/v1/supervisions/{s}/recommendations/{rec}"),
    ];
    let offered = async |path: &str, token: &str| -> Vec<String> {
        let (st, v) = app.get_json(path, token).await;
        assert_eq!(st, 200, "{path}: {v}");
        v["allowed_statuses"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {v}"))
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    // The head runs everything here; a cadre runs none of it but may withdraw an entry.
    for path in &paths {
        assert!(!offered(path, &d.head).await.is_empty(), "{path}");
    }
    assert_eq!(offered(&paths[0], &d.staff).await, Vec::<String>::new());
    assert_eq!(offered(&paths[1], &d.staff).await, ["withdrawn"]);
    assert_eq!(offered(&paths[2], &d.staff).await, Vec::<String>::new());
    assert_eq!(offered(&paths[3], &d.staff).await, Vec::<String>::new());
    let portal = app
        .portal_account(&d.admin, "Quảng Ninh", "cong.tinh")
        .await;
    for path in &paths {
        assert_eq!(offered(path, &portal).await, Vec::<String>::new(), "{path}");
    }
    // Withheld means refused; offered means allowed.
    let patch = async |path: &str, status: &str, token: &str| {
        app.patch_json(path, &json!({"status": status}), token, None)
            .await
            .status()
            .as_u16()
    };
    let all = offered(&paths[1], &d.head).await;
    assert!(all.contains(&"recognised".to_string()), "{all:?}");
    assert_eq!(patch(&paths[1], "recognised", &d.staff).await, 403);
    assert_eq!(patch(&paths[0], "closed", &d.staff).await, 403);
    assert_eq!(patch(&paths[1], "withdrawn", &d.staff).await, 200);
    // A closed campaign's entries move no more.
    assert_eq!(patch(&paths[0], "closed", &d.head).await, 200);
    let (_, regs) = app
        .get_json(&format!("/api/v1/campaigns/{c}/registrations"), &d.head)
        .await;
    for r in regs["items"].as_array().unwrap() {
        assert_eq!(r["allowed_statuses"], json!([]), "{r}");
    }
}
