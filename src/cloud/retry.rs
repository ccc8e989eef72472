//! When to retry and how long to wait. Pure: the caller supplies the random draw.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `retries + 1` attempts at most).
    pub retries: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        // Huawei suggests pausing 2-5 s on throttling; exponential from 1 s reaches that quickly.
        Self {
            retries: 4,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Delay before retry number `attempt` (1-based): equal jitter over `base * 2^(attempt-1)`,
    /// capped; a server's `Retry-After` wins when it asks for longer. `unit` is in [0, 1).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>, unit: f64) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << (attempt.saturating_sub(1)).min(16));
        let ceiling = exp.min(self.cap);
        let half = ceiling / 2;
        let jittered = half + half.mul_f64(unit.clamp(0.0, 1.0));
        match retry_after {
            Some(ra) if ra > jittered => ra.min(self.cap.max(ra.min(Duration::from_secs(120)))),
            _ => jittered,
        }
    }
}

/// What happened to one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Could not connect: the request never left this machine.
    NotSent,
    /// Sent; no answer (timeout, connection reset mid-way).
    NoAnswer,
    Status(u16),
    /// Answered 2xx, but the body is not JSON at all (truncated, or a proxy's HTML page).
    BadBody,
}

/// Whether to try again. Changes (resets, reboots) are retried only when they were never sent;
/// reads also on throttling, server errors, lost answers and bodies that are not JSON.
pub fn should_retry(idempotent: bool, attempt: Attempt) -> bool {
    match attempt {
        Attempt::NotSent => true,
        Attempt::NoAnswer | Attempt::BadBody => idempotent,
        Attempt::Status(s) => idempotent && (s == 429 || (500..600).contains(&s)),
    }
}

/// `Retry-After` as delta-seconds (the HTTP-date form is rare on API gateways and ignored).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let p = RetryPolicy {
            retries: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(500),
        };
        assert_eq!(p.delay(1, None, 0.0), Duration::from_millis(50));
        assert_eq!(p.delay(1, None, 1.0), Duration::from_millis(100));
        assert_eq!(p.delay(3, None, 1.0), Duration::from_millis(400));
        assert_eq!(p.delay(9, None, 1.0), Duration::from_millis(500));
        assert_eq!(p.delay(40, None, 0.5), Duration::from_millis(375));
    }

    #[test]
    fn retry_after_wins_when_longer() {
        let p = RetryPolicy {
            retries: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(30),
        };
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(3)), 0.0),
            Duration::from_secs(3)
        );
        assert_eq!(
            p.delay(1, Some(Duration::ZERO), 0.0),
            Duration::from_millis(50)
        );
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn changes_are_never_retried_once_sent() {
        assert!(should_retry(false, Attempt::NotSent));
        assert!(!should_retry(false, Attempt::NoAnswer));
        assert!(!should_retry(false, Attempt::Status(429)));
        assert!(!should_retry(false, Attempt::Status(503)));
        assert!(!should_retry(false, Attempt::BadBody));
        assert!(should_retry(true, Attempt::BadBody));
        assert!(should_retry(true, Attempt::NoAnswer));
        assert!(should_retry(true, Attempt::Status(429)));
        assert!(should_retry(true, Attempt::Status(502)));
        assert!(!should_retry(true, Attempt::Status(404)));
        assert!(!should_retry(true, Attempt::Status(401)));
    }
}
