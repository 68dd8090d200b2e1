//! Rate limits (governor's GCRA, keyed): sign-in attempts per client address and per target
//! account, and every write per user — sends, other writes, conversation and member changes,
//! typing — so that no one user can flood the server or the people they share a conversation
//! with (PRODUCT.md §2 "Limits and abuse").

use std::{net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};
use parley_protocol::UserId;

use crate::{Config, error::ApiError};

/// What a write is, for the limit it counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    /// A message sent (REST or WebSocket).
    Message,
    /// Edits, deletions, reactions, read markers, settings, profile, uploads.
    Other,
    /// Creating a conversation or adding someone to one: each reaches another person's
    /// account, so it is limited hardest.
    Conversation,
    /// A WebSocket `typing` frame.
    Typing,
}

type Limiter<K> = Option<DefaultKeyedRateLimiter<K>>;

pub struct Limits {
    auth_ip: Limiter<IpAddr>,
    auth_account: Limiter<String>,
    messages: Limiter<UserId>,
    writes: Limiter<UserId>,
    conversations: Limiter<UserId>,
    typing: Limiter<UserId>,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// `per_second` sustained, bursts of five times that.
fn per_second_bursting(per_second: u32) -> Quota {
    let rate = nonzero(per_second);
    Quota::per_second(rate).allow_burst(rate.saturating_mul(nonzero(5)))
}

impl Limits {
    pub fn new(config: &Config) -> Arc<Self> {
        if !config.rate_limit.is_on() {
            return Arc::new(Self {
                auth_ip: None,
                auth_account: None,
                messages: None,
                writes: None,
                conversations: None,
                typing: None,
            });
        }
        Arc::new(Self {
            auth_ip: Some(RateLimiter::keyed(Quota::per_minute(nonzero(
                config.auth_rate_per_minute,
            )))),
            auth_account: Some(RateLimiter::keyed(Quota::per_minute(nonzero(
                config.login_rate_per_account_per_minute,
            )))),
            messages: Some(RateLimiter::keyed(per_second_bursting(
                config.message_rate_per_second,
            ))),
            writes: Some(RateLimiter::keyed(per_second_bursting(
                config.write_rate_per_second,
            ))),
            conversations: Some(RateLimiter::keyed(Quota::per_minute(nonzero(
                config.conversation_rate_per_minute,
            )))),
            typing: Some(RateLimiter::keyed(per_second_bursting(
                config.typing_rate_per_second,
            ))),
        })
    }

    /// A sign-in or registration attempt from `ip` (the client, after trusted proxies).
    pub fn check_auth(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(self.auth_ip.as_ref(), &ip)
    }

    /// A login attempt for `username` (folded), wherever it comes from: a script spread
    /// over many addresses still can't try passwords on one account quickly.
    pub fn check_login_account(&self, username: &str) -> Result<(), ApiError> {
        check(self.auth_account.as_ref(), &username.to_owned())
    }

    pub fn check_write(&self, user: &UserId, kind: Write) -> Result<(), ApiError> {
        let limiter = match kind {
            Write::Message => &self.messages,
            Write::Other => &self.writes,
            Write::Conversation => &self.conversations,
            Write::Typing => &self.typing,
        };
        // Every write also counts as a write: creating groups can't bypass the general limit.
        if kind == Write::Conversation {
            check(self.writes.as_ref(), user)?;
        }
        check(limiter.as_ref(), user)
    }

    /// Drops the state of keys that are back to full allowance (called periodically).
    pub fn shrink(&self) {
        fn retain<K: Clone + std::hash::Hash + Eq>(l: &Limiter<K>) {
            if let Some(l) = l {
                l.retain_recent();
                l.shrink_to_fit();
            }
        }
        retain(&self.auth_ip);
        retain(&self.auth_account);
        retain(&self.messages);
        retain(&self.writes);
        retain(&self.conversations);
        retain(&self.typing);
    }
}

fn check<K: Clone + std::hash::Hash + Eq>(
    limiter: Option<&DefaultKeyedRateLimiter<K>>,
    key: &K,
) -> Result<(), ApiError> {
    let Some(limiter) = limiter else {
        return Ok(());
    };
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::RateLimited {
            retry_after_secs: whole_seconds(wait),
        }
    })
}

/// Rounded up, at least 1: `Retry-After: 0` would invite an immediate retry.
fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}
