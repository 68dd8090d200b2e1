//! The one error type commands return: it crosses IPC as `{code, message}`, which the UI's
//! `ipc` module turns into a typed `CommandError`.

use serde::{Serialize, ser::SerializeStruct};

/// What a command rejects with. (The UI's `CommandError` class wraps this body, hence the
/// TypeScript name.)
#[derive(Debug)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "CommandErrorBody"))]
pub struct CommandError {
    #[cfg_attr(test, ts(type = "string"))]
    pub code: &'static str,
    pub message: String,
}

pub type CommandResult<T> = Result<T, CommandError>;

impl CommandError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("CommandError", 2)?;
        s.serialize_field("code", self.code)?;
        s.serialize_field("message", &self.message)?;
        s.end()
    }
}

/// Engine errors, classified by what the person can do about them.
impl From<anyhow::Error> for CommandError {
    fn from(error: anyhow::Error) -> Self {
        use parley_client::{api::ApiError, cache::CacheError, keyring::KeyringError};
        let message = format!("{error:#}");
        use parley_client::attachments::AttachmentError;
        let code = if let Some(attachment) = error.downcast_ref::<AttachmentError>() {
            match attachment {
                AttachmentError::TooLarge { .. } => "too_large",
                AttachmentError::Unknown(_) | AttachmentError::NoThumbnail(_) => "not_found",
                AttachmentError::Mismatch { .. } => "server_error",
            }
        } else if let Some(api) = error.downcast_ref::<ApiError>() {
            match api {
                ApiError::Network(_) => "offline",
                ApiError::SignedOut(_) => "signed_out",
                ApiError::Status { status: 409, .. } => "conflict",
                ApiError::Status { status: 429, .. } => "rate_limited",
                ApiError::Status { status, .. } if *status < 500 => "rejected",
                ApiError::Status { .. } | ApiError::Protocol(_) => "server_error",
            }
        } else if error.downcast_ref::<KeyringError>().is_some() {
            "keyring"
        } else if error.downcast_ref::<CacheError>().is_some() {
            "cache"
        } else if error
            .downcast_ref::<parley_client::protocol::limits::Invalid>()
            .is_some()
        {
            "invalid"
        } else {
            "internal"
        };
        Self { code, message }
    }
}

impl From<parley_client::api::ApiError> for CommandError {
    fn from(error: parley_client::api::ApiError) -> Self {
        anyhow::Error::from(error).into()
    }
}
