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

// End to end: a real in-process server, the `parley` binary and the engine.
mod attachments;
mod backfill;
mod changes;
mod cli_accounts;
mod cli_live;
mod cli_offline;
mod e2e_cli;
mod e2e_fixture;
mod engine;
mod engine_outbox;
mod export;
mod history;
mod message_changes;
