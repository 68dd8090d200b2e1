//! Conversations: direct and group, admins, members, listing order, unread counts and the read
//! marker (§2 "Users and conversations", "Messages").

use serde_json::{Value, json};

use crate::fixture::{TestServer, TestUser, id_of};

pub fn member_roles(conversation: &Value) -> Vec<(String, String)> {
    let members = conversation["members"]
        .as_array()
        .unwrap_or_else(|| panic!("members: {conversation}"));
    let mut roles: Vec<(String, String)> = members
        .iter()
        .map(|m| {
            (
                m["user_id"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    roles.sort();
    roles
}

pub fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

pub fn role(user: &TestUser, role: &str) -> (String, String) {
    (user.id.clone(), role.to_owned())
}

pub async fn three(s: &TestServer) -> (TestUser, TestUser, TestUser) {
    (
        s.register("alice").await,
        s.register("bob").await,
        s.register("carol").await,
    )
}

#[tokio::test]
async fn direct_conversation_is_created_once() {
    let s = TestServer::start().await;
    let (alice, bob, _) = three(&s).await;
    let body = json!({"kind": "direct", "member_ids": [bob.id]});
    let first = s
        .post("/api/v1/conversations")
        .auth(&alice)
        .json(&body)
        .send()
        .await;
    let first = first.expect(201, "the first direct conversation is created");
    assert_eq!(first["kind"], "direct");
    assert_eq!(
        first["title"],
        Value::Null,
        "direct conversations have a null title"
    );
    assert_eq!(first["last_message"], Value::Null, "no messages yet");
    assert_eq!(first["unread_count"], 0);
    assert_eq!(first["last_read_seq"], 0);
    assert!(first["created_at"].is_string(), "created_at: {first}");
    let ids: Vec<String> = member_roles(&first).into_iter().map(|(id, _)| id).collect();
    let mut expected = vec![alice.id.clone(), bob.id.clone()];
    expected.sort();
    assert_eq!(ids, expected, "exactly the two members");
    let again = s
        .post("/api/v1/conversations")
        .auth(&alice)
        .json(&body)
        .send()
        .await;
    assert_eq!(
        id_of(&again.expect(200, "asking again returns the existing one")),
        id_of(&first)
    );
    let back = json!({"kind": "direct", "member_ids": [alice.id]});
    let reverse = s
        .post("/api/v1/conversations")
        .auth(&bob)
        .json(&back)
        .send()
        .await;
    assert_eq!(
        id_of(&reverse.expect(200, "the other side gets the same one")),
        id_of(&first)
    );
}

#[tokio::test]
async fn direct_conversation_needs_exactly_one_other_member() {
    let s = TestServer::start().await;
    let (alice, bob, carol) = three(&s).await;
    for ids in [json!([]), json!([bob.id, carol.id]), json!([alice.id])] {
        let body = json!({"kind": "direct", "member_ids": ids});
        let resp = s
            .post("/api/v1/conversations")
            .auth(&alice)
            .json(&body)
            .send()
            .await;
        resp.expect_error(
            400,
            &format!("direct with member_ids {ids}: exactly two members"),
        );
    }
    let body = json!({"kind": "direct", "member_ids": ["no-such-user"]});
    let resp = s
        .post("/api/v1/conversations")
        .auth(&alice)
        .json(&body)
        .send()
        .await;
    assert!(
        matches!(resp.status.as_u16(), 400 | 404),
        "unknown member is 400/404: {} {}",
        resp.status,
        resp.text()
    );
    crate::fixture::assert_error_shape(&resp.json(), "unknown member");
    let body = json!({"kind": "channel", "member_ids": [bob.id]});
    let resp = s
        .post("/api/v1/conversations")
        .auth(&alice)
        .json(&body)
        .send()
        .await;
    resp.expect_error(400, "an unknown kind");
}

#[tokio::test]
async fn non_members_and_unknown_ids_look_the_same() {
    let s = TestServer::start().await;
    let (alice, bob, carol) = three(&s).await;
    let id = s.group(&alice, "Secret plans", &[&bob]).await;
    let hidden = s
        .get(&format!("/api/v1/conversations/{id}"))
        .auth(&carol)
        .send()
        .await;
    let hidden_code = hidden.expect_error(404, "non-member");
    assert!(
        !hidden.text().contains("Secret plans"),
        "nothing of the group leaks: {}",
        hidden.text()
    );
    let missing = s
        .get("/api/v1/conversations/no-such-id")
        .auth(&carol)
        .send()
        .await;
    assert_eq!(
        missing.expect_error(404, "unknown id"),
        hidden_code,
        "same answer, no existence leak"
    );
}

#[tokio::test]
async fn list_is_newest_activity_first() {
    let s = TestServer::start().await;
    let (alice, bob, carol) = three(&s).await;
    let first = s.direct(&alice, &bob).await;
    let second = s.group(&alice, "Later", &[&carol]).await;
    let ids = |list: &Value| -> Vec<String> {
        list["conversations"]
            .as_array()
            .expect("conversations")
            .iter()
            .map(id_of)
            .collect()
    };
    let list = s
        .get("/api/v1/conversations")
        .auth(&alice)
        .send()
        .await
        .expect(200, "list");
    assert_eq!(
        ids(&list),
        [second.clone(), first.clone()],
        "the newer conversation first"
    );
    let message = s.send(&bob, &first, "bump").await;
    let list = s
        .get("/api/v1/conversations")
        .auth(&alice)
        .send()
        .await
        .expect(200, "list");
    assert_eq!(
        ids(&list),
        [first.clone(), second],
        "a new message moves it to the top"
    );
    assert_eq!(
        list["conversations"][0]["last_message"]["id"], message["id"],
        "last_message is the newest"
    );
    let bobs = s
        .get("/api/v1/conversations")
        .auth(&bob)
        .send()
        .await
        .expect(200, "list");
    assert_eq!(ids(&bobs), [first], "bob lists only his own conversations");
}

#[tokio::test]
async fn unread_count_and_read_marker() {
    let s = TestServer::start().await;
    let (alice, bob, _) = three(&s).await;
    let id = s.direct(&alice, &bob).await;
    for body in ["one", "two", "three"] {
        s.send(&alice, &id, body).await;
    }
    let third = s.messages(&alice, &id, "").await[2].clone();
    s.send(&bob, &id, "bob's own").await;
    let view = s.conversation(&bob, &id).await;
    assert_eq!(
        view["unread_count"], 3,
        "bob's own message does not count: {view}"
    );
    assert_eq!(
        s.conversation(&alice, &id).await["unread_count"],
        1,
        "alice has bob's one"
    );
    let read = format!("/api/v1/conversations/{id}/read");
    let resp = s
        .post(&read)
        .auth(&bob)
        .json(&json!({"seq": 2}))
        .send()
        .await;
    assert_eq!(
        resp.status.as_u16(),
        204,
        "POST read is 204: {}",
        resp.text()
    );
    let view = s.conversation(&bob, &id).await;
    assert_eq!(
        (view["last_read_seq"].clone(), view["unread_count"].clone()),
        (json!(2), json!(1)),
        "{view}"
    );
    let resp = s
        .post(&read)
        .auth(&bob)
        .json(&json!({"seq": 1}))
        .send()
        .await;
    assert_eq!(
        resp.status.as_u16(),
        204,
        "an older marker is accepted: {}",
        resp.text()
    );
    let view = s.conversation(&bob, &id).await;
    assert_eq!(
        view["last_read_seq"], 2,
        "the read marker never moves backwards"
    );
    let path = format!("/api/v1/conversations/{id}/messages/{}", id_of(&third));
    let resp = s.delete(&path).auth(&alice).send().await;
    assert_eq!(
        resp.status.as_u16(),
        204,
        "alice deletes seq 3: {}",
        resp.text()
    );
    let view = s.conversation(&bob, &id).await;
    assert_eq!(
        view["unread_count"], 0,
        "a deleted message is not unread: {view}"
    );
    let list = s
        .get("/api/v1/conversations")
        .auth(&bob)
        .send()
        .await
        .expect(200, "list");
    assert_eq!(
        list["conversations"][0]["unread_count"], 0,
        "the list agrees"
    );
    let resp = s
        .post(&read)
        .auth(&bob)
        .json(&json!({"seq": "two"}))
        .send()
        .await;
    resp.expect_error(400, "a non-numeric seq");
}
