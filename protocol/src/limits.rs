//! Limits and validation rules that server and clients share, so a client can refuse bad
//! input before it ever reaches the network and the server enforces the same thing.

use std::fmt;

pub const USERNAME_MIN_CHARS: usize = 3;
pub const USERNAME_MAX_CHARS: usize = 32;
pub const PASSWORD_MIN_BYTES: usize = 8;
pub const PASSWORD_MAX_BYTES: usize = 1024;
/// Message bodies: valid UTF-8, at most this many bytes, not empty, not only whitespace.
pub const BODY_MAX_BYTES: usize = 16_384;
pub const DISPLAY_NAME_MAX_CHARS: usize = 64;
pub const DEVICE_NAME_MAX_CHARS: usize = 64;
pub const TITLE_MAX_CHARS: usize = 128;
pub const EMOJI_MAX_BYTES: usize = 64;
/// Distinct emoji on one message: so no message, event or conversation list grows without bound.
pub const REACTIONS_PER_MESSAGE_MAX: usize = 50;
pub const ATTACHMENT_NAME_MAX_CHARS: usize = 255;
pub const ATTACHMENTS_PER_MESSAGE_MAX: usize = 10;
/// Members named when a group is created (the creator comes on top).
pub const GROUP_MEMBERS_MAX: usize = 1000;
pub const SEARCH_QUERY_MAX_CHARS: usize = 256;
pub const MESSAGES_PAGE_DEFAULT: i64 = 50;
pub const MESSAGES_PAGE_MAX: i64 = 200;
pub const SYNC_PAGE_DEFAULT: i64 = 500;
pub const SYNC_PAGE_MAX: i64 = 1000;
/// A `/sync` page holds fewer events than `limit` rather than grow past this many bytes.
pub const SYNC_PAGE_MAX_BYTES: usize = 4 * 1024 * 1024;
pub const CONVERSATIONS_PAGE_DEFAULT: i64 = 100;
pub const CONVERSATIONS_PAGE_MAX: i64 = 500;
/// Words of a search query (each matched as a prefix); more is a 400.
pub const SEARCH_TERMS_MAX: usize = 8;
pub const SEARCH_PAGE_DEFAULT: i64 = 20;
pub const SEARCH_PAGE_MAX: i64 = 100;
pub const USERS_PAGE_MAX: i64 = 50;

/// A rule that input broke: which field, and what is wrong, in words for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for Invalid {}

/// Folds to lower case, then checks 3–32 of `a-z 0-9 _ . -`. Returns the folded name.
pub fn normalize_username(raw: &str) -> Result<String, Invalid> {
    let name = raw.to_lowercase();
    let count = name.chars().count();
    if !(USERNAME_MIN_CHARS..=USERNAME_MAX_CHARS).contains(&count) {
        return Err(Invalid::new(
            "username",
            format!("must be {USERNAME_MIN_CHARS} to {USERNAME_MAX_CHARS} characters long"),
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
    {
        return Err(Invalid::new(
            "username",
            "may only contain a-z, 0-9, '_', '.' and '-'",
        ));
    }
    Ok(name)
}

pub fn validate_password(password: &str) -> Result<(), Invalid> {
    let len = password.len();
    if !(PASSWORD_MIN_BYTES..=PASSWORD_MAX_BYTES).contains(&len) {
        return Err(Invalid::new(
            "password",
            format!("must be {PASSWORD_MIN_BYTES} to {PASSWORD_MAX_BYTES} bytes long"),
        ));
    }
    Ok(())
}

/// A message body: not empty, not only whitespace, at most [`BODY_MAX_BYTES`] (see
/// [`validate_send_body`] for a message with attachments).
pub fn validate_body(body: &str) -> Result<(), Invalid> {
    if body.len() > BODY_MAX_BYTES {
        return Err(Invalid::new(
            "body",
            format!("must be at most {BODY_MAX_BYTES} bytes"),
        ));
    }
    if body.trim().is_empty() {
        return Err(Invalid::new("body", "must not be empty or only whitespace"));
    }
    Ok(())
}

/// A message to send: like [`validate_body`], except that a message carrying attachments may
/// have no text (a file sent on its own), as PRODUCT.md §2 allows.
pub fn validate_send_body(body: &str, attachments: usize) -> Result<(), Invalid> {
    if attachments > 0 && body.trim().is_empty() {
        return if body.len() > BODY_MAX_BYTES {
            Err(Invalid::new(
                "body",
                format!("must be at most {BODY_MAX_BYTES} bytes"),
            ))
        } else {
            Ok(())
        };
    }
    validate_body(body)
}

/// Characters that change how the text around them is shown without being seen themselves:
/// bidi overrides and isolates (U+202E turns `gpj.exe` into what reads as `exe.jpg`) and
/// zero-width characters (`ad\u{200B}min` looks like `admin`). A zero-width joiner is allowed
/// between two pictographs, where it builds an emoji sequence (👩‍💻).
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{180E}'
            | '\u{FEFF}'
    )
}

fn is_pictograph(c: char) -> bool {
    matches!(c, '\u{2190}'..='\u{2BFF}' | '\u{1F000}'..='\u{1FAFF}' | '\u{FE0F}')
}

/// The first invisible formatting character in `value` that isn't part of an emoji sequence.
fn invisible_format(value: &str) -> Option<char> {
    let chars: Vec<char> = value.chars().collect();
    chars.iter().enumerate().find_map(|(i, &c)| {
        let joins_emoji = c == '\u{200D}'
            && i > 0
            && chars.get(i + 1).is_some_and(|&n| is_pictograph(n))
            && is_pictograph(chars[i - 1]);
        (is_invisible_format(c) && !joins_emoji).then_some(c)
    })
}

/// Short human labels (display names, titles, device names, file names): trimmed of nothing,
/// but not blank, not too long, without control characters, and without invisible bidi or
/// zero-width characters (which let one name pass for another).
pub fn validate_label(field: &'static str, value: &str, max_chars: usize) -> Result<(), Invalid> {
    if value.trim().is_empty() {
        return Err(Invalid::new(field, "must not be empty"));
    }
    if value.chars().count() > max_chars {
        return Err(Invalid::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Invalid::new(field, "must not contain control characters"));
    }
    if let Some(c) = invisible_format(value) {
        return Err(Invalid::new(
            field,
            format!(
                "must not contain invisible formatting characters (U+{:04X})",
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

/// A reaction: one short token, no whitespace or control characters.
pub fn validate_emoji(emoji: &str) -> Result<(), Invalid> {
    if emoji.is_empty() || emoji.len() > EMOJI_MAX_BYTES {
        return Err(Invalid::new(
            "emoji",
            format!("must be 1 to {EMOJI_MAX_BYTES} bytes"),
        ));
    }
    if emoji.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Invalid::new(
            "emoji",
            "must not contain whitespace or control characters",
        ));
    }
    Ok(())
}

/// `limit` query parameters: absent → `default`, above `max` → `max`, below 1 → invalid.
pub fn page_limit(limit: Option<i64>, default: i64, max: i64) -> Result<i64, Invalid> {
    match limit {
        None => Ok(default),
        Some(n) if n < 1 => Err(Invalid::new("limit", "must be at least 1")),
        Some(n) => Ok(n.min(max)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_fold_then_validate() {
        assert_eq!(normalize_username("Alice").unwrap(), "alice");
        assert_eq!(normalize_username("a.b-c_9").unwrap(), "a.b-c_9");
        for bad in ["ab", "", "with space", "émile", "a/b", &"x".repeat(33)] {
            assert!(
                normalize_username(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
        assert!(normalize_username(&"x".repeat(32)).is_ok());
    }

    #[test]
    fn passwords_are_counted_in_bytes() {
        assert!(validate_password("1234567").is_err());
        assert!(validate_password("12345678").is_ok());
        assert!(validate_password(&"x".repeat(1024)).is_ok());
        assert!(validate_password(&"x".repeat(1025)).is_err());
    }

    #[test]
    fn bodies() {
        assert!(validate_body("hi").is_ok());
        assert!(validate_body("  hi  ").is_ok());
        for bad in ["", " ", "\n\t ", "\u{3000}"] {
            assert!(validate_body(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(validate_body(&"x".repeat(BODY_MAX_BYTES)).is_ok());
        assert!(validate_body(&"x".repeat(BODY_MAX_BYTES + 1)).is_err());
    }

    #[test]
    fn bodies_may_be_empty_with_attachments() {
        assert!(validate_send_body("", 1).is_ok(), "a file on its own");
        assert!(validate_send_body("  \n", 2).is_ok());
        assert!(validate_send_body("", 0).is_err(), "nothing at all");
        assert!(validate_send_body(" ", 0).is_err());
        assert!(validate_send_body(&" ".repeat(BODY_MAX_BYTES + 1), 1).is_err());
        assert!(validate_send_body(&"x".repeat(BODY_MAX_BYTES + 1), 1).is_err());
    }

    #[test]
    fn labels_refuse_invisible_formatting() {
        assert!(validate_label("display_name", "Alice", 64).is_ok());
        assert!(validate_label("display_name", "Zoë 🎉", 64).is_ok());
        assert!(
            validate_label("display_name", "dev 👩\u{200D}💻", 64).is_ok(),
            "a ZWJ emoji sequence is fine"
        );
        for bad in [
            "ad\u{200B}min",
            "\u{202E}gpj.exe",
            "a\u{2066}b",
            "x\u{200D}y",
            "\u{FEFF}bob",
            "a\u{200F}",
        ] {
            let err = validate_label("display_name", bad, 64).unwrap_err();
            assert!(err.message.contains("invisible"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn limits() {
        assert_eq!(page_limit(None, 50, 200), Ok(50));
        assert_eq!(page_limit(Some(500), 50, 200), Ok(200));
        assert!(page_limit(Some(0), 50, 200).is_err());
    }
}
