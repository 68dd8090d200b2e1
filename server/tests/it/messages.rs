//! Messages: send and idempotent resend, seq, paging, edit, delete tombstones, reactions (§2 "Messages").

use serde_json::{Value, json};

use crate::fixture::{TestServer, TestUser, new_client_id};

pub async fn pair(s: &TestServer) -> (TestUser, TestUser, String) {
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    (alice, bob, conv)
}

fn seqs(messages: &[Value]) -> Vec<i64> {
    messages
        .iter()
        .map(|m| m["seq"].as_i64().expect("seq is an integer"))
        .collect()
}

#[tokio::test]
async fn send_returns_201_with_the_full_message() {
    let s = TestServer::start().await;
    let (alice, _bob, conv) = pair(&s).await;
    let client_id = new_client_id();
    let body = json!({"client_id": client_id, "body": "hello"});
    let path = format!("/api/v1/conversations/{conv}/messages");
    let m = s
        .post(&path)
        .auth(&alice)
        .json(&body)
        .send()
        .await
        .expect(201, "send");
    assert!(m["id"].as_str().is_some_and(|id| !id.is_empty()), "id: {m}");
    assert_eq!(m["conversation_id"], conv.as_str());
    assert_eq!(m["sender_id"], alice.id.as_str());
    assert_eq!(m["client_id"], client_id.as_str());
    assert_eq!(m["seq"], 1, "seq starts at 1");
    assert_eq!(m["body"], "hello");
    assert_eq!(m["reply_to"], Value::Null);
    assert!(m["created_at"].is_string(), "created_at: {m}");
    assert_eq!(m["edited_at"], Value::Null);
    assert_eq!(m["deleted"], false);
    assert_eq!(m["reactions"], json!([]));
    assert_eq!(m["attachments"], json!([]));
}

#[tokio::test]
async fn resending_a_client_id_returns_the_same_message() {
    let s = TestServer::start().await;
    let (alice, _bob, conv) = pair(&s).await;
    let path = format!("/api/v1/conversations/{conv}/messages");
    let body = json!({"client_id": new_client_id(), "body": "once"});
    let first = s
        .post(&path)
        .auth(&alice)
        .json(&body)
        .send()
        .await
        .expect(201, "first send");
    let again = s
        .post(&path)
        .auth(&alice)
        .json(&body)
        .send()
        .await
        .expect(200, "resend is 200");
    assert_eq!(again, first, "the resend returns the very same message");
    let changed = json!({"client_id": body["client_id"], "body": "twice?"});
    let third = s
        .post(&path)
        .auth(&alice)
        .json(&changed)
        .send()
        .await
        .expect(200, "resend, new body");
    assert_eq!(
        third["id"], first["id"],
        "a client_id names one message, whatever the body"
    );
    assert_eq!(
        third["body"], "once",
        "the stored message is returned unchanged"
    );
    assert_eq!(
        s.messages(&alice, &conv, "").await.len(),
        1,
        "never a duplicate"
    );
    let bad = json!({"client_id": "not-a-uuid", "body": "x"});
    s.post(&path)
        .auth(&alice)
        .json(&bad)
        .send()
        .await
        .expect_error(400, "client_id must be a UUID");
}

#[tokio::test]
async fn seq_counts_per_conversation() {
    let s = TestServer::start().await;
    let (alice, bob, conv) = pair(&s).await;
    let group = s.group(&alice, "G", &[&bob]).await;
    for i in 1..=3 {
        assert_eq!(
            s.send(&alice, &conv, "a").await["seq"],
            i,
            "seq {i} in the direct conversation"
        );
    }
    assert_eq!(
        s.send(&bob, &group, "b").await["seq"],
        1,
        "another conversation starts at 1"
    );
    assert_eq!(
        s.send(&bob, &conv, "c").await["seq"],
        4,
        "seq is shared by all senders"
    );
}

#[tokio::test]
async fn replies_must_point_into_the_same_conversation() {
    let s = TestServer::start().await;
    let (alice, bob, conv) = pair(&s).await;
    let group = s.group(&alice, "G", &[&bob]).await;
    let original = s.send(&alice, &conv, "question").await;
    let elsewhere = s.send(&alice, &group, "elsewhere").await;
    let path = format!("/api/v1/conversations/{conv}/messages");
    let reply = json!({"client_id": new_client_id(), "body": "answer", "reply_to": original["id"]});
    let m = s
        .post(&path)
        .auth(&bob)
        .json(&reply)
        .send()
        .await
        .expect(201, "reply");
    assert_eq!(m["reply_to"], original["id"]);
    let cross = json!({"client_id": new_client_id(), "body": "x", "reply_to": elsewhere["id"]});
    s.post(&path)
        .auth(&bob)
        .json(&cross)
        .send()
        .await
        .expect_error(400, "reply_to from another conversation");
    let ghost = json!({"client_id": new_client_id(), "body": "x", "reply_to": "no-such-message"});
    s.post(&path)
        .auth(&bob)
        .json(&ghost)
        .send()
        .await
        .expect_error(400, "reply_to an unknown message");
}

#[tokio::test]
async fn paging_before_after_and_limit() {
    let s = TestServer::start().await;
    let (alice, _bob, conv) = pair(&s).await;
    for i in 1..=7 {
        s.send(&alice, &conv, &format!("m{i}")).await;
    }
    let path = |q: &str| format!("/api/v1/conversations/{conv}/messages?{q}");
    let page = |v: Value| {
        (
            seqs(v["messages"].as_array().expect("messages")),
            v["has_more"].clone(),
        )
    };
    let get = |q: &'static str| {
        let (s, alice, path) = (&s, &alice, path(q));
        async move { s.get(&path).auth(alice).send().await.expect(200, q) }
    };
    assert_eq!(
        page(get("limit=3").await),
        (vec![5, 6, 7], json!(true)),
        "newest page, ascending"
    );
    assert_eq!(
        page(get("before=5&limit=3").await),
        (vec![2, 3, 4], json!(true)),
        "before=5"
    );
    assert_eq!(
        page(get("before=2&limit=3").await),
        (vec![1], json!(false)),
        "the oldest page"
    );
    assert_eq!(
        page(get("after=4&limit=2").await),
        (vec![5, 6], json!(true)),
        "after=4"
    );
    assert_eq!(
        page(get("after=6&limit=5").await),
        (vec![7], json!(false)),
        "after reaches the end"
    );
    assert_eq!(
        page(get("after=7").await),
        (vec![], json!(false)),
        "nothing after the newest"
    );
    assert_eq!(
        page(get("").await),
        ((1..=7).collect(), json!(false)),
        "default page holds all 7"
    );
}

#[tokio::test]
async fn limit_defaults_to_50_and_caps_at_200() {
    let s = TestServer::start().await;
    let (alice, _bob, conv) = pair(&s).await;
    for i in 1..=205 {
        s.send(&alice, &conv, &format!("m{i}")).await;
    }
    let default = s.messages(&alice, &conv, "").await;
    assert_eq!(
        seqs(&default),
        (156..=205).collect::<Vec<_>>(),
        "default limit 50, newest page"
    );
    let capped = s.messages(&alice, &conv, "limit=1000").await;
    assert_eq!(
        seqs(&capped),
        (6..=205).collect::<Vec<_>>(),
        "limit above 200 is capped at 200"
    );
    for bad in [
        "limit=abc",
        "limit=0",
        "limit=-1",
        "before=abc",
        "after=1.5",
    ] {
        let path = format!("/api/v1/conversations/{conv}/messages?{bad}");
        s.get(&path)
            .auth(&alice)
            .send()
            .await
            .expect_error(400, bad);
    }
}

#[tokio::test]
async fn body_limits() {
    let s = TestServer::start().await;
    let (alice, _bob, conv) = pair(&s).await;
    let path = format!("/api/v1/conversations/{conv}/messages");
    let max = "é".repeat(8192);
    let body = json!({"client_id": new_client_id(), "body": max});
    let m = s
        .post(&path)
        .auth(&alice)
        .json(&body)
        .send()
        .await
        .expect(201, "16384 bytes is the maximum");
    assert_eq!(m["body"].as_str().map(str::len), Some(16_384));
    let over = json!({"client_id": new_client_id(), "body": format!("{max}x")});
    let resp = s.post(&path).auth(&alice).json(&over).send().await;
    assert!(
        matches!(resp.status.as_u16(), 400 | 413),
        "16385 bytes refused: {} {}",
        resp.status,
        resp.text()
    );
    crate::fixture::assert_error_shape(&resp.json(), "an over-long body");
    for blank in ["", " ", "\n\t  ", "\u{3000}"] {
        let body = json!({"client_id": new_client_id(), "body": blank});
        s.post(&path)
            .auth(&alice)
            .json(&body)
            .send()
            .await
            .expect_error(400, &format!("body {blank:?}"));
    }
    assert_eq!(
        s.messages(&alice, &conv, "").await.len(),
        1,
        "refused bodies stored nothing"
    );
}

#[tokio::test]
async fn ids_sort_by_time_and_times_are_rfc3339_utc() {
    let s = TestServer::start().await;
    let (alice, _bob, conv) = pair(&s).await;
    let mut sent = Vec::new();
    for i in 0..5 {
        sent.push(s.send(&alice, &conv, &format!("m{i}")).await);
    }
    let ids: Vec<&str> = sent.iter().map(|m| m["id"].as_str().expect("id")).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(
        ids, sorted,
        "ids are time-sortable: later messages sort later"
    );
    let mut last = None;
    for m in &sent {
        crate::auth::assert_rfc3339_utc(&m["created_at"], "message.created_at");
        let at = chrono::DateTime::parse_from_rfc3339(m["created_at"].as_str().unwrap()).unwrap();
        assert!(
            last.is_none_or(|prev| prev <= at),
            "created_at does not go backwards"
        );
        last = Some(at);
    }
}
