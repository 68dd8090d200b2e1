//! `GET /api/v1/search` (§2 "Messages"): own conversations only, newest first, deletions and
//! edits reflected in the index.

use serde_json::{Value, json};

use crate::fixture::{TestServer, TestUser, id_of};

async fn search(s: &TestServer, user: &TestUser, pairs: &[(&str, &str)]) -> Vec<Value> {
    let resp = s
        .get(&s.url_q("/api/v1/search", pairs))
        .auth(user)
        .send()
        .await;
    let body = resp.expect(200, &format!("search {pairs:?}"));
    body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("results is an array: {body}"))
        .clone()
}

fn bodies(results: &[Value]) -> Vec<&str> {
    results
        .iter()
        .map(|m| m["body"].as_str().expect("result is a message with a body"))
        .collect()
}

#[tokio::test]
async fn finds_words_newest_first() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    s.send(&alice, &conv, "the quick brown fox").await;
    s.send(&bob, &conv, "a lazy dog").await;
    s.send(&bob, &conv, "another fox appears").await;
    let found = search(&s, &alice, &[("q", "fox")]).await;
    assert_eq!(
        bodies(&found),
        ["another fox appears", "the quick brown fox"],
        "newest first"
    );
    assert_eq!(
        found[0]["conversation_id"],
        conv.as_str(),
        "results are full messages"
    );
    assert!(
        found[0]["seq"].is_i64(),
        "results are full messages: {}",
        found[0]
    );
    let limited = search(&s, &alice, &[("q", "fox"), ("limit", "1")]).await;
    assert_eq!(
        bodies(&limited),
        ["another fox appears"],
        "limit=1 keeps the newest"
    );
    assert!(
        search(&s, &alice, &[("q", "giraffe")]).await.is_empty(),
        "no match, no results"
    );
}

#[tokio::test]
async fn only_conversations_the_caller_is_in_now() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let carol = s.register("carol").await;
    let theirs = s.direct(&bob, &carol).await;
    s.send(&bob, &theirs, "private walrus").await;
    assert!(
        search(&s, &alice, &[("q", "walrus")]).await.is_empty(),
        "others' conversations never match"
    );
    let group = s.group(&bob, "G", &[&alice]).await;
    s.send(&bob, &group, "group walrus").await;
    assert_eq!(
        bodies(&search(&s, &alice, &[("q", "walrus")]).await),
        ["group walrus"]
    );
    let leave = format!("/api/v1/conversations/{group}/members/{}", alice.id);
    let resp = s.delete(&leave).auth(&bob).send().await;
    assert_eq!(
        resp.status.as_u16(),
        204,
        "bob removes alice: {}",
        resp.text()
    );
    assert!(
        search(&s, &alice, &[("q", "walrus")]).await.is_empty(),
        "a former member finds nothing"
    );
    let filtered = search(&s, &alice, &[("q", "walrus"), ("conversation_id", &theirs)]).await;
    assert!(
        filtered.is_empty(),
        "naming a foreign conversation reveals nothing"
    );
}

#[tokio::test]
async fn conversation_filter() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let one = s.direct(&alice, &bob).await;
    let two = s.group(&alice, "G", &[&bob]).await;
    s.send(&alice, &one, "pelican one").await;
    s.send(&alice, &two, "pelican two").await;
    assert_eq!(search(&s, &bob, &[("q", "pelican")]).await.len(), 2);
    let only = search(&s, &bob, &[("q", "pelican"), ("conversation_id", &two)]).await;
    assert_eq!(
        bodies(&only),
        ["pelican two"],
        "conversation_id narrows the search"
    );
}

#[tokio::test]
async fn deleted_messages_never_match_and_edits_replace_text() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let gone = s.send(&alice, &conv, "ephemeral marmot").await;
    let kept = s.send(&alice, &conv, "old wombat").await;
    let path = format!("/api/v1/conversations/{conv}/messages/{}", id_of(&gone));
    let resp = s.delete(&path).auth(&alice).send().await;
    assert_eq!(resp.status.as_u16(), 204, "delete: {}", resp.text());
    assert!(
        search(&s, &bob, &[("q", "marmot")]).await.is_empty(),
        "deleted messages never match"
    );
    let path = format!("/api/v1/conversations/{conv}/messages/{}", id_of(&kept));
    s.patch(&path)
        .auth(&alice)
        .json(&json!({"body": "new koala"}))
        .send()
        .await
        .expect(200, "edit");
    assert!(
        search(&s, &bob, &[("q", "wombat")]).await.is_empty(),
        "the old text is gone from the index"
    );
    let found = search(&s, &bob, &[("q", "koala")]).await;
    assert_eq!(bodies(&found), ["new koala"], "the new text is found");
    assert_eq!(found[0]["id"], kept["id"]);
}

#[tokio::test]
async fn bad_search_parameters() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    for bad in [
        vec![("q", "x"), ("limit", "abc")],
        vec![("q", "x"), ("limit", "0")],
    ] {
        let resp = s
            .get(&s.url_q("/api/v1/search", &bad))
            .auth(&alice)
            .send()
            .await;
        resp.expect_error(400, &format!("{bad:?}"));
    }
}

#[tokio::test]
async fn query_syntax_characters_are_plain_text() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    s.send(
        &alice,
        &conv,
        "C++ \"quoted\" AND OR NOT near(x) col:val * ^ -minus",
    )
    .await;
    for q in [
        "\"unbalanced",
        "fox*",
        "AND",
        "OR NOT",
        "col:val",
        "near(",
        "'; DROP TABLE messages; --",
    ] {
        let resp = s
            .get(&s.url_q("/api/v1/search", &[("q", q)]))
            .auth(&alice)
            .send()
            .await;
        let body = resp.expect(
            200,
            &format!("a search for {q:?} is plain text, never a query error"),
        );
        assert!(body["results"].is_array(), "results for {q:?}: {body}");
    }
    for q in ["\"", "*", "-", "^", "%", "_", "()"] {
        // Punctuation alone has no words: an empty result or a 400 are both fair; a 5xx never.
        let resp = s
            .get(&s.url_q("/api/v1/search", &[("q", q)]))
            .auth(&alice)
            .send()
            .await;
        assert!(
            matches!(resp.status.as_u16(), 200 | 400),
            "search for {q:?}: {} {}",
            resp.status,
            resp.text()
        );
        if resp.status.as_u16() == 400 {
            crate::fixture::assert_error_shape(&resp.json(), q);
        }
    }
    let found = search(&s, &alice, &[("q", "quoted")]).await;
    assert_eq!(
        found.len(),
        1,
        "the message with punctuation is still indexed"
    );
}
