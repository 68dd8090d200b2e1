//! Operational endpoints: health, metrics, the OpenAPI document.

use axum::{
    Router,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};

use crate::{AppState, error::ApiError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/openapi.json", get(openapi))
}

/// GET /healthz — each dependency's state: `{"status","store","broker"}`. 200 while the store
/// answers (a broker that is down only delays live delivery: `"status":"degraded"`), 503
/// when it doesn't.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, content_type = "application/json"), (status = 503, content_type = "application/json")))]
pub async fn healthz(State(state): State<AppState>) -> Response {
    let broker = state.relay.broker_state();
    let (code, status, store) = match state.store.ping().await {
        Ok(()) if broker == "down" => (StatusCode::OK, "degraded", "ok"),
        Ok(()) => (StatusCode::OK, "ok", "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: store unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "unreachable",
            )
        }
    };
    let body = serde_json::json!({"status": status, "store": store, "broker": broker});
    (code, axum::Json(body)).into_response()
}

/// GET /metrics — Prometheus text.
#[utoipa::path(get, path = "/metrics", tag = "system", responses((status = 200, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let stored = state.store.message_count().await?;
    state.metrics.messages_stored.set(stored);
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response())
}

/// GET /api/openapi.json — OpenAPI 3.1, generated from the code.
#[utoipa::path(get, path = "/api/openapi.json", tag = "system", responses((status = 200, content_type = "application/json")))]
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi_json(),
    )
        .into_response()
}
