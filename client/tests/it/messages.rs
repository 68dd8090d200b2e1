//! Storing and paging messages, and finding the gaps to fill.

use parley_client::cache::{Delivery, Page};
use parley_protocol::{Attachment, AttachmentId, Reaction, UserId};
use rstest::rstest;

use crate::fixtures::{BOB, ME, TestCache, cid, group, msg};

/// Group `g` with messages at the given seqs.
fn with_seqs(seqs: &[i64]) -> TestCache {
    let mut t = TestCache::new();
    t.cache
        .upsert_conversation(&group("g", "Team", &[ME, BOB]))
        .unwrap();
    let messages: Vec<_> = seqs
        .iter()
        .map(|&s| msg("g", s, BOB, &format!("m{s}")))
        .collect();
    t.cache.upsert_messages(&messages).unwrap();
    t
}

#[test]
fn a_message_comes_back_exactly_as_stored() {
    let mut t = with_seqs(&[]);
    let mut m = msg("g", 1, BOB, "  spaces kept, <b>no escaping</b> \u{1F600}\n");
    m.reply_to = Some("g-m0".to_owned().into());
    m.edited_at = Some(crate::fixtures::at(9));
    m.reactions = vec![Reaction {
        emoji: "👍".into(),
        count: 2,
        user_ids: vec![UserId::new(ME), UserId::new(BOB)],
    }];
    m.attachments = vec![Attachment {
        id: AttachmentId::new("a1"),
        size: 3,
        content_type: "image/png".into(),
        sha256: "ab".repeat(32),
        name: "cat.png".into(),
    }];
    t.cache.upsert_messages(std::slice::from_ref(&m)).unwrap();

    assert_eq!(
        t.cache.message(&m.id).unwrap(),
        Some(m.clone()),
        "byte-for-byte round trip"
    );
    let page = t.cache.messages(&cid("g"), Page::Latest, 10).unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!((&page[0].message, &page[0].delivery), (&m, &Delivery::Sent));
}

#[test]
fn a_tombstone_carries_no_text_reactions_or_attachments() {
    let mut t = with_seqs(&[]);
    let mut m = msg("g", 1, BOB, "secret");
    m.deleted = true;
    m.reactions = vec![Reaction {
        emoji: "x".into(),
        count: 1,
        user_ids: vec![UserId::new(ME)],
    }];
    t.cache.upsert_messages(&[m.clone()]).unwrap();
    let stored = t.cache.message(&m.id).unwrap().unwrap();
    assert!(stored.deleted && stored.body.is_empty() && stored.reactions.is_empty());
}

fn seqs(t: &TestCache, page: Page, limit: usize) -> Vec<i64> {
    t.cache
        .messages(&cid("g"), page, limit)
        .unwrap()
        .iter()
        .map(|m| m.message.seq)
        .collect()
}

#[rstest]
#[case::latest(Page::Latest, 3, vec![8, 9, 10])]
#[case::latest_all(Page::Latest, 50, (1..=10).collect())]
#[case::before(Page::Before(5), 3, vec![2, 3, 4])]
#[case::before_start(Page::Before(3), 10, vec![1, 2])]
#[case::after(Page::After(5), 3, vec![6, 7, 8])]
#[case::after_end(Page::After(10), 3, vec![])]
fn pages_are_ascending_by_seq(
    #[case] page: Page,
    #[case] limit: usize,
    #[case] expected: Vec<i64>,
) {
    let t = with_seqs(&(1..=10).rev().collect::<Vec<_>>());
    assert_eq!(seqs(&t, page, limit), expected);
}

#[test]
fn pages_are_per_conversation() {
    let mut t = with_seqs(&[1, 2]);
    t.cache
        .upsert_conversation(&group("h", "Other", &[ME]))
        .unwrap();
    t.cache
        .upsert_messages(&[msg("h", 1, ME, "elsewhere")])
        .unwrap();
    assert_eq!(seqs(&t, Page::Latest, 10), [1, 2]);
}

#[rstest]
#[case::none(&[], vec![])]
#[case::contiguous(&[1, 2, 3], vec![])]
#[case::one_missing(&[1, 3], vec![(2, 2)])]
#[case::several(&[1, 2, 5, 6, 9], vec![(3, 4), (7, 8)])]
#[case::starts_late(&[10, 11, 20], vec![(12, 19)])]
fn seq_gaps_list_missing_ranges(#[case] present: &[i64], #[case] expected: Vec<(i64, i64)>) {
    let t = with_seqs(present);
    assert_eq!(
        t.cache.seq_gaps(&cid("g")).unwrap(),
        expected,
        "gaps are the inclusive ranges between the lowest and highest cached seq"
    );
}
