//! Argon2id password hashes (the crate's defaults: 19 MiB, 2 passes, 1 lane — OWASP's minimum).
//! Hashing is slow on purpose, so it runs on the blocking pool, never on a request thread, and
//! only a few at a time.
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use rand::{Rng, distributions::Alphanumeric};
use std::sync::{
    OnceLock,
    atomic::{AtomicUsize, Ordering},
};

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

/// Hashes run at most this many at once (default: the core count), each taking about 19 MiB and
/// a core for tens of milliseconds; a flood of sign-ins queues here instead of exhausting memory.
static GATE: OnceLock<Gate> = OnceLock::new();

struct Gate {
    permits: tokio::sync::Semaphore,
    /// Callers waiting for a permit; past `max_waiting` a caller is turned away at once.
    waiting: AtomicUsize,
    max_waiting: usize,
}

/// How long a caller waits for a hashing slot before being told to come back.
const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Sets how many hashes may run at once (`KHOI_PASSWORD_HASHERS`); the first call wins, later
/// ones (another application in the same process, as in tests) keep it.
pub fn configure(concurrency: usize) {
    let _ = GATE.set(Gate::new(concurrency));
}

impl Gate {
    fn new(concurrency: usize) -> Self {
        let n = concurrency.max(1);
        Gate {
            permits: tokio::sync::Semaphore::new(n),
            waiting: AtomicUsize::new(0),
            max_waiting: n * 16,
        }
    }
}

fn gate() -> &'static Gate {
    GATE.get_or_init(|| Gate::new(std::thread::available_parallelism().map_or(2, |n| n.get())))
}

/// Hashing is saturated: the caller should answer 503 with `Retry-After`.
#[derive(Debug)]
pub struct Busy;

impl From<Busy> for crate::error::ApiError {
    fn from(_: Busy) -> Self {
        crate::error::ApiError::Overloaded {
            retry_after: 1,
            detail: "too many sign-ins are being checked at once; retry in a moment".into(),
        }
    }
}

/// Runs `f` on the blocking pool once a hashing slot is free.
async fn gated<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
    let g = gate();
    if g.waiting.fetch_add(1, Ordering::AcqRel) >= g.max_waiting {
        g.waiting.fetch_sub(1, Ordering::AcqRel);
        return Err(Busy);
    }
    let permit = tokio::time::timeout(MAX_WAIT, g.permits.acquire()).await;
    g.waiting.fetch_sub(1, Ordering::AcqRel);
    let Ok(Ok(_permit)) = permit else {
        return Err(Busy);
    };
    tokio::task::spawn_blocking(f).await.map_err(|_| Busy)
}

pub async fn hash_blocking(password: String) -> Result<String, crate::error::ApiError> {
    gated(move || hash(&password))
        .await?
        .map_err(crate::error::ApiError::internal)
}

/// Whether `password` matches `encoded`; `Busy` when no hashing slot came free in time.
pub async fn verify_blocking(password: String, encoded: String) -> Result<bool, Busy> {
    gated(move || verify(&password, &encoded)).await
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
