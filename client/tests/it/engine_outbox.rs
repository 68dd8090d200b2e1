//! The engine's outbox against a real server: exactly once when the server stored a message
//! but the client never recorded the answer, and "pending" messages of a live engine going
//! out by themselves once the server is back (PRODUCT.md §3).

use parley_client::{
    ConnectionState, EngineEvent,
    cache::Delivery,
    protocol::{ConversationId, SendMessageRequest},
};

use crate::e2e_fixture::{Rest, TestEngine, TestServer, WAIT, name, wait_state};

/// `(body, delivery)` of every message the cache shows for `conv`.
async fn shown(engine: &TestEngine, conv: &ConversationId) -> Vec<(String, Delivery)> {
    engine
        .engine
        .messages(conv, 500)
        .await
        .expect("read the cache")
        .into_iter()
        .map(|m| (m.message.body, m.delivery))
        .collect()
}

/// The server has the messages, the client's record of that was lost (killed before the
/// answer was stored): the event from catch-up settles the first entry, a resend with the
/// same `client_id` settles the second. Each message exists once, on both sides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_acknowledgement_never_duplicates() {
    let server = TestServer::start().await;
    let rest = Rest::new(&server.url());
    let bob = rest.register(&name("bob")).await;
    let bob_token = bob["session"]["access_token"].as_str().unwrap();
    let a = TestEngine::register(&server, &name("alice")).await;
    let conv = a
        .engine
        .open_direct(bob["user"]["username"].as_str().unwrap())
        .await
        .expect("open the DM");
    let api = a.engine.api().await.expect("signed in");
    let bodies = ["settled by the event", "settled by the resend"];
    for body in bodies {
        let entry = a.engine.compose(&conv, body).await.expect("compose");
        let request = SendMessageRequest {
            client_id: entry.client_id,
            body: body.to_owned(),
            reply_to: None,
            attachment_ids: Vec::new(),
        };
        api.send_message(&conv, &request)
            .await
            .expect("the server stores it (the answer is 'lost')");
    }

    a.engine.catch_up().await.expect("catch up");
    let after_sync = shown(&a, &conv).await;
    assert_eq!(
        after_sync
            .iter()
            .filter(|(b, _)| b == bodies[0])
            .collect::<Vec<_>>(),
        [&(bodies[0].to_owned(), Delivery::Sent)],
        "the synced message replaced its outbox entry (no pending twin): {after_sync:?}"
    );

    assert!(
        a.engine.flush_outbox().await.expect("flush").is_none(),
        "the outbox empties"
    );
    let expected: Vec<(String, Delivery)> = bodies
        .iter()
        .map(|b| ((*b).to_owned(), Delivery::Sent))
        .collect();
    assert_eq!(
        shown(&a, &conv).await,
        expected,
        "each message once, as sent"
    );
    let on_server: Vec<String> = rest
        .bodies(bob_token, conv.as_str())
        .await
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    assert_eq!(on_server, bodies, "the server holds each message once");
}

/// A live engine composes while the server is down: the message is pending, fails to send
/// (backing off), and goes out by itself — once — when the connection comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_messages_go_out_when_the_connection_returns() {
    let mut server = TestServer::start().await;
    let rest = Rest::new(&server.url());
    let bob = rest.register(&name("bob")).await;
    let bob_token = bob["session"]["access_token"].as_str().unwrap();
    let a = TestEngine::register(&server, &name("alice")).await;
    let conv = a
        .engine
        .open_direct(bob["user"]["username"].as_str().unwrap())
        .await
        .expect("open the DM");
    let _tasks = a.go_live();
    wait_state(&mut a.engine.state(), "online", |s| {
        *s == ConnectionState::Online
    })
    .await;

    server.stop().await;
    let mut events = a.engine.events();
    let bodies = ["composed offline 1", "composed offline 2"];
    for body in bodies {
        a.engine
            .compose(&conv, body)
            .await
            .expect("compose offline");
    }
    let pending = shown(&a, &conv).await;
    assert!(
        pending.iter().all(|(_, d)| *d == Delivery::Pending) && pending.len() == 2,
        "both are shown as pending while the server is down: {pending:?}"
    );
    server.restart().await;

    let mut sent = Vec::new();
    tokio::time::timeout(WAIT, async {
        while sent.len() < bodies.len() {
            for event in events.recv().await.expect("the event stream is open") {
                if let EngineEvent::Outbox { delivery, .. } = event {
                    assert_eq!(delivery, Delivery::Sent, "nothing is refused");
                    sent.push(());
                }
            }
        }
    })
    .await
    .expect("the outbox sends both after the reconnect, without being asked");
    let on_server: Vec<String> = rest
        .bodies(bob_token, conv.as_str())
        .await
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    assert_eq!(on_server, bodies, "once each, in composing order");
    let expected: Vec<(String, Delivery)> = bodies
        .iter()
        .map(|b| ((*b).to_owned(), Delivery::Sent))
        .collect();
    assert_eq!(shown(&a, &conv).await, expected, "shown once each, as sent");
}
