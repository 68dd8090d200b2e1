//! Wire types shared by the Parley server and its clients.
//!
//! Everything here is plain data plus the validation rules both sides agree on; no I/O.
//! The shapes follow `PRODUCT.md` §2 ("Wire contract") field for field: this crate *is*
//! that section in Rust. Optional derives: `ts` (TypeScript bindings for the UI) and
//! `openapi` (schemas for the server's generated OpenAPI document).

mod api;
mod events;
mod ids;
pub mod limits;
pub mod mentions;
mod model;
pub mod search;
mod secret;
mod ws;

pub use api::*;
pub use events::*;
pub use ids::*;
pub use model::*;
pub use secret::SecretString;
pub use ws::*;

/// Percent-encodes a URL path or query component (RFC 3986 unreserved characters stay).
pub fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Times on the wire: RFC 3339, UTC (serialized with a `Z` suffix).
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// The error body every non-2xx response carries: `{"error": {"code", "message"}}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// A stable snake_case `code` for programs and a human `message`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}
