//! `/me` and `/users` (§2 "Users and conversations").

use serde_json::{Value, json};

use crate::fixture::{PASSWORD, TestServer};

fn usernames(list: &Value) -> Vec<String> {
    let users = list["users"]
        .as_array()
        .unwrap_or_else(|| panic!("users is an array: {list}"));
    let mut names: Vec<String> = users
        .iter()
        .map(|u| u["username"].as_str().expect("username").to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn me_returns_the_caller() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let _bob = s.register("bob").await;
    let me = s
        .get("/api/v1/me")
        .auth(&alice)
        .send()
        .await
        .expect(200, "GET /me");
    assert_eq!(me["id"], alice.id.as_str());
    assert_eq!(me["username"], "alice");
    for key in ["id", "username", "display_name", "created_at"] {
        assert!(me.get(key).is_some(), "user has {key}: {me}");
    }
    assert!(
        !me.to_string().contains(PASSWORD),
        "no password material in a user: {me}"
    );
}

#[tokio::test]
async fn patch_me_changes_the_display_name() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let body = json!({"display_name": "Alice Liddell"});
    let me = s
        .patch("/api/v1/me")
        .auth(&alice)
        .json(&body)
        .send()
        .await
        .expect(200, "PATCH /me");
    assert_eq!(me["display_name"], "Alice Liddell");
    assert_eq!(me["username"], "alice", "the username does not change");
    let seen = s
        .get(&format!("/api/v1/users/{}", alice.id))
        .auth(&bob)
        .send()
        .await;
    assert_eq!(
        seen.expect(200, "bob reads alice")["display_name"],
        "Alice Liddell",
        "the change persists"
    );
}

#[tokio::test]
async fn patch_me_rejects_bad_display_names() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    for bad in [
        json!(""),
        json!("   "),
        json!("x".repeat(65)),
        json!("bell\u{7}"),
        json!(42),
        json!(null),
    ] {
        let resp = s
            .patch("/api/v1/me")
            .auth(&alice)
            .json(&json!({"display_name": bad}))
            .send()
            .await;
        resp.expect_error(400, &format!("display_name {bad}"));
    }
    let me = s
        .get("/api/v1/me")
        .auth(&alice)
        .send()
        .await
        .expect(200, "GET /me");
    assert_eq!(me["username"], "alice");
    assert_ne!(me["display_name"], "", "refused changes were not applied");
}

#[tokio::test]
async fn get_user_by_id() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let user = s
        .get(&format!("/api/v1/users/{}", bob.id))
        .auth(&alice)
        .send()
        .await;
    let user = user.expect(200, "any signed-in user can read a user");
    assert_eq!(user["username"], "bob");
    assert_eq!(user["id"], bob.id.as_str());
    s.get("/api/v1/users/does-not-exist")
        .auth(&alice)
        .send()
        .await
        .expect_error(404, "unknown user id");
}

#[tokio::test]
async fn user_search_is_a_prefix_of_username_or_display_name() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    s.register("alicia").await;
    s.register("malice").await;
    let zed = s.register("zed").await;
    let body = json!({"display_name": "Alfred"});
    s.patch("/api/v1/me")
        .auth(&zed)
        .json(&body)
        .send()
        .await
        .expect(200, "rename zed");
    let list = s
        .get(&s.url_q("/api/v1/users", &[("q", "ali")]))
        .auth(&alice)
        .send()
        .await;
    assert_eq!(
        usernames(&list.expect(200, "q=ali")),
        ["alice", "alicia"],
        "prefix, not substring"
    );
    let list = s
        .get(&s.url_q("/api/v1/users", &[("q", "Alf")]))
        .auth(&alice)
        .send()
        .await;
    assert_eq!(
        usernames(&list.expect(200, "q=Alf")),
        ["zed"],
        "display-name prefix matches"
    );
    let list = s
        .get(&s.url_q("/api/v1/users", &[("q", "qqq")]))
        .auth(&alice)
        .send()
        .await;
    assert!(
        usernames(&list.expect(200, "q=qqq")).is_empty(),
        "no match is an empty list"
    );
}

#[tokio::test]
async fn user_search_treats_underscore_literally() {
    let s = TestServer::start().await;
    let alice = s.register("ab_cd").await;
    s.register("abxcd").await;
    let list = s
        .get(&s.url_q("/api/v1/users", &[("q", "ab_")]))
        .auth(&alice)
        .send()
        .await;
    assert_eq!(
        usernames(&list.expect(200, "q=ab_")),
        ["ab_cd"],
        "`_` is not a LIKE wildcard"
    );
}

#[tokio::test]
async fn user_search_treats_percent_literally() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let hundred = s.register("hundred").await;
    let body = json!({"display_name": "100% real"});
    s.patch("/api/v1/me")
        .auth(&hundred)
        .json(&body)
        .send()
        .await
        .expect(200, "rename");
    let other = s.register("other").await;
    let body = json!({"display_name": "100 real"});
    s.patch("/api/v1/me")
        .auth(&other)
        .json(&body)
        .send()
        .await
        .expect(200, "rename");
    let list = s
        .get(&s.url_q("/api/v1/users", &[("q", "100%")]))
        .auth(&alice)
        .send()
        .await;
    assert_eq!(
        usernames(&list.expect(200, "q=100%")),
        ["hundred"],
        "`%` matches only a literal %"
    );
    let list = s
        .get(&s.url_q("/api/v1/users", &[("q", "%")]))
        .auth(&alice)
        .send()
        .await;
    assert!(
        usernames(&list.expect(200, "q=%")).is_empty(),
        "a lone `%` is not match-everything"
    );
}
