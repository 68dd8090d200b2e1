//! The conversation list, per-account fields and `CONV` resolution.

use parley_client::cache::CacheError;
use parley_protocol::EventPayload;
use rstest::rstest;

use crate::fixtures::{BOB, CAROL, ME, TestCache, cid, direct, event, group, msg};

#[test]
fn the_list_is_newest_activity_first_with_titles_and_unread_counts() {
    let mut t = TestCache::new();
    let mut team = group("g-team", "Team", &[ME, BOB, CAROL]);
    team.unread_count = 2;
    team.last_read_seq = 1;
    t.cache.upsert_conversation(&team).unwrap();
    t.cache.upsert_conversation(&direct("d-bob", BOB)).unwrap();
    t.cache
        .upsert_conversation(&direct("d-carol", CAROL))
        .unwrap();
    t.cache
        .upsert_conversation(&direct("d-stranger", "u-zed"))
        .unwrap();
    t.cache
        .upsert_messages(&[
            msg("d-bob", 1, BOB, "old"),
            msg("g-team", 30, BOB, "newest"),
        ])
        .unwrap();

    let list = t.cache.conversations().unwrap();
    let order: Vec<&str> = list.iter().map(|c| c.conversation.id.as_str()).collect();
    assert_eq!(
        &order[..2],
        ["g-team", "d-bob"],
        "conversations with the newest messages come first"
    );
    let title = |id: &str| {
        list.iter()
            .find(|c| c.conversation.id.as_str() == id)
            .unwrap()
            .display_title
            .clone()
    };
    assert_eq!(title("g-team"), "Team");
    assert_eq!(
        title("d-bob"),
        "Bob B.",
        "a direct chat is titled by the other person"
    );
    assert_eq!(
        title("d-carol"),
        "carol",
        "no display name: fall back to the username"
    );
    assert_eq!(
        title("d-stranger"),
        "u-zed",
        "unknown profile: fall back to the id"
    );
    let team = &list[0].conversation;
    assert_eq!(
        (team.unread_count, team.last_read_seq),
        (2, 1),
        "REST values are kept"
    );
    assert_eq!(
        team.last_message.as_ref().map(|m| m.body.as_str()),
        Some("newest"),
        "the last message is the newest cached one"
    );
}

#[test]
fn rest_last_message_is_cached_as_a_message() {
    let mut t = TestCache::new();
    let mut c = direct("d-bob", BOB);
    c.last_message = Some(Box::new(msg("d-bob", 7, BOB, "hi")));
    t.cache.upsert_conversation(&c).unwrap();
    let got = t.cache.conversation(&cid("d-bob")).unwrap().unwrap();
    assert_eq!(got.conversation.last_message, c.last_message);
    assert_eq!(
        t.cache
            .message(&c.last_message.unwrap().id)
            .unwrap()
            .map(|m| m.seq),
        Some(7)
    );
}

#[rstest]
#[case::by_id("g-team", "g-team")]
#[case::by_title("Team", "g-team")]
#[case::title_ignoring_case("tEAM", "g-team")]
#[case::by_username("@bob", "d-bob")]
#[case::username_folded("@BOB", "d-bob")]
fn conv_specs_resolve(#[case] spec: &str, #[case] expected: &str) {
    let mut t = TestCache::new();
    t.cache
        .upsert_conversation(&group("g-team", "Team", &[ME, BOB]))
        .unwrap();
    t.cache.upsert_conversation(&direct("d-bob", BOB)).unwrap();
    let found = t.cache.resolve_conversation(spec).expect("must resolve");
    assert_eq!(found.conversation.id.as_str(), expected);
}

#[test]
fn unknown_and_ambiguous_specs_say_so() {
    let mut t = TestCache::new();
    t.cache
        .upsert_conversation(&group("g-1", "Dup", &[ME]))
        .unwrap();
    t.cache
        .upsert_conversation(&group("g-2", "Dup", &[ME]))
        .unwrap();

    let err = t.cache.resolve_conversation("Dup").unwrap_err();
    assert!(
        matches!(&err, CacheError::Ambiguous { ids, .. } if ids.len() == 2),
        "two groups with one title must not be guessed between: {err:?}"
    );
    assert!(err.to_string().contains("use the id"), "{err}");
    for spec in ["nope", "@nobody", "@carol"] {
        let err = t.cache.resolve_conversation(spec).unwrap_err();
        assert!(matches!(err, CacheError::NoMatch { .. }), "{spec}: {err:?}");
    }
}

#[test]
fn a_group_still_joined_wins_over_a_left_one_with_the_same_title() {
    let mut t = TestCache::new();
    t.cache
        .upsert_conversation(&group("g-old", "Dup", &[ME, BOB]))
        .unwrap();
    t.cache
        .upsert_conversation(&group("g-new", "Dup", &[ME, BOB]))
        .unwrap();
    t.cache
        .apply_events(&[event(
            1,
            "g-old",
            EventPayload::MemberRemoved(parley_protocol::MemberChange {
                user_id: parley_protocol::UserId::new(ME),
            }),
        )])
        .unwrap();
    let found = t.cache.resolve_conversation("Dup").unwrap();
    assert_eq!(found.conversation.id.as_str(), "g-new");
}

/// The members whose names the engine must fetch: in the account's conversations, no cached
/// profile; each once.
#[test]
fn members_without_a_cached_profile() {
    let mut t = TestCache::new();
    t.cache
        .upsert_conversation(&group("g-team", "Team", &[ME, BOB, CAROL, "u-zed"]))
        .unwrap();
    t.cache
        .upsert_conversation(&direct("d-zed", "u-zed"))
        .unwrap();
    let mut missing: Vec<String> = t
        .cache
        .members_without_profile()
        .unwrap()
        .into_iter()
        .map(|id| id.as_str().to_owned())
        .collect();
    missing.sort();
    assert_eq!(missing, ["u-zed"], "BOB, CAROL and ME have cached profiles");
}
