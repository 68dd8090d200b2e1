//! Rate limits (§2 preamble): on when configured, 429 with `Retry-After`.

use parley_server::Toggle;
use serde_json::json;

use crate::fixture::{PASSWORD, Resp, TestServer, TestUser, new_client_id};

async fn login_status(s: &TestServer, password: &str) -> Resp {
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
        let body = json!({"client_id": new_client_id(), "body": format!("m{i}")});
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
