//! The limiter against a model of the gateway, on a fake clock: a token bucket per API (a
//! burst of `limit`, refilled at `limit` per window), a fixed round trip, and a caller that
//! keeps the limiter's in-flight bound full and retries every 429 at once, as the audit does.

use super::pacer::{CLIMB_SHARE, CUT, EXIT_CUT, NOT_OURS, SETTLE, START_RATE};
use super::*;

const RTT: Duration = Duration::from_millis(20);
const TICK: Duration = Duration::from_micros(500);

struct Bucket {
    capacity: f64,
    per_sec: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn new(limit: f64, window: Duration, t0: Instant) -> Self {
        Self {
            capacity: limit.max(1.0),
            per_sec: limit / window.as_secs_f64(),
            tokens: limit.max(1.0),
            at: t0,
        }
    }

    fn admit(&mut self, now: Instant) -> bool {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + dt * self.per_sec).min(self.capacity);
        self.at = now;
        let ok = self.tokens >= 1.0;
        if ok {
            self.tokens -= 1.0;
        }
        ok
    }
}

#[derive(Debug)]
struct Run {
    /// Completed calls per second between the first and the last completion, over the limit.
    ratio: f64,
    throttled_share: f64,
    final_rate: f64,
}

/// `calls` calls through `pacer` against a bucket of `limit` per `window`; `noise` is the
/// share of answers throttled at random with `noise_policy` in the body (the chaos test's
/// injected 429s), drawn from a fixed sequence.
fn drive(
    mut pacer: Pacer,
    limit: f64,
    window: Duration,
    stated: bool,
    calls: usize,
    noise: f64,
) -> Run {
    let t0 = Instant::now();
    let mut bucket = Bucket::new(limit, window, t0);
    let policy = Policy {
        limit: limit as u64,
        window,
    };
    let mut pending = calls;
    let mut flying: Vec<(Instant, Instant, bool)> = Vec::new();
    let (mut done, mut sent, mut throttled) = (0usize, 0usize, 0usize);
    let (mut first, mut last) = (None, t0);
    let mut draw = 0x2545_f491_4f6c_dd1du64;
    let mut now = t0;
    while done < calls {
        assert!(
            now - t0 < Duration::from_secs(3600),
            "never finished: {pacer:?}"
        );
        flying.retain(|&(at, when_sent, ok)| {
            if at > now {
                return true;
            }
            if ok {
                pacer.record(when_sent, at, Outcome::Ok);
                done += 1;
                first.get_or_insert(at);
                last = at;
            } else {
                pacer.record(when_sent, at, Outcome::Throttled(stated.then_some(policy)));
                pending += 1;
            }
            false
        });
        while pending > 0 && flying.len() < pacer.window() {
            let slot = pacer.next_slot(now);
            if slot > now {
                break;
            }
            pacer.take_slot(slot);
            pending -= 1;
            draw ^= draw << 13;
            draw ^= draw >> 7;
            draw ^= draw << 17;
            let noisy = (draw % 10_000) as f64 / 10_000.0 < noise;
            let ok = !noisy && bucket.admit(now);
            throttled += usize::from(!ok);
            sent += 1;
            flying.push((now + RTT, slot, ok));
        }
        if std::env::var_os("PACER_TRACE").is_some()
            && (now - t0).as_micros().is_multiple_of(50_000)
        {
            println!(
                "t {:>6.3} rate {:>8.1} done {done:>5} sent {sent:>5} throttled {throttled:>4} window {}",
                (now - t0).as_secs_f64(),
                pacer.rate(),
                pacer.window()
            );
        }
        now += TICK;
    }
    let span = (last - first.unwrap()).as_secs_f64();
    Run {
        ratio: (calls - 1) as f64 / span / (limit / window.as_secs_f64()),
        throttled_share: throttled as f64 / sent as f64,
        final_rate: pacer.rate(),
    }
}

fn find(limit: f64, stated: bool, calls: usize) -> Run {
    drive(
        Pacer::new(None),
        limit,
        Duration::from_secs(1),
        stated,
        calls,
        0.0,
    )
}

/// Every limit of the range, with and without the policy in the body; all results are
/// printed before the first failure is reported.
fn check_range(stated: bool) {
    let mut bad = Vec::new();
    for (limit, calls) in [
        (5.0, 600),
        (10.0, 1000),
        (60.0, 2000),
        (200.0, 2000),
        (500.0, 2000),
    ] {
        let run = find(limit, stated, calls);
        println!("limit {limit}/s, policy stated {stated}: {run:?}");
        let settled = if stated {
            limit * SETTLE + 1e-9
        } else {
            limit * 1.3
        };
        // Probing at 5/s costs one 429 per climb over the limit, a larger share of the
        // few calls a second than at the benchmark's limits of 10 and up.
        let share = if limit < 10.0 && !stated { 0.05 } else { 0.03 };
        if run.ratio < 0.9 || run.throttled_share > share || run.final_rate > settled {
            bad.push((limit, run));
        }
    }
    assert!(bad.is_empty(), "{bad:?}");
}

#[test]
fn probing_finds_an_unstated_limit_from_5_to_500() {
    check_range(false);
}

#[test]
fn a_stated_policy_is_settled_just_under() {
    check_range(true);
    // Per minute: 600 calls a minute is 10 a second, however the burst went.
    let run = drive(
        Pacer::new(None),
        600.0,
        Duration::from_secs(60),
        true,
        1500,
        0.0,
    );
    assert!((run.final_rate - 10.0 * SETTLE).abs() < 1e-9, "{run:?}");
}

#[test]
fn the_policy_in_a_429_caps_the_rate_at_once() {
    let t0 = Instant::now();
    let mut p = Pacer::new(Some(1000.0));
    assert_eq!(p.rate(), 1000.0);
    let policy = Policy::parse("policy user over ratelimit,limit:60,time:1 second");
    p.record(t0, t0 + RTT, Outcome::Throttled(policy));
    assert_eq!(p.rate(), 60.0 * SETTLE);
    assert_eq!(p.policy(), policy);
    // Successes never lift it past the policy.
    for i in 0..10_000u64 {
        let at = t0 + RTT + Duration::from_millis(i);
        p.record(at, at + RTT, Outcome::Ok);
    }
    assert_eq!(p.rate(), 60.0 * SETTLE);
}

#[test]
fn a_429_cuts_once_for_the_calls_already_in_flight() {
    let t0 = Instant::now();
    let mut p = Pacer::new(Some(100.0));
    let at = t0 + RTT;
    p.record(t0, at, Outcome::Throttled(None));
    assert_eq!(p.rate(), 100.0 * CUT);
    // Answers to calls sent before the cut: no further cut.
    for i in 0..5 {
        p.record(
            t0 + Duration::from_millis(i),
            at + Duration::from_millis(i),
            Outcome::Throttled(None),
        );
    }
    assert_eq!(p.rate(), 100.0 * CUT);
    // A call sent after the cut and throttled too: cut again.
    p.record(
        at + Duration::from_millis(1),
        at + RTT * 2,
        Outcome::Throttled(None),
    );
    assert!((p.rate() - 100.0 * CUT * CUT).abs() < 1e-9, "{}", p.rate());
    assert_eq!(p.throttled(), 7);
}

#[test]
fn slow_start_ends_with_a_halving_and_the_rate_climbs_back_gently() {
    let t0 = Instant::now();
    let mut p = Pacer::new(None);
    assert_eq!((p.rate(), p.phase()), (START_RATE, Phase::SlowStart));
    let mut at = t0;
    while p.rate() < 80.0 {
        p.record(at, at + RTT, Outcome::Ok);
        at += Duration::from_millis(5);
    }
    let before = p.rate();
    p.record(at, at + RTT, Outcome::Throttled(None));
    assert_eq!(p.phase(), Phase::Avoid);
    assert!((p.rate() - before * EXIT_CUT).abs() < 1e-9);
    // After the episode, one second of successes at the rate adds CLIMB_SHARE of it.
    let cut = p.rate();
    let later = at + Duration::from_secs(5);
    let n = cut.round() as u64;
    for i in 0..n {
        let s = later + Duration::from_secs_f64(i as f64 / cut);
        p.record(s, s + RTT, Outcome::Ok);
    }
    let gained = p.rate() - cut;
    assert!(
        (gained - CLIMB_SHARE * cut).abs() < 0.2 * CLIMB_SHARE * cut,
        "gained {gained} from {cut}"
    );
}

#[test]
fn random_429s_far_under_a_stated_policy_do_not_drag_the_rate_down() {
    // The chaos test's injected 429s: 10% of answers, each stating the default 200/s policy,
    // against a gateway that would otherwise admit everything.
    let t0 = Instant::now();
    let mut p = Pacer::new(Some(20_000.0));
    let policy = Policy::parse("limit:200,time:1 second");
    let mut at = t0;
    let mut lowest = f64::INFINITY;
    for i in 0..20_000u64 {
        let outcome = if i % 10 == 3 {
            Outcome::Throttled(policy)
        } else {
            Outcome::Ok
        };
        let step = Duration::from_secs_f64(1.0 / p.rate());
        p.record(at, at + RTT, outcome);
        at += step;
        if i > 1000 {
            lowest = lowest.min(p.rate());
        }
    }
    assert!(lowest >= NOT_OURS * 200.0 * CUT, "fell to {lowest}");
    assert!(p.rate() <= 200.0 * SETTLE);
}

#[test]
fn the_in_flight_bound_follows_rate_times_latency() {
    let t0 = Instant::now();
    let mut p = Pacer::new(Some(200.0));
    for i in 0..200u64 {
        let s = t0 + Duration::from_millis(i * 5);
        p.record(s, s + Duration::from_millis(80), Outcome::Ok);
    }
    // 200/s at 80 ms is 16 in flight; the bound leaves room above that.
    assert!(p.window() > 32, "{}", p.window());
    let mut slow = Pacer::new(Some(5.0));
    slow.record(t0, t0 + Duration::from_millis(20), Outcome::Ok);
    assert!(slow.window() <= 8, "{}", slow.window());
}

#[test]
fn slots_are_spaced_by_the_rate_and_an_idle_gap_banks_no_burst() {
    let mut p = Pacer::new(Some(10.0));
    let t0 = Instant::now();
    assert_eq!(p.next_slot(t0), t0);
    p.take_slot(t0);
    let b = p.next_slot(t0);
    assert_eq!(b - t0, Duration::from_millis(100));
    p.take_slot(b);
    // Woken 1 ms late: the schedule, not the wake-up, sets the next slot.
    let late = b + Duration::from_millis(1);
    assert_eq!(p.next_slot(late), b + Duration::from_millis(100));
    // After an idle spell, at most a couple of milliseconds are made up.
    let later = t0 + Duration::from_secs(5);
    assert_eq!(
        p.next_slot(later),
        later.checked_sub(Duration::from_millis(2)).unwrap()
    );
}

#[test]
fn bad_ceilings_mean_none_and_the_rate_never_reaches_zero() {
    assert_eq!(Pacer::new(Some(f64::NAN)).rate(), START_RATE);
    assert_eq!(Pacer::new(Some(-3.0)).rate(), START_RATE);
    let mut p = Pacer::new(Some(10.0));
    let t0 = Instant::now();
    for i in 0..200u64 {
        let s = t0 + Duration::from_secs(i);
        p.record(s, s + RTT, Outcome::Throttled(None));
    }
    assert!(p.rate() > 0.0);
}

#[tokio::test]
async fn each_api_has_its_own_limiter_and_hosts_are_apart() {
    let l = Limiter::new(64, f64::INFINITY);
    let flag = l.acquire(ApiClass::EcsFlag, "ecs.a").await;
    let list = l.acquire(ApiClass::EcsList, "ecs.a").await;
    let other_host = l.acquire(ApiClass::EcsFlag, "ecs.b").await;
    flag.finish(Outcome::Throttled(Policy::parse("limit:2,time:1 second")));
    list.finish(Outcome::Ok);
    other_host.finish(Outcome::Ok);
    let report = l.report();
    let rate = |api, host: &str| {
        report
            .iter()
            .find(|r| r.api == api && r.host == host)
            .map(|r| r.rate)
            .unwrap()
    };
    assert_eq!(rate(ApiClass::EcsFlag, "ecs.a"), 2.0 * SETTLE);
    assert!(rate(ApiClass::EcsList, "ecs.a") > START_RATE);
    assert!(rate(ApiClass::EcsFlag, "ecs.b") > START_RATE);
    assert_eq!(l.rate(ApiClass::EcsFlag), Some(2.0 * SETTLE));
    assert_eq!(l.rate(ApiClass::Job), None);
}

#[tokio::test]
async fn concurrency_is_a_hard_ceiling_and_a_cancelled_wait_gives_its_place_back() {
    let l = Limiter::new(2, 1000.0);
    let a = l.acquire(ApiClass::EcsFlag, "h").await;
    let _b = l.acquire(ApiClass::EcsList, "h").await;
    let third = tokio::time::timeout(Duration::from_millis(50), l.acquire(ApiClass::Job, "h"));
    assert!(third.await.is_err(), "a third permit must wait");
    drop(a);
    let third = tokio::time::timeout(Duration::from_secs(5), l.acquire(ApiClass::Job, "h"));
    assert!(third.await.is_ok());
}
