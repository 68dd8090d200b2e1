//! Passwords (argon2id) and tokens (random, stored only as SHA-256 hashes).
//!
//! Tokens are 32 random bytes, base64url: unguessable, so a fast hash is enough to store
//! them safely (unlike passwords, which need argon2's cost).

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use parley_protocol::SecretString;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{error::ApiError, store::TokenHashes};

/// At most this many argon2 computations at once. Each takes ~19 MiB and a core for tens of
/// milliseconds: unbounded, a burst of sign-ins would take all memory and CPU (seen in
/// `parley-bench`: 14 parallel registrations left the server at 160 MB RSS).
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

async fn hashing_permit() -> Result<tokio::sync::SemaphorePermit<'static>, ApiError> {
    HASHING
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Hashes a password with argon2id on the blocking pool (it is deliberately slow).
pub async fn hash_password(password: SecretString) -> Result<String, ApiError> {
    let _permit = hashing_permit().await?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.expose().as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// Checks a password against a stored PHC string, on the blocking pool.
pub async fn verify_password(password: SecretString, hash: String) -> Result<bool, ApiError> {
    let _permit = hashing_permit().await?;
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash)
            .map_err(|e| ApiError::Internal(format!("bad stored hash: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// A hash to compare against when the username doesn't exist, so that a login for an
/// unknown user takes as long as one with a wrong password.
pub async fn dummy_verify(password: SecretString) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = match DUMMY.get() {
        Some(h) => h.clone(),
        None => match hash_password(SecretString::new("dummy-password")).await {
            Ok(h) => DUMMY.get_or_init(|| h).clone(),
            Err(_) => return,
        },
    };
    let _ = verify_password(password, hash).await;
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
        let hash = hash_password(SecretString::new("correct horse"))
            .await
            .unwrap();
        assert!(
            hash.starts_with("$argon2id$"),
            "argon2id must be the algorithm: {hash}"
        );
        assert!(
            verify_password(SecretString::new("correct horse"), hash.clone())
                .await
                .unwrap()
        );
        assert!(
            !verify_password(SecretString::new("wrong horse"), hash)
                .await
                .unwrap()
        );
        let a = issue_tokens(0, 900, 3600);
        let b = issue_tokens(0, 900, 3600);
        assert_ne!(a.access.expose(), b.access.expose());
        assert_ne!(a.hashes.access_hash, a.hashes.refresh_hash);
    }
}
