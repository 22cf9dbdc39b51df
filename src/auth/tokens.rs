//! JWT access tokens (HS256 keyed with `KHOI_JWT_SECRET`, or EdDSA/RS256 with a configured
//! private key published as JWKS) and opaque refresh tokens.
//! Verification pins the algorithm and requires `exp`, `iss`, `aud` and `sub`.
use super::Role;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation,
    errors::ErrorKind,
    jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash},
};
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
    /// Issued to an API client (client credentials), not to a person: checked against the
    /// client's record and rate limit on every request.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub svc: bool,
    /// A client token's scopes, space-separated (OAuth 2.0 `scope`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The account's version when the token was issued. Every change to an account (password,
    /// active, role) moves its version, and a token whose `ver` is not the account's current one
    /// is refused: revocation takes effect at once, on every instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ver: Option<i32>,
}

/// A key tokens may be checked with: the HS256 secret (no `kid`), the current asymmetric key, or
/// a previous one kept during a rotation.
struct Verifier {
    kid: Option<String>,
    key: DecodingKey,
    validation: Validation,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    signing_alg: Algorithm,
    signing_kid: Option<String>,
    verifiers: Vec<Verifier>,
    jwks: JwkSet,
    pub issuer: String,
    pub audience: String,
    pub access_ttl: Duration,
}

impl JwtKeys {
    pub fn hs256(secret: &[u8], issuer: &str, audience: &str, access_ttl: Duration) -> Self {
        let mut keys = Self {
            encoding: EncodingKey::from_secret(secret),
            signing_alg: Algorithm::HS256,
            signing_kid: None,
            verifiers: vec![],
            jwks: JwkSet { keys: vec![] },
            issuer: issuer.into(),
            audience: audience.into(),
            access_ttl,
        };
        let v = keys.verifier(None, DecodingKey::from_secret(secret), Algorithm::HS256);
        keys.verifiers.push(v);
        keys
    }

    fn verifier(&self, kid: Option<String>, key: DecodingKey, alg: Algorithm) -> Verifier {
        let mut validation = Validation::new(alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Verifier {
            kid,
            key,
            validation,
        }
    }

    /// Publishes `jwk` under its RFC 7638 thumbprint and returns the thumbprint (the `kid`).
    fn publish(&mut self, mut jwk: Jwk) -> Result<String, String> {
        let kid = jwk
            .thumbprint(ThumbprintHash::SHA256)
            .map_err(|e| e.to_string())?;
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        self.jwks.keys.push(jwk);
        Ok(kid)
    }

    /// Signs from now on with a private key (PEM, PKCS#8: Ed25519 gives EdDSA, RSA gives RS256),
    /// published at `/.well-known/jwks.json`; tokens name it in `kid`. HS256 tokens still verify.
    pub fn with_private_key(mut self, pem: &[u8]) -> Result<Self, String> {
        let (encoding, alg) = match EncodingKey::from_ed_pem(pem) {
            Ok(k) => (k, Algorithm::EdDSA),
            Err(_) => (
                EncodingKey::from_rsa_pem(pem)
                    .map_err(|_| "not a PEM Ed25519 or RSA private key".to_string())?,
                Algorithm::RS256,
            ),
        };
        let jwk = Jwk::from_encoding_key(&encoding, alg).map_err(|e| e.to_string())?;
        let decoding = DecodingKey::from_jwk(&jwk).map_err(|e| e.to_string())?;
        let kid = self.publish(jwk)?;
        let v = self.verifier(Some(kid.clone()), decoding, alg);
        self.verifiers.push(v);
        self.encoding = encoding;
        self.signing_alg = alg;
        self.signing_kid = Some(kid);
        Ok(self)
    }

    /// Also accepts (and publishes) tokens of a previous key, from its public PEM: a rotation
    /// does not sign anybody out.
    pub fn with_previous_public_key(mut self, pem: &[u8]) -> Result<Self, String> {
        let (decoding, alg) = match DecodingKey::from_ed_pem(pem) {
            Ok(k) => (k, Algorithm::EdDSA),
            Err(_) => (
                DecodingKey::from_rsa_pem(pem)
                    .map_err(|_| "not a PEM Ed25519 or RSA public key".to_string())?,
                Algorithm::RS256,
            ),
        };
        let jwk = Jwk::from_decoding_key(&decoding, Some(alg)).map_err(|e| e.to_string())?;
        let kid = self.publish(jwk)?;
        let v = self.verifier(Some(kid), decoding, alg);
        self.verifiers.push(v);
        Ok(self)
    }

    /// The public keys, for `/.well-known/jwks.json`.
    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }

    pub fn sign(
        &self,
        account_id: Uuid,
        role: Role,
        bloc_id: Option<Uuid>,
        province: Option<String>,
    ) -> Result<String, String> {
        self.sign_claims(account_id, role, bloc_id, province, false, None, None)
    }

    /// A person's token, bound to the account's current version.
    pub fn sign_account(
        &self,
        account_id: Uuid,
        role: Role,
        bloc_id: Option<Uuid>,
        province: Option<String>,
        version: i32,
    ) -> Result<String, String> {
        self.sign_claims(
            account_id,
            role,
            bloc_id,
            province,
            false,
            None,
            Some(version),
        )
    }

    /// A token for an API client (`svc`), for its role and province.
    pub fn sign_client(
        &self,
        client: Uuid,
        role: Role,
        province: String,
        scope: String,
    ) -> Result<String, String> {
        self.sign_claims(client, role, None, Some(province), true, Some(scope), None)
    }

    #[allow(clippy::too_many_arguments)]
    fn sign_claims(
        &self,
        account_id: Uuid,
        role: Role,
        bloc_id: Option<Uuid>,
        province: Option<String>,
        svc: bool,
        scope: Option<String>,
        ver: Option<i32>,
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
            svc,
            scope,
            ver,
        };
        let mut header = Header::new(self.signing_alg);
        header.kid = self.signing_kid.clone();
        jsonwebtoken::encode(&header, &claims, &self.encoding).map_err(|e| e.to_string())
    }

    /// Verifies a token with the key its `kid` names (the HS256 secret when it names none); the
    /// error is a short reason safe to show the client.
    pub fn verify(&self, token: &str) -> Result<Claims, &'static str> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| "the token is malformed")?;
        let v = self
            .verifiers
            .iter()
            .find(|v| v.kid == header.kid)
            .ok_or("the token was signed with a key this service does not know")?;
        jsonwebtoken::decode::<Claims>(token, &v.key, &v.validation)
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
    crate::text::hex(&Sha256::digest(token.as_bytes()))
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

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/keys/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn asymmetric_keys_sign_with_a_kid_and_rotate_without_signing_anyone_out() {
        let a = keys().with_private_key(&fixture("ed25519-a.pem")).unwrap();
        let id = Uuid::now_v7();
        let t = a
            .sign(id, Role::Portal, None, Some("Quảng Ninh".into()))
            .unwrap();
        let h = jsonwebtoken::decode_header(&t).unwrap();
        assert_eq!(h.alg, Algorithm::EdDSA);
        let kid_a = h.kid.clone().unwrap();
        assert_eq!(a.jwks().keys.len(), 1);
        assert_eq!(
            a.jwks().keys[0].common.key_id.as_deref(),
            Some(kid_a.as_str())
        );
        assert_eq!(a.verify(&t).unwrap().sub, id);
        // Rotation: B signs, A's public key still verifies; both are published.
        let b = keys()
            .with_private_key(&fixture("ed25519-b.pem"))
            .unwrap()
            .with_previous_public_key(&fixture("ed25519-a.pub.pem"))
            .unwrap();
        assert_eq!(b.verify(&t).unwrap().sub, id);
        assert_eq!(b.jwks().keys.len(), 2);
        let tb = b.sign(id, Role::Staff, None, None).unwrap();
        assert_ne!(
            jsonwebtoken::decode_header(&tb).unwrap().kid.unwrap(),
            kid_a
        );
        // After the rotation ends, A's tokens stop working; HS256 ones still do.
        let only_b = keys().with_private_key(&fixture("ed25519-b.pem")).unwrap();
        assert!(only_b.verify(&t).is_err());
        assert!(
            only_b
                .verify(&keys().sign(id, Role::Staff, None, None).unwrap())
                .is_ok()
        );
    }

    #[test]
    fn rsa_keys_sign_rs256_and_a_kid_cannot_be_paired_with_another_algorithm() {
        let k = keys().with_private_key(&fixture("rsa.pem")).unwrap();
        let t = k.sign(Uuid::now_v7(), Role::Staff, None, None).unwrap();
        let h = jsonwebtoken::decode_header(&t).unwrap();
        assert_eq!(h.alg, Algorithm::RS256);
        assert!(k.verify(&t).is_ok());
        // An HS256 token claiming the RSA key's kid (key confusion) is refused.
        let mut forged = Header::new(Algorithm::HS256);
        forged.kid = h.kid;
        let claims = jsonwebtoken::decode::<Claims>(
            &t,
            &DecodingKey::from_jwk(&k.jwks().keys[0]).unwrap(),
            &{
                let mut v = Validation::new(Algorithm::RS256);
                v.set_audience(&["khoi-api"]);
                v
            },
        )
        .unwrap()
        .claims;
        let bad = jsonwebtoken::encode(
            &forged,
            &claims,
            &EncodingKey::from_secret(&fixture("rsa.pub.pem")),
        )
        .unwrap();
        assert!(k.verify(&bad).is_err());
        assert!(
            keys()
                .with_private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                .is_err()
        );
    }
}
