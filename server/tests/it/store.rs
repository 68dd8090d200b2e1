//! The store's conformance suite: the rules of PRODUCT.md §2 checked at the `Store` API, once,
//! for every backend (STYLE 7). `conformance!` instantiates every case for a backend; SQLite
//! always runs, PostgreSQL when `PARLEY_TEST_POSTGRES_URL` names a server the tests may create
//! databases on (`scripts/with-services.sh` starts one; under `CI=true` it must be set). Each
//! case gets a fresh, empty store (a new database) and a recorder of what it published.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use parley_protocol::{ConversationId, ConversationKind, Role, UserId};
use parley_server::{
    Config,
    store::{
        self, EventSink, NewAttachment, NewMessage, NewUser, Page, Published, Refreshed, Store,
        StoreError, TokenHashes,
    },
};
use uuid::Uuid;

/// Records what the store publishes after each commit.
#[derive(Default)]
pub struct Recorder(Mutex<Vec<Published>>);

impl EventSink for Recorder {
    fn publish(&self, events: Vec<Published>) {
        self.0.lock().expect("recorder lock").extend(events);
    }
}

impl Recorder {
    fn ids(&self) -> Vec<i64> {
        self.0
            .lock()
            .expect("recorder lock")
            .iter()
            .map(|e| e.id)
            .collect()
    }
}

/// A fresh store and what keeps it alive.
pub struct Fresh {
    pub store: Arc<dyn Store>,
    pub published: Arc<Recorder>,
    _data: tempfile::TempDir,
    _database: Option<crate::pg::TestDatabase>,
}

pub async fn open_sqlite() -> Fresh {
    let data = tempfile::tempdir().expect("temp data dir");
    let config = Config {
        data_dir: data.path().to_owned(),
        ..Config::default()
    };
    let published = Arc::new(Recorder::default());
    let store = store::open(&config, published.clone(), Arc::default())
        .await
        .expect("open the SQLite store");
    Fresh {
        store,
        published,
        _data: data,
        _database: None,
    }
}

/// A store on a fresh PostgreSQL database, or `None` when no server is configured.
pub async fn open_postgres() -> Option<Fresh> {
    let database = crate::pg::TestDatabase::create()?;
    let data = tempfile::tempdir().expect("temp data dir");
    let config = Config {
        data_dir: data.path().to_owned(),
        database_url: parley_server::config::DatabaseUrl(database.url.clone()),
        ..Config::default()
    };
    let published = Arc::new(Recorder::default());
    let store = store::open(&config, published.clone(), Arc::default())
        .await
        .expect("open the PostgreSQL store");
    Some(Fresh {
        store,
        published,
        _data: data,
        _database: Some(database),
    })
}

/// The cases, for one backend; `$open` gives `Option<Fresh>` (`None`: backend not configured
/// here, the case is skipped with a note).
macro_rules! conformance {
    ($backend:ident, $open:path, [$($case:ident),* $(,)?]) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    match $open().await {
                        Some(fresh) => super::cases::$case(fresh).await,
                        None => eprintln!("skipped: {} is not configured here", stringify!($backend)),
                    }
                }
            )*
        }
    };
}

/// Every case, for every backend.
macro_rules! every_backend {
    ($($case:ident),* $(,)?) => {
        conformance!(sqlite, super::sqlite_store, [$($case),*]);
        conformance!(postgres, super::open_postgres, [$($case),*]);
    };
}

async fn sqlite_store() -> Option<Fresh> {
    Some(open_sqlite().await)
}

every_backend!(
    seq_is_gap_free_under_concurrent_sends,
    one_client_id_gives_one_message,
    events_are_published_and_read_in_cursor_order,
    membership_spans_bound_what_a_user_sees,
    last_admin_leaving_promotes_the_longest_standing_member,
    direct_conversations_are_made_once,
    non_members_see_nothing,
    reactions_are_bounded,
    read_markers_never_move_back,
    refresh_tokens_rotate_and_reuse_revokes,
    attachments_keep_their_quota_and_unsent_ones_are_swept,
    search_is_scoped_and_tokenized_like_the_client,
    history_pages_in_both_directions,
    events_read_back_name_who_may_see_them,
    a_failing_job_is_undone_alone,
    a_run_of_sends_is_decided_as_one_after_another,
);

mod cases {
    use super::*;

    async fn user(store: &dyn Store, name: &str) -> UserId {
        store
            .create_user(NewUser {
                username: name.to_owned(),
                display_name: name.to_owned(),
                password_hash: "not-a-real-hash".to_owned(),
            })
            .await
            .expect("create user")
            .id
    }

    async fn group(store: &dyn Store, admin: &UserId, members: &[&UserId]) -> ConversationId {
        let (conversation, created) = store
            .create_conversation(
                admin,
                ConversationKind::Group,
                Some("g".to_owned()),
                members.iter().map(|m| (*m).clone()).collect(),
            )
            .await
            .expect("create group");
        assert!(created);
        conversation.id
    }

    fn text(body: &str) -> NewMessage {
        NewMessage {
            session: None,
            client_id: Uuid::new_v4(),
            body: body.to_owned(),
            reply_to: None,
            attachment_ids: Vec::new(),
        }
    }

    async fn send(store: &dyn Store, who: &UserId, conv: &ConversationId, body: &str) -> i64 {
        store
            .send_message(who, conv, text(body))
            .await
            .expect("send")
            .0
            .seq
    }

    fn tokens(seed: u8) -> TokenHashes {
        TokenHashes {
            access_hash: [seed; 32],
            access_expires_at: i64::MAX,
            refresh_hash: [seed.wrapping_add(100); 32],
            refresh_expires_at: i64::MAX,
        }
    }

    /// All events `user` may read after `since`, paging as a client does.
    async fn all_events(store: &dyn Store, user: &UserId, since: i64) -> Vec<(i64, String)> {
        let mut out = Vec::new();
        let mut cursor = since;
        loop {
            let (page, more) = store.events_since(user, cursor, 7).await.expect("events");
            for event in &page {
                out.push((event.id, event.json.to_string()));
            }
            cursor = page.last().map_or(cursor, |e| e.id);
            if !more {
                return out;
            }
        }
    }

    fn types(events: &[(i64, String)]) -> Vec<String> {
        events
            .iter()
            .map(|(_, json)| {
                serde_json::from_str::<serde_json::Value>(json).expect("event json")["type"]
                    .as_str()
                    .expect("type")
                    .to_owned()
            })
            .collect()
    }

    pub async fn seq_is_gap_free_under_concurrent_sends(fresh: Fresh) {
        let store = fresh.store;
        let (a, b) = (user(&*store, "alice").await, user(&*store, "bob").await);
        let conv = group(&*store, &a, &[&b]).await;
        let mut tasks = Vec::new();
        for i in 0..200 {
            let (store, conv) = (store.clone(), conv.clone());
            let who = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                store
                    .send_message(&who, &conv, text(&format!("m{i}")))
                    .await
                    .expect("send")
                    .0
                    .seq
            }));
        }
        let mut seqs = Vec::new();
        for task in tasks {
            seqs.push(task.await.expect("task"));
        }
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            (1..=200).collect::<Vec<_>>(),
            "seq starts at 1, no gap, no repeat"
        );
    }

    pub async fn one_client_id_gives_one_message(fresh: Fresh) {
        let store = fresh.store;
        let a = user(&*store, "alice").await;
        let conv = group(&*store, &a, &[]).await;
        let client_id = Uuid::new_v4();
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (store, conv, a) = (store.clone(), conv.clone(), a.clone());
            tasks.push(tokio::spawn(async move {
                let mut m = text("once");
                m.client_id = client_id;
                store.send_message(&a, &conv, m).await.expect("send")
            }));
        }
        let mut ids = HashSet::new();
        let mut created = 0;
        for task in tasks {
            let (message, new) = task.await.expect("task");
            ids.insert(message.id);
            created += usize::from(new);
        }
        assert_eq!(ids.len(), 1, "one message for one client_id");
        assert_eq!(created, 1, "exactly one send created it");
        let other = group(&*store, &a, &[]).await;
        let mut again = text("elsewhere");
        again.client_id = client_id;
        assert!(
            matches!(
                store.send_message(&a, &other, again).await,
                Err(StoreError::Conflict(_))
            ),
            "the same client_id in another conversation is a conflict"
        );
    }

    pub async fn events_are_published_and_read_in_cursor_order(fresh: Fresh) {
        let store = fresh.store;
        let (a, b) = (user(&*store, "alice").await, user(&*store, "bob").await);
        let conv = group(&*store, &a, &[&b]).await;
        let mut tasks = Vec::new();
        for i in 0..50 {
            let (store, conv, a) = (store.clone(), conv.clone(), a.clone());
            tasks.push(tokio::spawn(async move {
                send(&*store, &a, &conv, &format!("m{i}")).await
            }));
        }
        for task in tasks {
            task.await.expect("task");
        }
        let published = fresh.published.ids();
        let mut sorted = published.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(published, sorted, "published in cursor order, each once");
        let read: Vec<i64> = all_events(&*store, &b, 0)
            .await
            .iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(
            read, published,
            "bob reads exactly what was published, in order"
        );
        assert_eq!(
            store.latest_event_id().await.expect("latest"),
            *published.last().expect("events")
        );
        let middle = read[20];
        let rest: Vec<i64> = all_events(&*store, &b, middle)
            .await
            .iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(
            rest,
            read[21..],
            "resuming from a cursor: none missing, none repeated"
        );
    }

    pub async fn membership_spans_bound_what_a_user_sees(fresh: Fresh) {
        let store = fresh.store;
        let (a, b) = (user(&*store, "alice").await, user(&*store, "bob").await);
        let conv = group(&*store, &a, &[]).await;
        send(&*store, &a, &conv, "before bob").await;
        store.add_member(&a, &conv, &b).await.expect("add bob");
        send(&*store, &a, &conv, "with bob").await;
        store
            .remove_member(&a, &conv, &b)
            .await
            .expect("remove bob");
        send(&*store, &a, &conv, "after bob").await;
        let seen = types(&all_events(&*store, &b, 0).await);
        assert_eq!(
            seen,
            [
                "member.added",
                "conversation.updated",
                "message.created",
                "member.removed"
            ],
            "bob sees from his addition through his own removal, nothing else"
        );
        let alice = types(&all_events(&*store, &a, 0).await);
        assert_eq!(
            alice.first().map(String::as_str),
            Some("conversation.created")
        );
        assert_eq!(alice.iter().filter(|t| *t == "message.created").count(), 3);
    }

    pub async fn last_admin_leaving_promotes_the_longest_standing_member(fresh: Fresh) {
        let store = fresh.store;
        let a = user(&*store, "alice").await;
        let b = user(&*store, "bob").await;
        let c = user(&*store, "carol").await;
        let conv = group(&*store, &a, &[&b]).await;
        store.add_member(&a, &conv, &c).await.expect("add carol");
        store
            .remove_member(&a, &conv, &a)
            .await
            .expect("alice leaves");
        let seen = store.conversation(&b, &conv).await.expect("bob sees it");
        let role_of = |u: &UserId| {
            seen.members
                .iter()
                .find(|m| &m.user_id == u)
                .map(|m| m.role)
        };
        assert_eq!(role_of(&b), Some(Role::Admin), "bob was there first");
        assert_eq!(role_of(&c), Some(Role::Member));
        assert_eq!(role_of(&a), None);
        assert!(matches!(
            store.add_member(&c, &conv, &a).await,
            Err(StoreError::Forbidden(_))
        ));
    }

    pub async fn direct_conversations_are_made_once(fresh: Fresh) {
        let store = fresh.store;
        let (a, b) = (user(&*store, "alice").await, user(&*store, "bob").await);
        let (first, created) = store
            .create_conversation(
                &a,
                ConversationKind::Direct,
                Some("t".to_owned()),
                vec![b.clone()],
            )
            .await
            .expect("dm");
        assert!(created);
        assert_eq!(first.title, None, "direct conversations have no title");
        let (again, created) = store
            .create_conversation(&b, ConversationKind::Direct, None, vec![a.clone()])
            .await
            .expect("dm again");
        assert!(!created);
        assert_eq!(again.id, first.id);
        assert!(matches!(
            store
                .add_member(&a, &first.id, &user(&*store, "carol").await)
                .await,
            Err(StoreError::Invalid(_))
        ));
    }

    pub async fn non_members_see_nothing(fresh: Fresh) {
        let store = fresh.store;
        let (a, m) = (user(&*store, "alice").await, user(&*store, "mallory").await);
        let conv = group(&*store, &a, &[]).await;
        send(&*store, &a, &conv, "secret").await;
        assert!(matches!(
            store.conversation(&m, &conv).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.messages(&m, &conv, Page::Latest, 10).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.send_message(&m, &conv, text("hi")).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.member_ids(&m, &conv).await,
            Err(StoreError::NotFound)
        ));
        assert!(
            store
                .search(&m, "secret", None, 10)
                .await
                .expect("search")
                .is_empty()
        );
        assert!(all_events(&*store, &m, 0).await.is_empty());
    }

    pub async fn reactions_are_bounded(fresh: Fresh) {
        let store = fresh.store;
        let (a, b) = (user(&*store, "alice").await, user(&*store, "bob").await);
        let conv = group(&*store, &a, &[&b]).await;
        let (message, _) = store
            .send_message(&a, &conv, text("react"))
            .await
            .expect("send");
        for i in 0..50 {
            store
                .set_reaction(&a, &conv, &message.id, format!("e{i}"), true)
                .await
                .expect("within the cap");
        }
        assert!(matches!(
            store
                .set_reaction(&a, &conv, &message.id, "one more".to_owned(), true)
                .await,
            Err(StoreError::Limit {
                code: "too_many_reactions",
                ..
            })
        ));
        store
            .set_reaction(&b, &conv, &message.id, "e7".to_owned(), true)
            .await
            .expect("joining an emoji that is there is fine");
        let (page, _) = store
            .messages(&b, &conv, Page::Latest, 10)
            .await
            .expect("page");
        let e7 = page[0]
            .reactions
            .iter()
            .find(|r| r.emoji == "e7")
            .expect("e7");
        assert_eq!(e7.count, 2);
        store
            .delete_message(&a, &conv, &message.id)
            .await
            .expect("delete");
        let (page, _) = store
            .messages(&b, &conv, Page::Latest, 10)
            .await
            .expect("page");
        assert!(page[0].deleted && page[0].body.is_empty() && page[0].reactions.is_empty());
    }

    pub async fn read_markers_never_move_back(fresh: Fresh) {
        let store = fresh.store;
        let (a, b) = (user(&*store, "alice").await, user(&*store, "bob").await);
        let conv = group(&*store, &a, &[&b]).await;
        for i in 0..3 {
            send(&*store, &a, &conv, &format!("m{i}")).await;
        }
        assert_eq!(
            store
                .conversation(&b, &conv)
                .await
                .expect("conv")
                .unread_count,
            3
        );
        store.mark_read(&b, &conv, 2).await.expect("read");
        store
            .mark_read(&b, &conv, 1)
            .await
            .expect("backwards is ignored");
        let seen = store.conversation(&b, &conv).await.expect("conv");
        assert_eq!((seen.last_read_seq, seen.unread_count), (2, 1));
        store
            .mark_read(&b, &conv, 99)
            .await
            .expect("past the end is capped");
        assert_eq!(
            store
                .conversation(&b, &conv)
                .await
                .expect("conv")
                .last_read_seq,
            3
        );
    }

    pub async fn refresh_tokens_rotate_and_reuse_revokes(fresh: Fresh) {
        let store = fresh.store;
        let a = user(&*store, "alice").await;
        let session = store
            .create_session(&a, Some("laptop".to_owned()), tokens(1))
            .await
            .expect("session");
        let rotated = store
            .refresh_session(tokens(1).refresh_hash, tokens(2), 0, 0)
            .await
            .expect("refresh");
        assert!(matches!(rotated, Refreshed::Rotated(ref s) if s.session_id == session));
        assert!(
            store
                .session_by_access(tokens(1).access_hash, 0)
                .await
                .expect("old")
                .is_none()
        );
        assert!(
            store
                .session_by_access(tokens(2).access_hash, 0)
                .await
                .expect("new")
                .is_some()
        );
        let reused = store
            .refresh_session(tokens(1).refresh_hash, tokens(3), 0, 0)
            .await
            .expect("reuse");
        assert!(matches!(reused, Refreshed::Reused(ref s) if *s == session));
        assert!(
            store
                .session_by_access(tokens(2).access_hash, 0)
                .await
                .expect("after")
                .is_none(),
            "reuse of a rotated refresh token revokes the session"
        );
        let other = user(&*store, "bob").await;
        assert!(matches!(
            store.revoke_session(&other, &session).await,
            Err(StoreError::NotFound)
        ));
    }

    pub async fn attachments_keep_their_quota_and_unsent_ones_are_swept(fresh: Fresh) {
        let store = fresh.store;
        let a = user(&*store, "alice").await;
        let upload = |size: i64, sha: &str, client_id: Option<Uuid>| NewAttachment {
            id: Uuid::now_v7().to_string().into(),
            uploader: a.clone(),
            client_id,
            size,
            content_type: "text/plain".to_owned(),
            sha256: sha.to_owned(),
            name: "f.txt".to_owned(),
        };
        let client_id = Uuid::new_v4();
        let (first, new) = store
            .insert_attachment(upload(60, "aa", Some(client_id)), 100)
            .await
            .expect("fits");
        assert!(new);
        let (again, new) = store
            .insert_attachment(upload(60, "aa", Some(client_id)), 100)
            .await
            .expect("repeat");
        assert!(
            !new && again.id == first.id,
            "a repeated client_id is the same upload"
        );
        assert!(matches!(
            store.insert_attachment(upload(50, "bb", None), 100).await,
            Err(StoreError::QuotaExceeded(_))
        ));
        let conv = group(&*store, &a, &[]).await;
        let (kept, _) = store
            .insert_attachment(upload(10, "cc", None), 100)
            .await
            .expect("fits");
        let mut m = text("");
        m.attachment_ids = vec![kept.id.clone()];
        store
            .send_message(&a, &conv, m)
            .await
            .expect("send with a file");
        let unused = store.sweep_unattached(i64::MAX).await.expect("sweep");
        assert_eq!(unused, ["aa"], "only the never-sent upload goes");
        assert!(store.blob_in_use("cc").await.expect("in use"));
        assert_eq!(store.attachment_bytes(&a).await.expect("bytes"), 10);
    }

    pub async fn search_is_scoped_and_tokenized_like_the_client(fresh: Fresh) {
        let store = fresh.store;
        let (a, b) = (user(&*store, "alice").await, user(&*store, "bob").await);
        let shared = group(&*store, &a, &[&b]).await;
        let private = group(&*store, &a, &[]).await;
        send(&*store, &a, &shared, "it's the snake_case plan").await;
        send(&*store, &a, &private, "the private plan").await;
        let hits =
            |r: Vec<parley_protocol::Message>| r.into_iter().map(|m| m.body).collect::<Vec<_>>();
        assert_eq!(
            hits(store.search(&b, "plan", None, 10).await.expect("search")),
            ["it's the snake_case plan"],
            "only conversations bob is in"
        );
        for query in ["it's", "snake case", "cas", "IT S"] {
            assert_eq!(
                store
                    .search(&b, query, None, 10)
                    .await
                    .expect("search")
                    .len(),
                1,
                "{query:?} finds it as the client's cache would"
            );
        }
        assert_eq!(
            hits(
                store
                    .search(&a, "plan", Some(&private), 10)
                    .await
                    .expect("scoped")
            ),
            ["the private plan"]
        );
        let (m, _) = store
            .send_message(&a, &shared, text("ephemeral words"))
            .await
            .expect("send");
        store
            .edit_message(&a, &shared, &m.id, "replaced".to_owned())
            .await
            .expect("edit");
        assert!(
            store
                .search(&a, "ephemeral", None, 10)
                .await
                .expect("search")
                .is_empty()
        );
        store
            .delete_message(&a, &shared, &m.id)
            .await
            .expect("delete");
        assert!(
            store
                .search(&a, "replaced", None, 10)
                .await
                .expect("search")
                .is_empty()
        );
    }

    pub async fn events_read_back_name_who_may_see_them(fresh: Fresh) {
        let store = fresh.store;
        let (a, b) = (user(&*store, "alice").await, user(&*store, "bob").await);
        let conv = group(&*store, &a, &[]).await;
        store.add_member(&a, &conv, &b).await.expect("add bob");
        store
            .remove_member(&a, &conv, &b)
            .await
            .expect("remove bob");
        send(&*store, &a, &conv, "after bob").await;
        let read_back = store.events_after(0, 100).await.expect("events after");
        let published = fresh.published.0.lock().expect("recorder").clone();
        assert_eq!(read_back.len(), published.len());
        for (back, live) in read_back.iter().zip(&published) {
            let (mut x, mut y) = (back.recipients.clone(), live.recipients.clone());
            x.sort();
            y.sort();
            assert_eq!(
                (back.id, &back.json, x),
                (live.id, &live.json, y),
                "read back as it was published"
            );
        }
        let tail = store
            .events_after(read_back[2].id, 100)
            .await
            .expect("a later page");
        assert_eq!(tail.len(), read_back.len() - 3);
    }

    /// Jobs share a transaction: refused sends (a reply to nothing) interleaved with good
    /// ones must leave the good ones stored, gap-free, with their events, and nothing of the
    /// refused.
    pub async fn a_failing_job_is_undone_alone(fresh: Fresh) {
        let store = fresh.store;
        let a = user(&*store, "alice").await;
        let conv = group(&*store, &a, &[]).await;
        let mut tasks = Vec::new();
        for i in 0..100 {
            let (store, conv, a) = (store.clone(), conv.clone(), a.clone());
            tasks.push(tokio::spawn(async move {
                let mut m = text(&format!("m{i}"));
                if i % 3 == 0 {
                    m.reply_to = Some("no-such-message".to_owned().into());
                }
                store.send_message(&a, &conv, m).await.map(|(m, _)| m.seq)
            }));
        }
        let mut seqs = Vec::new();
        let mut refused = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(seq) => seqs.push(seq),
                Err(StoreError::Invalid(_)) => refused += 1,
                Err(e) => panic!("only the bad sends fail: {e}"),
            }
        }
        assert_eq!(refused, 34);
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            (1..=66).collect::<Vec<_>>(),
            "gap-free despite the refused"
        );
        let messages = all_events(&*store, &a, 0)
            .await
            .iter()
            .filter(|(_, json)| json.contains("message.created"))
            .count();
        assert_eq!(
            messages, 66,
            "an event for each stored message, none for the refused"
        );
    }

    /// Sends queued back to back (as a pipelining socket does) are written together; each
    /// must still come out as if it had been sent alone, after the ones before it.
    pub async fn a_run_of_sends_is_decided_as_one_after_another(fresh: Fresh) {
        let store = fresh.store;
        let (a, b, c) = (
            user(&*store, "alice").await,
            user(&*store, "bob").await,
            user(&*store, "carol").await,
        );
        let (first, second) = (
            group(&*store, &a, &[&b]).await,
            group(&*store, &a, &[]).await,
        );
        let revoked = store
            .create_session(&b, None, tokens(7))
            .await
            .expect("session");
        store.revoke_session(&b, &revoked).await.expect("revoke");
        let repeated = Uuid::new_v4();
        let with_id = |body: &str, client_id: Uuid| NewMessage {
            client_id,
            ..text(body)
        };

        // What each send must come to, in the order they are queued.
        #[derive(Debug, PartialEq)]
        enum Outcome {
            Stored(ConversationId, i64),
            Repeat,
            Refused(&'static str),
        }
        let mut queued = Vec::new();
        let mut expected = Vec::new();
        let mut next_seq = std::collections::HashMap::new();
        let mut stored = |conv: &ConversationId| {
            let seq = next_seq.entry(conv.clone()).or_insert(0);
            *seq += 1;
            Outcome::Stored(conv.clone(), *seq)
        };
        for i in 0..120 {
            let (who, conv, m, outcome) = match i % 8 {
                0 if i == 0 => (&a, &first, with_id("first", repeated), stored(&first)),
                // The same client_id again: the first message, not a second one.
                0 => (&a, &first, with_id("again", repeated), Outcome::Repeat),
                1 => (
                    &a,
                    &second,
                    with_id("elsewhere", repeated),
                    Outcome::Refused("conflict"),
                ),
                2 => (
                    &c,
                    &first,
                    text("not a member"),
                    Outcome::Refused("not found"),
                ),
                3 => (
                    &a,
                    &first,
                    NewMessage {
                        reply_to: Some("no-such-message".to_owned().into()),
                        ..text("bad reply")
                    },
                    Outcome::Refused("invalid"),
                ),
                4 => (
                    &b,
                    &first,
                    NewMessage {
                        session: Some(revoked.clone()),
                        ..text("from a revoked session")
                    },
                    Outcome::Refused("revoked"),
                ),
                5 | 6 => (&b, &first, text(&format!("m{i}")), stored(&first)),
                _ => (&a, &second, text(&format!("m{i}")), stored(&second)),
            };
            queued.push(store.submit_message(who, conv, m).await.expect("queued"));
            expected.push(outcome);
        }
        let mut first_message = None;
        for (i, (ticket, want)) in queued.into_iter().zip(expected).enumerate() {
            let got = match ticket.await {
                Ok((m, true)) => {
                    if m.client_id == repeated {
                        first_message = Some(m.id.clone());
                    }
                    Outcome::Stored(m.conversation_id, m.seq)
                }
                Ok((m, false)) => {
                    assert_eq!(
                        Some(&m.id),
                        first_message.as_ref(),
                        "send {i}: the first message"
                    );
                    Outcome::Repeat
                }
                Err(StoreError::Conflict(_)) => Outcome::Refused("conflict"),
                Err(StoreError::NotFound) => Outcome::Refused("not found"),
                Err(StoreError::Invalid(_)) => Outcome::Refused("invalid"),
                Err(StoreError::SessionRevoked) => Outcome::Refused("revoked"),
                Err(e) => panic!("send {i}: unexpected {e}"),
            };
            assert_eq!(got, want, "send {i}");
        }
        // The log holds one `message.created` per stored message, in `seq` order.
        let created: Vec<i64> = all_events(&*store, &b, 0)
            .await
            .iter()
            .filter_map(|(_, json)| {
                let event: serde_json::Value = serde_json::from_str(json).expect("json");
                (event["type"] == "message.created")
                    .then(|| event["data"]["seq"].as_i64().expect("seq"))
            })
            .collect();
        assert_eq!(created, (1..=next_seq[&first]).collect::<Vec<_>>());
    }

    pub async fn history_pages_in_both_directions(fresh: Fresh) {
        let store = fresh.store;
        let a = user(&*store, "alice").await;
        let conv = group(&*store, &a, &[]).await;
        for i in 1..=5 {
            send(&*store, &a, &conv, &format!("m{i}")).await;
        }
        let seqs =
            |page: &[parley_protocol::Message]| page.iter().map(|m| m.seq).collect::<Vec<_>>();
        let (latest, more) = store
            .messages(&a, &conv, Page::Latest, 2)
            .await
            .expect("latest");
        assert_eq!((seqs(&latest), more), (vec![4, 5], true));
        let (before, more) = store
            .messages(&a, &conv, Page::Before(2), 2)
            .await
            .expect("before");
        assert_eq!((seqs(&before), more), (vec![1], false));
        let (after, more) = store
            .messages(&a, &conv, Page::After(1), 3)
            .await
            .expect("after");
        assert_eq!((seqs(&after), more), (vec![2, 3, 4], true));
        let (listed, next) = store.conversations(&a, None, 10).await.expect("list");
        assert_eq!((listed.len(), next), (1, None));
        assert_eq!(listed[0].last_message.as_ref().map(|m| m.seq), Some(5));
    }
}

/// Two instances on one PostgreSQL database (PRODUCT.md §3, "Running several instances"):
/// concurrent sends through both into one conversation get gap-free `seq`; one `client_id`
/// sent to both at once gives one message; the event log read through either is the same, in
/// order, and a cursor from one works on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_postgres_database() {
    let Some(database) = crate::pg::TestDatabase::create() else {
        eprintln!("skipped: postgres is not configured here");
        return;
    };
    let mut instances = Vec::new();
    let mut dirs = Vec::new();
    for _ in 0..2 {
        let data = tempfile::tempdir().expect("temp data dir");
        let config = Config {
            data_dir: data.path().to_owned(),
            database_url: parley_server::config::DatabaseUrl(database.url.clone()),
            ..Config::default()
        };
        let store = store::open(&config, Arc::new(Recorder::default()), Arc::default())
            .await
            .expect("open an instance");
        instances.push(store);
        dirs.push(data);
    }
    let (a_store, b_store) = (instances[0].clone(), instances[1].clone());
    let new_user = |name: &str| NewUser {
        username: name.to_owned(),
        display_name: name.to_owned(),
        password_hash: "x".to_owned(),
    };
    let alice = a_store
        .create_user(new_user("alice"))
        .await
        .expect("alice")
        .id;
    let bob = b_store.create_user(new_user("bob")).await.expect("bob").id;
    let (conv, _) = a_store
        .create_conversation(
            &alice,
            ConversationKind::Group,
            Some("g".to_owned()),
            vec![bob.clone()],
        )
        .await
        .expect("group");
    let mut tasks = Vec::new();
    for i in 0..100 {
        let store = if i % 2 == 0 {
            a_store.clone()
        } else {
            b_store.clone()
        };
        let (who, conv) = (
            if i % 3 == 0 {
                alice.clone()
            } else {
                bob.clone()
            },
            conv.id.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let message = NewMessage {
                session: None,
                client_id: Uuid::new_v4(),
                body: format!("m{i}"),
                reply_to: None,
                attachment_ids: Vec::new(),
            };
            store
                .send_message(&who, &conv, message)
                .await
                .expect("send")
                .0
                .seq
        }));
    }
    let client_id = Uuid::new_v4();
    for store in [&a_store, &b_store] {
        let (store, conv, alice) = (store.clone(), conv.id.clone(), alice.clone());
        tasks.push(tokio::spawn(async move {
            let message = NewMessage {
                session: None,
                client_id,
                body: "once".to_owned(),
                reply_to: None,
                attachment_ids: Vec::new(),
            };
            store
                .send_message(&alice, &conv, message)
                .await
                .expect("duplicate send")
                .0
                .seq
        }));
    }
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.push(task.await.expect("task"));
    }
    let once: Vec<i64> = seqs.split_off(100);
    assert_eq!(
        once[0], once[1],
        "one client_id through two instances is one message"
    );
    seqs.push(once[0]);
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (1..=101).collect::<Vec<_>>(),
        "gap-free seq across instances"
    );
    let (from_a, _) = a_store
        .events_since(&bob, 0, 1000)
        .await
        .expect("events via a");
    let (from_b, _) = b_store
        .events_since(&bob, 0, 1000)
        .await
        .expect("events via b");
    let ids = |events: &[parley_server::store::StoredEvent]| {
        events.iter().map(|e| e.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&from_a),
        ids(&from_b),
        "the same log through either instance"
    );
    let mut sorted = ids(&from_a);
    sorted.dedup();
    assert!(
        sorted.windows(2).all(|w| w[0] < w[1]),
        "in order, none repeated"
    );
    assert_eq!(
        from_a.len(),
        1 + 101,
        "conversation.created and every message"
    );
    let middle = from_a[50].id;
    let (rest, _) = b_store
        .events_since(&bob, middle, 1000)
        .await
        .expect("resume via b");
    assert_eq!(
        ids(&rest),
        ids(&from_a[51..]),
        "a cursor from one instance works on the other"
    );
    drop(instances);
    drop(dirs);
}
