//! How values are stored in columns: times as integer microseconds (UTC), lists as JSON text.

use chrono::{DateTime, Utc};
use rusqlite::types::Type;
use serde::{Serialize, de::DeserializeOwned};

/// A time as stored: microseconds since the Unix epoch. Sorts like the time itself.
pub(super) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// Back from [`micros`]. Values outside chrono's range cannot have been written by us; they read
/// as the epoch rather than failing the whole query.
pub(super) fn time(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

pub(super) fn opt_time(micros: Option<i64>) -> Option<DateTime<Utc>> {
    micros.map(time)
}

pub(super) fn to_json<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string(value)
}

/// Reads a JSON column inside a row mapper (so the error is a `rusqlite::Error`).
pub(super) fn from_json<T: DeserializeOwned>(idx: usize, text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

/// Reads a text column that holds a UUID.
pub(super) fn uuid(idx: usize, text: &str) -> rusqlite::Result<uuid::Uuid> {
    uuid::Uuid::parse_str(text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}
