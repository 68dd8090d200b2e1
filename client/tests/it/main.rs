//! The integration suite of `parley-client`: one binary, one module per area, real SQLite
//! files in temp dirs and (for the keyring) the real Secret Service — run it as
//! `scripts/with-keyring.sh cargo test -p parley-client`.

mod cache_open;
mod conversations;
mod events;
mod fixtures;
mod keyring;
mod messages;
mod outbox;
mod search;
