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
