//! `GET /api/v1/ws` (§2 "Sync and realtime"): hello/ready, replay, live events, send/ack,
//! typing, resync, and closing with 4001 on revocation.

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::fixture::{PASSWORD, TestServer, TestUser, Ws, new_client_id};

async fn pair(s: &TestServer) -> (TestUser, TestUser, String) {
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    (alice, bob, conv)
}

/// The next `event` frame; checks the frame cursor matches the event's.
async fn next_event(ws: &mut Ws) -> Value {
    let frame = ws.next_of("event").await;
    assert_eq!(
        frame["cursor"], frame["event"]["cursor"],
        "frame cursor is the event's cursor: {frame}"
    );
    frame["event"].clone()
}

/// The next event of type `kind`, skipping other events.
async fn next_event_of(ws: &mut Ws, kind: &str) -> Value {
    for _ in 0..1000 {
        let event = next_event(ws).await;
        if event["type"] == kind {
            return event;
        }
    }
    panic!("no {kind} event among the next 1000");
}

/// The next frame that is not `presence` (the sockets of a test come online one by one).
async fn next_but_presence(ws: &mut Ws) -> Value {
    loop {
        let frame = ws.next().await;
        if frame["type"] != "presence" {
            return frame;
        }
    }
}

#[tokio::test]
async fn hello_is_answered_with_ready() {
    let s = TestServer::start().await;
    let (alice, _bob, _conv) = pair(&s).await;
    let ws = s.ws(&alice, None).await;
    assert_eq!(
        ws.ready["user_id"],
        alice.id.as_str(),
        "ready names the user: {}",
        ws.ready
    );
    let (_, newest) = s.sync_all(&alice, None, 1000).await;
    assert_eq!(
        ws.ready["cursor"],
        newest.as_str(),
        "ready.cursor is the newest cursor now"
    );
}

#[tokio::test]
async fn since_null_replays_nothing_then_streams_live() {
    let s = TestServer::start().await;
    let (alice, bob, conv) = pair(&s).await;
    s.send(&alice, &conv, "old news").await;
    let mut ws = s.ws(&bob, None).await;
    let m = s.send(&alice, &conv, "fresh").await;
    let event = next_event(&mut ws).await;
    assert_eq!(event["type"], "message.created", "{event}");
    assert_eq!(
        event["data"]["id"], m["id"],
        "the first event is the live one, not a replay"
    );
}

#[tokio::test]
async fn reconnect_with_since_replays_what_was_missed() {
    let s = TestServer::start().await;
    let (alice, bob, conv) = pair(&s).await;
    let mut ws = s.ws(&bob, None).await;
    s.send(&alice, &conv, "seen live").await;
    let live = next_event(&mut ws).await;
    let resume = live["cursor"].as_str().expect("cursor").to_owned();
    drop(ws);
    let missed = [
        s.send(&alice, &conv, "missed 1").await,
        s.send(&alice, &conv, "missed 2").await,
    ];
    let mut ws = s.ws(&bob, Some(&resume)).await;
    for m in &missed {
        let event = next_event(&mut ws).await;
        assert_eq!(
            event["data"]["id"], m["id"],
            "replay is in order, starting after `since`"
        );
    }
    let after = s.send(&alice, &conv, "live again").await;
    assert_eq!(
        next_event(&mut ws).await["data"]["id"],
        after["id"],
        "then live, nothing repeated"
    );
}

#[tokio::test]
async fn too_many_missed_events_mean_resync() {
    let s = TestServer::start_with(|c| c.ws_replay_max = 3).await;
    let (alice, bob, conv) = pair(&s).await;
    let (_, since) = s.sync_all(&bob, None, 1000).await;
    for i in 0..6 {
        s.send(&alice, &conv, &format!("m{i}")).await;
    }
    let mut ws = s.ws(&bob, Some(&since)).await;
    let frame = ws.next().await;
    assert_eq!(
        frame,
        json!({"type": "resync"}),
        "more than ws_replay_max pending: resync, not a partial replay"
    );
    let m = s.send(&alice, &conv, "after resync").await;
    let event = next_event_of(&mut ws, "message.created").await;
    assert_eq!(
        event["data"]["id"], m["id"],
        "after resync the socket streams live events"
    );
}

#[tokio::test]
async fn send_is_acked_with_the_stored_message() {
    let s = TestServer::start().await;
    let (alice, bob, conv) = pair(&s).await;
    let mut ws = s.ws(&alice, None).await;
    let client_id = new_client_id();
    let frame =
        json!({"type": "send", "conversation_id": conv, "client_id": client_id, "body": "via ws"});
    ws.send(frame.clone()).await;
    let ack = ws.next_of("ack").await;
    assert_eq!(ack["client_id"], client_id.as_str());
    assert_eq!(ack["message"]["body"], "via ws");
    assert_eq!(ack["message"]["seq"], 1);
    assert_eq!(ack["message"]["sender_id"], alice.id.as_str());
    ws.send(frame).await;
    let again = ws.next_of("ack").await;
    assert_eq!(
        again["message"]["id"], ack["message"]["id"],
        "a resent client_id is acked with the same message"
    );
    let stored = s.messages(&bob, &conv, "").await;
    assert_eq!(stored.len(), 1, "acked once, stored once");
    assert_eq!(stored[0]["id"], ack["message"]["id"]);
}

#[tokio::test]
async fn send_errors_come_back_as_error_frames() {
    let s = TestServer::start().await;
    let (alice, bob, _conv) = pair(&s).await;
    let carol = s.register("carol").await;
    let theirs = s.direct(&bob, &carol).await;
    let mut ws = s.ws(&alice, None).await;
    for (conversation, body, why) in [
        (theirs.as_str(), "hi", "not a member"),
        ("no-such-conv", "hi", "unknown conversation"),
    ] {
        let client_id = new_client_id();
        ws.send(json!({"type": "send", "conversation_id": conversation, "client_id": client_id, "body": body})).await;
        let err = ws.next_of("error").await;
        assert_eq!(
            err["client_id"],
            client_id.as_str(),
            "{why}: the error names the client_id"
        );
        crate::fixture::assert_error_shape(&json!({"error": err["error"]}), why);
    }
    let conv = s.direct(&alice, &bob).await;
    let client_id = new_client_id();
    ws.send(
        json!({"type": "send", "conversation_id": conv, "client_id": client_id, "body": "   "}),
    )
    .await;
    let err = ws.next_of("error").await;
    assert_eq!(
        err["client_id"],
        client_id.as_str(),
        "blank body is refused"
    );
    assert!(
        s.messages(&bob, &theirs, "").await.is_empty(),
        "nothing was stored in the foreign conversation"
    );
}

#[tokio::test]
async fn typing_reaches_the_other_members_only() {
    let s = TestServer::start().await;
    let (alice, bob, conv) = pair(&s).await;
    let carol = s.register("carol").await;
    let everyone = s.group(&alice, "All", &[&bob, &carol]).await;
    let mut a = s.ws(&alice, None).await;
    let mut b = s.ws(&bob, None).await;
    let mut c = s.ws(&carol, None).await;
    a.send(json!({"type": "typing", "conversation_id": conv}))
        .await;
    let typing = next_but_presence(&mut b).await;
    assert_eq!(
        typing,
        json!({"type": "typing", "conversation_id": conv, "user_id": alice.id}),
        "bob is told alice types"
    );
    // Typing has no cursor, so the only way to see it was *not* relayed is ordering: the next
    // frame alice and carol get must be this later event, not a typing frame.
    let m = s.send(&bob, &everyone, "after typing").await;
    for (ws, who) in [
        (&mut a, "alice (the typist)"),
        (&mut c, "carol (not in the conversation)"),
    ] {
        let frame = next_but_presence(ws).await;
        assert_eq!(frame["type"], "event", "{who} got no typing frame: {frame}");
        assert_eq!(frame["event"]["data"]["id"], m["id"], "{who}");
    }
}

#[tokio::test]
async fn non_members_get_no_live_events() {
    let s = TestServer::start().await;
    let (alice, _bob, conv) = pair(&s).await;
    let carol = s.register("carol").await;
    let hers = s.direct(&alice, &carol).await;
    let mut c = s.ws(&carol, None).await;
    s.send(&alice, &conv, "for bob only").await;
    let m = s.send(&alice, &hers, "for carol").await;
    let event = next_event(&mut c).await;
    assert_eq!(
        event["data"]["id"], m["id"],
        "carol's first event is hers, not alice↔bob's: {event}"
    );
}

#[rstest::rstest]
#[case::not_json(WsMessage::text("hello?"))]
#[case::send_before_hello(WsMessage::text(json!({"type": "send", "conversation_id": "x", "client_id": new_client_id(), "body": "hi"}).to_string()))]
#[case::hello_without_token(WsMessage::text(r#"{"type":"hello","since":null}"#))]
#[case::binary(WsMessage::binary(b"{}".to_vec()))]
#[tokio::test]
async fn an_invalid_first_frame_closes_the_socket(#[case] first: WsMessage) {
    let s = TestServer::start().await;
    let mut ws = s.ws_raw().await;
    ws.send_raw(first).await;
    let close = ws.closed().await;
    if let Some((code, _)) = close {
        assert_ne!(code, 1000, "a refused hello is not a normal closure");
    }
}

#[tokio::test]
async fn a_bad_token_in_hello_closes_with_4001() {
    let s = TestServer::start().await;
    let mut ws = s.ws_raw().await;
    ws.send(json!({"type": "hello", "access_token": "forged", "since": null}))
        .await;
    let (code, reason) = ws
        .closed()
        .await
        .expect("a close frame, not a dropped connection");
    assert_eq!(code, 4001, "bad token closes with 4001 (reason {reason:?})");
    assert!(!reason.is_empty(), "the close frame carries a reason");
}

async fn assert_closed_4001(ws: &mut Ws, why: &str) {
    let (code, reason) = ws
        .closed()
        .await
        .unwrap_or_else(|| panic!("{why}: a close frame, not a dropped connection"));
    assert_eq!(code, 4001, "{why}: closed with 4001 (reason {reason:?})");
    assert!(
        !reason.is_empty(),
        "{why}: the close frame carries a reason"
    );
}

#[tokio::test]
async fn revoking_a_session_closes_its_sockets_with_4001() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let phone = s.login("alice", PASSWORD).await;
    let mut doomed = s.ws(&phone, None).await;
    let mut survivor = s.ws(&alice, None).await;
    let resp = s
        .delete(&format!("/api/v1/sessions/{}", phone.session_id))
        .auth(&alice)
        .send()
        .await;
    assert_eq!(resp.status.as_u16(), 204, "revoke: {}", resp.text());
    assert_closed_4001(&mut doomed, "DELETE /sessions/{id}").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&bob, &alice).await;
    let m = s.send(&bob, &conv, "still here?").await;
    let created = next_event_of(&mut survivor, "message.created").await;
    assert_eq!(
        created["data"]["id"], m["id"],
        "the other session's socket stays open"
    );
}

#[tokio::test]
async fn logout_closes_its_sockets_with_4001() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let mut ws = s.ws(&alice, None).await;
    let resp = s.post("/api/v1/auth/logout").auth(&alice).send().await;
    assert_eq!(resp.status.as_u16(), 204, "logout: {}", resp.text());
    assert_closed_4001(&mut ws, "logout").await;
}

#[tokio::test]
async fn refresh_token_reuse_closes_its_sockets_with_4001() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let mut ws = s.ws(&alice, None).await;
    let body = json!({"refresh_token": alice.refresh_token});
    s.post("/api/v1/auth/refresh")
        .json(&body)
        .send()
        .await
        .expect(200, "first refresh");
    s.post("/api/v1/auth/refresh")
        .json(&body)
        .send()
        .await
        .expect_error(401, "reuse");
    assert_closed_4001(&mut ws, "refresh-token reuse").await;
}
