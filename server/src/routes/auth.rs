//! Registration, login, token refresh, logout and sessions.

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    routing::{delete, get, post},
};
use parley_protocol::{
    AuthResponse, ChangePasswordRequest, LoginRequest, RefreshRequest, RegisterRequest, Session,
    SessionId, SessionInfo, SessionsResponse, User, UserId,
    limits::{self, DEVICE_NAME_MAX_CHARS, DISPLAY_NAME_MAX_CHARS},
};

use crate::{
    AppState,
    auth::{dummy_verify, hash_password, issue_tokens, token_hash, verify_password},
    client_ip::ClientIp,
    clock::{now_ms, time_of},
    error::{ApiError, ApiResult},
    extract::{AuthUser, Json, Path},
    ratelimit::Write,
    store::{NewUser, Refreshed},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/register", post(register))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/refresh", post(refresh))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/sessions", get(sessions))
        .route("/api/v1/sessions/{id}", delete(revoke_session))
        .route("/api/v1/me/password", post(change_password))
}

fn check_device_name(device_name: Option<&str>) -> ApiResult<()> {
    if let Some(name) = device_name {
        limits::validate_label("device_name", name, DEVICE_NAME_MAX_CHARS)?;
    }
    Ok(())
}

/// Creates a session for `user` and answers with it.
async fn start_session(
    state: &AppState,
    user: User,
    device_name: Option<String>,
) -> ApiResult<AuthResponse> {
    let config = &state.config;
    let tokens = issue_tokens(now_ms(), config.access_token_ttl, config.refresh_token_ttl);
    let session_id = state
        .store
        .create_session(&user.id, device_name, tokens.hashes)
        .await?;
    Ok(AuthResponse {
        user,
        session: Session {
            session_id,
            access_token: tokens.access,
            refresh_token: tokens.refresh,
            expires_in: config.access_token_ttl,
        },
    })
}

/// POST /api/v1/auth/register
///
/// Creates the account and signs it in. The username is folded to lower case first, so a
/// later `ALICE` after `alice` is a 409. Rate limited per client IP. A 403 when the operator
/// closed registration (`registration = "off"`): accounts are then made with
/// `parley-server admin create-user`.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = AuthResponse), (status = 400, body = parley_protocol::ErrorBody),
              (status = 403, body = parley_protocol::ErrorBody),
              (status = 409, body = parley_protocol::ErrorBody), (status = 429, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn register(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Json(req): Json<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<AuthResponse>)> {
    state.limits.check_auth(client)?;
    if !state.config.registration.is_on() {
        return Err(ApiError::Forbidden(
            "registration is closed on this server: ask its operator for an account".to_owned(),
        ));
    }
    let username = limits::normalize_username(&req.username)?;
    limits::validate_password(req.password.expose())?;
    let display_name = match req.display_name {
        Some(name) => {
            limits::validate_label("display_name", &name, DISPLAY_NAME_MAX_CHARS)?;
            name
        }
        None => username.clone(),
    };
    check_device_name(req.device_name.as_deref())?;
    if state.store.user_by_username(&username).await?.is_some() {
        return Err(ApiError::Conflict("that username is taken".to_owned()));
    }
    let password_hash = hash_password(req.password).await?;
    let user = state
        .store
        .create_user(NewUser {
            username,
            display_name,
            password_hash,
        })
        .await?;
    tracing::info!(user.id = %user.id, "account created");
    Ok((
        StatusCode::CREATED,
        Json(start_session(&state, user, req.device_name).await?),
    ))
}

/// POST /api/v1/auth/login
///
/// Each login is a new session. Unknown user and wrong password are the same 401 (and take
/// the same time). Rate limited per client address and per target account.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = AuthResponse), (status = 401, body = parley_protocol::ErrorBody),
              (status = 429, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<AuthResponse>> {
    state.limits.check_auth(client)?;
    check_device_name(req.device_name.as_deref())?;
    let wrong = || ApiError::Unauthorized("wrong username or password".to_owned());
    let found = match limits::normalize_username(&req.username) {
        Ok(username) => {
            state.limits.check_login_account(&username)?;
            state.store.user_by_username(&username).await?
        }
        Err(_) => None,
    };
    let Some((user, hash)) = found else {
        dummy_verify(req.password, &state.metrics).await;
        return Err(wrong());
    };
    // Over-long passwords are verified too (and fail): answering early would tell, by
    // timing, which usernames exist.
    if !verify_password(req.password, hash, &state.metrics).await? {
        return Err(wrong());
    }
    Ok(Json(start_session(&state, user, req.device_name).await?))
}

/// POST /api/v1/auth/refresh
///
/// Rotates both tokens, unless the session is older than `session_max_age`. Presenting an already rotated refresh token revokes the session
/// (it leaked) and closes its WebSockets.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = Session), (status = 401, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn refresh(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<Json<Session>> {
    let config = &state.config;
    let tokens = issue_tokens(now_ms(), config.access_token_ttl, config.refresh_token_ttl);
    match state
        .store
        .refresh_session(
            token_hash(req.refresh_token.expose()),
            tokens.hashes,
            now_ms(),
            now_ms() - (config.session_max_age as i64) * 1000,
        )
        .await?
    {
        Refreshed::Rotated(session) => Ok(Json(Session {
            session_id: session.session_id,
            access_token: tokens.access,
            refresh_token: tokens.refresh,
            expires_in: config.access_token_ttl,
        })),
        Refreshed::Reused(session_id) => {
            tracing::warn!(session.id = %session_id, "refresh token reused: session revoked");
            state
                .hub
                .close_session(&session_id, "session revoked: refresh token reused");
            Err(ApiError::Unauthorized(
                "this refresh token was already used; the session is revoked".to_owned(),
            ))
        }
        Refreshed::Invalid => Err(ApiError::Unauthorized(
            "the refresh token is invalid or expired".to_owned(),
        )),
    }
}

/// POST /api/v1/auth/logout
///
/// Revokes the caller's session at once: its access token stops working and its
/// WebSockets close with 4001.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn logout(State(state): State<AppState>, user: AuthUser) -> ApiResult<StatusCode> {
    revoke(&state, &user.user_id, &user.session_id, "signed out").await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn revoke(
    state: &AppState,
    user: &UserId,
    session: &SessionId,
    reason: &str,
) -> ApiResult<()> {
    state.store.revoke_session(user, session).await?;
    state.relay.close_session(session, reason).await;
    Ok(())
}

/// GET /api/v1/sessions
///
/// The caller's live sessions; `current` marks the one making the request.
#[utoipa::path(get, path = "/api/v1/sessions", tag = "auth", responses((status = 200, body = SessionsResponse)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn sessions(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<SessionsResponse>> {
    let rows = state.store.list_sessions(&user.user_id).await?;
    let sessions = rows
        .into_iter()
        .map(|s| SessionInfo {
            current: s.session_id == user.session_id,
            session_id: s.session_id,
            device_name: s.device_name,
            created_at: time_of(s.created_at),
            last_seen_at: time_of(s.last_seen_at),
        })
        .collect();
    Ok(Json(SessionsResponse { sessions }))
}

/// DELETE /api/v1/sessions/{id}
///
/// Revokes one of the caller's sessions (404 for anyone else's).
#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "auth", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn revoke_session(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<SessionId>,
) -> ApiResult<StatusCode> {
    state.limits.check_write(&user.user_id, Write::Other)?;
    revoke(&state, &user.user_id, &id, "session revoked").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// POST /api/v1/me/password
///
/// Changes the caller's password. The current one must be right (403 otherwise; limited like
/// a login, so a stolen session can't guess it). Every other session of the caller is
/// revoked at once and its sockets close with 4001; this one stays signed in.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", request_body = ChangePasswordRequest,
    responses((status = 204), (status = 400, body = parley_protocol::ErrorBody), (status = 403, body = parley_protocol::ErrorBody),
              (status = 429, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn change_password(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    user: AuthUser,
    Json(req): Json<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    state.limits.check_auth(client)?;
    state.limits.check_login_account(user.user_id.as_str())?;
    limits::validate_password(req.new_password.expose())
        .map_err(|e| ApiError::invalid(format!("new_{e}")))?;
    let hash = state.store.password_hash(&user.user_id).await?;
    if !verify_password(req.current_password, hash, &state.metrics).await? {
        return Err(ApiError::Forbidden(
            "the current password is not right".to_owned(),
        ));
    }
    let new_hash = hash_password(req.new_password).await?;
    state
        .store
        .set_password_hash(&user.user_id, new_hash)
        .await?;
    let revoked = state
        .store
        .revoke_other_sessions(&user.user_id, &user.session_id)
        .await?;
    for session in &revoked {
        state.relay.close_session(session, "password changed").await;
    }
    tracing::info!(
        sessions = revoked.len(),
        "password changed; other sessions revoked"
    );
    Ok(StatusCode::NO_CONTENT)
}
