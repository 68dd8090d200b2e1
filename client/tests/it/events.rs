//! Applying the event stream: per-type effects, idempotency, one transaction per batch.

use parley_client::cache::{Cache, Page};
use parley_protocol::{
    Cursor, Event, EventPayload, MemberChange, Message, ReactionChange, ReadChange, UserId,
};

use crate::fixtures::{BOB, CAROL, ME, TestCache, cid, event, group, msg, shared};

fn created(n: u32, m: Message) -> Event {
    let conv = m.conversation_id.clone();
    event(n, conv.as_str(), EventPayload::MessageCreated(m))
}

fn reaction(n: u32, m: &Message, emoji: &str, user: &str, added: bool) -> Event {
    let change = ReactionChange {
        message_id: m.id.clone(),
        emoji: emoji.to_owned(),
        user_id: UserId::new(user),
    };
    let payload = if added {
        EventPayload::ReactionAdded(change)
    } else {
        EventPayload::ReactionRemoved(change)
    };
    event(n, m.conversation_id.as_str(), payload)
}

fn read(n: u32, conv: &str, user: &str, seq: i64) -> Event {
    event(
        n,
        conv,
        EventPayload::ReadUpdated(ReadChange {
            user_id: UserId::new(user),
            seq,
        }),
    )
}

fn unread(cache: &Cache, conv: &str) -> (i64, i64) {
    let c = cache
        .conversation(&cid(conv))
        .unwrap()
        .unwrap()
        .conversation;
    (c.unread_count, c.last_read_seq)
}

fn bodies(cache: &Cache, conv: &str) -> Vec<String> {
    cache
        .messages(&cid(conv), Page::Latest, 100)
        .unwrap()
        .into_iter()
        .map(|m| m.message.body)
        .collect()
}

/// A cache holding group `g` (me, Bob, Carol) as REST returned it: nothing unread.
fn with_group() -> TestCache {
    let mut t = TestCache::new();
    t.cache
        .upsert_conversation(&group("g", "Team", &[ME, BOB, CAROL]))
        .unwrap();
    t
}

/// A realistic batch touching every event type.
fn mixed_batch() -> Vec<Event> {
    let m1 = msg("g", 1, BOB, "hello");
    let m2 = msg("g", 2, ME, "hi bob");
    let m3 = msg("g", 3, CAROL, "typo");
    let mut m3_edited = m3.clone();
    m3_edited.body = "fixed".to_owned();
    m3_edited.edited_at = Some(crate::fixtures::at(100));
    let mut m1_deleted = m1.clone();
    m1_deleted.body = String::new();
    m1_deleted.deleted = true;
    let mut renamed = shared(group("g", "Team 2", &[ME, BOB, CAROL]));
    renamed.members.pop();
    vec![
        created(1, m1.clone()),
        created(2, m2.clone()),
        created(3, m3),
        event(4, "g", EventPayload::MessageEdited(m3_edited)),
        reaction(5, &m2, "👍", BOB, true),
        reaction(6, &m2, "👍", CAROL, true),
        reaction(7, &m2, "🎉", BOB, true),
        reaction(8, &m2, "👍", BOB, false),
        event(
            9,
            "g",
            EventPayload::MemberRemoved(MemberChange {
                user_id: UserId::new(CAROL),
            }),
        ),
        event(10, "g", EventPayload::ConversationUpdated(renamed)),
        read(11, "g", BOB, 3),
        event(12, "g", EventPayload::MessageDeleted(m1_deleted)),
    ]
}

#[test]
fn a_batch_applies_every_event_type_and_stores_its_cursor() {
    let mut t = with_group();
    let summary = t.cache.apply_events(&mixed_batch()).unwrap();

    assert_eq!(summary.cursor, Some(Cursor::new("c000012")));
    assert_eq!(t.cache.cursor().unwrap(), Some(Cursor::new("c000012")));
    assert!(summary.conversations.contains(&cid("g")));
    assert_eq!(
        summary.messages[&cid("g")].len(),
        3,
        "m1, m2 and m3 changed"
    );
    assert!(summary.read_markers.contains(&cid("g")));

    let c = t.cache.conversation(&cid("g")).unwrap().unwrap();
    assert_eq!(c.display_title, "Team 2");
    assert_eq!(c.conversation.members.len(), 2, "Carol was removed");
    assert_eq!(
        bodies(&t.cache, "g"),
        ["", "hi bob", "fixed"],
        "deleted message keeps its place with an empty body; the edit replaced the text"
    );
    let m2 = t.cache.message(&"g-m2".to_owned().into()).unwrap().unwrap();
    let reactions: Vec<(&str, i64, Vec<&str>)> = m2
        .reactions
        .iter()
        .map(|r| {
            (
                r.emoji.as_str(),
                r.count,
                r.user_ids.iter().map(UserId::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(reactions, [("👍", 1, vec![CAROL]), ("🎉", 1, vec![BOB])]);
    assert_eq!(
        unread(&t.cache, "g"),
        (1, 0),
        "only Carol's message is unread (Bob's was deleted, mine never counts)"
    );
    assert_eq!(
        t.cache.read_markers(&cid("g")).unwrap(),
        [(UserId::new(BOB), 3)]
    );
}

#[test]
fn applying_the_same_events_twice_changes_nothing() {
    let mut t = with_group();
    t.cache.apply_events(&mixed_batch()).unwrap();
    let list_before = t.cache.conversations().unwrap();
    let messages_before = t.cache.messages(&cid("g"), Page::Latest, 100).unwrap();

    let again = t.cache.apply_events(&mixed_batch()).unwrap();
    assert!(
        again.is_empty(),
        "a replay must report no change: {again:?}"
    );
    assert_eq!(t.cache.conversations().unwrap(), list_before);
    assert_eq!(
        t.cache.messages(&cid("g"), Page::Latest, 100).unwrap(),
        messages_before
    );

    // Also one event per call, as a WebSocket replay would deliver them: a replayed
    // "add 👍 … remove 👍" flips a reaction on the way, but ends where it started.
    for e in mixed_batch() {
        t.cache.apply_events(std::slice::from_ref(&e)).unwrap();
    }
    assert_eq!(t.cache.conversations().unwrap(), list_before);
    assert_eq!(
        t.cache.messages(&cid("g"), Page::Latest, 100).unwrap(),
        messages_before
    );
}

#[test]
fn conversation_events_keep_the_cached_unread_count_and_read_marker() {
    let mut t = TestCache::new();
    let mut g = group("g", "Team", &[ME, BOB]);
    g.unread_count = 3;
    g.last_read_seq = 5;
    t.cache.upsert_conversation(&g).unwrap();

    let mut renamed = shared(group("g", "Renamed", &[ME, BOB]));
    renamed.title = Some("Renamed".to_owned());
    t.cache
        .apply_events(&[event(1, "g", EventPayload::ConversationUpdated(renamed))])
        .unwrap();

    assert_eq!(
        unread(&t.cache, "g"),
        (3, 5),
        "events carry 0/0 for everyone; they must not wipe the account's own values"
    );
    assert_eq!(
        t.cache
            .conversation(&cid("g"))
            .unwrap()
            .unwrap()
            .display_title,
        "Renamed"
    );
}

#[test]
fn unread_counts_follow_new_messages_and_the_own_read_marker() {
    let mut t = with_group();
    let batch: Vec<Event> = (1..=4)
        .map(|seq| {
            created(
                seq as u32,
                msg("g", seq, if seq == 3 { ME } else { BOB }, "x"),
            )
        })
        .collect();
    t.cache.apply_events(&batch).unwrap();
    assert_eq!(unread(&t.cache, "g"), (3, 0), "three from Bob, one of mine");

    let s = t.cache.apply_events(&[read(5, "g", ME, 2)]).unwrap();
    assert!(s.conversations.contains(&cid("g")));
    assert_eq!(
        unread(&t.cache, "g"),
        (1, 2),
        "reading up to 2 passes over two of Bob's"
    );

    t.cache.apply_events(&[read(6, "g", ME, 1)]).unwrap();
    assert_eq!(
        unread(&t.cache, "g"),
        (1, 2),
        "the marker never moves backwards"
    );

    t.cache.apply_events(&[read(7, "g", ME, 4)]).unwrap();
    assert_eq!(unread(&t.cache, "g"), (0, 4));
}

#[test]
fn leaving_hides_the_conversation_but_keeps_its_messages() {
    let mut t = with_group();
    t.cache
        .apply_events(&[created(1, msg("g", 1, BOB, "before you left"))])
        .unwrap();
    let removed = EventPayload::MemberRemoved(MemberChange {
        user_id: UserId::new(ME),
    });
    let s = t.cache.apply_events(&[event(2, "g", removed)]).unwrap();

    assert!(s.conversations.contains(&cid("g")), "the list must drop it");
    assert!(
        t.cache.conversations().unwrap().is_empty(),
        "a left conversation is not listed"
    );
    let c = t
        .cache
        .conversation(&cid("g"))
        .unwrap()
        .expect("still readable by id");
    assert!(c.left);
    assert_eq!(bodies(&t.cache, "g"), ["before you left"]);

    let added = EventPayload::MemberAdded(MemberChange {
        user_id: UserId::new(ME),
    });
    let s = t.cache.apply_events(&[event(3, "g", added)]).unwrap();
    assert!(
        s.refetch.contains(&cid("g")),
        "events missed while out must be fetched"
    );
    assert_eq!(
        t.cache.conversations().unwrap().len(),
        1,
        "back in the list"
    );
}

#[test]
fn events_for_unknown_conversations_ask_for_a_fetch() {
    let mut t = TestCache::new();
    let added = EventPayload::MemberAdded(MemberChange {
        user_id: UserId::new(ME),
    });
    let s = t
        .cache
        .apply_events(&[
            event(1, "g-new", added),
            created(2, msg("g-new", 9, BOB, "welcome")),
            event(
                3,
                "g-new",
                EventPayload::ConversationUpdated(shared(group("g-new", "New", &[BOB, ME]))),
            ),
        ])
        .unwrap();
    assert!(
        s.refetch.contains(&cid("g-new")),
        "its unread count is only known to the server"
    );
    let listed = t.cache.conversations().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0]
            .conversation
            .last_message
            .as_ref()
            .map(|m| m.body.as_str()),
        Some("welcome"),
        "a message that came before its conversation is kept"
    );
}

#[test]
fn a_failing_batch_applies_nothing_and_keeps_the_cursor() {
    let mut t = with_group();
    t.cache
        .apply_events(&[created(1, msg("g", 1, BOB, "first"))])
        .unwrap();
    // Same (conversation, seq) under another id: the server never does this, the cache refuses.
    let mut clash = msg("g", 1, BOB, "clash");
    clash.id = "other-id".to_owned().into();
    let err = t
        .cache
        .apply_events(&[created(2, msg("g", 2, BOB, "second")), created(3, clash)])
        .expect_err("a conflicting message must fail the batch");
    eprintln!("expected failure: {err}");

    assert_eq!(
        bodies(&t.cache, "g"),
        ["first"],
        "the good half of the batch is rolled back too"
    );
    assert_eq!(t.cache.cursor().unwrap(), Some(Cursor::new("c000001")));
    assert_eq!(unread(&t.cache, "g"), (1, 0));
}

#[test]
fn a_stale_page_cannot_undo_an_edit_or_a_deletion() {
    let mut t = with_group();
    let original = msg("g", 1, BOB, "original");
    let mut edited = original.clone();
    edited.body = "edited".to_owned();
    edited.edited_at = Some(crate::fixtures::at(50));
    let mut gone = msg("g", 2, BOB, "");
    gone.deleted = true;
    t.cache
        .apply_events(&[
            event(1, "g", EventPayload::MessageEdited(edited)),
            event(2, "g", EventPayload::MessageDeleted(gone)),
        ])
        .unwrap();

    t.cache
        .upsert_messages(&[original, msg("g", 2, BOB, "resurrected?")])
        .unwrap();
    assert_eq!(bodies(&t.cache, "g"), ["edited", ""]);
}

#[test]
fn mention_counts_follow_messages_naming_me_and_the_read_marker() {
    let mut t = with_group();
    let naming = |seq: i64, sender: &str, named: &[&str]| {
        let mut m = msg("g", seq, sender, "@someone");
        m.mentions = named.iter().map(|u| UserId::new(*u)).collect();
        m
    };
    let m2 = naming(2, BOB, &[ME]);
    t.cache
        .apply_events(&[
            created(1, naming(1, BOB, &[CAROL])),
            created(2, m2.clone()),
            created(3, naming(3, ME, &[ME])),
            created(4, naming(4, CAROL, &[ME, BOB])),
        ])
        .unwrap();
    let mentions = |t: &TestCache| {
        t.cache
            .conversation(&cid("g"))
            .unwrap()
            .unwrap()
            .conversation
            .mention_count
    };
    assert_eq!(mentions(&t), 2, "others' messages naming me");
    let stored = t.cache.messages(&cid("g"), Page::Latest, 10).unwrap();
    assert_eq!(
        stored[1].message.mentions,
        vec![UserId::new(ME)],
        "kept as sent"
    );

    let mut tombstone = m2.clone();
    tombstone.deleted = true;
    tombstone.body.clear();
    tombstone.mentions.clear();
    t.cache
        .apply_events(&[event(5, "g", EventPayload::MessageDeleted(tombstone))])
        .unwrap();
    assert_eq!(mentions(&t), 1, "a deleted mention counts no more");
    t.cache.apply_events(&[read(6, "g", ME, 4)]).unwrap();
    assert_eq!(mentions(&t), 0, "read past it");
}

#[test]
fn settings_updated_sets_the_own_notification_settings() {
    let mut t = with_group();
    let until = crate::fixtures::at(3600);
    let s = t
        .cache
        .apply_events(&[event(
            1,
            "g",
            EventPayload::SettingsUpdated(parley_protocol::Settings {
                notify: parley_protocol::Notify::Mentions,
                muted_until: Some(until),
                marked_unread: false,
            }),
        )])
        .unwrap();
    assert!(s.conversations.contains(&cid("g")), "the list redraws it");
    let c = t
        .cache
        .conversation(&cid("g"))
        .unwrap()
        .unwrap()
        .conversation;
    assert_eq!(
        (c.notify, c.muted_until),
        (parley_protocol::Notify::Mentions, Some(until))
    );
    // A conversation event (shared by all members) leaves them alone.
    t.cache
        .apply_events(&[event(
            2,
            "g",
            EventPayload::ConversationUpdated(shared(group("g", "Renamed", &[ME, BOB, CAROL]))),
        )])
        .unwrap();
    let c = t
        .cache
        .conversation(&cid("g"))
        .unwrap()
        .unwrap()
        .conversation;
    assert_eq!(c.notify, parley_protocol::Notify::Mentions);
    assert_eq!(c.title.as_deref(), Some("Renamed"));
}
