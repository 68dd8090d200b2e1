//! The real `parley-server` executable as a child process, for crash and operations tests.
//!
//! Started with `--listen 127.0.0.1:0`; the port is learnt from the `listening on http://ADDR`
//! log line (a real readiness signal, no sleeping). Stderr keeps being drained afterwards so the
//! child never blocks on a full pipe; its lines are kept for failure messages.

use std::{
    net::SocketAddr,
    path::Path,
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

pub const EXE: &str = env!("CARGO_BIN_EXE_parley-server");

/// A command for the binary with a clean environment: no inherited `PARLEY_*`, no colours.
pub fn command(data_dir: &Path) -> Command {
    let mut cmd = Command::new(EXE);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PARLEY_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("PARLEY_DATA_DIR", data_dir)
        .env("PARLEY_RATE_LIMIT", "off")
        .env("PARLEY_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

pub struct ServerProcess {
    pub child: Child,
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts `parley-server --listen 127.0.0.1:0 --data-dir DIR` and waits for its listening line.
    pub async fn start(data_dir: &Path) -> Self {
        Self::start_with_env(data_dir, &[]).await
    }

    /// The same, with more environment (e.g. `PARLEY_DATABASE_URL`).
    pub async fn start_with_env(data_dir: &Path, env: &[(&str, &str)]) -> Self {
        let mut cmd = command(data_dir);
        cmd.envs(env.iter().copied());
        cmd.arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(data_dir);
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn parley-server");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let sink = Arc::clone(&log);
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            let mut tx = Some(tx);
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(addr) = listening_addr(&line)
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(addr);
                }
                sink.lock().expect("log lock").push(line);
            }
        });
        let Ok(Ok(addr)) = tokio::time::timeout(Duration::from_secs(60), rx).await else {
            panic!(
                "parley-server never logged `listening on http://ADDR`; stderr:\n{}",
                log.lock().unwrap().join("\n")
            );
        };
        Self { child, addr, log }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL (on Unix, `start_kill` is SIGKILL) and reap.
    pub async fn kill(&mut self) {
        self.child.start_kill().expect("send SIGKILL");
        let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("the child dies");
    }

    pub fn stderr(&self) -> String {
        self.log.lock().map(|l| l.join("\n")).unwrap_or_default()
    }
}

/// `…listening on http://127.0.0.1:41234…` → the address; tolerates ANSI colour codes.
pub fn listening_addr(line: &str) -> Option<SocketAddr> {
    let plain = strip_ansi(line);
    let rest = &plain[plain.find("listening on http://")? + "listening on http://".len()..];
    let end = rest
        .find(|c: char| !(c.is_ascii_hexdigit() || ".:[]".contains(c)))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ params… final byte in @..~
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) && c != '[' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn listening_lines_parse() {
    let line = "2025-01-01T00:00:00Z  INFO parley_server: listening on http://127.0.0.1:41234";
    assert_eq!(
        listening_addr(line),
        Some("127.0.0.1:41234".parse().unwrap())
    );
    let colored = "\u{1b}[32m INFO\u{1b}[0m listening on http://127.0.0.1:8080 (pid 1)";
    assert_eq!(
        listening_addr(colored),
        Some("127.0.0.1:8080".parse().unwrap())
    );
    assert_eq!(listening_addr("starting"), None);
}
