//! Audit throughput against the simulator, printed as ratios, all scenarios in one run.
//!
//! Run: `cargo bench --bench audit`.
//! 1. latency-bound: 2,000 servers over 10 projects, 20 ms per request, concurrency 16 and
//!    a 5,000/s ceiling. The lower bound is one list round plus `flags × latency /
//!    concurrency`. Target: ≤ 1.2× the bound.
//! 2. finding the limit: the simulator's token bucket per key and API at 10, 60, 200 and
//!    500 calls/s (20 ms per request, 2,000 servers), once with the policy stated in each
//!    429 and once without; the client runs from the DEFAULT config (no rate ceiling,
//!    default concurrency, retries and back-off), so it is told nothing. Prints the flag rate
//!    from the first to the last flag as a fraction of the limit (target ≥ 0.9), the share of
//!    all requests answered 429 (target ≤ 3%), and flags that disagree with the simulator
//!    (target 0). Each run has its own simulator; the two of a limit go at once, the limits
//!    one after the other (the 10/s pair takes about 200 s). `BENCH_LIMITS=60,500` picks
//!    limits, `BENCH_SERVERS` the fleet size, `BENCH_ONLY_LIMITS=1` skips scenario 1.

use ecsreset::audit::{self, AuditEvent, AuditOptions};
use ecsreset::cloud::{Cloud, Credentials, ProjectRef, RetryPolicy, Settings};
use ecsreset::sim::{Faults, Fleet, Sim, SimConfig, ThrottleStyle, ThrottleWindow};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const PROJECTS: usize = 10;
const SERVERS: usize = 200;
const PAGE: u32 = 1000;

struct Run {
    wall: Duration,
    flags: usize,
    unknown: usize,
}

/// The simulator runs on its own runtime and thread, like a remote peer: sharing the client's
/// worker threads would make its timers and handlers queue behind the client's work.
struct Remote {
    sim: Sim,
    _rt: tokio::runtime::Runtime,
}

fn start_remote(
    faults: Faults,
    throttle: Option<f64>,
    style: ThrottleStyle,
    servers: usize,
) -> (Remote, Vec<ProjectRef>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (sim, projects) = rt.block_on(start(faults, throttle, style, servers));
    (Remote { sim, _rt: rt }, projects)
}

async fn start(
    faults: Faults,
    throttle: Option<f64>,
    style: ThrottleStyle,
    servers: usize,
) -> (Sim, Vec<ProjectRef>) {
    let fleet = Fleet::generate(PROJECTS, servers, 42);
    let projects = fleet
        .projects
        .iter()
        .filter(|p| !p.servers.is_empty())
        .map(|p| ProjectRef {
            id: p.id.clone(),
            region: p.region.clone().unwrap_or_default(),
        })
        .collect();
    let mut cfg = SimConfig::new(fleet);
    cfg.faults = faults;
    cfg.throttle = throttle;
    cfg.throttle_style = style;
    let sim = Sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts");
    (sim, projects)
}

fn client_observed(
    sim: &Sim,
    concurrency: usize,
    ceiling: f64,
    observer: Option<ecsreset::cloud::Observer>,
) -> Cloud {
    let c = &sim.credentials()[0];
    let creds = Credentials {
        access_key: c.access_key.clone(),
        secret_key: c.secret_key.clone(),
        security_token: None,
    };
    let mut s = Settings::new(sim.base_url(), sim.base_url(), creds);
    s.concurrency = concurrency;
    s.rate_per_second = ceiling;
    s.retry = RetryPolicy {
        retries: 8,
        base: Duration::from_millis(100),
        cap: Duration::from_secs(2),
    };
    s.observer = observer;
    Cloud::new(s).expect("client")
}

async fn audit_once(cloud: &Cloud, projects: &[ProjectRef], concurrency: usize) -> Run {
    let (flags, unknown) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let sink = |e: AuditEvent| {
        if let AuditEvent::Flag { outcome, .. } = e {
            flags.fetch_add(1, Ordering::Relaxed);
            if outcome.is_err() {
                unknown.fetch_add(1, Ordering::Relaxed);
            }
        }
    };
    let started = Instant::now();
    audit::run(
        cloud,
        projects,
        AuditOptions {
            page_size: PAGE,
            concurrency,
        },
        &sink,
    )
    .await;
    Run {
        wall: started.elapsed(),
        flags: flags.into_inner(),
        unknown: unknown.into_inner(),
    }
}

async fn latency_bound(remote: &Remote, projects: &[ProjectRef], latency: Duration) {
    let concurrency = env_or("BENCH_CONCURRENCY", 16.0) as usize;
    let ceiling = env_or("BENCH_CEILING", 5000.0);
    let sim = &remote.sim;
    let latencies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = latencies.clone();
    let observer: ecsreset::cloud::Observer =
        std::sync::Arc::new(move |r: ecsreset::cloud::CallRecord| {
            sink.lock().unwrap().push((r.at, r.latency));
        });
    let cloud = client_observed(sim, concurrency, ceiling, Some(observer));
    // Warm the connection pool so the first round does not pay for TCP set-up.
    let _ = cloud.list_servers_page(&projects[0], 1, 1).await;
    let run = audit_once(&cloud, projects, concurrency).await;
    let n = run.flags as f64;
    let by_latency = latency.as_secs_f64() * (1.0 + (n / concurrency as f64).ceil());
    let by_rate = (n + projects.len() as f64) / ceiling;
    let bound = by_latency.max(by_rate);
    println!(
        "== latency-bound audit: {} servers over {} projects, {} ms per request",
        run.flags,
        projects.len(),
        latency.as_millis()
    );
    println!("concurrency {concurrency}, rate ceiling {ceiling}/s");
    println!("wall time        {:>8.3} s", run.wall.as_secs_f64());
    println!("lower bound      {bound:>8.3} s  (one list round + flags x latency / concurrency)");
    println!(
        "ratio            {:>8.3}x  (target <= 1.2)",
        run.wall.as_secs_f64() / bound
    );
    let timed = latencies.lock().unwrap().clone();
    let t0 = timed.iter().map(|t| t.0).min().unwrap();
    let mut slow = timed.clone();
    slow.sort_by_key(|t| std::cmp::Reverse(t.1));
    if std::env::var_os("BENCH_SHOW_SLOW").is_some() {
        for (at, lat) in slow.iter().take(12) {
            println!(
                "slow: started +{} ms, took {lat:?}",
                (*at - t0).num_milliseconds()
            );
        }
    }
    let mut l: Vec<Duration> = timed.iter().map(|t| t.1).collect();
    l.sort();
    println!(
        "request latency  p50 {:?}  p99 {:?}  max {:?}",
        l[l.len() / 2],
        l[l.len() * 99 / 100],
        l[l.len() - 1]
    );
    println!("unknown flags    {:>8}", run.unknown);
}

/// What one run against a throttling simulator came to.
struct Limited {
    limit: f64,
    stated: bool,
    flags: usize,
    span: f64,
    unknown: usize,
    wrong: usize,
    requests: u64,
    throttled: u64,
    flag_rate: Option<f64>,
    learned: bool,
}

async fn find_the_limit(
    remote: &Remote,
    projects: &[ProjectRef],
    limit: f64,
    stated: bool,
) -> Limited {
    let sim = &remote.sim;
    let cred = &sim.credentials()[0];
    // The default config with only the endpoint and the keys filled in, as a user has it.
    let mut config = ecsreset::config::Config::default();
    config.endpoints.ecs = sim.base_url();
    config.endpoints.iam = sim.base_url();
    config.credentials = Some(ecsreset::config::Credentials {
        access_key: cred.access_key.clone(),
        secret_key: cred.secret_key.clone(),
        security_token: None,
        project_id: None,
    });
    let settings = ecsreset::commands::context::settings(&config, None).expect("settings");
    let cloud = Cloud::new(settings).expect("client");
    let truth: std::collections::HashMap<String, bool> = sim
        .truth()
        .into_iter()
        .map(|t| (t.server_id, t.reset_supported))
        .collect();
    let seen = std::sync::Mutex::new(Vec::new());
    let sink = |e: AuditEvent| {
        if let AuditEvent::Flag {
            server_id,
            outcome,
            at,
            ..
        } = e
        {
            seen.lock().unwrap().push((server_id, outcome.ok(), at));
        }
    };
    let opts = AuditOptions {
        page_size: config.tuning.page_size,
        concurrency: config.tuning.concurrency,
    };
    audit::run(&cloud, projects, opts, &sink).await;
    let seen = seen.into_inner().unwrap();
    let first = seen.iter().map(|s| s.2).min().unwrap();
    let last = seen.iter().map(|s| s.2).max().unwrap();
    let unknown = seen.iter().filter(|s| s.1.is_none()).count();
    let wrong = seen
        .iter()
        .filter(|(id, flag, _)| flag.is_some_and(|f| truth.get(id) != Some(&f)))
        .count()
        + truth.len().saturating_sub(seen.len());
    let stats = sim.stats();
    let flag_lane = cloud
        .limiter()
        .report()
        .into_iter()
        .find(|r| r.api == ecsreset::cloud::limiter::ApiClass::EcsFlag);
    Limited {
        limit,
        stated,
        flags: seen.len(),
        span: (last - first).num_microseconds().unwrap_or(0) as f64 / 1e6,
        unknown,
        wrong,
        requests: stats.total_requests,
        throttled: stats.throttled,
        flag_rate: flag_lane.as_ref().map(|l| l.rate),
        learned: flag_lane.is_some_and(|l| l.policy.is_some()),
    }
}

fn print_limited(runs: &[Limited]) {
    println!(
        "== finding the limit: default config (no rate ceiling), 20 ms per request, {} servers over {PROJECTS} projects",
        runs.first().map_or(0, |r| r.flags)
    );
    println!(
        "{:>7}  {:<8}  {:>9}  {:>13}  {:>12}  {:>14}  {:>7}  {:>6}  {:>16}",
        "limit/s",
        "policy",
        "flags/s",
        "rate / limit",
        "throttled",
        "429 / requests",
        "unknown",
        "wrong",
        "final flag rate"
    );
    for r in runs {
        let achieved = (r.flags.saturating_sub(1)) as f64 / r.span;
        println!(
            "{:>7}  {:<8}  {:>9.1}  {:>6.3} {:<6}  {:>5.2}% {:<5}  {:>6} / {:<6}  {:>7}  {:>6}  {:>9.1}/s{}",
            r.limit,
            if r.stated { "stated" } else { "hidden" },
            achieved,
            achieved / r.limit,
            if achieved / r.limit >= 0.9 {
                "ok"
            } else {
                "MISS"
            },
            100.0 * r.throttled as f64 / r.requests as f64,
            if r.throttled * 100 <= r.requests * 3 {
                "ok"
            } else {
                "MISS"
            },
            r.throttled,
            r.requests,
            r.unknown,
            r.wrong,
            r.flag_rate.unwrap_or(f64::NAN),
            if r.learned { " (policy read)" } else { "" },
        );
    }
    println!("targets: rate / limit >= 0.9 (first to last flag), throttled <= 3%, wrong = 0");
}

/// Lets a reader re-run one scenario with other settings without editing the file.
fn env_or(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let latency = Duration::from_millis(20);
    if std::env::var_os("BENCH_ONLY_LIMITS").is_none() {
        let (remote, projects) = start_remote(
            Faults {
                latency,
                ..Faults::default()
            },
            None,
            ThrottleStyle::default(),
            SERVERS,
        );
        rt.block_on(latency_bound(&remote, &projects, latency));
        drop(remote);
    }
    if std::env::var_os("BENCH_ONLY_LATENCY").is_some() {
        return;
    }
    let limits: Vec<f64> = std::env::var("BENCH_LIMITS").ok().map_or_else(
        || vec![500.0, 200.0, 60.0, 10.0],
        |v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
    );
    let servers = env_or("BENCH_SERVERS", (PROJECTS * SERVERS) as f64) as usize / PROJECTS;
    // One limit at a time (both variants at once, each against its own simulator): the
    // client runtime is shared, and the fast runs must not queue behind the slow ones.
    let started = Instant::now();
    let mut done = Vec::new();
    for &limit in &limits {
        let runs: Vec<_> = [true, false]
            .into_iter()
            .map(|stated| {
                let style = ThrottleStyle {
                    window: ThrottleWindow::Second,
                    policy_in_message: stated,
                };
                let faults = Faults {
                    latency,
                    ..Faults::default()
                };
                let (remote, projects) = start_remote(faults, Some(limit), style, servers);
                (remote, projects, stated)
            })
            .collect();
        let all = runs
            .iter()
            .map(|(remote, projects, stated)| find_the_limit(remote, projects, limit, *stated));
        done.extend(rt.block_on(futures::future::join_all(all)));
    }
    done.sort_by_key(|r| (!r.stated, r.limit as u64));
    print_limited(&done);
    println!("(all runs: {:.0} s)", started.elapsed().as_secs_f64());
}
