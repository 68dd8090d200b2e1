//! What a person typed into a search box, turned into terms the same way on both sides.
//!
//! The server's index and the client's cache index text alike (SQLite FTS5 `unicode61` with
//! diacritics removed: a word is a run of letters and digits, everything else separates), and
//! both read a query with [`search_terms`], so `it's`, `foo_bar` or a URL find the same
//! messages offline and online. Every term is matched as a prefix and all must match.

use crate::limits::SEARCH_TERMS_MAX;

/// The words of `input`, as the indexes split text: runs of letters and digits. Repeats are
/// dropped, and at most [`SEARCH_TERMS_MAX`] are kept, the longest (most selective) first, so
/// that no query makes an index merge more than a few prefix lists.
pub fn search_terms(input: &str) -> Vec<&str> {
    let mut words: Vec<&str> = Vec::new();
    for word in input.split(|c: char| !c.is_alphanumeric()) {
        if !word.is_empty() && !words.contains(&word) {
            words.push(word);
        }
    }
    // Stable: words of one length keep the order they were typed in.
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    words.truncate(SEARCH_TERMS_MAX);
    words
}

/// An SQLite FTS5 query for `input`: each term quoted (so operators and punctuation are
/// literal text, never query syntax) and matched as a prefix; `None` when nothing in it is
/// searchable.
pub fn fts5_query(input: &str) -> Option<String> {
    let terms = search_terms(input);
    (!terms.is_empty()).then(|| fts5_match(&terms))
}

/// The FTS5 `MATCH` expression for terms from [`search_terms`]: each quoted, as a prefix, all
/// required.
pub fn fts5_match(terms: &[&str]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"*", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::{SEARCH_TERMS_MAX, fts5_query, search_terms};

    #[test]
    fn user_input_never_becomes_fts_syntax() {
        let cases = [
            ("hello", Some(r#""hello"*"#)),
            ("hello world", Some(r#""hello"* "world"*"#)),
            (r#"say "hi"#, Some(r#""say"* "hi"*"#)),
            ("a AND b", Some(r#""AND"* "a"* "b"*"#)),
            ("a OR b NEAR(c)", Some(r#""NEAR"* "OR"* "a"* "b"* "c"*"#)),
            ("col:x", Some(r#""col"* "x"*"#)),
            ("- * ( ) \"*:^-", None),
            ("   ", None),
        ];
        for (input, expected) in cases {
            assert_eq!(fts5_query(input).as_deref(), expected, "for {input:?}");
        }
    }

    #[test]
    fn punctuation_separates_words_as_the_indexes_do() {
        assert_eq!(search_terms("it's"), ["it", "s"]);
        assert_eq!(search_terms("it’s"), ["it", "s"]);
        assert_eq!(search_terms("foo_bar"), ["foo", "bar"]);
        assert_eq!(
            search_terms("https://example.org/a?b=c"),
            ["example", "https", "org", "a", "b", "c"]
        );
        assert_eq!(search_terms("Größe café"), ["Größe", "café"]);
        assert_eq!(search_terms("echo echo"), ["echo"]);
    }

    #[test]
    fn the_longest_terms_are_kept() {
        let many: String = ('a'..='z').map(|c| format!("{c} ")).collect();
        let input = format!("{many} longest");
        let terms = search_terms(&input);
        assert_eq!(terms.len(), SEARCH_TERMS_MAX);
        assert_eq!(terms[0], "longest", "the most selective word comes first");
    }
}
