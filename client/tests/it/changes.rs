//! The account's own changes — read marker, notification settings, "Mark as unread" — work
//! offline like sends (PRODUCT.md §3, issue 11): applied to the cache at once, queued
//! durably, kept in force over the server's older view, sent when it answers again.

use parley_client::{
    ConnectionState, Engine,
    cache::CachedConversation,
    protocol::{ConversationId, Notify},
};

use crate::e2e_fixture::{Rest, TestEngine, TestServer, eventually, name, wait_state};

async fn maybe_cached(engine: &Engine, conv: &ConversationId) -> Option<CachedConversation> {
    let conv = conv.clone();
    engine
        .with_cache_async(move |c| c.conversation(&conv))
        .await
        .expect("read the cache")
}

async fn cached(engine: &Engine, conv: &ConversationId) -> CachedConversation {
    maybe_cached(engine, conv)
        .await
        .expect("the conversation is cached")
}

async fn pending(engine: &Engine) -> i64 {
    engine
        .with_cache_async(|c| c.changes_pending())
        .await
        .expect("count pending changes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_and_settings_changed_offline_survive_a_restart_and_reach_the_server() {
    let mut server = TestServer::start().await;
    let rest = Rest::new(&server.url());
    let bob = rest.register(&name("bob")).await;
    let bob_token = bob["session"]["access_token"].as_str().unwrap().to_owned();
    let a = TestEngine::register(&server, &name("alice")).await;
    let conv = a
        .engine
        .open_direct(bob["user"]["username"].as_str().unwrap())
        .await
        .expect("open the DM");
    let live = a.go_live();
    let mut newest = 0;
    for body in ["one", "two", "three"] {
        newest = rest.send(&bob_token, conv.as_str(), body).await;
    }
    eventually("alice's engine counts three unread", || async {
        (cached(&a.engine, &conv).await.conversation.unread_count == 3).then_some(())
    })
    .await;
    let server_view = a
        .engine
        .api()
        .await
        .expect("an api")
        .conversation(&conv)
        .await
        .expect("alice's view before");

    server.stop().await;
    a.engine
        .mark_read(&conv, newest)
        .await
        .expect("read offline");
    a.engine
        .set_notifications(&conv, Notify::Mentions, None)
        .await
        .expect("change notifications offline");
    let now = cached(&a.engine, &conv).await.conversation;
    assert_eq!(
        (now.unread_count, now.last_read_seq, now.notify),
        (0, newest, Notify::Mentions),
        "the cache follows at once, offline"
    );
    assert_eq!(
        pending(&a.engine).await,
        2,
        "one read and one settings change wait"
    );

    // The app is closed and opened again, still offline.
    drop(live);
    let reopened = Engine::open(a.home(), a.engine.account().clone()).expect("reopen");
    assert_eq!(pending(&reopened).await, 2, "the queue is durable");
    // A REST answer from before the change (a list refresh racing the queue) doesn't undo it.
    reopened
        .with_cache_async(move |c| c.upsert_conversation(&server_view))
        .await
        .expect("store the server's older view");
    let now = cached(&reopened, &conv).await.conversation;
    assert_eq!(
        (now.unread_count, now.last_read_seq, now.notify),
        (0, newest, Notify::Mentions),
        "pending changes stay in force over the server's older view"
    );

    server.restart().await;
    let live = TestEngine::run(&reopened);
    wait_state(&mut reopened.state(), "online", |s| {
        *s == ConnectionState::Online
    })
    .await;
    eventually("the outbox sends both changes by itself", || async {
        (pending(&reopened).await == 0).then_some(())
    })
    .await;
    let on_server = reopened
        .api()
        .await
        .expect("an api")
        .conversation(&conv)
        .await
        .expect("alice's view after");
    assert_eq!(
        (
            on_server.unread_count,
            on_server.last_read_seq,
            on_server.notify
        ),
        (0, newest, Notify::Mentions),
        "the server has both"
    );
    drop(live);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_as_unread_reaches_the_other_device_and_reading_clears_it() {
    let server = TestServer::start().await;
    let rest = Rest::new(&server.url());
    let bob = rest.register(&name("bob")).await;
    let bob_token = bob["session"]["access_token"].as_str().unwrap().to_owned();
    let alice = name("alice");
    let laptop = TestEngine::register(&server, &alice).await;
    let conv = laptop
        .engine
        .open_direct(bob["user"]["username"].as_str().unwrap())
        .await
        .expect("open the DM");
    let seq = rest.send(&bob_token, conv.as_str(), "hi").await;
    let phone = TestEngine::login(&server, &alice).await;
    let _live = (laptop.go_live(), phone.go_live());
    eventually("both devices have the message", || async {
        let on_laptop = maybe_cached(&laptop.engine, &conv).await?.conversation;
        let on_phone = maybe_cached(&phone.engine, &conv).await?.conversation;
        (on_laptop.unread_count == 1 && on_phone.unread_count == 1).then_some(())
    })
    .await;
    laptop.engine.mark_read(&conv, seq).await.expect("read");
    eventually("the phone hears of the read", || async {
        (cached(&phone.engine, &conv).await.conversation.unread_count == 0).then_some(())
    })
    .await;

    laptop
        .engine
        .mark_unread(&conv, true)
        .await
        .expect("mark as unread");
    let marked = cached(&laptop.engine, &conv).await.conversation;
    assert!(marked.marked_unread, "at once on this device");
    assert_eq!(marked.last_read_seq, seq, "the marker never moves back");
    eventually("the phone shows it marked unread", || async {
        cached(&phone.engine, &conv)
            .await
            .conversation
            .marked_unread
            .then_some(())
    })
    .await;

    // Opening it on the phone reads it: nothing new, but the mark goes, everywhere.
    phone
        .engine
        .mark_read(&conv, seq)
        .await
        .expect("read again");
    assert!(
        !cached(&phone.engine, &conv)
            .await
            .conversation
            .marked_unread
    );
    eventually("the laptop sees the mark gone", || async {
        (!cached(&laptop.engine, &conv)
            .await
            .conversation
            .marked_unread)
            .then_some(())
    })
    .await;
}
