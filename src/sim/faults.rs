//! Injected faults: the misbehaviour a client meets on a real network and a real gateway.
//!
//! One uniform draw per request picks at most one fault, with cumulative thresholds in the
//! order drop, error, throttle, garbage, so each kind occurs at its own rate as long as the
//! rates add up to at most 1 (past that, later kinds are starved). Faults are decided after
//! authentication and throttling and before the handler, so a faulted reset is not applied;
//! `drop_after_apply_rate` is the separate, independent knob for "the reset happened but the
//! answer was lost".

use super::SimError;
use rand::Rng;
use std::time::Duration;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Added to every request before anything else happens.
    pub latency: Duration,
    /// Uniform extra delay in `0..=jitter` on top of `latency`.
    pub jitter: Duration,
    /// Share of requests answered 500/502/503/504 with an ECS or a gateway body.
    pub error_rate: f64,
    /// Share of requests answered 429 `APIGW.0308` regardless of the token bucket.
    pub throttle_rate: f64,
    /// Share of requests whose connection is closed without any answer, before any effect.
    pub drop_rate: f64,
    /// Share of requests answered 200 with a truncated JSON body or an HTML gateway page.
    pub garbage_rate: f64,
    /// Share of requests that are applied and then lose their connection (outcome unknown).
    pub drop_after_apply_rate: f64,
}

/// A `3xx` answer with a `Location`, given unapplied to every change (reset, reboot) while
/// set with `Sim::set_redirect_changes`: the client must neither follow it nor count it as
/// accepted. Kept apart from [`Faults`] because it is not drawn at a rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Redirect {
    pub status: u16,
    pub location: String,
}

impl Redirect {
    pub(crate) fn response(&self) -> axum::response::Response {
        let mut r = super::reply::raw(self.status, super::reply::JSON, "{}");
        if let Ok(v) = axum::http::HeaderValue::from_str(&self.location) {
            r.headers_mut().insert(axum::http::header::LOCATION, v);
        }
        r
    }
}

/// The fault chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Injected {
    Drop,
    /// 500, 502, 503 or 504.
    Error(u16),
    Throttle,
    /// `true`: truncated JSON; `false`: HTML page.
    Garbage(bool),
}

impl Faults {
    pub fn none() -> Self {
        Self::default()
    }

    pub(crate) fn validate(&self) -> Result<(), SimError> {
        let rates = [
            ("error_rate", self.error_rate),
            ("throttle_rate", self.throttle_rate),
            ("drop_rate", self.drop_rate),
            ("garbage_rate", self.garbage_rate),
            ("drop_after_apply_rate", self.drop_after_apply_rate),
        ];
        for (name, r) in rates {
            if !(0.0..=1.0).contains(&r) {
                return Err(SimError::Config(format!("{name} {r} is not within 0..1")));
            }
        }
        Ok(())
    }

    pub(crate) fn delay(&self, rng: &mut impl Rng) -> Duration {
        let jitter = if self.jitter.is_zero() {
            Duration::ZERO
        } else {
            self.jitter.mul_f64(rng.random::<f64>())
        };
        self.latency + jitter
    }

    pub(crate) fn pick(&self, rng: &mut impl Rng) -> Option<Injected> {
        let total = self.drop_rate + self.error_rate + self.throttle_rate + self.garbage_rate;
        if total <= 0.0 {
            return None;
        }
        let u: f64 = rng.random();
        let mut edge = self.drop_rate;
        if u < edge {
            return Some(Injected::Drop);
        }
        edge += self.error_rate;
        if u < edge {
            return Some(Injected::Error(
                [500, 502, 503, 504][rng.random_range(0..4)],
            ));
        }
        edge += self.throttle_rate;
        if u < edge {
            return Some(Injected::Throttle);
        }
        edge += self.garbage_rate;
        if u < edge {
            return Some(Injected::Garbage(rng.random_bool(0.5)));
        }
        None
    }

    pub(crate) fn drop_after_apply(&self, rng: &mut impl Rng) -> bool {
        self.drop_after_apply_rate > 0.0 && rng.random_bool(self.drop_after_apply_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn rates_are_honoured() {
        let f = Faults {
            drop_rate: 0.1,
            error_rate: 0.2,
            throttle_rate: 0.1,
            garbage_rate: 0.05,
            ..Faults::none()
        };
        let mut rng = StdRng::seed_from_u64(1);
        let picks: Vec<_> = (0..20_000).map(|_| f.pick(&mut rng)).collect();
        let share = |p: &dyn Fn(&Option<Injected>) -> bool| {
            picks.iter().filter(|x| p(x)).count() as f64 / picks.len() as f64
        };
        assert!((share(&|x| *x == Some(Injected::Drop)) - 0.1).abs() < 0.01);
        assert!((share(&|x| matches!(x, Some(Injected::Error(_)))) - 0.2).abs() < 0.015);
        assert!((share(&|x| *x == Some(Injected::Throttle)) - 0.1).abs() < 0.01);
        assert!((share(&|x| matches!(x, Some(Injected::Garbage(_)))) - 0.05).abs() < 0.01);
        assert!((share(&Option::is_none) - 0.55).abs() < 0.015);
    }

    #[test]
    fn no_faults_by_default_and_delay_bounds() {
        let mut rng = StdRng::seed_from_u64(2);
        assert_eq!(Faults::none().pick(&mut rng), None);
        let f = Faults {
            latency: Duration::from_millis(10),
            jitter: Duration::from_millis(5),
            ..Faults::none()
        };
        for _ in 0..100 {
            let d = f.delay(&mut rng);
            assert!(d >= Duration::from_millis(10) && d <= Duration::from_millis(15));
        }
        let bad = Faults {
            error_rate: 1.5,
            ..Faults::none()
        };
        assert!(bad.validate().is_err());
    }
}
