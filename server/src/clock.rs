//! Time as the server stores it: integer milliseconds since the Unix epoch (UTC), turned into
//! RFC 3339 timestamps only at the edge.

use chrono::{DateTime, Utc};

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// A stored time as the wire's timestamp.
pub fn time_of(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
