//! Several instances (PRODUCT.md §3, "Running several instances"): two real servers on one
//! real PostgreSQL, with a real nats-server between them that the tests stop and start.
//! Run when `PARLEY_TEST_POSTGRES_URL` and `PARLEY_TEST_NATS_SERVER` are set
//! (`scripts/with-services.sh`); under `CI=true` they must be.

use std::{
    net::SocketAddr,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use tokio::{io::AsyncReadExt, net::TcpStream};

use serde_json::{Value, json};

use crate::{
    fixture::{TestServer, WAIT},
    pg::TestDatabase,
};

/// A private nats-server on a fixed loopback port, so that it can be stopped and started
/// again where the instances expect it.
pub struct Nats {
    binary: String,
    port: u16,
    child: Option<Child>,
}

impl Nats {
    pub async fn start() -> Option<Self> {
        let Ok(binary) = std::env::var("PARLEY_TEST_NATS_SERVER") else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "PARLEY_TEST_NATS_SERVER must be set in CI (scripts/with-services.sh)"
            );
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut nats = Self {
            binary,
            port,
            child: None,
        };
        nats.up().await;
        Some(nats)
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Starts the server and waits until it greets a client with `INFO`.
    async fn up(&mut self) {
        let child = Command::new(&self.binary)
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server");
        self.child = Some(child);
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(mut stream) = TcpStream::connect(addr).await {
                let mut greeting = [0u8; 5];
                if stream.read_exact(&mut greeting).await.is_ok() && &greeting == b"INFO " {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "nats-server did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn down(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.down();
    }
}

/// Two instances on one database and one broker, or `None` when those aren't configured.
async fn cluster() -> Option<(TestDatabase, Nats, TestServer, TestServer)> {
    let (database, nats, mut instances) = cluster_of(2).await?;
    let b = instances.pop()?;
    let a = instances.pop()?;
    Some((database, nats, a, b))
}

/// `n` instances on one database and one broker.
async fn cluster_of(n: usize) -> Option<(TestDatabase, Nats, Vec<TestServer>)> {
    let database = TestDatabase::create()?;
    let nats = Nats::start().await?;
    let mut instances = Vec::new();
    for _ in 0..n {
        let (url, nats_url) = (database.url.clone(), nats.url());
        instances.push(
            TestServer::start_with(move |c| {
                c.database_url = parley_server::config::DatabaseUrl(url);
                c.nats_url = nats_url;
            })
            .await,
        );
    }
    Some((database, nats, instances))
}

/// The next event frame about message `id` (skipping the others, such as the reader's own
/// messages coming back to their other sockets).
async fn event_about(ws: &mut crate::fixture::Ws, id: &Value) -> Value {
    loop {
        let event = ws.next_of("event").await;
        if &event["event"]["data"]["id"] == id {
            return event;
        }
    }
}

/// Waits until `/healthz` of `server` names the broker `state`.
async fn broker_is(server: &TestServer, state: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let health: Value = server.get("/healthz").send().await.json();
        if health["broker"] == state {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the broker never became {state}: {health}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_on_different_instances_talk_live() {
    let Some((_db, _nats, a, b)) = cluster().await else {
        eprintln!("skipped: postgres and nats are not configured here");
        return;
    };
    broker_is(&a, "ok").await;
    broker_is(&b, "ok").await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let conv = a.direct(&alice, &bob).await;
    let mut bob_ws = b.ws(&bob, None).await;
    let mut alice_ws = a.ws(&alice, None).await;

    let sent = a.send(&alice, &conv, "hello from instance a").await;
    let event = bob_ws.next_of("event").await;
    assert_eq!(
        event["event"]["data"]["id"], sent["id"],
        "bob, on the other instance, gets alice's message live: {event}"
    );

    alice_ws
        .send(json!({"type": "typing", "conversation_id": conv}))
        .await;
    let typing = bob_ws.next_of("typing").await;
    assert_eq!(
        typing["user_id"], alice.id,
        "typing crosses instances: {typing}"
    );

    let reply = b.send(&bob, &conv, "hello back from b").await;
    let event = event_about(&mut alice_ws, &reply["id"]).await;
    assert_eq!(
        event["event"]["type"], "message.created",
        "alice gets bob's reply from the other instance: {event}"
    );

    let sync_a: Value = a.get("/api/v1/sync").auth(&bob).send().await.json();
    let sync_b: Value = b.get("/api/v1/sync").auth(&bob).send().await.json();
    assert_eq!(sync_a, sync_b, "/sync is the same from either instance");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_outage_delays_delivery_but_loses_nothing() {
    let Some((_db, mut nats, a, b)) = cluster().await else {
        eprintln!("skipped: postgres and nats are not configured here");
        return;
    };
    broker_is(&a, "ok").await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let conv = a.direct(&alice, &bob).await;
    let mut bob_ws = b.ws(&bob, None).await;

    nats.down();
    broker_is(&a, "down").await;
    let health: Value = a.get("/healthz").send().await.json();
    assert_eq!(
        (health["status"].as_str(), health["store"].as_str()),
        (Some("degraded"), Some("ok")),
        "{health}"
    );
    let mut sent = Vec::new();
    for i in 0..5 {
        sent.push(
            a.send(&alice, &conv, &format!("while the broker is down {i}"))
                .await["id"]
                .clone(),
        );
    }
    for id in &sent {
        let event = bob_ws.next_of("event").await;
        assert_eq!(
            &event["event"]["data"]["id"], id,
            "in order, none missing: {event}"
        );
    }

    nats.up().await;
    broker_is(&a, "ok").await;
    broker_is(&b, "ok").await;
    let after = a.send(&alice, &conv, "the broker is back").await;
    let event = bob_ws.next_of("event").await;
    assert_eq!(event["event"]["data"]["id"], after["id"], "{event}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_instance_serves_every_attachment_without_a_shared_disk() {
    let Some((_db, _nats, a, b)) = cluster().await else {
        eprintln!("skipped: postgres and nats are not configured here");
        return;
    };
    assert_ne!(
        a.data_dir(),
        b.data_dir(),
        "each instance has a data dir of its own"
    );
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let conv = a.direct(&alice, &bob).await;
    // Larger than one stored chunk, so it is written and served in pieces.
    let big: Vec<u8> = (0..(2 * 1024 * 1024 + 12_345))
        .map(|i| (i % 251) as u8)
        .collect();
    let picture = crate::attachments::png(40, 30);
    let mut ids = Vec::new();
    for (name, kind, bytes) in [
        ("big.bin", "application/octet-stream", &big),
        ("p.png", "image/png", &picture),
    ] {
        let url = a.url_q("/api/v1/attachments", &[("name", name)]);
        let meta = a
            .post(&url)
            .auth(&alice)
            .raw(kind, bytes.clone())
            .send()
            .await
            .expect(201, "upload through instance a");
        ids.push(meta["id"].as_str().expect("id").to_owned());
    }
    let body = json!({"client_id": crate::fixture::new_client_id(), "body": "files", "attachment_ids": ids});
    a.post(&format!("/api/v1/conversations/{conv}/messages"))
        .auth(&alice)
        .json(&body)
        .send()
        .await
        .expect(201, "send the files");
    let served = b
        .get(&format!("/api/v1/attachments/{}", ids[0]))
        .auth(&bob)
        .send()
        .await;
    assert_eq!(
        served.status.as_u16(),
        200,
        "instance b serves a file uploaded to a"
    );
    assert!(
        served.body == big,
        "byte for byte ({} bytes back)",
        served.body.len()
    );
    let thumb = b
        .get(&format!("/api/v1/attachments/{}/thumbnail", ids[1]))
        .auth(&bob)
        .send()
        .await;
    assert_eq!(thumb.status.as_u16(), 200, "and makes its thumbnail");
    assert!(thumb.body.starts_with(b"\x89PNG"), "a PNG");
    let stray = b
        .get(&format!("/api/v1/attachments/{}", ids[0]))
        .auth(&b.register("mallory").await)
        .send()
        .await;
    assert_eq!(stray.status.as_u16(), 404, "still only for members");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_crosses_instances() {
    let Some((_db, _nats, a, b)) = cluster().await else {
        eprintln!("skipped: postgres and nats are not configured here");
        return;
    };
    broker_is(&a, "ok").await;
    broker_is(&b, "ok").await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    a.direct(&alice, &bob).await;
    let mut bob_ws = b.ws(&bob, None).await;

    let alice_ws = a.ws(&alice, None).await;
    let online = bob_ws.next_of("presence").await;
    assert_eq!(
        (&online["user_id"], &online["online"]),
        (&json!(alice.id), &json!(true)),
        "alice's socket on instance a shows her online to bob on b: {online}"
    );
    drop(alice_ws);
    // Instance b may hear of her socket twice (the relay's word and a heartbeat's): the next
    // change is the one that says she left.
    let mut offline = bob_ws.next_of("presence").await;
    while offline["user_id"] == json!(alice.id) && offline["online"] == json!(true) {
        offline = bob_ws.next_of("presence").await;
    }
    assert_eq!(
        (&offline["user_id"], &offline["online"]),
        (&json!(alice.id), &json!(false)),
        "{offline}"
    );
    assert!(offline["last_seen_at"].is_string(), "{offline}");
}

/// Three instances: concurrent sends into one group through all three give gap-free `seq`,
/// and every member, whichever instance holds their socket, gets every message live, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_keep_one_order_and_deliver_everywhere() {
    let Some((_db, _nats, instances)) = cluster_of(3).await else {
        eprintln!("skipped: postgres and nats are not configured here");
        return;
    };
    for instance in &instances {
        broker_is(instance, "ok").await;
    }
    let mut users = Vec::new();
    for (i, instance) in instances.iter().enumerate() {
        users.push(instance.register(&format!("user{i}")).await);
    }
    let conv = instances[0]
        .group(&users[0], "Three", &[&users[1], &users[2]])
        .await;
    let mut sockets = Vec::new();
    for (instance, user) in instances.iter().zip(&users) {
        sockets.push(instance.ws(user, None).await);
    }

    let per_instance = 20;
    let bodies: Vec<(usize, String)> = (0..3)
        .flat_map(|i| (0..per_instance).map(move |n| (i, format!("from {i} #{n}"))))
        .collect();
    let sends = bodies
        .iter()
        .map(|(i, body)| instances[*i].send(&users[*i], &conv, body));
    let sent = futures_util::future::join_all(sends).await;
    let mut seqs: Vec<i64> = sent
        .iter()
        .map(|m| m["seq"].as_i64().expect("seq"))
        .collect();
    seqs.sort_unstable();
    let total = 3 * per_instance as i64;
    assert_eq!(
        seqs,
        (1..=total).collect::<Vec<_>>(),
        "gap-free across three instances"
    );

    for (i, ws) in sockets.iter_mut().enumerate() {
        let mut live = Vec::new();
        while live.len() < total as usize {
            let frame = ws.next_of("event").await;
            if frame["event"]["type"] == "message.created" {
                live.push(frame["event"]["data"]["seq"].as_i64().expect("seq"));
            }
        }
        assert_eq!(
            live,
            (1..=total).collect::<Vec<_>>(),
            "socket {i}: every message, in order"
        );
    }
}
