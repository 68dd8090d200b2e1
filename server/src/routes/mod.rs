//! HTTP routes, one module per resource. Each module's `router()` lists its routes.

pub mod attachments;
pub mod auth;
pub mod conversations;
pub mod messages;
pub mod sync;
pub mod system;
pub mod users;
pub mod ws;

use axum::Router;

use crate::{AppState, error::ApiError};

/// Everything under `/api/v1` that answers within the request timeout.
pub fn api(state: AppState) -> Router {
    Router::new()
        .merge(auth::router())
        .merge(users::router())
        .merge(conversations::router())
        .merge(messages::router())
        .merge(sync::router())
        .merge(attachments::read_router())
        .with_state(state)
}

/// Long-lived or large transfers: WebSockets and uploads (no request timeout).
pub fn streaming(state: AppState) -> Router {
    Router::new()
        .merge(ws::router())
        .merge(attachments::upload_router(&state))
        .with_state(state)
}

/// `/healthz`, `/metrics`, `/api/openapi.json`: no token needed.
pub fn system(state: AppState) -> Router {
    system::router().with_state(state)
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}
