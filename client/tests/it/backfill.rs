//! First sign-in on a new device: the recent conversations and their latest messages come
//! first (newest activity first, with `Backfill` progress), older history only on scroll-back,
//! and the event log is replayed only from the moment the backfill began.

use std::collections::BTreeSet;

use parley_client::{EngineEvent, protocol::ConversationId};
use reqwest::Method;
use serde_json::{Value, json};

use crate::e2e_fixture::{Rest, TestEngine, TestServer, name};

fn token(auth: &Value) -> String {
    auth["session"]["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_sign_in_backfills_recent_conversations_and_latest_messages() {
    let server = TestServer::start().await;
    let rest = Rest::new(&server.url());
    let alice_name = name("alice");
    let alice = rest.register(&alice_name).await;
    let bob = rest.register(&name("bob")).await;
    let (alice_token, bob_token) = (token(&alice), token(&bob));
    let bob_id = bob["user"]["id"].as_str().expect("bob's id");

    // Activity order, oldest first: Empty (created only), Old (5), the DM (70), Busy (60).
    let empty = rest
        .create_conversation(
            &alice_token,
            json!({"kind": "group", "title": "Empty", "member_ids": []}),
        )
        .await;
    let old = rest
        .create_conversation(
            &alice_token,
            json!({"kind": "group", "title": "Old", "member_ids": [bob_id]}),
        )
        .await;
    for i in 1..=5 {
        rest.send(&bob_token, old.as_str(), &format!("old {i}"))
            .await;
    }
    let dm = rest
        .create_conversation(
            &alice_token,
            json!({"kind": "direct", "member_ids": [bob_id]}),
        )
        .await;
    for i in 1..=70 {
        rest.send(&bob_token, dm.as_str(), &format!("dm {i}")).await;
    }
    let busy = rest
        .create_conversation(
            &alice_token,
            json!({"kind": "group", "title": "Busy", "member_ids": [bob_id]}),
        )
        .await;
    for i in 1..=60 {
        rest.send(&bob_token, busy.as_str(), &format!("busy {i}"))
            .await;
    }
    let (status, _) = rest
        .call(
            Method::POST,
            &format!("/api/v1/conversations/{dm}/read"),
            Some(&alice_token),
            Some(&json!({"seq": 40})),
        )
        .await;
    assert_eq!(status, 204, "alice read the DM up to 40 elsewhere");

    let device = TestEngine::login(&server, &alice_name).await;
    let mut events = device.engine.events();
    let applied = device.engine.catch_up().await.expect("the first sync");
    assert_eq!(
        applied, 0,
        "no event log replayed: it starts after the backfill"
    );

    let (mut order, mut progress) = (Vec::new(), Vec::new());
    let mut profiles_learned = false;
    while let Ok(batch) = events.try_recv() {
        let backfill = batch
            .iter()
            .any(|e| matches!(e, EngineEvent::Backfill { .. }));
        for event in batch {
            match event {
                EngineEvent::Applied { summary } if backfill => {
                    order.extend(summary.conversations.iter().cloned());
                }
                // Bob's profile, fetched after the snapshot: his conversations repaint.
                EngineEvent::Applied { summary } => {
                    profiles_learned |= summary.conversations.contains(&dm);
                }
                EngineEvent::Backfill { done, total } => progress.push((done, total)),
                EngineEvent::Progress { .. } => panic!("no event pages on a first sign-in"),
                _ => {}
            }
        }
    }
    assert!(
        profiles_learned,
        "learning bob's name is reported, so the DM's title repaints"
    );
    assert_eq!(
        order,
        vec![busy.clone(), dm.clone(), old.clone(), empty.clone()],
        "newest activity first"
    );
    assert_eq!(progress, vec![(1, 4), (2, 4), (3, 4), (4, 4)]);

    let seqs = |list: Vec<parley_client::cache::CachedMessage>| -> Vec<i64> {
        list.iter().map(|m| m.message.seq).collect()
    };
    let cached = |id: ConversationId| {
        let engine = device.engine.clone();
        async move { seqs(engine.messages(&id, 500).await.expect("read the cache")) }
    };
    assert_eq!(cached(busy.clone()).await, (11..=60).collect::<Vec<_>>());
    assert_eq!(cached(dm.clone()).await, (21..=70).collect::<Vec<_>>());
    assert_eq!(cached(old.clone()).await, (1..=5).collect::<Vec<_>>());
    assert!(cached(empty.clone()).await.is_empty());
    // `parley read --limit 60` wants more than the backfill kept: the rest is fetched.
    let recent = device
        .engine
        .recent_messages(&busy, 60)
        .await
        .expect("the last 60");
    assert_eq!(seqs(recent), (1..=60).collect::<Vec<_>>());

    let list = device.engine.conversations().await.expect("the list");
    let unread = |id: &ConversationId| {
        list.iter()
            .find(|c| &c.conversation.id == id)
            .map(|c| c.conversation.unread_count)
            .expect("listed")
    };
    assert_eq!(unread(&dm), 30, "the server's count: read up to 40 of 70");
    assert_eq!(unread(&busy), 60);
    assert_eq!(
        list.iter()
            .map(|c| c.display_title.as_str())
            .filter(|t| t.is_empty())
            .count(),
        0,
        "every conversation has a title (the DM's from bob's profile)"
    );

    // After the backfill the log is live from its start: a new message and an edit of an
    // old, uncached one. The edit is not stored (no island for gap filling to fill).
    let first_dm: Value = rest
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{dm}/messages?after=2&limit=1"),
            Some(&bob_token),
            None,
        )
        .await
        .1;
    let third = first_dm["messages"][0]["id"].as_str().expect("seq 3's id");
    let (status, _) = rest
        .call(
            Method::PATCH,
            &format!("/api/v1/conversations/{dm}/messages/{third}"),
            Some(&bob_token),
            Some(&json!({"body": "dm 3, edited"})),
        )
        .await;
    assert_eq!(status, 200, "bob edits an old message");
    rest.send(&bob_token, dm.as_str(), "dm 71").await;
    let applied = device.engine.catch_up().await.expect("the next sync");
    assert_eq!(applied, 2, "the edit and the new message");
    assert_eq!(cached(dm.clone()).await, (21..=71).collect::<Vec<_>>());

    // Scrolling back fetches the older history, with the edit.
    let older = device
        .engine
        .older_messages(&dm, 21, 20)
        .await
        .expect("scroll back");
    assert_eq!(seqs(older.clone()), (1..=20).collect::<Vec<_>>());
    assert_eq!(older[2].message.body, "dm 3, edited");
    let all: BTreeSet<i64> = cached(dm.clone()).await.into_iter().collect();
    assert_eq!(all.len(), 71, "every message once");
}
