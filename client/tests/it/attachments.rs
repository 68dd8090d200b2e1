//! Attachments end to end: staging (durable, size-limited, discardable), sending through the
//! outbox (online, offline then back, a failed send keeping its upload), downloading on the
//! other side (identical bytes, saved without clobbering), and the CLI's `--attach` and
//! `download`.

use parley_client::{
    ClientError, Engine, EngineEvent,
    attachments::{AttachmentError, MAX_ATTACHMENT_BYTES},
    cache::{CacheError, Delivery},
    outbox::Attempt,
    protocol::{ConversationId, Message},
};
use serde_json::json;

use crate::{
    e2e_cli::Device,
    e2e_fixture::{Rest, TestEngine, TestServer, name},
};

/// Bytes that are not text and not all alike (so a truncation or a mix-up shows).
fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Two engines with a direct conversation between them, known to both caches.
async fn pair(server: &TestServer) -> (TestEngine, TestEngine, ConversationId) {
    let a = TestEngine::register(server, &name("alice")).await;
    let b = TestEngine::register(server, &name("bob")).await;
    let conv = a
        .engine
        .open_direct(&b.user.username)
        .await
        .expect("open the DM");
    b.engine.catch_up().await.expect("bob catches up");
    (a, b, conv)
}

fn staged_files(engine: &TestEngine) -> Vec<String> {
    let dir = engine
        .engine
        .account()
        .data_dir(engine.home())
        .join("staged");
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The newest message `engine` has cached in `conv`.
async fn newest(engine: &Engine, conv: &ConversationId) -> Message {
    engine
        .messages(conv, 1)
        .await
        .expect("read the cache")
        .pop()
        .expect("a message")
        .message
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_sent_online_arrives_byte_for_byte() {
    let server = TestServer::start().await;
    let (a, b, conv) = pair(&server).await;
    let bytes = content(300_000);
    let staged = a
        .engine
        .stage_attachment(
            "../secret/report 1.bin",
            "application/x-test",
            bytes.clone(),
        )
        .await
        .expect("stage");
    assert_eq!(staged.name, "report 1.bin", "directories are dropped");
    assert_eq!(staged.size, 300_000);
    let entry = a
        .engine
        .compose_with(&conv, "", None, &[staged.staged_id])
        .await
        .expect("a file may go without text");
    assert_eq!(
        entry.body, "",
        "a file alone goes with no text (PRODUCT.md §2 allows an empty body with attachments)"
    );
    assert_eq!(
        entry.attachments,
        vec![staged.clone()],
        "the entry lists its file"
    );
    let pending = newest(&a.engine, &conv).await;
    assert_eq!(
        pending.attachments[0].id.as_str(),
        format!("local:{}", staged.staged_id),
        "a pending message shows its file as a local attachment"
    );
    assert!(
        a.engine.flush_outbox().await.expect("flush").is_none(),
        "sent"
    );
    let sent = newest(&a.engine, &conv).await;
    assert_eq!(sent.attachments.len(), 1, "{sent:?}");
    assert!(
        staged_files(&a).is_empty(),
        "the staged copy is deleted once the message is acknowledged: {:?}",
        staged_files(&a)
    );

    b.engine.catch_up().await.expect("bob catches up");
    let got = newest(&b.engine, &conv).await;
    assert_eq!(got.attachments, sent.attachments, "bob sees the attachment");
    let id = &got.attachments[0].id;
    assert_eq!(got.attachments[0].name, "report 1.bin");
    let path = b.engine.attachment_file(id).await.expect("download");
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "identical bytes");
    let again = b.engine.attachment_file(id).await.expect("cached");
    assert_eq!(again, path, "a second open reuses the download");

    let downloads = tempfile::tempdir().unwrap();
    let first = b
        .engine
        .save_attachment(id, downloads.path())
        .await
        .unwrap();
    let second = b
        .engine
        .save_attachment(id, downloads.path())
        .await
        .unwrap();
    assert_eq!(first.file_name().unwrap(), "report 1.bin");
    assert_eq!(
        second.file_name().unwrap(),
        "report 1 (1).bin",
        "saving again never overwrites"
    );
    assert_eq!(std::fs::read(&second).unwrap(), bytes);
    let thumb = b.engine.attachment_thumbnail(id).await;
    assert!(
        matches!(
            thumb.as_ref(),
            Err(ClientError::Attachment(AttachmentError::NoThumbnail(_)))
        ),
        "no thumbnail for a non-image: {thumb:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_composed_offline_goes_out_once_when_the_server_is_back() {
    let mut server = TestServer::start().await;
    let (a, b, conv) = pair(&server).await;
    server.stop().await;
    let staged = a
        .engine
        .stage_attachment("offline.txt", "text/plain", b"written on a plane".to_vec())
        .await
        .expect("staging works offline");
    a.engine
        .compose_with(&conv, "see file", None, &[staged.staged_id])
        .await
        .expect("compose offline");
    let waiting = a.engine.flush_outbox().await.expect("flush");
    assert!(waiting.is_some(), "the server is down: the entry waits");
    let shown = a.engine.messages(&conv, 10).await.unwrap();
    assert_eq!(shown.last().unwrap().delivery, Delivery::Pending);
    assert_eq!(
        shown.last().unwrap().message.attachments[0].name,
        "offline.txt"
    );
    let local = &shown.last().unwrap().message.attachments[0].id;
    let copy = a
        .engine
        .attachment_file(local)
        .await
        .expect("a pending file opens");
    assert_eq!(
        copy.file_name().unwrap(),
        "offline.txt",
        "under its own name"
    );
    assert_eq!(std::fs::read(&copy).unwrap(), b"written on a plane");
    std::fs::write(&copy, b"changed by another app").unwrap();

    server.restart().await;
    assert!(a.engine.flush_outbox().await.unwrap().is_none(), "sent");
    assert!(
        a.engine.flush_outbox().await.unwrap().is_none(),
        "nothing left"
    );
    b.engine.catch_up().await.unwrap();
    let got = b.engine.messages(&conv, 10).await.unwrap();
    assert_eq!(got.len(), 1, "delivered exactly once: {got:?}");
    assert_eq!(got[0].message.body, "see file");
    let path = b
        .engine
        .attachment_file(&got[0].message.attachments[0].id)
        .await
        .unwrap();
    assert_eq!(std::fs::read(path).unwrap(), b"written on a plane");
}

/// The upload is done, the send is refused (alice was removed from the group): the entry
/// fails but keeps the server's id of its file; after a restart and a retry (alice is back)
/// the message goes out with that same upload, not a second one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_a_restart_reuses_the_upload() {
    let server = TestServer::start().await;
    let rest = Rest::new(&server.url());
    let bob = rest.register(&name("bob")).await;
    let bob_token = bob["session"]["access_token"].as_str().unwrap().to_owned();
    let a = TestEngine::register(&server, &name("alice")).await;
    let conv = rest
        .create_conversation(
            &bob_token,
            json!({"kind": "group", "title": name("g"), "member_ids": [a.user.id]}),
        )
        .await;
    a.engine.catch_up().await.unwrap();
    let staged = a
        .engine
        .stage_attachment("once.txt", "text/plain", b"upload me once".to_vec())
        .await
        .unwrap();
    let entry = a
        .engine
        .compose_with(&conv, "", None, &[staged.staged_id])
        .await
        .unwrap();
    let members = format!("/api/v1/conversations/{conv}/members");
    let (status, _) = rest
        .call(
            reqwest::Method::DELETE,
            &format!("{members}/{}", a.user.id),
            Some(&bob_token),
            None,
        )
        .await;
    assert_eq!(status, 204, "bob removes alice");
    a.engine.flush_outbox().await.unwrap();
    let client_id = entry.client_id;
    let uploads = a
        .engine
        .with_cache_async(move |c| c.staged_for_entry(client_id))
        .await
        .unwrap();
    let first_upload = uploads[0]
        .attachment_id
        .clone()
        .expect("the upload's id was stored before the send was refused");
    let failed = a
        .engine
        .with_cache_async(|c| c.outbox_pending())
        .await
        .unwrap();
    assert!(
        matches!(
            failed[0].state,
            parley_client::cache::OutboxState::Failed { .. }
        ),
        "{failed:?}"
    );

    let (status, _) = rest
        .call(
            reqwest::Method::POST,
            &members,
            Some(&bob_token),
            Some(&json!({"user_id": a.user.id})),
        )
        .await;
    assert_eq!(status, 200, "bob adds alice back");
    let restarted = Engine::open(a.home(), a.engine.account().clone()).expect("reopen");
    restarted
        .with_cache_async(move |c| c.outbox_retry(client_id))
        .await
        .unwrap();
    assert!(restarted.flush_outbox().await.unwrap().is_none(), "sent");
    let sent = newest(&restarted, &conv).await;
    assert_eq!(
        sent.attachments.iter().map(|x| &x.id).collect::<Vec<_>>(),
        [&first_upload],
        "the message carries the first upload: nothing was uploaded twice"
    );
    assert!(staged_files(&a).is_empty(), "the staged copy is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_large_files_are_refused() {
    let server = TestServer::start_with(|c| c.max_attachment_bytes = 1024).await;
    let (a, _b, conv) = pair(&server).await;
    let too_big = vec![0u8; usize::try_from(MAX_ATTACHMENT_BYTES).unwrap() + 1];
    let refused = a
        .engine
        .stage_attachment("big.bin", "application/octet-stream", too_big)
        .await
        .expect_err("over 25 MiB is refused at once");
    assert!(
        matches!(
            refused,
            ClientError::Attachment(AttachmentError::TooLarge { .. })
        ),
        "{refused:#}"
    );
    assert!(staged_files(&a).is_empty(), "nothing is left on disk");

    // This server takes at most 1 KiB: the upload's 413 fails the entry for good.
    let staged = a
        .engine
        .stage_attachment("2k.bin", "application/octet-stream", content(2048))
        .await
        .unwrap();
    let entry = a
        .engine
        .compose_with(&conv, "too big for this server", None, &[staged.staged_id])
        .await
        .unwrap();
    assert!(a.engine.flush_outbox().await.unwrap().is_none());
    let shown = newest(&a.engine, &conv).await;
    let state = a.engine.messages(&conv, 1).await.unwrap().pop().unwrap();
    match &state.delivery {
        Delivery::Failed { reason } => assert!(
            reason.contains("2k.bin") && reason.contains("413"),
            "the reason names the file and the refusal: {reason}"
        ),
        other => panic!("a 413 is permanent: {other:?} {shown:?}"),
    }
    assert_eq!(
        staged_files(&a).len(),
        1,
        "kept while the entry may be retried"
    );
    assert!(a.engine.discard_message(entry.client_id).await.unwrap());
    assert!(
        staged_files(&a).is_empty(),
        "discarding the failed entry deletes its file"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staged_files_can_be_discarded_and_orphans_are_cleaned_at_start() {
    let server = TestServer::start().await;
    let (a, _b, conv) = pair(&server).await;
    let staged = a
        .engine
        .stage_attachment("draft.txt", "text/plain", b"maybe".to_vec())
        .await
        .unwrap();
    assert_eq!(staged_files(&a), [staged.staged_id.to_string()]);
    a.engine.discard_staged(staged.staged_id).await.unwrap();
    assert!(staged_files(&a).is_empty(), "discard deletes the file");
    let unknown = a
        .engine
        .compose_with(&conv, "", None, &[staged.staged_id])
        .await
        .expect_err("a discarded file can't be sent");
    assert!(
        matches!(unknown, ClientError::Cache(CacheError::UnknownStaged(_))),
        "{unknown:#}"
    );

    let kept = a
        .engine
        .stage_attachment("kept.txt", "text/plain", b"in the outbox".to_vec())
        .await
        .unwrap();
    a.engine
        .compose_with(&conv, "", None, &[kept.staged_id])
        .await
        .unwrap();
    let in_use = a
        .engine
        .discard_staged(kept.staged_id)
        .await
        .expect_err("a file an outbox entry carries stays");
    assert!(
        matches!(in_use, ClientError::Cache(CacheError::StagedInUse(_))),
        "{in_use:#}"
    );

    // A leftover with no record (a crash between writing and recording): removed at start
    // once a day old; a fresh one may belong to a staging in progress and stays.
    let dir = a.engine.account().data_dir(a.home()).join("staged");
    let old = dir.join("leftover-old");
    let fresh = dir.join("leftover-fresh");
    std::fs::write(&old, b"x").unwrap();
    std::fs::write(&fresh, b"x").unwrap();
    let two_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(48 * 3600);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(two_days_ago)
        .unwrap();
    let _restarted = Engine::open(a.home(), a.engine.account().clone()).unwrap();
    assert!(!old.exists(), "an old leftover is removed at engine start");
    assert!(fresh.exists(), "a fresh one stays");
    assert!(
        dir.join(kept.staged_id.to_string()).exists(),
        "the outbox's file stays"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_attach_and_download() {
    let server = TestServer::start().await;
    let (alice, bob) = (name("alice"), name("bob"));
    let (alice_dev, bob_dev) = (Device::new(), Device::new());
    alice_dev.register(&server, &alice).await;
    bob_dev.register(&server, &bob).await;
    let files = tempfile::tempdir().unwrap();
    let (one, two) = (files.path().join("one.png"), files.path().join("two.txt"));
    std::fs::write(&one, content(5000)).unwrap();
    std::fs::write(&two, b"second file").unwrap();
    let sent = alice_dev
        .json(&[
            "send",
            &format!("@{bob}"),
            "two files",
            "--attach",
            one.to_str().unwrap(),
            "--attach",
            two.to_str().unwrap(),
        ])
        .await;
    assert_eq!(sent["state"], "sent", "{sent}");
    let attachments = sent["message"]["attachments"].as_array().unwrap().clone();
    assert_eq!(attachments.len(), 2, "{sent}");
    assert_eq!(attachments[0]["name"], "one.png");
    assert_eq!(
        attachments[0]["content_type"], "image/png",
        "guessed from the name"
    );

    let read = bob_dev
        .run(&["read", &format!("@{alice}")])
        .await
        .ok("bob reads");
    let id = attachments[0]["id"].as_str().unwrap();
    assert!(
        read.contains("one.png") && read.contains(id),
        "read shows attachment names and ids: {read}"
    );
    let out = tempfile::tempdir().unwrap();
    let got = bob_dev
        .json(&["download", id, "--output", out.path().to_str().unwrap()])
        .await;
    let path = std::path::PathBuf::from(got["path"].as_str().unwrap());
    assert_eq!(path, out.path().join("one.png"), "{got}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        content(5000),
        "identical bytes"
    );

    let empty = alice_dev
        .run(&["send", &format!("@{bob}"), ""])
        .await
        .failed("an empty message without files is refused");
    assert!(empty.contains("empty"), "{empty}");
    let missing = files.path().join("nope.bin");
    alice_dev
        .run(&[
            "send",
            &format!("@{bob}"),
            "x",
            "--attach",
            missing.to_str().unwrap(),
        ])
        .await
        .failed("a missing file is an error");
}

/// The `Upload` events of a batch stream, as `(sent, total)`.
fn uploads(batch: &[EngineEvent]) -> Vec<(u64, u64)> {
    batch
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Upload { sent, total, .. } => Some((*sent, *total)),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_reports_its_progress_from_zero_to_the_whole_file() {
    let server = TestServer::start().await;
    let (a, _b, conv) = pair(&server).await;
    let size = 3 * 1024 * 1024;
    let staged = a
        .engine
        .stage_attachment("big.bin", "application/octet-stream", content(size))
        .await
        .expect("stage");
    let mut events = a.engine.events();
    a.engine
        .compose_with(&conv, "", None, &[staged.staged_id])
        .await
        .expect("compose");
    assert!(
        a.engine.flush_outbox().await.expect("flush").is_none(),
        "sent"
    );
    let mut seen = Vec::new();
    while let Ok(batch) = events.try_recv() {
        seen.extend(uploads(&batch));
    }
    let total = size as u64;
    assert_eq!(seen.first(), Some(&(0, total)), "it starts at 0: {seen:?}");
    assert_eq!(
        seen.last(),
        Some(&(total, total)),
        "it ends with the whole file: {seen:?}"
    );
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "never backwards: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_upload_stops_a_stalled_upload_and_discards_the_message() {
    let mut server = TestServer::start().await;
    let (a, b, conv) = pair(&server).await;
    let staged = a
        .engine
        .stage_attachment(
            "stuck.bin",
            "application/octet-stream",
            content(4 * 1024 * 1024),
        )
        .await
        .expect("stage");
    let entry = a
        .engine
        .compose_with(&conv, "never sent", None, &[staged.staged_id])
        .await
        .expect("compose");

    // A server that takes the connection and never reads: the upload is stuck mid-body.
    server.stop().await;
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket.set_reuseaddr(true).expect("SO_REUSEADDR");
    socket.bind(server.addr).expect("bind the server's address");
    let stall = socket.listen(16).expect("listen");
    let held = tokio::spawn(async move {
        let mut kept = Vec::new();
        while let Ok((stream, _)) = stall.accept().await {
            kept.push(stream);
        }
    });

    let mut events = a.engine.events();
    let (sender, client_id) = (a.engine.clone(), entry.client_id);
    let sending = tokio::spawn(async move { sender.send_entry(&entry).await });
    loop {
        let batch = events.recv().await.expect("events");
        if !uploads(&batch).is_empty() {
            break;
        }
    }
    assert!(
        a.engine.cancel_upload(client_id).await.expect("cancel"),
        "the pending entry is discarded"
    );
    let attempt = tokio::time::timeout(crate::e2e_fixture::WAIT, sending)
        .await
        .expect("the stuck upload ends at once")
        .expect("the task")
        .expect("no error");
    assert!(matches!(attempt, Attempt::Cancelled), "{attempt:?}");
    assert!(
        a.engine
            .with_cache_async(|c| c.outbox_next())
            .await
            .expect("outbox")
            .is_none(),
        "nothing left to send"
    );
    assert!(
        staged_files(&a).is_empty(),
        "its staged file is gone: {:?}",
        staged_files(&a)
    );

    // Gone for sure (listener and connections dropped) before the real server binds again.
    held.abort();
    let _ = held.await;
    server.restart().await;
    assert!(a.engine.flush_outbox().await.expect("flush").is_none());
    b.engine.catch_up().await.expect("bob catches up");
    let bodies: Vec<String> = b
        .engine
        .messages(&conv, 50)
        .await
        .expect("bob's cache")
        .into_iter()
        .map(|m| m.message.body)
        .collect();
    assert!(
        !bodies.iter().any(|body| body == "never sent"),
        "{bodies:?}"
    );
}
