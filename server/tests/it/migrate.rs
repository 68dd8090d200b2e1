//! `parley-server migrate --to postgres://…` (PRODUCT.md §3): a single box's SQLite data moves
//! into an empty PostgreSQL database; afterwards clients keep their sign-in and their stored
//! cursors, and a target that holds data is refused.

use serde_json::{Value, json};

use crate::{binary::command, fixture::TestServer, pg::TestDatabase};

fn events(sync: &Value) -> Vec<Value> {
    sync["events"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_box_moves_to_postgres_and_clients_carry_on() {
    if !crate::fixture::sqlite_backend("a_single_box_moves_to_postgres_and_clients_carry_on") {
        return;
    }
    let Some(database) = TestDatabase::create() else {
        eprintln!("skipped: postgres is not configured here");
        return;
    };
    let data = tempfile::tempdir().expect("a data dir that outlives the first server");
    let dir = data.path().to_owned();
    let sqlite = TestServer::start_with(move |c| c.data_dir = dir).await;
    let alice = sqlite.register("alice").await;
    let bob = sqlite.register("bob").await;
    let carol = sqlite.register("carol").await;
    let direct = sqlite.direct(&alice, &bob).await;
    let group = sqlite.group(&alice, "plans", &[&bob, &carol]).await;
    let first = sqlite.send(&alice, &direct, "it's the first message").await;
    let mid: Value = sqlite.get("/api/v1/sync").auth(&bob).send().await.json();
    let cursor = mid["next_cursor"].as_str().expect("a cursor").to_owned();
    sqlite
        .send(&bob, &group, "a café for snake_case fans")
        .await;
    let react = format!(
        "/api/v1/conversations/{direct}/messages/{}/reactions/👍",
        first["id"].as_str().unwrap()
    );
    sqlite
        .put(&react)
        .auth(&bob)
        .send()
        .await
        .expect(204, "react");
    let gone = sqlite.send(&alice, &group, "to be deleted").await;
    let del = format!(
        "/api/v1/conversations/{group}/messages/{}",
        gone["id"].as_str().unwrap()
    );
    sqlite
        .delete(&del)
        .auth(&alice)
        .send()
        .await
        .expect(204, "delete");
    let file: Vec<u8> = (0..1_500_000u32).map(|i| (i % 253) as u8).collect();
    let url = sqlite.url_q("/api/v1/attachments", &[("name", "plan.bin")]);
    let meta = sqlite
        .post(&url)
        .auth(&alice)
        .raw("application/octet-stream", file.clone())
        .send()
        .await
        .expect(201, "upload");
    let attachment = meta["id"].as_str().expect("id").to_owned();
    let body = json!({"client_id": crate::fixture::new_client_id(), "body": "the plan", "attachment_ids": [attachment]});
    sqlite
        .post(&format!("/api/v1/conversations/{group}/messages"))
        .auth(&alice)
        .json(&body)
        .send()
        .await
        .expect(201, "send the file");
    let leave = format!("/api/v1/conversations/{group}/members/{}", carol.id);
    sqlite
        .delete(&leave)
        .auth(&carol)
        .send()
        .await
        .expect(204, "carol leaves");
    let before: Value = sqlite
        .get(&format!("/api/v1/sync?since={cursor}"))
        .auth(&bob)
        .send()
        .await
        .json();
    let last_cursor = before["next_cursor"].as_str().expect("cursor").to_owned();
    sqlite.stop().await;

    let out = command(data.path())
        .args(["migrate", "--to", &database.url])
        .output()
        .await
        .expect("run migrate");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "migrate exits 0: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("migrated and verified"), "{stdout}");
    assert!(stdout.contains("messages"), "a line per table: {stdout}");

    // A new instance, with a data dir of its own: the files moved into the database.
    let url = database.url.clone();
    let pg = TestServer::start_with(move |c| {
        c.database_url = parley_server::config::DatabaseUrl(url);
    })
    .await;
    assert_ne!(pg.data_dir(), data.path());
    let served = pg
        .get(&format!("/api/v1/attachments/{attachment}"))
        .auth(&bob)
        .send()
        .await;
    assert_eq!(served.status.as_u16(), 200, "the moved file is served");
    assert!(served.body == file, "byte for byte");
    let refreshed = pg
        .post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": alice.refresh_token}))
        .send()
        .await;
    let session = refreshed.expect(200, "alice's refresh token still works after the move");
    let alice = crate::fixture::TestUser {
        access_token: session["access_token"]
            .as_str()
            .expect("a new access token")
            .to_owned(),
        refresh_token: session["refresh_token"]
            .as_str()
            .expect("a new refresh token")
            .to_owned(),
        ..alice
    };
    let after: Value = pg
        .get(&format!("/api/v1/sync?since={cursor}"))
        .auth(&bob)
        .send()
        .await
        .json();
    assert_eq!(
        events(&after),
        events(&before),
        "catching up from a pre-migration cursor: the same events, none missing, none repeated"
    );
    let next = pg.send(&alice, &direct, "written after the move").await;
    assert_eq!(next["seq"], 2, "seq carries on");
    let tail: Value = pg
        .get(&format!("/api/v1/sync?since={last_cursor}"))
        .auth(&bob)
        .send()
        .await
        .json();
    let tail = events(&tail);
    assert_eq!(
        tail.len(),
        1,
        "exactly the new event after the last old cursor: {tail:?}"
    );
    assert_eq!(tail[0]["data"]["id"], next["id"]);
    let hits: Value = pg
        .get("/api/v1/search?q=snake")
        .auth(&bob)
        .send()
        .await
        .json();
    assert_eq!(
        hits["results"].as_array().map(Vec::len),
        Some(1),
        "search works on the moved messages: {hits}"
    );
    pg.stop().await;

    let again = command(tempfile::tempdir().expect("dir").path())
        .args(["migrate", "--to", &database.url])
        .output()
        .await
        .expect("run migrate again");
    assert!(!again.status.success(), "an empty source dir is refused");
    let refused = command(data.path())
        .args(["migrate", "--to", &database.url])
        .output()
        .await
        .expect("run migrate into a used database");
    assert!(
        !refused.status.success(),
        "a target that holds data is refused"
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("not empty"), "says why: {stderr}");
}
