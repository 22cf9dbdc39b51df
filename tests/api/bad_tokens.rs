//! Every kind of bad bearer token is a 401 problem with a `WWW-Authenticate: Bearer` challenge.
use crate::helpers::{JWT_SECRET, TestApp, assert_problem, spawn_app};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn admin_id(app: &TestApp) -> String {
    let t = app.login_admin().await;
    let me: Value = app
        .get("/api/v1/me", Some(&t.access))
        .await
        .json()
        .await
        .unwrap();
    me["id"].as_str().unwrap().to_string()
}

fn claims(sub: &str) -> Value {
    json!({
        "sub": sub, "bloc_id": null, "role": "admin",
        "iss": "khoi", "aud": "khoi-api",
        "exp": now() + 600, "iat": now(), "jti": uuid::Uuid::now_v7(),
        // The account's version: a fresh admin account is at 1.
        "ver": 1,
    })
}

fn sign(claims: &Value, secret: &str) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn assert_rejected(app: &TestApp, authorization: &str) {
    let res = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", authorization)
        .send()
        .await
        .unwrap();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer"),
        "challenge `{challenge}` for {authorization}"
    );
    let body = assert_problem(res, 401).await;
    assert!(!body.to_string().contains(JWT_SECRET));
}

#[tokio::test]
async fn a_forged_token_signed_with_our_secret_is_accepted_control() {
    // Control: the forging helper itself produces tokens the service accepts, so the
    // rejections below are caused by the one thing each of them changes.
    let app = spawn_app().await;
    let id = admin_id(&app).await;
    let res = app
        .get("/api/v1/me", Some(&sign(&claims(&id), JWT_SECRET)))
        .await;
    assert_eq!(res.status(), 200);
}

/// A well-signed token for an account whose version has moved on (a revocation) is refused.
#[tokio::test]
async fn a_token_of_an_earlier_account_version_is_refused() {
    let app = spawn_app().await;
    let id = admin_id(&app).await;
    let mut c = claims(&id);
    c["ver"] = json!(0);
    assert_rejected(&app, &format!("Bearer {}", sign(&c, JWT_SECRET))).await;
    c.as_object_mut().unwrap().remove("ver");
    assert_rejected(&app, &format!("Bearer {}", sign(&c, JWT_SECRET))).await;
}

#[tokio::test]
async fn missing_token_is_401() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/me", None).await;
    assert!(
        res.headers()
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert_problem(res, 401).await;
}

#[tokio::test]
async fn malformed_authorization_headers_are_401() {
    let app = spawn_app().await;
    let id = admin_id(&app).await;
    let good = sign(&claims(&id), JWT_SECRET);
    for h in [
        "Bearer".to_string(),
        "Bearer ".to_string(),
        format!("Token {good}"),
        format!("Basic {good}"),
        good.clone(),
        "Bearer not.a.jwt".to_string(),
        "Bearer abc".to_string(),
    ] {
        assert_rejected(&app, &h).await;
    }
}

#[tokio::test]
async fn alg_none_is_rejected() {
    let app = spawn_app().await;
    let id = admin_id(&app).await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(&id).to_string());
    assert_rejected(&app, &format!("Bearer {header}.{payload}.")).await;
    assert_rejected(&app, &format!("Bearer {header}.{payload}")).await;
}

#[tokio::test]
async fn another_algorithm_with_our_secret_is_rejected() {
    let app = spawn_app().await;
    let id = admin_id(&app).await;
    let t = encode(
        &Header::new(Algorithm::HS512),
        &claims(&id),
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    assert_rejected(&app, &format!("Bearer {t}")).await;
}

#[tokio::test]
async fn wrong_key_is_rejected() {
    let app = spawn_app().await;
    let id = admin_id(&app).await;
    let t = sign(&claims(&id), "another-secret-another-secret-another-secret");
    assert_rejected(&app, &format!("Bearer {t}")).await;
}

#[tokio::test]
async fn expired_token_is_rejected() {
    let app = spawn_app().await;
    let id = admin_id(&app).await;
    let mut c = claims(&id);
    c["iat"] = json!(now() - 3600);
    c["exp"] = json!(now() - 600);
    let res = app.get("/api/v1/me", Some(&sign(&c, JWT_SECRET))).await;
    let body = assert_problem(res, 401).await;
    assert!(body["detail"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn wrong_issuer_or_audience_is_rejected() {
    let app = spawn_app().await;
    let id = admin_id(&app).await;
    let mut c = claims(&id);
    c["iss"] = json!("someone-else");
    assert_rejected(&app, &format!("Bearer {}", sign(&c, JWT_SECRET))).await;
    let mut c = claims(&id);
    c["aud"] = json!("another-api");
    assert_rejected(&app, &format!("Bearer {}", sign(&c, JWT_SECRET))).await;
    let mut c = claims(&id);
    c.as_object_mut().unwrap().remove("aud");
    assert_rejected(&app, &format!("Bearer {}", sign(&c, JWT_SECRET))).await;
    let mut c = claims(&id);
    c.as_object_mut().unwrap().remove("exp");
    assert_rejected(&app, &format!("Bearer {}", sign(&c, JWT_SECRET))).await;
}

#[tokio::test]
async fn tampered_payload_is_rejected() {
    let app = spawn_app().await;
    let t = app.login_admin().await;
    let parts: Vec<&str> = t.access.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["role"] = json!("portal");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    assert_rejected(&app, &format!("Bearer {forged}")).await;
}
