//! The account's refresh token in the OS keyring — the only place it is kept (never SQLite,
//! never a plain file; the access token lives in memory only).
//!
//! Built on `keyring-core` with the native store of each platform: the Secret Service on Linux
//! (gnome-keyring, KWallet; over D-Bus, pure-Rust crypto), the login Keychain on macOS, the
//! Credential Manager on Windows. Entries are service `parley`, user `username@host`.
//!
//! Failures a person can fix (no keyring running, keyring locked) become
//! [`KeyringError::Unavailable`] with advice; there is deliberately no fallback to a file: a
//! user without a keyring signs in again next time rather than having a token lying around.
//!
//! All calls block (D-Bus round trips, possibly an unlock prompt): from async code, call them
//! through `spawn_blocking`.

use std::{fmt, str::FromStr, sync::Arc};

use keyring_core::{CredentialStore, Entry, Error as StoreError};
use parley_protocol::{SecretString, limits::normalize_username};

/// The keyring service name every Parley entry is filed under.
pub const SERVICE: &str = "parley";

/// Which account an entry belongs to: `username@host` (host as in the server URL, with a port
/// if it has one). Several accounts, on one server or several, each get their own entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountKey {
    username: String,
    host: String,
}

impl AccountKey {
    /// Folds the username as the server does and lower-cases the host.
    pub fn new(username: &str, host: &str) -> Result<AccountKey, KeyringError> {
        let username = normalize_username(username)
            .map_err(|e| KeyringError::InvalidAccount(e.to_string()))?;
        let host = host.trim().to_lowercase();
        if host.is_empty() || host.contains(['@', '/', ' ']) {
            return Err(KeyringError::InvalidAccount(format!(
                "{host:?} is not a host name (expected e.g. chat.example.com:8080)"
            )));
        }
        Ok(AccountKey { username, host })
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    pub fn host(&self) -> &str {
        &self.host
    }
}

impl fmt::Display for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.username, self.host)
    }
}

impl FromStr for AccountKey {
    type Err = KeyringError;

    /// Parses `username@host` (the CLI's `--account`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (user, host) = s.split_once('@').ok_or_else(|| {
            KeyringError::InvalidAccount(format!("{s:?} is not of the form username@host"))
        })?;
        AccountKey::new(user, host)
    }
}

/// Keyring failures, each with a stable [`code`](KeyringError::code) for the UI.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// No keyring to talk to, or it is locked or refused access.
    #[error(
        "the system keyring is not available ({detail}). Parley keeps your sign-in there and \
         nowhere else: {advice}",
        advice = ADVICE
    )]
    Unavailable { detail: String },

    /// More than one entry matches the account (e.g. one written by another tool).
    #[error(
        "the system keyring holds {count} entries for parley/{account}; remove the extra ones \
         (e.g. with `secret-tool` or your keyring app) and sign in again"
    )]
    Ambiguous { account: String, count: usize },

    /// The stored value is not a token we wrote.
    #[error(
        "the keyring entry for parley/{account} is unreadable ({detail}); sign in again to \
         replace it"
    )]
    Malformed { account: String, detail: String },

    /// The keyring refused the entry itself (too long, invalid attribute).
    #[error("the system keyring refused the entry for parley/{account}: {detail}")]
    Rejected { account: String, detail: String },

    /// Not a valid `username@host`.
    #[error("invalid account: {0}")]
    InvalidAccount(String),
}

impl KeyringError {
    /// A stable snake_case code (for `{code, message}` errors in the desktop shell).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unavailable { .. } => "keyring_unavailable",
            Self::Ambiguous { .. } => "keyring_ambiguous",
            Self::Malformed { .. } => "keyring_malformed",
            Self::Rejected { .. } => "keyring_rejected",
            Self::InvalidAccount(_) => "invalid_account",
        }
    }

    fn unavailable(detail: impl fmt::Display) -> Self {
        Self::Unavailable {
            detail: detail.to_string(),
        }
    }

    fn from_store(account: &AccountKey, err: StoreError) -> Self {
        let account_text = account.to_string();
        match err {
            StoreError::NoStorageAccess(_)
            | StoreError::PlatformFailure(_)
            | StoreError::NoDefaultStore => Self::unavailable(err),
            StoreError::Ambiguous(entries) => Self::Ambiguous {
                account: account_text,
                count: entries.len(),
            },
            StoreError::BadEncoding(_)
            | StoreError::BadDataFormat(..)
            | StoreError::BadStoreFormat(_) => Self::Malformed {
                account: account_text,
                detail: err.to_string(),
            },
            other => Self::Rejected {
                account: account_text,
                detail: other.to_string(),
            },
        }
    }
}

#[cfg(target_os = "linux")]
const ADVICE: &str = "start a Secret Service provider (gnome-keyring-daemon or KWallet) in your \
                      session and unlock your keyring, then try again";
#[cfg(target_os = "macos")]
const ADVICE: &str = "unlock your login keychain (Keychain Access) and allow Parley to use it, \
                      then try again";
#[cfg(target_os = "windows")]
const ADVICE: &str = "make sure Windows Credential Manager is available for your user, then try \
                      again";
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
const ADVICE: &str = "this platform has no supported keyring; Parley cannot remember sign-ins here";

/// The platform's native credential store: the Secret Service (Linux).
#[cfg(target_os = "linux")]
fn native_store() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
    Ok(store)
}

/// The platform's native credential store: the login Keychain (macOS).
#[cfg(target_os = "macos")]
fn native_store() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
    Ok(store)
}

/// The platform's native credential store: the Credential Manager (Windows).
#[cfg(target_os = "windows")]
fn native_store() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
    Ok(store)
}

/// No supported keyring on this platform.
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn native_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(StoreError::NotSupportedByStore(
        "no native keyring store for this platform".to_owned(),
    ))
}

/// Refresh tokens in the OS keyring, one entry per account.
pub struct Credentials {
    store: Arc<CredentialStore>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").finish_non_exhaustive()
    }
}

impl Credentials {
    /// Connects to the platform's keyring. Fails with [`KeyringError::Unavailable`] when
    /// there is none (e.g. no Secret Service on the session bus).
    pub fn open() -> Result<Credentials, KeyringError> {
        // Any failure to reach the store (no bus, no daemon, unsupported platform) means
        // there is no keyring to use.
        let store = native_store().map_err(KeyringError::unavailable)?;
        Ok(Credentials { store })
    }

    /// Uses another `keyring-core` store (e.g. its mock store, in tests of code built on this).
    pub fn with_store(store: Arc<CredentialStore>) -> Credentials {
        Credentials { store }
    }

    fn entry(&self, account: &AccountKey) -> Result<Entry, KeyringError> {
        Entry::new_in_store(&self.store, SERVICE, &account.to_string())
            .map_err(|e| KeyringError::from_store(account, e))
    }

    /// Stores (or replaces) the account's refresh token.
    pub fn store(&self, account: &AccountKey, refresh: &SecretString) -> Result<(), KeyringError> {
        self.entry(account)?
            .set_password(refresh.expose())
            .map_err(|e| KeyringError::from_store(account, e))
    }

    /// The account's refresh token; `Ok(None)` when there is none (never signed in here, or
    /// signed out).
    pub fn load(&self, account: &AccountKey) -> Result<Option<SecretString>, KeyringError> {
        match self.entry(account)?.get_password() {
            Ok(token) => Ok(Some(SecretString::new(token))),
            Err(StoreError::NoEntry) => Ok(None),
            Err(e) => Err(KeyringError::from_store(account, e)),
        }
    }

    /// Removes the account's entry; removing one that is not there is not an error.
    pub fn delete(&self, account: &AccountKey) -> Result<(), KeyringError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(StoreError::NoEntry) => Ok(()),
            Err(e) => Err(KeyringError::from_store(account, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::plain("alice@chat.example.com", "alice@chat.example.com")]
    #[case::folds_case("Alice@Chat.Example.com", "alice@chat.example.com")]
    #[case::keeps_port("bob@127.0.0.1:8080", "bob@127.0.0.1:8080")]
    fn account_keys_normalise(#[case] input: &str, #[case] expected: &str) {
        let key: AccountKey = input.parse().expect("a valid username@host");
        assert_eq!(
            key.to_string(),
            expected,
            "one account must map to one entry"
        );
    }

    #[rstest]
    #[case::no_at("alice")]
    #[case::bad_username("a@host")]
    #[case::no_host("alice@")]
    #[case::url("alice@http://host/x")]
    fn bad_account_keys_are_refused(#[case] input: &str) {
        let err = input.parse::<AccountKey>().expect_err("must be refused");
        assert_eq!(err.code(), "invalid_account");
    }
}
