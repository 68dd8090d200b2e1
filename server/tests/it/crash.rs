//! Crash safety (§2 "acknowledged only once durably stored", §5 "kill -9 under load"): SIGKILL
//! the real binary while several clients send, restart it on the same data dir, and check that
//! every acknowledged message is there exactly once, at its acknowledged seq, with no gaps.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::binary::ServerProcess;
use crate::fixture::{PASSWORD, WAIT, http_client, id_of, new_client_id};

const SENDERS: usize = 4;
/// Acks to wait for before pulling the plug (the load keeps running while we kill).
const ACKS_BEFORE_KILL: usize = 120;

#[derive(Debug)]
enum Outcome {
    /// 201/200 received: the server promised durability.
    Acked {
        client_id: String,
        id: String,
        seq: i64,
    },
    /// The request was in flight (or refused by a dying server): stored or not, unknown.
    InDoubt { client_id: String },
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: &Value,
) -> Result<(u16, Value), reqwest::Error> {
    let resp = http.post(url).bearer_auth(token).json(body).send().await?;
    let status = resp.status().as_u16();
    let mut resp = resp;
    let mut bytes = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        bytes.extend_from_slice(&chunk);
    }
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

async fn auth(http: &reqwest::Client, base: &str, route: &str, username: &str) -> Value {
    let body = json!({"username": username, "password": PASSWORD});
    let (status, value) = post(http, &format!("{base}/api/v1/auth/{route}"), "", &body)
        .await
        .expect(route);
    assert!(
        status == 200 || status == 201,
        "{route} {username}: {status} {value}"
    );
    value
}

/// Sends until the server stops answering; reports every outcome.
async fn sender(url: String, token: String, name: usize, out: mpsc::UnboundedSender<Outcome>) {
    let http = http_client();
    for i in 0.. {
        let client_id = new_client_id();
        let body = json!({"client_id": client_id, "body": format!("sender {name} message {i}")});
        match post(&http, &url, &token, &body).await {
            Ok((200 | 201, m)) => {
                let seq = m["seq"].as_i64().expect("an ack carries seq");
                let _ = out.send(Outcome::Acked {
                    client_id,
                    id: id_of(&m),
                    seq,
                });
            }
            Ok((status, m)) => {
                assert!(
                    status < 500 || status == 503,
                    "a 5xx under load is a bug: {status} {m}"
                );
                let _ = out.send(Outcome::InDoubt { client_id });
                return;
            }
            Err(_) => {
                let _ = out.send(Outcome::InDoubt { client_id });
                return;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_under_load_loses_and_duplicates_no_acknowledged_message() {
    let dir = tempfile::tempdir().expect("temp data dir");
    let mut server = ServerProcess::start(dir.path()).await;
    let http = http_client();
    let base = server.base();
    let alice = auth(&http, &base, "register", "alice").await;
    let bob = auth(&http, &base, "register", "bob").await;
    let token = alice["session"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let create = json!({"kind": "group", "title": "crash", "member_ids": [bob["user"]["id"]]});
    let (status, conv) = post(
        &http,
        &format!("{base}/api/v1/conversations"),
        &token,
        &create,
    )
    .await
    .expect("create");
    assert_eq!(status, 201, "create group: {conv}");
    let conv = id_of(&conv);
    let url = format!("{base}/api/v1/conversations/{conv}/messages");

    let (tx, mut rx) = mpsc::unbounded_channel();
    let tasks: Vec<_> = (0..SENDERS)
        .map(|n| tokio::spawn(sender(url.clone(), token.clone(), n, tx.clone())))
        .collect();
    drop(tx);
    let mut outcomes = Vec::new();
    while outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Acked { .. }))
        .count()
        < ACKS_BEFORE_KILL
    {
        let next = tokio::time::timeout(WAIT, rx.recv()).await;
        let outcome = next
            .expect("acks keep coming under load")
            .expect("senders are still running");
        outcomes.push(outcome);
    }
    server.kill().await;
    for task in tasks {
        tokio::time::timeout(WAIT, task)
            .await
            .expect("senders stop once the server is gone")
            .expect("sender did not panic");
    }
    while let Some(outcome) = rx.recv().await {
        outcomes.push(outcome);
    }

    let server = ServerProcess::start(dir.path()).await;
    let base = server.base();
    let token = auth(&http, &base, "login", "alice").await["session"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("{base}/api/v1/conversations/{conv}/messages");
    let mut acked: HashMap<String, (String, i64)> = HashMap::new();
    let mut in_doubt = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Acked { client_id, id, seq } => {
                assert!(
                    acked.insert(client_id, (id, seq)).is_none(),
                    "a client_id was acked twice"
                );
            }
            Outcome::InDoubt { client_id } => in_doubt.push(client_id),
        }
    }
    // A client's outbox resends what it never saw acknowledged: must store it at most once.
    for client_id in &in_doubt {
        let body = json!({"client_id": client_id, "body": "resent after crash"});
        let (status, m) = post(&http, &url, &token, &body)
            .await
            .expect("resend after restart");
        assert!(
            status == 200 || status == 201,
            "resend of an in-doubt send: {status} {m}"
        );
        acked.insert(client_id.clone(), (id_of(&m), m["seq"].as_i64().unwrap()));
    }
    let stored = all_messages(&http, &url, &token).await;
    let seqs: Vec<i64> = stored.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    let expected: Vec<i64> = (1..=stored.len() as i64).collect();
    assert_eq!(
        seqs,
        expected,
        "seqs are gap-free after the crash; stderr:\n{}",
        server.stderr()
    );
    let mut by_client: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    for m in &stored {
        let key = m["client_id"].as_str().unwrap().to_owned();
        by_client
            .entry(key)
            .or_default()
            .push((id_of(m), m["seq"].as_i64().unwrap()));
    }
    for (client_id, (id, seq)) in &acked {
        let found = by_client.get(client_id).cloned().unwrap_or_default();
        assert_eq!(
            found,
            vec![(id.clone(), *seq)],
            "acknowledged {client_id} is stored exactly once, as acked"
        );
    }
    assert_eq!(
        stored.len(),
        acked.len(),
        "nothing is stored that no client sent"
    );
}

async fn all_messages(http: &reqwest::Client, url: &str, token: &str) -> Vec<Value> {
    let mut all: Vec<Value> = Vec::new();
    loop {
        let after = all.last().map_or(0, |m| m["seq"].as_i64().unwrap());
        let resp = http
            .get(format!("{url}?after={after}&limit=200"))
            .bearer_auth(token)
            .send()
            .await;
        let mut resp = resp.expect("list messages after restart");
        assert_eq!(resp.status().as_u16(), 200, "list messages after restart");
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.expect("read") {
            bytes.extend_from_slice(&chunk);
        }
        let page: Value = serde_json::from_slice(&bytes).expect("JSON page");
        let page = page["messages"].as_array().expect("messages").clone();
        if page.is_empty() {
            return all;
        }
        all.extend(page);
    }
}
