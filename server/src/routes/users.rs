//! The caller's profile and the user directory.

use axum::{Router, extract::State, routing::get};
use parley_protocol::{
    UpdateMeRequest, User, UserId, UsersQuery, UsersResponse,
    limits::{self, DISPLAY_NAME_MAX_CHARS, USERS_PAGE_MAX},
};

use crate::{
    AppState,
    error::ApiResult,
    extract::{AuthUser, Json, Path, Query},
    ratelimit::Write,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me).patch(update_me))
        .route("/api/v1/users", get(find))
        .route("/api/v1/users/{id}", get(user))
}

/// GET /api/v1/me
#[utoipa::path(get, path = "/api/v1/me", tag = "users", responses((status = 200, body = User)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn me(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<User>> {
    Ok(Json(state.store.user(&user.user_id).await?))
}

/// PATCH /api/v1/me
///
/// Changes what is given: the display name (1–64 characters, not blank) and whether others
/// may see when you are online (`show_presence`; hiding it also forgets your last seen time).
#[utoipa::path(patch, path = "/api/v1/me", tag = "users", request_body = UpdateMeRequest,
    responses((status = 200, body = User), (status = 400, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn update_me(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<UpdateMeRequest>,
) -> ApiResult<Json<User>> {
    state.limits.check_write(&user.user_id, Write::Other)?;
    if let Some(name) = &req.display_name {
        limits::validate_label("display_name", name, DISPLAY_NAME_MAX_CHARS)?;
    }
    let mut me = state.store.user(&user.user_id).await?;
    if let Some(name) = req.display_name {
        me = state.store.set_display_name(&user.user_id, name).await?;
    }
    if let Some(show) = req.show_presence
        && show != me.show_presence
    {
        me = state.store.set_show_presence(&user.user_id, show).await?;
        state
            .relay
            .presence_shown(&*state.store, &user.user_id)
            .await;
    }
    Ok(Json(me))
}

/// GET /api/v1/users?q=prefix
///
/// Users whose username or display name starts with `q` (case-insensitive; `%` and `_`
/// are literal). At most 50.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(("q" = Option<String>, Query)),
    responses((status = 200, body = UsersResponse)))]
#[tracing::instrument(skip_all, fields(user.id = %_user.user_id))]
pub async fn find(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(query): Query<UsersQuery>,
) -> ApiResult<Json<UsersResponse>> {
    let prefix = query.q.unwrap_or_default();
    if prefix.chars().count() > limits::USERNAME_MAX_CHARS.max(DISPLAY_NAME_MAX_CHARS) {
        return Ok(Json(UsersResponse { users: Vec::new() }));
    }
    Ok(Json(UsersResponse {
        users: state.store.find_users(&prefix, USERS_PAGE_MAX).await?,
    }))
}

/// GET /api/v1/users/{id}
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = User), (status = 404, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %_user.user_id))]
pub async fn user(
    State(state): State<AppState>,
    _user: AuthUser,
    Path(id): Path<UserId>,
) -> ApiResult<Json<User>> {
    Ok(Json(state.store.user(&id).await?))
}
