//! Retry timing for transient failures: exponential backoff with jitter, and the server's
//! Retry-After when it gave one. Pure: the caller supplies the random number.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    /// Delay after the first failure (before jitter).
    pub base: Duration,
    /// Longest delay between two attempts of one item.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(15 * 60),
        }
    }
}

impl Backoff {
    /// Delay before attempt number `failures + 1`, after `failures` consecutive failures
    /// (`failures >= 1`). `jitter` in `[0, 1)` spreads clients that failed together
    /// ("equal jitter": half fixed, half random, so a delay never collapses to zero).
    /// A Retry-After from the server is honoured as a minimum, with up to 10 % added.
    pub fn delay(&self, failures: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        let jitter = jitter.clamp(0.0, 1.0);
        let exp = failures.saturating_sub(1).min(30);
        let raw = self.base.saturating_mul(1u32 << exp.min(20)).min(self.cap);
        let backoff = raw.mul_f64(0.5 + 0.5 * jitter);
        match retry_after {
            Some(ra) => {
                let ra = ra.min(self.cap.max(Duration::from_secs(3600)));
                ra + ra.mul_f64(0.1 * jitter)
            }
            None => backoff,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn grows_exponentially_up_to_the_cap() {
        let b = Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(60),
        };
        // With jitter 1.0 the delay is the full exponential value.
        let full: Vec<u64> = (1..=8).map(|n| b.delay(n, None, 1.0).as_secs()).collect();
        assert_eq!(full, [1, 2, 4, 8, 16, 32, 60, 60]);
        // With jitter 0 it is half of it, never zero.
        assert_eq!(b.delay(1, None, 0.0), Duration::from_millis(500));
    }

    #[test]
    fn retry_after_is_a_floor() {
        let b = Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(60),
        };
        assert_eq!(
            b.delay(1, Some(Duration::from_secs(7)), 0.0),
            Duration::from_secs(7)
        );
        assert_eq!(
            b.delay(1, Some(Duration::from_secs(10)), 1.0),
            Duration::from_secs(11)
        );
    }

    proptest! {
        #[test]
        fn delay_stays_within_bounds(failures in 1u32..200, jitter in 0.0f64..1.0, ra in proptest::option::of(0u64..5000)) {
            let b = Backoff::default();
            let d = b.delay(failures, ra.map(Duration::from_secs), jitter);
            match ra {
                Some(s) => {
                    let s = Duration::from_secs(s.min(3600));
                    prop_assert!(d >= s && d <= s.mul_f64(1.1) + Duration::from_millis(1));
                }
                None => prop_assert!(d >= b.base / 2 && d <= b.cap),
            }
        }

        #[test]
        fn more_failures_never_mean_a_shorter_ceiling(f in 1u32..100, jitter in 0.0f64..1.0) {
            let b = Backoff::default();
            prop_assert!(b.delay(f + 1, None, 1.0) >= b.delay(f, None, 1.0));
            prop_assert!(b.delay(f, None, jitter) <= b.delay(f, None, 1.0));
        }
    }
}
