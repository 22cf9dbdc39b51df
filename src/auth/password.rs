//! Argon2id password hashes (the crate's defaults: 19 MiB, 2 passes, 1 lane — OWASP's minimum).
//! Hashing is slow on purpose, so it runs on the blocking pool, never on a request thread.
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use rand::{Rng, distributions::Alphanumeric};
use std::sync::OnceLock;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 256;

/// Checks the length rule; the message completes "`password` …".
pub fn check_policy(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        Err(format!("must be at least {MIN_LEN} characters"))
    } else if n > MAX_LEN {
        Err(format!("must be at most {MAX_LEN} characters"))
    } else {
        Ok(())
    }
}

pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify(password: &str, encoded: &str) -> bool {
    match PasswordHash::new(encoded) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the username does not exist, so that a wrong username costs as
/// long as a wrong password and response times do not reveal which accounts exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash(&generate(24)).unwrap_or_default())
}

pub async fn hash_blocking(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| e.to_string())?
}

pub async fn verify_blocking(password: String, encoded: String) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, &encoded))
        .await
        .unwrap_or(false)
}

/// A random password or secret of `len` letters and digits.
pub fn generate(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_argon2id() {
        let h = hash("Mật khẩu 2016!").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify("Mật khẩu 2016!", &h));
        assert!(!verify("mật khẩu 2016!", &h));
        assert!(!verify("anything", "not-a-hash"));
    }

    #[test]
    fn policy_counts_characters_not_bytes() {
        assert!(check_policy("ngắn").is_err());
        assert!(check_policy("đủ-dài-rồi").is_ok());
        assert!(check_policy(&"x".repeat(MAX_LEN + 1)).is_err());
    }
}
