//! Black-box integration tests of `parley-server`: real HTTP and WebSocket against a real
//! server, written from PRODUCT.md §2 ("Wire contract") and "Running the server".
//! One test binary (STYLE 25); one module per area.

mod binary;
mod client;
mod fixture;
mod pg;
mod routes;
mod ws_client;

mod attachments;
mod auth;
mod authz;
mod bad_input;
mod balancer;
pub mod cluster;
mod concurrency;
mod conversations;
mod crash;
mod edits;
mod groups;
mod hardening;
mod limits;
mod messages;
mod migrate;
mod ops;
mod people;
mod rate_limit;
mod search;
mod sessions;
mod store;
mod sync;
mod users;
mod ws;
