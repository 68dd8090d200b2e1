//! PRODUCT.md §2 "Limits and abuse": no answer or frame is unbounded, and every write is
//! rate limited per user, so one user can't break another's sync or flood the server.

use parley_server::Toggle;
use serde_json::{Value, json};

use crate::fixture::{Resp, TestServer, TestUser, new_client_id};

async fn react(s: &TestServer, user: &TestUser, conv: &str, message: &str, emoji: &str) -> Resp {
    let emoji = percent_encode(emoji);
    s.put(&format!(
        "/api/v1/conversations/{conv}/messages/{message}/reactions/{emoji}"
    ))
    .auth(user)
    .send()
    .await
}

fn percent_encode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn a_message_takes_at_most_50_distinct_emoji() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let message = s.send(&alice, &conv, "react to me").await;
    let id = message["id"].as_str().unwrap();
    for i in 0..50 {
        react(&s, &bob, &conv, id, &format!("e{i}"))
            .await
            .expect(204, "within the 50 distinct emoji");
    }
    let refused = react(&s, &bob, &conv, id, "one-too-many").await;
    refused.expect_error(409, "the 51st distinct emoji");
    assert_eq!(
        refused.json()["error"]["code"],
        "too_many_reactions",
        "{}",
        refused.text()
    );
    react(&s, &alice, &conv, id, "e7")
        .await
        .expect(204, "joining an emoji already there is always fine");
    react(&s, &bob, &conv, id, &"x".repeat(65))
        .await
        .expect_error(400, "an emoji is at most 64 bytes");
    let stored = &s.messages(&bob, &conv, "").await[0];
    let reactions = stored["reactions"].as_array().unwrap();
    assert_eq!(reactions.len(), 50, "nothing past the cap was stored");
}

#[tokio::test]
async fn a_sync_page_stays_under_4_mib() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let body = "x".repeat(16_000);
    for _ in 0..300 {
        s.send(&alice, &conv, &body).await;
    }
    let page = s.get("/api/v1/sync?limit=1000").auth(&bob).send().await;
    let json = page.expect(200, "a sync page");
    assert!(
        page.body.len() <= 4 * 1024 * 1024 + 64 * 1024,
        "the page is {} bytes",
        page.body.len()
    );
    let events = json["events"].as_array().unwrap();
    assert!(
        events.len() < 300,
        "fewer events than the limit to stay under 4 MiB: {}",
        events.len()
    );
    assert_eq!(json["has_more"], true, "the rest is on the next page");
    let (all, _) = s.sync_all(&bob, None, 1000).await;
    let created = all
        .iter()
        .filter(|e| e["type"] == "message.created")
        .count();
    assert_eq!(created, 300, "paging on gets every message, none lost");
}

async fn conversation_page(s: &TestServer, user: &TestUser, query: &str) -> Value {
    s.get(&format!("/api/v1/conversations?{query}"))
        .auth(user)
        .send()
        .await
        .expect(200, "a page of conversations")
}

#[tokio::test]
async fn the_conversation_list_is_paginated() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(s.group(&alice, &format!("g{i}"), &[&bob]).await);
    }
    // Activity in g1 makes it the newest.
    s.send(&alice, &created[1], "bump").await;
    let mut seen = Vec::new();
    let mut query = "limit=2".to_owned();
    let mut pages = 0;
    loop {
        let page = conversation_page(&s, &bob, &query).await;
        pages += 1;
        let list = page["conversations"].as_array().unwrap();
        assert!(list.len() <= 2, "limit holds: {page}");
        seen.extend(list.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        match page["next_before"].as_str() {
            Some(before) => query = format!("limit=2&before={before}"),
            None => {
                assert!(
                    page["next_before"].is_null(),
                    "null on the last page: {page}"
                );
                break;
            }
        }
        assert!(pages < 10, "paging ends");
    }
    let mut expected: Vec<String> = created.iter().rev().cloned().collect();
    expected.retain(|id| id != &created[1]);
    expected.insert(0, created[1].clone());
    assert_eq!(
        seen, expected,
        "newest activity first, none missing, none repeated"
    );
    let all = conversation_page(&s, &bob, "").await;
    assert_eq!(
        all["conversations"].as_array().unwrap().len(),
        5,
        "default limit 100"
    );
    assert!(all["next_before"].is_null());
    s.get("/api/v1/conversations?before=not-a-cursor")
        .auth(&bob)
        .send()
        .await
        .expect_error(400, "a cursor the server didn't issue");
    s.get("/api/v1/conversations?limit=0")
        .auth(&bob)
        .send()
        .await
        .expect_error(400, "limit below 1");
}

/// Sends `n` requests built by `make` one after another; returns how many were 429 (each
/// with `Retry-After`) and how many succeeded.
async fn burst(n: usize, mut make: impl AsyncFnMut(usize) -> Resp) -> (usize, usize) {
    let (mut limited, mut ok) = (0, 0);
    for i in 0..n {
        let resp = make(i).await;
        if resp.status.as_u16() == 429 {
            assert!(
                resp.header("retry-after").is_some(),
                "429 carries Retry-After"
            );
            limited += 1;
        } else {
            assert!(resp.status.is_success(), "{} {}", resp.status, resp.text());
            ok += 1;
        }
    }
    (limited, ok)
}

#[tokio::test]
async fn every_kind_of_write_is_rate_limited_per_user() {
    let s = TestServer::start_with(|c| c.rate_limit = Toggle::On).await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let message = s.send(&alice, &conv, "target").await;
    let id = message["id"].as_str().unwrap().to_owned();

    let (limited, _) = burst(300, async |i| {
        react(&s, &bob, &conv, &id, &format!("r{}", i % 40)).await
    })
    .await;
    assert!(limited > 0, "300 reactions at once are not all accepted");

    let (limited, _) = burst(300, async |i| {
        s.patch(&format!("/api/v1/conversations/{conv}/messages/{id}"))
            .auth(&alice)
            .json(&json!({"body": format!("edit {i}")}))
            .send()
            .await
    })
    .await;
    assert!(limited > 0, "300 edits at once are not all accepted");

    let carol = s.register("carol").await;
    let (limited, ok) = burst(100, async |i| {
        s.post("/api/v1/conversations")
            .auth(&carol)
            .json(&json!({"kind": "group", "title": format!("spam {i}"), "member_ids": [bob.id]}))
            .send()
            .await
    })
    .await;
    assert!(
        limited > 0 && ok <= 40,
        "group creation is limited hardest: {ok} made"
    );

    let dave = s.register("dave").await;
    let (limited, _) = burst(300, async |i| {
        s.post(&format!("/api/v1/attachments?name=f{i}"))
            .auth(&dave)
            .raw("text/plain", format!("file {i}"))
            .send()
            .await
    })
    .await;
    assert!(limited > 0, "300 uploads at once are not all accepted");

    // One user's limit is not another's: bob, who was flooded, can still act.
    s.post(&format!("/api/v1/conversations/{conv}/read"))
        .auth(&bob)
        .json(&json!({"seq": 1}))
        .send()
        .await
        .expect(204, "the flooded user's own writes go through");
}

#[tokio::test]
async fn a_typing_flood_is_dropped_not_relayed() {
    let s = TestServer::start_with(|c| c.rate_limit = Toggle::On).await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let mut bob_ws = s.ws(&bob, None).await;
    let mut alice_ws = s.ws(&alice, None).await;
    for _ in 0..2000 {
        alice_ws
            .send(json!({"type": "typing", "conversation_id": conv}))
            .await;
    }
    let mut errors = 0;
    loop {
        let frame = alice_ws.next().await;
        if frame["type"] == "error" {
            assert_eq!(frame["error"]["code"], "rate_limited", "{frame}");
            assert!(
                frame["retry_after"].as_u64().is_some_and(|s| s >= 1),
                "{frame}"
            );
            errors += 1;
            if errors >= 1900 {
                break;
            }
        }
    }
    // A message after the flood: every typing frame bob will get was queued before it.
    let marker = new_client_id();
    alice_ws
        .send(json!({"type": "send", "conversation_id": conv, "client_id": marker, "body": "done"}))
        .await;
    let mut relayed = 0;
    loop {
        let frame = bob_ws.next().await;
        match frame["type"].as_str() {
            Some("typing") => relayed += 1,
            Some("event") if frame["event"]["data"]["client_id"] == marker.as_str() => break,
            _ => {}
        }
    }
    assert!(
        relayed <= 30,
        "{relayed} of 2000 flooded typing frames reached bob"
    );
    assert!(relayed >= 1, "typing within the limit is still relayed");
}

#[tokio::test]
async fn a_websocket_send_flood_gets_rate_limited_frames() {
    let s = TestServer::start_with(|c| {
        c.rate_limit = Toggle::On;
        c.message_rate_per_second = 1;
    })
    .await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let mut ws = s.ws(&alice, None).await;
    for i in 0..20 {
        ws.send(json!({"type": "send", "conversation_id": conv, "client_id": new_client_id(), "body": format!("m{i}")}))
            .await;
    }
    let mut limited = None;
    for _ in 0..20 {
        let frame = ws.next().await;
        if frame["type"] == "error" {
            limited = Some(frame);
            break;
        }
    }
    let frame = limited.expect("20 sends at 1/s with bursts of 5 hit the limit");
    assert_eq!(frame["error"]["code"], "rate_limited", "{frame}");
    assert!(
        frame["client_id"].is_string(),
        "the refused send is named: {frame}"
    );
    assert!(
        frame["retry_after"].as_u64().is_some_and(|s| s >= 1),
        "{frame}"
    );
}

async fn login_from(s: &TestServer, username: &str, forwarded_for: Option<&str>) -> u16 {
    let mut req = s
        .post("/api/v1/auth/login")
        .json(&json!({"username": username, "password": "wrong password!"}));
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.status.as_u16()
}

#[tokio::test]
async fn forwarded_for_counts_only_from_trusted_proxies() {
    // Behind a trusted proxy, each client has its own bucket.
    let s = TestServer::start_with(|c| {
        c.rate_limit = Toggle::On;
        c.auth_rate_per_minute = 3;
        c.trusted_proxies = vec!["127.0.0.1/32".to_owned()];
    })
    .await;
    for _ in 0..3 {
        assert_eq!(login_from(&s, "nobody1", Some("198.51.100.1")).await, 401);
    }
    assert_eq!(
        login_from(&s, "nobody2", Some("198.51.100.1")).await,
        429,
        "that client is limited"
    );
    assert_eq!(
        login_from(&s, "nobody3", Some("198.51.100.2")).await,
        401,
        "another client behind the same proxy is not"
    );

    // Without trusted proxies, the header is ignored: it can't buy a fresh bucket.
    let s = TestServer::start_with(|c| {
        c.rate_limit = Toggle::On;
        c.auth_rate_per_minute = 3;
    })
    .await;
    for i in 0..3 {
        let ip = format!("203.0.113.{i}");
        assert_eq!(login_from(&s, "nobody", Some(&ip)).await, 401);
    }
    assert_eq!(
        login_from(&s, "nobody", Some("203.0.113.99")).await,
        429,
        "a made-up X-Forwarded-For from an untrusted peer changes nothing"
    );
}

#[tokio::test]
async fn logins_are_limited_per_target_account() {
    let s = TestServer::start_with(|c| {
        c.rate_limit = Toggle::On;
        c.login_rate_per_account_per_minute = 3;
        c.trusted_proxies = vec!["127.0.0.1".to_owned()];
    })
    .await;
    let _alice = s.register("alice").await;
    for i in 0..3 {
        let ip = format!("198.51.100.{i}");
        assert_eq!(login_from(&s, "alice", Some(&ip)).await, 401);
    }
    assert_eq!(
        login_from(&s, "Alice", Some("198.51.100.50")).await,
        429,
        "a fourth try on alice from yet another address"
    );
    assert_eq!(
        login_from(&s, "bob", Some("198.51.100.51")).await,
        401,
        "other accounts are not affected"
    );
}
