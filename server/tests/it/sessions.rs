//! `GET /api/v1/sessions` and `DELETE /api/v1/sessions/{id}` (§2 "Auth").

use serde_json::{Value, json};

use crate::auth::{assert_rfc3339_utc, refresh};
use crate::fixture::{PASSWORD, TestServer};

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

#[tokio::test]
async fn refresh_keeps_one_session_and_deleting_the_current_one_signs_out() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let rotated = refresh(&s, &alice.refresh_token)
        .await
        .expect(200, "refresh");
    let token = rotated["access_token"].as_str().expect("access token");
    let list = s
        .get("/api/v1/sessions")
        .bearer(token)
        .send()
        .await
        .expect(200, "list");
    assert_eq!(
        sessions_of(&list).len(),
        1,
        "refreshing does not create sessions: {list}"
    );
    assert_eq!(sessions_of(&list)[0]["current"], true);
    let path = format!("/api/v1/sessions/{}", alice.session_id);
    let resp = s.delete(&path).bearer(token).send().await;
    assert_eq!(
        resp.status.as_u16(),
        204,
        "revoke the current session: {}",
        resp.text()
    );
    s.get("/api/v1/me")
        .bearer(token)
        .send()
        .await
        .expect_error(401, "the current session is gone");
}
