//! Opening cache files: new, reopened, and the ones that must be refused and left alone.

use parley_client::cache::{Cache, CacheError};
use parley_protocol::Cursor;
use rstest::rstest;

use crate::fixtures::TestCache;

#[rstest]
#[case::random_bytes((0..8192u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect())]
#[case::text_file(b"these are my notes, not a database\n".repeat(100))]
#[case::truncated_sqlite_header(b"SQLite format 3\0\x10\0\x02\x02".to_vec())]
fn a_file_that_is_not_a_cache_is_refused_and_left_unchanged(#[case] content: Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.sqlite");
    std::fs::write(&path, &content).unwrap();

    let err = Cache::open(&path).expect_err("garbage must not open as a cache");

    let CacheError::Corrupt { path: reported, .. } = &err else {
        panic!("expected Corrupt, got {err:?}");
    };
    assert_eq!(reported, &path, "the error must name the file");
    let text = err.to_string();
    assert!(
        text.contains(&path.display().to_string()) && text.contains("move that file"),
        "the message must say which file and what to do: {text}"
    );
    assert_eq!(
        std::fs::read(&path).expect("the file must still be there"),
        content,
        "a damaged cache must never be modified, deleted or recreated"
    );
}

#[test]
fn another_programs_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite");
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('x');")
        .unwrap();
    drop(other);

    let err = Cache::open(&path).expect_err("a foreign database is not our cache");
    assert!(matches!(err, CacheError::Corrupt { .. }), "got {err:?}");
    let still: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT name FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(still, "x", "the foreign data must be untouched");
}

#[test]
fn a_cache_from_a_newer_version_asks_for_an_update() {
    let t = TestCache::new();
    let path = t.cache.path().to_owned();
    drop(t.cache);
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();

    let err = Cache::open(&path).expect_err("unknown future schema");
    assert!(matches!(err, CacheError::TooNew { .. }), "got {err:?}");
    assert!(err.to_string().contains("Update Parley"), "{err}");
}

#[test]
fn a_directory_in_the_way_is_inaccessible_not_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let err = Cache::open(dir.path()).expect_err("a directory is not a file");
    assert!(
        matches!(err, CacheError::Inaccessible { .. }),
        "the user must not be told to throw away a directory: {err:?}"
    );
}

#[test]
fn missing_parent_directories_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/account.sqlite");
    Cache::open(&path).expect("the app-data dir may not exist yet on first start");
    assert!(path.exists());
}

#[test]
fn state_survives_reopening() {
    let mut t = TestCache::new();
    t.cache.set_cursor(&Cursor::new("c42")).unwrap();
    t.cache.set_state("theme", "dark").unwrap();

    let t = t.reopen();
    assert_eq!(t.cache.cursor().unwrap(), Some(Cursor::new("c42")));
    assert_eq!(t.cache.state("theme").unwrap().as_deref(), Some("dark"));
    assert_eq!(
        t.cache.own_user_id().map(|u| u.as_str()),
        Some(crate::fixtures::ME),
        "the own user id must be remembered across restarts"
    );
}
