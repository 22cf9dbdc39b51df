//! Tokens the portal can verify itself: EdDSA or RS256 signing with a `kid`, the public keys at
//! `/.well-known/jwks.json`, and a rotation that keeps the previous key's tokens working.
use crate::helpers::{ADMIN_PASSWORD, spawn_app_with, test_config, test_data_dir};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::JwkSet};
use serde_json::Value;
use std::path::PathBuf;

fn key(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name)
}

#[tokio::test]
async fn tokens_verify_with_the_published_keys_and_survive_a_rotation() {
    let a = spawn_app_with(|c| c.jwt_private_key_file = Some(key("ed25519-a.pem"))).await;
    let token = a.login("admin", ADMIN_PASSWORD).await.access;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    let res = a.get("/.well-known/jwks.json", None).await;
    assert_eq!(res.status(), 200);
    let jwks: JwkSet = res.json().await.unwrap();
    assert_eq!(jwks.keys.len(), 1);
    // The portal's side: find the key by kid and check the token with it alone.
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("the token's kid is published");
    let mut v = Validation::new(Algorithm::EdDSA);
    v.set_audience(&["khoi-api"]);
    v.set_issuer(&["khoi"]);
    let claims = jsonwebtoken::decode::<Value>(&token, &DecodingKey::from_jwk(jwk).unwrap(), &v)
        .unwrap()
        .claims;
    assert_eq!(claims["role"], "admin");
    assert_eq!(a.get("/api/v1/me", Some(&token)).await.status(), 200);

    // Rotation: B signs, A's public key is still accepted and published.
    // The same installation (one database) restarted with the new key.
    let b = a
        .another_instance(|c| {
            c.jwt_private_key_file = Some(key("ed25519-b.pem"));
            c.jwt_previous_public_key_file = Some(key("ed25519-a.pub.pem"));
        })
        .await;
    assert_eq!(
        b.get("/api/v1/blocs", Some(&token)).await.status(),
        200,
        "A's token after the rotation"
    );
    let jwks: JwkSet = b
        .get("/.well-known/jwks.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(jwks.keys.len(), 2);
    let new = b.login("admin", ADMIN_PASSWORD).await.access;
    assert_ne!(jsonwebtoken::decode_header(&new).unwrap().kid, header.kid);
    // Once A is dropped its tokens are refused; a token of a foreign key never worked.
    let c = a
        .another_instance(|c| c.jwt_private_key_file = Some(key("ed25519-b.pem")))
        .await;
    let res = c.get("/api/v1/blocs", Some(&token)).await;
    assert_eq!(res.status(), 401);
    assert_eq!(c.get("/api/v1/blocs", Some(&new)).await.status(), 200);
}

#[tokio::test]
async fn a_bad_key_file_stops_the_start_naming_the_variable() {
    let mut config = test_config(test_data_dir(), None);
    config.jwt_private_key_file = Some(key("README"));
    let err = khoi::startup::Application::build(config)
        .await
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("KHOI_JWT_PRIVATE_KEY_FILE"),
        "{err}"
    );
    let mut config = test_config(test_data_dir(), None);
    config.jwt_previous_public_key_file = Some(key("missing.pem"));
    let err = khoi::startup::Application::build(config)
        .await
        .err()
        .expect("refused");
    assert!(
        err.to_string()
            .contains("KHOI_JWT_PREVIOUS_PUBLIC_KEY_FILE"),
        "{err}"
    );
}
