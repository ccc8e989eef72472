//! Audit throughput against the simulator, printed as ratios to the theoretical bound.
//!
//! Run: `cargo bench --bench audit`. Two scenarios, both in this one run:
//! 1. latency-bound: 2,000 servers over 10 projects, 20 ms per request. The lower bound is
//!    one list round plus `flags × latency / concurrency`. Target: ≤ 1.2× the bound.
//! 2. throttle-bound: the simulator's token bucket at a fixed rate below the client's ceiling.
//!    Prints the achieved flag rate as a fraction of that rate (target ≥ 0.9) and the share of
//!    requests the simulator throttled.

use ecsreset::audit::{self, AuditEvent, AuditOptions};
use ecsreset::cloud::{Cloud, Credentials, ProjectRef, RetryPolicy, Settings};
use ecsreset::sim::{Faults, Fleet, Sim, SimConfig};
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

fn start_remote(faults: Faults, throttle: Option<f64>) -> (Remote, Vec<ProjectRef>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (sim, projects) = rt.block_on(start(faults, throttle));
    (Remote { sim, _rt: rt }, projects)
}

async fn start(faults: Faults, throttle: Option<f64>) -> (Sim, Vec<ProjectRef>) {
    let fleet = Fleet::generate(PROJECTS, SERVERS, 42);
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
    let sim = Sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts");
    (sim, projects)
}

fn client(sim: &Sim, concurrency: usize, ceiling: f64) -> Cloud {
    client_observed(sim, concurrency, ceiling, None)
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
    // The app's default concurrency: the figure an operator gets without tuning anything.
    let default = ecsreset::config::Tuning::default().concurrency as f64;
    let concurrency = env_or("BENCH_CONCURRENCY", default) as usize;
    let ceiling = env_or("BENCH_CEILING", 5000.0);
    let sim = &remote.sim;
    let latencies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = latencies.clone();
    let observer: ecsreset::cloud::Observer =
        std::sync::Arc::new(move |r: ecsreset::cloud::CallRecord| {
            sink.lock().unwrap().push((r.at, r.latency))
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

async fn throttle_bound(remote: &Remote, projects: &[ProjectRef], sim_rate: f64) {
    let (concurrency, ceiling) = (32, 2.0 * sim_rate);
    let sim = &remote.sim;
    let cloud = client(sim, concurrency, ceiling);
    let run = audit_once(&cloud, projects, concurrency).await;
    let stats = sim.stats();
    let achieved = run.flags as f64 / run.wall.as_secs_f64();
    println!(
        "== throttle-bound audit: simulator bucket {sim_rate}/s per key and API, client ceiling {ceiling}/s, concurrency {concurrency}"
    );
    println!(
        "wall time        {:>8.3} s for {} flags",
        run.wall.as_secs_f64(),
        run.flags
    );
    println!("achieved rate    {achieved:>8.1} /s");
    println!(
        "fraction of rate {:>8.3}   (target >= 0.9)",
        achieved / sim_rate
    );
    println!(
        "throttled share  {:>8.3}   ({} of {} requests answered 429)",
        stats.throttled as f64 / stats.total_requests as f64,
        stats.throttled,
        stats.total_requests
    );
    println!("unknown flags    {:>8}", run.unknown);
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
    let (remote, projects) = start_remote(
        Faults {
            latency,
            ..Faults::default()
        },
        None,
    );
    rt.block_on(latency_bound(&remote, &projects, latency));
    drop(remote);
    if std::env::var_os("BENCH_ONLY_LATENCY").is_none() {
        let sim_rate = 200.0;
        let faults = Faults {
            latency: Duration::from_millis(5),
            ..Faults::default()
        };
        let (remote, projects) = start_remote(faults, Some(sim_rate));
        rt.block_on(throttle_bound(&remote, &projects, sim_rate));
    }
}
