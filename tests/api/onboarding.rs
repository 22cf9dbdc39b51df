//! Getting a bloc started in a few calls (issue 14): the admin opens a bloc with its head, an
//! account is linked to its person later, and a password someone else set is replaced before
//! anything else.
use crate::helpers::{OWN_PASSWORD, TestApp, assert_problem, spawn_app};
use serde_json::{Value, json};

async fn blocs(app: &TestApp, admin: &str) -> usize {
    let (_, p) = app.get_json("/api/v1/blocs?limit=200", admin).await;
    p["items"].as_array().unwrap().len()
}

fn opening(username: &str) -> Value {
    json!({"name": "Khối xã Quảng Đức", "level": "commune", "province": "Quảng Ninh",
           "founding_decision": "15-QĐ/ĐU",
           "head": {"full_name": "Nguyễn Thị Hoa", "position": "Trưởng khối",
                    "phone": "0203 3879 123", "username": username,
                    "password": "mật-khẩu-tạm-2016"}})
}

#[tokio::test]
async fn the_admin_opens_a_bloc_with_its_head_who_chooses_their_own_password() {
    let app = spawn_app().await;
    let admin = app.login_admin().await.access;
    let n = blocs(&app, &admin).await;

    // A bad head writes nothing, and its fields are named under `head.`.
    let mut bad = opening("Hoa NT!");
    bad["head"]["email"] = json!("không-phải-email");
    let res = app.post_json("/api/v1/blocs", &bad, Some(&admin)).await;
    let p = assert_problem(res, 422).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["head.email"], "{p}");
    bad["head"]["email"] = json!(null);
    let res = app.post_json("/api/v1/blocs", &bad, Some(&admin)).await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "head.username", "{p}");
    let res = app
        .post_json("/api/v1/blocs", &opening("admin"), Some(&admin))
        .await;
    assert_problem(res, 409).await;
    assert_eq!(blocs(&app, &admin).await, n);

    // One request: the bloc, the person, the account; a retry answers the same.
    let send = async || {
        let res = app
            .client
            .post(app.url("/api/v1/blocs"))
            .bearer_auth(&admin)
            .header("idempotency-key", "mo-khoi-quang-duc")
            .json(&opening("hoa.nt"))
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json::<Value>().await.unwrap())
    };
    let (status, b) = send().await;
    assert_eq!(status, 201, "{b}");
    assert_eq!(send().await, (status, b.clone()));
    assert_eq!(blocs(&app, &admin).await, n + 1);
    let head = &b["head"];
    assert_eq!(head["staff"]["role"], "bloc_head");
    assert_eq!(head["staff"]["bloc_id"], b["id"]);
    assert_eq!(head["account"]["staff_id"], head["staff"]["id"]);
    assert_eq!(head["account"]["role"], "bloc_head");
    assert_eq!(head["account"]["must_change_password"], true);

    // The head's first sign-in: only `me`, the password and sign-out until they choose one.
    let first = app.login("hoa.nt", "mật-khẩu-tạm-2016").await;
    let (s, me) = app.get_json("/api/v1/me", &first.access).await;
    assert_eq!(s, 200);
    assert_eq!(me["must_change_password"], true);
    assert_eq!(me["staff_id"], head["staff"]["id"]);
    for path in ["/api/v1/staff", "/api/v1/tasks", "/api/v1/changes"] {
        let res = app.get(path, Some(&first.access)).await;
        let p = assert_problem(res, 403).await;
        assert_eq!(p["type"], "/problems/password-change-required", "{path}");
    }
    let res = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "Thôn 1", "kind": "village"}),
            Some(&first.access),
        )
        .await;
    assert_problem(res, 403).await;
    let res = app
        .post_json(
            "/api/v1/me/password",
            &json!({"current_password": "mật-khẩu-tạm-2016", "new_password": "mật-khẩu-tạm-2016"}),
            Some(&first.access),
        )
        .await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "new_password");
    let own = app.first_sign_in("hoa.nt", "mật-khẩu-tạm-2016").await;
    let (s, me) = app.get_json("/api/v1/me", &own.access).await;
    assert_eq!((s, &me["must_change_password"]), (200, &json!(false)));
    let (s, staff) = app.get_json("/api/v1/staff", &own.access).await;
    assert_eq!(s, 200);
    assert_eq!(staff["items"][0]["full_name"], "Nguyễn Thị Hoa");

    // A password reset by the admin must be replaced again.
    let res = app
        .patch_json(
            &format!(
                "/api/v1/accounts/{}",
                head["account"]["id"].as_str().unwrap()
            ),
            &json!({"password": "mật-khẩu-cấp-lại-2016"}),
            &admin,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let again = app.login("hoa.nt", "mật-khẩu-cấp-lại-2016").await;
    let res = app.get("/api/v1/staff", Some(&again.access)).await;
    assert_problem(res, 403).await;
    let _ = OWN_PASSWORD;
}

#[tokio::test]
async fn an_account_is_linked_to_its_person_later_by_the_role_rules() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let h = &d.head;
    let made = async |path: &str, body: Value| -> Value {
        let res = app.post_json(path, &body, Some(h)).await;
        let status = res.status();
        let v: Value = res.json().await.unwrap();
        assert_eq!(status, 201, "{path}: {v}");
        v
    };
    let account = made(
        "/api/v1/accounts",
        json!({"username": "dang.van.hung", "password": "mật-khẩu-tạm-2016", "role": "staff"}),
    )
    .await;
    let hung = made(
        "/api/v1/staff",
        json!({"full_name": "Đặng Văn Hùng", "role": "staff"}),
    )
    .await;
    let deputy = made(
        "/api/v1/staff",
        json!({"full_name": "Vũ Thị Lan", "role": "deputy_head"}),
    )
    .await;
    let path = format!("/api/v1/accounts/{}", account["id"].as_str().unwrap());
    let link = async |body: Value, token: &str| {
        let res = app.patch_json(&path, &body, token, None).await;
        let status = res.status().as_u16();
        (status, res.json::<Value>().await.unwrap())
    };
    // Another role, another bloc's person, a person with an account already, a stranger.
    let (_, stranger) = app
        .other_bloc(&d.admin, "Khối xã Đại Bình", "Quảng Ninh", "dai.binh.head")
        .await;
    let theirs = {
        let res = app
            .post_json(
                "/api/v1/staff",
                &json!({"full_name": "Hoàng Văn Nam", "role": "staff"}),
                Some(&stranger),
            )
            .await;
        res.json::<Value>().await.unwrap()["id"].clone()
    };
    let cuong = app.first_id("/api/v1/staff?q=ly van cuong", h).await;
    for (body, status, field) in [
        (json!({"staff_id": deputy["id"]}), 422, "staff_id"),
        (json!({"staff_id": theirs}), 422, "staff_id"),
        (json!({"staff_id": cuong}), 409, ""),
    ] {
        let (s, p) = link(body.clone(), h).await;
        assert_eq!(s, status, "{body}: {p}");
        if !field.is_empty() {
            assert_eq!(p["errors"][0]["field"], field, "{p}");
        }
    }
    let (s, _) = link(json!({"staff_id": hung["id"]}), &d.deputy).await;
    assert_eq!(s, 403, "a deputy does not manage accounts");
    let (s, _) = link(json!({"staff_id": hung["id"]}), &stranger).await;
    assert_eq!(s, 404);

    // Linked: the account is the person's, and the person's role decides what it may do.
    let (s, a) = link(json!({"staff_id": hung["id"]}), h).await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["staff_id"], hung["id"]);
    let token = app
        .first_sign_in("dang.van.hung", "mật-khẩu-tạm-2016")
        .await
        .access;
    let (_, me) = app.get_json("/api/v1/me", &token).await;
    assert_eq!(me["staff_id"], hung["id"]);
    // Unlinked with null: the person is free for another account.
    let (s, a) = link(json!({"staff_id": null}), h).await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["staff_id"], Value::Null);
    let res = app.get("/api/v1/me", Some(&token)).await;
    assert_problem(res, 401).await;
    made(
        "/api/v1/accounts",
        json!({"username": "hung.dv", "password": "mật-khẩu-tạm-2016", "staff_id": hung["id"]}),
    )
    .await;
}
