//! Export (PRODUCT.md §3 `parley export`, §4 `Export conversation`): the whole history —
//! older messages this device never fetched included, when online — as JSON, Markdown or one
//! self-contained HTML page in which a message can never become markup; offline, what the
//! cache has, said so; files are never overwritten.

use parley_client::export::ExportFormat;
use serde_json::{Value, json};

use crate::{
    e2e_cli::Device,
    e2e_fixture::{Rest, TestEngine, TestServer, name},
};

const PAYLOAD: &str = "<script>alert(1)</script> & <b>friends</b>";

fn token(auth: &Value) -> String {
    auth["session"]["access_token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_holds_the_whole_history_and_html_never_renders_a_body() {
    let mut server = TestServer::start().await;
    let rest = Rest::new(&server.url());
    let alice_name = name("alice");
    let alice = rest.register(&alice_name).await;
    let bob = rest.register(&name("bob")).await;
    let dm = rest
        .create_conversation(
            &token(&alice),
            json!({"kind": "direct", "member_ids": [bob["user"]["id"]]}),
        )
        .await;
    rest.send(&token(&bob), dm.as_str(), PAYLOAD).await;
    for i in 2..=120 {
        rest.send(&token(&bob), dm.as_str(), &format!("history {i}"))
            .await;
    }

    // A new device: a first sign-in caches only the latest 50 messages.
    let online = TestEngine::login(&server, &alice_name).await;
    online.engine.catch_up().await.expect("first sync");
    let cached = online
        .engine
        .messages(&dm, usize::MAX)
        .await
        .expect("cache");
    assert_eq!(cached.len(), 50, "the backfill caches the latest 50");

    // Offline: what the cache has, and the export says it is partial.
    server.stop().await;
    let partial = online
        .engine
        .export(&dm, ExportFormat::Json, false)
        .await
        .expect("export offline");
    assert!(!partial.complete, "offline, the export says it is partial");
    assert_eq!(partial.messages, 50);
    server.restart().await;

    let export = online
        .engine
        .export(&dm, ExportFormat::Json, true)
        .await
        .expect("export as JSON");
    assert!(export.complete, "complete: {} messages", export.messages);
    let doc: Value = serde_json::from_str(&export.contents).expect("valid JSON");
    let seqs: Vec<i64> = doc["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(
        seqs,
        (1..=120).collect::<Vec<_>>(),
        "every message, oldest first"
    );
    assert_eq!(doc["messages"][0]["body"], PAYLOAD);
    assert_eq!(
        doc["people"][bob["user"]["id"].as_str().unwrap()],
        bob["user"]["username"]
    );

    let html = online
        .engine
        .export(&dm, ExportFormat::Html, true)
        .await
        .expect("export as HTML")
        .contents;
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..80]);
    assert_eq!(html.matches("<article").count(), 120);
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;friends&lt;/b&gt;"),
        "the body is text"
    );
    assert!(
        !html.contains("<script>") && !html.contains("<b>"),
        "no markup from a body"
    );

    let md = online
        .engine
        .export(&dm, ExportFormat::Md, true)
        .await
        .expect("export as Markdown")
        .contents;
    assert!(md.starts_with(&format!("# {}", bob["user"]["username"].as_str().unwrap())));
    assert!(md.contains("history 120"), "the newest message");

    // Twice into one folder: the second file gets a new name.
    let dir = tempfile::tempdir().expect("a folder");
    let (first, _) = online
        .engine
        .export_to_dir(&dm, ExportFormat::Html, true, dir.path())
        .await
        .expect("export into a folder");
    let (second, _) = online
        .engine
        .export_to_dir(&dm, ExportFormat::Html, true, dir.path())
        .await
        .expect("export again");
    let bob_name = bob["user"]["username"].as_str().unwrap();
    assert_eq!(
        first.file_name().unwrap(),
        format!("{bob_name}.html").as_str()
    );
    assert_eq!(
        second.file_name().unwrap(),
        format!("{bob_name} (1).html").as_str()
    );
    assert_eq!(
        std::fs::read_to_string(&first)
            .unwrap()
            .matches("<article")
            .count(),
        120
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parley_export_writes_each_format_and_never_overwrites() {
    let server = TestServer::start().await;
    let (alice_dev, bob_dev) = (Device::new(), Device::new());
    let (alice, bob) = (name("alice"), name("bob"));
    alice_dev.register(&server, &alice).await;
    bob_dev.register(&server, &bob).await;
    let to_bob = format!("@{bob}");
    alice_dev.json(&["dm", &bob]).await;
    alice_dev.json(&["send", &to_bob, PAYLOAD]).await;
    alice_dev.json(&["send", &to_bob, "**second** line"]).await;

    let out = alice_dev.run(&["export", &to_bob]).await;
    let doc: Value = serde_json::from_str(&out.ok("export to stdout")).expect("JSON by default");
    assert_eq!(doc["messages"].as_array().map(Vec::len), Some(2));

    let dir = tempfile::tempdir().expect("a folder");
    for (format, marker) in [
        ("json", "\"messages\""),
        ("md", "**second** line"),
        ("html", "&lt;script&gt;"),
    ] {
        let file = dir.path().join(format!("chat.{format}"));
        let path = file.to_str().unwrap();
        let printed = alice_dev
            .run(&["export", &to_bob, "--format", format, "--output", path])
            .await
            .ok(&format!("export --format {format}"));
        assert_eq!(printed.trim(), path);
        let written = std::fs::read_to_string(&file).expect("the file");
        assert!(written.contains(marker), "{format}: {written}");

        let again = alice_dev
            .run(&["export", &to_bob, "--format", format, "--output", path])
            .await;
        assert!(!again.success, "an existing file is refused");
        assert!(
            again.stderr.contains("never overwrites"),
            "{}",
            again.stderr
        );
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            written,
            "and left as it was"
        );
    }

    let bad = alice_dev.run(&["export", &to_bob, "--format", "pdf"]).await;
    assert!(!bad.success && bad.stderr.contains("pdf"), "{}", bad.stderr);
}
