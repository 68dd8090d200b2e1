//! The rig every test stands on: a real `parley_server::serve` on an ephemeral port with its
//! own temporary data dir, and real HTTP (reqwest) and WebSocket (tokio-tungstenite) clients.
//!
//! The listener is bound *before* `serve` is spawned, so connections queue on the socket and no
//! test ever sleeps waiting for readiness. Dropping a [`TestServer`] signals shutdown and
//! removes the data dir (database, `-wal`, `-shm` and attachments).

use std::{net::SocketAddr, time::Duration};

use futures_util::{SinkExt, StreamExt};
use parley_server::{Config, Toggle};
use reqwest::{Method, StatusCode, Url, header::HeaderMap};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message as WsMessage, protocol::CloseFrame},
};

/// How long any single wait on the server may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);
/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery staple";
/// Largest response body a test reads (attachments in tests are far smaller).
const MAX_READ: usize = 32 * 1024 * 1024;

pub struct TestServer {
    pub addr: SocketAddr,
    http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    /// Removed (database, `-wal`, `-shm`, attachments) when the server is dropped.
    _data: TempDir,
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
        }
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

pub fn http_client() -> reqwest::Client {
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

/// A request being built.
pub struct Req(reqwest::RequestBuilder);

impl Req {
    pub fn auth(self, user: &TestUser) -> Self {
        self.bearer(&user.access_token)
    }
    pub fn bearer(self, token: &str) -> Self {
        Self(self.0.bearer_auth(token))
    }
    pub fn header(self, name: &str, value: &str) -> Self {
        Self(self.0.header(name, value))
    }
    pub fn json(self, body: &Value) -> Self {
        Self(self.0.json(body))
    }
    /// A raw body with an explicit Content-Type.
    pub fn raw(self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self(
            self.0
                .header("content-type", content_type)
                .body(body.into()),
        )
    }
    pub async fn send(self) -> Resp {
        let mut resp = self.0.send().await.expect("the server answers the request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.expect("read the response body") {
            body.extend_from_slice(&chunk);
            assert!(
                body.len() <= MAX_READ,
                "response body larger than {MAX_READ} bytes"
            );
        }
        Resp {
            status,
            headers,
            body,
        }
    }
}

/// A response read to the end.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {} {}", self.status, self.text()))
    }

    /// Asserts the status (`why` says what was being done) and returns the JSON body
    /// (`Null` when empty).
    #[track_caller]
    pub fn expect(&self, status: u16, why: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{why}: got {} {}",
            self.status,
            self.text()
        );
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }

    /// Asserts the status and the contract's error shape; returns the error code.
    #[track_caller]
    pub fn expect_error(&self, status: u16, why: &str) -> String {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{why}: got {} {}",
            self.status,
            self.text()
        );
        assert_error_shape(&self.json(), why)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// `{"error": {"code": "snake_case", "message": "..."}}` and nothing else; returns the code.
#[track_caller]
pub fn assert_error_shape(body: &Value, why: &str) -> String {
    let obj = body
        .as_object()
        .unwrap_or_else(|| panic!("{why}: error body is not an object: {body}"));
    assert_eq!(
        obj.len(),
        1,
        "{why}: error body has only the `error` key: {body}"
    );
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{why}: no error.code: {body}"));
    let snake = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    assert!(snake, "{why}: error.code is snake_case: {code:?}");
    let message = body["error"]["message"].as_str();
    assert!(
        message.is_some_and(|m| !m.is_empty()),
        "{why}: error.message is non-empty text: {body}"
    );
    code.to_owned()
}

type WsStream = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebSocket client speaking the contract's JSON frames.
pub struct Ws {
    pub stream: WsStream,
    /// The `ready` frame (Null before hello).
    pub ready: Value,
}

impl Ws {
    pub async fn send(&mut self, frame: Value) {
        self.stream
            .send(WsMessage::text(frame.to_string()))
            .await
            .expect("send a WebSocket frame");
    }

    pub async fn send_raw(&mut self, message: WsMessage) {
        self.stream
            .send(message)
            .await
            .expect("send a WebSocket frame");
    }

    /// The next text frame as JSON; fails on close, end of stream or [`WAIT`].
    pub async fn next(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("a WebSocket frame arrives in time")
                .expect("the WebSocket is still open")
                .expect("the WebSocket reads cleanly");
            match msg {
                WsMessage::Text(text) => {
                    return serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("server frame is not JSON ({e}): {text}"));
                }
                WsMessage::Ping(_) | WsMessage::Pong(_) => {}
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// The next text frame as JSON, or `None` once the server closes or drops the socket.
    pub async fn next_or_close(&mut self) -> Option<Value> {
        loop {
            let next = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("a frame or a close arrives in time");
            match next {
                Some(Ok(WsMessage::Text(text))) => {
                    return Some(
                        serde_json::from_str(&text)
                            .unwrap_or_else(|e| panic!("not JSON ({e}): {text}")),
                    );
                }
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
                Some(Ok(WsMessage::Close(_)) | Err(_)) | None => return None,
                Some(Ok(other)) => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// The next frame whose `type` is `kind`, skipping others (e.g. events when waiting for an ack).
    pub async fn next_of(&mut self, kind: &str) -> Value {
        for _ in 0..10_000 {
            let frame = self.next().await;
            if frame["type"] == kind {
                return frame;
            }
        }
        panic!("no {kind} frame among the next 10000");
    }

    /// Waits for the server to close the socket, skipping any pending frames. Returns the
    /// close code and reason when a close frame came, `None` when the connection just ended.
    pub async fn closed(&mut self) -> Option<(u16, String)> {
        loop {
            let next = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("the server closes the WebSocket in time");
            match next {
                Some(Ok(WsMessage::Close(frame))) => {
                    return frame
                        .map(|CloseFrame { code, reason }| (u16::from(code), reason.to_string()));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    }
}
