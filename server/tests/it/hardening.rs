//! Hardening (PRODUCT.md §2 "Limits and abuse", §3 admin changes): cancelled work gives back
//! what it held, attachments are bounded and leave nothing behind, admin revocations reach
//! live sockets, names can't impersonate, and secrets stay private on disk.

use std::{path::Path, time::Duration};

use futures_util::StreamExt;
use serde_json::json;

use crate::{
    attachments::png,
    binary,
    fixture::{PASSWORD, Resp, TestServer, TestUser, WAIT, http_client, new_client_id},
};

async fn upload_as(s: &TestServer, user: &TestUser, query: &str, bytes: &[u8]) -> Resp {
    s.post(&format!("/api/v1/attachments?{query}"))
        .auth(user)
        .raw("application/octet-stream", bytes.to_vec())
        .send()
        .await
}

/// Polls `check` until it holds or [`WAIT`] passes (readiness by observation, not by sleep).
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check() {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn cancelled_reads_give_their_connection_back() {
    let s = TestServer::start_with(|c| c.read_connections = 1).await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    for i in 0..600 {
        let conv = s.group(&alice, &format!("g{i}"), &[&bob]).await;
        s.send(&alice, &conv, "hello everyone").await;
    }
    // Slow reads (the whole list, each with its last message and unread count), every one
    // abandoned by its client after a few milliseconds.
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(25))
        .build()
        .unwrap();
    let url = s.url("/api/v1/conversations?limit=500");
    let abandon = futures_util::stream::iter(0..200)
        .map(|_| impatient.get(&url).bearer_auth(&bob.access_token).send())
        .buffer_unordered(50)
        .collect::<Vec<_>>();
    // Meanwhile, and after: every other read must still get a connection.
    let patient = async {
        let mut statuses = Vec::new();
        for _ in 0..40 {
            statuses.push(
                s.get("/api/v1/me")
                    .auth(&alice)
                    .send()
                    .await
                    .status
                    .as_u16(),
            );
        }
        statuses
    };
    let (abandoned, during) = tokio::join!(abandon, patient);
    assert!(
        abandoned.iter().any(Result::is_err),
        "some reads were cancelled mid-way"
    );
    assert!(
        during.iter().all(|s| *s == 200),
        "reads alongside cancelled ones all succeed: {during:?}"
    );
    for _ in 0..20 {
        s.get("/api/v1/me")
            .auth(&bob)
            .send()
            .await
            .expect(200, "every read after the cancelled ones gets a connection");
    }
    let health = s.get("/healthz").send().await;
    assert_eq!(
        health.status.as_u16(),
        200,
        "the store is reachable: {}",
        health.text()
    );
}

#[tokio::test]
async fn uploads_are_idempotent_on_client_id() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let client_id = new_client_id();
    let query = format!("name=a.txt&client_id={client_id}");
    let first = upload_as(&s, &alice, &query, b"once")
        .await
        .expect(201, "first upload");
    let again = upload_as(&s, &alice, &query, b"once")
        .await
        .expect(200, "the retry");
    assert_eq!(first, again, "the same attachment, stored once");
    let bob = s.register("bob").await;
    upload_as(&s, &bob, &query, b"once")
        .await
        .expect(201, "another uploader's client_id is their own");
}

#[tokio::test]
async fn the_attachment_quota_is_413_quota_exceeded() {
    let s = TestServer::start_with(|c| {
        c.max_attachment_bytes = 64;
        c.attachment_quota_bytes = 100;
    })
    .await;
    let alice = s.register("alice").await;
    upload_as(&s, &alice, "name=a", &[1; 60])
        .await
        .expect(201, "within the quota");
    let over = upload_as(&s, &alice, "name=b", &[2; 60]).await;
    over.expect_error(413, "past the quota");
    assert_eq!(
        over.json()["error"]["code"],
        "quota_exceeded",
        "{}",
        over.text()
    );
    let bob = s.register("bob").await;
    upload_as(&s, &bob, "name=c", &[3; 60])
        .await
        .expect(201, "the quota is per user");
    assert!(
        files_in(&s.data_dir().join("tmp")).is_empty(),
        "nothing left in tmp"
    );
}

#[tokio::test]
async fn stalled_and_abandoned_uploads_leave_nothing_behind() {
    let s = TestServer::start_with(|c| c.upload_stall_timeout = 1).await;
    let alice = s.register("alice").await;
    let url = s.url("/api/v1/attachments?name=stall.bin");
    let stalling = futures_util::stream::once(async { Ok::<_, std::io::Error>(vec![7u8; 1000]) })
        .chain(futures_util::stream::pending());
    let resp = http_client()
        .post(&url)
        .bearer_auth(&alice.access_token)
        .header("content-length", "100000")
        .body(reqwest::Body::wrap_stream(stalling))
        .send()
        .await;
    if let Ok(resp) = resp {
        assert_eq!(resp.status().as_u16(), 408, "a stalled upload is cut off");
    }
    let tmp = s.data_dir().join("tmp");
    eventually("the stalled upload's temp file is removed", || {
        files_in(&tmp).is_empty()
    })
    .await;

    // A client that goes away mid-body.
    let abandoning = futures_util::stream::once(async { Ok::<_, std::io::Error>(vec![7u8; 1000]) })
        .chain(futures_util::stream::pending());
    let quick = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let gone = quick
        .post(&url)
        .bearer_auth(&alice.access_token)
        .header("content-length", "100000")
        .body(reqwest::Body::wrap_stream(abandoning))
        .send()
        .await;
    assert!(gone.is_err(), "the client gave up");
    eventually("the abandoned upload's temp file is removed", || {
        files_in(&tmp).is_empty()
    })
    .await;
    let mine = s
        .get("/api/v1/me")
        .auth(&alice)
        .send()
        .await
        .expect(200, "still fine");
    assert_eq!(mine["username"], "alice");
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} in /metrics:\n{text}"))
}

async fn metrics_text(s: &TestServer) -> String {
    s.get("/metrics").send().await.text()
}

#[tokio::test]
async fn thumbnails_are_made_once_even_when_asked_for_at_once() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let picture = s
        .post("/api/v1/attachments?name=p.png")
        .auth(&alice)
        .raw("image/png", png(900, 600))
        .send()
        .await
        .expect(201, "a picture");
    let broken = s
        .post("/api/v1/attachments?name=broken.png")
        .auth(&alice)
        .raw("image/png", b"not a png at all".to_vec())
        .send()
        .await
        .expect(201, "not really a picture");
    let thumbs = |id: String| {
        let s = &s;
        let alice = &alice;
        futures_util::future::join_all((0..40).map(move |_| {
            let path = format!("/api/v1/attachments/{id}/thumbnail");
            async move { s.get(&path).auth(alice).send().await }
        }))
    };
    let got = thumbs(picture["id"].as_str().unwrap().to_owned()).await;
    assert!(
        got.iter().all(|r| r.status.as_u16() == 200),
        "every request gets it"
    );
    assert!(
        got.windows(2).all(|w| w[0].body == w[1].body),
        "the same bytes each time"
    );
    let failed = thumbs(broken["id"].as_str().unwrap().to_owned()).await;
    assert!(
        failed.iter().all(|r| r.status.as_u16() == 404),
        "no thumbnail for a non-picture"
    );
    let again = thumbs(broken["id"].as_str().unwrap().to_owned()).await;
    assert!(again.iter().all(|r| r.status.as_u16() == 404));
    assert_eq!(
        metric(&metrics_text(&s).await, "parley_thumbnails_made_total"),
        2.0,
        "one decode per file: the picture's, and the failure remembered"
    );
    let dir = s.data_dir().join("thumbnails");
    let mut names = files_in(&dir);
    names.sort();
    assert_eq!(
        names.len(),
        2,
        "one cached file each, no temp files: {names:?}"
    );
}

/// `parley-server admin ARGS` on `data_dir` (another process, on the same database), with
/// `stdin` piped in.
async fn run_admin(data_dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    use tokio::io::AsyncWriteExt;
    let mut child = binary::command(data_dir)
        .arg("admin")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run parley-server admin");
    let mut input = child.stdin.take().expect("its stdin");
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    child.wait_with_output().await.unwrap()
}

async fn revoke_with_admin(s: &TestServer, username: &str) {
    let out = run_admin(s.data_dir(), &["revoke-sessions", username], "").await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `parley-server admin create-user` / `reset-password` with the password piped in (a terminal
/// gets a prompt without echo instead, checked by hand: it needs a pty); a password outside
/// the limits is refused with the reason and nothing is created.
#[tokio::test]
async fn admin_reads_a_piped_password_and_refuses_a_short_one() {
    if !crate::fixture::sqlite_backend("admin_reads_a_piped_password_and_refuses_a_short_one") {
        return;
    }
    let s = TestServer::start().await;
    let admin =
        |args: &'static [&'static str], stdin: &'static str| run_admin(s.data_dir(), args, stdin);
    let short = admin(&["create-user", "carol"], "short\n").await;
    assert!(!short.status.success());
    let stderr = String::from_utf8_lossy(&short.stderr);
    assert!(stderr.contains("password"), "the reason: {stderr}");
    let created = admin(&["create-user", "carol"], "carol-password-1\n").await;
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    s.login("carol", "carol-password-1").await;
    let reset = admin(&["reset-password", "carol"], "carol-password-2\n").await;
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    s.login("carol", "carol-password-2").await;
    let old = json!({"username": "carol", "password": "carol-password-1"});
    s.post("/api/v1/auth/login")
        .json(&old)
        .send()
        .await
        .expect(401, "the old password");
}

/// `registration = "off"`: nobody may sign up (a 403 that says why); accounts the operator
/// makes with `admin create-user` sign in as usual.
#[tokio::test]
async fn closed_registration_refuses_sign_ups_and_admin_made_accounts_sign_in() {
    if !crate::fixture::sqlite_backend(
        "closed_registration_refuses_sign_ups_and_admin_made_accounts_sign_in",
    ) {
        return;
    }
    let s = TestServer::start_with(|c| c.registration = parley_server::Toggle::Off).await;
    let body = json!({"username": "bob", "password": PASSWORD});
    let refused = s
        .post("/api/v1/auth/register")
        .json(&body)
        .send()
        .await
        .expect(403, "registration is closed");
    assert_eq!(refused["error"]["code"], "forbidden", "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("registration is closed")),
        "says why: {refused}"
    );
    let made = run_admin(
        s.data_dir(),
        &["create-user", "bob"],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    s.login("bob", PASSWORD).await;
}

#[tokio::test]
async fn admin_revocations_close_live_sockets_at_once() {
    if !crate::fixture::sqlite_backend("admin_revocations_close_live_sockets_at_once") {
        return;
    }
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let mut ws = s.ws(&alice, None).await;
    revoke_with_admin(&s, "alice").await;
    // A send right after the revocation is refused, whether or not the close came yet.
    ws.send(json!({"type": "send", "conversation_id": conv, "client_id": new_client_id(), "body": "stolen"}))
        .await;
    loop {
        match ws.next_or_close().await {
            Some(frame) if frame["type"] == "ack" => panic!("a revoked session sent: {frame}"),
            Some(frame) if frame["type"] == "error" => {
                assert_eq!(frame["error"]["code"], "unauthorized", "{frame}");
            }
            Some(_) => {}
            None => break,
        }
    }
    assert!(
        s.messages(&bob, &conv, "").await.is_empty(),
        "nothing was sent"
    );
    let mut fresh = s.ws_raw().await;
    fresh
        .send(json!({"type": "hello", "access_token": alice.access_token, "since": null}))
        .await;
    let (code, _) = fresh.closed().await.expect("a close frame");
    assert_eq!(code, 4001, "the revoked token can't open a new socket");
}

#[tokio::test]
async fn an_admin_revocation_closes_the_socket_with_4001() {
    if !crate::fixture::sqlite_backend("an_admin_revocation_closes_the_socket_with_4001") {
        return;
    }
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let mut ws = s.ws(&alice, None).await;
    revoke_with_admin(&s, "alice").await;
    let (code, reason) = ws
        .closed()
        .await
        .expect("the server closes with a close frame");
    assert_eq!(code, 4001, "closed as revoked: {reason}");
}

#[tokio::test]
async fn changing_the_password_signs_out_every_other_session() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let laptop = s.login("alice", PASSWORD).await;
    let mut laptop_ws = s.ws(&laptop, None).await;
    let change = |current: &str, new: &str| {
        s.post("/api/v1/me/password")
            .auth(&alice)
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
    };
    change("not my password", "a new long password")
        .await
        .expect_error(403, "the current password must be right");
    change(PASSWORD, "short")
        .await
        .expect_error(400, "the new one follows the password rules");
    let done = change(PASSWORD, "a new long password").await;
    assert_eq!(done.status.as_u16(), 204, "{}", done.text());
    let (code, _) = laptop_ws.closed().await.expect("a close frame");
    assert_eq!(code, 4001, "the other session's socket closes");
    s.get("/api/v1/me")
        .auth(&laptop)
        .send()
        .await
        .expect_error(401, "the other session is revoked");
    s.get("/api/v1/me")
        .auth(&alice)
        .send()
        .await
        .expect(200, "this session stays");
    s.login("alice", "a new long password").await;
    s.post("/api/v1/auth/login")
        .json(&json!({"username": "alice", "password": PASSWORD}))
        .send()
        .await
        .expect_error(401, "the old password no longer works");
}

#[tokio::test]
async fn names_refuse_invisible_characters() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    for bad in ["ad\u{200B}min", "\u{202E}nimda", "bob\u{2066}"] {
        s.patch("/api/v1/me")
            .auth(&alice)
            .json(&json!({"display_name": bad}))
            .send()
            .await
            .expect_error(
                400,
                "bidi and zero-width characters let one name pass for another",
            );
        s.post("/api/v1/conversations")
            .auth(&alice)
            .json(&json!({"kind": "group", "title": bad, "member_ids": []}))
            .send()
            .await
            .expect_error(400, "group titles too");
    }
    s.post("/api/v1/auth/register")
        .json(
            &json!({"username": "mallory", "password": PASSWORD, "display_name": "ali\u{200D}ce"}),
        )
        .send()
        .await
        .expect_error(400, "at registration too");
    s.patch("/api/v1/me")
        .auth(&alice)
        .json(&json!({"display_name": "Alice 👩\u{200D}💻"}))
        .send()
        .await
        .expect(200, "an emoji sequence is fine");
}

#[tokio::test]
async fn metrics_labels_stay_bounded() {
    let s = TestServer::start().await;
    for i in 0..50 {
        let method = reqwest::Method::from_bytes(format!("MADEUP{i}").as_bytes()).unwrap();
        let _ = s.req(method, "/api/v1/me").send().await;
    }
    let text = metrics_text(&s).await;
    assert!(!text.contains("MADEUP"), "made-up methods are not labels");
    assert!(text.contains("method=\"other\""), "they count as other");
}

#[tokio::test]
async fn an_over_long_password_still_costs_a_full_check() {
    let s = TestServer::start().await;
    let _alice = s.register("alice").await;
    let before = metric(&metrics_text(&s).await, "parley_password_checks_total");
    s.post("/api/v1/auth/login")
        .json(&json!({"username": "alice", "password": "x".repeat(2000)}))
        .send()
        .await
        .expect_error(401, "wrong");
    let after = metric(&metrics_text(&s).await, "parley_password_checks_total");
    assert_eq!(
        after - before,
        1.0,
        "the password was checked (no early answer telling the account exists)"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_attachments_and_backups_are_private() {
    if !crate::fixture::sqlite_backend("the_database_attachments_and_backups_are_private") {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let meta = upload_as(&s, &alice, "name=secret.txt", b"private")
        .await
        .expect(201, "upload");
    let sha = meta["sha256"].as_str().unwrap();
    let dir = s.data_dir();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for file in [
        dir.join("parley.db"),
        dir.join("parley.db-wal"),
        dir.join("attachments").join(&sha[..2]).join(sha),
    ] {
        assert_eq!(
            mode(&file),
            0o600,
            "{} is the server's alone",
            file.display()
        );
    }
    for sub in [
        dir.join("attachments"),
        dir.join("attachments").join(&sha[..2]),
        dir.join("tmp"),
    ] {
        assert_eq!(mode(&sub), 0o700, "{}", sub.display());
    }
    let backup = tempfile::tempdir().unwrap();
    let dest = backup.path().join("copy.db");
    let out = binary::command(dir)
        .arg("backup")
        .arg(&dest)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode(&dest), 0o600, "the backup too");
}
