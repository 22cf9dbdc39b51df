//! JWT access tokens (HS256 keyed with `KHOI_JWT_SECRET`) and opaque refresh tokens.
//! Verification pins the algorithm and requires `exp`, `iss`, `aud` and `sub`.
use super::Role;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;
use uuid::Uuid;

/// The shortest HMAC key accepted: HS256 keys shorter than the hash output weaken it.
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub sub: Uuid,
    pub bloc_id: Option<Uuid>,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    pub iss: String,
    pub aud: String,
    pub exp: u64,
    pub iat: u64,
    pub jti: Uuid,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub issuer: String,
    pub audience: String,
    pub access_ttl: Duration,
}

impl JwtKeys {
    pub fn hs256(secret: &[u8], issuer: &str, audience: &str, access_ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.into(),
            audience: audience.into(),
            access_ttl,
        }
    }

    pub fn sign(
        &self,
        account_id: Uuid,
        role: Role,
        bloc_id: Option<Uuid>,
        province: Option<String>,
    ) -> Result<String, String> {
        let now = now_secs();
        let claims = Claims {
            sub: account_id,
            bloc_id,
            role,
            province,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + self.access_ttl.as_secs(),
            iat: now,
            jti: Uuid::now_v7(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| e.to_string())
    }

    /// Verifies a token; the error is a short reason safe to show the client.
    pub fn verify(&self, token: &str) -> Result<Claims, &'static str> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => "the access token has expired",
                ErrorKind::InvalidIssuer => "the token was not issued by this service",
                ErrorKind::InvalidAudience => "the token is not meant for this service",
                ErrorKind::InvalidAlgorithm => "the token's signing algorithm is not accepted",
                ErrorKind::InvalidSignature => "the token's signature is invalid",
                ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
                _ => "the token is malformed",
            })
    }
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A new opaque refresh token: 256 random bits, URL-safe.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a refresh token (a hex SHA-256; also used for request fingerprints).
pub fn hash_refresh_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::hs256(
            b"0123456789abcdef0123456789abcdef",
            "khoi",
            "khoi-api",
            Duration::from_secs(60),
        )
    }

    #[test]
    fn signed_tokens_verify_with_their_claims() {
        let k = keys();
        let id = Uuid::now_v7();
        let t = k.sign(id, Role::Staff, Some(id), None).unwrap();
        let c = k.verify(&t).unwrap();
        assert_eq!(c.sub, id);
        assert_eq!(c.role, Role::Staff);
        assert_eq!(c.iss, "khoi");
        assert_eq!(c.aud, "khoi-api");
        assert_eq!(c.exp - c.iat, 60);
    }

    #[test]
    fn other_keys_issuers_and_audiences_are_rejected() {
        let k = keys();
        let t = k.sign(Uuid::now_v7(), Role::Admin, None, None).unwrap();
        let other = JwtKeys::hs256(
            b"another-secret-another-secret-xx",
            "khoi",
            "khoi-api",
            Duration::from_secs(60),
        );
        assert!(other.verify(&t).is_err());
        let wrong_iss = JwtKeys::hs256(
            b"0123456789abcdef0123456789abcdef",
            "x",
            "khoi-api",
            Duration::from_secs(60),
        );
        assert_eq!(
            k.verify(
                &wrong_iss
                    .sign(Uuid::now_v7(), Role::Admin, None, None)
                    .unwrap()
            ),
            Err("the token was not issued by this service")
        );
    }

    #[test]
    fn refresh_token_hash_is_stable_hex() {
        let t = new_refresh_token();
        assert_eq!(t.len(), 43);
        assert_eq!(hash_refresh_token(&t), hash_refresh_token(&t));
        assert_eq!(hash_refresh_token(&t).len(), 64);
        assert_ne!(new_refresh_token(), t);
    }
}
