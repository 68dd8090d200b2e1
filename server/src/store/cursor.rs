//! The two opaque cursors clients hold, encoded and decoded in this one place.
//!
//! An event cursor is the event's position in the log as zero-padded decimal, so cursors also
//! sort as strings; clients never look inside. A conversation-list cursor is where a page of
//! `GET /conversations` ends.

use parley_protocol::{ConversationId, Cursor};

/// Digits of an encoded event position.
const WIDTH: usize = 16;

/// The cursor of the event at `position` (0: before the first event).
pub fn encode(position: i64) -> Cursor {
    Cursor::new(format!("{position:0WIDTH$}"))
}

/// The position a cursor this server handed out stands for; `None` for anything else.
pub fn decode(cursor: &Cursor) -> Option<i64> {
    let text = cursor.as_str();
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Where a page of the conversation list starts: below this (activity, id), newest first.
/// Clients see it as an opaque string, `ACTIVITY.ID`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListCursor {
    pub activity: i64,
    pub id: ConversationId,
}

impl ListCursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.activity, self.id)
    }

    /// `None` for anything this server didn't hand out.
    pub fn decode(text: &str) -> Option<Self> {
        let (activity, id) = text.split_once('.')?;
        let valid_id = !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if activity.is_empty() || activity.len() > 19 || !valid_id {
            return None;
        }
        Some(Self {
            activity: activity.parse().ok()?,
            id: ConversationId::new(id.to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use parley_protocol::Cursor;

    use super::{ListCursor, decode, encode};

    #[test]
    fn event_cursors_round_trip_and_sort_as_strings() {
        for position in [0, 1, 9, 10, 123_456_789, i64::MAX] {
            assert_eq!(decode(&encode(position)), Some(position));
        }
        assert!(encode(9).as_str() < encode(10).as_str());
    }

    #[test]
    fn foreign_cursors_are_refused() {
        for text in ["", "-1", "abc", "1.5", "99999999999999999999", " 1"] {
            assert_eq!(decode(&Cursor::new(text.to_owned())), None, "{text:?}");
        }
    }

    #[test]
    fn list_cursors_round_trip() {
        let cursor = ListCursor {
            activity: 42,
            id: "0190-abc".to_owned().into(),
        };
        assert_eq!(ListCursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(ListCursor::decode("x.y"), None);
        assert_eq!(ListCursor::decode("1.a;b"), None);
    }
}
