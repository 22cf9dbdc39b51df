//! Web Push: the message encryption of RFC 8291 (aes128gcm, RFC 8188) and the VAPID
//! authorisation of RFC 8292, written from the RFCs; the tests decrypt with an independent
//! implementation. A leaf of the house: the shared state holds its key.
use aes_gcm::{Aes128Gcm, KeyInit, aead::Aead};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hkdf::Hkdf;
use p256::{
    PublicKey, SecretKey,
    ecdsa::{Signature, SigningKey, signature::Signer},
    elliptic_curve::sec1::ToEncodedPoint,
};
use rand::RngCore;
use sha2::Sha256;

/// The record size announced in the header: one record carries the whole message.
const RECORD_SIZE: u32 = 4096;
/// The most plaintext one record holds: the record size less the tag (16) and the delimiter (1).
pub const MAX_PLAINTEXT: usize = RECORD_SIZE as usize - 17;

/// A browser's subscription keys, checked.
pub struct Keys {
    pub p256dh: PublicKey,
    pub auth: [u8; 16],
}

/// Parses the keys of a subscription; the message names the field at fault.
pub fn parse_keys(p256dh: &str, auth: &str) -> Result<Keys, (&'static str, &'static str)> {
    let raw = URL_SAFE_NO_PAD
        .decode(p256dh.trim_end_matches('='))
        .map_err(|_| ("keys.p256dh", "is not base64url"))?;
    if raw.len() != 65 || raw[0] != 4 {
        return Err((
            "keys.p256dh",
            "must be an uncompressed P-256 public key (65 bytes)",
        ));
    }
    let p256dh = PublicKey::from_sec1_bytes(&raw)
        .map_err(|_| ("keys.p256dh", "is not a point on the P-256 curve"))?;
    let raw = URL_SAFE_NO_PAD
        .decode(auth.trim_end_matches('='))
        .map_err(|_| ("keys.auth", "is not base64url"))?;
    let auth: [u8; 16] = raw
        .try_into()
        .map_err(|_| ("keys.auth", "must be 16 bytes"))?;
    Ok(Keys { p256dh, auth })
}

/// Encrypts `plaintext` for the subscription: the body to POST with
/// `Content-Encoding: aes128gcm`.
pub fn encrypt(keys: &Keys, plaintext: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let ephemeral = SecretKey::random(&mut rand::thread_rng());
    encrypt_with(keys, plaintext, &ephemeral, salt)
}

fn encrypt_with(
    keys: &Keys,
    plaintext: &[u8],
    ephemeral: &SecretKey,
    salt: [u8; 16],
) -> Result<Vec<u8>, &'static str> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err("the message is longer than one record");
    }
    let as_public = ephemeral.public_key().to_encoded_point(false);
    let ua_public = keys.p256dh.to_encoded_point(false);
    let shared = p256::ecdh::diffie_hellman(ephemeral.to_nonzero_scalar(), keys.p256dh.as_affine());
    // RFC 8291 §3.4: IKM from the shared secret, keyed by the auth secret and both public keys.
    let mut key_info = b"WebPush: info\0".to_vec();
    key_info.extend_from_slice(ua_public.as_bytes());
    key_info.extend_from_slice(as_public.as_bytes());
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&keys.auth), shared.raw_secret_bytes())
        .expand(&key_info, &mut ikm)
        .map_err(|_| "hkdf")?;
    // RFC 8188 §2.2–2.3: the content-encryption key and nonce from the salt.
    let prk = Hkdf::<Sha256>::new(Some(&salt), &ikm);
    let (mut cek, mut nonce) = ([0u8; 16], [0u8; 12]);
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .map_err(|_| "hkdf")?;
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|_| "hkdf")?;
    let mut record = plaintext.to_vec();
    record.push(2); // the last (and only) record's delimiter
    let cipher = Aes128Gcm::new_from_slice(&cek).map_err(|_| "aes")?;
    let sealed = cipher
        .encrypt(&nonce.into(), record.as_slice())
        .map_err(|_| "aes")?;
    let mut body = Vec::with_capacity(86 + sealed.len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65);
    body.extend_from_slice(as_public.as_bytes());
    body.extend_from_slice(&sealed);
    Ok(body)
}

/// The service's VAPID key pair.
#[derive(Clone)]
pub struct Vapid {
    key: SigningKey,
    /// Who to contact about the pushes (`mailto:` or `https:`), as RFC 8292 asks.
    subject: String,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid")
            .field("public_key", &self.public_key())
            .finish_non_exhaustive()
    }
}

impl Vapid {
    /// From the private scalar, base64url (32 bytes), as web-push tools print it.
    pub fn from_private(b64: &str, subject: String) -> Result<Self, String> {
        let raw = URL_SAFE_NO_PAD
            .decode(b64.trim().trim_end_matches('='))
            .map_err(|_| "is not base64url".to_string())?;
        let key = SigningKey::from_slice(&raw)
            .map_err(|_| "is not a P-256 private key (32 bytes, base64url)".to_string())?;
        Ok(Self { key, subject })
    }

    pub fn generate() -> String {
        let k = SigningKey::random(&mut rand::thread_rng());
        URL_SAFE_NO_PAD.encode(k.to_bytes())
    }

    /// The public key browsers subscribe with (`applicationServerKey`), base64url.
    pub fn public_key(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.key.verifying_key().to_encoded_point(false).as_bytes())
    }

    /// The `Authorization` header for a push to `endpoint` (RFC 8292 §3): a JWT signed with
    /// ES256 for the endpoint's origin, valid 12 hours.
    pub fn authorization(&self, endpoint: &url::Url, now: i64) -> String {
        let origin = endpoint.origin().ascii_serialization();
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims =
            serde_json::json!({"aud": origin, "exp": now + 12 * 3600, "sub": self.subject});
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{header}.{claims}");
        let sig: Signature = self.key.sign(input.as_bytes());
        format!(
            "vapid t={input}.{}, k={}",
            URL_SAFE_NO_PAD.encode(sig.to_bytes()),
            self.public_key()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8291 Appendix A: the example's keys, salt and message give the example's body.
    #[test]
    fn the_rfc_8291_example_encrypts_to_its_published_body() {
        let d = |s: &str| URL_SAFE_NO_PAD.decode(s).unwrap();
        let ua_public = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
        let auth = "BTBZMqHH6r4Tts7J_aSIgg";
        let keys = parse_keys(ua_public, auth).unwrap();
        let as_private =
            SecretKey::from_slice(&d("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")).unwrap();
        let salt: [u8; 16] = d("DGv6ra1nlYgDCS1FRnbzlw").try_into().unwrap();
        let body = encrypt_with(
            &keys,
            b"When I grow up, I want to be a watermelon",
            &as_private,
            salt,
        )
        .unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.encode(body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
    }

    #[test]
    fn bad_keys_are_named() {
        assert_eq!(
            parse_keys("AAAA", "BTBZMqHH6r4Tts7J_aSIgg")
                .err()
                .unwrap()
                .0,
            "keys.p256dh"
        );
        let ua = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
        assert_eq!(parse_keys(ua, "AAAA").err().unwrap().0, "keys.auth");
        // 65 bytes starting with 4 but not on the curve.
        let off = URL_SAFE_NO_PAD.encode([4u8; 65]);
        assert_eq!(
            parse_keys(&off, "BTBZMqHH6r4Tts7J_aSIgg").err().unwrap().1,
            "is not a point on the P-256 curve"
        );
    }

    #[test]
    fn the_vapid_token_verifies_with_the_public_key() {
        use p256::ecdsa::{VerifyingKey, signature::Verifier};
        let v = Vapid::from_private(&Vapid::generate(), "mailto:khoi@example.vn".into()).unwrap();
        let url = url::Url::parse("https://push.example.net/send/abc").unwrap();
        let h = v.authorization(&url, 1_454_900_000);
        let t = h
            .strip_prefix("vapid t=")
            .unwrap()
            .split(", k=")
            .next()
            .unwrap();
        let (input, sig) = t.rsplit_once('.').unwrap();
        let key = VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(v.public_key()).unwrap())
            .unwrap();
        let sig = Signature::from_slice(&URL_SAFE_NO_PAD.decode(sig).unwrap()).unwrap();
        key.verify(input.as_bytes(), &sig).unwrap();
        let claims: serde_json::Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(input.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["aud"], "https://push.example.net");
    }
}
