//! Concurrency bound plus an adaptive request-rate ceiling shared by every call of a client.
//!
//! The rate follows AIMD, like TCP: halve on a throttled answer, climb back by a fixed number
//! of requests per second for each second of success, never above the configured ceiling.
//! [`Pacer`] is the pure core (time is passed in); [`Limiter`] adds the async waiting.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug, Clone)]
pub struct Pacer {
    rate: f64,
    ceiling: f64,
    floor: f64,
    /// Requests per second regained per second of throttle-free traffic.
    climb: f64,
    next_slot: Option<Instant>,
    last_throttle: Option<Instant>,
}

impl Pacer {
    pub fn new(ceiling: f64) -> Self {
        let ceiling = if ceiling.is_finite() && ceiling > 0.0 {
            ceiling
        } else {
            1.0
        };
        Self {
            rate: ceiling,
            ceiling,
            floor: (ceiling / 64.0).max(0.2).min(ceiling),
            climb: (ceiling / 8.0).max(0.5),
            next_slot: None,
            last_throttle: None,
        }
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Reserves the next send slot at or after `now` and returns it.
    pub fn reserve(&mut self, now: Instant) -> Instant {
        let slot = match self.next_slot {
            Some(next) if next > now => next,
            _ => now,
        };
        self.next_slot = Some(slot + Duration::from_secs_f64(1.0 / self.rate));
        slot
    }

    /// A 429: halve the rate, at most once per current interval so a burst of 429s from
    /// requests already in flight counts as one signal.
    pub fn on_throttled(&mut self, now: Instant) {
        let recent = self
            .last_throttle
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs_f64(1.0 / self.rate));
        if !recent {
            self.rate = (self.rate / 2.0).max(self.floor);
            self.last_throttle = Some(now);
        }
    }

    /// A non-throttled answer `elapsed` after the previous one: climb additively.
    pub fn on_success(&mut self, elapsed: Duration) {
        let gain = self.climb * elapsed.as_secs_f64().min(1.0);
        self.rate =
            (self.rate + gain.max(self.climb / self.rate.max(1.0) / 10.0)).min(self.ceiling);
    }
}

/// Shared by every task of a client; cheap to clone.
#[derive(Clone)]
pub struct Limiter {
    slots: Arc<Semaphore>,
    pacer: Arc<Mutex<(Pacer, Instant)>>,
}

pub struct Permit {
    _slot: OwnedSemaphorePermit,
}

impl Limiter {
    pub fn new(concurrency: usize, rate_ceiling: f64) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            pacer: Arc::new(Mutex::new((Pacer::new(rate_ceiling), Instant::now()))),
        }
    }

    /// Waits for a free concurrency slot and the next rate slot.
    pub async fn acquire(&self) -> Permit {
        let slot = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let now = Instant::now();
        let at = self.lock().0.reserve(now);
        // A timer, even an expired one, waits for the next 1 ms tick: skip it when free.
        if at > now {
            tokio::time::sleep_until(at.into()).await;
        }
        Permit { _slot: slot }
    }

    pub fn on_throttled(&self) {
        self.lock().0.on_throttled(Instant::now());
    }

    pub fn on_success(&self) {
        let mut guard = self.lock();
        let now = Instant::now();
        let elapsed = now.duration_since(guard.1);
        guard.1 = now;
        guard.0.on_success(elapsed);
    }

    pub fn rate(&self) -> f64 {
        self.lock().0.rate()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Pacer, Instant)> {
        // A panic while holding this lock cannot leave the pacer inconsistent; keep going.
        self.pacer.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_spaced_by_the_rate() {
        let mut p = Pacer::new(10.0);
        let t0 = Instant::now();
        let a = p.reserve(t0);
        let b = p.reserve(t0);
        let c = p.reserve(t0);
        assert_eq!(a, t0);
        assert_eq!(b - a, Duration::from_millis(100));
        assert_eq!(c - b, Duration::from_millis(100));
        // An idle gap does not bank up a burst.
        let later = t0 + Duration::from_secs(5);
        assert_eq!(p.reserve(later), later);
    }

    #[test]
    fn throttling_halves_once_per_burst_and_success_climbs_back_to_the_ceiling() {
        let mut p = Pacer::new(100.0);
        let t0 = Instant::now();
        p.on_throttled(t0);
        p.on_throttled(t0 + Duration::from_millis(1));
        assert_eq!(p.rate(), 50.0);
        p.on_throttled(t0 + Duration::from_millis(100));
        assert_eq!(p.rate(), 25.0);
        for _ in 0..20 {
            p.on_success(Duration::from_secs(1));
        }
        assert_eq!(p.rate(), 100.0);
    }

    #[test]
    fn never_below_the_floor_and_bad_ceilings_are_sane() {
        let mut p = Pacer::new(10.0);
        let t0 = Instant::now();
        for i in 0..50 {
            p.on_throttled(t0 + Duration::from_secs(i * 10));
        }
        assert!(p.rate() >= 0.2);
        assert_eq!(Pacer::new(f64::NAN).rate(), 1.0);
        assert_eq!(Pacer::new(-3.0).rate(), 1.0);
    }

    #[tokio::test]
    async fn concurrency_is_bounded() {
        let l = Limiter::new(2, 1000.0);
        let _a = l.acquire().await;
        let _b = l.acquire().await;
        let third = tokio::time::timeout(Duration::from_millis(50), l.acquire()).await;
        assert!(third.is_err(), "a third permit must wait");
    }
}
