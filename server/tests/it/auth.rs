//! Register, login, refresh rotation, logout, sessions, rate limiting (§2 "Auth").

use rstest::rstest;
use serde_json::{Value, json};

use crate::fixture::{PASSWORD, TestServer};

fn register_body(username: &str, password: &str) -> Value {
    json!({"username": username, "password": password})
}

#[track_caller]
pub fn assert_rfc3339_utc(value: &Value, what: &str) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is a string: {value}"));
    let time = chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{what} is RFC 3339 ({e}): {text}"));
    assert_eq!(time.offset().local_minus_utc(), 0, "{what} is UTC: {text}");
}

#[tokio::test]
async fn register_returns_201_with_user_and_session() {
    let s = TestServer::start().await;
    let body = json!({"username": "alice", "password": PASSWORD, "display_name": "Alice A.", "device_name": "laptop"});
    let auth = s
        .post("/api/v1/auth/register")
        .json(&body)
        .send()
        .await
        .expect(201, "register");
    let user = &auth["user"];
    assert!(
        user["id"].as_str().is_some_and(|id| !id.is_empty()),
        "user.id is a string: {auth}"
    );
    assert_eq!(user["username"], "alice");
    assert_eq!(
        user["display_name"], "Alice A.",
        "display_name is kept as sent"
    );
    assert_rfc3339_utc(&user["created_at"], "user.created_at");
    let session = &auth["session"];
    for key in ["session_id", "access_token", "refresh_token"] {
        assert!(
            session[key].as_str().is_some_and(|t| !t.is_empty()),
            "session.{key} present: {auth}"
        );
    }
    assert_ne!(
        session["access_token"], session["refresh_token"],
        "the two tokens differ"
    );
    assert_eq!(
        session["expires_in"], 900,
        "default access-token lifetime is 900 s"
    );
    assert!(
        !auth.to_string().contains(PASSWORD),
        "the password is never echoed back"
    );
}

#[tokio::test]
async fn usernames_fold_to_lower_case_and_collide_case_insensitively() {
    let s = TestServer::start().await;
    let auth = s
        .post("/api/v1/auth/register")
        .json(&register_body("Alice", PASSWORD))
        .send()
        .await;
    assert_eq!(
        auth.expect(201, "register Alice")["user"]["username"],
        "alice",
        "Alice signs up as alice"
    );
    let again = s
        .post("/api/v1/auth/register")
        .json(&register_body("ALICE", PASSWORD))
        .send()
        .await;
    again.expect_error(409, "ALICE folds to the taken name alice");
    let login = json!({"username": "ALICE", "password": PASSWORD});
    let auth = s
        .post("/api/v1/auth/login")
        .json(&login)
        .send()
        .await
        .expect(200, "login folds too");
    assert_eq!(auth["user"]["username"], "alice");
}

#[rstest]
#[case::too_short("ab")]
#[case::empty("")]
#[case::too_long("abcdefghijklmnopqrstuvwxyz0123456")]
#[case::space("with space")]
#[case::slash("a/b")]
#[case::non_ascii("émile")]
#[case::at_sign("me@host")]
#[tokio::test]
async fn invalid_usernames_are_400(#[case] username: &str) {
    let s = TestServer::start().await;
    let resp = s
        .post("/api/v1/auth/register")
        .json(&register_body(username, PASSWORD))
        .send()
        .await;
    resp.expect_error(
        400,
        &format!("username {username:?} breaks the 3–32 [a-z0-9_.-] rule"),
    );
}

#[rstest]
#[case::exactly_32("abcdefghijklmnopqrstuvwxyz012345")]
#[case::exactly_3("abc")]
#[case::all_allowed_punctuation("a.b-c_9")]
#[tokio::test]
async fn valid_usernames_are_accepted(#[case] username: &str) {
    let s = TestServer::start().await;
    let resp = s
        .post("/api/v1/auth/register")
        .json(&register_body(username, PASSWORD))
        .send()
        .await;
    assert_eq!(
        resp.expect(201, "a valid username")["user"]["username"],
        username
    );
}

#[rstest]
#[case::seven_bytes("1234567", 400)]
#[case::eight_bytes("12345678", 201)]
#[case::eight_bytes_of_four_chars("éééé", 201)]
#[case::six_bytes_of_three_chars("ééé", 400)]
#[case::max_1024(&"x".repeat(1024), 201)]
#[case::over_1025(&"x".repeat(1025), 400)]
#[tokio::test]
async fn passwords_are_8_to_1024_bytes(#[case] password: &str, #[case] status: u16) {
    let s = TestServer::start().await;
    let resp = s
        .post("/api/v1/auth/register")
        .json(&register_body("bob", password))
        .send()
        .await;
    let why = format!("password of {} bytes", password.len());
    if status == 201 {
        resp.expect(201, &why);
    } else {
        resp.expect_error(status, &why);
    }
}

#[tokio::test]
async fn login_succeeds_with_the_right_password_only() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.login("alice", PASSWORD).await;
    assert_eq!(bob.id, alice.id, "login returns the same user");
    assert_ne!(
        bob.session_id, alice.session_id,
        "each login creates a new session"
    );
    let wrong = json!({"username": "alice", "password": "not the password"});
    s.post("/api/v1/auth/login")
        .json(&wrong)
        .send()
        .await
        .expect_error(401, "wrong password");
    let nobody = json!({"username": "nobody", "password": PASSWORD});
    s.post("/api/v1/auth/login")
        .json(&nobody)
        .send()
        .await
        .expect_error(401, "unknown user");
}

pub async fn refresh(s: &TestServer, refresh_token: &str) -> crate::fixture::Resp {
    s.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": refresh_token}))
        .send()
        .await
}

#[tokio::test]
async fn refresh_rotates_both_tokens_in_the_same_session() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let session = refresh(&s, &alice.refresh_token)
        .await
        .expect(200, "refresh with a fresh token");
    assert_eq!(
        session["session_id"],
        alice.session_id.as_str(),
        "refresh keeps the session"
    );
    assert_ne!(
        session["refresh_token"],
        alice.refresh_token.as_str(),
        "refresh token rotates"
    );
    assert_ne!(
        session["access_token"],
        alice.access_token.as_str(),
        "a new access token is issued"
    );
    assert!(
        session["expires_in"]
            .as_u64()
            .is_some_and(|e| e > 0 && e <= 3600),
        "expires_in ≤ 3600: {session}"
    );
    let token = session["access_token"].as_str().unwrap();
    s.get("/api/v1/me")
        .bearer(token)
        .send()
        .await
        .expect(200, "the new access token works");
    let next = session["refresh_token"].as_str().unwrap();
    refresh(&s, next)
        .await
        .expect(200, "the rotated refresh token works once");
}

#[tokio::test]
async fn reusing_an_old_refresh_token_revokes_the_session() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let other = s.login("alice", PASSWORD).await;
    let rotated = refresh(&s, &alice.refresh_token)
        .await
        .expect(200, "first refresh");
    refresh(&s, &alice.refresh_token)
        .await
        .expect_error(401, "the old refresh token is reused");
    let access = rotated["access_token"].as_str().unwrap();
    s.get("/api/v1/me")
        .bearer(access)
        .send()
        .await
        .expect_error(401, "reuse revoked the session at once");
    let newest = rotated["refresh_token"].as_str().unwrap();
    refresh(&s, newest)
        .await
        .expect_error(401, "the revoked session cannot be refreshed");
    s.get("/api/v1/me")
        .auth(&other)
        .send()
        .await
        .expect(200, "other sessions are untouched");
}

#[rstest]
#[case::garbage(json!({"refresh_token": "not-a-token"}), 401)]
#[case::empty(json!({"refresh_token": ""}), 401)]
#[case::missing(json!({}), 400)]
#[case::wrong_type(json!({"refresh_token": 42}), 400)]
#[tokio::test]
async fn bad_refresh_requests(#[case] body: Value, #[case] status: u16) {
    let s = TestServer::start().await;
    let resp = s.post("/api/v1/auth/refresh").json(&body).send().await;
    let code = resp.expect_error(status, &format!("refresh with {body}"));
    assert!(!code.is_empty());
}

#[tokio::test]
async fn logout_revokes_the_session_at_once() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let other = s.login("alice", PASSWORD).await;
    let out = s.post("/api/v1/auth/logout").auth(&alice).send().await;
    assert_eq!(out.status.as_u16(), 204, "logout is 204: {}", out.text());
    s.get("/api/v1/me")
        .auth(&alice)
        .send()
        .await
        .expect_error(401, "the logged-out access token");
    refresh(&s, &alice.refresh_token)
        .await
        .expect_error(401, "the logged-out refresh token");
    s.get("/api/v1/me")
        .auth(&other)
        .send()
        .await
        .expect(200, "logout ends only this session");
}

#[tokio::test]
async fn expires_in_follows_the_configured_lifetime() {
    let s = TestServer::start_with(|c| c.access_token_ttl = 120).await;
    let body = register_body("alice", PASSWORD);
    let auth = s
        .post("/api/v1/auth/register")
        .json(&body)
        .send()
        .await
        .expect(201, "register");
    assert_eq!(
        auth["session"]["expires_in"], 120,
        "expires_in is access_token_ttl"
    );
    let token = auth["session"]["refresh_token"]
        .as_str()
        .expect("refresh token");
    let session = refresh(&s, token).await.expect(200, "refresh");
    assert_eq!(
        session["expires_in"], 120,
        "refreshed tokens have the same lifetime"
    );
}
