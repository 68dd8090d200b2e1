//! Our own extractors: every rejection speaks the contract's error shape, and
//! [`AuthUser`] puts authorization in the handler's signature.

use axum::{
    extract::{FromRequest, FromRequestParts, Request, rejection::BytesRejection},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use parley_protocol::{SessionId, UserId};
use serde::{Serialize, de::DeserializeOwned};

use crate::{AppState, auth::token_hash, clock::now_ms, error::ApiError};

/// JSON body (request) or JSON response. Malformed or mistyped JSON is a 400, a body
/// over `max_request_bytes` a 413 — both in our error shape. The content type is not
/// checked: bearer-token auth leaves no CSRF angle, and clients need not remember it.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(body_rejection)?;
        let value = serde_json::from_slice(&bytes).map_err(|e| ApiError::BadRequest {
            code: "invalid_json",
            message: format!("the request body is not valid JSON for this endpoint: {e}"),
        })?;
        Ok(Self(value))
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

pub fn body_rejection(e: BytesRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge("the request body is too large".to_owned())
    } else {
        ApiError::invalid(format!("could not read the request body: {e}"))
    }
}

/// Query string; a value of the wrong type (`limit=abc`) is a 400.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e| ApiError::BadRequest {
                code: "invalid_query",
                message: e.body_text(),
            })
    }
}

/// Path parameters.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|e| ApiError::BadRequest {
                code: "invalid_path",
                message: e.body_text(),
            })
    }
}

/// The signed-in caller, from `Authorization: Bearer <access_token>`. A handler that takes
/// an `AuthUser` cannot run for an anonymous, expired or revoked caller.
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub user_id: UserId,
    pub session_id: SessionId,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        let session = state
            .store
            .session_by_access(token_hash(token), now_ms())
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        tracing::Span::current().record("user.id", session.user_id.as_str());
        Ok(Self {
            user_id: session.user_id,
            session_id: session.session_id,
        })
    }
}
