//! Groups: creator is admin, titles, adding and removing members; direct conversations
//! allow no member changes (§2 "Users and conversations").

use serde_json::json;

use crate::conversations::{member_roles, role, sorted, three};
use crate::fixture::{TestServer, id_of};

#[tokio::test]
async fn group_creator_is_admin() {
    let s = TestServer::start().await;
    let (alice, bob, carol) = three(&s).await;
    let body = json!({"kind": "group", "title": "Tea party", "member_ids": [bob.id, carol.id]});
    let group = s
        .post("/api/v1/conversations")
        .auth(&alice)
        .json(&body)
        .send()
        .await;
    let group = group.expect(201, "create a group");
    assert_eq!(group["kind"], "group");
    assert_eq!(group["title"], "Tea party");
    let expected = sorted(vec![
        role(&alice, "admin"),
        role(&bob, "member"),
        role(&carol, "member"),
    ]);
    assert_eq!(
        member_roles(&group),
        expected,
        "creator is admin, the rest members"
    );
    let seen = s.conversation(&bob, &id_of(&group)).await;
    assert_eq!(member_roles(&seen), expected, "members see the same roster");
}

#[tokio::test]
async fn group_needs_a_title() {
    let s = TestServer::start().await;
    let (alice, bob, _) = three(&s).await;
    for body in [
        json!({"kind": "group", "member_ids": [bob.id]}),
        json!({"kind": "group", "title": "", "member_ids": [bob.id]}),
        json!({"kind": "group", "title": "x".repeat(129), "member_ids": [bob.id]}),
    ] {
        let resp = s
            .post("/api/v1/conversations")
            .auth(&alice)
            .json(&body)
            .send()
            .await;
        resp.expect_error(400, &format!("group body {body}"));
    }
}

#[tokio::test]
async fn only_admins_rename_a_group() {
    let s = TestServer::start().await;
    let (alice, bob, carol) = three(&s).await;
    let id = s.group(&alice, "Old", &[&bob]).await;
    let path = format!("/api/v1/conversations/{id}");
    let renamed = s
        .patch(&path)
        .auth(&alice)
        .json(&json!({"title": "New"}))
        .send()
        .await;
    assert_eq!(renamed.expect(200, "admin renames")["title"], "New");
    let resp = s
        .patch(&path)
        .auth(&bob)
        .json(&json!({"title": "Bob's"}))
        .send()
        .await;
    resp.expect_error(403, "a plain member may not rename");
    let resp = s
        .patch(&path)
        .auth(&carol)
        .json(&json!({"title": "Carol's"}))
        .send()
        .await;
    resp.expect_error(404, "a non-member does not learn the group exists");
    assert_eq!(
        s.conversation(&bob, &id).await["title"],
        "New",
        "refused renames changed nothing"
    );
    let resp = s
        .patch(&path)
        .auth(&alice)
        .json(&json!({"title": ""}))
        .send()
        .await;
    resp.expect_error(400, "an empty title");
}

#[tokio::test]
async fn admins_add_and_remove_members() {
    let s = TestServer::start().await;
    let (alice, bob, carol) = three(&s).await;
    let dave = s.register("dave").await;
    let id = s.group(&alice, "G", &[&bob]).await;
    let members = format!("/api/v1/conversations/{id}/members");
    let resp = s
        .post(&members)
        .auth(&bob)
        .json(&json!({"user_id": carol.id}))
        .send()
        .await;
    resp.expect_error(403, "a plain member may not add");
    let resp = s
        .post(&members)
        .auth(&dave)
        .json(&json!({"user_id": dave.id}))
        .send()
        .await;
    resp.expect_error(404, "a non-member may not add (even themself)");
    let added = s
        .post(&members)
        .auth(&alice)
        .json(&json!({"user_id": carol.id}))
        .send()
        .await;
    let added = added.expect(200, "admin adds carol");
    assert!(
        member_roles(&added).contains(&role(&carol, "member")),
        "carol joins as member: {added}"
    );
    s.conversation(&carol, &id).await;

    let resp = s
        .delete(&format!("{members}/{}", carol.id))
        .auth(&bob)
        .send()
        .await;
    resp.expect_error(403, "a plain member may not remove someone else");
    let resp = s
        .delete(&format!("{members}/{}", carol.id))
        .auth(&alice)
        .send()
        .await;
    assert_eq!(
        resp.status.as_u16(),
        204,
        "admin removes carol: {}",
        resp.text()
    );
    let resp = s
        .get(&format!("/api/v1/conversations/{id}"))
        .auth(&carol)
        .send()
        .await;
    resp.expect_error(404, "a removed member no longer sees the group");
    let messages = format!("/api/v1/conversations/{id}/messages");
    let resp = s.get(&messages).auth(&carol).send().await;
    resp.expect_error(404, "a removed member no longer reads its messages");
    let body = json!({"client_id": crate::fixture::new_client_id(), "body": "still here?"});
    let resp = s.post(&messages).auth(&carol).json(&body).send().await;
    resp.expect_error(404, "a removed member can no longer post");
    let resp = s
        .delete(&format!("{members}/{}", bob.id))
        .auth(&bob)
        .send()
        .await;
    assert_eq!(
        resp.status.as_u16(),
        204,
        "bob leaves by removing himself: {}",
        resp.text()
    );
    let left = s.conversation(&alice, &id).await;
    assert_eq!(
        member_roles(&left),
        vec![role(&alice, "admin")],
        "only alice remains"
    );
}

#[tokio::test]
async fn direct_conversations_have_no_member_changes() {
    let s = TestServer::start().await;
    let (alice, bob, carol) = three(&s).await;
    let id = s.direct(&alice, &bob).await;
    let members = format!("/api/v1/conversations/{id}/members");
    let resp = s
        .post(&members)
        .auth(&alice)
        .json(&json!({"user_id": carol.id}))
        .send()
        .await;
    resp.expect_error(400, "adding to a direct conversation");
    let resp = s
        .delete(&format!("{members}/{}", bob.id))
        .auth(&alice)
        .send()
        .await;
    resp.expect_error(400, "removing from a direct conversation");
    let resp = s
        .delete(&format!("{members}/{}", alice.id))
        .auth(&alice)
        .send()
        .await;
    resp.expect_error(400, "leaving a direct conversation");
    assert_eq!(
        member_roles(&s.conversation(&bob, &id).await).len(),
        2,
        "still two members"
    );
}
