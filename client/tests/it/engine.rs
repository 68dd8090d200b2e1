//! The `Engine` API against a real server: live delivery between two engines, reconnect and
//! catch-up across a server restart, catch-up over more than one `/sync` page, and refresh
//! token rotation and reuse detection through the real keyring (PRODUCT.md §2–§3).

use std::collections::BTreeSet;

use parley_client::{
    ConnectionState, Engine, EngineEvent,
    keyring::Credentials,
    protocol::{ConversationId, MessageId},
    sync::is_signed_out,
};
use reqwest::Method;
use serde_json::json;
use tokio::sync::broadcast;

use crate::e2e_fixture::{Rest, TestEngine, TestServer, WAIT, eventually, name, wait_state};

/// Bodies of the cached messages of `conv`, oldest first.
async fn cached_bodies(engine: &Engine, conv: &ConversationId) -> Vec<String> {
    engine
        .messages(conv, 5000)
        .await
        .expect("read the cache")
        .into_iter()
        .map(|m| m.message.body)
        .collect()
}

/// Waits for an `Applied` batch naming a message of `conv` whose cached body is `body`.
async fn applied_live(
    events: &mut broadcast::Receiver<Vec<EngineEvent>>,
    engine: &Engine,
    conv: &ConversationId,
    body: &str,
) {
    let found = tokio::time::timeout(WAIT, async {
        loop {
            let batch = events.recv().await.expect("the event stream is open");
            for event in batch {
                let EngineEvent::Applied { summary } = event else {
                    continue;
                };
                for id in summary.messages.get(conv).into_iter().flatten() {
                    let cached = engine.with_cache_async({
                        let id = id.clone();
                        move |c| c.message(&id)
                    });
                    if cached
                        .await
                        .expect("read the cache")
                        .is_some_and(|m| m.body == body)
                    {
                        return;
                    }
                }
            }
        }
    })
    .await;
    assert!(
        found.is_ok(),
        "no Applied event for {body:?} reached the other engine within {WAIT:?}"
    );
}

/// Two live engines: what one composes shows up in the other's event stream and cache, both
/// ways. Also with the shortest access-token lifetime the server allows (30 s, less than the
/// client's refresh margin: every call refreshes, racing between the realtime and outbox
/// tasks, which must never look like refresh-token reuse).
#[rstest::rstest]
#[case::default_token_lifetime(900)]
#[case::every_call_refreshes(30)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_see_each_others_messages_live(#[case] access_token_ttl: u64) {
    let server = TestServer::start_with(|c| c.access_token_ttl = access_token_ttl).await;
    let a = TestEngine::register(&server, &name("alice")).await;
    let b = TestEngine::register(&server, &name("bob")).await;
    let (_a_tasks, _b_tasks) = (a.go_live(), b.go_live());
    for (engine, who) in [(&a, "alice"), (&b, "bob")] {
        let why = format!("{who}'s engine is online");
        wait_state(&mut engine.engine.state(), &why, |s| {
            *s == ConnectionState::Online
        })
        .await;
    }
    let conv = a
        .engine
        .open_direct(&b.user.username)
        .await
        .expect("open the DM");
    eventually("bob's engine hears of the new conversation", || async {
        b.engine.resolve(conv.as_str()).await.ok()
    })
    .await;

    for (from, to, body) in [(&a, &b, "hi bob, live"), (&b, &a, "hi alice, live")] {
        let mut events = to.engine.events();
        from.engine.compose(&conv, body).await.expect("compose");
        applied_live(&mut events, &to.engine, &conv, body).await;
        let bodies = cached_bodies(&to.engine, &conv).await;
        assert_eq!(
            bodies.iter().filter(|b| *b == body).count(),
            1,
            "the receiver's cache holds {body:?} once: {bodies:?}"
        );
    }
}

/// A live engine loses its server (Online → not Online), messages arrive at the server while
/// it is away, the server comes back on the same port: the engine reconnects by itself and is
/// caught up by the time it says Online again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_a_server_restart_and_catches_up() {
    let mut server = TestServer::start().await;
    let a = TestEngine::register(&server, &name("alice")).await;
    let bob = Rest::new(&server.url()).register(&name("bob")).await;
    let bob_token = bob["session"]["access_token"].as_str().unwrap().to_owned();
    let bob_name = bob["user"]["username"].as_str().unwrap();
    let conv = a.engine.open_direct(bob_name).await.expect("open the DM");
    let _tasks = a.go_live();
    let mut state = a.engine.state();
    wait_state(&mut state, "online at first", |s| {
        *s == ConnectionState::Online
    })
    .await;

    server.stop().await;
    wait_state(&mut state, "the engine notices the server is gone", |s| {
        matches!(s, ConnectionState::Offline | ConnectionState::Connecting)
    })
    .await;
    // The same data, on a port the engine doesn't know: it stays disconnected meanwhile.
    let elsewhere = Rest::new(&server.start_elsewhere().await);
    let missed = ["while you were away 1", "while you were away 2"];
    for body in missed {
        elsewhere.send(&bob_token, conv.as_str(), body).await;
    }
    server.stop().await;
    server.restart().await;

    wait_state(&mut state, "the engine is back online", |s| {
        *s == ConnectionState::Online
    })
    .await;
    assert_eq!(
        cached_bodies(&a.engine, &conv).await,
        missed,
        "Online means caught up: the missed messages are cached, once each, in order"
    );
    let mut events = a.engine.events();
    let live = "after the reconnect";
    Rest::new(&server.url())
        .send(&bob_token, conv.as_str(), live)
        .await;
    applied_live(&mut events, &a.engine, &conv, live).await;
}

/// More than one `/sync` page (1000 events) missed: catch-up pages through all of them, every
/// message arrives through the event pages (not only through gap filling), none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_pages_through_more_than_a_thousand_events() {
    const COUNT: usize = 1150;
    let server = TestServer::start().await;
    let a = TestEngine::register(&server, &name("alice")).await;
    let bob = Rest::new(&server.url()).register(&name("bob")).await;
    let bob_token = bob["session"]["access_token"].as_str().unwrap().to_owned();
    let conv = a
        .engine
        .open_direct(bob["user"]["username"].as_str().unwrap())
        .await
        .expect("open the DM");
    a.engine.catch_up().await.expect("the first catch-up");

    let senders: Vec<_> = (0..4)
        .map(|lane| {
            let (rest, token, conv) = (Rest::new(&server.url()), bob_token.clone(), conv.clone());
            tokio::spawn(async move {
                for i in (lane..COUNT).step_by(4) {
                    rest.send(&token, conv.as_str(), &format!("bulk {i:04}"))
                        .await;
                }
            })
        })
        .collect();
    for sender in senders {
        sender.await.expect("a sender task");
    }

    let mut events = a.engine.events();
    let applied = a.engine.catch_up().await.expect("catch up");
    assert!(applied >= COUNT, "{applied} events applied, {COUNT} sent");
    let (mut via_events, mut progress) = (BTreeSet::<MessageId>::new(), Vec::new());
    while let Ok(batch) = events.try_recv() {
        for event in batch {
            match event {
                EngineEvent::Applied { summary } => {
                    via_events.extend(summary.messages.get(&conv).into_iter().flatten().cloned());
                }
                EngineEvent::Progress { applied } => progress.push(applied),
                _ => {}
            }
        }
    }
    assert!(
        progress.len() >= 2 && progress[0] == 1000,
        "catch-up went page by page (1000 events a page): {progress:?}"
    );
    assert_eq!(
        via_events.len(),
        COUNT,
        "every message came in a /sync page"
    );

    let cached = a
        .engine
        .messages(&conv, 5000)
        .await
        .expect("read the cache");
    let seqs: Vec<i64> = cached.iter().map(|m| m.message.seq).collect();
    let expected: Vec<i64> = (1..=i64::try_from(COUNT).unwrap()).collect();
    assert_eq!(seqs, expected, "every seq once, none missing, none twice");
    let bodies: BTreeSet<&str> = cached.iter().map(|m| m.message.body.as_str()).collect();
    assert_eq!(bodies.len(), COUNT, "every body once");
    assert_eq!(
        a.engine.catch_up().await.expect("catch up again"),
        0,
        "the stored cursor is at the end: nothing is applied twice"
    );
}

async fn keyring_token(engine: &Engine) -> String {
    let key = engine.account().key().expect("an account key");
    tokio::task::spawn_blocking(move || Credentials::open()?.load(&key))
        .await
        .expect("the keyring task")
        .expect("read the keyring")
        .expect("the account has a keyring entry")
        .expose()
        .to_owned()
}

/// Every refresh rotates the token in the keyring; presenting a spent one revokes the
/// session, which closes the live connection and makes the engine report "signed out".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_rotation_and_reuse_detection() {
    let server = TestServer::start().await;
    let rest = Rest::new(&server.url());
    let a = TestEngine::register(&server, &name("alice")).await;
    let registered = keyring_token(&a.engine).await;
    let api = a.engine.api().await.expect("signed in from the keyring");
    let first = api.access_token(None).await.expect("first refresh");
    let rotated = keyring_token(&a.engine).await;
    assert_ne!(
        rotated, registered,
        "the first refresh rotated the keyring token"
    );
    let second = api
        .access_token(Some(&first))
        .await
        .expect("a forced refresh");
    assert_ne!(second, first, "a forced refresh gives a new access token");
    let newest = keyring_token(&a.engine).await;
    assert_ne!(
        newest, rotated,
        "the forced refresh rotated the keyring token"
    );
    let (status, _) = rest
        .call(Method::GET, "/api/v1/me", Some(second.expose()), None)
        .await;
    assert_eq!(status, 200, "the new access token works");

    let engine = a.engine.clone();
    let realtime = tokio::spawn(async move { engine.run_realtime().await });
    wait_state(&mut a.engine.state(), "online", |s| {
        *s == ConnectionState::Online
    })
    .await;

    let reuse = json!({"refresh_token": rotated});
    let (status, body) = rest
        .call(Method::POST, "/api/v1/auth/refresh", None, Some(&reuse))
        .await;
    assert_eq!(status, 401, "a spent refresh token is refused: {body}");
    let (status, _) = rest
        .call(Method::GET, "/api/v1/me", Some(second.expose()), None)
        .await;
    assert_eq!(
        status, 401,
        "reuse revoked the session and its access token"
    );

    let ended = tokio::time::timeout(WAIT, realtime)
        .await
        .expect("the realtime loop ends once the session is revoked")
        .expect("the realtime task did not panic");
    assert!(
        is_signed_out(&ended),
        "the realtime loop ends signed out: {ended:#}"
    );
    let err = a
        .engine
        .catch_up()
        .await
        .expect_err("a revoked session cannot sync");
    assert!(err.is_signed_out(), "reported as signed out: {err:#}");
}

/// Group management through the engine against a real server: rename, add, promote, the
/// account's own settings, remove and leave; each answer lands in the cache, and the other
/// member's engine hears of it live.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_management_reaches_both_caches() {
    use parley_client::protocol::{
        ConversationKind, CreateConversationRequest, Notify, Role, Settings,
    };

    let server = TestServer::start().await;
    let a = TestEngine::register(&server, &name("alice")).await;
    let b = TestEngine::register(&server, &name("bob")).await;
    let c = TestEngine::register(&server, &name("carol")).await;
    let _b_tasks = b.go_live();
    let conv = a
        .engine
        .create_conversation(&CreateConversationRequest {
            kind: ConversationKind::Group,
            title: Some("Crew".to_owned()),
            member_ids: vec![b.user.id.clone()],
        })
        .await
        .expect("create the group");
    let cached = |engine: &Engine| {
        let (engine, conv) = (engine.clone(), conv.clone());
        async move {
            engine
                .with_cache_async(move |cache| cache.conversation(&conv))
                .await
                .expect("read the cache")
        }
    };

    a.engine
        .rename_conversation(&conv, "Crew 2")
        .await
        .expect("rename");
    a.engine
        .add_member(&conv, &c.user.id)
        .await
        .expect("add carol");
    a.engine
        .set_role(&conv, &b.user.id, Role::Admin)
        .await
        .expect("make bob admin");
    let mine = cached(&a.engine).await.expect("alice's copy").conversation;
    assert_eq!(mine.title.as_deref(), Some("Crew 2"));
    let roles: Vec<(String, Role)> = mine
        .members
        .iter()
        .map(|m| (m.user_id.to_string(), m.role))
        .collect();
    assert!(
        roles.contains(&(b.user.id.to_string(), Role::Admin)),
        "{roles:?}"
    );
    assert_eq!(mine.members.len(), 3);
    eventually("bob's engine sees the new name and roles live", || async {
        let theirs = cached(&b.engine).await?.conversation;
        (theirs.title.as_deref() == Some("Crew 2") && theirs.members.len() == 3).then_some(())
    })
    .await;

    let until = chrono::Utc::now() + chrono::Duration::hours(1);
    a.engine
        .set_conversation_settings(
            &conv,
            &Settings {
                notify: Notify::Mentions,
                muted_until: Some(until),
                marked_unread: false,
            },
        )
        .await
        .expect("mute");
    let mine = cached(&a.engine).await.expect("alice's copy").conversation;
    assert_eq!(mine.notify, Notify::Mentions);
    assert!(mine.is_muted_at(chrono::Utc::now()));
    let theirs = cached(&b.engine).await.expect("bob's copy").conversation;
    assert_eq!(
        theirs.notify,
        Notify::All,
        "alice's settings are hers alone"
    );

    a.engine
        .remove_member(&conv, &c.user.id)
        .await
        .expect("remove carol");
    b.engine
        .remove_member(&conv, &b.user.id)
        .await
        .expect("bob leaves");
    eventually("bob's engine marks the group left", || async {
        cached(&b.engine).await.filter(|c| c.left).map(|_| ())
    })
    .await;
}

/// Typing notices go out over the socket (at most one per 3 s per conversation) and arrive
/// at the other engine; presence frames say who is online.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_and_presence_reach_the_other_engine() {
    let server = TestServer::start().await;
    let a = TestEngine::register(&server, &name("alice")).await;
    let b = TestEngine::register(&server, &name("bob")).await;
    // They share a conversation before they connect: presence goes to contacts.
    let conv = a
        .engine
        .open_direct(&b.user.username)
        .await
        .expect("open the DM");
    let mut b_events = b.engine.events();
    let (_a_tasks, _b_tasks) = (a.go_live(), b.go_live());
    for engine in [&a, &b] {
        wait_state(&mut engine.engine.state(), "online", |s| {
            *s == ConnectionState::Online
        })
        .await;
    }

    let (mut typing, mut online) = (0, false);
    let deadline = tokio::time::Instant::now() + WAIT;
    a.engine.typing(&conv);
    a.engine.typing(&conv); // within 3 s: sent when the 3 s are over, not now
    while typing == 0 || !online {
        let batch = tokio::time::timeout_at(deadline, b_events.recv())
            .await
            .expect("typing and presence reach bob in time")
            .expect("the event stream is open");
        for event in batch {
            match event {
                EngineEvent::Typing {
                    conversation_id,
                    user_id,
                } if conversation_id == conv && user_id == a.user.id => typing += 1,
                EngineEvent::Presence {
                    user_id, online: o, ..
                } if user_id == a.user.id => online |= o,
                _ => {}
            }
        }
    }
    // The second call's notice comes when the 3 s are over, not before.
    let first = std::time::Instant::now();
    let second = tokio::time::timeout(WAIT, async {
        loop {
            let batch = b_events.recv().await.expect("the event stream is open");
            if batch
                .iter()
                .any(|e| matches!(e, EngineEvent::Typing { .. }))
            {
                return std::time::Instant::now();
            }
        }
    })
    .await
    .expect("the deferred typing notice arrives");
    assert_eq!(typing, 1, "one notice at first");
    assert!(
        second.duration_since(first) >= std::time::Duration::from_millis(2500),
        "the second notice waited for the 3 s window: {:?}",
        second.duration_since(first)
    );
}
