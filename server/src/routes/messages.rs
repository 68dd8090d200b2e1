//! Messages: send (idempotent on `client_id`), history, edit, delete, reactions, search.

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    routing::{get, put},
};
use parley_protocol::{
    ConversationId, EditMessageRequest, Message, MessageId, MessagesQuery, MessagesResponse,
    SearchQuery, SearchResponse, SendMessageRequest, UserId,
    limits::{self, ATTACHMENTS_PER_MESSAGE_MAX, MESSAGES_PAGE_DEFAULT, MESSAGES_PAGE_MAX},
};

use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{AuthUser, Json, Path, Query},
    ratelimit::Write,
    store::{NewMessage, Page},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/conversations/{id}/messages", get(list).post(send))
        .route(
            "/api/v1/conversations/{id}/messages/{message_id}",
            axum::routing::patch(edit).delete(delete),
        )
        .route(
            "/api/v1/conversations/{id}/messages/{message_id}/reactions/{emoji}",
            put(add_reaction).delete(remove_reaction),
        )
        .route("/api/v1/search", get(search))
}

/// Checks a send (body, attachments, the sender's rate limit) and turns it into what the
/// store takes. The one gate for REST and WebSocket sends alike. A message with attachments
/// may have an empty body (PRODUCT.md §2).
pub fn check_send(
    state: &AppState,
    user: &UserId,
    req: SendMessageRequest,
) -> ApiResult<NewMessage> {
    limits::validate_send_body(&req.body, req.attachment_ids.len())?;
    if req.attachment_ids.len() > ATTACHMENTS_PER_MESSAGE_MAX {
        return Err(ApiError::invalid(format!(
            "attachment_ids: at most {ATTACHMENTS_PER_MESSAGE_MAX}"
        )));
    }
    state.limits.check_write(user, Write::Message)?;
    Ok(NewMessage {
        session: None,
        client_id: req.client_id,
        body: req.body,
        reply_to: req.reply_to,
        attachment_ids: req.attachment_ids,
    })
}

/// POST /api/v1/conversations/{id}/messages
///
/// 201 with the new message once it is durably stored; sending the same `client_id` again
/// returns the first message with 200 — never a duplicate, also under concurrent retries.
/// `seq` is gap-free per conversation. 404 for non-members.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "messages", params(("id" = String, Path)),
    request_body = SendMessageRequest,
    responses((status = 201, body = Message), (status = 200, body = Message), (status = 400, body = parley_protocol::ErrorBody),
              (status = 404, body = parley_protocol::ErrorBody), (status = 429, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn send(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<ConversationId>,
    Json(req): Json<SendMessageRequest>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    let new = check_send(&state, &user.user_id, req)?;
    let (message, created) = state.store.send_message(&user.user_id, &id, new).await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(message),
    ))
}

/// GET /api/v1/conversations/{id}/messages?before=SEQ|after=SEQ&limit=N
///
/// Ascending `seq`. Without `before`/`after`: the newest page. `limit` defaults to 50 and is
/// capped at 200; `has_more` says whether more lie in the paging direction.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "messages",
    params(("id" = String, Path), ("before" = Option<i64>, Query), ("after" = Option<i64>, Query), ("limit" = Option<i64>, Query)),
    responses((status = 200, body = MessagesResponse), (status = 400, body = parley_protocol::ErrorBody), (status = 404, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<ConversationId>,
    Query(query): Query<MessagesQuery>,
) -> ApiResult<Json<MessagesResponse>> {
    let limit = limits::page_limit(query.limit, MESSAGES_PAGE_DEFAULT, MESSAGES_PAGE_MAX)?;
    let page = match (query.before, query.after) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid("give either before or after, not both"));
        }
        (Some(before), None) => Page::Before(before),
        (None, Some(after)) => Page::After(after),
        (None, None) => Page::Latest,
    };
    let (messages, has_more) = state
        .store
        .messages(&user.user_id, &id, page, limit)
        .await?;
    Ok(Json(MessagesResponse { messages, has_more }))
}

/// PATCH /api/v1/conversations/{id}/messages/{message_id}
///
/// Sender only (403 otherwise); the search index forgets the old text.
#[utoipa::path(patch, path = "/api/v1/conversations/{id}/messages/{message_id}", tag = "messages",
    params(("id" = String, Path), ("message_id" = String, Path)), request_body = EditMessageRequest,
    responses((status = 200, body = Message), (status = 403, body = parley_protocol::ErrorBody), (status = 404, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn edit(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, message_id)): Path<(ConversationId, MessageId)>,
    Json(req): Json<EditMessageRequest>,
) -> ApiResult<Json<Message>> {
    state.limits.check_write(&user.user_id, Write::Other)?;
    limits::validate_body(&req.body)?;
    Ok(Json(
        state
            .store
            .edit_message(&user.user_id, &id, &message_id, req.body)
            .await?,
    ))
}

/// DELETE /api/v1/conversations/{id}/messages/{message_id}
///
/// The sender or a group admin. Leaves a tombstone: same `id` and `seq`, `deleted: true`,
/// empty body, no reactions or attachments.
#[utoipa::path(delete, path = "/api/v1/conversations/{id}/messages/{message_id}", tag = "messages",
    params(("id" = String, Path), ("message_id" = String, Path)),
    responses((status = 204), (status = 403, body = parley_protocol::ErrorBody), (status = 404, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, message_id)): Path<(ConversationId, MessageId)>,
) -> ApiResult<StatusCode> {
    state.limits.check_write(&user.user_id, Write::Other)?;
    state
        .store
        .delete_message(&user.user_id, &id, &message_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn react(
    state: &AppState,
    user: &AuthUser,
    path: (ConversationId, MessageId, String),
    present: bool,
) -> ApiResult<StatusCode> {
    let (id, message_id, emoji) = path;
    limits::validate_emoji(&emoji)?;
    state.limits.check_write(&user.user_id, Write::Other)?;
    state
        .store
        .set_reaction(&user.user_id, &id, &message_id, emoji, present)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// PUT /api/v1/conversations/{id}/messages/{message_id}/reactions/{emoji}
///
/// Idempotent.
#[utoipa::path(put, path = "/api/v1/conversations/{id}/messages/{message_id}/reactions/{emoji}", tag = "messages",
    params(("id" = String, Path), ("message_id" = String, Path), ("emoji" = String, Path)),
    responses((status = 204), (status = 404, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn add_reaction(
    State(state): State<AppState>,
    user: AuthUser,
    Path(path): Path<(ConversationId, MessageId, String)>,
) -> ApiResult<StatusCode> {
    react(&state, &user, path, true).await
}

/// DELETE /api/v1/conversations/{id}/messages/{message_id}/reactions/{emoji}
///
/// Idempotent.
#[utoipa::path(delete, path = "/api/v1/conversations/{id}/messages/{message_id}/reactions/{emoji}", tag = "messages",
    params(("id" = String, Path), ("message_id" = String, Path), ("emoji" = String, Path)),
    responses((status = 204), (status = 404, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn remove_reaction(
    State(state): State<AppState>,
    user: AuthUser,
    Path(path): Path<(ConversationId, MessageId, String)>,
) -> ApiResult<StatusCode> {
    react(&state, &user, path, false).await
}

/// GET /api/v1/search?q=...&conversation_id=...&limit=N
///
/// Newest first, only in conversations the caller is a member of now; deleted messages
/// never match. Each word of `q` matches as a prefix.
#[utoipa::path(get, path = "/api/v1/search", tag = "messages",
    params(("q" = String, Query), ("conversation_id" = Option<String>, Query), ("limit" = Option<i64>, Query)),
    responses((status = 200, body = SearchResponse), (status = 400, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn search(
    State(state): State<AppState>,
    user: AuthUser,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<SearchResponse>> {
    let limit = limits::page_limit(
        query.limit,
        limits::SEARCH_PAGE_DEFAULT,
        limits::SEARCH_PAGE_MAX,
    )?;
    if query.q.chars().count() > limits::SEARCH_QUERY_MAX_CHARS {
        return Err(ApiError::invalid(format!(
            "q: at most {} characters",
            limits::SEARCH_QUERY_MAX_CHARS
        )));
    }
    let results = state
        .store
        .search(
            &user.user_id,
            &query.q,
            query.conversation_id.as_ref(),
            limit,
        )
        .await?;
    Ok(Json(SearchResponse { results }))
}
