//! The REST client: typed calls to a Parley server, with the access token kept in memory and
//! refreshed on 401 and shortly before it expires.
//!
//! Refreshes are serialized behind one lock (the server has no grace window for two racing
//! refreshes: the second would count as reuse and revoke the session). Every rotated refresh
//! token is handed to `on_rotate` — the keyring — *before* the new access token is used, so a
//! crash can never leave the keyring holding a spent token.
//!
//! Bodies are read in chunks with a size cap (no unbounded `Response::bytes`).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use parley_protocol::{
    Attachment, AttachmentId, AuthResponse, Conversation, ConversationId, ConversationsResponse,
    CreateConversationRequest, Cursor, ErrorBody, LoginRequest, Message, MessagesResponse,
    ReadRequest, RefreshRequest, RegisterRequest, SearchResponse, SecretString, SendMessageRequest,
    Session, SyncResponse, User, UsersResponse, percent_encode as encode,
};
use reqwest::{Method, StatusCode, header};
use serde::{Serialize, de::DeserializeOwned};
use tokio::sync::Mutex;

/// Largest response body we read (a sync page of 1000 events fits many times over).
const MAX_BODY: usize = 32 * 1024 * 1024;
/// Largest thumbnail we read (the server makes them at most 320 px on a side).
const MAX_THUMBNAIL: usize = 4 * 1024 * 1024;
/// Uploads and downloads of attachments may take longer than the 60 s of other calls.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Refresh this long before the access token expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Why a call failed, sorted by what the caller should do about it.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ApiError {
    /// The server could not be reached or did not answer: try again later.
    #[error("cannot reach the server: {0}")]
    Network(String),
    /// The session is gone (revoked, expired, or the refresh token was refused): sign in again.
    #[error("signed out: {0}")]
    SignedOut(String),
    /// The server answered with an error.
    #[error("{message} ({status} {code})")]
    Status {
        status: u16,
        code: String,
        message: String,
        /// From `Retry-After`, for 429.
        retry_after: Option<Duration>,
    },
    /// The answer was not what the contract says.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
}

impl ApiError {
    /// Worth retrying later: network trouble, 5xx, 408, 429.
    pub fn is_recoverable(&self) -> bool {
        match self {
            Self::Network(_) => true,
            Self::Status { status, .. } => *status >= 500 || *status == 408 || *status == 429,
            Self::SignedOut(_) | Self::Protocol(_) => false,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Called with each new refresh token, and awaited, before the token is relied on.
pub type OnRotate = Arc<
    dyn Fn(
            SecretString,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send>>
        + Send
        + Sync,
>;

struct Tokens {
    access: Option<(SecretString, Instant)>,
    refresh: SecretString,
}

/// A signed-in connection to one server.
pub struct Api {
    base: String,
    http: reqwest::Client,
    tokens: Mutex<Tokens>,
    on_rotate: OnRotate,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// Installs the TLS crypto provider once per process (ring).
pub fn init_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn http_client() -> ApiResult<reqwest::Client> {
    init_tls();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .user_agent(concat!("parley-client/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ApiError::Network(e.to_string()))
}

/// `https://host[:port]` without a trailing slash; refuses anything that isn't http(s).
pub fn normalize_server(url: &str) -> ApiResult<String> {
    let url = url.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| ApiError::Protocol(format!("bad server URL {url:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ApiError::Protocol(format!(
            "the server URL must be http(s)://host[:port], not {url:?}"
        )));
    }
    Ok(url.to_owned())
}

async fn read_body(response: reqwest::Response) -> ApiResult<Vec<u8>> {
    read_body_capped(response, MAX_BODY).await
}

async fn read_body_capped(response: reqwest::Response, max: usize) -> ApiResult<Vec<u8>> {
    let mut response = response;
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?
    {
        if body.len() + chunk.len() > max {
            return Err(ApiError::Protocol(format!(
                "response larger than {max} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Turns a response into `T`, or into the contract's error.
async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> ApiResult<T> {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = read_body(response).await?;
    if status.is_success() {
        let body = if body.is_empty() {
            b"null".as_slice()
        } else {
            &body
        };
        return serde_json::from_slice(body).map_err(|e| ApiError::Protocol(e.to_string()));
    }
    let (code, message) = match serde_json::from_slice::<ErrorBody>(&body) {
        Ok(e) => (e.error.code, e.error.message),
        Err(_) => (
            "unknown".to_owned(),
            String::from_utf8_lossy(&body).chars().take(200).collect(),
        ),
    };
    Err(ApiError::Status {
        status: status.as_u16(),
        code,
        message,
        retry_after,
    })
}

/// A 401 that survived a refresh means the session is gone.
fn signed_out_on_401(e: ApiError) -> ApiError {
    match e {
        ApiError::Status {
            status: 401,
            message,
            ..
        } => ApiError::SignedOut(message),
        other => other,
    }
}

/// The error an unsuccessful answer carries (its body is small: the contract's error shape).
async fn error_of(response: reqwest::Response) -> ApiError {
    match decode::<serde_json::Value>(response).await {
        Ok(_) => ApiError::Protocol("expected an error".to_owned()),
        Err(e) => signed_out_on_401(e),
    }
}

async fn post_anonymous<B: Serialize, T: DeserializeOwned>(
    server: &str,
    path: &str,
    body: &B,
) -> ApiResult<T> {
    let response = http_client()?
        .post(format!("{server}{path}"))
        .json(body)
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    decode(response).await
}

/// `POST /api/v1/auth/register`
pub async fn register(server: &str, request: &RegisterRequest) -> ApiResult<AuthResponse> {
    post_anonymous(server, "/api/v1/auth/register", request).await
}

/// `POST /api/v1/auth/login`
pub async fn login(server: &str, request: &LoginRequest) -> ApiResult<AuthResponse> {
    post_anonymous(server, "/api/v1/auth/login", request)
        .await
        .map_err(|e| match e {
            ApiError::Status {
                status: 401,
                message,
                ..
            } => ApiError::SignedOut(message),
            other => other,
        })
}

impl Api {
    /// A client for `server` holding `refresh`; the first call obtains an access token.
    pub fn new(server: &str, refresh: SecretString, on_rotate: OnRotate) -> ApiResult<Self> {
        Ok(Self {
            base: normalize_server(server)?,
            http: http_client()?,
            tokens: Mutex::new(Tokens {
                access: None,
                refresh,
            }),
            on_rotate,
        })
    }

    /// A client that starts from a fresh sign-in's session.
    pub fn from_session(server: &str, session: &Session, on_rotate: OnRotate) -> ApiResult<Self> {
        let api = Self::new(server, session.refresh_token.clone(), on_rotate)?;
        let expires = Instant::now() + Duration::from_secs(session.expires_in);
        api.tokens
            .try_lock()
            .map_err(|e| ApiError::Protocol(e.to_string()))?
            .access = Some((session.access_token.clone(), expires));
        Ok(api)
    }

    pub fn server(&self) -> &str {
        &self.base
    }

    /// A valid access token, refreshing first if it is missing, near expiry, or `stale` (the
    /// server just refused it).
    pub async fn access_token(&self, stale: Option<&SecretString>) -> ApiResult<SecretString> {
        let mut tokens = self.tokens.lock().await;
        if let Some((token, expires)) = &tokens.access {
            let refused = stale.is_some_and(|s| s == token);
            if !refused && Instant::now() + REFRESH_MARGIN < *expires {
                return Ok(token.clone());
            }
            if !refused && stale.is_some() {
                // Someone else refreshed while we waited for the lock.
                return Ok(token.clone());
            }
        }
        let request = RefreshRequest {
            refresh_token: tokens.refresh.clone(),
        };
        let response = self
            .http
            .post(format!("{}/api/v1/auth/refresh", self.base))
            .json(&request)
            .send()
            .await
            .map_err(|e| ApiError::Network(e.to_string()))?;
        let session: Session = decode(response).await.map_err(|e| match e {
            ApiError::Status {
                status: 401,
                message,
                ..
            } => ApiError::SignedOut(message),
            other => other,
        })?;
        (self.on_rotate)(session.refresh_token.clone())
            .await
            .map_err(ApiError::Protocol)?;
        tokens.refresh = session.refresh_token;
        let expires = Instant::now() + Duration::from_secs(session.expires_in);
        tokens.access = Some((session.access_token.clone(), expires));
        Ok(session.access_token)
    }

    /// Sends an authenticated request built by `build` (called again for the retry, so a
    /// streamed body can be made afresh); a 401 refreshes the access token and tries once
    /// more. Returns the answer, whatever its status, except a second 401 (signed out).
    async fn send_authed(
        &self,
        build: impl Fn(reqwest::RequestBuilder) -> ApiResult<reqwest::RequestBuilder>,
        method: Method,
        path: &str,
    ) -> ApiResult<reqwest::Response> {
        let mut token = self.access_token(None).await?;
        for attempt in 0..2 {
            let request = self
                .http
                .request(method.clone(), format!("{}{path}", self.base))
                .bearer_auth(token.expose());
            let response = build(request)?
                .send()
                .await
                .map_err(|e| ApiError::Network(e.to_string()))?;
            if response.status() == StatusCode::UNAUTHORIZED && attempt == 0 {
                token = self.access_token(Some(&token)).await?;
                continue;
            }
            return Ok(response);
        }
        Err(ApiError::Protocol(
            "unreachable: retry loop ended".to_owned(),
        ))
    }

    /// One authenticated JSON call.
    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> ApiResult<T> {
        let response = self
            .send_authed(
                |request| {
                    Ok(match body {
                        Some(body) => request.json(body),
                        None => request,
                    })
                },
                method,
                path,
            )
            .await?;
        decode(response).await.map_err(signed_out_on_401)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> ApiResult<T> {
        self.call::<(), T>(Method::GET, path, None).await
    }

    pub async fn me(&self) -> ApiResult<User> {
        self.get("/api/v1/me").await
    }

    /// Changes what is given of the caller's profile (display name, presence shown).
    pub async fn update_me(&self, request: &parley_protocol::UpdateMeRequest) -> ApiResult<User> {
        self.call(Method::PATCH, "/api/v1/me", Some(request)).await
    }

    /// Changes the password; the server signs every other session out.
    pub async fn change_password(
        &self,
        request: &parley_protocol::ChangePasswordRequest,
    ) -> ApiResult<()> {
        self.call(Method::POST, "/api/v1/me/password", Some(request))
            .await
    }

    pub async fn find_users(&self, prefix: &str) -> ApiResult<Vec<User>> {
        let path = format!("/api/v1/users?q={}", encode(prefix));
        Ok(self.get::<UsersResponse>(&path).await?.users)
    }

    pub async fn user(&self, id: &parley_protocol::UserId) -> ApiResult<User> {
        self.get(&format!("/api/v1/users/{}", encode(id.as_str())))
            .await
    }

    /// Every conversation, newest activity first, read a page at a time.
    pub async fn conversations(&self) -> ApiResult<Vec<Conversation>> {
        let mut all = Vec::new();
        let mut path = "/api/v1/conversations?limit=500".to_owned();
        loop {
            let page = self.get::<ConversationsResponse>(&path).await?;
            all.extend(page.conversations);
            match page.next_before {
                Some(before) => {
                    path = format!("/api/v1/conversations?limit=500&before={}", encode(&before));
                }
                None => return Ok(all),
            }
        }
    }

    pub async fn conversation(&self, id: &ConversationId) -> ApiResult<Conversation> {
        self.get(&format!("/api/v1/conversations/{}", encode(id.as_str())))
            .await
    }

    pub async fn create_conversation(
        &self,
        request: &CreateConversationRequest,
    ) -> ApiResult<Conversation> {
        self.call(Method::POST, "/api/v1/conversations", Some(request))
            .await
    }

    /// Renames a group (admins).
    pub async fn rename_conversation(
        &self,
        id: &ConversationId,
        title: &str,
    ) -> ApiResult<Conversation> {
        let path = format!("/api/v1/conversations/{}", encode(id.as_str()));
        let request = parley_protocol::UpdateConversationRequest {
            title: title.to_owned(),
        };
        self.call(Method::PATCH, &path, Some(&request)).await
    }

    /// Adds someone to a group (admins).
    pub async fn add_member(
        &self,
        id: &ConversationId,
        user: &parley_protocol::UserId,
    ) -> ApiResult<Conversation> {
        let path = format!("/api/v1/conversations/{}/members", encode(id.as_str()));
        let request = parley_protocol::AddMemberRequest {
            user_id: user.clone(),
        };
        self.call(Method::POST, &path, Some(&request)).await
    }

    /// Removes a member (admins), or leaves (`user` is the caller).
    pub async fn remove_member(
        &self,
        id: &ConversationId,
        user: &parley_protocol::UserId,
    ) -> ApiResult<()> {
        let path = format!(
            "/api/v1/conversations/{}/members/{}",
            encode(id.as_str()),
            encode(user.as_str())
        );
        self.call::<(), ()>(Method::DELETE, &path, None).await
    }

    /// Makes a member admin or member (admins).
    pub async fn set_role(
        &self,
        id: &ConversationId,
        user: &parley_protocol::UserId,
        role: parley_protocol::Role,
    ) -> ApiResult<Conversation> {
        let path = format!(
            "/api/v1/conversations/{}/members/{}",
            encode(id.as_str()),
            encode(user.as_str())
        );
        let request = parley_protocol::SetRoleRequest { role };
        self.call(Method::PATCH, &path, Some(&request)).await
    }

    /// The caller's own notification settings for a conversation.
    pub async fn set_conversation_settings(
        &self,
        id: &ConversationId,
        settings: &parley_protocol::Settings,
    ) -> ApiResult<Conversation> {
        let path = format!("/api/v1/conversations/{}/settings", encode(id.as_str()));
        self.call(Method::PUT, &path, Some(settings)).await
    }

    /// `after`/`before` are exclusive seqs; neither: the newest page.
    pub async fn messages(
        &self,
        id: &ConversationId,
        after: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> ApiResult<MessagesResponse> {
        let mut path = format!(
            "/api/v1/conversations/{}/messages?limit={limit}",
            encode(id.as_str())
        );
        if let Some(after) = after {
            path.push_str(&format!("&after={after}"));
        }
        if let Some(before) = before {
            path.push_str(&format!("&before={before}"));
        }
        self.get(&path).await
    }

    pub async fn send_message(
        &self,
        id: &ConversationId,
        request: &SendMessageRequest,
    ) -> ApiResult<Message> {
        let path = format!("/api/v1/conversations/{}/messages", encode(id.as_str()));
        self.call(Method::POST, &path, Some(request)).await
    }

    pub async fn edit_message(
        &self,
        id: &ConversationId,
        message: &parley_protocol::MessageId,
        body: &str,
    ) -> ApiResult<Message> {
        let path = format!(
            "/api/v1/conversations/{}/messages/{}",
            encode(id.as_str()),
            encode(message.as_str())
        );
        let request = parley_protocol::EditMessageRequest {
            body: body.to_owned(),
        };
        self.call(Method::PATCH, &path, Some(&request)).await
    }

    pub async fn delete_message(
        &self,
        id: &ConversationId,
        message: &parley_protocol::MessageId,
    ) -> ApiResult<()> {
        let path = format!(
            "/api/v1/conversations/{}/messages/{}",
            encode(id.as_str()),
            encode(message.as_str())
        );
        self.call::<(), ()>(Method::DELETE, &path, None).await
    }

    /// Adds (`on`) or removes a reaction; both are idempotent.
    pub async fn react(
        &self,
        id: &ConversationId,
        message: &parley_protocol::MessageId,
        emoji: &str,
        on: bool,
    ) -> ApiResult<()> {
        let path = format!(
            "/api/v1/conversations/{}/messages/{}/reactions/{}",
            encode(id.as_str()),
            encode(message.as_str()),
            encode(emoji)
        );
        let method = if on { Method::PUT } else { Method::DELETE };
        self.call::<(), ()>(method, &path, None).await
    }

    pub async fn sessions(&self) -> ApiResult<Vec<parley_protocol::SessionInfo>> {
        Ok(self
            .get::<parley_protocol::SessionsResponse>("/api/v1/sessions")
            .await?
            .sessions)
    }

    pub async fn revoke_session(&self, id: &parley_protocol::SessionId) -> ApiResult<()> {
        let path = format!("/api/v1/sessions/{}", encode(id.as_str()));
        self.call::<(), ()>(Method::DELETE, &path, None).await
    }

    pub async fn mark_read(&self, id: &ConversationId, seq: i64) -> ApiResult<()> {
        let path = format!("/api/v1/conversations/{}/read", encode(id.as_str()));
        self.call(Method::POST, &path, Some(&ReadRequest { seq }))
            .await
    }

    pub async fn search(
        &self,
        query: &str,
        conversation: Option<&ConversationId>,
        limit: i64,
    ) -> ApiResult<Vec<Message>> {
        let mut path = format!("/api/v1/search?q={}&limit={limit}", encode(query));
        if let Some(c) = conversation {
            path.push_str(&format!("&conversation_id={}", encode(c.as_str())));
        }
        Ok(self.get::<SearchResponse>(&path).await?.results)
    }

    pub async fn sync(&self, since: Option<&Cursor>, limit: i64) -> ApiResult<SyncResponse> {
        let mut path = format!("/api/v1/sync?limit={limit}");
        if let Some(since) = since {
            path.push_str(&format!("&since={}", encode(since.as_str())));
        }
        self.get(&path).await
    }

    /// Revokes this session on the server.
    pub async fn logout(&self) -> ApiResult<()> {
        self.call::<(), ()>(Method::POST, "/api/v1/auth/logout", None)
            .await
    }

    /// `POST /api/v1/attachments?name=NAME&client_id=ID`: streams the file at `path` (`size`
    /// bytes, as staged) as the raw body; the same `client_id` again returns the same
    /// attachment.
    pub async fn upload_attachment(
        &self,
        path: &std::path::Path,
        size: u64,
        name: &str,
        content_type: &str,
        client_id: uuid::Uuid,
    ) -> ApiResult<Attachment> {
        self.upload_attachment_with_progress(path, size, name, content_type, client_id, |_| {})
            .await
    }

    /// [`Api::upload_attachment`], calling `progress` with the bytes handed to the
    /// connection so far as the body streams (from 0 again if a 401 makes it start over).
    pub async fn upload_attachment_with_progress(
        &self,
        path: &std::path::Path,
        size: u64,
        name: &str,
        content_type: &str,
        client_id: uuid::Uuid,
        progress: impl Fn(u64) + Clone + Send + Sync + 'static,
    ) -> ApiResult<Attachment> {
        let url = format!(
            "/api/v1/attachments?name={}&client_id={client_id}",
            encode(name)
        );
        // Opened per attempt (a 401 retry needs the stream from the start); the file is
        // opened synchronously here because the builder closure is not async.
        let response = self
            .send_authed(
                |request| {
                    let file = std::fs::File::open(path).map_err(|e| {
                        ApiError::Protocol(format!("cannot read {}: {e}", path.display()))
                    })?;
                    use futures_util::StreamExt as _;
                    let progress = progress.clone();
                    let mut sent = 0u64;
                    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file))
                        .inspect(move |chunk| {
                            if let Ok(bytes) = chunk {
                                sent += bytes.len() as u64;
                                progress(sent);
                            }
                        });
                    Ok(request
                        .timeout(TRANSFER_TIMEOUT)
                        .header(header::CONTENT_TYPE, content_type)
                        .header(header::CONTENT_LENGTH, size)
                        .body(reqwest::Body::wrap_stream(stream)))
                },
                Method::POST,
                &url,
            )
            .await?;
        decode(response).await.map_err(signed_out_on_401)
    }

    /// `GET /api/v1/attachments/{id}` streamed into `out`, refusing more than `max` bytes.
    /// Returns the size and the hex SHA-256 of what was written.
    pub async fn download_attachment(
        &self,
        id: &AttachmentId,
        out: &mut tokio::fs::File,
        max: u64,
    ) -> ApiResult<(u64, String)> {
        use sha2::Digest;
        use tokio::io::AsyncWriteExt;
        let path = format!("/api/v1/attachments/{}", encode(id.as_str()));
        let mut response = self
            .send_authed(|r| Ok(r.timeout(TRANSFER_TIMEOUT)), Method::GET, &path)
            .await?;
        if !response.status().is_success() {
            return Err(error_of(response).await);
        }
        let mut hasher = sha2::Sha256::new();
        let mut size: u64 = 0;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| ApiError::Network(e.to_string()))?
        {
            size += chunk.len() as u64;
            if size > max {
                return Err(ApiError::Protocol(format!(
                    "attachment larger than the {max} bytes announced"
                )));
            }
            hasher.update(&chunk);
            out.write_all(&chunk)
                .await
                .map_err(|e| ApiError::Protocol(format!("cannot write the download: {e}")))?;
        }
        Ok((size, hex::encode(hasher.finalize())))
    }

    /// `GET /api/v1/attachments/{id}/thumbnail`: a small image (for image attachments).
    pub async fn attachment_thumbnail(&self, id: &AttachmentId) -> ApiResult<Vec<u8>> {
        let path = format!("/api/v1/attachments/{}/thumbnail", encode(id.as_str()));
        let response = self.send_authed(Ok, Method::GET, &path).await?;
        if !response.status().is_success() {
            return Err(error_of(response).await);
        }
        read_body_capped(response, MAX_THUMBNAIL).await
    }

    /// The WebSocket URL (`ws(s)://…/api/v1/ws`).
    pub fn ws_url(&self) -> String {
        let rest = self
            .base
            .strip_prefix("https://")
            .map(|r| format!("wss://{r}"));
        rest.unwrap_or_else(|| self.base.replacen("http://", "ws://", 1)) + "/api/v1/ws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls() {
        assert_eq!(
            normalize_server("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(normalize_server("ftp://x").is_err());
        assert!(normalize_server("not a url").is_err());
    }

    #[test]
    fn classification() {
        let e = |status| ApiError::Status {
            status,
            code: String::new(),
            message: String::new(),
            retry_after: None,
        };
        assert!(e(503).is_recoverable());
        assert!(e(429).is_recoverable());
        assert!(!e(400).is_recoverable(), "a 400 will fail again: permanent");
        assert!(!e(404).is_recoverable());
        assert!(ApiError::Network("x".to_owned()).is_recoverable());
    }
}
