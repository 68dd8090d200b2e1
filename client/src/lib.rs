//! `parley-client`: the headless engine of the Parley messenger, shared by the `parley`
//! command-line client and the desktop shell.
//!
//! - [`cache`]: the local SQLite cache of one account (conversations, messages, outbox, sync
//!   cursor, offline search) — what the app shows with no network;
//! - [`keyring`]: the refresh token in the OS keyring;
//! - [`api`]: typed REST calls with token refresh;
//! - [`engine`]: one account's engine — reading the cache, composing into the outbox,
//!   [`ConnectionState`] and [`EngineEvent`] batches for a UI; `sync` and `outbox` add the
//!   catch-up, realtime and sending loops to it;
//! - [`changes`]: the account's read markers and settings, changed offline and sent later;
//! - [`plan`]: the pure decisions (backoff, gap filling) those loops carry out;
//! - [`attachments`]: files staged to be sent and files downloaded to be shown;
//! - [`accounts`]: the accounts signed in on this device;
//! - [`error`]: the one error type, [`ClientError`], with a stable [`ErrorCode`].
//!
//! The wire types come from `parley_protocol`, re-exported as [`protocol`].

pub mod accounts;
pub mod api;
pub mod attachments;
pub mod cache;
pub mod changes;
pub mod downloads;
pub mod engine;
pub mod error;
pub mod export;
pub mod keyring;
pub mod outbox;
pub mod plan;
pub mod sync;

pub use engine::{ConnectionState, Engine, EngineEvent};
pub use error::{ClientError, ClientResult, ErrorCode};
pub use parley_protocol as protocol;
