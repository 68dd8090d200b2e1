//! Decisions as plain functions over data, so they can be tested with tables: how long to
//! wait before reconnecting or re-sending, and which history to fetch to fill `seq` gaps.
//! The I/O layer (`sync`, `outbox`) only carries them out. Time is passed in.

use std::time::Duration;

/// First retry delay.
pub const BACKOFF_BASE: Duration = Duration::from_millis(500);
/// Longest wait between attempts.
pub const BACKOFF_CAP: Duration = Duration::from_secs(30);

/// Exponential backoff with jitter: `base · 2^attempt`, capped, then scaled into
/// `[½, 1]` of that by `jitter ∈ [0, 1)` so that many clients don't retry in lockstep.
/// `attempt` counts failures so far (0 for the first retry).
pub fn backoff(attempt: u32, jitter: f64) -> Duration {
    let exp = BACKOFF_BASE.saturating_mul(2u32.saturating_pow(attempt.min(16)));
    let capped = exp.min(BACKOFF_CAP);
    capped.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// How long to wait before the next send attempt: the server's `Retry-After` when it gave
/// one (never less), otherwise [`backoff`].
pub fn retry_delay(attempt: u32, jitter: f64, retry_after: Option<Duration>) -> Duration {
    let ours = backoff(attempt, jitter);
    retry_after.map_or(ours, |theirs| theirs.max(BACKOFF_BASE))
}

/// Why an outbox entry could not be sent this time.
#[derive(Debug)]
pub enum SendFailure<'e> {
    /// The server refused, or could not be reached (a send or one of its uploads).
    Api(&'e crate::api::ApiError),
    /// A staged file is gone from disk: the message can't be sent as composed.
    FileGone(&'e str),
    /// Something on this device failed (the cache, a locked keyring, the file system):
    /// nothing the server said, so worth trying again, but never at once.
    Local(&'e str),
}

/// What the outbox does with an entry after a failed attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum SendStep {
    /// Keep it first in line and try again at this time.
    RetryAt(chrono::DateTime<chrono::Utc>),
    /// Mark it failed with this reason for the user (who may retry or discard it).
    Fail(String),
    /// The session is gone: stop sending until the user signs in again (the entry stays).
    SignedOut,
}

/// The outbox's next step for an entry that failed its `attempts + 1`-th attempt at `now`.
/// Every failure that may pass backs off (also local ones, which used to be retried at once,
/// forever); only what the server refused for good fails the entry.
pub fn after_send_failure(
    attempts: u32,
    failure: &SendFailure<'_>,
    now: chrono::DateTime<chrono::Utc>,
    jitter: f64,
) -> SendStep {
    use crate::api::ApiError;
    let retry = |retry_after| {
        let delay = retry_delay(attempts, jitter, retry_after);
        SendStep::RetryAt(now + chrono::Duration::from_std(delay).unwrap_or_default())
    };
    match failure {
        SendFailure::Api(ApiError::SignedOut(_)) => SendStep::SignedOut,
        SendFailure::Api(e) if e.is_recoverable() => retry(e.retry_after()),
        SendFailure::Api(e) => SendStep::Fail(e.to_string()),
        SendFailure::FileGone(name) => {
            SendStep::Fail(format!("the file {name} is no longer on this device"))
        }
        SendFailure::Local(_) => retry(None),
    }
}

/// One history request: messages with `seq > after`, at most `limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fetch {
    pub after: i64,
    pub limit: i64,
}

/// The requests that fill the missing `seq` ranges `gaps` (inclusive `(from, to)` pairs),
/// each at most `page` long.
pub fn gap_fetches(gaps: &[(i64, i64)], page: i64) -> Vec<Fetch> {
    let page = page.max(1);
    let mut fetches = Vec::new();
    for &(from, to) in gaps {
        let mut next = from;
        while next <= to {
            let limit = (to - next + 1).min(page);
            fetches.push(Fetch {
                after: next - 1,
                limit,
            });
            next += limit;
        }
    }
    fetches
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::api::ApiError;

    fn status(status: u16, retry_after: Option<u64>) -> ApiError {
        ApiError::Status {
            status,
            code: "x".to_owned(),
            message: "refused".to_owned(),
            retry_after: retry_after.map(Duration::from_secs),
        }
    }

    /// Every error class an attempt can end with, and what the outbox does next: `Some(ms)`
    /// is a retry that many milliseconds after `now` (jitter 0, third attempt: 1 s).
    #[rstest]
    #[case::network(SendFailure::Api(&ApiError::Network("down".into())), Some(1000))]
    #[case::server_error(SendFailure::Api(&status(503, None)), Some(1000))]
    #[case::timeout(SendFailure::Api(&status(408, None)), Some(1000))]
    #[case::rate_limited_honours_retry_after(SendFailure::Api(&status(429, Some(7))), Some(7000))]
    #[case::local_keyring_locked(SendFailure::Local("the keyring is locked"), Some(1000))]
    #[case::refused(SendFailure::Api(&status(400, None)), None)]
    #[case::too_large(SendFailure::Api(&status(413, None)), None)]
    #[case::not_a_member(SendFailure::Api(&status(404, None)), None)]
    #[case::garbled(SendFailure::Api(&ApiError::Protocol("?".into())), None)]
    #[case::file_gone(SendFailure::FileGone("a.pdf"), None)]
    fn every_failure_has_a_next_step(
        #[case] failure: SendFailure<'_>,
        #[case] retry_ms: Option<i64>,
    ) {
        let now = chrono::DateTime::<chrono::Utc>::from_timestamp(1_000_000, 0).unwrap();
        let step = after_send_failure(2, &failure, now, 0.0);
        match (retry_ms, step) {
            (Some(ms), SendStep::RetryAt(at)) => {
                assert_eq!((at - now).num_milliseconds(), ms, "{failure:?}");
            }
            (None, SendStep::Fail(reason)) => assert!(!reason.is_empty(), "{failure:?}"),
            (want, got) => panic!("{failure:?}: wanted retry {want:?}, got {got:?}"),
        }
    }

    #[test]
    fn a_lost_session_stops_the_outbox_without_failing_the_entry() {
        let now = chrono::Utc::now();
        let lost = ApiError::SignedOut("revoked".into());
        assert_eq!(
            after_send_failure(0, &SendFailure::Api(&lost), now, 0.5),
            SendStep::SignedOut
        );
    }

    #[test]
    fn local_failures_never_retry_at_once() {
        let now = chrono::Utc::now();
        for attempts in [0, 1, 5, 50] {
            let SendStep::RetryAt(at) =
                after_send_failure(attempts, &SendFailure::Local("disk"), now, 0.0)
            else {
                panic!("a local failure is retried");
            };
            assert!(
                at - now >= chrono::Duration::milliseconds(250),
                "attempt {attempts}"
            );
        }
    }

    #[rstest]
    #[case::first_retry_full_jitter(0, 0.999, 499)]
    #[case::first_retry_no_jitter(0, 0.0, 250)]
    #[case::grows(3, 0.0, 2000)]
    #[case::capped(20, 0.0, 15_000)]
    #[case::capped_high(20, 1.0, 30_000)]
    fn backoff_grows_and_caps(#[case] attempt: u32, #[case] jitter: f64, #[case] millis: u64) {
        assert_eq!(
            backoff(attempt, jitter).as_millis() as u64,
            millis,
            "attempt {attempt}, jitter {jitter}"
        );
    }

    #[test]
    fn retry_after_wins_when_given() {
        assert_eq!(
            retry_delay(0, 0.0, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            retry_delay(0, 0.0, Some(Duration::ZERO)),
            BACKOFF_BASE,
            "never hammer"
        );
        assert_eq!(retry_delay(1, 0.0, None), Duration::from_millis(500));
    }

    #[rstest]
    #[case::none(&[], 200, &[])]
    #[case::one_small(&[(3, 5)], 200, &[Fetch { after: 2, limit: 3 }])]
    #[case::split(&[(1, 450)], 200, &[Fetch { after: 0, limit: 200 }, Fetch { after: 200, limit: 200 }, Fetch { after: 400, limit: 50 }])]
    #[case::two(&[(2, 2), (9, 10)], 200, &[Fetch { after: 1, limit: 1 }, Fetch { after: 8, limit: 2 }])]
    fn gaps_become_pages(
        #[case] gaps: &[(i64, i64)],
        #[case] page: i64,
        #[case] expected: &[Fetch],
    ) {
        assert_eq!(gap_fetches(gaps, page), expected);
    }
}
