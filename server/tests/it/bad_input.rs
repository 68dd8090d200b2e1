//! Hostile and broken input: malformed JSON, wrong types, oversize bodies and frames, invalid
//! UTF-8, injection payloads (stored byte for byte), bad query parameters. Every refusal is a
//! 4xx in the contract's error shape; nothing is a 5xx.

use rstest::rstest;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::fixture::{Resp, TestServer, assert_error_shape, id_of, new_client_id};

#[track_caller]
fn assert_400(resp: &Resp, why: &str) {
    assert_eq!(
        resp.status.as_u16(),
        400,
        "{why}: got {} {}",
        resp.status,
        resp.text()
    );
    assert_error_shape(&resp.json(), why);
}

#[rstest]
#[case::truncated(b"{\"username\":")]
#[case::not_json(b"hello")]
#[case::empty(b"")]
#[case::whitespace(b"   \n\t ")]
#[case::array(b"[]")]
#[case::null(b"null")]
#[case::wrong_types(br#"{"username": 5, "password": true}"#)]
#[case::missing_password(br#"{"username": "zed"}"#)]
#[case::invalid_utf8(b"{\"username\": \"z\xff\xfed\", \"password\": \"12345678\"}")]
#[case::trailing_garbage(br#"{"username": "zed", "password": "12345678"} x"#)]
#[tokio::test]
async fn malformed_json_is_400(#[case] raw: &'static [u8]) {
    let s = TestServer::start().await;
    let resp = s
        .post("/api/v1/auth/register")
        .raw("application/json", raw)
        .send()
        .await;
    assert_400(
        &resp,
        &format!("register with {:?}", String::from_utf8_lossy(raw)),
    );
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let path = format!("/api/v1/conversations/{conv}/messages");
    let resp = s
        .post(&path)
        .auth(&alice)
        .raw("application/json", raw)
        .send()
        .await;
    assert_400(
        &resp,
        &format!("send with {:?}", String::from_utf8_lossy(raw)),
    );
    assert!(
        s.messages(&alice, &conv, "").await.is_empty(),
        "nothing was stored"
    );
}

#[tokio::test]
async fn wrongly_typed_fields_are_400() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let path = format!("/api/v1/conversations/{conv}/messages");
    let cases = [
        json!({"client_id": new_client_id(), "body": 42}),
        json!({"client_id": new_client_id(), "body": ["a"]}),
        json!({"client_id": 7, "body": "x"}),
        json!({"client_id": new_client_id(), "body": "x", "attachment_ids": "abc"}),
        json!({"client_id": new_client_id(), "body": "x", "reply_to": 5}),
        json!({"body": "x"}),
    ];
    for body in cases {
        assert_400(
            &s.post(&path).auth(&alice).json(&body).send().await,
            &format!("send {body}"),
        );
    }
    let read = format!("/api/v1/conversations/{conv}/read");
    for seq in [json!(1e30), json!("1"), json!(null), json!(1.5)] {
        assert_400(
            &s.post(&read)
                .auth(&alice)
                .json(&json!({"seq": seq}))
                .send()
                .await,
            &format!("read seq {seq}"),
        );
    }
    let body = json!({"kind": "group", "title": "t", "member_ids": bob.id});
    assert_400(
        &s.post("/api/v1/conversations")
            .auth(&alice)
            .json(&body)
            .send()
            .await,
        "member_ids not a list",
    );
}

/// The contract does not say whether `Content-Type` must be `application/json`: accepting the
/// JSON anyway is fine, refusing it must use the error shape.
#[tokio::test]
async fn json_with_another_content_type_is_accepted_or_refused_in_shape() {
    let s = TestServer::start().await;
    let body = br#"{"username": "zed", "password": "12345678"}"#;
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let resp = s
            .post("/api/v1/auth/register")
            .raw(content_type, body.to_vec())
            .send()
            .await;
        match resp.status.as_u16() {
            201 | 409 => {}
            400 | 415 => {
                assert_error_shape(&resp.json(), content_type);
            }
            other => panic!("{content_type} JSON: unexpected {other} {}", resp.text()),
        }
    }
}

#[tokio::test]
async fn oversize_json_bodies_are_413() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let path = format!("/api/v1/conversations/{conv}/messages");
    let huge = json!({"client_id": new_client_id(), "body": "x".repeat(100_000)});
    let resp = s.post(&path).auth(&alice).json(&huge).send().await;
    resp.expect_error(413, "a request body over max_request_bytes (64 KiB)");
    let huge = json!({"username": "zed", "password": "x".repeat(200_000)});
    let resp = s.post("/api/v1/auth/register").json(&huge).send().await;
    resp.expect_error(413, "a register body over max_request_bytes");
    assert!(
        s.messages(&alice, &conv, "").await.is_empty(),
        "nothing was stored"
    );
}

#[rstest]
#[case::sql_injection("'; DROP TABLE messages; --")]
#[case::sql_or("x' OR '1'='1")]
#[case::html("<script>alert(1)</script><b>bold</b> &amp; &lt;")]
#[case::surrounding_whitespace("  padded\t\n")]
#[case::crlf("line one\r\nline two\r\n")]
#[case::nul_inside("before\u{0}after")]
#[case::quotes_and_backslashes(r#"say "hi" \n \\ \u0041"#)]
#[case::emoji_zwj("👩‍👩‍👧‍👦 family 🏳️‍🌈")]
#[case::rtl_and_combining("مرحبا e\u{301} \u{202E}txet")]
#[case::line_separator("a\u{2028}b\u{2029}c")]
#[case::percent_and_underscore("100% of _all_ %s")]
#[tokio::test]
async fn bodies_are_stored_and_returned_byte_for_byte(#[case] text: &str) {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let sent = s.send(&alice, &conv, text).await;
    assert_eq!(
        sent["body"], text,
        "the send response echoes the exact body"
    );
    let listed = s.messages(&bob, &conv, "").await;
    assert_eq!(
        listed[0]["body"], text,
        "GET messages returns the exact body"
    );
    let (events, _) = s.sync_all(&bob, None, 1000).await;
    let event = events
        .iter()
        .find(|e| e["type"] == "message.created")
        .expect("message.created event");
    assert_eq!(
        event["data"]["body"], text,
        "the sync event carries the exact body"
    );
    let path = format!("/api/v1/conversations/{conv}/messages/{}", id_of(&sent));
    let edited = format!("{text} (edited)");
    let resp = s
        .patch(&path)
        .auth(&alice)
        .json(&json!({"body": edited}))
        .send()
        .await;
    assert_eq!(
        resp.expect(200, "edit")["body"],
        edited.as_str(),
        "edits are exact too"
    );
}

#[rstest]
#[case::sql("Robert'); DROP TABLE users;--")]
#[case::html("<img src=x onerror=alert(1)>")]
#[tokio::test]
async fn labels_are_stored_verbatim(#[case] text: &str) {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let me = s
        .patch("/api/v1/me")
        .auth(&alice)
        .json(&json!({"display_name": text}))
        .send()
        .await;
    assert_eq!(me.expect(200, "display name")["display_name"], text);
    let user = s
        .get(&format!("/api/v1/users/{}", alice.id))
        .auth(&bob)
        .send()
        .await
        .expect(200, "read");
    assert_eq!(user["display_name"], text, "display name unescaped");
    let conv = s.group(&alice, text, &[&bob]).await;
    assert_eq!(
        s.conversation(&bob, &conv).await["title"],
        text,
        "title unescaped"
    );
    let list = s
        .get(&s.url_q("/api/v1/users", &[("q", text)]))
        .auth(&bob)
        .send()
        .await
        .expect(200, "q");
    assert_eq!(
        list["users"][0]["id"],
        alice.id.as_str(),
        "searching by the exact display name works"
    );
}

#[tokio::test]
async fn non_numeric_query_parameters_are_400() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let messages = format!("/api/v1/conversations/{conv}/messages");
    let urls = [
        format!("{messages}?limit=abc"),
        format!("{messages}?limit="),
        format!("{messages}?before=x"),
        format!("{messages}?after=9999999999999999999999"),
        "/api/v1/sync?limit=abc".to_owned(),
        "/api/v1/sync?limit=-5".to_owned(),
        "/api/v1/search?q=hi&limit=abc".to_owned(),
    ];
    for url in urls {
        assert_400(&s.get(&url).auth(&alice).send().await, &url);
    }
}

#[tokio::test]
async fn odd_paths_are_404_in_shape() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    for path in [
        "/api/v1/no-such-route",
        "/api/v1/conversations/%27%20OR%201%3D1%20--",
        "/api/v1/conversations/%00",
        "/api/v1/users/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/attachments/..%2F..%2Fparley.db",
    ] {
        let resp = s.get(path).auth(&alice).send().await;
        resp.expect_error(404, path);
    }
}

#[tokio::test]
async fn an_oversize_websocket_frame_closes_that_socket_only() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let mut ws = s.ws(&alice, None).await;
    let body = "x".repeat(70 * 1024);
    ws.send_raw(WsMessage::text(
        json!({"type": "typing", "conversation_id": body}).to_string(),
    ))
    .await;
    if let Some((code, _)) = ws.closed().await {
        assert_ne!(code, 1000, "an oversize frame is not a normal closure");
    }
    s.get("/healthz")
        .send()
        .await
        .expect_status(200, "the server is fine");
    let other = s.ws(&alice, None).await;
    assert_eq!(
        other.ready["user_id"],
        alice.id.as_str(),
        "a new socket still says hello"
    );
    s.get("/api/v1/me")
        .auth(&alice)
        .send()
        .await
        .expect(200, "other clients are fine");
}

#[tokio::test]
async fn a_malformed_frame_after_hello_gets_an_error_or_a_close() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    for junk in [
        WsMessage::text("{not json"),
        WsMessage::text(r#"{"type":"launch_missiles"}"#),
    ] {
        let mut ws = s.ws(&alice, None).await;
        ws.send_raw(junk.clone()).await;
        let frame = ws.next_or_close().await.unwrap_or(Value::Null);
        if !frame.is_null() {
            assert_eq!(
                frame["type"], "error",
                "{junk:?} is answered with an error frame: {frame}"
            );
            assert_error_shape(&json!({"error": frame["error"]}), "ws error frame");
        }
    }
}
