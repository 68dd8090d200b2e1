//! Changing messages: edits (sender only), deletion tombstones (sender or group admin) and
//! reactions (§2 "Messages").

use serde_json::{Value, json};

use crate::fixture::{TestServer, TestUser, id_of, new_client_id};
use crate::messages::pair;

#[tokio::test]
async fn only_the_sender_edits() {
    let s = TestServer::start().await;
    let (alice, bob, conv) = pair(&s).await;
    let carol = s.register("carol").await;
    let m = s.send(&alice, &conv, "typo").await;
    let path = format!("/api/v1/conversations/{conv}/messages/{}", id_of(&m));
    let edited = s
        .patch(&path)
        .auth(&alice)
        .json(&json!({"body": "fixed"}))
        .send()
        .await;
    let edited = edited.expect(200, "the sender edits");
    assert_eq!(edited["body"], "fixed");
    assert_eq!(
        (edited["id"].clone(), edited["seq"].clone()),
        (m["id"].clone(), m["seq"].clone()),
        "same id and seq"
    );
    assert!(
        edited["edited_at"].is_string(),
        "edited_at is set: {edited}"
    );
    s.patch(&path)
        .auth(&bob)
        .json(&json!({"body": "bob's"}))
        .send()
        .await
        .expect_error(403, "not the sender");
    s.patch(&path)
        .auth(&carol)
        .json(&json!({"body": "carol's"}))
        .send()
        .await
        .expect_error(404, "non-member");
    s.patch(&path)
        .auth(&alice)
        .json(&json!({"body": " "}))
        .send()
        .await
        .expect_error(400, "blank edit");
    let ghost = format!("/api/v1/conversations/{conv}/messages/no-such-message");
    s.patch(&ghost)
        .auth(&alice)
        .json(&json!({"body": "x"}))
        .send()
        .await
        .expect_error(404, "unknown message");
    assert_eq!(
        s.messages(&bob, &conv, "").await[0]["body"],
        "fixed",
        "refused edits changed nothing"
    );
}

fn text_attachment() -> Vec<u8> {
    b"plain text attachment".to_vec()
}

#[tokio::test]
async fn delete_leaves_a_tombstone() {
    let s = TestServer::start().await;
    let (alice, bob, conv) = pair(&s).await;
    let upload = s
        .post(&s.url_q("/api/v1/attachments", &[("name", "a.txt")]))
        .auth(&alice)
        .raw("text/plain", text_attachment())
        .send()
        .await
        .expect(201, "upload");
    let path = format!("/api/v1/conversations/{conv}/messages");
    let body =
        json!({"client_id": new_client_id(), "body": "secret", "attachment_ids": [upload["id"]]});
    let m = s
        .post(&path)
        .auth(&alice)
        .json(&body)
        .send()
        .await
        .expect(201, "send with attachment");
    let one = format!("{path}/{}", id_of(&m));
    let resp = s
        .put(&format!("{one}/reactions/👍"))
        .auth(&bob)
        .send()
        .await;
    assert_eq!(resp.status.as_u16(), 204, "react: {}", resp.text());
    s.delete(&one)
        .auth(&bob)
        .send()
        .await
        .expect_error(403, "bob is not the sender (direct: no admins)");
    let resp = s.delete(&one).auth(&alice).send().await;
    assert_eq!(
        resp.status.as_u16(),
        204,
        "the sender deletes: {}",
        resp.text()
    );
    let t = s.messages(&bob, &conv, "").await[0].clone();
    assert_eq!(
        (t["id"].clone(), t["seq"].clone()),
        (m["id"].clone(), m["seq"].clone()),
        "keeps id and seq"
    );
    assert_eq!(t["deleted"], true);
    assert_eq!(t["body"], "", "the body is emptied");
    assert_eq!(t["reactions"], json!([]), "no reactions on a tombstone");
    assert_eq!(t["attachments"], json!([]), "no attachments on a tombstone");
    let ghost = format!("{path}/no-such-message");
    s.delete(&ghost)
        .auth(&alice)
        .send()
        .await
        .expect_error(404, "unknown message");
}

#[tokio::test]
async fn group_admins_delete_anyones_message_members_do_not() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let carol = s.register("carol").await;
    let mallory = s.register("mallory").await;
    let group = s.group(&alice, "G", &[&bob, &carol]).await;
    let by_bob = s.send(&bob, &group, "bob says").await;
    let path = format!("/api/v1/conversations/{group}/messages/{}", id_of(&by_bob));
    s.delete(&path)
        .auth(&carol)
        .send()
        .await
        .expect_error(403, "a member deletes another's message");
    s.delete(&path)
        .auth(&mallory)
        .send()
        .await
        .expect_error(404, "a non-member");
    assert_eq!(
        s.messages(&alice, &group, "").await[0]["deleted"],
        false,
        "refusals changed nothing"
    );
    let resp = s.delete(&path).auth(&alice).send().await;
    assert_eq!(
        resp.status.as_u16(),
        204,
        "the admin deletes bob's message: {}",
        resp.text()
    );
    assert_eq!(s.messages(&carol, &group, "").await[0]["deleted"], true);
}

async fn reactions_of(s: &TestServer, user: &TestUser, conv: &str) -> Value {
    s.messages(user, conv, "").await[0]["reactions"].clone()
}

#[tokio::test]
async fn reactions_are_idempotent_and_counted() {
    let s = TestServer::start().await;
    let (alice, bob, conv) = pair(&s).await;
    let m = s.send(&alice, &conv, "react to me").await;
    let url = format!(
        "/api/v1/conversations/{conv}/messages/{}/reactions/👍",
        id_of(&m)
    );
    for (who, what) in [(&alice, "first put"), (&alice, "repeated put")] {
        let resp = s.put(&url).auth(who).send().await;
        assert_eq!(resp.status.as_u16(), 204, "{what} is 204: {}", resp.text());
    }
    let r = reactions_of(&s, &bob, &conv).await;
    assert_eq!(
        r,
        json!([{"emoji": "👍", "count": 1, "user_ids": [alice.id]}]),
        "a repeat adds nothing"
    );
    let resp = s.put(&url).auth(&bob).send().await;
    assert_eq!(resp.status.as_u16(), 204, "bob reacts: {}", resp.text());
    let r = reactions_of(&s, &alice, &conv).await;
    assert_eq!(r[0]["count"], 2, "two reactors: {r}");
    let mut users: Vec<String> =
        serde_json::from_value(r[0]["user_ids"].clone()).expect("user_ids");
    users.sort();
    let mut expected = vec![alice.id.clone(), bob.id.clone()];
    expected.sort();
    assert_eq!(users, expected, "user_ids lists both");
    for what in ["first delete", "repeated delete"] {
        let resp = s.delete(&url).auth(&alice).send().await;
        assert_eq!(resp.status.as_u16(), 204, "{what} is 204: {}", resp.text());
    }
    let r = reactions_of(&s, &alice, &conv).await;
    assert_eq!(
        r,
        json!([{"emoji": "👍", "count": 1, "user_ids": [bob.id]}]),
        "only bob's remains"
    );
    let resp = s.delete(&url).auth(&bob).send().await;
    assert_eq!(resp.status.as_u16(), 204, "bob unreacts: {}", resp.text());
    assert_eq!(
        reactions_of(&s, &alice, &conv).await,
        json!([]),
        "an emptied reaction disappears"
    );
}

#[tokio::test]
async fn reaction_errors() {
    let s = TestServer::start().await;
    let (alice, _bob, conv) = pair(&s).await;
    let carol = s.register("carol").await;
    let m = s.send(&alice, &conv, "m").await;
    let base = format!(
        "/api/v1/conversations/{conv}/messages/{}/reactions",
        id_of(&m)
    );
    s.put(&format!("{base}/👍"))
        .auth(&carol)
        .send()
        .await
        .expect_error(404, "a non-member reacts");
    s.put(&format!("{base}/a%20b"))
        .auth(&alice)
        .send()
        .await
        .expect_error(400, "an emoji with whitespace");
    let long = "x".repeat(65);
    s.put(&format!("{base}/{long}"))
        .auth(&alice)
        .send()
        .await
        .expect_error(400, "an emoji over 64 bytes");
    let ghost = format!("/api/v1/conversations/{conv}/messages/no-such-message/reactions/👍");
    s.put(&ghost)
        .auth(&alice)
        .send()
        .await
        .expect_error(404, "an unknown message");
    assert_eq!(
        reactions_of(&s, &alice, &conv).await,
        json!([]),
        "refusals added nothing"
    );
}

#[tokio::test]
async fn a_tombstone_stays_a_tombstone() {
    let s = TestServer::start().await;
    let (alice, bob, conv) = pair(&s).await;
    let path = format!("/api/v1/conversations/{conv}/messages");
    let send = json!({"client_id": new_client_id(), "body": "regret"});
    let m = s
        .post(&path)
        .auth(&alice)
        .json(&send)
        .send()
        .await
        .expect(201, "send");
    let one = format!("{path}/{}", id_of(&m));
    let resp = s.delete(&one).auth(&alice).send().await;
    assert_eq!(resp.status.as_u16(), 204, "delete: {}", resp.text());
    let resp = s
        .patch(&one)
        .auth(&alice)
        .json(&json!({"body": "undead"}))
        .send()
        .await;
    assert!(
        resp.status.is_client_error(),
        "editing a tombstone is refused: {} {}",
        resp.status,
        resp.text()
    );
    let resp = s
        .put(&format!("{one}/reactions/👍"))
        .auth(&bob)
        .send()
        .await;
    assert!(
        resp.status.as_u16() == 204 || resp.status.is_client_error(),
        "react: {}",
        resp.status
    );
    let again = s
        .post(&path)
        .auth(&alice)
        .json(&send)
        .send()
        .await
        .expect(200, "resend after delete");
    assert_eq!(
        again["id"], m["id"],
        "a resent client_id never resurrects or duplicates"
    );
    assert_eq!(
        again["deleted"], true,
        "the resend answers with the tombstone"
    );
    let stored = s.messages(&bob, &conv, "").await;
    assert_eq!(stored.len(), 1, "still one message");
    assert_eq!(stored[0]["body"], "", "the tombstone body stays empty");
    assert_eq!(
        stored[0]["reactions"],
        json!([]),
        "the tombstone has no reactions"
    );
}
