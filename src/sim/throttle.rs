//! Flow control like the API gateway's: a token bucket per (AK, API).
//!
//! The gateway states its policy as "limit:N,time:1 second" (or "1 minute"), i.e. N calls
//! per window, so a client may burst up to N at the start of a window. A bucket of capacity
//! `max(1, N)` refilled at N tokens per window is the closest continuous model: a burst of N
//! passes, a sustained rate above N per window does not.
//!
//! The 429 body states the policy, as the real gateway's often does, or leaves it out
//! ([`ThrottleStyle::policy_in_message`]), so a client can be tried both with the limit
//! told and with the limit to be found.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::lock;

/// The window a limit counts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ThrottleWindow {
    #[default]
    Second,
    Minute,
}

impl ThrottleWindow {
    pub fn duration(self) -> Duration {
        match self {
            ThrottleWindow::Second => Duration::from_secs(1),
            ThrottleWindow::Minute => Duration::from_secs(60),
        }
    }

    /// As the gateway's message writes it after `time:1 `.
    pub fn unit(self) -> &'static str {
        match self {
            ThrottleWindow::Second => "second",
            ThrottleWindow::Minute => "minute",
        }
    }
}

/// How the simulated gateway states its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleStyle {
    pub window: ThrottleWindow,
    /// `true`: the 429 message ends with `: policy user over ratelimit,limit:N,time:1 <unit>`;
    /// `false`: it stops at "The throttling threshold has been reached".
    pub policy_in_message: bool,
}

impl Default for ThrottleStyle {
    fn default() -> Self {
        Self {
            window: ThrottleWindow::Second,
            policy_in_message: true,
        }
    }
}

/// What a 429 says about the policy: `(limit, unit)`, or nothing.
pub(crate) type Stated = Option<(u64, &'static str)>;

pub(crate) struct Throttle {
    inner: Mutex<Inner>,
}

struct Inner {
    /// Calls per window.
    limit: Option<f64>,
    style: ThrottleStyle,
    buckets: HashMap<(String, &'static str), Bucket>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Throttle {
    pub(crate) fn new(limit: Option<f64>, style: ThrottleStyle) -> Self {
        Self {
            inner: Mutex::new(Inner {
                limit: limit.filter(|r| *r > 0.0),
                style,
                buckets: HashMap::new(),
            }),
        }
    }

    /// Changes the limit; buckets start full again.
    pub(crate) fn set_rate(&self, limit: Option<f64>) {
        let mut inner = lock(&self.inner);
        inner.limit = limit.filter(|r| *r > 0.0);
        inner.buckets.clear();
    }

    pub(crate) fn set_style(&self, style: ThrottleStyle) {
        let mut inner = lock(&self.inner);
        inner.style = style;
        inner.buckets.clear();
    }

    /// The policy an injected (random) 429 states: the configured one, else the gateway's
    /// documented default of 200 per second; nothing when the style hides it.
    pub(crate) fn injected(&self) -> Stated {
        let inner = lock(&self.inner);
        if !inner.style.policy_in_message {
            return None;
        }
        Some(match inner.limit {
            Some(limit) => (limit.round().max(1.0) as u64, inner.style.window.unit()),
            None => (200, ThrottleWindow::Second.unit()),
        })
    }

    /// Takes a token for `(ak, api)`; `Err` with what the 429 states when the bucket is empty.
    pub(crate) fn admit(&self, ak: &str, api: &'static str, now: Instant) -> Result<(), Stated> {
        let mut inner = lock(&self.inner);
        let Some(limit) = inner.limit else {
            return Ok(());
        };
        let style = inner.style;
        let per_sec = limit / style.window.duration().as_secs_f64();
        let capacity = limit.max(1.0);
        let bucket = inner.buckets.entry((ak.to_owned(), api)).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_sec).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else if style.policy_in_message {
            Err(Some((limit.round().max(1.0) as u64, style.window.unit())))
        } else {
            Err(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn per_second(limit: f64) -> Throttle {
        Throttle::new(Some(limit), ThrottleStyle::default())
    }

    #[test]
    fn burst_then_refill_per_key() {
        let t = per_second(3.0);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(t.admit("AK", "GET a", t0).is_ok());
        }
        assert_eq!(t.admit("AK", "GET a", t0), Err(Some((3, "second"))));
        assert!(t.admit("AK", "GET b", t0).is_ok(), "other API, own bucket");
        assert!(t.admit("AK2", "GET a", t0).is_ok(), "other AK, own bucket");
        let later = t0 + Duration::from_millis(340);
        assert!(t.admit("AK", "GET a", later).is_ok());
        assert!(t.admit("AK", "GET a", later).is_err());
    }

    #[test]
    fn fractional_rates_and_unlimited() {
        let t = per_second(0.5);
        let t0 = Instant::now();
        assert!(t.admit("AK", "x", t0).is_ok());
        assert!(t.admit("AK", "x", t0 + Duration::from_secs(1)).is_err());
        assert!(t.admit("AK", "x", t0 + Duration::from_secs(2)).is_ok());
        t.set_rate(None);
        assert!((0..1000).all(|_| t.admit("AK", "x", t0).is_ok()));
        assert_eq!(t.injected(), Some((200, "second")));
    }

    #[test]
    fn a_minute_window_bursts_its_limit_then_refills_per_minute() {
        let minute = ThrottleStyle {
            window: ThrottleWindow::Minute,
            policy_in_message: true,
        };
        let t = Throttle::new(Some(60.0), minute);
        let t0 = Instant::now();
        assert!((0..60).all(|_| t.admit("AK", "x", t0).is_ok()));
        assert_eq!(t.admit("AK", "x", t0), Err(Some((60, "minute"))));
        // 60 a minute is one a second.
        assert!(t.admit("AK", "x", t0 + Duration::from_millis(500)).is_err());
        assert!(t.admit("AK", "x", t0 + Duration::from_millis(1000)).is_ok());
        assert_eq!(t.injected(), Some((60, "minute")));
    }

    #[test]
    fn the_quiet_style_states_no_policy() {
        let quiet = ThrottleStyle {
            window: ThrottleWindow::Second,
            policy_in_message: false,
        };
        let t = Throttle::new(Some(1.0), quiet);
        let t0 = Instant::now();
        assert!(t.admit("AK", "x", t0).is_ok());
        assert_eq!(t.admit("AK", "x", t0), Err(None));
        assert_eq!(t.injected(), None);
    }
}
