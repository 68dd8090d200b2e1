//! Operating the server (§2 preamble, "Running the server"): health, metrics, OpenAPI, the
//! `print-config` and `backup` commands, graceful shutdown.

use std::{collections::BTreeSet, process::Stdio};

use crate::binary::{ServerProcess, command};
use crate::fixture::TestServer;
use crate::routes::{ROUTES, normalize};

#[tokio::test]
async fn healthz_needs_no_token() {
    let s = TestServer::start().await;
    let resp = s.get("/healthz").send().await;
    assert_eq!(
        resp.status.as_u16(),
        200,
        "the store is reachable: {}",
        resp.text()
    );
}

#[tokio::test]
async fn metrics_are_prometheus_text() {
    let s = TestServer::start().await;
    s.register("alice").await;
    let resp = s.get("/metrics").send().await;
    assert_eq!(
        resp.status.as_u16(),
        200,
        "metrics need no token: {}",
        resp.text()
    );
    let content_type = resp.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("text/plain")
            || content_type.starts_with("application/openmetrics-text"),
        "Prometheus exposition Content-Type: {content_type:?}"
    );
    let text = resp.text();
    assert!(
        text.contains("# TYPE"),
        "metrics declare their types:\n{text}"
    );
    let samples = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .count();
    assert!(samples > 0, "at least one sample after traffic:\n{text}");
}

#[tokio::test]
async fn openapi_documents_every_route() {
    let s = TestServer::start().await;
    let doc = s
        .get("/api/openapi.json")
        .send()
        .await
        .expect(200, "the OpenAPI document needs no token");
    let version = doc["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1"), "OpenAPI 3.1, got {version:?}");
    let paths = doc["paths"].as_object().expect("paths is an object");
    let documented: BTreeSet<String> = paths
        .iter()
        .flat_map(|(path, item)| {
            let methods: Vec<String> = item
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            methods
                .into_iter()
                .map(move |m| format!("{} {}", m.to_uppercase(), normalize(path)))
        })
        .collect();
    let missing: Vec<String> = ROUTES
        .iter()
        .map(|(method, path)| format!("{method} {}", normalize(path)))
        .filter(|route| !documented.contains(route))
        .collect();
    assert!(
        missing.is_empty(),
        "routes missing from openapi.json: {missing:#?}\ndocumented: {documented:#?}"
    );
}

#[tokio::test]
async fn graceful_shutdown_returns_ok() {
    let s = TestServer::start().await;
    s.register("alice").await;
    s.stop().await;
}

#[tokio::test]
async fn print_config_prints_commented_toml() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = command(dir.path())
        .arg("print-config")
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("run print-config");
    let stdout = String::from_utf8(out.stdout).expect("print-config prints UTF-8");
    assert!(
        out.status.success(),
        "print-config exits 0: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table: toml::Table =
        toml::from_str(&stdout).unwrap_or_else(|e| panic!("not TOML ({e}):\n{stdout}"));
    for key in ["listen", "data_dir", "rate_limit"] {
        assert!(
            table.contains_key(key),
            "print-config shows `{key}`:\n{stdout}"
        );
    }
    assert!(
        stdout.lines().any(|l| l.trim_start().starts_with('#')),
        "the defaults are commented:\n{stdout}"
    );
}

#[tokio::test]
async fn backup_writes_a_consistent_sqlite_copy_while_serving() {
    if !crate::fixture::sqlite_backend("backup_writes_a_consistent_sqlite_copy_while_serving") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp data dir");
    let server = ServerProcess::start(dir.path()).await;
    let http = crate::fixture::http_client();
    let register = serde_json::json!({"username": "alice", "password": crate::fixture::PASSWORD});
    let resp = http
        .post(format!("{}/api/v1/auth/register", server.base()))
        .json(&register)
        .send()
        .await;
    assert_eq!(
        resp.expect("register").status().as_u16(),
        201,
        "register before the backup"
    );

    let out_dir = tempfile::tempdir().expect("temp backup dir");
    let file = out_dir.path().join("backup.db");
    let out = command(dir.path())
        .arg("backup")
        .arg(&file)
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("run backup");
    assert!(
        out.status.success(),
        "backup exits 0: {}\nserver:\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.stderr()
    );
    let bytes = std::fs::read(&file).expect("the backup file exists");
    assert!(
        bytes.starts_with(b"SQLite format 3\0"),
        "the backup is a SQLite database"
    );
    let db = rusqlite::Connection::open(&file).expect("open the backup");
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok", "the backup is consistent");
    let tables: i64 = db
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .expect("count tables");
    assert!(tables > 0, "the backup holds the schema");
    let mut found_alice = false;
    let names: Vec<String> = {
        let mut stmt = db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .expect("list tables");
        stmt.query_map([], |r| r.get(0))
            .expect("query")
            .filter_map(Result::ok)
            .collect()
    };
    for table in names {
        let sql = format!("SELECT * FROM \"{table}\"");
        let Ok(mut stmt) = db.prepare(&sql) else {
            continue;
        };
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).expect("scan table");
        while let Ok(Some(row)) = rows.next() {
            found_alice |=
                (0..columns).any(|i| row.get::<_, String>(i).is_ok_and(|v| v == "alice"));
        }
    }
    assert!(found_alice, "the registered user is in the backup");
}

/// A backup copied in page batches restarts whenever the server commits meanwhile, so on a
/// busy server it never finished. It must finish while messages keep arriving, hold every
/// message committed before it began, and a failed backup must leave no file behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_finishes_while_the_server_keeps_writing() {
    if !crate::fixture::sqlite_backend("backup_finishes_while_the_server_keeps_writing") {
        return;
    }
    let s = std::sync::Arc::new(TestServer::start().await);
    let alice = s.register("alice").await;
    let conv = s.group(&alice, "busy", &[]).await;
    let big = "x".repeat(16_000);
    for _ in 0..300 {
        s.send(&alice, &conv, &big).await;
    }
    let stop = tokio_util::sync::CancellationToken::new();
    let writer = {
        let (stop, s, alice, conv) = (stop.clone(), s.clone(), alice.clone(), conv.clone());
        tokio::spawn(async move {
            let mut sent = 0;
            while !stop.is_cancelled() {
                s.send(&alice, &conv, "still writing").await;
                sent += 1;
            }
            sent
        })
    };
    let out_dir = tempfile::tempdir().expect("temp backup dir");
    let file = out_dir.path().join("busy.db");
    let run = command(s.data_dir()).arg("backup").arg(&file).output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), run)
        .await
        .expect("the backup finishes while the server keeps committing")
        .expect("run backup");
    stop.cancel();
    let sent_meanwhile = writer.await.expect("writer task");
    assert!(
        out.status.success(),
        "backup exits 0: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        sent_meanwhile > 0,
        "the server was committing during the backup"
    );
    let db = rusqlite::Connection::open(&file).expect("open the backup");
    let copied: i64 = db
        .query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))
        .expect("count messages");
    assert!(
        copied >= 300,
        "every message committed before the backup: {copied}"
    );

    let missing = tempfile::tempdir().expect("an empty data dir");
    let nowhere = out_dir.path().join("from-nothing.db");
    let out = command(missing.path())
        .arg("backup")
        .arg(&nowhere)
        .output()
        .await
        .expect("run backup");
    assert!(!out.status.success(), "no database, no backup");
    assert!(!nowhere.exists(), "a failed backup leaves no file behind");
}

/// A browser's preflight for an authenticated call from `origin`.
async fn preflight(s: &TestServer, origin: &str) -> crate::client::Resp {
    s.req(reqwest::Method::OPTIONS, "/api/v1/conversations")
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
}

/// A signed-up user's conversation list, read by a page from `origin`.
async fn read_from(s: &TestServer, origin: &str) -> crate::client::Resp {
    let alice = s.register("alice").await;
    s.get("/api/v1/conversations")
        .auth(&alice)
        .header("origin", origin)
        .send()
        .await
}

fn allowed_origin(resp: &crate::client::Resp) -> Option<&str> {
    resp.headers
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn cors_is_off_by_default_and_an_exact_allow_list_when_set() {
    let s = TestServer::start().await;
    let off = preflight(&s, "https://chat.example.com").await;
    assert_eq!(allowed_origin(&off), None, "no CORS unless configured");
    let read = read_from(&s, "https://chat.example.com").await;
    assert_eq!(allowed_origin(&read), None, "a browser may not read it");

    let s =
        TestServer::start_with(|c| c.cors_origins = vec!["https://chat.example.com".to_owned()])
            .await;
    let ok = preflight(&s, "https://chat.example.com").await;
    assert_eq!(allowed_origin(&ok), Some("https://chat.example.com"));
    for foreign in [
        "https://evil.example",
        "https://chat.example.com.evil.example",
        "null",
    ] {
        let refused = preflight(&s, foreign).await;
        assert_eq!(
            allowed_origin(&refused),
            None,
            "{foreign} is not on the list"
        );
    }
    let read = read_from(&s, "https://chat.example.com").await;
    read.expect(200, "an allowed origin reads");
    assert_eq!(allowed_origin(&read), Some("https://chat.example.com"));
    let exposed = read
        .headers
        .get("access-control-expose-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        exposed.contains("retry-after"),
        "429s are readable: {exposed:?}"
    );
}
