//! The rig every test stands on: a real `parley_server::serve` on an ephemeral port with its
//! own temporary data dir, and real HTTP (reqwest) and WebSocket (tokio-tungstenite) clients.
//!
//! The listener is bound *before* `serve` is spawned, so connections queue on the socket and no
//! test ever sleeps waiting for readiness. Dropping a [`TestServer`] signals shutdown and
//! removes the data dir (database, `-wal`, `-shm` and attachments).

use std::{net::SocketAddr, time::Duration};

use parley_server::{Config, Toggle};
use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

pub use crate::client::{Req, Resp, assert_error_shape};
pub use crate::ws_client::Ws;

/// How long any single wait on the server may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);
/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestServer {
    pub addr: SocketAddr,
    http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    /// Removed (database, `-wal`, `-shm`, attachments) when the server is dropped.
    _data: TempDir,
    /// With `PARLEY_TEST_BACKEND=postgres`: the server's own PostgreSQL database.
    _database: Option<crate::pg::TestDatabase>,
}

impl TestServer {
    /// A server with default settings and rate limits off.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A server whose config `tweak` may adjust (rate limits start off).
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let data = tempfile::tempdir().expect("create a temp data dir");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("listener has an address");
        let mut config = Config {
            listen: addr,
            data_dir: data.path().to_owned(),
            rate_limit: Toggle::Off,
            ..Config::default()
        };
        // The whole suite can run on PostgreSQL too: PARLEY_TEST_BACKEND=postgres (with
        // PARLEY_TEST_POSTGRES_URL) gives every server a fresh database of its own.
        let database = (std::env::var("PARLEY_TEST_BACKEND").as_deref() == Ok("postgres"))
            .then(crate::pg::TestDatabase::create)
            .flatten();
        if let Some(db) = &database {
            config.database_url = parley_server::config::DatabaseUrl(db.url.clone());
        }
        tweak(&mut config);
        let (tx, rx) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = rx.await;
        };
        let task = tokio::spawn(Box::pin(parley_server::serve(config, listener, shutdown)));
        Self {
            addr,
            http: http_client(),
            shutdown: Some(tx),
            task: Some(task),
            _data: data,
            _database: database,
        }
    }

    /// A client-side handle on a server (or a load balancer) already listening at `addr`,
    /// for the same helpers; it stops nothing when dropped.
    pub fn at(addr: SocketAddr) -> Self {
        Self {
            addr,
            http: http_client(),
            shutdown: None,
            task: None,
            _data: tempfile::tempdir().expect("a temp dir"),
            _database: None,
        }
    }

    /// The HTTP client, for requests that may fail at the connection.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Signals shutdown and waits for `serve` to return; it must return `Ok`.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let task = self.task.take().expect("server task present");
        let result = tokio::time::timeout(WAIT, task)
            .await
            .expect("serve returns promptly after the shutdown signal");
        result
            .expect("serve task did not panic")
            .expect("serve returns Ok on graceful shutdown");
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") {
            path.to_owned()
        } else {
            format!("http://{}{path}", self.addr)
        }
    }

    /// `path` with `pairs` percent-encoded as its query string.
    pub fn url_q(&self, path: &str, pairs: &[(&str, &str)]) -> String {
        let mut url = Url::parse(&self.url(path)).expect("valid url");
        url.query_pairs_mut().extend_pairs(pairs);
        url.to_string()
    }

    pub fn req(&self, method: Method, path: &str) -> Req {
        Req(self.http.request(method, self.url(path)))
    }
    pub fn get(&self, path: &str) -> Req {
        self.req(Method::GET, path)
    }
    pub fn post(&self, path: &str) -> Req {
        self.req(Method::POST, path)
    }
    pub fn patch(&self, path: &str) -> Req {
        self.req(Method::PATCH, path)
    }
    pub fn put(&self, path: &str) -> Req {
        self.req(Method::PUT, path)
    }
    pub fn delete(&self, path: &str) -> Req {
        self.req(Method::DELETE, path)
    }

    /// Registers `username` (display name = username) and returns its first session.
    pub async fn register(&self, username: &str) -> TestUser {
        let body = json!({"username": username, "password": PASSWORD, "device_name": "test rig"});
        let auth = self.post("/api/v1/auth/register").json(&body).send().await;
        TestUser::from_auth(&auth.expect(201, "registering a fresh user"), PASSWORD)
    }

    /// A new session for an existing user.
    pub async fn login(&self, username: &str, password: &str) -> TestUser {
        let body = json!({"username": username, "password": password, "device_name": "second"});
        let auth = self.post("/api/v1/auth/login").json(&body).send().await;
        TestUser::from_auth(
            &auth.expect(200, "logging in with the right password"),
            password,
        )
    }

    /// Opens (or finds) the direct conversation of `a` and `b`; returns its id.
    pub async fn direct(&self, a: &TestUser, b: &TestUser) -> String {
        let body = json!({"kind": "direct", "member_ids": [b.id]});
        let resp = self
            .post("/api/v1/conversations")
            .auth(a)
            .json(&body)
            .send()
            .await;
        assert!(
            resp.status == StatusCode::CREATED || resp.status == StatusCode::OK,
            "opening a direct conversation: got {} {}",
            resp.status,
            resp.text()
        );
        id_of(&resp.json())
    }

    /// Creates a group with `admin` as creator and `members` as members; returns its id.
    pub async fn group(&self, admin: &TestUser, title: &str, members: &[&TestUser]) -> String {
        let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
        let body = json!({"kind": "group", "title": title, "member_ids": ids});
        let resp = self
            .post("/api/v1/conversations")
            .auth(admin)
            .json(&body)
            .send()
            .await;
        id_of(&resp.expect(201, "creating a group"))
    }

    /// Sends `body` with a fresh client_id; returns the stored message.
    pub async fn send(&self, user: &TestUser, conversation: &str, body: &str) -> Value {
        let req = json!({"client_id": new_client_id(), "body": body});
        let path = format!("/api/v1/conversations/{conversation}/messages");
        self.post(&path)
            .auth(user)
            .json(&req)
            .send()
            .await
            .expect(201, "sending a message")
    }

    /// `GET .../messages?{query}` as `user`: the messages array.
    pub async fn messages(&self, user: &TestUser, conversation: &str, query: &str) -> Vec<Value> {
        let path = format!("/api/v1/conversations/{conversation}/messages?{query}");
        let page = self
            .get(&path)
            .auth(user)
            .send()
            .await
            .expect(200, "listing messages");
        page["messages"]
            .as_array()
            .expect("messages is an array")
            .clone()
    }

    /// `GET /conversations/{id}` as `user`.
    pub async fn conversation(&self, user: &TestUser, conversation: &str) -> Value {
        let path = format!("/api/v1/conversations/{conversation}");
        self.get(&path)
            .auth(user)
            .send()
            .await
            .expect(200, "a member reads the conversation")
    }

    /// Pages `/sync` from `since` to the end with `limit`; returns all events and the last cursor.
    pub async fn sync_all(
        &self,
        user: &TestUser,
        since: Option<&str>,
        limit: u32,
    ) -> (Vec<Value>, String) {
        let mut events = Vec::new();
        let mut since = since.map(str::to_owned);
        for _ in 0..10_000 {
            let limit = limit.to_string();
            let mut pairs = vec![("limit", limit.as_str())];
            if let Some(s) = &since {
                pairs.push(("since", s));
            }
            let page = self
                .get(&self.url_q("/api/v1/sync", &pairs))
                .auth(user)
                .send()
                .await;
            let page = page.expect(200, "paging /sync");
            let batch = page["events"]
                .as_array()
                .expect("events is an array")
                .clone();
            let next = page["next_cursor"]
                .as_str()
                .expect("next_cursor is always a string");
            since = Some(next.to_owned());
            let more = page["has_more"].as_bool().expect("has_more is a bool");
            assert!(
                !more || !batch.is_empty(),
                "has_more=true with an empty page would loop forever"
            );
            events.extend(batch);
            if !more {
                return (events, since.unwrap_or_default());
            }
        }
        panic!("/sync never reported has_more=false");
    }

    /// The server's data dir (database, attachments, temp files).
    pub fn data_dir(&self) -> &std::path::Path {
        self._data.path()
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/api/v1/ws", self.addr)
    }

    /// A WebSocket that has not said hello yet.
    pub async fn ws_raw(&self) -> Ws {
        let (stream, _) =
            tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(self.ws_url()))
                .await
                .expect("WebSocket upgrade answered in time")
                .expect("GET /api/v1/ws upgrades to a WebSocket");
        Ws {
            stream,
            ready: Value::Null,
        }
    }

    /// A WebSocket after `hello` and `ready`.
    pub async fn ws(&self, user: &TestUser, since: Option<&str>) -> Ws {
        let mut ws = self.ws_raw().await;
        ws.send(json!({"type": "hello", "access_token": user.access_token, "since": since}))
            .await;
        let ready = ws.next().await;
        assert_eq!(
            ready["type"], "ready",
            "the first server frame after hello is ready: {ready}"
        );
        ws.ready = ready;
        ws
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// False (with a note) when the suite runs on PostgreSQL (`PARLEY_TEST_BACKEND=postgres`):
/// for tests of what only the SQLite backend has (its files, `backup`, a source for
/// `migrate`, operator commands pointed at a data dir).
pub fn sqlite_backend(test: &str) -> bool {
    let sqlite = std::env::var("PARLEY_TEST_BACKEND").as_deref() != Ok("postgres");
    if !sqlite {
        eprintln!("skipped on PostgreSQL: {test} is about the SQLite backend");
    }
    sqlite
}

pub fn http_client() -> reqwest::Client {
    // Cargo unifies features across the workspace: `parley-client` builds reqwest with
    // `rustls-no-provider`, so every reqwest client in a workspace build needs a provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("build an HTTP client")
}

pub fn new_client_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `value["id"]` as a string.
#[track_caller]
pub fn id_of(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an `id` string in {value}"))
        .to_owned()
}

/// `events[i]["type"]`, for readable assertions.
pub fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("<no type>").to_owned())
        .collect()
}

/// A signed-in test user: one session.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: String,
    pub username: String,
    pub password: String,
    pub session_id: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl TestUser {
    #[track_caller]
    pub fn from_auth(auth: &Value, password: &str) -> Self {
        let s = |v: &Value| {
            v.as_str()
                .unwrap_or_else(|| panic!("string expected in {auth}"))
                .to_owned()
        };
        Self {
            id: s(&auth["user"]["id"]),
            username: s(&auth["user"]["username"]),
            password: password.to_owned(),
            session_id: s(&auth["session"]["session_id"]),
            access_token: s(&auth["session"]["access_token"]),
            refresh_token: s(&auth["session"]["refresh_token"]),
        }
    }
}
