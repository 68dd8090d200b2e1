//! Offline full-text search over cached messages.

use parley_protocol::{EventPayload, MemberChange, UserId};
use rstest::rstest;

use crate::fixtures::{BOB, ME, TestCache, cid, event, group, msg};

fn with_bodies(bodies: &[&str]) -> TestCache {
    let mut t = TestCache::new();
    t.cache
        .upsert_conversation(&group("g", "Team", &[ME, BOB]))
        .unwrap();
    let messages: Vec<_> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| msg("g", i as i64 + 1, BOB, b))
        .collect();
    t.cache.upsert_messages(&messages).unwrap();
    t
}

fn hits(t: &TestCache, query: &str) -> Vec<String> {
    t.cache
        .search(query, None, 20)
        .unwrap_or_else(|e| panic!("{query:?} must never be an FTS syntax error: {e}"))
        .into_iter()
        .map(|m| m.body)
        .collect()
}

#[rstest]
#[case::apostrophe_splits_words("dont", &[])]
#[case::first_half_of_contraction("don", &["I don't know"])]
#[case::typed_with_apostrophe("don't", &["I don't know"])]
#[case::curly_apostrophe("can", &["we can’t"])]
#[case::url_host("example", &["see https://example.com/path?x=1&y=2#top"])]
#[case::url_path("path", &["see https://example.com/path?x=1&y=2#top"])]
#[case::prefix("exam", &["see https://example.com/path?x=1&y=2#top"])]
#[case::case_insensitive("KNOW", &["I don't know"])]
#[case::diacritics("cafe", &["un café"])]
#[case::all_words_must_match("know don", &["I don't know"])]
#[case::underscore_and_dash("snake", &["snake_case and kebab-case"])]
#[case::no_match("zebra", &[])]
fn words_are_split_on_apostrophes_and_url_punctuation(
    #[case] query: &str,
    #[case] expected: &[&str],
) {
    let t = with_bodies(&[
        "I don't know",
        "we can’t",
        "see https://example.com/path?x=1&y=2#top",
        "un café",
        "snake_case and kebab-case",
    ]);
    assert_eq!(hits(&t, query), expected, "query {query:?}");
}

#[rstest]
#[case::quote("\"")]
#[case::star("*")]
#[case::operators("AND OR NOT")]
#[case::near("NEAR(a b)")]
#[case::column("body:x")]
#[case::parens("(((")]
#[case::caret("^start")]
#[case::empty("")]
fn typed_input_is_never_fts_syntax(#[case] query: &str) {
    let t = with_bodies(&["AND OR NOT start body x"]);
    hits(&t, query);
}

#[test]
fn results_are_newest_first_and_limited() {
    let t = with_bodies(&["ping 1", "ping 2", "ping 3"]);
    assert_eq!(hits(&t, "ping"), ["ping 3", "ping 2", "ping 1"]);
    assert_eq!(t.cache.search("ping", None, 2).unwrap().len(), 2);
}

#[test]
fn edits_replace_and_deletions_remove_the_indexed_text() {
    let mut t = with_bodies(&["old words", "doomed words"]);
    let mut edited = msg("g", 1, BOB, "new words");
    edited.edited_at = Some(crate::fixtures::at(99));
    let mut deleted = msg("g", 2, BOB, "");
    deleted.deleted = true;
    t.cache
        .apply_events(&[
            event(1, "g", EventPayload::MessageEdited(edited)),
            event(2, "g", EventPayload::MessageDeleted(deleted)),
        ])
        .unwrap();
    assert_eq!(hits(&t, "old"), Vec::<String>::new());
    assert_eq!(hits(&t, "new"), ["new words"]);
    assert_eq!(
        hits(&t, "doomed"),
        Vec::<String>::new(),
        "deleted messages never match"
    );
    assert_eq!(hits(&t, "words"), ["new words"]);
}

#[test]
fn scoped_to_a_conversation_and_to_conversations_still_joined() {
    let mut t = with_bodies(&["hello from g"]);
    t.cache
        .upsert_conversation(&group("h", "Other", &[ME, BOB]))
        .unwrap();
    t.cache
        .upsert_messages(&[msg("h", 1, BOB, "hello from h")])
        .unwrap();

    let in_h = t.cache.search("hello", Some(&cid("h")), 10).unwrap();
    assert_eq!(in_h.len(), 1);
    assert_eq!(in_h[0].conversation_id.as_str(), "h");

    let removed = EventPayload::MemberRemoved(MemberChange {
        user_id: UserId::new(ME),
    });
    t.cache.apply_events(&[event(1, "h", removed)]).unwrap();
    assert_eq!(
        hits(&t, "hello"),
        ["hello from g"],
        "left conversations drop out of global search"
    );
    assert_eq!(
        t.cache.search("hello", Some(&cid("h")), 10).unwrap().len(),
        1,
        "but can still be searched on purpose"
    );
}

#[test]
fn a_healthy_index_passes_the_self_check() {
    let mut t = with_bodies(&["one", "two"]);
    assert!(!t.cache.fts_self_check().unwrap(), "nothing to rebuild");
}

/// An index that lost entries (as after a crash mid-write on a broken disk) fails the check
/// and is rebuilt, on a second connection to the same file while the first stays open (how
/// the engine runs it, so UI reads never wait for a full pass).
#[test]
fn a_damaged_index_is_rebuilt_from_a_second_connection() {
    let t = with_bodies(&["apples", "oranges"]);
    let side = rusqlite::Connection::open(t.cache.path()).unwrap();
    side.execute(
        "INSERT INTO messages_fts (messages_fts, rowid, body)
         SELECT 'delete', pk, body FROM messages WHERE body = 'apples'",
        [],
    )
    .unwrap();
    drop(side);
    assert!(
        hits(&t, "apples").is_empty(),
        "the entry is gone from the index"
    );

    let mut second = parley_client::cache::Cache::open(t.cache.path()).unwrap();
    assert!(
        second.fts_self_check().unwrap(),
        "the damage is found and rebuilt"
    );
    assert_eq!(
        hits(&t, "apples"),
        ["apples"],
        "the first connection sees the rebuilt index"
    );
    assert!(!second.fts_self_check().unwrap(), "and it is healthy now");
}
