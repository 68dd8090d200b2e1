//! The end-to-end rig: a real `parley_server::serve` in-process on `127.0.0.1:0` with its own
//! temp data dir, that can be stopped and started again on the same port (so the server URL a
//! client stored keeps working); engines signed in through the real keyring; and a small REST
//! client for looking at the server from the outside. The `parley` binary is run by
//! `e2e_cli`.
//!
//! Nothing here sleeps for readiness: listeners are bound before `serve` is spawned (requests
//! queue on the socket), and every wait is [`eventually`], a poll of a real condition with a
//! deadline. Child processes are `kill_on_drop`, background engine tasks are aborted on drop,
//! and the data dir and homes are temp dirs removed on drop.

use std::{future::Future, net::SocketAddr, time::Duration};

use parley_client::{
    ConnectionState, Engine,
    accounts::Account,
    api,
    protocol::{AuthResponse, ConversationId, LoginRequest, RegisterRequest, SecretString, User},
};
use parley_server::{Config, Toggle};
use serde_json::Value;
use tempfile::TempDir;
use tokio::{
    net::TcpSocket,
    sync::{oneshot, watch},
    task::JoinHandle,
};

/// The longest any single wait in these tests may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(30);
/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// A username no other test (or earlier run against the same keyring) uses.
pub fn name(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// Waits until the engine's connection state satisfies `ok`; fails the test after [`WAIT`],
/// saying `why` and the state it was in.
pub async fn wait_state(
    state: &mut watch::Receiver<ConnectionState>,
    why: &str,
    ok: impl FnMut(&ConnectionState) -> bool,
) {
    let wait = async { state.wait_for(ok).await.map(|_| ()) };
    let reached = tokio::time::timeout(WAIT, wait).await;
    let Ok(reached) = reached else {
        panic!("timed out waiting until {why}; state {:?}", *state.borrow());
    };
    reached.expect("the engine is alive");
}

/// Polls `check` every 50 ms until it yields a value; fails the test after [`WAIT`], saying
/// what was being waited for.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {WAIT:?} waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

struct Running {
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

/// A server whose data dir outlives its restarts.
pub struct TestServer {
    /// The address clients were told about; [`TestServer::restart`] binds it again.
    pub addr: SocketAddr,
    config: Config,
    running: Option<Running>,
    /// Removed (database, `-wal`, `-shm`, attachments) when the server is dropped.
    _data: TempDir,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A server whose config `tweak` may adjust (rate limits start off).
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let data = tempfile::tempdir().expect("create a temp data dir");
        let mut config = Config {
            data_dir: data.path().to_owned(),
            rate_limit: Toggle::Off,
            log: "warn".to_owned(),
            ..Config::default()
        };
        tweak(&mut config);
        let listener = bind("127.0.0.1:0".parse().expect("an address"));
        let addr = listener.local_addr().expect("listener has an address");
        let mut server = Self {
            addr,
            config,
            running: None,
            _data: data,
        };
        server.spawn(listener);
        server
    }

    fn spawn(&mut self, listener: tokio::net::TcpListener) {
        assert!(self.running.is_none(), "the server is already running");
        let addr = listener.local_addr().expect("listener has an address");
        let config = Config {
            listen: addr,
            ..self.config.clone()
        };
        let (shutdown, rx) = oneshot::channel::<()>();
        let stop = async move {
            let _ = rx.await;
        };
        let task = tokio::spawn(Box::pin(parley_server::serve(config, listener, stop)));
        self.running = Some(Running { shutdown, task });
    }

    /// `http://127.0.0.1:PORT`, the URL clients sign in with.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Shuts the running instance down gracefully and waits until it has stopped.
    pub async fn stop(&mut self) {
        let running = self.running.take().expect("the server is running");
        let _ = running.shutdown.send(());
        tokio::time::timeout(WAIT, running.task)
            .await
            .expect("serve returns promptly after the shutdown signal")
            .expect("the serve task did not panic")
            .expect("serve returns Ok on graceful shutdown");
    }

    /// Starts again on the same data dir and the same port.
    pub async fn restart(&mut self) {
        let listener = bind(self.addr);
        self.spawn(listener);
    }

    /// Starts on the same data dir but on a *new* port, which no client knows; returns its
    /// URL. Lets a test change the server's data while its clients stay disconnected.
    pub async fn start_elsewhere(&mut self) -> String {
        let listener = bind("127.0.0.1:0".parse().expect("an address"));
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        self.spawn(listener);
        url
    }
}

/// Binds with `SO_REUSEADDR`, so the port of a stopped instance can be taken again at once.
fn bind(addr: SocketAddr) -> tokio::net::TcpListener {
    let socket = TcpSocket::new_v4().expect("a TCP socket");
    socket.set_reuseaddr(true).expect("SO_REUSEADDR");
    socket
        .bind(addr)
        .unwrap_or_else(|e| panic!("bind {addr}: {e}"));
    socket.listen(1024).expect("listen")
}

/// An engine signed in as a freshly registered user, with its own home.
pub struct TestEngine {
    pub engine: Engine,
    pub user: User,
    /// The engine's cache lives here; removed on drop.
    _home: TempDir,
}

impl TestEngine {
    /// Registers `username` and signs an engine in the way the CLI does: the refresh token
    /// in the keyring, the own user in the cache. The first call to the server refreshes.
    pub async fn register(server: &TestServer, username: &str) -> Self {
        let request = RegisterRequest {
            username: username.to_owned(),
            password: SecretString::new(PASSWORD),
            display_name: None,
            device_name: Some("e2e engine".to_owned()),
        };
        let auth = api::register(&server.url(), &request)
            .await
            .expect("registering a fresh user");
        Self::signed_in(server, auth).await
    }

    /// Signs an existing user in on a new device (an empty home and cache).
    pub async fn login(server: &TestServer, username: &str) -> Self {
        let request = LoginRequest {
            username: username.to_owned(),
            password: SecretString::new(PASSWORD),
            device_name: Some("e2e engine".to_owned()),
        };
        let auth = api::login(&server.url(), &request)
            .await
            .expect("signing in");
        Self::signed_in(server, auth).await
    }

    async fn signed_in(server: &TestServer, auth: AuthResponse) -> Self {
        let home = tempfile::tempdir().expect("create a temp home");
        let account = Account {
            server: server.url(),
            username: auth.user.username.clone(),
            user_id: auth.user.id.clone(),
        };
        let engine = Engine::open(home.path(), account).expect("open a new cache");
        engine
            .store_refresh_token(auth.session.refresh_token.clone())
            .await
            .expect("store the refresh token in the keyring");
        let user = auth.user.clone();
        engine
            .with_cache_async(move |c| c.set_own_user(&user))
            .await
            .expect("record the own user");
        Self {
            engine,
            user: auth.user,
            _home: home,
        }
    }

    /// The engine's home (to open it again, as after a restart).
    pub fn home(&self) -> &std::path::Path {
        self._home.path()
    }

    /// Runs the realtime loop and the outbox task until dropped.
    pub fn go_live(&self) -> Background {
        Self::run(&self.engine)
    }

    /// Runs `engine`'s realtime loop and outbox task until dropped (an engine opened again).
    pub fn run(engine: &Engine) -> Background {
        let (realtime, outbox) = (engine.clone(), engine.clone());
        Background(vec![
            tokio::spawn(async move { realtime.run_realtime().await }),
            tokio::spawn(async move { outbox.run_outbox().await }),
        ])
    }
}

/// Engine tasks, aborted on drop.
pub struct Background(Vec<JoinHandle<anyhow::Error>>);

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Plain REST against a server, for looking from the outside (as another user).
pub struct Rest {
    http: reqwest::Client,
    base: String,
}

impl Rest {
    pub fn new(base: &str) -> Self {
        api::init_tls();
        Self {
            http: reqwest::Client::new(),
            base: base.to_owned(),
        }
    }

    /// `METHOD path` with an optional bearer token and JSON body; returns status and JSON
    /// (`Null` for an empty body).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let mut response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.expect("read the body") {
            bytes.extend_from_slice(&chunk);
            assert!(bytes.len() < 32 << 20, "response body too large");
        }
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("the body is JSON")
        };
        (status, json)
    }

    /// Registers `username`; returns `{user, session}`.
    pub async fn register(&self, username: &str) -> Value {
        let body = serde_json::json!({"username": username, "password": PASSWORD});
        let (status, auth) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/auth/register",
                None,
                Some(&body),
            )
            .await;
        assert_eq!(status, 201, "registering {username}: {auth}");
        auth
    }

    /// Creates a conversation (`{kind, title?, member_ids}`) as `token`'s user; returns its id.
    pub async fn create_conversation(&self, token: &str, body: Value) -> ConversationId {
        let (status, conversation) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/conversations",
                Some(token),
                Some(&body),
            )
            .await;
        assert_eq!(status, 201, "creating a conversation: {conversation}");
        ConversationId::new(conversation["id"].as_str().expect("an id").to_owned())
    }

    /// Sends `body` to `conv` as `token`'s user; returns its `seq`.
    pub async fn send(&self, token: &str, conv: &str, body: &str) -> i64 {
        let request = serde_json::json!({"client_id": uuid::Uuid::new_v4(), "body": body});
        let path = format!("/api/v1/conversations/{conv}/messages");
        let (status, message) = self
            .call(reqwest::Method::POST, &path, Some(token), Some(&request))
            .await;
        assert_eq!(status, 201, "sending {body:?}: {message}");
        message["seq"].as_i64().expect("a seq")
    }

    /// All message bodies of a conversation as `token`'s user sees them, by ascending `seq`.
    pub async fn bodies(&self, token: &str, conv: &str) -> Vec<(i64, String)> {
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let path = format!("/api/v1/conversations/{conv}/messages?after={after}&limit=200");
            let (status, page) = self
                .call(reqwest::Method::GET, &path, Some(token), None)
                .await;
            assert_eq!(status, 200, "listing messages: {page}");
            for m in page["messages"].as_array().expect("a messages array") {
                let seq = m["seq"].as_i64().expect("a seq");
                out.push((seq, m["body"].as_str().expect("a body").to_owned()));
                after = seq;
            }
            if page["has_more"] != true {
                return out;
            }
        }
    }
}
