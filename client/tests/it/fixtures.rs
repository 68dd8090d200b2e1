//! Builders for wire values and a cache in a temp dir that disappears with the test.

use chrono::{DateTime, TimeZone, Utc};
use parley_client::cache::Cache;
use parley_protocol::{
    Conversation, ConversationId, ConversationKind, Cursor, Event, EventPayload, Member, Message,
    MessageId, Role, User, UserId,
};
use tempfile::TempDir;
use uuid::Uuid;

pub const ME: &str = "u-me";
pub const BOB: &str = "u-bob";
pub const CAROL: &str = "u-carol";

/// A cache file in its own temp dir, with the account set to [`ME`] and [`BOB`] / [`CAROL`]
/// known. The dir (with the -wal/-shm files) is removed on drop.
pub struct TestCache {
    pub cache: Cache,
    pub dir: TempDir,
}

impl TestCache {
    pub fn new() -> TestCache {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cache = Cache::open(dir.path().join("account.sqlite")).expect("open a new cache");
        cache.set_own_user(&user(ME, "me", "Me")).unwrap();
        cache
            .upsert_users(&[user(BOB, "bob", "Bob B."), user(CAROL, "carol", "")])
            .unwrap();
        TestCache { cache, dir }
    }

    /// Reopens the same file, as after a restart.
    pub fn reopen(self) -> TestCache {
        let path = self.cache.path().to_owned();
        drop(self.cache);
        TestCache {
            cache: Cache::open(path).expect("reopen"),
            dir: self.dir,
        }
    }
}

/// A fixed instant plus `secs` seconds (whole microseconds, as the cache stores them).
pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap() + chrono::Duration::seconds(secs)
}

pub fn user(id: &str, username: &str, display_name: &str) -> User {
    User {
        id: UserId::new(id),
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        created_at: at(0),
        last_seen_at: None,
        show_presence: true,
    }
}

pub fn cid(id: &str) -> ConversationId {
    ConversationId::new(id)
}

pub fn group(id: &str, title: &str, members: &[&str]) -> Conversation {
    Conversation {
        id: cid(id),
        kind: ConversationKind::Group,
        title: Some(title.to_owned()),
        members: members
            .iter()
            .enumerate()
            .map(|(i, m)| Member {
                user_id: UserId::new(*m),
                role: if i == 0 { Role::Admin } else { Role::Member },
                last_read_seq: 0,
            })
            .collect(),
        created_at: at(0),
        last_message: None,
        unread_count: 0,
        last_read_seq: 0,
        mention_count: 0,
        notify: Default::default(),
        muted_until: None,
        marked_unread: false,
    }
}

pub fn direct(id: &str, other: &str) -> Conversation {
    let mut c = group(id, "", &[ME, other]);
    c.kind = ConversationKind::Direct;
    c.title = None;
    for m in &mut c.members {
        m.role = Role::Member;
    }
    c
}

/// Message `seq` of `conv`, sent at `at(seq)`, id `<conv>-m<seq>`.
pub fn msg(conv: &str, seq: i64, sender: &str, body: &str) -> Message {
    Message {
        id: MessageId::new(format!("{conv}-m{seq}")),
        conversation_id: cid(conv),
        sender_id: UserId::new(sender),
        client_id: Uuid::new_v4(),
        seq,
        body: body.to_owned(),
        reply_to: None,
        created_at: at(seq),
        edited_at: None,
        deleted: false,
        reactions: Vec::new(),
        attachments: Vec::new(),
        mentions: Vec::new(),
    }
}

/// An event with cursor `c<n>`.
pub fn event(n: u32, conv: &str, payload: EventPayload) -> Event {
    Event {
        cursor: Cursor::new(format!("c{n:06}")),
        conversation_id: cid(conv),
        at: at(i64::from(n)),
        payload,
    }
}

/// The events carry per-user fields as 0 (the server shares one copy between members).
pub fn shared(mut c: Conversation) -> Conversation {
    c.unread_count = 0;
    c.last_read_seq = 0;
    c
}
