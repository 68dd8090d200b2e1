//! `GET /api/v1/sync`: the event log, paged by cursor.

use axum::{
    Router,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};
use parley_protocol::{Cursor, SyncQuery, SyncResponse, limits};

use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{AuthUser, Query},
    store::cursor,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/sync", get(sync))
}

/// Parses a cursor the server handed out; anything else is a 400.
pub fn parse_cursor(text: &Cursor) -> ApiResult<i64> {
    cursor::decode(text).ok_or_else(|| ApiError::BadRequest {
        code: "invalid_cursor",
        message: "not a cursor this server issued".to_owned(),
    })
}

/// GET /api/v1/sync?since=CURSOR&limit=N
///
/// Every event the caller may see after `since` (absent: from the beginning), in order,
/// none missing, none repeated. `next_cursor` is the last event's cursor, or `since`
/// when nothing is new. `limit` defaults to 500, capped at 1000.
#[utoipa::path(get, path = "/api/v1/sync", tag = "sync", params(("since" = Option<String>, Query), ("limit" = Option<i64>, Query)),
    responses((status = 200, body = SyncResponse), (status = 400, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn sync(
    State(state): State<AppState>,
    user: AuthUser,
    Query(query): Query<SyncQuery>,
) -> ApiResult<Response> {
    let limit = limits::page_limit(
        query.limit,
        limits::SYNC_PAGE_DEFAULT,
        limits::SYNC_PAGE_MAX,
    )?;
    let since = query
        .since
        .as_ref()
        .map(parse_cursor)
        .transpose()?
        .unwrap_or(0);
    let (events, has_more) = state
        .store
        .events_since(&user.user_id, since, limit)
        .await?;
    let next_cursor = match (events.last(), &query.since) {
        (Some(last), _) => cursor::encode(last.id),
        (None, Some(since)) => since.clone(),
        (None, None) => cursor::encode(0),
    };
    // The events are stored serialized; splice them in rather than parse and re-serialize.
    let mut body =
        String::with_capacity(events.iter().map(|e| e.json.len() + 1).sum::<usize>() + 64);
    body.push_str("{\"events\":[");
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&event.json);
    }
    body.push_str("],\"next_cursor\":");
    body.push_str(
        &serde_json::to_string(&next_cursor).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    body.push_str(",\"has_more\":");
    body.push_str(if has_more { "true" } else { "false" });
    body.push('}');
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
