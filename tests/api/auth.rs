//! Signing in, refreshing, signing out, and throttling, as a client sees them.
use crate::helpers::{ADMIN_PASSWORD, assert_problem, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn admin_signs_in_and_sees_itself() {
    let app = spawn_app().await;
    let res = app.login_response("admin", ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["refresh_token"].as_str().unwrap().len() >= 43);

    let me = app.get("/api/v1/me", body["access_token"].as_str()).await;
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["username"], "admin");
    assert_eq!(me["role"], "admin");
    assert_eq!(me["bloc_id"], Value::Null);
    assert_eq!(me["active"], true);
}

#[tokio::test]
async fn access_token_carries_the_contract_claims() {
    use base64::Engine;
    let app = spawn_app().await;
    let t = app.login_admin().await;
    let payload = t.access.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    for claim in ["sub", "bloc_id", "role", "iss", "aud", "exp", "iat", "jti"] {
        assert!(
            claims.get(claim).is_some(),
            "claim {claim} missing: {claims}"
        );
    }
    assert_eq!(claims["iss"], "khoi");
    assert_eq!(claims["aud"], "khoi-api");
    let header = t.access.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "HS256");
}

#[tokio::test]
async fn username_is_case_insensitive_and_trimmed() {
    let app = spawn_app().await;
    let res = app.login_response("  ADMIN ", ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = spawn_app().await;
    let a = assert_problem(app.login_response("admin", "sai-mật-khẩu").await, 401).await;
    let b = assert_problem(app.login_response("không-có-ai", "sai-mật-khẩu").await, 401).await;
    assert_eq!(a["detail"], b["detail"]);
    assert!(!a.to_string().contains("hash"));
}

#[tokio::test]
async fn empty_credentials_are_422_naming_the_fields() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"username": "", "password": ""}),
            None,
        )
        .await;
    let body = assert_problem(res, 422).await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["username", "password"]);
}

#[tokio::test]
async fn unknown_fields_are_rejected_not_ignored() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"username": "admin", "password": ADMIN_PASSWORD, "role": "admin"}),
            None,
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert!(body["detail"].as_str().unwrap().contains("role"), "{body}");
}

#[tokio::test]
async fn refresh_rotates_and_the_old_token_stops_working() {
    let app = spawn_app().await;
    let first = app.login_admin().await;
    let res = app.refresh(&first.refresh).await;
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.unwrap();
    let second_refresh = second["refresh_token"].as_str().unwrap();
    assert_ne!(second_refresh, first.refresh);
    let me = app.get("/api/v1/me", second["access_token"].as_str()).await;
    assert_eq!(me.status(), 200);

    // Using the second one again works once more (rotation continues) ...
    let third = app.refresh(second_refresh).await;
    assert_eq!(third.status(), 200);
}

#[tokio::test]
async fn reusing_a_refresh_token_revokes_its_whole_family() {
    let app = spawn_app().await;
    let first = app.login_admin().await;
    let rotated: Value = app.refresh(&first.refresh).await.json().await.unwrap();
    let live = rotated["refresh_token"].as_str().unwrap().to_string();

    // An attacker replays the spent token: rejected, and the session is revoked.
    let body = assert_problem(app.refresh(&first.refresh).await, 401).await;
    assert!(body["detail"].as_str().unwrap().contains("already used"));
    // The legitimate holder's newer token is now dead too.
    assert_problem(app.refresh(&live).await, 401).await;

    // Another sign-in (another family) is unaffected.
    let other = app.login_admin().await;
    assert_eq!(app.refresh(&other.refresh).await.status(), 200);
}

#[tokio::test]
async fn concurrent_refreshes_with_one_token_let_at_most_one_through() {
    let app = spawn_app().await;
    let t = app.login_admin().await;
    let (a, b) = tokio::join!(app.refresh(&t.refresh), app.refresh(&t.refresh));
    let ok = [a.status(), b.status()]
        .iter()
        .filter(|s| s.as_u16() == 200)
        .count();
    assert!(ok <= 1, "both refreshes succeeded");
}

#[tokio::test]
async fn garbage_refresh_token_is_401() {
    let app = spawn_app().await;
    assert_problem(app.refresh("không-phải-token").await, 401).await;
    assert_problem(app.refresh("").await, 401).await;
}

#[tokio::test]
async fn logout_revokes_the_refresh_token_and_is_idempotent() {
    let app = spawn_app().await;
    let t = app.login_admin().await;
    let body = json!({"refresh_token": t.refresh});
    let res = app.post_json("/api/v1/auth/logout", &body, None).await;
    assert_eq!(res.status(), 204);
    assert_problem(app.refresh(&t.refresh).await, 401).await;
    let again = app.post_json("/api/v1/auth/logout", &body, None).await;
    assert_eq!(again.status(), 204);
}

#[tokio::test]
async fn five_failures_in_a_minute_throttle_the_username() {
    let app = spawn_app().await;
    for _ in 0..5 {
        assert_problem(app.login_response("admin", "đoán-mò-thôi").await, 401).await;
    }
    let res = app.login_response("admin", "đoán-mò-thôi").await;
    let retry: u64 = res
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "retry-after {retry}");
    assert_problem(res, 429).await;
    // Even the right password waits: otherwise throttling would not slow a guesser.
    assert_problem(app.login_response("admin", ADMIN_PASSWORD).await, 429).await;
    // Other usernames are not affected.
    assert_problem(
        app.login_response("someone.else", "sai-mật-khẩu").await,
        401,
    )
    .await;
}

#[tokio::test]
async fn a_successful_sign_in_clears_earlier_failures() {
    let app = spawn_app().await;
    for _ in 0..4 {
        assert_problem(app.login_response("admin", "đoán-mò-thôi").await, 401).await;
    }
    app.login_admin().await;
    for _ in 0..4 {
        assert_problem(app.login_response("admin", "đoán-mò-thôi").await, 401).await;
    }
    assert_eq!(
        app.login_response("admin", ADMIN_PASSWORD).await.status(),
        200
    );
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_or_refresh() {
    use khoi::entities::account;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let app = spawn_app().await;
    let t = app.login_admin().await;
    account::Entity::update_many()
        .col_expr(account::Column::Active, Expr::value(false))
        .filter(account::Column::Username.eq("admin"))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_problem(app.login_response("admin", ADMIN_PASSWORD).await, 401).await;
    assert_problem(app.refresh(&t.refresh).await, 401).await;
}

#[tokio::test]
async fn changing_ones_own_password_needs_the_current_one_and_signs_out_everywhere() {
    let app = spawn_app().await;
    let t = app.login_admin().await;
    let other_session = app.login_admin().await;
    let body = assert_problem(
        app.post_json(
            "/api/v1/me/password",
            &json!({"current_password": "đoán-sai-rồi", "new_password": "mật-khẩu-mới-2017"}),
            Some(&t.access),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "current_password");
    let body = assert_problem(
        app.post_json(
            "/api/v1/me/password",
            &json!({"current_password": ADMIN_PASSWORD, "new_password": "ngắn"}),
            Some(&t.access),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "new_password");
    let res = app
        .post_json(
            "/api/v1/me/password",
            &json!({"current_password": ADMIN_PASSWORD, "new_password": "mật-khẩu-mới-2017"}),
            Some(&t.access),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_problem(app.refresh(&other_session.refresh).await, 401).await;
    assert_problem(app.login_response("admin", ADMIN_PASSWORD).await, 401).await;
    assert_eq!(
        app.login_response("admin", "mật-khẩu-mới-2017")
            .await
            .status(),
        200
    );
    assert_problem(
        app.post_json(
            "/api/v1/me/password",
            &json!({"current_password": "x", "new_password": "y"}),
            None,
        )
        .await,
        401,
    )
    .await;
}

#[tokio::test]
async fn guessing_the_current_password_is_throttled_like_sign_in() {
    let app = spawn_app().await;
    let t = app.login_admin().await;
    for _ in 0..5 {
        let res = app
            .post_json(
                "/api/v1/me/password",
                &json!({"current_password": "đoán-mò-thôi", "new_password": "mật-khẩu-mới-2017"}),
                Some(&t.access),
            )
            .await;
        assert_problem(res, 422).await;
    }
    let res = app
        .post_json(
            "/api/v1/me/password",
            &json!({"current_password": ADMIN_PASSWORD, "new_password": "mật-khẩu-mới-2017"}),
            Some(&t.access),
        )
        .await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429).await;
}
