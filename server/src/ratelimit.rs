//! Rate limits (governor's GCRA, keyed): auth attempts per client IP, messages per user.

use std::{net::IpAddr, num::NonZeroU32, sync::Arc};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};
use parley_protocol::UserId;

use crate::{Config, error::ApiError};

pub struct Limits {
    auth: Option<DefaultKeyedRateLimiter<IpAddr>>,
    messages: Option<DefaultKeyedRateLimiter<UserId>>,
}

impl Limits {
    pub fn new(config: &Config) -> Arc<Self> {
        if !config.rate_limit.is_on() {
            return Arc::new(Self {
                auth: None,
                messages: None,
            });
        }
        let per_minute = NonZeroU32::new(config.auth_rate_per_minute).unwrap_or(NonZeroU32::MIN);
        let per_second = NonZeroU32::new(config.message_rate_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = per_second.saturating_mul(NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN));
        Arc::new(Self {
            auth: Some(RateLimiter::keyed(Quota::per_minute(per_minute))),
            messages: Some(RateLimiter::keyed(
                Quota::per_second(per_second).allow_burst(burst),
            )),
        })
    }

    pub fn check_auth(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(self.auth.as_ref(), &ip)
    }

    pub fn check_message(&self, user: &UserId) -> Result<(), ApiError> {
        check(self.messages.as_ref(), user)
    }

    /// Drops the state of keys that are back to full allowance (called periodically).
    pub fn shrink(&self) {
        if let Some(l) = &self.auth {
            l.retain_recent();
        }
        if let Some(l) = &self.messages {
            l.retain_recent();
        }
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
            retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        }
    })
}
