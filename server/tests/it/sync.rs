//! `GET /api/v1/sync` (§2 "Sync and realtime"): event shapes, cursors, paging, and visibility
//! bounded by membership.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::fixture::{TestServer, id_of, types};

fn cursors(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            e["cursor"]
                .as_str()
                .expect("every event has a string cursor")
                .to_owned()
        })
        .collect()
}

#[track_caller]
fn assert_no_repeats(events: &[Value]) {
    let all = cursors(events);
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "no event is repeated: {all:?}");
}

#[tokio::test]
async fn nothing_new_keeps_the_cursor() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let first = s
        .get("/api/v1/sync")
        .auth(&alice)
        .send()
        .await
        .expect(200, "sync from the beginning");
    assert_eq!(first["events"], json!([]), "a new user has seen nothing");
    assert_eq!(first["has_more"], false);
    let cursor = first["next_cursor"]
        .as_str()
        .expect("next_cursor is a string even with no events");
    let again = s
        .get(&s.url_q("/api/v1/sync", &[("since", cursor)]))
        .auth(&alice)
        .send()
        .await;
    let again = again.expect(200, "sync since the cursor");
    assert_eq!(again["events"], json!([]));
    assert_eq!(
        again["next_cursor"], cursor,
        "next_cursor equals since when nothing is new"
    );
}

#[tokio::test]
async fn every_change_is_an_event_with_the_contract_shape() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let m = s.send(&bob, &conv, "hello").await;
    let one = format!("/api/v1/conversations/{conv}/messages/{}", id_of(&m));
    s.patch(&one)
        .auth(&bob)
        .json(&json!({"body": "hello!"}))
        .send()
        .await
        .expect(200, "edit");
    for method in ["PUT", "DELETE"] {
        let req = s.req(method.parse().unwrap(), &format!("{one}/reactions/👍"));
        assert_eq!(
            req.auth(&alice).send().await.status.as_u16(),
            204,
            "{method} reaction"
        );
    }
    let read = format!("/api/v1/conversations/{conv}/read");
    assert_eq!(
        s.post(&read)
            .auth(&alice)
            .json(&json!({"seq": 1}))
            .send()
            .await
            .status
            .as_u16(),
        204
    );
    assert_eq!(
        s.delete(&one).auth(&bob).send().await.status.as_u16(),
        204,
        "delete"
    );

    let (all, next) = s.sync_all(&alice, None, 1000).await;
    let events: Vec<Value> = all
        .into_iter()
        .filter(|e| e["type"] != "member.added")
        .collect();
    let expected = [
        "conversation.created",
        "message.created",
        "message.edited",
        "reaction.added",
        "reaction.removed",
        "read.updated",
        "message.deleted",
    ];
    assert_eq!(types(&events), expected, "each change once, in order");
    assert_no_repeats(&events);
    assert_eq!(
        next,
        cursors(&events).last().unwrap().as_str(),
        "next_cursor is the last event's cursor"
    );
    for e in &events {
        let keys: HashSet<&str> = e
            .as_object()
            .expect("event object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            HashSet::from(["cursor", "type", "conversation_id", "at", "data"]),
            "event keys: {e}"
        );
        assert_eq!(e["conversation_id"], conv.as_str(), "{e}");
        let at = e["at"].as_str().expect("at is a string");
        assert!(
            chrono::DateTime::parse_from_rfc3339(at).is_ok(),
            "at is RFC 3339: {at}"
        );
    }
    assert_eq!(
        id_of(&events[0]["data"]),
        conv,
        "conversation.created carries the conversation"
    );
    assert_eq!(
        events[1]["data"]["id"], m["id"],
        "message.created carries the message"
    );
    assert_eq!(
        events[2]["data"]["body"], "hello!",
        "message.edited carries the edited message"
    );
    let reaction = json!({"message_id": m["id"], "emoji": "👍", "user_id": alice.id});
    assert_eq!(events[3]["data"], reaction, "reaction.added data");
    assert_eq!(events[4]["data"], reaction, "reaction.removed data");
    assert_eq!(
        events[5]["data"],
        json!({"user_id": alice.id, "seq": 1}),
        "read.updated data"
    );
    let tomb = &events[6]["data"];
    assert_eq!(
        (
            tomb["id"].clone(),
            tomb["deleted"].clone(),
            tomb["body"].clone()
        ),
        (m["id"].clone(), json!(true), json!("")),
        "tombstone: {tomb}"
    );
}

#[tokio::test]
async fn since_a_middle_cursor_returns_exactly_the_rest() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    for i in 0..6 {
        s.send(&alice, &conv, &format!("m{i}")).await;
    }
    let (all, _) = s.sync_all(&bob, None, 1000).await;
    let middle = all.len() / 2;
    let (rest, _) = s
        .sync_all(&bob, Some(&cursors(&all)[middle - 1]), 1000)
        .await;
    assert_eq!(
        cursors(&rest),
        cursors(&all)[middle..],
        "since=C returns every event after C"
    );
}

#[tokio::test]
async fn paging_with_a_small_limit_misses_and_repeats_nothing() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    for i in 0..23 {
        s.send(
            if i % 2 == 0 { &alice } else { &bob },
            &conv,
            &format!("m{i}"),
        )
        .await;
    }
    let (whole, _) = s.sync_all(&bob, None, 1000).await;
    let (paged, _) = s.sync_all(&bob, None, 4).await;
    assert_eq!(
        cursors(&paged),
        cursors(&whole),
        "limit=4 pages add up to the whole stream"
    );
    assert_no_repeats(&paged);
    let created = paged
        .iter()
        .filter(|e| e["type"] == "message.created")
        .count();
    assert_eq!(created, 23, "every message has its event");
    let page = s
        .get(&s.url_q("/api/v1/sync", &[("limit", "4")]))
        .auth(&bob)
        .send()
        .await
        .expect(200, "one page");
    assert_eq!(
        page["events"].as_array().map(Vec::len),
        Some(4),
        "limit is honoured"
    );
    assert_eq!(page["has_more"], true, "more events remain");
}

#[tokio::test]
async fn visibility_follows_membership() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let carol = s.register("carol").await;
    let dave = s.register("dave").await;
    let group = s.group(&alice, "G", &[&bob]).await;
    s.send(&alice, &group, "before carol").await;
    let members = format!("/api/v1/conversations/{group}/members");
    s.post(&members)
        .auth(&alice)
        .json(&json!({"user_id": carol.id}))
        .send()
        .await
        .expect(200, "add carol");
    s.send(&alice, &group, "while carol is in").await;
    let resp = s
        .delete(&format!("{members}/{}", carol.id))
        .auth(&alice)
        .send()
        .await;
    assert_eq!(resp.status.as_u16(), 204, "remove carol: {}", resp.text());
    s.send(&alice, &group, "after carol left").await;
    s.patch(&format!("/api/v1/conversations/{group}"))
        .auth(&alice)
        .json(&json!({"title": "G2"}))
        .send()
        .await
        .expect(200, "rename");

    let (events, _) = s.sync_all(&carol, None, 1000).await;
    let bodies: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "message.created")
        .filter_map(|e| e["data"]["body"].as_str())
        .collect();
    assert_eq!(
        bodies,
        ["while carol is in"],
        "carol sees only what happened while she was a member"
    );
    let removed: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "member.removed")
        .collect();
    assert_eq!(
        removed.len(),
        1,
        "carol sees her own member.removed: {:?}",
        types(&events)
    );
    assert_eq!(removed[0]["data"], json!({"user_id": carol.id}));
    let last = events.last().expect("carol has events");
    assert_eq!(
        last["type"],
        "member.removed",
        "nothing after her removal: {:?}",
        types(&events)
    );

    let (theirs, _) = s.sync_all(&dave, None, 1000).await;
    assert!(
        theirs.is_empty(),
        "an outsider sees nothing: {:?}",
        types(&theirs)
    );
    let (bobs, _) = s.sync_all(&bob, None, 1000).await;
    let bob_bodies = bobs
        .iter()
        .filter(|e| e["type"] == "message.created")
        .count();
    assert_eq!(bob_bodies, 3, "a member throughout sees every message");
    let added = json!({"user_id": carol.id});
    assert!(
        bobs.iter()
            .any(|e| e["type"] == "member.added" && e["data"] == added),
        "member.added carries {{user_id}}: {:?}",
        types(&bobs)
    );
    assert!(
        bobs.iter()
            .any(|e| e["type"] == "member.removed" && e["data"] == added),
        "the remaining members see member.removed too: {:?}",
        types(&bobs)
    );
    assert!(
        bobs.iter()
            .any(|e| e["type"] == "conversation.updated" && e["data"]["title"] == "G2"),
        "rename is an event"
    );
}

#[tokio::test]
async fn bad_sync_parameters_are_400() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    for bad in [
        vec![("limit", "abc")],
        vec![("limit", "0")],
        vec![("since", "garbage-cursor")],
    ] {
        let resp = s
            .get(&s.url_q("/api/v1/sync", &bad))
            .auth(&alice)
            .send()
            .await;
        resp.expect_error(400, &format!("sync with {bad:?}"));
    }
}
