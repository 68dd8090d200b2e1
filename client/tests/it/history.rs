//! Scrolling back past what the cache holds fetches older history from the server
//! (`Engine::older_messages`): a member who joined a group late sees its earlier messages.

use reqwest::Method;
use serde_json::json;

use crate::e2e_fixture::{Rest, TestEngine, TestServer, name};

#[tokio::test(flavor = "multi_thread")]
async fn scrolling_back_fetches_history_from_before_joining() {
    let server = TestServer::start().await;
    let rest = Rest::new(&server.url());
    let owner = rest.register(&name("owner")).await;
    let token = owner["session"]["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let late = TestEngine::register(&server, &name("late")).await;
    // Signed in before the group exists: the events bring it, not a first-sign-in backfill.
    late.engine.catch_up().await.expect("the first sync");

    let conv = rest
        .create_conversation(
            &token,
            json!({"kind": "group", "title": "History", "member_ids": []}),
        )
        .await
        .as_str()
        .to_owned();
    for i in 1..=30 {
        rest.send(&token, &conv, &format!("before joining {i}"))
            .await;
    }
    let path = format!("/api/v1/conversations/{conv}/members");
    let (status, _) = rest
        .call(
            Method::POST,
            &path,
            Some(&token),
            Some(&json!({"user_id": late.user.id})),
        )
        .await;
    assert_eq!(status, 200, "adding the late member");
    for i in 1..=5 {
        rest.send(&token, &conv, &format!("after joining {i}"))
            .await;
    }

    late.engine.catch_up().await.expect("catch up");
    let id = parley_client::protocol::ConversationId::new(conv.clone());
    let cached = late
        .engine
        .messages(&id, 100)
        .await
        .expect("read the cache");
    let lowest = cached
        .iter()
        .map(|m| m.message.seq)
        .min()
        .expect("the messages after joining are cached");
    // Events carry what happened after joining, plus the conversation's last message then.
    assert_eq!(
        lowest, 30,
        "nothing older than the join is cached yet: {cached:?}"
    );

    let older = late
        .engine
        .older_messages(&id, lowest, 20)
        .await
        .expect("scroll back");
    let seqs: Vec<i64> = older.iter().map(|m| m.message.seq).collect();
    assert_eq!(
        seqs,
        (10..=29).collect::<Vec<_>>(),
        "the 20 messages right before the first cached one, in order"
    );
    assert_eq!(older[0].message.body, "before joining 10");

    let all = late
        .engine
        .messages(&id, 100)
        .await
        .expect("read the cache again");
    assert_eq!(
        all.len(),
        26,
        "the fetched page is now cached too: 20 older + the 6 from the join on"
    );
}
