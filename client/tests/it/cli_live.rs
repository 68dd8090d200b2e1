//! `parley watch` against a real server: it streams what arrives (`--json`: one document per
//! line), and it ends — non-zero, one line on stderr — when its session is revoked elsewhere,
//! instead of watching a dead session forever.

use std::process::Stdio;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, BufReader, Lines},
    process::ChildStdout,
};

use crate::{
    e2e_cli::Device,
    e2e_fixture::{PASSWORD, Rest, TestServer, WAIT, name},
};

/// Reads `watch --json` lines until one satisfies `wanted`; every line must be one JSON
/// document.
async fn next_matching(
    lines: &mut Lines<BufReader<ChildStdout>>,
    what: &str,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    let found = tokio::time::timeout(WAIT, async {
        loop {
            let line = lines
                .next_line()
                .await
                .expect("read watch's stdout")
                .unwrap_or_else(|| panic!("watch ended before {what}"));
            let doc: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
                panic!("watch --json prints one document a line ({e}): {line:?}")
            });
            if wanted(&doc) {
                return doc;
            }
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("timed out after {WAIT:?} waiting for {what}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_streams_live_messages_and_ends_when_signed_out_elsewhere() {
    let server = TestServer::start().await;
    let rest = Rest::new(&server.url());
    let (alice_dev, bob_dev) = (Device::new(), Device::new());
    let (alice, bob) = (name("alice"), name("bob"));
    alice_dev.register(&server, &alice).await;
    bob_dev.register(&server, &bob).await;
    alice_dev.json(&["dm", &bob]).await;

    let mut watch = bob_dev
        .command(&["--json", "watch"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn parley watch");
    let mut lines = BufReader::new(watch.stdout.take().expect("piped stdout")).lines();
    next_matching(&mut lines, "the Online state", |d| {
        d["type"] == "state" && d["state"] == "Online"
    })
    .await;

    alice_dev
        .run(&["send", &format!("@{bob}"), "watch this"])
        .await
        .ok("alice sends");
    let shown = next_matching(&mut lines, "alice's message", |d| d["type"] == "message").await;
    assert_eq!(
        shown["message"]["body"], "watch this",
        "the live message: {shown}"
    );

    // Bob revokes the CLI's session from another device.
    let login = json!({"username": bob, "password": PASSWORD});
    let (status, other) = rest
        .call(Method::POST, "/api/v1/auth/login", None, Some(&login))
        .await;
    assert_eq!(status, 200, "bob signs in elsewhere: {other}");
    let token = other["session"]["access_token"].as_str().unwrap();
    let (_, sessions) = rest
        .call(Method::GET, "/api/v1/sessions", Some(token), None)
        .await;
    let cli_session = sessions["sessions"]
        .as_array()
        .expect("a sessions array")
        .iter()
        .find(|s| s["current"] == false)
        .unwrap_or_else(|| panic!("the CLI's session is listed: {sessions}"))["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/sessions/{cli_session}");
    let (status, body) = rest.call(Method::DELETE, &path, Some(token), None).await;
    assert_eq!(status, 204, "revoking the CLI's session: {body}");

    let status = tokio::time::timeout(WAIT, watch.wait())
        .await
        .expect("watch ends once its session is revoked, instead of hanging")
        .expect("reap parley watch");
    assert!(
        !status.success() && status.code().is_some(),
        "a signed-out watch exits non-zero: {status}"
    );
    let mut stderr = String::new();
    tokio::io::AsyncReadExt::read_to_string(
        watch.stderr.as_mut().expect("piped stderr"),
        &mut stderr,
    )
    .await
    .expect("read stderr");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("parley: ") && lines[0].contains("signed out"),
        "one line on stderr saying why: {stderr:?}"
    );
}
