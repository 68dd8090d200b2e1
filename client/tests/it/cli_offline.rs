//! The `parley` CLI against a real server that goes away and comes back: reading the cache
//! offline, composing offline, and the outbox delivering each message exactly once and in
//! order — also when the client is SIGKILLed with a non-empty outbox (PRODUCT.md §3).

use serde_json::Value;

use crate::{
    e2e_cli::{Device, count_body},
    e2e_fixture::{Rest, TestServer, eventually, name},
};

/// `(seq, body, delivery state)` of `read --json` messages.
fn rows(messages: &[Value]) -> Vec<(i64, String, String)> {
    messages
        .iter()
        .map(|m| {
            (
                m["message"]["seq"].as_i64().expect("a seq"),
                m["message"]["body"].as_str().expect("a body").to_owned(),
                m["delivery"]["state"]
                    .as_str()
                    .expect("a delivery state")
                    .to_owned(),
            )
        })
        .collect()
}

/// The README's walk-through: two users, a DM, the server stops, everything stays readable
/// from the cache, a message written meanwhile is `pending`, and after the server is back and
/// `sync` runs, the other user reads it exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readme_scenario_reads_offline_and_delivers_once_after_restart() {
    let mut server = TestServer::start().await;
    let (alice_dev, bob_dev) = (Device::new(), Device::new());
    let (alice, bob) = (name("alice"), name("bob"));
    alice_dev.register(&server, &alice).await;
    bob_dev.register(&server, &bob).await;
    let (to_bob, to_alice) = (format!("@{bob}"), format!("@{alice}"));

    let dm = alice_dev.json(&["dm", &bob]).await;
    let dm = dm["conversation_id"].as_str().expect("dm prints the id");
    let sent = alice_dev.json(&["send", &to_bob, "hello bob"]).await;
    assert_eq!(sent["state"], "sent", "the server is up: send delivers");
    assert_eq!(sent["message"]["conversation_id"], dm);

    server.stop().await;

    let out = alice_dev.run(&["read", &to_bob]).await;
    assert!(
        out.stdout.contains("hello bob"),
        "read without --offline falls back to the cache when the server is down: {out:#?}"
    );
    assert!(out.success, "reading the cache offline is a success");
    let cached = alice_dev.read(&["--offline"], &to_bob).await;
    assert_eq!(
        count_body(&cached, "hello bob"),
        1,
        "cached once: {cached:?}"
    );
    let list = alice_dev.json(&["--offline", "conversations"]).await;
    let ids: Vec<&Value> = list["conversations"]
        .as_array()
        .expect("a conversations array")
        .iter()
        .map(|c| &c["conversation"]["id"])
        .collect();
    assert_eq!(ids, [dm], "the DM is listed from the cache");
    let found = alice_dev.json(&["--offline", "search", "hello"]).await;
    assert_eq!(
        found["results"][0]["body"], "hello bob",
        "offline search finds the cached message: {found}"
    );

    let out = alice_dev.run(&["send", &to_bob, "written offline"]).await;
    assert_eq!(
        out.ok("sending while the server is down").trim(),
        "pending",
        "an unsent message prints `pending`"
    );
    let cached = alice_dev.read(&["--offline"], &to_bob).await;
    let last = rows(&cached).pop().expect("messages");
    assert_eq!(
        (last.1.as_str(), last.2.as_str()),
        ("written offline", "pending"),
        "the queued message is shown as pending, last"
    );

    server.restart().await;
    alice_dev.run(&["sync"]).await.ok("sync after the restart");
    let bobs = bob_dev.read(&[], &to_alice).await;
    assert_eq!(
        count_body(&bobs, "written offline"),
        1,
        "bob reads the offline message exactly once: {bobs:?}"
    );
    assert_eq!(count_body(&bobs, "hello bob"), 1, "and the first one once");
    assert!(
        rows(&bobs).iter().all(|r| r.2 == "sent"),
        "bob has nothing pending: {bobs:?}"
    );
}

/// Several messages composed with `--offline send` while the server is down are delivered by
/// `sync` once it is back, once each, with `seq` ascending in the order they were composed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_composed_messages_are_delivered_once_in_order() {
    let mut server = TestServer::start().await;
    let rest = Rest::new(&server.url());
    let bob = name("bob");
    let bob_auth = rest.register(&bob).await;
    let bob_token = bob_auth["session"]["access_token"].as_str().unwrap();
    let alice_dev = Device::new();
    alice_dev.register(&server, &name("alice")).await;
    let dm = alice_dev.json(&["dm", &bob]).await;
    let dm = dm["conversation_id"].as_str().unwrap().to_owned();

    server.stop().await;
    let bodies: Vec<String> = (1..=5).map(|i| format!("offline note {i}")).collect();
    for body in &bodies {
        let out = alice_dev.json(&["--offline", "send", &dm, body]).await;
        assert_eq!(out["state"], "pending", "--offline send only queues: {out}");
    }
    let queued = rows(&alice_dev.read(&["--offline"], &dm).await);
    let queued: Vec<(&str, &str)> = queued
        .iter()
        .map(|r| (r.1.as_str(), r.2.as_str()))
        .collect();
    let expected: Vec<(&str, &str)> = bodies.iter().map(|b| (b.as_str(), "pending")).collect();
    assert_eq!(queued, expected, "the outbox shows in composing order");

    server.restart().await;
    alice_dev.run(&["sync"]).await.ok("sync flushes the outbox");
    let on_server = rest.bodies(bob_token, &dm).await;
    let got: Vec<&String> = on_server.iter().map(|(_, b)| b).collect();
    assert_eq!(
        got,
        bodies.iter().collect::<Vec<_>>(),
        "the server holds each message once, seq ascending in composing order: {on_server:?}"
    );
    let mine = rows(&alice_dev.read(&["--offline"], &dm).await);
    assert!(
        mine.iter().all(|r| r.2 == "sent") && mine.len() == bodies.len(),
        "the sender's cache has them all as sent, none still pending: {mine:?}"
    );
    assert!(
        mine.windows(2).all(|w| w[0].0 < w[1].0),
        "the sender's cache is in seq order: {mine:?}"
    );
}

/// `parley watch` (which runs the outbox task) is SIGKILLed as soon as the server has
/// received one of the queued messages; `parley sync` then delivers the rest. Every message
/// must reach the server exactly once, in order: a resend after the kill reuses its
/// `client_id`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_with_a_full_outbox_then_restart_delivers_each_once() {
    let server = TestServer::start().await;
    let rest = Rest::new(&server.url());
    let bob = name("bob");
    let bob_auth = rest.register(&bob).await;
    let bob_token = bob_auth["session"]["access_token"].as_str().unwrap();
    let alice_dev = Device::new();
    alice_dev.register(&server, &name("alice")).await;
    let dm = alice_dev.json(&["dm", &bob]).await;
    let dm = dm["conversation_id"].as_str().unwrap().to_owned();

    let bodies: Vec<String> = (1..=30).map(|i| format!("queued {i:02}")).collect();
    for body in &bodies {
        alice_dev
            .run(&["--offline", "send", &dm, body])
            .await
            .ok("queueing offline");
    }

    let mut watch = alice_dev
        .command(&["watch"])
        .spawn()
        .expect("spawn parley watch");
    let delivered_before_kill = eventually("the server has received a queued message", || {
        let (rest, dm) = (&rest, &dm);
        async move {
            let seen = rest.bodies(bob_token, dm).await;
            (!seen.is_empty()).then_some(seen.len())
        }
    })
    .await;
    watch.start_kill().expect("SIGKILL parley watch");
    let status = watch.wait().await.expect("reap parley watch");
    assert!(
        !status.success(),
        "watch was killed, not finished: {status}"
    );

    alice_dev.run(&["sync"]).await.ok("sync after the kill");
    let on_server = rest.bodies(bob_token, &dm).await;
    let got: Vec<&String> = on_server.iter().map(|(_, b)| b).collect();
    assert_eq!(
        got,
        bodies.iter().collect::<Vec<_>>(),
        "each message exactly once and in order ({delivered_before_kill} were on the server \
         when the client was killed): {on_server:?}"
    );
    let mine = rows(&alice_dev.read(&["--offline"], &dm).await);
    assert!(
        mine.iter().all(|r| r.2 == "sent") && mine.len() == bodies.len(),
        "nothing left pending and nothing doubled in the sender's cache: {mine:?}"
    );
}
