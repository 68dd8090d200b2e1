//! Running the `parley` binary: one [`Device`] per simulated device (its own `--home`), each
//! command a child process that is killed if the test drops it, and the CLI's output
//! contract (exit code, one JSON document, one error line) as assertions.

use std::process::Stdio;

use serde_json::Value;
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;

use crate::e2e_fixture::{PASSWORD, TestServer, WAIT};

/// What one `parley` run printed.
#[derive(Debug)]
pub struct Out {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Asserts exit code 0 (`why`: what the command was for) and returns stdout.
    #[track_caller]
    pub fn ok(self, why: &str) -> String {
        assert!(self.success, "{why}: parley failed: {self:#?}");
        self.stdout
    }

    /// Asserts the error contract: a non-zero exit and exactly one line on stderr starting
    /// with `parley:`. Returns that line.
    #[track_caller]
    pub fn failed(self, why: &str) -> String {
        assert!(
            !self.success && self.code.is_some(),
            "{why}: parley should have failed with an exit code: {self:#?}"
        );
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "{why}: an error is exactly one line on stderr, got {:?}",
            self.stderr
        );
        assert!(
            lines[0].starts_with("parley: "),
            "{why}: the error line says who is talking: {:?}",
            lines[0]
        );
        lines[0].to_owned()
    }
}

/// Parses stdout as exactly one JSON document.
#[track_caller]
pub fn one_json(stdout: &str, why: &str) -> Value {
    serde_json::from_str(stdout)
        .unwrap_or_else(|e| panic!("{why}: --json must print one JSON document ({e}): {stdout:?}"))
}

/// One simulated device for the CLI: its own `--home`.
pub struct Device {
    pub home: TempDir,
}

impl Device {
    pub fn new() -> Self {
        Self {
            home: tempfile::tempdir().expect("create a temp home"),
        }
    }

    /// A `parley --home HOME ARGS...` child, killed if the test drops it.
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_parley"));
        cmd.arg("--home")
            .arg(self.home.path())
            .args(args)
            .env_remove("PARLEY_HOME")
            .env_remove("PARLEY_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    pub async fn run(&self, args: &[&str]) -> Out {
        self.run_with_stdin(args, None).await
    }

    pub async fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Out {
        let mut cmd = self.command(args);
        if stdin.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let mut child = cmd.spawn().expect("spawn the parley binary");
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            pipe.write_all(text.as_bytes())
                .await
                .expect("write to stdin");
            drop(pipe);
        }
        let output = tokio::time::timeout(WAIT, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("parley {args:?} did not finish within {WAIT:?}"))
            .expect("wait for parley");
        Out {
            success: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }

    /// `--json ARGS...`, which must succeed and print one JSON document.
    pub async fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let stdout = self.run(&all).await.ok(&format!("parley {args:?}"));
        one_json(&stdout, &format!("parley --json {args:?}"))
    }

    /// `parley register` with the password on stdin; returns the account label.
    pub async fn register(&self, server: &TestServer, username: &str) -> String {
        let url = server.url();
        let args = [
            "--json",
            "register",
            "--server",
            &url,
            "--username",
            username,
            "--password-stdin",
        ];
        let out = self.run_with_stdin(&args, Some(PASSWORD)).await;
        let doc = one_json(&out.ok("registering"), "register --json");
        doc["account"]
            .as_str()
            .expect("register --json names the account")
            .to_owned()
    }

    /// The messages `read CONV --json` shows (served from the cache after a catch-up).
    pub async fn read(&self, extra: &[&str], conv: &str) -> Vec<Value> {
        let mut args = extra.to_vec();
        args.extend_from_slice(&["read", conv, "--limit", "500"]);
        let doc = self.json(&args).await;
        doc["messages"]
            .as_array()
            .unwrap_or_else(|| panic!("read --json has a messages array: {doc}"))
            .clone()
    }
}

/// Bodies of `messages` (CLI `read --json` shape: `{message, delivery}`) equal to `body`.
pub fn count_body(messages: &[Value], body: &str) -> usize {
    messages
        .iter()
        .filter(|m| m["message"]["body"] == body)
        .count()
}
