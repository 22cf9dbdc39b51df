//! Every failure is RFC 9457 problem+json, including the framework's own.
use crate::helpers::{ADMIN_PASSWORD, assert_problem, spawn_app, spawn_app_with};
use serde_json::json;

#[tokio::test]
async fn unknown_route_is_404_problem() {
    let app = spawn_app().await;
    let body = assert_problem(app.get("/api/v1/không-có", None).await, 404).await;
    assert_eq!(body["title"], "Not found");
    assert_eq!(body["code"], "not_found");
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let app = spawn_app().await;
    let res = app
        .client
        .delete(app.url("/api/v1/auth/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers().get("allow").unwrap(), "POST");
    assert_problem(res, 405).await;
    let res = app.client.put(app.url("/health")).send().await.unwrap();
    assert!(
        res.headers()
            .get("allow")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("GET")
    );
    assert_problem(res, 405).await;
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(r#"{"username": "admin", "password": "#)
        .send()
        .await
        .unwrap();
    assert_problem(res, 400).await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400).await;
}

#[tokio::test]
async fn wrong_type_is_422_naming_the_field() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"username": 42, "password": "x"}),
            None,
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "username");
    let res = app
        .post_json("/api/v1/auth/login", &json!({"username": "admin"}), None)
        .await;
    let body = assert_problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "password");
    assert_eq!(body["errors"][0]["message"], "is required");
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body(format!(
            r#"{{"username":"admin","password":"{ADMIN_PASSWORD}"}}"#
        ))
        .send()
        .await
        .unwrap();
    assert_problem(res, 415).await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .body(format!(
            r#"{{"username":"admin","password":"{ADMIN_PASSWORD}"}}"#
        ))
        .send()
        .await
        .unwrap();
    assert_problem(res, 415).await;
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let app = spawn_app_with(|c| c.body_limit = 2048).await;
    let big = json!({"username": "admin", "password": "x".repeat(4096)});
    let body = assert_problem(app.post_json("/api/v1/auth/login", &big, None).await, 413).await;
    assert!(body["detail"].as_str().unwrap().contains("2048"));
    // Under the limit still works.
    assert_eq!(
        app.login_response("admin", ADMIN_PASSWORD).await.status(),
        200
    );
}

#[tokio::test]
async fn database_outage_is_503_with_retry_after_and_no_internals() {
    let app = spawn_app().await;
    app.state.db.close_by_ref().await.unwrap();
    let res = app.login_response("admin", ADMIN_PASSWORD).await;
    assert_eq!(res.headers().get("retry-after").unwrap(), "5");
    let body = assert_problem(res, 503).await;
    let text = body.to_string().to_lowercase();
    for leak in ["sqlx", "pool", "select", "postgres", "sqlite"] {
        assert!(!text.contains(leak), "problem leaks `{leak}`: {text}");
    }
    let ready = app.get("/ready", None).await;
    assert!(ready.headers().contains_key("retry-after"));
    assert_problem(ready, 503).await;
    // Liveness does not depend on the database.
    assert_eq!(app.get("/health", None).await.status(), 200);
}
