//! The outbox as storage: durable, ordered, visible as pending, settled exactly once.

use chrono::{Duration, Utc};
use parley_client::cache::{CacheError, Delivery, OutboxState, Page};
use parley_protocol::{EventPayload, MemberChange, Message, MessageId, UserId};
use uuid::Uuid;

use crate::fixtures::{BOB, ME, TestCache, cid, event, group, msg};

fn with_group() -> TestCache {
    let mut t = TestCache::new();
    t.cache
        .upsert_conversation(&group("g", "Team", &[ME, BOB]))
        .unwrap();
    t.cache
        .upsert_messages(&[msg("g", 1, BOB, "sent before")])
        .unwrap();
    t
}

/// What the server answers for a queued entry.
fn acked(client_id: Uuid, seq: i64, body: &str) -> Message {
    Message {
        client_id,
        ..msg("g", seq, ME, body)
    }
}

fn view(t: &TestCache) -> Vec<(String, Delivery)> {
    t.cache
        .messages(&cid("g"), Page::Latest, 50)
        .unwrap()
        .into_iter()
        .map(|m| (m.message.body, m.delivery))
        .collect()
}

#[test]
fn queued_messages_survive_a_restart_and_show_as_pending_after_sent_ones() {
    let mut t = with_group();
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let entry = t.cache.outbox_push(&cid("g"), a, "first", None).unwrap();
    assert_eq!(
        (entry.client_id, entry.state.clone()),
        (a, OutboxState::Pending)
    );
    t.cache
        .outbox_push(&cid("g"), b, "second", Some(&MessageId::new("g-m1")))
        .unwrap();

    let t = t.reopen();
    assert_eq!(
        view(&t),
        [
            ("sent before".to_owned(), Delivery::Sent),
            ("first".to_owned(), Delivery::Pending),
            ("second".to_owned(), Delivery::Pending),
        ]
    );
    let pending = t.cache.messages(&cid("g"), Page::Latest, 50).unwrap();
    assert_eq!(pending[1].message.id.as_str(), format!("local:{a}"));
    assert_eq!(pending[1].message.sender_id.as_str(), ME);
    let order: Vec<Uuid> = t
        .cache
        .outbox_pending()
        .unwrap()
        .iter()
        .map(|e| e.client_id)
        .collect();
    assert_eq!(order, [a, b], "insertion order is send order");
    assert_eq!(t.cache.outbox_next().unwrap().map(|e| e.client_id), Some(a));
    assert!(
        t.cache
            .messages(&cid("g"), Page::Before(2), 50)
            .unwrap()
            .iter()
            .all(|m| m.is_sent()),
        "pending messages belong to the newest page only"
    );
}

#[test]
fn marking_sent_replaces_the_pending_row_with_the_real_message() {
    let mut t = with_group();
    let a = Uuid::new_v4();
    t.cache.outbox_push(&cid("g"), a, "hello", None).unwrap();
    t.cache.outbox_mark_sent(a, &acked(a, 2, "hello")).unwrap();

    assert_eq!(
        view(&t),
        [
            ("sent before".to_owned(), Delivery::Sent),
            ("hello".to_owned(), Delivery::Sent)
        ],
        "exactly one copy, now sent"
    );
    assert!(t.cache.outbox_pending().unwrap().is_empty());
    // The ack arriving after the event (or twice) is harmless.
    t.cache.outbox_mark_sent(a, &acked(a, 2, "hello")).unwrap();
    assert_eq!(view(&t).len(), 2);
}

#[test]
fn the_servers_event_settles_the_entry_even_before_the_ack() {
    let mut t = with_group();
    let a = Uuid::new_v4();
    t.cache
        .outbox_push(&cid("g"), a, "via event", None)
        .unwrap();
    t.cache
        .apply_events(&[event(
            1,
            "g",
            EventPayload::MessageCreated(acked(a, 2, "via event")),
        )])
        .unwrap();
    assert!(
        t.cache.outbox_next().unwrap().is_none(),
        "already delivered: never send it again"
    );
    assert_eq!(view(&t).len(), 2);
}

#[test]
fn failed_entries_wait_for_the_user_and_can_be_retried_or_discarded() {
    let mut t = with_group();
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    t.cache.outbox_push(&cid("g"), a, "refused", None).unwrap();
    t.cache.outbox_push(&cid("g"), b, "fine", None).unwrap();

    assert!(t.cache.outbox_mark_failed(a, "message too large").unwrap());
    assert_eq!(
        view(&t)[1].1,
        Delivery::Failed {
            reason: "message too large".into()
        },
        "the reason is shown with the message"
    );
    assert_eq!(
        t.cache.outbox_next().unwrap().map(|e| e.client_id),
        Some(b),
        "failed ones are skipped"
    );

    assert!(t.cache.outbox_retry(a).unwrap());
    assert_eq!(
        t.cache.outbox_next().unwrap().map(|e| e.client_id),
        Some(a),
        "back in its place"
    );

    assert!(t.cache.outbox_discard(a).unwrap());
    assert!(
        !t.cache.outbox_discard(a).unwrap(),
        "discarding twice is a no-op"
    );
    assert!(
        !t.cache.outbox_mark_failed(a, "late").unwrap(),
        "gone entries are not recreated"
    );
    assert_eq!(view(&t).len(), 2);
}

#[test]
fn attempts_are_counted_with_their_next_time() {
    let mut t = with_group();
    let a = Uuid::new_v4();
    t.cache.outbox_push(&cid("g"), a, "x", None).unwrap();
    let later = Utc::now() + Duration::seconds(30);
    t.cache.outbox_record_attempt(a, later).unwrap();
    t.cache.outbox_record_attempt(a, later).unwrap();
    let e = t.cache.outbox_next().unwrap().unwrap();
    assert_eq!(e.attempts, 2);
    assert_eq!(
        e.next_attempt_at.map(|t| t.timestamp_micros()),
        Some(later.timestamp_micros())
    );
    t.cache.outbox_retry(a).unwrap();
    let e = t.cache.outbox_next().unwrap().unwrap();
    assert_eq!(
        (e.attempts, e.next_attempt_at),
        (0, None),
        "a retry resets the backoff"
    );
}

#[test]
fn pushing_refuses_what_could_never_be_sent() {
    let mut t = with_group();
    let err = t
        .cache
        .outbox_push(&cid("g"), Uuid::new_v4(), "  \n", None)
        .unwrap_err();
    assert!(
        matches!(err, CacheError::Invalid(_)),
        "blank bodies: {err:?}"
    );
    let err = t
        .cache
        .outbox_push(&cid("nope"), Uuid::new_v4(), "hi", None)
        .unwrap_err();
    assert!(matches!(err, CacheError::UnknownConversation(_)), "{err:?}");

    let removed = EventPayload::MemberRemoved(MemberChange {
        user_id: UserId::new(ME),
    });
    t.cache.apply_events(&[event(1, "g", removed)]).unwrap();
    let err = t
        .cache
        .outbox_push(&cid("g"), Uuid::new_v4(), "hi", None)
        .unwrap_err();
    assert!(matches!(err, CacheError::LeftConversation(_)), "{err:?}");
    assert!(t.cache.outbox_pending().unwrap().is_empty());
}

#[test]
fn pushing_the_same_client_id_twice_queues_it_once() {
    let mut t = with_group();
    let a = Uuid::new_v4();
    let first = t.cache.outbox_push(&cid("g"), a, "once", None).unwrap();
    let second = t.cache.outbox_push(&cid("g"), a, "once", None).unwrap();
    assert_eq!(first, second);
    assert_eq!(t.cache.outbox_pending().unwrap().len(), 1);
}

#[test]
fn a_pending_message_moves_its_conversation_to_the_top() {
    let mut t = with_group();
    t.cache
        .upsert_conversation(&group("h", "Other", &[ME]))
        .unwrap();
    t.cache
        .upsert_messages(&[msg("h", 1, ME, "newer than g")])
        .unwrap();
    assert_eq!(
        t.cache.conversations().unwrap()[0].conversation.id.as_str(),
        "h"
    );
    t.cache
        .outbox_push(&cid("g"), Uuid::new_v4(), "just typed", None)
        .unwrap();
    assert_eq!(
        t.cache.conversations().unwrap()[0].conversation.id.as_str(),
        "g"
    );
}
