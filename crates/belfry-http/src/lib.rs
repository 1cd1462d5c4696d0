//! HTTP plumbing Belfry's adapters (CalDAV, Google, Microsoft, OAuth) share.
//!
//! Invariant: clients built here never follow redirects (a redirect could carry a credential
//! to another host); adapters follow them by hand where the protocol needs it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A blocking client that follows no redirects, with a timeout.
pub fn client(timeout: Duration) -> Result<reqwest::blocking::Client, String> {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .user_agent(concat!("Belfry/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

/// How often and how patiently to retry a request that may succeed later (network errors,
/// 5xx, 429, rate limits): truncated exponential backoff with full jitter, or what the
/// server's `Retry-After` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The first backoff's ceiling; it doubles with every attempt.
    pub base: Duration,
    /// No wait is longer.
    pub cap: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 5,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(10),
        }
    }
}

impl Retry {
    /// How long to wait after failed attempt number `attempt` (1-based): `retry_after`
    /// seconds when the server said so, else a uniformly random time up to the backoff
    /// ceiling; never more than `cap`.
    pub fn wait(&self, attempt: u32, retry_after: Option<u64>) -> Duration {
        if let Some(s) = retry_after {
            return Duration::from_secs(s).min(self.cap);
        }
        let ceiling = self
            .base
            .saturating_mul(1 << attempt.saturating_sub(1).min(16))
            .min(self.cap);
        let ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(if ms == 0 { 0 } else { random() % (ms + 1) })
    }
}

/// `Retry-After` in seconds, when a response has it in that form.
pub fn retry_after(resp: &reqwest::blocking::Response) -> Option<u64> {
    resp.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Spread, not secrecy: a mix of the clock and a counter.
fn random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0x2545_F491_4F6C_DD1D);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut x = COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ u64::from(nanos);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^ (x >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_stay_under_the_doubling_ceiling_and_the_cap() {
        let r = Retry {
            attempts: 10,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(1000),
        };
        for attempt in 1..=10u32 {
            let ceiling =
                Duration::from_millis(100 * (1 << (attempt - 1))).min(Duration::from_millis(1000));
            for _ in 0..200 {
                assert!(r.wait(attempt, None) <= ceiling);
            }
        }
        assert_eq!(r.wait(1, Some(0)), Duration::ZERO);
        assert_eq!(
            r.wait(1, Some(3)),
            Duration::from_millis(1000),
            "Retry-After is capped too"
        );
    }

    #[test]
    fn waits_are_spread_out() {
        let r = Retry {
            attempts: 3,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(1),
        };
        let mut seen: Vec<Duration> = (0..50).map(|_| r.wait(1, None)).collect();
        seen.sort();
        seen.dedup();
        assert!(seen.len() > 10, "full jitter, not a fixed delay: {seen:?}");
    }
}
