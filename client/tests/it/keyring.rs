//! The keyring module against the real Secret Service.
//!
//! Run under `scripts/with-keyring.sh` (a private D-Bus session with an unlocked
//! gnome-keyring); without one, these tests fail and say so. The "no keyring" case runs in a
//! child process with a broken bus address so it cannot disturb the others.

use std::process::Command;

use parley_client::keyring::{AccountKey, Credentials, KeyringError};
use parley_protocol::SecretString;

const RECIPE: &str = "run the suite with scripts/with-keyring.sh (a D-Bus session with an \
                      unlocked gnome-keyring)";

/// A username no other test (or earlier run) uses.
fn fresh_account(host: &str) -> AccountKey {
    let name = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    AccountKey::new(&name, host).unwrap()
}

fn credentials() -> Credentials {
    Credentials::open().unwrap_or_else(|e| panic!("{e}\n-> {RECIPE}"))
}

#[test]
fn store_load_delete_round_trip() {
    let keyring = credentials();
    let account = fresh_account("chat.example.test");
    assert!(
        keyring
            .load(&account)
            .unwrap_or_else(|e| panic!("{e}\n-> {RECIPE}"))
            .is_none(),
        "a new account has no entry: NoEntry must be Ok(None)"
    );

    keyring
        .store(&account, &SecretString::new("refresh-1"))
        .unwrap();
    assert_eq!(
        keyring
            .load(&account)
            .unwrap()
            .as_ref()
            .map(SecretString::expose),
        Some("refresh-1")
    );

    keyring
        .store(&account, &SecretString::new("refresh-2"))
        .unwrap();
    assert_eq!(
        keyring
            .load(&account)
            .unwrap()
            .as_ref()
            .map(SecretString::expose),
        Some("refresh-2"),
        "storing again replaces the rotated token"
    );

    keyring.delete(&account).unwrap();
    assert!(keyring.load(&account).unwrap().is_none());
    keyring
        .delete(&account)
        .expect("deleting a missing entry is not an error");
}

#[test]
fn accounts_side_by_side_do_not_touch_each_other() {
    let keyring = credentials();
    let a = fresh_account("one.example.test");
    let same_name_other_server = AccountKey::new(a.username(), "two.example.test:8443").unwrap();
    let b = fresh_account("one.example.test");
    keyring.store(&a, &SecretString::new("token-a")).unwrap();
    keyring
        .store(&same_name_other_server, &SecretString::new("token-a2"))
        .unwrap();
    keyring.store(&b, &SecretString::new("token-b")).unwrap();

    keyring.delete(&a).unwrap();
    assert!(keyring.load(&a).unwrap().is_none());
    assert_eq!(
        keyring
            .load(&same_name_other_server)
            .unwrap()
            .unwrap()
            .expose(),
        "token-a2"
    );
    assert_eq!(keyring.load(&b).unwrap().unwrap().expose(), "token-b");
    keyring.delete(&same_name_other_server).unwrap();
    keyring.delete(&b).unwrap();
}

#[test]
fn a_fresh_store_instance_reads_what_another_wrote() {
    let account = fresh_account("restart.example.test");
    credentials()
        .store(&account, &SecretString::new("survives"))
        .unwrap();
    let later = credentials();
    assert_eq!(later.load(&account).unwrap().unwrap().expose(), "survives");
    later.delete(&account).unwrap();
}

#[test]
fn another_process_reads_what_this_one_wrote() {
    let account = fresh_account("process.example.test");
    credentials()
        .store(&account, &SecretString::new("cross-process"))
        .unwrap();
    let out = Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            "parley",
            "username",
            &account.to_string(),
        ])
        .output()
        .expect("secret-tool (apt libsecret-tools) must be installed");
    credentials().delete(&account).unwrap();
    assert!(
        out.status.success(),
        "secret-tool failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "cross-process",
        "the entry must be a real Secret Service item other programs can see"
    );
}

#[test]
fn secrets_are_not_printed_in_debug_output() {
    let token = SecretString::new("do-not-log-me");
    assert!(!format!("{token:?} {:?}", credentials()).contains("do-not-log-me"));
}

/// Set in the child processes of the "unavailable" tests below.
const CHILD_ENV: &str = "PARLEY_TEST_KEYRING_CHILD";

/// Runs the ignored test `name` of this binary in a child process through `launcher`, and
/// checks that it ran and passed.
fn run_child(mut launcher: Command, name: &str) {
    let out = launcher
        .arg(std::env::current_exe().unwrap())
        .args([name, "--exact", "--ignored", "--nocapture"])
        .env(CHILD_ENV, "1")
        // A prompt must fail at once, not open a dialog on some display and wait.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "the child test {name} must run and pass:\n{stdout}\n{stderr}"
    );
}

/// In a child: both reading and writing fail as `Unavailable`, with advice.
fn assert_unavailable() {
    let account = AccountKey::new("alice", "nowhere.test").unwrap();
    let load = Credentials::open().and_then(|k| k.load(&account));
    let store = Credentials::open().and_then(|k| k.store(&account, &SecretString::new("t")));
    for err in [load.expect_err("load"), store.expect_err("store")] {
        assert!(
            matches!(err, KeyringError::Unavailable { .. }),
            "got {err:?}"
        );
        assert_eq!(err.code(), "keyring_unavailable");
        let text = err.to_string();
        assert!(
            text.contains("gnome-keyring") && text.contains("unlock"),
            "the message must say what to do: {text}"
        );
    }
}

#[test]
fn no_secret_service_means_unavailable_with_advice() {
    let mut launcher = Command::new("env");
    launcher.args(["DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/parley-test-bus"]);
    run_child(launcher, "keyring::no_bus_child");
}

#[test]
#[ignore = "run in a child process by no_secret_service_means_unavailable_with_advice"]
fn no_bus_child() {
    if std::env::var_os(CHILD_ENV).is_some() {
        assert_unavailable();
    }
}

/// A session of its own whose login keyring holds an entry for the account and is locked
/// (this test must not lock the keyring the other tests use).
const LOCKED_SESSION: &str = r#"
    set -e
    XDG_RUNTIME_DIR=$(mktemp -d) XDG_DATA_HOME=$(mktemp -d)
    export XDG_RUNTIME_DIR XDG_DATA_HOME
    trap 'rm -rf "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME"' EXIT
    eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"
    printf old-token | secret-tool store --label=parley service parley username alice@nowhere.test
    dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
        org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login \
        >/dev/null
    "$@"
"#;

#[test]
fn a_locked_keyring_means_unavailable_with_advice() {
    let mut launcher = Command::new("dbus-run-session");
    launcher.args(["--", "sh", "-c", LOCKED_SESSION, "locked-session"]);
    run_child(launcher, "keyring::locked_child");
}

#[test]
#[ignore = "run in a child process by a_locked_keyring_means_unavailable_with_advice"]
fn locked_child() {
    if std::env::var_os(CHILD_ENV).is_some() {
        assert_unavailable();
    }
}
