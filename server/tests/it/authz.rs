//! The authorization matrix: every authenticated route × no token / bad tokens (401), an
//! outsider (404, nothing leaks) and a plain member doing admin or sender things (403); and
//! after every refusal, nothing changed.

use reqwest::Method;
use rstest::rstest;
use serde_json::{Value, json};

use crate::fixture::{Resp, TestServer, TestUser, assert_error_shape, id_of, new_client_id};
use crate::routes::{PUBLIC, ROUTES, normalize};

const TITLE: &str = "Top secret title";
const BODY: &str = "the secret message body";
const FILE: &[u8] = b"the secret attachment content";

struct World {
    s: TestServer,
    alice: TestUser,
    bob: TestUser,
    mallory: TestUser,
    conv: String,
    message: String,
    attachment: String,
}

/// The ids a request needs; the coverage test fills them with `{}` to get templates back.
struct Ids<'a> {
    conv: &'a str,
    message: &'a str,
    attachment: &'a str,
    alice: &'a str,
    alice_session: &'a str,
    mallory: &'a str,
    emoji: &'a str,
}

impl World {
    fn ids(&self) -> Ids<'_> {
        Ids {
            conv: &self.conv,
            message: &self.message,
            attachment: &self.attachment,
            alice: &self.alice.id,
            alice_session: &self.alice.session_id,
            mallory: &self.mallory.id,
            emoji: "👎",
        }
    }
}

async fn world() -> World {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let mallory = s.register("mallory").await;
    let conv = s.group(&alice, TITLE, &[&bob]).await;
    let url = s.url_q("/api/v1/attachments", &[("name", "secret.txt")]);
    let upload = s
        .post(&url)
        .auth(&alice)
        .raw("text/plain", FILE)
        .send()
        .await
        .expect(201, "upload");
    let attachment = id_of(&upload);
    let body = json!({"client_id": new_client_id(), "body": BODY, "attachment_ids": [attachment]});
    let path = format!("/api/v1/conversations/{conv}/messages");
    let message = id_of(
        &s.post(&path)
            .auth(&alice)
            .json(&body)
            .send()
            .await
            .expect(201, "send"),
    );
    World {
        s,
        alice,
        bob,
        mallory,
        conv,
        message,
        attachment,
    }
}

enum Body {
    Empty,
    Json(Value),
    Raw,
}

/// One concrete request per authenticated route (`GET /ws` is checked in `ws.rs`: it
/// authenticates in its first frame).
fn requests(w: &Ids<'_>) -> Vec<(Method, String, Body)> {
    let (c, m, a) = (w.conv, w.message, w.attachment);
    let msg = format!("/api/v1/conversations/{c}/messages/{m}");
    let send = json!({"client_id": new_client_id(), "body": "intruder"});
    vec![
        (Method::POST, "/api/v1/auth/logout".into(), Body::Empty),
        (Method::GET, "/api/v1/sessions".into(), Body::Empty),
        (
            Method::DELETE,
            format!("/api/v1/sessions/{}", w.alice_session),
            Body::Empty,
        ),
        (Method::GET, "/api/v1/me".into(), Body::Empty),
        (
            Method::PATCH,
            "/api/v1/me".into(),
            Body::Json(json!({"display_name": "pwned"})),
        ),
        (
            Method::POST,
            "/api/v1/me/password".into(),
            Body::Json(
                json!({"current_password": "guessed-password", "new_password": "pwned-password-1"}),
            ),
        ),
        (Method::GET, "/api/v1/users?q=a".into(), Body::Empty),
        (
            Method::GET,
            format!("/api/v1/users/{}", w.alice),
            Body::Empty,
        ),
        (
            Method::POST,
            "/api/v1/conversations".into(),
            Body::Json(json!({"kind": "direct", "member_ids": [w.alice]})),
        ),
        (Method::GET, "/api/v1/conversations".into(), Body::Empty),
        (
            Method::GET,
            format!("/api/v1/conversations/{c}"),
            Body::Empty,
        ),
        (
            Method::PATCH,
            format!("/api/v1/conversations/{c}"),
            Body::Json(json!({"title": "pwned"})),
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{c}/members"),
            Body::Json(json!({"user_id": w.mallory})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/conversations/{c}/members/{}", w.alice),
            Body::Empty,
        ),
        (
            Method::PATCH,
            format!("/api/v1/conversations/{c}/members/{}", w.alice),
            Body::Json(json!({"role": "member"})),
        ),
        (
            Method::PUT,
            format!("/api/v1/conversations/{c}/settings"),
            Body::Json(json!({"notify": "none", "muted_until": null})),
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{c}/messages"),
            Body::Json(send),
        ),
        (
            Method::GET,
            format!("/api/v1/conversations/{c}/messages"),
            Body::Empty,
        ),
        (
            Method::PATCH,
            msg.clone(),
            Body::Json(json!({"body": "pwned"})),
        ),
        (
            Method::PUT,
            format!("{msg}/reactions/{}", w.emoji),
            Body::Empty,
        ),
        (
            Method::DELETE,
            format!("{msg}/reactions/{}", w.emoji),
            Body::Empty,
        ),
        (Method::DELETE, msg, Body::Empty),
        (
            Method::POST,
            format!("/api/v1/conversations/{c}/read"),
            Body::Json(json!({"seq": 1})),
        ),
        (Method::GET, "/api/v1/search?q=secret".into(), Body::Empty),
        (
            Method::POST,
            "/api/v1/attachments?name=x.txt".into(),
            Body::Raw,
        ),
        (Method::GET, format!("/api/v1/attachments/{a}"), Body::Empty),
        (
            Method::GET,
            format!("/api/v1/attachments/{a}/thumbnail"),
            Body::Empty,
        ),
        (Method::GET, "/api/v1/sync".into(), Body::Empty),
    ]
}

async fn call(w: &World, method: Method, path: &str, body: &Body, auth: Option<&str>) -> Resp {
    let mut req = w.s.req(method, path);
    if let Some(header) = auth {
        req = req.header("authorization", header);
    }
    match body {
        Body::Empty => req.send().await,
        Body::Json(v) => req.json(v).send().await,
        Body::Raw => req.raw("text/plain", b"upload".to_vec()).send().await,
    }
}

/// What changed nothing means: alice still sees her group, message and file as they were.
async fn assert_untouched(w: &World) {
    let s = &w.s;
    let conv = s.conversation(&w.alice, &w.conv).await;
    assert_eq!(conv["title"], TITLE, "the title is unchanged");
    assert_eq!(
        conv["members"].as_array().map(Vec::len),
        Some(2),
        "the members are unchanged: {conv}"
    );
    let alice_role = conv["members"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["user_id"] == w.alice.id.as_str())
        .map(|m| m["role"].clone());
    assert_eq!(
        alice_role,
        Some(json!("admin")),
        "alice is still admin: {conv}"
    );
    assert_eq!(
        conv["notify"], "all",
        "alice's settings are unchanged: {conv}"
    );
    let messages = s.messages(&w.alice, &w.conv, "").await;
    assert_eq!(messages.len(), 1, "no message was added: {messages:?}");
    assert_eq!(messages[0]["body"], BODY, "the message is unchanged");
    assert_eq!(messages[0]["reactions"], json!([]), "no reaction was added");
    let file = s
        .get(&format!("/api/v1/attachments/{}", w.attachment))
        .auth(&w.alice)
        .send()
        .await;
    assert_eq!(file.body, FILE, "the attachment is intact");
    let me = s
        .get("/api/v1/me")
        .auth(&w.alice)
        .send()
        .await
        .expect(200, "alice's session still works");
    assert_eq!(me["display_name"], "alice", "alice's profile is unchanged");
    s.login("alice", &w.alice.password).await;
}

#[derive(Debug, Clone, Copy)]
enum BadAuth {
    Missing,
    Garbage,
    EmptyBearer,
    BasicScheme,
    RefreshTokenAsAccess,
    LoggedOut,
}

#[rstest]
#[case::missing(BadAuth::Missing)]
#[case::garbage(BadAuth::Garbage)]
#[case::empty_bearer(BadAuth::EmptyBearer)]
#[case::basic_scheme(BadAuth::BasicScheme)]
#[case::refresh_token_as_access(BadAuth::RefreshTokenAsAccess)]
#[case::logged_out(BadAuth::LoggedOut)]
#[tokio::test]
async fn every_route_refuses_a_missing_or_bad_token_with_401(#[case] bad: BadAuth) {
    let w = world().await;
    let header = match bad {
        BadAuth::Missing => None,
        BadAuth::Garbage => Some("Bearer garbage".to_owned()),
        BadAuth::EmptyBearer => Some("Bearer ".to_owned()),
        BadAuth::BasicScheme => Some(format!("Basic {}", w.alice.access_token)),
        BadAuth::RefreshTokenAsAccess => Some(format!("Bearer {}", w.alice.refresh_token)),
        BadAuth::LoggedOut => {
            let gone = w.s.login("alice", &w.alice.password).await;
            let out = w.s.post("/api/v1/auth/logout").auth(&gone).send().await;
            assert_eq!(out.status.as_u16(), 204, "logout: {}", out.text());
            Some(format!("Bearer {}", gone.access_token))
        }
    };
    let mut wrong = Vec::new();
    for (method, path, body) in requests(&w.ids()) {
        let resp = call(&w, method.clone(), &path, &body, header.as_deref()).await;
        if resp.status.as_u16() != 401 {
            wrong.push(format!("{method} {path}: {} {}", resp.status, resp.text()));
        } else {
            assert_error_shape(&resp.json(), &format!("{method} {path}"));
            for secret in [TITLE, BODY] {
                assert!(
                    !resp.text().contains(secret),
                    "{method} {path} leaks {secret:?}"
                );
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{bad:?}: these routes did not answer 401:\n{}",
        wrong.join("\n")
    );
    assert_untouched(&w).await;
}

#[tokio::test]
async fn an_outsider_gets_404_and_learns_nothing() {
    let w = world().await;
    let mallory = format!("Bearer {}", w.mallory.access_token);
    let alice_only = [
        format!("/api/v1/conversations/{}", w.conv),
        format!("/api/v1/attachments/{}", w.attachment),
        format!("/api/v1/sessions/{}", w.alice.session_id),
    ];
    let mut wrong = Vec::new();
    for (method, path, body) in requests(&w.ids()) {
        if !alice_only.iter().any(|p| path.starts_with(p.as_str())) {
            continue;
        }
        let resp = call(&w, method.clone(), &path, &body, Some(&mallory)).await;
        let text = resp.text();
        let secret_bytes = String::from_utf8_lossy(FILE);
        if resp.status.as_u16() != 404 {
            wrong.push(format!("{method} {path}: {} {text}", resp.status));
        } else {
            assert_error_shape(&resp.json(), &format!("{method} {path}"));
        }
        for secret in [TITLE, BODY, &secret_bytes] {
            assert!(
                !text.contains(secret),
                "{method} {path} leaks {secret:?} to an outsider"
            );
        }
    }
    assert!(
        wrong.is_empty(),
        "an outsider must get 404 (never leak existence):\n{}",
        wrong.join("\n")
    );
    for list in [
        "/api/v1/conversations",
        "/api/v1/search?q=secret",
        "/api/v1/sync",
    ] {
        let text = w.s.get(list).auth(&w.mallory).send().await.text();
        assert!(
            !text.contains(BODY) && !text.contains(TITLE),
            "{list} leaks alice's group to mallory: {text}"
        );
    }
    assert_untouched(&w).await;
}

#[tokio::test]
async fn a_plain_member_gets_403_for_admin_and_sender_actions() {
    let w = world().await;
    let c = &w.conv;
    let msg = format!("/api/v1/conversations/{c}/messages/{}", w.message);
    let cases = [
        (
            Method::PATCH,
            format!("/api/v1/conversations/{c}"),
            Body::Json(json!({"title": "bob's"})),
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{c}/members"),
            Body::Json(json!({"user_id": w.mallory.id})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/conversations/{c}/members/{}", w.alice.id),
            Body::Empty,
        ),
        (
            Method::PATCH,
            format!("/api/v1/conversations/{c}/members/{}", w.alice.id),
            Body::Json(json!({"role": "member"})),
        ),
        (
            Method::PATCH,
            msg.clone(),
            Body::Json(json!({"body": "bob's"})),
        ),
        (Method::DELETE, msg, Body::Empty),
    ];
    let bob = format!("Bearer {}", w.bob.access_token);
    let mut wrong = Vec::new();
    for (method, path, body) in cases {
        let resp = call(&w, method.clone(), &path, &body, Some(&bob)).await;
        if resp.status.as_u16() != 403 {
            wrong.push(format!("{method} {path}: {} {}", resp.status, resp.text()));
        } else {
            assert_error_shape(&resp.json(), &format!("{method} {path}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "a plain member must get 403:\n{}",
        wrong.join("\n")
    );
    assert_untouched(&w).await;
}

#[test]
fn the_matrix_covers_every_authenticated_route() {
    // Guards against drift from `routes::ROUTES`: every route except the public ones and the
    // WebSocket must have a request in the matrix.
    let p = "{}";
    let ids = Ids {
        conv: p,
        message: p,
        attachment: p,
        alice: p,
        alice_session: p,
        mallory: p,
        emoji: p,
    };
    let listed: Vec<String> = requests(&ids)
        .iter()
        .map(|(method, path, _)| {
            format!(
                "{method} {}",
                normalize(path.split('?').next().unwrap_or(path))
            )
        })
        .collect();
    for (method, path) in ROUTES {
        if PUBLIC.contains(path) || *path == "/api/v1/ws" {
            continue;
        }
        let route = format!("{method} {}", normalize(path));
        assert!(
            listed.contains(&route),
            "{route} is missing from the authorization matrix: {listed:?}"
        );
    }
}
