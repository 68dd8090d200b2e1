//! Two instances behind a real nginx configured as `docs/DEPLOY.md` shows (section 3's proxy
//! settings, section 6's upstream), round robin: an instance is killed (SIGKILL) while
//! clients talk through the balancer; they reconnect through it and lose nothing.

use std::{
    collections::HashSet,
    net::SocketAddr,
    os::unix::fs::MetadataExt,
    process::{Child, Command, Stdio},
    time::Instant,
};

use serde_json::{Value, json};

use crate::{
    binary::ServerProcess,
    cluster::Nats,
    fixture::{TestServer, TestUser, WAIT},
    pg::TestDatabase,
};

/// Messages sent while an instance is killed.
const SENT_UNDER_LOAD: usize = 100;

/// The ```nginx blocks of docs/DEPLOY.md, in order.
fn documented_nginx() -> Vec<String> {
    let doc = include_str!("../../../docs/DEPLOY.md");
    doc.split("```nginx\n")
        .skip(1)
        .filter_map(|rest| rest.split("\n```").next())
        .map(str::to_owned)
        .collect()
}

/// The top-level `name … { … }` blocks of an nginx snippet.
fn blocks(snippet: &str) -> Vec<String> {
    let (mut out, mut current, mut depth) = (Vec::new(), String::new(), 0usize);
    for line in snippet.lines() {
        if depth == 0 && line.trim().is_empty() {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        depth += line.matches('{').count();
        depth -= line.matches('}').count();
        if depth == 0 && line.contains('}') {
            out.push(std::mem::take(&mut current));
        }
    }
    out
}

/// nginx.conf for the test: the documented `map`, the documented upstream with the test's
/// instances, and the documented TLS server's settings on a plain loopback port (the only
/// changes: no TLS or names, and `proxy_pass http://parley;` as section 6 says).
fn config(prefix: &std::path::Path, port: u16, instances: &[SocketAddr]) -> String {
    let docs = documented_nginx();
    let proxy = blocks(&docs[0]);
    let map = proxy
        .iter()
        .find(|b| b.starts_with("map "))
        .expect("a map block");
    let server = proxy
        .iter()
        .find(|b| b.contains("listen 443"))
        .expect("the TLS server block");
    let upstream = docs
        .iter()
        .find(|d| d.contains("upstream parley"))
        .expect("section 6's upstream block");
    let mut documented_servers = upstream
        .lines()
        .filter(|l| l.trim_start().starts_with("server "));
    let mut upstream_conf = String::new();
    let mut next = instances.iter();
    for line in upstream.lines() {
        if line.trim_start().starts_with("server ") {
            let documented = documented_servers.next().expect("a documented server");
            let address = documented.split_whitespace().nth(1).expect("an address");
            let ours = next.next().expect("an instance for each documented server");
            upstream_conf.push_str(&line.replace(address, &ours.to_string()));
        } else {
            upstream_conf.push_str(line);
        }
        upstream_conf.push('\n');
    }
    let server: String = server
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("listen") || t.starts_with("ssl_") || t.starts_with("server_name"))
        })
        .map(|l| {
            l.replace(
                "proxy_pass http://127.0.0.1:8080;",
                "proxy_pass http://parley;",
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
        .replacen(
            "server {",
            &format!("server {{\n    listen 127.0.0.1:{port};"),
            1,
        );
    let root = std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false);
    let p = prefix.display();
    format!(
        "{user}pid {p}/nginx.pid;\nerror_log {p}/error.log;\nevents {{ worker_connections 256; }}\n\
         http {{\n access_log off;\n client_body_temp_path {p}/body;\n proxy_temp_path {p}/proxy;\n\
         fastcgi_temp_path {p}/fastcgi;\n uwsgi_temp_path {p}/uwsgi;\n scgi_temp_path {p}/scgi;\n\
         {map}\n{upstream_conf}\n{server}\n}}\n",
        user = if root { "user root;\n" } else { "" },
    )
}

struct Nginx {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Nginx {
    async fn start(instances: &[SocketAddr]) -> Option<Self> {
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(binary) = binary else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "nginx must be installed in CI (.ci/run)"
            );
            return None;
        };
        let dir = tempfile::tempdir().expect("nginx prefix");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config(dir.path(), port, instances)).expect("write nginx.conf");
        let child = Command::new(binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let nginx = Self {
            child,
            addr,
            _dir: dir,
        };
        let front = TestServer::at(addr);
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(resp) = front.http().get(front.url("/healthz")).send().await
                && resp.status().as_u16() == 200
            {
                return Some(nginx);
            }
            let log =
                std::fs::read_to_string(nginx._dir.path().join("error.log")).unwrap_or_default();
            assert!(
                Instant::now() < deadline,
                "nginx never proxied /healthz:\n{log}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads bob's event frames until every id in `want` has arrived; reconnects through the
/// balancer (from the last cursor seen) whenever the socket drops. Returns the message ids
/// in the order they arrived.
async fn collect(
    front: &TestServer,
    bob: &TestUser,
    ws: &mut crate::fixture::Ws,
    cursor: &mut Option<String>,
    want: &HashSet<String>,
) -> Vec<String> {
    let mut got = Vec::new();
    let deadline = Instant::now() + WAIT * 3;
    while !want.iter().all(|id| got.contains(id)) {
        assert!(
            Instant::now() < deadline,
            "missing after a reconnect: got {got:?}"
        );
        match ws.next_or_close().await {
            Some(frame) if frame["type"] == "event" => {
                *cursor = frame["cursor"].as_str().map(str::to_owned);
                if frame["event"]["type"] == "message.created" {
                    got.push(
                        frame["event"]["data"]["id"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    );
                }
            }
            Some(frame) => assert_ne!(frame["type"], "resync", "a small replay needs no resync"),
            None => *ws = front.ws(bob, cursor.as_deref()).await,
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_balancer_clients_survive_a_killed_instance() {
    let Some(database) = TestDatabase::create() else {
        eprintln!("skipped: postgres is not configured here");
        return;
    };
    let Some(nats) = Nats::start().await else {
        eprintln!("skipped: nats is not configured here");
        return;
    };
    let env = [
        ("PARLEY_DATABASE_URL", database.url.as_str()),
        ("PARLEY_NATS_URL", &nats.url()),
    ];
    let dirs = [
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    ];
    let mut instances = [
        ServerProcess::start_with_env(dirs[0].path(), &env).await,
        ServerProcess::start_with_env(dirs[1].path(), &env).await,
    ];
    let addrs: Vec<SocketAddr> = instances.iter().map(|i| i.addr).collect();
    let Some(nginx) = Nginx::start(&addrs).await else {
        eprintln!("skipped: nginx is not installed here");
        return;
    };
    let front = TestServer::at(nginx.addr);
    let alice = front.register("alice").await;
    let bob = front.register("bob").await;
    let conv = front.direct(&alice, &bob).await;
    let mut ws = front.ws(&bob, None).await;
    let mut cursor = None;

    let mut first = HashSet::new();
    for i in 0..10 {
        first.insert(
            front.send(&alice, &conv, &format!("before {i}")).await["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    let seen = collect(&front, &bob, &mut ws, &mut cursor, &first).await;
    assert_eq!(seen.len(), 10, "each once: {seen:?}");

    // Kill the instance holding bob's socket, so that he must reconnect through nginx.
    let mut holder = None;
    for (i, instance) in instances.iter().enumerate() {
        if sockets_on(instance).await == 1 {
            holder = Some(i);
        }
    }
    let holder = holder.expect("one instance holds bob's socket");
    // Under load: alice keeps sending while the instance dies. A send nginx can't repeat
    // may fail while it learns the instance is gone; the client's outbox sends it again with
    // the same client_id, as here — so every message is acknowledged, once.
    let (acked, mut progress) = tokio::sync::watch::channel(0usize);
    let sender = {
        let (front, alice, conv) = (TestServer::at(nginx.addr), alice.clone(), conv.clone());
        tokio::spawn(async move {
            let mut ids = HashSet::new();
            for i in 0..SENT_UNDER_LOAD {
                let body = json!({"client_id": crate::fixture::new_client_id(), "body": format!("after {i}")});
                let path = format!("/api/v1/conversations/{conv}/messages");
                let mut sent = Value::Null;
                for _ in 0..5 {
                    let resp = front.post(&path).auth(&alice).json(&body).send().await;
                    if resp.status.as_u16() == 201 || resp.status.as_u16() == 200 {
                        sent = resp.json();
                        break;
                    }
                }
                ids.insert(
                    sent["id"]
                        .as_str()
                        .expect("acknowledged through the balancer")
                        .to_owned(),
                );
                acked.send_modify(|n| *n += 1);
            }
            ids
        })
    };
    tokio::time::timeout(WAIT, progress.wait_for(|n| *n >= 10))
        .await
        .expect("sends under load get going")
        .expect("the sender runs");
    instances[holder].kill().await;
    let second = sender.await.expect("the sender");
    assert_eq!(
        second.len(),
        SENT_UNDER_LOAD,
        "every send acknowledged, each its own message"
    );
    let seen = collect(&front, &bob, &mut ws, &mut cursor, &second).await;
    assert_eq!(
        seen.len(),
        SENT_UNDER_LOAD,
        "each once across the kill: {seen:?}"
    );

    let sync: Value = front.get("/api/v1/sync").auth(&bob).send().await.json();
    let stored: Vec<&str> = sync["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "message.created")
        .filter_map(|e| e["data"]["id"].as_str())
        .collect();
    assert_eq!(
        stored.len(),
        10 + SENT_UNDER_LOAD,
        "every acknowledged message, once"
    );
    let unique: HashSet<&str> = stored.iter().copied().collect();
    assert!(
        first
            .iter()
            .chain(&second)
            .all(|id| unique.contains(id.as_str()))
    );
    drop(instances);
}

/// Open WebSockets on one instance, from its `/metrics`.
async fn sockets_on(instance: &ServerProcess) -> i64 {
    let text = TestServer::at(instance.addr)
        .get("/metrics")
        .send()
        .await
        .text();
    text.lines()
        .find_map(|l| l.strip_prefix("parley_websocket_connections "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}
