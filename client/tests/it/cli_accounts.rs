//! The `parley` CLI's sign-in lifecycle and output contract against a real server: the
//! refresh token in the real keyring survives process restarts, `logout` revokes and forgets,
//! several accounts need `--account`, a damaged cache is reported and left alone, and every
//! command keeps to "exit 0 / one JSON document with --json; else non-zero and one line on
//! stderr" (PRODUCT.md §3).

use parley_client::keyring::{AccountKey, Credentials};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    e2e_cli::Device,
    e2e_fixture::{PASSWORD, Rest, TestServer, name},
};

fn keyring_token(username: &str, server: &TestServer) -> Option<String> {
    let key = AccountKey::new(username, &server.addr.to_string()).expect("a valid account key");
    Credentials::open()
        .expect("the Secret Service (run under scripts/with-keyring.sh)")
        .load(&key)
        .expect("read the keyring")
        .map(|t| t.expose().to_owned())
}

async fn session_count(rest: &Rest, token: &str) -> usize {
    let (status, body) = rest
        .call(Method::GET, "/api/v1/sessions", Some(token), None)
        .await;
    assert_eq!(status, 200, "listing sessions: {body}");
    body["sessions"].as_array().expect("a sessions array").len()
}

/// Each command is a new process: after `register`, later processes sign in from the refresh
/// token in the keyring (rotating it each time), with no `login`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_survives_process_restarts() {
    let server = TestServer::start().await;
    let rest = Rest::new(&server.url());
    let bob = name("bob");
    let bob_auth = rest.register(&bob).await;
    let alice = name("alice");
    let dev = Device::new();
    dev.register(&server, &alice).await;
    let first = keyring_token(&alice, &server).expect("register keeps a token in the keyring");

    let out = dev.run(&["conversations"]).await;
    assert!(
        out.success && !out.stderr.contains("offline"),
        "a fresh process catches up with the stored sign-in: {out:#?}"
    );
    for body in ["from process two", "from process three"] {
        let sent = dev.json(&["send", &format!("@{bob}"), body]).await;
        assert_eq!(sent["state"], "sent", "a new process sends at once: {sent}");
    }
    let now = keyring_token(&alice, &server).expect("still signed in");
    assert_ne!(now, first, "the rotated refresh token replaced the old one");

    let conv = dev.json(&["--offline", "conversations"]).await;
    let conv = conv["conversations"][0]["conversation"]["id"]
        .as_str()
        .expect("the DM is cached")
        .to_owned();
    let bob_token = bob_auth["session"]["access_token"].as_str().unwrap();
    let bodies: Vec<String> = rest
        .bodies(bob_token, &conv)
        .await
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    assert_eq!(bodies, ["from process two", "from process three"]);
}

/// `logout` revokes the session on the server and deletes the keyring entry; the account is
/// gone from `accounts` and commands say to sign in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_revokes_the_session_and_forgets_the_account() {
    let server = TestServer::start().await;
    let rest = Rest::new(&server.url());
    let alice = name("alice");
    let dev = Device::new();
    let label = dev.register(&server, &alice).await;
    let login = json!({"username": alice, "password": PASSWORD, "device_name": "other"});
    let (status, other) = rest
        .call(Method::POST, "/api/v1/auth/login", None, Some(&login))
        .await;
    assert_eq!(status, 200, "a second session for alice: {other}");
    let other = other["session"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(session_count(&rest, &other).await, 2, "CLI + REST sessions");
    dev.run(&["conversations"]).await.ok("a call that rotates");
    let stored = keyring_token(&alice, &server).expect("signed in");

    let out = dev.json(&["logout"]).await;
    assert_eq!(
        out["signed_out"],
        label.as_str(),
        "logout names the account"
    );
    assert_eq!(
        keyring_token(&alice, &server),
        None,
        "logout deletes the keyring entry"
    );
    assert_eq!(
        session_count(&rest, &other).await,
        1,
        "the CLI's session is revoked on the server"
    );
    let refresh = json!({"refresh_token": stored});
    let (status, body) = rest
        .call(Method::POST, "/api/v1/auth/refresh", None, Some(&refresh))
        .await;
    assert_eq!(status, 401, "the logged-out refresh token is dead: {body}");
    let accounts = dev.json(&["accounts"]).await;
    assert_eq!(accounts["accounts"], json!([]), "no account is listed");
    let line = dev.run(&["conversations"]).await.failed("signed out");
    assert!(line.contains("login"), "the error says to sign in: {line}");
}

/// Two accounts in one home: commands need `--account`, which picks one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_accounts_in_one_home_need_the_account_flag() {
    let server = TestServer::start().await;
    let dev = Device::new();
    let alice = dev.register(&server, &name("alice")).await;
    let bob = dev.register(&server, &name("bob")).await;
    let accounts = dev.json(&["accounts"]).await;
    let mut labels: Vec<&str> = accounts["accounts"]
        .as_array()
        .expect("an accounts array")
        .iter()
        .map(|a| a["account"].as_str().expect("a label"))
        .collect();
    labels.sort_unstable();
    let mut expected = [alice.as_str(), bob.as_str()];
    expected.sort_unstable();
    assert_eq!(labels, expected, "both accounts are listed");

    let line = dev
        .run(&["conversations"])
        .await
        .failed("ambiguous account");
    assert!(
        line.contains("--account"),
        "the error names the flag: {line}"
    );
    dev.run(&["--account", &alice, "conversations"])
        .await
        .ok("--account picks one");
    dev.run(&["--account", &alice, "logout"])
        .await
        .ok("logging one account out");
    let accounts = dev.json(&["accounts"]).await;
    assert_eq!(accounts["accounts"][0]["account"], bob.as_str());
    assert_eq!(accounts["accounts"].as_array().unwrap().len(), 1);
    dev.run(&["conversations"])
        .await
        .ok("with one account left, no --account is needed");
}

/// A cache file that isn't a database: a one-line error naming the file, which stays as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_cache_is_reported_and_left_untouched() {
    let server = TestServer::start().await;
    let dev = Device::new();
    dev.register(&server, &name("alice")).await;
    let dir = dev.home.path().join("accounts");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the accounts dir exists")
        .map(|e| e.expect("a dir entry").path())
        .collect();
    let cache = files
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "db"))
        .unwrap_or_else(|| panic!("one cache file in {files:?}"))
        .clone();
    for side in ["db-wal", "db-shm"] {
        let _ = std::fs::remove_file(cache.with_extension(side));
    }
    let garbage = b"this is not a parley cache, just some bytes\n".repeat(100);
    std::fs::write(&cache, &garbage).expect("corrupt the cache");

    for args in [&["conversations"][..], &["--offline", "read", "x"]] {
        let line = dev.run(args).await.failed("a corrupted cache");
        assert!(
            line.contains(&cache.display().to_string()),
            "{args:?}: the error names the file: {line}"
        );
        assert_eq!(
            std::fs::read(&cache).expect("the cache file still exists"),
            garbage,
            "{args:?}: the damaged file is left exactly as it was"
        );
    }
}

/// `--json` prints exactly one JSON document for each listed command; failures exit non-zero
/// with one line on stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_contract_json_and_errors() {
    let server = TestServer::start().await;
    let (dev, bob_dev) = (Device::new(), Device::new());
    let bob = name("bob");
    bob_dev.register(&server, &bob).await;
    let alice = name("alice");
    dev.register(&server, &alice).await;
    let to_bob = format!("@{bob}");
    let cases: [(&[&str], &str); 8] = [
        (&["send", &to_bob, "contract check"], "message"),
        (&["--offline", "send", &to_bob, "queued"], "client_id"),
        (&["conversations"], "conversations"),
        (&["--offline", "conversations"], "conversations"),
        (&["read", &to_bob], "messages"),
        (&["search", "contract"], "results"),
        (&["--offline", "search", "contract"], "results"),
        (&["accounts"], "accounts"),
    ];
    for (args, key) in cases {
        let doc: Value = dev.json(args).await;
        assert!(
            !doc[key].is_null(),
            "{args:?} --json: the document has `{key}`: {doc}"
        );
    }
    let search = dev.json(&["search", "contract"]).await;
    assert_eq!(search["results"][0]["body"], "contract check");

    let url = server.url();
    let failures: [(&[&str], Option<&str>); 5] = [
        (&["--offline", "read", "no-such-conversation"], None),
        (&["send", &to_bob, "   "], None),
        (&["--offline", "watch"], None),
        (
            &["--account", "nobody@example.invalid", "conversations"],
            None,
        ),
        (
            &[
                "login",
                "--server",
                &url,
                "--username",
                &alice,
                "--password-stdin",
            ],
            Some("wrong password"),
        ),
    ];
    for (args, stdin) in failures {
        let out = dev.run_with_stdin(args, stdin).await;
        assert!(
            out.stdout.is_empty(),
            "{args:?}: nothing on stdout: {out:#?}"
        );
        out.failed(&format!("{args:?}"));
        let out = dev
            .run_with_stdin(&[&["--json"], args].concat(), stdin)
            .await;
        assert!(
            out.stdout.is_empty(),
            "{args:?} --json: no JSON for a failure: {out:#?}"
        );
        out.failed(&format!("{args:?} --json"));
    }

    // Usage mistakes follow the same contract (clap's own errors are several lines).
    let usage: [(&[&str], &str); 4] = [
        (&["send"], "<CONV> <TEXT>"),
        (&["--bogus", "accounts"], "--bogus"),
        (&["no-such-command"], "no-such-command"),
        (&["read", &to_bob, "--limit", "many"], "many"),
    ];
    for (args, mentions) in usage {
        let out = dev.run_with_stdin(args, None).await;
        assert!(
            out.stdout.is_empty(),
            "{args:?}: nothing on stdout: {out:#?}"
        );
        let line = out.failed(&format!("{args:?}"));
        assert!(
            line.contains(mentions),
            "{args:?}: says what is wrong: {line}"
        );
    }
    let help = dev.run_with_stdin(&["--help"], None).await.ok("--help");
    assert!(
        help.contains("Usage: parley"),
        "help goes to stdout: {help}"
    );
}
