//! The pure core of one API's limiter: when the next call may go, and how the rate follows
//! the answers. Time is passed in, so every rule is tested with a fake clock.
//!
//! * **Slow start** from `START_RATE` (the lowest limit worth planning for): each success
//!   adds to the rate so that it doubles every [`DOUBLING`] × (1 + rate / [`KNEE`]) seconds,
//!   fast while the rate is low and gentler as it grows. A token bucket lets a burst through
//!   before it throttles, so the first 429 arrives only once the rate is already past the
//!   limit; the gentler doubling keeps that overshoot to a few round trips' worth of calls.
//! * **The first throttled answer** halves the rate and ends slow start. While 429s keep
//!   coming, the gateway's bucket is empty and admits calls at exactly its limit, so the
//!   successes counted since that first 429 measure the limit; the next cut goes straight to
//!   [`SETTLE`] × that measure instead of halving again.
//! * **Congestion avoidance** afterwards: additive increase by [`CLIMB_SHARE`] of the rate set
//!   at the last cut per second of successes, multiplicative decrease by [`CUT`] on a 429.
//! * **A stated policy** (`limit:N,time:1 second`) caps the rate at [`SETTLE`] × N per second
//!   at once. A 429 while the rate is below [`NOT_OURS`] × N cannot be this client's doing
//!   (another client on the same key, or a gateway hiccup): it is retried, but does not cut.
//! * A 429 for a call sent before the last cut was sent at the old rate: it is counted, but
//!   cuts nothing, so a burst of answers to calls already in flight is one signal, not many.
//! * A user-set ceiling caps everything, and is where the rate starts.

use super::policy::Policy;
use std::time::{Duration, Instant};

/// Where slow start begins without a user-set rate, calls per second.
pub const START_RATE: f64 = 5.0;
/// Beyond any gateway; only keeps the arithmetic finite when nothing ever throttles.
pub const MAX_RATE: f64 = 100_000.0;
const FLOOR: f64 = 0.05;
/// The share of a stated or measured limit the rate settles at.
pub const SETTLE: f64 = 0.95;
/// Slow start's doubling time at a low rate, seconds.
pub const DOUBLING: f64 = 0.1;
/// The rate at which slow start's doubling time has doubled, calls per second.
pub const KNEE: f64 = 100.0;
/// The cut that ends slow start.
pub const EXIT_CUT: f64 = 0.5;
/// The cut on a 429 afterwards.
pub const CUT: f64 = 0.9;
/// Additive increase per second, as a share of the rate set at the last cut.
pub const CLIMB_SHARE: f64 = 0.01;
const CLIMB_MIN: f64 = 0.01;
/// Below this share of a stated policy, a 429 is not a signal about this client's rate.
pub const NOT_OURS: f64 = 0.8;
/// Successes needed before the count since the first 429 is trusted as the limit.
pub const MIN_SAMPLES: u32 = 8;
const ALPHA: f64 = 0.125;
/// How far behind schedule a slot may still be taken (a timer wakes up to 1 ms late).
const CATCH_UP: Duration = Duration::from_millis(2);
const ASSUMED_LATENCY: Duration = Duration::from_millis(200);
/// The in-flight bound is this many round trips' worth of calls at the current rate, plus
/// [`WINDOW_SPARE`]: enough to keep the rate's slots filled when the latency wobbles.
const WINDOW_RTTS: f64 = 2.0;
const WINDOW_SPARE: usize = 4;
const WINDOW_MAX: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    SlowStart,
    Avoid,
}

/// What one answer says about the rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// Answered and not throttled (any status but 429: an API error is still an answer).
    Ok,
    /// 429, with the policy its body stated.
    Throttled(Option<Policy>),
    /// No answer, or a 5xx: nothing about the rate.
    Other,
}

#[derive(Debug, Clone)]
struct Episode {
    /// When the first 429 of the episode arrived.
    start: Instant,
    /// Successes since then.
    oks: u32,
    last_throttle: Instant,
}

#[derive(Debug, Clone)]
pub struct Pacer {
    rate: f64,
    ceiling: f64,
    policy: Option<Policy>,
    phase: Phase,
    /// Calls per second regained per second of successes.
    climb: f64,
    last_slot: Option<Instant>,
    last_cut: Option<Instant>,
    episode: Option<Episode>,
    latency: Option<Duration>,
    throttled: u64,
}

impl Pacer {
    /// `ceiling`: the user's rate, or `None` (also for a non-finite or non-positive value)
    /// to find the gateway's limit from `START_RATE`.
    pub fn new(ceiling: Option<f64>) -> Self {
        let ceiling = ceiling.filter(|c| c.is_finite() && *c > 0.0);
        let (rate, phase) = match ceiling {
            Some(c) => (c.min(MAX_RATE), Phase::Avoid),
            None => (START_RATE, Phase::SlowStart),
        };
        Self {
            rate,
            ceiling: ceiling.unwrap_or(f64::INFINITY),
            policy: None,
            phase,
            climb: (CLIMB_SHARE * rate).max(CLIMB_MIN),
            last_slot: None,
            last_cut: None,
            episode: None,
            latency: None,
            throttled: 0,
        }
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn policy(&self) -> Option<Policy> {
        self.policy
    }

    /// Throttled answers seen, stale ones included.
    pub fn throttled(&self) -> u64 {
        self.throttled
    }

    pub fn latency(&self) -> Option<Duration> {
        self.latency
    }

    /// The most the rate may reach: the ceiling, and just under a stated policy.
    pub fn target(&self) -> f64 {
        let policy = self
            .policy
            .map_or(f64::INFINITY, |p| p.per_second() * SETTLE);
        self.ceiling.min(policy).min(MAX_RATE)
    }

    /// Calls that may be in flight at once: the rate times the round trip, with room to
    /// spare, so a fast gateway far away is not starved by a fixed number.
    pub fn window(&self) -> usize {
        let rtt = self.latency.unwrap_or(ASSUMED_LATENCY).as_secs_f64();
        let calls = (self.rate * rtt * WINDOW_RTTS).ceil();
        (calls as usize)
            .saturating_add(WINDOW_SPARE)
            .min(WINDOW_MAX)
    }

    /// When the next call may go: one interval at the current rate after the last slot,
    /// but never earlier than `CATCH_UP` before `now`, so an idle spell banks no burst
    /// while a waiter woken late by the timer does not slow the schedule down.
    pub fn next_slot(&self, now: Instant) -> Instant {
        match self.last_slot {
            None => now,
            Some(last) => {
                let due = last + Duration::from_secs_f64(1.0 / self.rate);
                due.max(now.checked_sub(CATCH_UP).unwrap_or(now))
            }
        }
    }

    /// Takes the slot [`Pacer::next_slot`] gave, once it has come.
    pub fn take_slot(&mut self, slot: Instant) {
        self.last_slot = Some(slot);
    }

    /// The answer to a call released at `sent`, arriving at `now`.
    pub fn record(&mut self, sent: Instant, now: Instant, outcome: Outcome) {
        match outcome {
            Outcome::Other => {}
            Outcome::Ok => {
                self.sample_latency(now.saturating_duration_since(sent));
                self.on_ok(sent, now);
            }
            Outcome::Throttled(policy) => {
                self.sample_latency(now.saturating_duration_since(sent));
                self.on_throttled(sent, now, policy);
            }
        }
    }

    fn sample_latency(&mut self, sample: Duration) {
        self.latency = Some(match self.latency {
            None => sample,
            Some(l) => l.mul_f64(1.0 - ALPHA) + sample.mul_f64(ALPHA),
        });
    }

    /// How long without a 429 before an episode of throttling is over.
    fn quiet_period(&self) -> Duration {
        let rtt = self.latency.unwrap_or(ASSUMED_LATENCY);
        (rtt * 4).max(Duration::from_secs_f64(2.0 / self.rate))
    }

    fn on_ok(&mut self, sent: Instant, now: Instant) {
        if let Some(ep) = &mut self.episode {
            ep.oks = ep.oks.saturating_add(1);
            if now.saturating_duration_since(ep.last_throttle) < self.quiet_period() {
                return;
            }
            self.episode = None;
        }
        if self.last_cut.is_some_and(|cut| sent < cut) {
            return;
        }
        let gain = match self.phase {
            Phase::SlowStart => {
                let doubling = DOUBLING * (1.0 + self.rate / KNEE);
                (std::f64::consts::LN_2 / doubling).min(self.rate)
            }
            Phase::Avoid => (self.climb / self.rate).min(self.rate * 0.25),
        };
        self.rate = (self.rate + gain).min(self.target());
    }

    fn on_throttled(&mut self, sent: Instant, now: Instant, policy: Option<Policy>) {
        self.throttled += 1;
        if policy.is_some() {
            self.policy = policy;
        }
        let target = self.target();
        if self.rate > target {
            self.cut_to(target, now);
            self.note_throttle(now);
            return;
        }
        if let Some(p) = self.policy
            && self.rate < NOT_OURS * p.per_second()
        {
            return;
        }
        let stale = self.last_cut.is_some_and(|cut| sent < cut);
        self.note_throttle(now);
        if stale {
            return;
        }
        let share = match self.phase {
            Phase::SlowStart => EXIT_CUT,
            Phase::Avoid => CUT,
        };
        let mut rate = self.rate * share;
        if let Some(ep) = &self.episode {
            let span = now.saturating_duration_since(ep.start).as_secs_f64();
            if ep.oks >= MIN_SAMPLES && span > 0.0 {
                rate = rate.min(SETTLE * f64::from(ep.oks) / span);
            }
        }
        self.cut_to(rate, now);
    }

    fn note_throttle(&mut self, now: Instant) {
        match &mut self.episode {
            Some(ep) => ep.last_throttle = now,
            None => {
                self.episode = Some(Episode {
                    start: now,
                    oks: 0,
                    last_throttle: now,
                });
            }
        }
    }

    fn cut_to(&mut self, rate: f64, now: Instant) {
        let target = self.target();
        self.rate = rate.max(FLOOR.min(target)).min(target);
        self.phase = Phase::Avoid;
        self.climb = (CLIMB_SHARE * self.rate).max(CLIMB_MIN);
        self.last_cut = Some(now);
    }
}
