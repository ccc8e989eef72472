//! Flow control like the API gateway's: a token bucket per (AK, API).
//!
//! The gateway states its policy as "limit:N,time:1 second", i.e. N calls per one-second
//! window, so a client may burst up to N at the start of a window. A bucket of capacity
//! `max(1, rate)` refilled at `rate` tokens per second is the closest continuous model: a
//! burst of N passes, a sustained rate above N does not.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use super::lock;

pub(crate) struct Throttle {
    inner: Mutex<Inner>,
}

struct Inner {
    rate: Option<f64>,
    buckets: HashMap<(String, &'static str), Bucket>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Throttle {
    pub(crate) fn new(rate: Option<f64>) -> Self {
        Self {
            inner: Mutex::new(Inner {
                rate: rate.filter(|r| *r > 0.0),
                buckets: HashMap::new(),
            }),
        }
    }

    /// Changes the rate; buckets start full again.
    pub(crate) fn set_rate(&self, rate: Option<f64>) {
        let mut inner = lock(&self.inner);
        inner.rate = rate.filter(|r| *r > 0.0);
        inner.buckets.clear();
    }

    /// The configured rate as the gateway would print it in `limit:<N>`.
    pub(crate) fn limit_text(&self) -> Option<u64> {
        lock(&self.inner).rate.map(|r| r.round().max(1.0) as u64)
    }

    /// Takes a token for `(ak, api)`; `Err(limit)` when the bucket is empty.
    pub(crate) fn admit(&self, ak: &str, api: &'static str, now: Instant) -> Result<(), u64> {
        let mut inner = lock(&self.inner);
        let Some(rate) = inner.rate else {
            return Ok(());
        };
        let capacity = rate.max(1.0);
        let bucket = inner.buckets.entry((ak.to_owned(), api)).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(rate.round().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill_per_key() {
        let t = Throttle::new(Some(3.0));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(t.admit("AK", "GET a", t0).is_ok());
        }
        assert_eq!(t.admit("AK", "GET a", t0), Err(3));
        assert!(t.admit("AK", "GET b", t0).is_ok(), "other API, own bucket");
        assert!(t.admit("AK2", "GET a", t0).is_ok(), "other AK, own bucket");
        let later = t0 + Duration::from_millis(340);
        assert!(t.admit("AK", "GET a", later).is_ok());
        assert!(t.admit("AK", "GET a", later).is_err());
    }

    #[test]
    fn fractional_rates_and_unlimited() {
        let t = Throttle::new(Some(0.5));
        let t0 = Instant::now();
        assert!(t.admit("AK", "x", t0).is_ok());
        assert!(t.admit("AK", "x", t0 + Duration::from_secs(1)).is_err());
        assert!(t.admit("AK", "x", t0 + Duration::from_secs(2)).is_ok());
        t.set_rate(None);
        assert!((0..1000).all(|_| t.admit("AK", "x", t0).is_ok()));
        assert_eq!(t.limit_text(), None);
    }
}
