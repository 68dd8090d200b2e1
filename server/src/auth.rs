//! Passwords (argon2id) and tokens (random, stored only as SHA-256 hashes).
//!
//! Tokens are 32 random bytes, base64url: unguessable, so a fast hash is enough to store
//! them safely (unlike passwords, which need argon2's cost).

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use std::sync::Arc;

use parley_protocol::{SecretString, limits::PASSWORD_MAX_BYTES};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::{error::ApiError, metrics::Metrics, store::TokenHashes};

/// At most this many argon2 computations at once. Each takes ~19 MiB and a core for tens of
/// milliseconds: unbounded, a burst of sign-ins would take all memory and CPU (seen in
/// `parley-bench`: 14 parallel registrations left the server at 160 MB RSS).
const HASHING_AT_ONCE: usize = 2;

/// Runs `f` on the blocking pool holding one of the [`HASHING_AT_ONCE`] permits. The permit
/// moves into the blocking task: a request dropped mid-hash (client gone, timeout) can't
/// free its permit while the hash still runs, so the bound holds under cancellation too.
async fn hashing<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    static HASHING: std::sync::LazyLock<Arc<Semaphore>> =
        std::sync::LazyLock::new(|| Arc::new(Semaphore::new(HASHING_AT_ONCE)));
    let permit = HASHING
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        f()
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// Hashes a password with argon2id on the blocking pool (it is deliberately slow).
pub async fn hash_password(password: SecretString) -> Result<String, ApiError> {
    hashing(move || {
        Argon2::default()
            .hash_password(password.expose().as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
    })
    .await
}

/// Checks a password against a stored PHC string, on the blocking pool. A password longer
/// than any that could have been set still costs a full verification (of a bounded prefix),
/// so its length tells nothing about whether the account exists.
pub async fn verify_password(
    password: SecretString,
    hash: String,
    metrics: &Metrics,
) -> Result<bool, ApiError> {
    metrics.password_checks.inc();
    hashing(move || {
        let parsed = PasswordHash::new(&hash)
            .map_err(|e| ApiError::Internal(format!("bad stored hash: {e}")))?;
        let bytes = password.expose().as_bytes();
        let too_long = bytes.len() > PASSWORD_MAX_BYTES;
        let checked = &bytes[..bytes.len().min(PASSWORD_MAX_BYTES)];
        let matches = Argon2::default().verify_password(checked, &parsed).is_ok();
        Ok(matches && !too_long)
    })
    .await
}

/// A hash to compare against when the username doesn't exist, so that a login for an
/// unknown user takes as long as one with a wrong password.
pub async fn dummy_verify(password: SecretString, metrics: &Metrics) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = match DUMMY.get() {
        Some(h) => h.clone(),
        None => match hash_password(SecretString::new("dummy-password")).await {
            Ok(h) => DUMMY.get_or_init(|| h).clone(),
            Err(_) => return,
        },
    };
    let _ = verify_password(password, hash, metrics).await;
}

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn new_token() -> SecretString {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    SecretString::new(URL_SAFE_NO_PAD.encode(bytes))
}

/// A fresh access/refresh pair, and what the store keeps of it.
pub struct IssuedTokens {
    pub access: SecretString,
    pub refresh: SecretString,
    pub hashes: TokenHashes,
}

pub fn issue_tokens(now_ms: i64, access_ttl_secs: u64, refresh_ttl_secs: u64) -> IssuedTokens {
    let access = new_token();
    let refresh = new_token();
    let hashes = TokenHashes {
        access_hash: token_hash(access.expose()),
        access_expires_at: now_ms + (access_ttl_secs as i64) * 1000,
        refresh_hash: token_hash(refresh.expose()),
        refresh_expires_at: now_ms + (refresh_ttl_secs as i64) * 1000,
    };
    IssuedTokens {
        access,
        refresh,
        hashes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_and_tokens_differ() {
        let metrics = Metrics::default();
        let hash = hash_password(SecretString::new("correct horse"))
            .await
            .unwrap();
        assert!(
            hash.starts_with("$argon2id$"),
            "argon2id must be the algorithm: {hash}"
        );
        assert!(
            verify_password(SecretString::new("correct horse"), hash.clone(), &metrics)
                .await
                .unwrap()
        );
        assert!(
            !verify_password(SecretString::new("wrong horse"), hash.clone(), &metrics)
                .await
                .unwrap()
        );
        assert!(
            !verify_password(SecretString::new("x".repeat(2000)), hash.clone(), &metrics)
                .await
                .unwrap(),
            "an over-long password is checked, and fails"
        );
        assert_eq!(metrics.password_checks.get(), 3, "each check ran argon2");
        let a = issue_tokens(0, 900, 3600);
        let b = issue_tokens(0, 900, 3600);
        assert_ne!(a.access.expose(), b.access.expose());
        assert_ne!(a.hashes.access_hash, a.hashes.refresh_hash);
    }
}
