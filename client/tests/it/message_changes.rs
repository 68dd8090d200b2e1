//! Editing, deleting and reacting work offline like sends (PRODUCT.md §3, issue 12): written
//! into the cached message at once, queued durably, kept in force over the server's older
//! copies, shown as unsent until the server has them, and taken back when it refuses.

use parley_client::{
    ConnectionState, Engine,
    cache::{CacheError, CachedMessage, Page, UnsentChanges},
    error::ClientError,
    protocol::{ConversationId, Message, MessageId},
};

use crate::e2e_fixture::{Rest, TestEngine, TestServer, eventually, name, wait_state};

async fn cached(engine: &Engine, conv: &ConversationId) -> Vec<CachedMessage> {
    let conv = conv.clone();
    engine
        .with_cache_async(move |c| c.messages(&conv, Page::Latest, 50))
        .await
        .expect("read the cache")
}

async fn cached_one(engine: &Engine, conv: &ConversationId, id: &MessageId) -> CachedMessage {
    cached(engine, conv)
        .await
        .into_iter()
        .find(|m| &m.message.id == id)
        .expect("the message is cached")
}

async fn unread(engine: &Engine, conv: &ConversationId) -> i64 {
    let conv = conv.clone();
    engine
        .with_cache_async(move |c| c.conversation(&conv))
        .await
        .expect("read the list")
        .expect("the conversation is cached")
        .conversation
        .unread_count
}

async fn pending(engine: &Engine) -> i64 {
    engine
        .with_cache_async(|c| c.changes_pending())
        .await
        .expect("count pending changes")
}

async fn on_server(engine: &Engine, conv: &ConversationId) -> Vec<Message> {
    engine
        .api()
        .await
        .expect("an api")
        .messages(conv, None, None, 50)
        .await
        .expect("the server's page")
        .messages
}

fn find<'a>(messages: &'a [Message], id: &MessageId) -> &'a Message {
    messages
        .iter()
        .find(|m| &m.id == id)
        .expect("the message is there")
}

/// `(emoji, user ids)` of a message's reactions.
fn reactions(m: &Message) -> Vec<(String, Vec<String>)> {
    m.reactions
        .iter()
        .map(|r| {
            let users = r.user_ids.iter().map(|u| u.as_str().to_owned()).collect();
            (r.emoji.clone(), users)
        })
        .collect()
}

/// Alice (live) and Bob in a direct conversation: Alice's two messages, then Bob's one,
/// all sent and cached on Alice's engine.
struct Chat {
    server: TestServer,
    alice: TestEngine,
    bob_token: String,
    conv: ConversationId,
    own: [MessageId; 2],
    bobs: MessageId,
}

async fn chat() -> Chat {
    let server = TestServer::start().await;
    let rest = Rest::new(&server.url());
    let bob = rest.register(&name("bob")).await;
    let bob_token = bob["session"]["access_token"].as_str().unwrap().to_owned();
    let alice = TestEngine::register(&server, &name("alice")).await;
    let conv = alice
        .engine
        .open_direct(bob["user"]["username"].as_str().unwrap())
        .await
        .expect("open the DM");
    let live = alice.go_live();
    for body in ["first", "second"] {
        alice.engine.compose(&conv, body).await.expect("compose");
    }
    eventually("alice's messages are sent", || async {
        (pending_sends(&alice.engine).await == 0).then_some(())
    })
    .await;
    rest.send(&bob_token, conv.as_str(), "bob's").await;
    let all = eventually("bob's message reaches alice", || async {
        let all = cached(&alice.engine, &conv).await;
        (all.len() == 3).then_some(all)
    })
    .await;
    drop(live);
    let id = |i: usize| all[i].message.id.clone();
    Chat {
        server,
        alice,
        bob_token,
        conv,
        own: [id(0), id(1)],
        bobs: id(2),
    }
}

async fn pending_sends(engine: &Engine) -> usize {
    engine
        .with_cache_async(|c| c.outbox_pending())
        .await
        .expect("read the outbox")
        .len()
}

async fn online(engine: &Engine) {
    wait_state(&mut engine.state(), "online", |s| {
        *s == ConnectionState::Online
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_deletions_and_reactions_made_offline_survive_a_restart_and_reach_the_server() {
    let Chat {
        mut server,
        alice,
        conv,
        own: [first, second],
        bobs,
        ..
    } = chat().await;
    let me = alice.user.id.as_str().to_owned();
    let older = on_server(&alice.engine, &conv).await;

    server.stop().await;
    let engine = &alice.engine;
    engine
        .edit_message(&conv, &first, "first, edited")
        .await
        .expect("edit offline");
    engine
        .delete_message(&conv, &second)
        .await
        .expect("delete offline");
    engine.react(&conv, &bobs, "👍", true).await.expect("react");
    engine.react(&conv, &bobs, "🎉", true).await.expect("react");
    engine
        .react(&conv, &bobs, "🎉", false)
        .await
        .expect("take it back");

    let shown = cached(engine, &conv).await;
    let by_id = |id: &MessageId| shown.iter().find(|m| &m.message.id == id).unwrap();
    assert_eq!(
        by_id(&first).message.body,
        "first, edited",
        "the edit shows at once"
    );
    assert!(by_id(&second).message.deleted, "the deletion shows at once");
    assert_eq!(
        reactions(&by_id(&bobs).message),
        [("👍".to_owned(), vec![me.clone()])],
        "the reactions show at once"
    );
    assert_eq!(
        by_id(&first).unsent,
        Some(UnsentChanges {
            edit: true,
            ..UnsentChanges::default()
        })
    );
    assert_eq!(
        by_id(&second).unsent,
        Some(UnsentChanges {
            delete: true,
            ..UnsentChanges::default()
        })
    );
    assert_eq!(
        by_id(&bobs).unsent.as_ref().map(|u| u.reactions.clone()),
        Some(vec!["👍".to_owned(), "🎉".to_owned()]),
        "both toggles are unsent (🎉 on then off is one change)"
    );
    assert_eq!(pending(engine).await, 4);
    let search = engine
        .with_cache_async({
            let conv = conv.clone();
            move |c| c.search("edited", Some(&conv), 10)
        })
        .await
        .expect("search offline");
    assert_eq!(search.len(), 1, "local search finds the new text offline");

    // The app is closed and opened again, still offline; a page fetched before the changes
    // (a refresh racing the queue) doesn't undo them.
    let reopened = Engine::open(alice.home(), engine.account().clone()).expect("reopen");
    assert_eq!(pending(&reopened).await, 4, "the queue is durable");
    reopened
        .with_cache_async(move |c| c.upsert_messages(&older))
        .await
        .expect("store the server's older copies");
    let shown = cached(&reopened, &conv).await;
    let by_id = |id: &MessageId| shown.iter().find(|m| &m.message.id == id).unwrap();
    assert_eq!(by_id(&first).message.body, "first, edited");
    assert!(by_id(&second).message.deleted);
    assert_eq!(
        reactions(&by_id(&bobs).message),
        [("👍".to_owned(), vec![me.clone()])]
    );

    server.restart().await;
    let _live = TestEngine::run(&reopened);
    online(&reopened).await;
    eventually("the outbox sends every change by itself", || async {
        (pending(&reopened).await == 0).then_some(())
    })
    .await;
    let now = on_server(&reopened, &conv).await;
    assert_eq!(find(&now, &first).body, "first, edited");
    assert!(find(&now, &first).edited_at.is_some());
    assert!(find(&now, &second).deleted);
    assert_eq!(reactions(find(&now, &bobs)), [("👍".to_owned(), vec![me])]);
    let settled = eventually("nothing shows as unsent any more", || async {
        let all = cached(&reopened, &conv).await;
        all.iter().all(|m| m.unsent.is_none()).then_some(all)
    })
    .await;
    let first_now = settled.iter().find(|m| m.message.id == first).unwrap();
    assert!(
        first_now.message.edited_at.is_some(),
        "the server's copy of the edit is cached"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_the_server_refuses_is_taken_back() {
    let Chat {
        mut server,
        alice,
        bob_token,
        conv,
        bobs,
        ..
    } = chat().await;
    let engine = &alice.engine;
    let before = cached(engine, &conv).await;
    let unread_before = unread(engine, &conv).await;

    // Only Bob may delete Bob's message in a direct conversation; offline the engine can't
    // know the server will say no.
    server.stop().await;
    engine
        .delete_message(&conv, &bobs)
        .await
        .expect("queued offline");
    assert!(cached_one(engine, &conv, &bobs).await.message.deleted);

    server.restart().await;
    let _live = alice.go_live();
    online(engine).await;
    eventually("the refused deletion is dropped", || async {
        (pending(engine).await == 0).then_some(())
    })
    .await;
    let back = cached_one(engine, &conv, &bobs).await;
    assert!(!back.message.deleted, "the message is back");
    assert_eq!(back.message.body, "bob's");
    assert_eq!(back.unsent, None);
    assert_eq!(
        unread(engine, &conv).await,
        unread_before,
        "the unread count is the server's again"
    );
    assert_eq!(cached(engine, &conv).await, before, "as it was");
    let rest = Rest::new(&server.url());
    assert!(
        rest.bodies(&bob_token, conv.as_str())
            .await
            .iter()
            .any(|(_, body)| body == "bob's"),
        "and so it is on the server"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_that_cannot_be_made_are_refused_at_once() {
    let Chat {
        alice,
        conv,
        own: [first, second],
        bobs,
        ..
    } = chat().await;
    let engine = &alice.engine;
    let refusal = |r: Result<(), ClientError>| match r {
        Err(ClientError::Cache(e)) => e,
        other => panic!("expected a cache refusal, got {other:?}"),
    };
    assert!(matches!(
        refusal(engine.edit_message(&conv, &bobs, "mine now").await),
        CacheError::NotYourMessage(_)
    ));
    assert!(matches!(
        refusal(engine.edit_message(&conv, &first, "   ").await),
        CacheError::Invalid(_)
    ));
    assert!(matches!(
        refusal(engine.react(&conv, &first, "two words", true).await),
        CacheError::Invalid(_)
    ));
    assert!(matches!(
        refusal(
            engine
                .react(&conv, &MessageId::new("local:not-sent"), "👍", true)
                .await
        ),
        CacheError::UnknownMessage(_)
    ));
    engine.delete_message(&conv, &second).await.expect("delete");
    assert!(matches!(
        refusal(engine.edit_message(&conv, &second, "too late").await),
        CacheError::MessageDeleted(_)
    ));
    assert_eq!(pending(engine).await, 1, "only the deletion waits");
}
