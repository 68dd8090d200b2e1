//! Register, login, refresh rotation, logout, sessions, rate limiting (§2 "Auth").

use parley_server::Toggle;
use rstest::rstest;
use serde_json::{Value, json};

use crate::fixture::{PASSWORD, TestServer, TestUser};

fn register_body(username: &str, password: &str) -> Value {
    json!({"username": username, "password": password})
}

#[track_caller]
fn assert_rfc3339_utc(value: &Value, what: &str) {
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

async fn refresh(s: &TestServer, refresh_token: &str) -> crate::fixture::Resp {
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

fn sessions_of(list: &Value) -> Vec<Value> {
    list["sessions"]
        .as_array()
        .expect("sessions is an array")
        .clone()
}

#[tokio::test]
async fn sessions_list_marks_the_current_one_and_hides_tokens() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let phone = s.login("alice", PASSWORD).await;
    let list = s
        .get("/api/v1/sessions")
        .auth(&phone)
        .send()
        .await
        .expect(200, "list sessions");
    let sessions = sessions_of(&list);
    assert_eq!(
        sessions.len(),
        2,
        "register and login each made a session: {list}"
    );
    for session in &sessions {
        for key in [
            "session_id",
            "device_name",
            "created_at",
            "last_seen_at",
            "current",
        ] {
            assert!(session.get(key).is_some(), "session has {key}: {session}");
        }
        assert_rfc3339_utc(&session["created_at"], "session.created_at");
        assert_rfc3339_utc(&session["last_seen_at"], "session.last_seen_at");
        let current = session["session_id"] == phone.session_id.as_str();
        assert_eq!(
            session["current"], current,
            "only the caller's session is current: {list}"
        );
    }
    let devices: Vec<&Value> = sessions.iter().map(|s| &s["device_name"]).collect();
    assert!(
        devices.contains(&&json!("test rig")),
        "device_name is kept: {list}"
    );
    let text = list.to_string();
    for secret in [
        &alice.access_token,
        &alice.refresh_token,
        &phone.access_token,
        &phone.refresh_token,
    ] {
        assert!(
            !text.contains(secret.as_str()),
            "the session list never contains tokens"
        );
    }
}

#[tokio::test]
async fn deleting_a_session_revokes_it() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let phone = s.login("alice", PASSWORD).await;
    let path = format!("/api/v1/sessions/{}", phone.session_id);
    let resp = s.delete(&path).auth(&alice).send().await;
    assert_eq!(
        resp.status.as_u16(),
        204,
        "DELETE /sessions/{{id}} is 204: {}",
        resp.text()
    );
    s.get("/api/v1/me")
        .auth(&phone)
        .send()
        .await
        .expect_error(401, "the revoked session's token");
    refresh(&s, &phone.refresh_token)
        .await
        .expect_error(401, "the revoked session's refresh token");
    let list = s
        .get("/api/v1/sessions")
        .auth(&alice)
        .send()
        .await
        .expect(200, "list");
    let ids: Vec<Value> = sessions_of(&list)
        .iter()
        .map(|x| x["session_id"].clone())
        .collect();
    assert_eq!(
        ids,
        vec![json!(alice.session_id)],
        "only the remaining session is listed"
    );
    s.delete(&path)
        .auth(&alice)
        .send()
        .await
        .expect_error(404, "an already revoked session");
    s.delete("/api/v1/sessions/nope")
        .auth(&alice)
        .send()
        .await
        .expect_error(404, "an unknown session");
}

#[tokio::test]
async fn a_user_cannot_revoke_someone_elses_session() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let mallory = s.register("mallory").await;
    let path = format!("/api/v1/sessions/{}", alice.session_id);
    s.delete(&path)
        .auth(&mallory)
        .send()
        .await
        .expect_error(404, "another user's session is not found");
    s.get("/api/v1/me")
        .auth(&alice)
        .send()
        .await
        .expect(200, "alice's session survives");
}

async fn login_status(s: &TestServer, password: &str) -> crate::fixture::Resp {
    s.post("/api/v1/auth/login")
        .json(&json!({"username": "alice", "password": password}))
        .send()
        .await
}

#[tokio::test]
async fn repeated_logins_are_rate_limited_with_retry_after() {
    let s = TestServer::start_with(|c| {
        c.rate_limit = Toggle::On;
        c.auth_rate_per_minute = 3;
    })
    .await;
    let _alice: TestUser = s.register("alice").await;
    let mut limited = None;
    for attempt in 0..10 {
        let resp = login_status(&s, "wrong password!").await;
        if resp.status.as_u16() == 429 {
            limited = Some((attempt, resp));
            break;
        }
        resp.expect_error(401, "a wrong password before the limit is reached");
    }
    let (attempt, resp) = limited.expect("10 logins in a row with auth_rate_per_minute=3 hit 429");
    assert!(
        attempt <= 4,
        "the limit of 3/minute holds (first 429 after {attempt} failures)"
    );
    resp.expect_error(429, "rate limited");
    let retry = resp.header("retry-after").expect("429 carries Retry-After");
    let secs: u64 = retry
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("Retry-After is whole seconds: {retry:?}"));
    assert!(
        (1..=60).contains(&secs),
        "Retry-After within the minute window: {secs}"
    );
    login_status(&s, PASSWORD)
        .await
        .expect_error(429, "even a right password is refused while limited");
}

#[tokio::test]
async fn message_sends_are_rate_limited_with_retry_after() {
    let s = TestServer::start_with(|c| {
        c.rate_limit = Toggle::On;
        c.message_rate_per_second = 1;
    })
    .await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let path = format!("/api/v1/conversations/{conv}/messages");
    let mut seen_429 = None;
    for i in 0..40 {
        let body = json!({"client_id": crate::fixture::new_client_id(), "body": format!("m{i}")});
        let resp = s.post(&path).auth(&alice).json(&body).send().await;
        if resp.status.as_u16() == 429 {
            seen_429 = Some(resp);
            break;
        }
        resp.expect(201, "a send within the burst");
    }
    let resp = seen_429.expect("40 sends at once with message_rate_per_second=1 hit 429");
    resp.expect_error(429, "message rate limit");
    assert!(
        resp.header("retry-after").is_some(),
        "429 carries Retry-After"
    );
}
