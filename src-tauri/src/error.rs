//! The one error type commands return: it crosses IPC as `{code, message}`, which the UI's
//! `ipc` module turns into a typed `CommandError`.

use parley_client::{ClientError, ErrorCode, api::ApiError};
use serde::Serialize;

/// What a command rejects with: a stable [`ErrorCode`] the UI switches on, and a message for
/// people. (The UI's `CommandError` class wraps this body, hence the TypeScript name.)
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "CommandErrorBody"))]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

pub type CommandResult<T> = Result<T, CommandError>;

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Engine errors: the code comes from the client's typed error, never from its text.
impl From<ClientError> for CommandError {
    fn from(error: ClientError) -> Self {
        Self {
            code: error.code(),
            message: error.to_string(),
        }
    }
}

impl From<anyhow::Error> for CommandError {
    fn from(error: anyhow::Error) -> Self {
        Self {
            code: parley_client::error::code_of(&error),
            message: format!("{error:#}"),
        }
    }
}

impl From<ApiError> for CommandError {
    fn from(error: ApiError) -> Self {
        ClientError::from(error).into()
    }
}
