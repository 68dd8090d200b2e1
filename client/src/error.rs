//! The client's one error type, with a stable [`ErrorCode`] for programs (the desktop UI
//! switches on it; it is exported to TypeScript) and a message for people.
//!
//! Each layer keeps its own precise error (`ApiError`, `CacheError`, `KeyringError`,
//! `AttachmentError`, `Invalid`); [`ClientError`] wraps them, and its [`ErrorCode`] says
//! what the person can do about it. Whether a failure means "signed out" is read from the
//! type, never from the message text.

use parley_protocol::limits::Invalid;
use serde::Serialize;

use crate::{
    api::ApiError, attachments::AttachmentError, cache::CacheError, keyring::KeyringError,
};

/// What kind of failure it was, as the UI and scripts see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ErrorCode {
    /// The server can't be reached: the work waits (the outbox keeps messages).
    Offline,
    /// The session is gone (revoked, expired, signed out elsewhere): sign in again.
    SignedOut,
    /// This account has no sign-in on this device.
    NotSignedIn,
    /// The input was refused before it left the device.
    Invalid,
    /// The server refused it (a 4xx other than those below).
    Rejected,
    Conflict,
    NotFound,
    TooLarge,
    RateLimited,
    /// The system keyring is unavailable, locked or holds something unexpected.
    Keyring,
    /// The local cache can't be opened or written.
    Cache,
    /// A file picked to be sent or saved is not usable as it is.
    UnsafeFile,
    /// The server failed or answered outside the contract.
    ServerError,
    /// A bug or an unexpected local failure.
    Internal,
}

impl ErrorCode {
    /// The snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offline => "offline",
            Self::SignedOut => "signed_out",
            Self::NotSignedIn => "not_signed_in",
            Self::Invalid => "invalid",
            Self::Rejected => "rejected",
            Self::Conflict => "conflict",
            Self::NotFound => "not_found",
            Self::TooLarge => "too_large",
            Self::RateLimited => "rate_limited",
            Self::Keyring => "keyring",
            Self::Cache => "cache",
            Self::UnsafeFile => "unsafe_file",
            Self::ServerError => "server_error",
            Self::Internal => "internal",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    #[error(transparent)]
    Attachment(#[from] AttachmentError),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// `label` (`user@host`) has no refresh token in this device's keyring.
    #[error("{0} is not signed in on this device: run `parley login`")]
    NotSignedIn(String),
    #[error("{0:#}")]
    Other(anyhow::Error),
}

pub type ClientResult<T> = Result<T, ClientError>;

impl ClientError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Api(api) => api_code(api),
            Self::Cache(_) => ErrorCode::Cache,
            Self::Keyring(_) => ErrorCode::Keyring,
            Self::Attachment(a) => match a {
                AttachmentError::TooLarge { .. } => ErrorCode::TooLarge,
                AttachmentError::Unknown(_) | AttachmentError::NoThumbnail(_) => {
                    ErrorCode::NotFound
                }
                AttachmentError::Mismatch { .. } => ErrorCode::ServerError,
            },
            Self::Invalid(_) => ErrorCode::Invalid,
            Self::NotSignedIn(_) => ErrorCode::NotSignedIn,
            Self::Other(_) => ErrorCode::Internal,
        }
    }

    /// The session is gone or was never here: stop and ask the person to sign in.
    pub fn is_signed_out(&self) -> bool {
        matches!(self.code(), ErrorCode::SignedOut | ErrorCode::NotSignedIn)
    }
}

fn api_code(api: &ApiError) -> ErrorCode {
    match api {
        ApiError::Network(_) => ErrorCode::Offline,
        ApiError::SignedOut(_) => ErrorCode::SignedOut,
        ApiError::Status { status, .. } => match status {
            404 => ErrorCode::NotFound,
            409 => ErrorCode::Conflict,
            413 => ErrorCode::TooLarge,
            429 => ErrorCode::RateLimited,
            400..=499 => ErrorCode::Rejected,
            _ => ErrorCode::ServerError,
        },
        ApiError::Protocol(_) => ErrorCode::ServerError,
    }
}

/// Recovers the typed error from an `anyhow` chain (the engine's internals use `anyhow`
/// for context): the first typed cause found wins.
impl From<anyhow::Error> for ClientError {
    fn from(error: anyhow::Error) -> Self {
        let error = match error.downcast::<ClientError>() {
            Ok(typed) => return typed,
            Err(e) => e,
        };
        let error = match error.downcast::<ApiError>() {
            Ok(api) => return Self::Api(api),
            Err(e) => e,
        };
        let error = match error.downcast::<CacheError>() {
            Ok(cache) => return Self::Cache(cache),
            Err(e) => e,
        };
        let error = match error.downcast::<KeyringError>() {
            Ok(keyring) => return Self::Keyring(keyring),
            Err(e) => e,
        };
        let error = match error.downcast::<AttachmentError>() {
            Ok(attachment) => return Self::Attachment(attachment),
            Err(e) => e,
        };
        match error.downcast::<Invalid>() {
            Ok(invalid) => Self::Invalid(invalid),
            Err(e) => Self::classify_chain(e),
        }
    }
}

impl From<std::io::Error> for ClientError {
    fn from(error: std::io::Error) -> Self {
        Self::Other(error.into())
    }
}

impl From<tokio::task::JoinError> for ClientError {
    fn from(error: tokio::task::JoinError) -> Self {
        Self::Other(error.into())
    }
}

impl From<rusqlite::Error> for ClientError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Other(error.into())
    }
}

impl ClientError {
    /// A typed cause deeper in the chain (under `.context(...)`), keeping the whole message.
    fn classify_chain(error: anyhow::Error) -> Self {
        for cause in error.chain() {
            if let Some(api) = cause.downcast_ref::<ApiError>() {
                return Self::Api(api.clone());
            }
            if let Some(ClientError::NotSignedIn(label)) = cause.downcast_ref::<ClientError>() {
                return Self::NotSignedIn(label.clone());
            }
        }
        Self::Other(error)
    }
}

/// The code of any error the engine returned.
pub fn code_of(error: &anyhow::Error) -> ErrorCode {
    for cause in error.chain() {
        if let Some(typed) = cause.downcast_ref::<ClientError>() {
            return typed.code();
        }
        if let Some(api) = cause.downcast_ref::<ApiError>() {
            return api_code(api);
        }
        if cause.downcast_ref::<CacheError>().is_some() {
            return ErrorCode::Cache;
        }
        if cause.downcast_ref::<KeyringError>().is_some() {
            return ErrorCode::Keyring;
        }
        if let Some(a) = cause.downcast_ref::<AttachmentError>() {
            return ClientError::Attachment(clone_attachment(a)).code();
        }
        if cause.downcast_ref::<Invalid>().is_some() {
            return ErrorCode::Invalid;
        }
    }
    ErrorCode::Internal
}

fn clone_attachment(a: &AttachmentError) -> AttachmentError {
    match a {
        AttachmentError::TooLarge { name, size, max } => AttachmentError::TooLarge {
            name: name.clone(),
            size: *size,
            max: *max,
        },
        AttachmentError::Unknown(s) => AttachmentError::Unknown(s.clone()),
        AttachmentError::NoThumbnail(s) => AttachmentError::NoThumbnail(s.clone()),
        AttachmentError::Mismatch { name, detail } => AttachmentError::Mismatch {
            name: name.clone(),
            detail: detail.clone(),
        },
    }
}

/// Whether an engine error means the session is gone (typed, not by message text).
pub fn is_signed_out(error: &anyhow::Error) -> bool {
    matches!(
        code_of(error),
        ErrorCode::SignedOut | ErrorCode::NotSignedIn
    )
}

#[cfg(test)]
mod tests {
    use anyhow::Context;

    use super::*;

    #[test]
    fn codes_come_from_types_not_text() {
        let cases: Vec<(anyhow::Error, ErrorCode)> = vec![
            (ApiError::Network("down".into()).into(), ErrorCode::Offline),
            (
                ApiError::SignedOut("revoked".into()).into(),
                ErrorCode::SignedOut,
            ),
            (
                anyhow::Error::from(ApiError::SignedOut("x".into())).context("sending"),
                ErrorCode::SignedOut,
            ),
            (
                ClientError::NotSignedIn("alice@host".into()).into(),
                ErrorCode::NotSignedIn,
            ),
            (
                Err::<(), _>(ClientError::NotSignedIn("a@h".into()))
                    .context("opening the account")
                    .unwrap_err(),
                ErrorCode::NotSignedIn,
            ),
            (
                Invalid::new("body", "must not be empty").into(),
                ErrorCode::Invalid,
            ),
            (
                ApiError::Status {
                    status: 429,
                    code: "rate_limited".into(),
                    message: "slow down".into(),
                    retry_after: None,
                }
                .into(),
                ErrorCode::RateLimited,
            ),
            (
                ApiError::Status {
                    status: 413,
                    code: "quota_exceeded".into(),
                    message: "full".into(),
                    retry_after: None,
                }
                .into(),
                ErrorCode::TooLarge,
            ),
            // Text that merely mentions signing out is not a signed-out error.
            (
                anyhow::anyhow!("you are not signed in on this device"),
                ErrorCode::Internal,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(code_of(&error), code, "{error:#}");
            assert_eq!(ClientError::from(error).code(), code);
        }
    }
}
