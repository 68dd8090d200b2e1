//! `@username` mentions as the server reads them to record whom a message names: an `@` at
//! the start of the body or after whitespace, then username characters (`a-z 0-9 _ . -`, any
//! case). The desktop UI reads them the same way (`ui/src/lib/mentions.ts`) to mark them.

/// The usernames a body names, lower case, each once, in order of appearance. A name that
/// ends in `.` or `-` (sentence punctuation: "thanks @bob.") is given both as written and
/// without them; whoever resolves the names keeps those that are members.
pub fn mentioned_usernames(body: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut push = |name: &str| {
        if (3..=32).contains(&name.len()) && !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    };
    let mut previous: Option<char> = None;
    for (i, c) in body.char_indices() {
        if c == '@' && previous.is_none_or(char::is_whitespace) {
            let rest = &body[i + 1..];
            let end = rest
                .find(|c: char| !is_username_char(c))
                .unwrap_or(rest.len());
            let name = rest[..end].to_ascii_lowercase();
            push(&name);
            let trimmed = name.trim_end_matches(['.', '-']);
            if trimmed.len() != name.len() {
                push(trimmed);
            }
        }
        previous = Some(c);
    }
    names
}

fn is_username_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_at_the_start_or_after_whitespace_only() {
        assert_eq!(
            mentioned_usernames("@Alice hi, mail bob@example.org and\t@carol_1 (@dave) @al"),
            vec!["alice", "carol_1"],
        );
    }

    #[test]
    fn trailing_punctuation_is_offered_without_it() {
        assert_eq!(mentioned_usernames("thanks @bob."), vec!["bob.", "bob"]);
        assert_eq!(mentioned_usernames("@bob, @bob! @BOB"), vec!["bob"]);
    }
}
