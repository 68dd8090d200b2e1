//! REST set-up: register throwaway users and create the conversations a scenario needs.
//!
//! Every run registers fresh users whose names carry a random run id, so runs against the
//! same data directory never collide. Registration hashes a password with argon2id on the
//! server, which is slow (seconds per user on a debug build), so it runs a few at a time.

use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use futures_util::{StreamExt as _, TryStreamExt as _, stream};
use parley_protocol::{
    AuthResponse, Conversation, ConversationId, ConversationKind, CreateConversationRequest,
    ErrorBody, RegisterRequest, SecretString, UserId,
};
use reqwest::{Method, StatusCode, Url};
use serde::{Serialize, de::DeserializeOwned};

/// Registrations in flight at once.
const REGISTER_CONCURRENCY: usize = 8;
/// Larger response bodies are a server bug as far as the bench is concerned.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// A registered user: what a socket needs to say `hello`.
#[derive(Clone, Debug)]
pub struct BenchUser {
    pub id: UserId,
    pub token: SecretString,
}

/// The server's REST API.
pub struct Api {
    http: reqwest::Client,
    base: Url,
}

impl Api {
    pub fn new(base: Url) -> Result<Self> {
        // reqwest is built with `rustls-no-provider` (for parley-client): install ring first.
        parley_client::api::init_tls();
        let http = reqwest::Client::builder()
            // Only ever talk to the address given: ignore HTTP(S)_PROXY from the environment.
            .no_proxy()
            .connect_timeout(Duration::from_secs(10))
            // argon2id on a debug server is slow; anything longer than this is stuck.
            .timeout(Duration::from_secs(120))
            .build()?;
        Ok(Self { http, base })
    }

    /// `POST /api/v1/auth/register` for `count` users named `{prefix}{i}`.
    pub async fn register_many(&self, prefix: &str, count: usize) -> Result<Vec<BenchUser>> {
        stream::iter(0..count)
            .map(|i| self.register(format!("{prefix}{i}")))
            .buffered(REGISTER_CONCURRENCY)
            .try_collect()
            .await
    }

    async fn register(&self, username: String) -> Result<BenchUser> {
        let body = RegisterRequest {
            username,
            password: SecretString::new("bench-password-not-secret"),
            display_name: None,
            device_name: Some("parley-bench".to_owned()),
        };
        let auth: AuthResponse = self
            .call(Method::POST, "auth/register", None, &body)
            .await?;
        Ok(BenchUser {
            id: auth.user.id,
            token: auth.session.access_token,
        })
    }

    /// `POST /api/v1/conversations {kind: "group", title, member_ids}` as `creator`.
    pub async fn create_group(
        &self,
        creator: &BenchUser,
        title: &str,
        others: &[BenchUser],
    ) -> Result<ConversationId> {
        let body = CreateConversationRequest {
            kind: ConversationKind::Group,
            title: Some(title.to_owned()),
            member_ids: others.iter().map(|u| u.id.clone()).collect(),
        };
        let conversation: Conversation = self
            .call(Method::POST, "conversations", Some(creator), &body)
            .await?;
        Ok(conversation.id)
    }

    /// `POST /api/v1/conversations {kind: "direct", member_ids: [other]}` as `creator`.
    pub async fn create_direct(
        &self,
        creator: &BenchUser,
        other: &BenchUser,
    ) -> Result<ConversationId> {
        let body = CreateConversationRequest {
            kind: ConversationKind::Direct,
            title: None,
            member_ids: vec![other.id.clone()],
        };
        let conversation: Conversation = self
            .call(Method::POST, "conversations", Some(creator), &body)
            .await?;
        Ok(conversation.id)
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        auth: Option<&BenchUser>,
        body: &B,
    ) -> Result<T> {
        let what = format!("{method} /api/v1/{path}");
        let url = self.base.join(&format!("api/v1/{path}"))?;
        let mut request = self.http.request(method, url).json(body);
        if let Some(user) = auth {
            request = request.bearer_auth(user.token.expose());
        }
        let mut response = request
            .send()
            .await
            .with_context(|| format!("{what}: no answer"))?;
        let status = response.status();
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .with_context(|| format!("{what}: body"))?
        {
            if bytes.len() + chunk.len() > MAX_BODY {
                bail!("{what}: response body larger than {MAX_BODY} bytes");
            }
            bytes.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            bail!("{what}: {}", describe_error(status, &bytes));
        }
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{what}: unexpected response body ({status})"))
    }
}

fn describe_error(status: StatusCode, body: &[u8]) -> String {
    let detail = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => format!("{} ({})", e.error.code, e.error.message),
        Err(_) => String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
    };
    let hint = if status == StatusCode::TOO_MANY_REQUESTS {
        " — start the server with PARLEY_RATE_LIMIT=off"
    } else {
        ""
    };
    format!("{status}: {detail}{hint}")
}

/// A fresh prefix for this run's usernames: `b` + 8 hex digits + `-`, then a scenario letter.
/// Usernames must be 3–32 of `a-z 0-9 _ . -`; `b1a2b3c4d-s12345` is well inside that.
pub fn run_prefix() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("b{}-", &id[..8])
}
