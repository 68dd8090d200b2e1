//! Conversations, their members, and read markers.

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    routing::{delete, get, post, put},
};
use parley_protocol::{
    AddMemberRequest, Conversation, ConversationId, ConversationKind, ConversationsQuery,
    ConversationsResponse, CreateConversationRequest, ReadRequest, SetRoleRequest, Settings,
    UpdateConversationRequest, UserId,
    limits::{self, TITLE_MAX_CHARS},
};

use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{AuthUser, Json, Path, Query},
    ratelimit::Write,
    store::ListCursor,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/conversations", get(list).post(create))
        .route("/api/v1/conversations/{id}", get(show).patch(update))
        .route("/api/v1/conversations/{id}/members", post(add_member))
        .route(
            "/api/v1/conversations/{id}/members/{user_id}",
            delete(remove_member).patch(set_role),
        )
        .route("/api/v1/conversations/{id}/read", post(mark_read))
        .route("/api/v1/conversations/{id}/settings", put(set_settings))
}

/// POST /api/v1/conversations
///
/// `direct`: exactly one other member, no title; idempotent — 200 with the existing
/// conversation when the pair already has one. `group`: a title; the creator is admin.
/// Unknown member ids are a 400.
#[utoipa::path(post, path = "/api/v1/conversations", tag = "conversations", request_body = CreateConversationRequest,
    responses((status = 201, body = Conversation), (status = 200, body = Conversation), (status = 400, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<CreateConversationRequest>,
) -> ApiResult<(StatusCode, Json<Conversation>)> {
    state
        .limits
        .check_write(&user.user_id, Write::Conversation)?;
    let title = match req.kind {
        ConversationKind::Direct => {
            if req.title.is_some() {
                return Err(ApiError::invalid(
                    "title: direct conversations have no title",
                ));
            }
            None
        }
        ConversationKind::Group => {
            let title = req
                .title
                .ok_or_else(|| ApiError::invalid("title: a group needs a title"))?;
            limits::validate_label("title", &title, TITLE_MAX_CHARS)?;
            Some(title)
        }
    };
    if req.member_ids.len() > limits::GROUP_MEMBERS_MAX {
        return Err(ApiError::invalid(format!(
            "member_ids: at most {} members",
            limits::GROUP_MEMBERS_MAX
        )));
    }
    let (conversation, created) = state
        .store
        .create_conversation(&user.user_id, req.kind, title, req.member_ids)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    if created {
        introduce(&state, &conversation);
    }
    Ok((status, Json(conversation)))
}

/// People who now share a conversation learn each other's presence at once (not only at
/// their next connect), in the background.
fn introduce(state: &AppState, conversation: &Conversation) {
    let (relay, store) = (state.relay.clone(), state.store.clone());
    let members: Vec<UserId> = conversation
        .members
        .iter()
        .map(|m| m.user_id.clone())
        .collect();
    tokio::spawn(async move {
        for member in &members {
            relay.introduce(&*store, member).await;
        }
    });
}

/// GET /api/v1/conversations?limit=N&before=CURSOR
///
/// The caller's conversations, newest activity first, each with the caller's
/// `unread_count` and `last_read_seq`; `limit` defaults to 100 and is capped at 500, and
/// `next_before` (null on the last page) is the `before` of the next page.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations",
    params(("limit" = Option<i64>, Query), ("before" = Option<String>, Query)),
    responses((status = 200, body = ConversationsResponse), (status = 400, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    Query(query): Query<ConversationsQuery>,
) -> ApiResult<Json<ConversationsResponse>> {
    let limit = limits::page_limit(
        query.limit,
        limits::CONVERSATIONS_PAGE_DEFAULT,
        limits::CONVERSATIONS_PAGE_MAX,
    )?;
    let before = match query.before.as_deref() {
        Some(text) => Some(
            ListCursor::decode(text).ok_or_else(|| ApiError::BadRequest {
                code: "invalid_cursor",
                message: "before is not a cursor this server issued".to_owned(),
            })?,
        ),
        None => None,
    };
    let (conversations, next) = state
        .store
        .conversations(&user.user_id, before, limit)
        .await?;
    Ok(Json(ConversationsResponse {
        conversations,
        next_before: next.map(|n| n.encode()),
    }))
}

/// GET /api/v1/conversations/{id}
///
/// 404 for non-members (existence is never leaked).
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations", params(("id" = String, Path)),
    responses((status = 200, body = Conversation), (status = 404, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn show(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<ConversationId>,
) -> ApiResult<Json<Conversation>> {
    Ok(Json(state.store.conversation(&user.user_id, &id).await?))
}

/// PATCH /api/v1/conversations/{id}
///
/// Renames a group; admins only (403 for members, 404 for non-members, 400 for direct).
#[utoipa::path(patch, path = "/api/v1/conversations/{id}", tag = "conversations", params(("id" = String, Path)),
    request_body = UpdateConversationRequest,
    responses((status = 200, body = Conversation), (status = 403, body = parley_protocol::ErrorBody), (status = 404, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn update(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<ConversationId>,
    Json(req): Json<UpdateConversationRequest>,
) -> ApiResult<Json<Conversation>> {
    state.limits.check_write(&user.user_id, Write::Other)?;
    limits::validate_label("title", &req.title, TITLE_MAX_CHARS)?;
    Ok(Json(
        state.store.set_title(&user.user_id, &id, req.title).await?,
    ))
}

/// POST /api/v1/conversations/{id}/members
///
/// Adds a member to a group; admins only. Adding an existing member changes nothing.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/members", tag = "conversations", params(("id" = String, Path)),
    request_body = AddMemberRequest,
    responses((status = 200, body = Conversation), (status = 400, body = parley_protocol::ErrorBody), (status = 403, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn add_member(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<ConversationId>,
    Json(req): Json<AddMemberRequest>,
) -> ApiResult<Json<Conversation>> {
    state
        .limits
        .check_write(&user.user_id, Write::Conversation)?;
    let conversation = state
        .store
        .add_member(&user.user_id, &id, &req.user_id)
        .await?;
    introduce(&state, &conversation);
    Ok(Json(conversation))
}

/// DELETE /api/v1/conversations/{id}/members/{user_id}
///
/// Removes a member (admins), or leaves (anyone, for themselves). Direct conversations
/// have fixed members (400). If the last admin leaves, the longest-standing member becomes admin.
#[utoipa::path(delete, path = "/api/v1/conversations/{id}/members/{user_id}", tag = "conversations",
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 204), (status = 403, body = parley_protocol::ErrorBody), (status = 404, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn remove_member(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, member)): Path<(ConversationId, UserId)>,
) -> ApiResult<StatusCode> {
    state.limits.check_write(&user.user_id, Write::Other)?;
    state
        .store
        .remove_member(&user.user_id, &id, &member)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// PATCH /api/v1/conversations/{id}/members/{user_id}
///
/// Makes a member `admin` or `member`; admins of groups only. Demoting the last admin is a 409.
#[utoipa::path(patch, path = "/api/v1/conversations/{id}/members/{user_id}", tag = "conversations",
    params(("id" = String, Path), ("user_id" = String, Path)), request_body = SetRoleRequest,
    responses((status = 200, body = Conversation), (status = 400, body = parley_protocol::ErrorBody),
        (status = 403, body = parley_protocol::ErrorBody), (status = 404, body = parley_protocol::ErrorBody),
        (status = 409, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn set_role(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, member)): Path<(ConversationId, UserId)>,
    Json(req): Json<SetRoleRequest>,
) -> ApiResult<Json<Conversation>> {
    state
        .limits
        .check_write(&user.user_id, Write::Conversation)?;
    Ok(Json(
        state
            .store
            .set_role(&user.user_id, &id, &member, req.role)
            .await?,
    ))
}

/// POST /api/v1/conversations/{id}/read
///
/// Moves the caller's read marker to `seq` (capped at the newest message); it never moves
/// backwards.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/read", tag = "conversations", params(("id" = String, Path)),
    request_body = ReadRequest, responses((status = 204), (status = 404, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn mark_read(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<ConversationId>,
    Json(req): Json<ReadRequest>,
) -> ApiResult<StatusCode> {
    state.limits.check_write(&user.user_id, Write::Other)?;
    state.store.mark_read(&user.user_id, &id, req.seq).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// PUT /api/v1/conversations/{id}/settings
///
/// The caller's own notification settings: `notify` (`all`, `mentions`, `none`) and
/// `muted_until` (null: not muted). Their other devices get a `settings.updated` event; no
/// one else does.
#[utoipa::path(put, path = "/api/v1/conversations/{id}/settings", tag = "conversations", params(("id" = String, Path)),
    request_body = Settings, responses((status = 200, body = Conversation), (status = 400, body = parley_protocol::ErrorBody),
        (status = 404, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn set_settings(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<ConversationId>,
    Json(settings): Json<Settings>,
) -> ApiResult<Json<Conversation>> {
    state.limits.check_write(&user.user_id, Write::Other)?;
    Ok(Json(
        state
            .store
            .set_settings(&user.user_id, &id, settings)
            .await?,
    ))
}
