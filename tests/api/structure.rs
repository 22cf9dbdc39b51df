//! The bloc's structure as its head builds it: invariants, search, concurrency, audit.
use crate::helpers::{DEMO_PASSWORD, assert_problem, etag, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn admin_creates_blocs_at_all_three_levels() {
    let app = spawn_app().await;
    let admin = app.login_admin().await.access;
    let res = app.post_json("/api/v1/blocs", &json!({"name": "Khối tỉnh Quảng Ninh", "level": "province", "province": "Quảng Ninh", "established_on": "2016-01-01"}), Some(&admin)).await;
    assert_eq!(res.status(), 201);
    assert_eq!(etag(&res), "\"1\"");
    let province: Value = res.json().await.unwrap();
    let res = app
        .post_json(
            "/api/v1/blocs",
            &json!({"name": "Khối huyện Hải Hà", "level": "district", "parent_id": province["id"], "established_on": "2016-01-25"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 201);
    let district: Value = res.json().await.unwrap();
    assert_eq!(
        district["province"], "Quảng Ninh",
        "province comes from the parent"
    );
    // Since 2025 a commune may sit directly under its province.
    let res = app
        .post_json(
            "/api/v1/blocs",
            &json!({"name": "Khối xã Quảng Đức", "level": "commune", "parent_id": province["id"]}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 201);
    // A province under a district is refused, naming the field.
    let res = app
        .post_json(
            "/api/v1/blocs",
            &json!({"name": "Sai", "level": "province", "parent_id": district["id"]}),
            Some(&admin),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "parent_id");
    let res = app
        .post_json(
            "/api/v1/blocs",
            &json!({"name": "Thiếu tỉnh", "level": "commune"}),
            Some(&admin),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "province");
    let res = app
        .post_json(
            "/api/v1/blocs",
            &json!({"name": "Sai cấp", "level": "hamlet", "province": "Quảng Ninh"}),
            Some(&admin),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "level");
    let (_, list) = app.get_json("/api/v1/blocs?q=hai ha", &admin).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (_, list) = app.get_json("/api/v1/blocs?level=commune", &admin).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn fields_a_client_must_not_set_are_rejected() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    for extra in [
        json!({"id": "01a21945-3cc4-77ec-a861-b9337650b011"}),
        json!({"bloc_id": demo.bloc_id}),
        json!({"version": 7}),
        json!({"created_at": "2016-01-01T00:00:00Z"}),
        json!({"created_by": "01a21945-3cc4-77ec-a861-b9337650b011"}),
    ] {
        let mut body =
            json!({"code": "HCTD", "name": "Hội Chữ thập đỏ", "kind": "socio_political"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = app
            .post_json("/api/v1/organisations", &body, Some(&demo.head))
            .await;
        assert_problem(res, 422).await;
    }
    // A bloc head cannot create an account above the bloc's roles.
    for role in ["admin", "portal"] {
        let res = app
            .post_json("/api/v1/accounts", &json!({"username": format!("x.{role}"), "password": DEMO_PASSWORD, "role": role, "province": "Quảng Ninh"}), Some(&demo.head))
            .await;
        let body = assert_problem(res, 422).await;
        assert!(
            body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == "role" || e["field"] == "province"),
            "{body}"
        );
    }
    // Nothing was created by the refused requests.
    let (_, orgs) = app
        .get_json("/api/v1/organisations?q=chu thap do", &demo.head)
        .await;
    assert!(orgs["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn duplicates_are_409_and_invalid_values_422() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let h = &demo.head;
    let res = app
        .post_json(
            "/api/v1/organisations",
            &json!({"code": "hnd", "name": "Hội Nông dân (trùng)", "kind": "socio_political"}),
            Some(h),
        )
        .await;
    assert_problem(res, 409).await;
    let res = app
        .post_json(
            "/api/v1/sub-committees",
            &json!({"code": "ktgs", "name": "Trùng"}),
            Some(h),
        )
        .await;
    assert_problem(res, 409).await;
    // Unit names are unique within a parent, ignoring case and diacritics.
    let res = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "QUANG DUC", "kind": "commune"}),
            Some(h),
        )
        .await;
    assert_problem(res, 409).await;
    let duc = app.first_id("/api/v1/units?q=quang duc", h).await;
    let res = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "Thôn 1", "kind": "village", "parent_id": duc}),
            Some(h),
        )
        .await;
    assert_eq!(res.status(), 201);
    let thon: Value = res.json().await.unwrap();
    let res = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "thôn 1", "kind": "village", "parent_id": duc}),
            Some(h),
        )
        .await;
    assert_problem(res, 409).await;
    // The same name under another parent is fine.
    let son = app.first_id("/api/v1/units?q=quang son", h).await;
    let res = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "Thôn 1", "kind": "village", "parent_id": son}),
            Some(h),
        )
        .await;
    assert_eq!(res.status(), 201);
    // A unit cannot be put inside itself.
    let res = app
        .patch_json(
            &format!("/api/v1/units/{duc}"),
            &json!({"parent_id": thon["id"]}),
            h,
            None,
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "parent_id");
    let res = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "Thôn 2", "kind": "village", "population": 100, "households": 120}),
            Some(h),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "households");
    let res = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "Thôn 3", "kind": "village", "population": -5}),
            Some(h),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "population");
    // The head of a sub-committee must be the bloc head or a deputy head.
    let staff = app.first_id("/api/v1/staff?role=staff", h).await;
    let res = app
        .post_json(
            "/api/v1/sub-committees",
            &json!({"code": "MOI", "name": "Tiểu ban mới", "head_staff_id": staff}),
            Some(h),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "head_staff_id");
    let res = app.post_json("/api/v1/staff", &json!({"full_name": "  ", "role": "staff", "email": "không-phải-email", "phone": "gọi tôi"}), Some(h)).await;
    let body = assert_problem(res, 422).await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["full_name", "phone", "email"]);
}

#[tokio::test]
async fn exactly_one_active_bloc_head() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let h = &demo.head;
    let res = app
        .post_json(
            "/api/v1/staff",
            &json!({"full_name": "Người thứ hai", "role": "bloc_head"}),
            Some(h),
        )
        .await;
    let body = assert_problem(res, 409).await;
    assert!(body["detail"].as_str().unwrap().contains("Nguyễn Thế Hòa"));
    let deputy = app.first_id("/api/v1/staff?role=deputy_head", h).await;
    let res = app
        .patch_json(
            &format!("/api/v1/staff/{deputy}"),
            &json!({"role": "bloc_head"}),
            h,
            None,
        )
        .await;
    assert_problem(res, 409).await;
    let (_, heads) = app
        .get_json("/api/v1/staff?role=bloc_head&active=true", h)
        .await;
    assert_eq!(heads["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn deactivating_a_person_keeps_history_and_stops_sign_in() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let h = &demo.head;
    let staff_tokens = app.login("demo.staff", DEMO_PASSWORD).await;
    let cuong = app.first_id("/api/v1/staff?q=ly van cuong", h).await;
    let res = app
        .patch_json(
            &format!("/api/v1/staff/{cuong}"),
            &json!({"active": false}),
            h,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_problem(app.login_response("demo.staff", DEMO_PASSWORD).await, 401).await;
    assert_problem(app.refresh(&staff_tokens.refresh).await, 401).await;
    let (s, person) = app.get_json(&format!("/api/v1/staff/{cuong}"), h).await;
    assert_eq!(s, 200);
    assert_eq!(person["active"], false);
    let (_, history) = app
        .get_json(&format!("/api/v1/staff/{cuong}/assignments"), h)
        .await;
    assert_eq!(history["items"].as_array().unwrap().len(), 1);
    // Reactivated, they sign in again.
    let res = app
        .patch_json(
            &format!("/api/v1/staff/{cuong}"),
            &json!({"active": true}),
            h,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.login_response("demo.staff", DEMO_PASSWORD)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_role_change_reaches_the_token_at_the_next_refresh() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let h = &demo.head;
    let before = app.login("demo.staff", DEMO_PASSWORD).await;
    let cuong = app.first_id("/api/v1/staff?q=ly van cuong", h).await;
    let res = app
        .patch_json(
            &format!("/api/v1/staff/{cuong}"),
            &json!({"role": "deputy_head"}),
            h,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let refreshed: Value = app.refresh(&before.refresh).await.json().await.unwrap();
    let (_, me) = app
        .get_json("/api/v1/me", refreshed["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me["role"], "deputy_head");
    // A head of a sub-committee cannot be demoted to staff while heading it.
    let binh = app.first_id("/api/v1/staff?q=tran van binh", h).await;
    let res = app
        .patch_json(
            &format!("/api/v1/staff/{binh}"),
            &json!({"role": "staff"}),
            h,
            None,
        )
        .await;
    assert_problem(res, 409).await;
}

#[tokio::test]
async fn moves_are_recorded_with_who_when_and_why() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let h = &demo.head;
    let trang = app.first_id("/api/v1/staff?q=do thi thu trang", h).await;
    let ktgs = app.first_id("/api/v1/sub-committees?q=KTGS", h).await;
    let res = app
        .post_json(&format!("/api/v1/staff/{trang}/assignments"), &json!({"to_sub_committee_id": ktgs, "effective_on": "2016-03-01", "decision_ref": "15-QĐ/KMT", "note": "Tăng cường cho đợt bầu cử"}), Some(h))
        .await;
    assert_eq!(res.status(), 201);
    let mv: Value = res.json().await.unwrap();
    assert_eq!(mv["to_sub_committee_id"], json!(ktgs));
    assert_eq!(mv["effective_on"], "2016-03-01");
    assert_eq!(mv["decision_ref"], "15-QĐ/KMT");
    let (_, me) = app.get_json("/api/v1/me", h).await;
    // Who did it, by name, with no second call.
    assert_eq!(mv["created_by"]["account_id"], me["id"]);
    assert_eq!(mv["created_by"]["id"], me["staff_id"]);
    assert_eq!(mv["created_by"]["full_name"], "Nguyễn Thế Hòa");
    let (_, person) = app.get_json(&format!("/api/v1/staff/{trang}"), h).await;
    assert_eq!(person["sub_committee_id"], json!(ktgs));
    let (_, history) = app
        .get_json(&format!("/api/v1/staff/{trang}/assignments"), h)
        .await;
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[1]["from_sub_committee_id"],
        items[0]["to_sub_committee_id"]
    );
    // Moving to where they already are is a conflict; the sub-committee changes only by a move.
    let res = app
        .post_json(
            &format!("/api/v1/staff/{trang}/assignments"),
            &json!({"to_sub_committee_id": ktgs}),
            Some(h),
        )
        .await;
    assert_problem(res, 409).await;
    let res = app
        .patch_json(
            &format!("/api/v1/staff/{trang}"),
            &json!({"sub_committee_id": null}),
            h,
            None,
        )
        .await;
    assert_problem(res, 422).await;
}

#[tokio::test]
async fn search_ignores_case_and_diacritics() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let h = &demo.head;
    for q in [
        "nguyen the hoa",
        "Nguyễn Thế Hòa",
        "NGUYEN THE",
        "hoa nguyen",
        "the ho",
    ] {
        let (_, r) = app.get_json(&format!("/api/v1/staff?q={q}"), h).await;
        let names: Vec<&str> = r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["full_name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"Nguyễn Thế Hòa"), "q={q} gave {names:?}");
    }
    let (_, r) = app.get_json("/api/v1/units?q=duong hoa", h).await;
    assert_eq!(r["items"][0]["name"], "Đường Hoa", "đ matches d");
    let (_, r) = app.get_json("/api/v1/units?q=Đường", h).await;
    assert_eq!(r["items"].as_array().unwrap().len(), 1);
    let (_, r) = app
        .get_json("/api/v1/organisations?q=lien hiep phu nu", h)
        .await;
    assert_eq!(r["items"][0]["code"], "HLHPN");
    let (_, r) = app.get_json("/api/v1/staff?q=không có ai tên này", h).await;
    assert!(r["items"].as_array().unwrap().is_empty());
    // Text round-trips exactly, in NFC even when sent decomposed.
    let res = app
        .post_json(
            "/api/v1/staff",
            &json!({"full_name": "Nguye\u{302}\u{303}n Va\u{306}n A", "role": "staff"}),
            Some(h),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["full_name"], "Nguyễn Văn A");
}

#[tokio::test]
async fn keyset_pages_cover_the_list_exactly_once_in_order() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let h = &demo.head;
    for sort in ["", "full_name", "-full_name", "-created_at"] {
        let mut seen: Vec<String> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/staff?limit=3&sort={sort}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let (s, page) = app.get_json(&path, h).await;
            assert_eq!(s, 200, "{path}: {page}");
            for item in page["items"].as_array().unwrap() {
                seen.push(item["id"].as_str().unwrap().into());
                names.push(item["full_name"].as_str().unwrap().into());
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 20, "sort={sort}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 20, "sort={sort}: duplicates");
        if sort == "full_name" {
            let mut sorted = names.clone();
            sorted.sort();
            assert_eq!(names, sorted);
        }
    }
    for bad in [
        "limit=0",
        "limit=201",
        "sort=salary",
        "cursor=xyz",
        "active=maybe",
    ] {
        assert_problem(app.get(&format!("/api/v1/staff?{bad}"), Some(h)).await, 400).await;
    }
}

#[tokio::test]
async fn stale_if_match_is_412_and_changes_nothing() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let h = &demo.head;
    let id = app.first_id("/api/v1/organisations?q=HND", h).await;
    let res = app
        .get(&format!("/api/v1/organisations/{id}"), Some(h))
        .await;
    let tag = etag(&res);
    let res = app
        .patch_json(
            &format!("/api/v1/organisations/{id}"),
            &json!({"name": "Hội Nông dân huyện Hải Hà (1)"}),
            h,
            Some(&tag),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(etag(&res), "\"2\"");
    let res = app
        .patch_json(
            &format!("/api/v1/organisations/{id}"),
            &json!({"name": "Hội Nông dân huyện Hải Hà (cũ)"}),
            h,
            Some(&tag),
        )
        .await;
    assert_problem(res, 412).await;
    let (_, now) = app
        .get_json(&format!("/api/v1/organisations/{id}"), h)
        .await;
    assert_eq!(now["name"], "Hội Nông dân huyện Hải Hà (1)");
    assert_eq!(now["version"], 2);
    let res = app
        .patch_json(
            &format!("/api/v1/organisations/{id}"),
            &json!({"name": "x"}),
            h,
            Some("null"),
        )
        .await;
    let body = assert_problem(res, 400).await;
    assert_eq!(body["errors"][0]["field"], "If-Match");
    for resource in ["blocs", "sub-committees", "staff", "units"] {
        let path = if resource == "blocs" {
            format!("/api/v1/blocs/{}", demo.bloc_id)
        } else {
            format!(
                "/api/v1/{resource}/{}",
                app.first_id(&format!("/api/v1/{resource}"), h).await
            )
        };
        let res = app.patch_json(&path, &json!({}), h, Some("\"99\"")).await;
        assert_problem(res, 412).await;
    }
}

#[tokio::test]
async fn concurrent_writers_with_the_same_version_do_not_both_win() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let h = &demo.head;
    let id = app.first_id("/api/v1/units?q=cai chien", h).await;
    let path = format!("/api/v1/units/{id}");
    let bodies: Vec<Value> = (0..8).map(|i| json!({"households": 500 + i})).collect();
    let futures: Vec<_> = bodies
        .iter()
        .map(|b| app.patch_json(&path, b, h, Some("\"1\"")))
        .collect();
    let results = futures_util::future::join_all(futures).await;
    let ok = results.iter().filter(|r| r.status() == 200).count();
    let stale = results.iter().filter(|r| r.status() == 412).count();
    assert_eq!((ok, stale), (1, 7));
    let (_, unit) = app.get_json(&path, h).await;
    assert_eq!(unit["version"], 2);
}

#[tokio::test]
async fn every_write_is_in_the_audit_log_with_before_and_after() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let h = &demo.head;
    let id = app.first_id("/api/v1/organisations?q=CCB", h).await;
    let res = app
        .patch_json(
            &format!("/api/v1/organisations/{id}"),
            &json!({"name": "Hội Cựu chiến binh huyện Hải Hà (sửa)"}),
            &demo.deputy,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let (_, deputy_me) = app.get_json("/api/v1/me", &demo.deputy).await;
    let (s, log) = app
        .get_json(
            &format!("/api/v1/audit-log?resource_type=organisation&resource_id={id}"),
            h,
        )
        .await;
    assert_eq!(s, 200);
    let entry = &log["items"][0];
    assert_eq!(entry["action"], "update");
    assert_eq!(entry["actor"]["account_id"], deputy_me["id"]);
    assert_eq!(entry["actor"]["id"], deputy_me["staff_id"]);
    assert_eq!(
        entry["actor"]["full_name"],
        deputy_me["person"]["full_name"]
    );
    assert_eq!(
        entry["changes"]["name"]["before"],
        "Hội Cựu chiến binh huyện Hải Hà"
    );
    assert_eq!(
        entry["changes"]["name"]["after"],
        "Hội Cựu chiến binh huyện Hải Hà (sửa)"
    );
    assert_eq!(entry["changes"]["version"]["after"], 2);
    assert!(entry["request_id"].is_string());
    // Filtered by actor.
    let actor = deputy_me["id"].as_str().unwrap();
    let (_, by_actor) = app
        .get_json(&format!("/api/v1/audit-log?actor_id={actor}"), h)
        .await;
    assert_eq!(by_actor["items"].as_array().unwrap().len(), 1);
    // A refused write leaves no trace (the seeded organisations have their own entries).
    let (_, seeded) = app
        .get_json("/api/v1/audit-log?resource_type=organisation", h)
        .await;
    let res = app
        .post_json(
            "/api/v1/organisations",
            &json!({"code": "CCB", "name": "Trùng", "kind": "socio_political"}),
            Some(h),
        )
        .await;
    assert_problem(res, 409).await;
    let (_, all) = app
        .get_json("/api/v1/audit-log?resource_type=organisation", h)
        .await;
    assert_eq!(all["items"], seeded["items"]);
    // Account changes never record a password.
    let (_, accs) = app.get_json("/api/v1/accounts?q=demo.staff", h).await;
    let acc = accs["items"][0]["id"].as_str().unwrap().to_string();
    let res = app
        .patch_json(
            &format!("/api/v1/accounts/{acc}"),
            &json!({"password": "mật-khẩu-mới-2016"}),
            h,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let (_, log) = app
        .get_json(&format!("/api/v1/audit-log?resource_id={acc}"), h)
        .await;
    let text = log.to_string();
    assert!(
        !text.contains("mật-khẩu-mới") && !text.contains("argon2"),
        "{text}"
    );
    assert_eq!(log["items"][0]["changes"]["password"]["after"], "changed");
    let (_, from_to) = app
        .get_json("/api/v1/audit-log?from=2100-01-01T00:00:00Z", h)
        .await;
    assert!(from_to["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn accounts_follow_the_rules_of_who_manages_them() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let h = &demo.head;
    let lan = app.first_id("/api/v1/staff?q=dang thi lan", h).await;
    let res = app
        .post_json(
            "/api/v1/accounts",
            &json!({"username": "Lan.DT", "password": DEMO_PASSWORD, "staff_id": lan}),
            Some(h),
        )
        .await;
    assert_eq!(res.status(), 201);
    let acc: Value = res.json().await.unwrap();
    assert_eq!(acc["username"], "lan.dt");
    assert_eq!(acc["role"], "staff");
    assert_eq!(acc["bloc_id"], json!(demo.bloc_id));
    assert!(acc.get("password").is_none() && acc.get("password_hash").is_none());
    let res = app
        .post_json(
            "/api/v1/accounts",
            &json!({"username": "lan.dt2", "password": DEMO_PASSWORD, "staff_id": lan}),
            Some(h),
        )
        .await;
    assert_problem(res, 409).await;
    let res = app
        .post_json(
            "/api/v1/accounts",
            &json!({"username": "lan.dt", "password": DEMO_PASSWORD, "role": "staff"}),
            Some(h),
        )
        .await;
    assert_problem(res, 409).await;
    let res = app
        .post_json(
            "/api/v1/accounts",
            &json!({"username": "x", "password": "ngắn"}),
            Some(h),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert!(!body["errors"].as_array().unwrap().is_empty());
    // A password reset revokes the account's sessions.
    let t = app.login("lan.dt", DEMO_PASSWORD).await;
    let id = acc["id"].as_str().unwrap();
    let res = app
        .patch_json(
            &format!("/api/v1/accounts/{id}"),
            &json!({"password": "mật-khẩu-mới-2016"}),
            h,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_problem(app.refresh(&t.refresh).await, 401).await;
    assert_eq!(
        app.login_response("lan.dt", "mật-khẩu-mới-2016")
            .await
            .status(),
        200
    );
    // Nobody resets their own password without the current one.
    let (_, me) = app.get_json("/api/v1/me", h).await;
    let res = app
        .patch_json(
            &format!("/api/v1/accounts/{}", me["id"].as_str().unwrap()),
            &json!({"password": "mật-khẩu-chiếm-quyền"}),
            h,
            None,
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "password");
    // Nobody deactivates themselves.
    let (_, me) = app.get_json("/api/v1/me", h).await;
    let res = app
        .patch_json(
            &format!("/api/v1/accounts/{}", me["id"].as_str().unwrap()),
            &json!({"active": false}),
            h,
            None,
        )
        .await;
    assert_problem(res, 409).await;
}

/// The ids of every page of the tasks matching `q`, two to a page, newest first.
async fn search_pages(app: &crate::helpers::TestApp, token: &str, q: &str) -> Vec<Value> {
    pages(app, token, &format!("q={q}&limit=2&sort=-created_at")).await
}

/// Every page of `GET /api/v1/tasks?{query}`, their items' ids joined.
async fn pages(app: &crate::helpers::TestApp, token: &str, query: &str) -> Vec<Value> {
    let (mut ids, mut cursor) = (vec![], String::new());
    loop {
        let (status, page) = app
            .get_json(&format!("/api/v1/tasks?{query}{cursor}"), token)
            .await;
        assert_eq!(status, 200, "{page}");
        ids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return ids,
        }
    }
}

#[tokio::test]
#[ignore = "PostgreSQL only: run with TEST_DATABASE_URL and --include-ignored (CI does)"]
async fn a_common_word_finds_the_same_pages_as_a_rare_one() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    crate::helpers::postgres_only(&app);
    let demo = app.seed_demo().await;
    let h = &demo.head;
    for n in 1..=5 {
        let res = app
            .post_json(
                "/api/v1/tasks",
                &json!({"title": format!("Tuyên truyền bầu cử đại biểu Quốc hội tại thôn số {n}")}),
                Some(h),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let bloc: uuid::Uuid = demo.bloc_id.parse().unwrap();
    let words = ["tuyen".to_string(), "bau".to_string()];
    let db = &app.state.db;
    let common = khoi::search::common_words(db, "task", bloc, &words)
        .await
        .unwrap();
    assert_eq!(common, [false, false], "five tasks are not common");
    let joined = search_pages(&app, h, "tuy%C3%AAn%20truy%E1%BB%81n").await;
    assert_eq!(joined.len(), 5, "{joined:?}");
    // Words of tasks that do not exist, enough to make `bầu` common in the bloc. It was not
    // searched for yet, so no count of it is kept from before.
    db.execute_unprepared(&format!(
        "INSERT INTO search_tokens (resource_type, bloc_id, token, resource_id) \
         SELECT 'task', '{bloc}', 'bau', gen_random_uuid() FROM generate_series(1, {})",
        khoi::search::COMMON
    ))
    .await
    .unwrap();
    let common = khoi::search::common_words(db, "task", bloc, &words)
        .await
        .unwrap();
    assert_eq!(common, [false, true]);
    assert_eq!(
        search_pages(&app, h, "tuy%C3%AAn%20b%E1%BA%A7u").await,
        joined,
        "the walk finds what the join found, page by page"
    );
    // A common word's matches are read once for the page and kept in a hash, not looked up
    // again for each row the page walks past: where the matches lie at the far end of the walk
    // (a year's word, oldest first), or two common words never meet, looking up each row read
    // the whole bloc's words one row at a time (4–5 times slower at 20,000 tasks a bloc;
    // BENCHMARKS.md, "The per-row look-up undone"). Without sequential scans, which a table
    // this small would otherwise get, so that only the indexes compete.
    use khoi::entities::task;
    use sea_orm::{
        ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
        TransactionTrait,
    };
    let scope = khoi::tenancy::Scope::Bloc(bloc);
    let cond = khoi::search::matching(db, "task", &scope, Some("bầu"), task::Column::Id)
        .await
        .unwrap()
        .expect("one word");
    let page = DbBackend::Postgres.build(
        &task::Entity::find()
            .filter(task::Column::BlocId.eq(bloc))
            .filter(cond)
            .order_by_asc(task::Column::Id)
            .limit(3)
            .into_query(),
    );
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared("SET LOCAL enable_seqscan = off")
        .await
        .unwrap();
    let plan = explain_analyze(&txn, page).await;
    txn.rollback().await.unwrap();
    let words_read: Vec<&str> = plan
        .lines()
        .filter(|l| l.contains(" on search_tokens"))
        .collect();
    assert!(
        plan.contains("hashed SubPlan")
            && !words_read.is_empty()
            && words_read.iter().all(|l| l.ends_with("loops=1)")),
        "{plan}"
    );
}

/// Pages of `GET /api/v1/tasks?q=…` in creation order (no sort), 50 a page, their ids joined.
async fn pages_in_creation_order(
    app: &crate::helpers::TestApp,
    token: &str,
    q: &str,
) -> Vec<String> {
    let ids = pages(app, token, &format!("q={q}&limit=50")).await;
    ids.iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
#[ignore = "PostgreSQL only: run with TEST_DATABASE_URL and --include-ignored (CI does)"]
async fn common_words_are_looked_up_on_the_walks_first_rows_and_hashed_beyond() {
    use khoi::{entities::task, search};
    use sea_orm::{
        ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
        QueryTrait, TransactionTrait,
    };
    let app = spawn_app().await;
    crate::helpers::postgres_only(&app);
    let demo = app.seed_demo().await;
    let h = &demo.head;
    let walk = search::WALK as usize;
    let (q_blood, q_round, q_apart, q_democracy) = (
        "hi%E1%BA%BFn",
        "%C4%91%E1%BB%A3t",
        "d%C3%A2n%20%C4%91%E1%BB%A3t",
        "d%C3%A2n",
    );
    // In creation order: twice `walk` tasks, every third of them about blood donation and the
    // rest about grassroots democracy; then 12 of a second round, a word no earlier task has.
    let (mut blood, mut democracy, mut round) = (vec![], vec![], vec![]);
    for n in 0..2 * walk + 12 {
        let (title, into) = match n {
            n if n >= 2 * walk => (
                format!("Vận động hiến máu tình nguyện đợt 2 tại tổ {n}"),
                &mut round,
            ),
            n if n % 3 == 0 => (
                format!("Tổ chức ngày hiến máu tình nguyện ở thôn {n}"),
                &mut blood,
            ),
            n => (
                format!("Kiểm tra quy chế dân chủ ở thôn {n}"),
                &mut democracy,
            ),
        };
        let res = app
            .post_json("/api/v1/tasks", &json!({"title": title}), Some(h))
            .await;
        assert_eq!(res.status(), 201);
        let t: Value = res.json().await.unwrap();
        into.push(t["id"].as_str().unwrap().to_string());
    }
    // Words of tasks that do not exist, enough to make each word common in the bloc.
    let bloc: uuid::Uuid = demo.bloc_id.parse().unwrap();
    let db = &app.state.db;
    for w in ["hien", "dan", "dot"] {
        db.execute_unprepared(&format!(
            "INSERT INTO search_tokens (resource_type, bloc_id, token, resource_id) \
             SELECT 'task', '{bloc}', '{w}', gen_random_uuid() FROM generate_series(1, {})",
            search::COMMON
        ))
        .await
        .unwrap();
    }
    // What each search must find, in creation order: its pages sorted by `created_at`, which
    // are neither probed nor walked in the ids' order, their ids sorted as PostgreSQL orders
    // UUIDs (as their hex text; ids are time-ordered).
    let expected = |q: &'static str| {
        let app = &app;
        async move {
            let mut ids = search_pages(app, h, q).await;
            ids.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            ids.into_iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    let has_all = |found: &[String], ours: &[String]| ours.iter().all(|id| found.contains(id));
    // Spread through the walk: each page up to the last `walk` rows is filled by the probe of
    // the `walk` rows after its cursor (51 of about 100 matches); where fewer rows are left,
    // the hash walks on.
    let blood_all = expected(q_blood).await;
    assert!(has_all(&blood_all, &blood) && has_all(&blood_all, &round));
    assert!(
        blood_all.len() > 200 && blood_all.len() < 260,
        "{}",
        blood_all.len()
    );
    assert_eq!(pages_in_creation_order(&app, h, q_blood).await, blood_all);
    // Two thirds of the first rows: every page but the last filled by the probe.
    let democracy_all = expected(q_democracy).await;
    assert!(has_all(&democracy_all, &democracy));
    assert_eq!(
        pages_in_creation_order(&app, h, q_democracy).await,
        democracy_all
    );
    // Only beyond the first rows: found by the hash.
    let round_all = expected(q_round).await;
    assert!(has_all(&round_all, &round));
    assert_eq!(pages_in_creation_order(&app, h, q_round).await, round_all);
    // Two common words that never meet in this test's tasks: after the whole walk, only
    // the demo's own matches, if any.
    let apart = expected(q_apart).await;
    assert!(
        !apart
            .iter()
            .any(|id| round.contains(id) || democracy.contains(id))
    );
    assert_eq!(pages_in_creation_order(&app, h, q_apart).await, apart);
    // A query whose probe left its first page unfilled goes to the hash at once for a while:
    // the service told the search so. One that filled it is probed again.
    for q in ["đợt", "dân đợt"] {
        assert!(
            search::probing(
                db,
                "task",
                &khoi::tenancy::Scope::Bloc(bloc),
                Some(q),
                task::Column::Id
            )
            .await
            .unwrap()
            .is_none(),
            "{q}"
        );
    }
    // A word not common is not probed: it is joined from its few matches.
    let scope = khoi::tenancy::Scope::Bloc(bloc);
    assert!(
        search::probing(db, "task", &scope, Some("hiến tình"), task::Column::Id)
            .await
            .unwrap()
            .is_none()
    );
    // The probe's page: each walked row looked up (loops > 1), no row walked past the bound.
    let probe = search::probing(db, "task", &scope, Some("hiến"), task::Column::Id)
        .await
        .unwrap()
        .expect("every word common");
    let in_bloc = || task::Entity::find().filter(task::Column::BlocId.eq(bloc));
    let page = search::within_walk(
        in_bloc().filter(probe),
        in_bloc().order_by_asc(task::Column::Id),
        task::Column::Id,
    )
    .order_by_asc(task::Column::Id)
    .limit(51);
    let first: Vec<String> = page
        .clone()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id.to_string())
        .collect();
    assert_eq!(first, blood_all[..51]);
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared("SET LOCAL enable_seqscan = off")
        .await
        .unwrap();
    let plan = explain_analyze(&txn, DbBackend::Postgres.build(&page.into_query())).await;
    txn.rollback().await.unwrap();
    let looked_up = plan
        .lines()
        .find(|l| l.contains(" on search_tokens"))
        .unwrap_or_default();
    let loops: usize = looked_up
        .rsplit("loops=")
        .next()
        .and_then(|l| l.trim_end_matches(')').parse().ok())
        .unwrap_or(0);
    assert!(
        !plan.contains("hashed SubPlan") && loops > 51 && loops <= walk,
        "{plan}"
    );
}

#[tokio::test]
#[ignore = "PostgreSQL only: run with TEST_DATABASE_URL and --include-ignored (CI does)"]
async fn a_resources_words_are_replaced_through_its_ids_index_whatever_the_statistics() {
    use sea_orm::{ConnectionTrait, DbBackend};
    let app = spawn_app().await;
    crate::helpers::postgres_only(&app);
    app.seed_demo().await;
    let db = &app.state.db;
    // Statistics taken while units are rare among many tasks' words (ten a task, so that an id
    // is not expected to be unique), then many units' words, as a province's first import of
    // units leaves them before autovacuum looks again.
    for sql in [
        "ALTER TABLE search_tokens SET (autovacuum_enabled = false)",
        "INSERT INTO search_tokens (resource_type, bloc_id, token, resource_id) \
         SELECT 'task', (SELECT id FROM blocs LIMIT 1), 'to' || (g % 10), \
         md5((g / 10)::text)::uuid FROM generate_series(1, 200000) g",
        "ANALYZE search_tokens",
        "INSERT INTO search_tokens (resource_type, bloc_id, token, resource_id) \
         SELECT 'unit', (SELECT id FROM blocs LIMIT 1), 'to' || (g % 7), gen_random_uuid() \
         FROM generate_series(1, 60000) g",
    ] {
        db.execute_unprepared(sql).await.unwrap();
    }
    let forget = DbBackend::Postgres.build(&khoi::search::forget(uuid::Uuid::now_v7()));
    let plan = explain(db, forget).await;
    assert!(plan.contains("ix_search_tokens_resource_token "), "{plan}");
}

/// PostgreSQL's plan for a statement built by sea-query, as `EXPLAIN` prints it.
async fn explain(conn: &impl sea_orm::ConnectionTrait, stmt: sea_orm::Statement) -> String {
    plan_of(conn, "EXPLAIN", stmt).await
}

/// The plan as PostgreSQL ran it, with the rows and loops of each node (no timings).
async fn explain_analyze(conn: &impl sea_orm::ConnectionTrait, stmt: sea_orm::Statement) -> String {
    plan_of(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF)", stmt).await
}

async fn plan_of(
    conn: &impl sea_orm::ConnectionTrait,
    explain: &str,
    stmt: sea_orm::Statement,
) -> String {
    let plan: Vec<String> = conn
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            format!("{explain} {}", stmt.sql),
            stmt.values.expect("the values are bound"),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect();
    plan.join("\n")
}
