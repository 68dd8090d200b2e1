//! Races: duplicate sends, concurrent senders and /sync paging during writes. These run on a
//! multi-threaded runtime so the server really handles requests in parallel.

use std::collections::{BTreeSet, HashMap, HashSet};

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::fixture::{TestServer, TestUser, id_of, new_client_id};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_duplicate_sends_store_one_message() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let path = format!("/api/v1/conversations/{conv}/messages");
    for round in 0..5 {
        let body = json!({"client_id": new_client_id(), "body": format!("round {round}")});
        let sends = (0..16).map(|_| s.post(&path).auth(&alice).json(&body).send());
        let responses = join_all(sends).await;
        let statuses: Vec<u16> = responses.iter().map(|r| r.status.as_u16()).collect();
        assert_eq!(
            statuses.iter().filter(|&&c| c == 201).count(),
            1,
            "exactly one 201 per client_id: {statuses:?}"
        );
        assert!(
            statuses.iter().all(|&c| c == 201 || c == 200),
            "the rest are 200: {statuses:?}"
        );
        let ids: HashSet<String> = responses.iter().map(|r| id_of(&r.json())).collect();
        assert_eq!(ids.len(), 1, "every answer names the same message: {ids:?}");
    }
    let stored = s.messages(&bob, &conv, "limit=200").await;
    let seqs: Vec<i64> = stored.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        [1, 2, 3, 4, 5],
        "five client_ids, five messages, no gaps"
    );
}

/// Sends `count` messages as `user`, one after another; returns `(id, seq)` of each ack.
async fn send_many(
    s: &TestServer,
    user: &TestUser,
    conv: &str,
    count: usize,
) -> Vec<(String, i64)> {
    let mut acked = Vec::with_capacity(count);
    for i in 0..count {
        let m = s.send(user, conv, &format!("{} #{i}", user.username)).await;
        acked.push((id_of(&m), m["seq"].as_i64().expect("seq")));
    }
    acked
}

/// Every message of `conv`, paged with `after=`.
async fn all_messages(s: &TestServer, user: &TestUser, conv: &str) -> Vec<Value> {
    let mut all: Vec<Value> = Vec::new();
    loop {
        let after = all.last().map_or(0, |m| m["seq"].as_i64().unwrap());
        let page = s
            .messages(user, conv, &format!("after={after}&limit=200"))
            .await;
        if page.is_empty() {
            return all;
        }
        all.extend(page);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_senders_get_gap_free_seqs() {
    let s = TestServer::start().await;
    let mut users = Vec::new();
    for name in ["alice", "bob", "carol", "dave", "erin"] {
        users.push(s.register(name).await);
    }
    let others: Vec<&TestUser> = users[1..].iter().collect();
    let conv = s.group(&users[0], "Busy", &others).await;
    let per_user = 30;
    let acked: Vec<(String, i64)> =
        join_all(users.iter().map(|u| send_many(&s, u, &conv, per_user)))
            .await
            .into_iter()
            .flatten()
            .collect();
    let total = (users.len() * per_user) as i64;
    let seqs: BTreeSet<i64> = acked.iter().map(|(_, seq)| *seq).collect();
    assert_eq!(seqs.len() as i64, total, "no two acks share a seq");
    assert_eq!(
        seqs,
        (1..=total).collect(),
        "acked seqs are exactly 1..={total}"
    );
    let stored = all_messages(&s, &users[0], &conv).await;
    let stored_seqs: Vec<i64> = stored.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        stored_seqs,
        (1..=total).collect::<Vec<_>>(),
        "stored seqs are gap-free and ascending"
    );
    let by_seq: HashMap<i64, String> = stored
        .iter()
        .map(|m| (m["seq"].as_i64().unwrap(), id_of(m)))
        .collect();
    for (id, seq) in &acked {
        assert_eq!(
            by_seq.get(seq),
            Some(id),
            "the acked message {id} is stored at seq {seq}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sync_paging_during_writes_misses_and_repeats_nothing() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let carol = s.register("carol").await;
    let one = s.direct(&alice, &bob).await;
    let two = s.group(&carol, "Two", &[&bob]).await;
    let (_, start) = s.sync_all(&bob, None, 1000).await;

    let writers = async {
        let (a, c) = tokio::join!(
            send_many(&s, &alice, &one, 40),
            send_many(&s, &carol, &two, 40)
        );
        a.into_iter()
            .chain(c)
            .map(|(id, _)| id)
            .collect::<HashSet<String>>()
    };
    let reader = async {
        let mut seen = Vec::new();
        let mut since = start.clone();
        // Page while the writers run; each page is small so pages interleave with commits.
        for _ in 0..200 {
            let (page, next) = sync_page(&s, &bob, &since, 5).await;
            seen.extend(page);
            since = next;
            tokio::task::yield_now().await;
        }
        (seen, since)
    };
    let (acked, (mut seen, since)) = tokio::join!(writers, reader);
    let (rest, _) = s.sync_all(&bob, Some(&since), 5).await;
    seen.extend(rest);

    let cursors: Vec<&str> = seen.iter().map(|e| e["cursor"].as_str().unwrap()).collect();
    let unique: HashSet<&str> = cursors.iter().copied().collect();
    assert_eq!(
        unique.len(),
        cursors.len(),
        "no event is delivered twice across pages"
    );
    let created: Vec<&Value> = seen
        .iter()
        .filter(|e| e["type"] == "message.created")
        .collect();
    let ids: HashSet<String> = created.iter().map(|e| id_of(&e["data"])).collect();
    assert_eq!(
        ids, acked,
        "every acknowledged message appears in /sync, and nothing else"
    );
    for conv in [&one, &two] {
        let seqs: Vec<i64> = created
            .iter()
            .filter(|e| e["conversation_id"] == conv.as_str())
            .map(|e| e["data"]["seq"].as_i64().unwrap())
            .collect();
        assert_eq!(
            seqs,
            (1..=40).collect::<Vec<_>>(),
            "per conversation, events come in seq order"
        );
    }
}

async fn sync_page(
    s: &TestServer,
    user: &TestUser,
    since: &str,
    limit: u32,
) -> (Vec<Value>, String) {
    let url = s.url_q(
        "/api/v1/sync",
        &[("since", since), ("limit", &limit.to_string())],
    );
    let page = s
        .get(&url)
        .auth(user)
        .send()
        .await
        .expect(200, "a /sync page");
    let next = page["next_cursor"]
        .as_str()
        .expect("next_cursor is a string")
        .to_owned();
    (page["events"].as_array().expect("events").clone(), next)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_registrations_of_one_name_create_one_user() {
    let s = TestServer::start().await;
    let names = ["carol", "Carol", "CAROL", "carol", "cArOl", "carol"];
    let body = |name: &str| json!({"username": name, "password": crate::fixture::PASSWORD});
    let responses = join_all(
        names
            .iter()
            .map(|n| s.post("/api/v1/auth/register").json(&body(n)).send()),
    )
    .await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|&&c| c == 201).count(),
        1,
        "one winner: {statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&c| c == 409).count(),
        names.len() - 1,
        "the rest conflict: {statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_direct_opens_create_one_conversation() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let open = |from: &TestUser, to: &TestUser| {
        let body = json!({"kind": "direct", "member_ids": [to.id]});
        s.post("/api/v1/conversations")
            .auth(from)
            .json(&body)
            .send()
    };
    let opens = (0..12).map(|i| {
        if i % 2 == 0 {
            open(&alice, &bob)
        } else {
            open(&bob, &alice)
        }
    });
    let responses = join_all(opens).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|&&c| c == 201).count(),
        1,
        "one 201, the rest 200: {statuses:?}"
    );
    let ids: HashSet<String> = responses.iter().map(|r| id_of(&r.json())).collect();
    assert_eq!(
        ids.len(),
        1,
        "both sides always get the same conversation: {ids:?}"
    );
    let list = s
        .get("/api/v1/conversations")
        .auth(&alice)
        .send()
        .await
        .expect(200, "list");
    assert_eq!(
        list["conversations"].as_array().map(Vec::len),
        Some(1),
        "one conversation listed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_read_markers_end_at_the_highest() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    send_many(&s, &alice, &conv, 20).await;
    let path = format!("/api/v1/conversations/{conv}/read");
    let reads = (1..=20)
        .rev()
        .map(|seq| s.post(&path).auth(&bob).json(&json!({"seq": seq})).send());
    for resp in join_all(reads).await {
        assert_eq!(resp.status.as_u16(), 204, "read: {}", resp.text());
    }
    let view = s.conversation(&bob, &conv).await;
    assert_eq!(
        view["last_read_seq"], 20,
        "racing markers never move it backwards: {view}"
    );
    assert_eq!(view["unread_count"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_identical_reactions_count_once() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let m = s.send(&alice, &conv, "react").await;
    let url = format!(
        "/api/v1/conversations/{conv}/messages/{}/reactions/🎉",
        id_of(&m)
    );
    for resp in join_all((0..10).map(|_| s.put(&url).auth(&bob).send())).await {
        assert_eq!(resp.status.as_u16(), 204, "react: {}", resp.text());
    }
    let reactions = s.messages(&alice, &conv, "").await[0]["reactions"].clone();
    assert_eq!(
        reactions,
        json!([{"emoji": "🎉", "count": 1, "user_ids": [bob.id]}]),
        "idempotent under races"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_client_id_over_http_and_websocket_is_one_message() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let client_id = new_client_id();
    let mut ws = s.ws(&alice, None).await;
    let frame =
        json!({"type": "send", "conversation_id": conv, "client_id": client_id, "body": "both"});
    ws.send(frame.clone()).await;
    ws.send(frame).await;
    let path = format!("/api/v1/conversations/{conv}/messages");
    let body = json!({"client_id": client_id, "body": "both"});
    let http = join_all((0..6).map(|_| s.post(&path).auth(&alice).json(&body).send())).await;
    let mut ids: HashSet<String> = http.iter().map(|r| id_of(&r.json())).collect();
    for _ in 0..2 {
        ids.insert(id_of(&ws.next_of("ack").await["message"]));
    }
    assert_eq!(
        ids.len(),
        1,
        "every path answers with the one message: {ids:?}"
    );
    assert_eq!(s.messages(&bob, &conv, "").await.len(), 1, "stored once");
}
