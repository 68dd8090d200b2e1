//! The server's one error type and its one conversion into an HTTP response.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use parley_protocol::{ErrorBody, ErrorDetail, limits::Invalid};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with a stable code such as `invalid_input`.
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// 409 with a code of its own, such as `too_many_reactions`.
    #[error("{message}")]
    ConflictCode { code: &'static str, message: String },
    #[error("{0}")]
    TooLarge(String),
    /// 413 with a code of its own, such as `quota_exceeded`.
    #[error("{message}")]
    TooLargeCode { code: &'static str, message: String },
    /// 408: the request stopped sending (a stalled upload).
    #[error("{0}")]
    RequestTimeout(String),
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    /// A bug or an outage: logged with detail, answered without it.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::BadRequest {
            code: "invalid_input",
            message: message.into(),
        }
    }

    pub fn unauthorized() -> Self {
        Self::Unauthorized(
            "sign in first: the access token is missing, expired or revoked".to_owned(),
        )
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) | Self::ConflictCode { .. } => StatusCode::CONFLICT,
            Self::TooLarge(_) | Self::TooLargeCode { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The contract's `{code, message}`; 5xx never carry internal detail.
    pub fn detail(&self) -> ErrorDetail {
        let (code, message) = match self {
            Self::BadRequest { code, message } => (*code, message.clone()),
            Self::Unauthorized(m) => ("unauthorized", m.clone()),
            Self::Forbidden(m) => ("forbidden", m.clone()),
            Self::NotFound => ("not_found", "not found".to_owned()),
            Self::Conflict(m) => ("conflict", m.clone()),
            Self::ConflictCode { code, message } | Self::TooLargeCode { code, message } => {
                (*code, message.clone())
            }
            Self::TooLarge(m) => ("too_large", m.clone()),
            Self::RequestTimeout(m) => ("request_timeout", m.clone()),
            Self::RateLimited { retry_after_secs } => (
                "rate_limited",
                format!("too many requests; retry in {retry_after_secs} s"),
            ),
            Self::Internal(_) => ("internal", "something went wrong on the server".to_owned()),
        };
        ErrorDetail {
            code: code.to_owned(),
            message,
        }
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        Self::invalid(e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict(m) => Self::Conflict(m),
            StoreError::Forbidden(m) => Self::Forbidden(m),
            StoreError::Invalid(m) => Self::invalid(m),
            StoreError::Limit { code, message } => Self::ConflictCode { code, message },
            StoreError::QuotaExceeded(message) => Self::TooLargeCode {
                code: "quota_exceeded",
                message,
            },
            StoreError::SessionRevoked => {
                Self::Unauthorized("this session was revoked; sign in again".to_owned())
            }
            StoreError::Other(m) => Self::Internal(m),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::debug!(status = status.as_u16(), error = %self, "request refused");
        }
        let mut response = (
            status,
            Json(ErrorBody {
                error: self.detail(),
            }),
        )
            .into_response();
        if let Self::RateLimited { retry_after_secs } = self {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs.max(1)),
            );
        }
        response
    }
}
