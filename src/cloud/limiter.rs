//! How fast and how many calls go out: one adaptive limiter per API and gateway host (the
//! gateway limits each API separately, and every project in a region goes through the same
//! host), under the user's optional hard ceilings on concurrency and rate.
//!
//! [`Pacer`] is the pure core (rate, slots, in-flight bound; time is passed in); this module
//! adds the waiting and the bookkeeping of calls in flight.

mod class;
mod pacer;
mod policy;
#[cfg(test)]
mod tests;

pub use class::ApiClass;
pub use pacer::{Outcome, Pacer, Phase};
pub use policy::Policy;

use std::collections::HashMap;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// Shared by every task of a client; cheap to clone.
#[derive(Clone)]
pub struct Limiter {
    shared: Arc<Shared>,
}

struct Shared {
    /// The user's concurrency: calls in flight across all APIs.
    slots: Arc<Semaphore>,
    ceiling: Option<f64>,
    /// The user's rate, across all APIs: fixed spacing, on top of each API's own pacing.
    spacing: Option<Mutex<Spacing>>,
    lanes: Mutex<HashMap<ApiClass, Hosts>>,
}

/// One API's lanes, by gateway host.
type Hosts = Vec<(String, Arc<Lane>)>;

/// One API on one host.
struct Lane {
    state: Mutex<LaneState>,
    /// Room in the in-flight bound.
    wake: Notify,
    /// Held by the caller waiting for the next slot.
    turn: tokio::sync::Mutex<()>,
    /// The rate changed: the slot being waited for may have moved.
    changed: Notify,
}

struct LaneState {
    pacer: Pacer,
    in_flight: usize,
}

struct Spacing {
    interval: Duration,
    next: Option<Instant>,
}

/// What one API's limiter looks like now, for benchmarks and diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct LaneReport {
    pub api: ApiClass,
    pub host: String,
    pub rate: f64,
    pub phase: Phase,
    pub policy: Option<Policy>,
    pub throttled: u64,
    pub window: usize,
}

/// Held while a call is in flight; [`Permit::finish`] reports its answer.
pub struct Permit {
    _slot: OwnedSemaphorePermit,
    lane: Arc<Lane>,
    sent: Instant,
}

impl Limiter {
    /// `concurrency` and `rate_ceiling` are hard ceilings; a non-finite or non-positive
    /// ceiling means none: each API's rate is then found from the gateway's answers.
    pub fn new(concurrency: usize, rate_ceiling: f64) -> Self {
        let ceiling = Some(rate_ceiling).filter(|c| c.is_finite() && *c > 0.0);
        Self {
            shared: Arc::new(Shared {
                slots: Arc::new(Semaphore::new(concurrency.max(1))),
                ceiling,
                spacing: ceiling.map(|c| {
                    Mutex::new(Spacing {
                        interval: Duration::from_secs_f64(1.0 / c),
                        next: None,
                    })
                }),
                lanes: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Waits for a concurrency slot, room in the API's in-flight bound, and the API's next
    /// send slot (and the global one under a user-set rate). Dropping the future at any
    /// point gives back what it held.
    pub async fn acquire(&self, api: ApiClass, host: &str) -> Permit {
        let slot = self
            .shared
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let lane = self.lane(api, host);
        loop {
            let mut notified = pin!(lane.wake.notified());
            notified.as_mut().enable();
            {
                let mut s = lane.lock();
                if s.in_flight < s.pacer.window() {
                    s.in_flight += 1;
                    if s.in_flight < s.pacer.window() {
                        // Room for more: pass the wake-up on rather than swallowing it.
                        lane.wake.notify_one();
                    }
                    break;
                }
            }
            notified.await;
        }
        // From here on a dropped future (a cancelled call) gives the in-flight place back.
        let mut permit = Permit {
            _slot: slot,
            lane,
            sent: Instant::now(),
        };
        {
            // One caller at a time waits for the next slot, so each interval is taken at the
            // rate of the moment: a cut or a rise applies to the very next call.
            let _turn = permit.lane.turn.lock().await;
            loop {
                let mut changed = pin!(permit.lane.changed.notified());
                changed.as_mut().enable();
                let now = Instant::now();
                let at = {
                    let mut s = permit.lane.lock();
                    let at = s.pacer.next_slot(now);
                    if at <= now {
                        s.pacer.take_slot(at);
                    }
                    at
                };
                if at <= now {
                    break;
                }
                tokio::select! {
                    () = tokio::time::sleep_until(at.into()) => {}
                    () = changed => {}
                }
            }
        }
        if let Some(spacing) = &self.shared.spacing {
            let now = Instant::now();
            let at = lock(spacing).reserve(now);
            if at > now {
                tokio::time::sleep_until(at.into()).await;
            }
        }
        permit.sent = Instant::now();
        permit
    }

    /// The lowest current rate among the hosts of `api`; `None` before its first call.
    pub fn rate(&self, api: ApiClass) -> Option<f64> {
        self.report()
            .into_iter()
            .filter(|r| r.api == api)
            .map(|r| r.rate)
            .reduce(f64::min)
    }

    /// Every API's limiter in use, sorted by API and host.
    pub fn report(&self) -> Vec<LaneReport> {
        let lanes = lock(&self.shared.lanes);
        let mut out: Vec<LaneReport> = lanes
            .iter()
            .flat_map(|(api, hosts)| {
                hosts.iter().map(|(host, lane)| {
                    let s = lane.lock();
                    LaneReport {
                        api: *api,
                        host: host.clone(),
                        rate: s.pacer.rate(),
                        phase: s.pacer.phase(),
                        policy: s.pacer.policy(),
                        throttled: s.pacer.throttled(),
                        window: s.pacer.window(),
                    }
                })
            })
            .collect();
        out.sort_by(|a, b| (a.api, &a.host).cmp(&(b.api, &b.host)));
        out
    }

    fn lane(&self, api: ApiClass, host: &str) -> Arc<Lane> {
        let mut lanes = lock(&self.shared.lanes);
        let hosts = lanes.entry(api).or_default();
        if let Some((_, lane)) = hosts.iter().find(|(h, _)| h == host) {
            return lane.clone();
        }
        let lane = Arc::new(Lane {
            state: Mutex::new(LaneState {
                pacer: Pacer::new(self.shared.ceiling),
                in_flight: 0,
            }),
            wake: Notify::new(),
            turn: tokio::sync::Mutex::new(()),
            changed: Notify::new(),
        });
        hosts.push((host.to_owned(), lane.clone()));
        lane
    }
}

impl Permit {
    /// Reports the answer (or its absence) and frees the in-flight place.
    pub fn finish(self, outcome: Outcome) {
        self.lane
            .lock()
            .pacer
            .record(self.sent, Instant::now(), outcome);
        self.lane.changed.notify_waiters();
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.lane.lock().in_flight -= 1;
        self.lane.wake.notify_one();
    }
}

impl Lane {
    fn lock(&self) -> MutexGuard<'_, LaneState> {
        lock(&self.state)
    }
}

impl Spacing {
    fn reserve(&mut self, now: Instant) -> Instant {
        let slot = self.next.filter(|n| *n > now).unwrap_or(now);
        self.next = Some(slot + self.interval);
        slot
    }
}

/// A panic while holding one of these locks cannot leave the state inconsistent; keep going.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
