//! The TUI at scale, on ratatui's TestBackend (no terminal I/O), at 10,000 servers
//! (10 projects x 1,000) and 100,000 (50 x 2,000), printed side by side from one run:
//! - key to screen while the lists stream in and while the flags stream in: the worker's
//!   events are queued as it sends them (pages of 1,000, flag batches of 512, one log line
//!   per call) and the loop is run as the runtime runs it ([`runtime::drain`], then the key,
//!   then a frame). Each turn is what a key pressed at its start waits for.
//! - the keys that place every row again (sort, filter, project view) once everything is in;
//! - frame time at 200x60 with a full log pane, cursor moving (target median < 2 ms).
//!
//! The figures of the real binary against the simulator (first rows, key latency in a
//! pseudo-terminal, peak RSS, headless audit RSS) are `cargo bench --bench scale`.
//!
//! Run: `cargo bench --bench tui`.

use chrono::Utc;
use crossterm::event::KeyCode;
use ecsreset::cloud::CallRecord;
use ecsreset::cloud::wire::ServerDetail;
use ecsreset::config::KeyMap;
use ecsreset::tui::fixture::{ch, key, server};
use ecsreset::tui::msg::{Effect, Event, FlagResult, Msg, Request, RequestId};
use ecsreset::tui::runtime::{DRAIN_BUDGET, drain};
use ecsreset::tui::state::row::Row;
use ecsreset::tui::state::{ProjectState, State};
use ecsreset::tui::ui;
use ecsreset::tui::update::{start, update};
use rand::SeedableRng;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const SCALES: [(usize, usize); 2] = [(10, 1_000), (50, 2_000)];
const PAGE: usize = 1_000;
const FLAG_BATCH: usize = 512;
/// Projects the worker lists at once (its default concurrency).
const LISTING: usize = 16;
const ROLES: [&str; 6] = ["web", "api", "db-primary", "cache", "win-ad", "k8s-node"];

struct Fleet {
    projects: usize,
    servers: Vec<Vec<ServerDetail>>,
}

impl Fleet {
    fn new(projects: usize, per: usize) -> Self {
        let servers = (0..projects)
            .map(|p| {
                (0..per)
                    .map(|n| {
                        let role = ROLES[n % ROLES.len()];
                        let os = if role.starts_with("win") {
                            "Windows"
                        } else {
                            "Linux"
                        };
                        let ip = format!("10.{}.{}.{}", p % 250, n / 250, n % 250);
                        let id = u32::try_from(p * per + n).unwrap();
                        server(id, &format!("{role}-{n:05}"), os, "ACTIVE", &ip)
                    })
                    .collect()
            })
            .collect();
        Self { projects, servers }
    }

    fn total(&self) -> usize {
        self.servers.iter().map(Vec::len).sum()
    }

    fn state(&self) -> (State, RequestId) {
        let projects = (0..self.projects)
            .map(|p| {
                let name = format!("project-{p:02}");
                ProjectState::new("cn-north-4", Some(&format!("{p:032x}")), Some(&name), false)
            })
            .collect();
        let rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut s = State::new(projects, KeyMap::defaults(), rng);
        s.now = Utc::now();
        update(&mut s, Msg::Resize(200, 60));
        let id = match start(&mut s).as_slice() {
            [Effect::Api(Request::Load { id, .. })] => *id,
            other => panic!("start made {other:?}"),
        };
        (s, id)
    }

    /// The list events in the order the worker sends them: `LISTING` projects at a time,
    /// their pages interleaved, each page after its call's log line.
    fn list_events(&self, id: RequestId) -> Vec<Event> {
        let mut out = Vec::new();
        for group in (0..self.projects).collect::<Vec<_>>().chunks(LISTING) {
            let pages: Vec<Vec<&[ServerDetail]>> = group
                .iter()
                .map(|&p| self.servers[p].chunks(PAGE).collect())
                .collect();
            let most = pages.iter().map(Vec::len).max().unwrap_or(0);
            for n in 0..most {
                for (g, &p) in group.iter().enumerate() {
                    if let Some(page) = pages[g].get(n) {
                        out.push(Event::Call(record(p * 1000 + n, "detail")));
                        out.push(Event::Page {
                            id,
                            project: p,
                            // The worker builds the rows, off the loop being timed.
                            rows: Row::page(p, page.to_vec()),
                        });
                        if n + 1 == pages[g].len() {
                            out.push(Event::Listed {
                                id,
                                project: p,
                                servers: Vec::new(),
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// Every flag, as the worker batches them, each call with its log line.
    fn flag_events(&self, id: RequestId) -> Vec<Event> {
        let mut out = Vec::new();
        let mut batch = Vec::new();
        for (p, servers) in self.servers.iter().enumerate() {
            for d in servers {
                let n = out.len() + batch.len();
                out.push(Event::Call(record(n, "os-resetpwd-flag")));
                batch.push(flag(p, &d.id, n));
                if batch.len() == FLAG_BATCH {
                    out.push(Event::Flags {
                        id,
                        flags: std::mem::take(&mut batch),
                    });
                }
            }
        }
        out.push(Event::Flags { id, flags: batch });
        out
    }
}

fn flag(p: usize, sid: &str, n: usize) -> FlagResult {
    FlagResult {
        project: p,
        server_id: sid.to_owned(),
        outcome: if n.is_multiple_of(11) {
            Err("APIGW.0308 (HTTP 429): request throttled".into())
        } else {
            Ok(!n.is_multiple_of(5))
        },
        at: Utc::now(),
    }
}

fn record(n: usize, call: &str) -> CallRecord {
    CallRecord {
        at: Utc::now(),
        method: "GET",
        path: format!(
            "/v1/0123456789abcdef0123456789abcdef/cloudservers/{n:08x}-1111-4222-8333-{n:012x}/{call}"
        ),
        status: Some(if n.is_multiple_of(50) { 429 } else { 200 }),
        latency: Duration::from_millis(20 + (n % 7) as u64),
        request_id: Some(format!("{n:032x}")),
        error: (n.is_multiple_of(50)).then(|| "APIGW.0308: throttled".to_owned()),
        attempt: 1,
        will_retry: n.is_multiple_of(50),
    }
}

#[derive(Clone, Copy)]
struct Stats {
    median: Duration,
    worst: Duration,
    n: usize,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    Stats {
        median: samples[samples.len() / 2],
        worst: *samples.last().unwrap(),
        n: samples.len(),
    }
}

/// Runs the loop over a backlog of worker events as the runtime does: drain within the
/// budget, one key, one frame; each turn's time is a key's wait. The keys are Down and Up in
/// turn, or with `sorting` `s` (every row placed anew while pages still come). Returns the
/// turns and the time until the backlog was gone.
fn stream(
    s: &mut State,
    term: &mut Terminal<TestBackend>,
    backlog: Vec<Event>,
    sorting: bool,
) -> (Vec<Duration>, Duration) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (req_tx, mut req_rx) = mpsc::channel::<Request>(1 << 16);
    for e in backlog {
        tx.send(e).unwrap();
    }
    let t0 = Instant::now();
    let mut turns = Vec::new();
    let mut down = true;
    while !rx.is_empty() {
        let t = Instant::now();
        drain(s, &mut rx, &req_tx, DRAIN_BUDGET);
        // Down and up alternate so the cursor stays near the rows a first key would see.
        update(
            s,
            if sorting {
                ch('s')
            } else {
                key(if down { KeyCode::Down } else { KeyCode::Up })
            },
        );
        down = !down;
        term.draw(|f| ui::draw(f, s)).unwrap();
        turns.push(t.elapsed());
        while req_rx.try_recv().is_ok() {}
    }
    (turns, t0.elapsed())
}

/// One key, settled and drawn.
fn press(s: &mut State, term: &mut Terminal<TestBackend>, msg: Msg) -> Duration {
    let t = Instant::now();
    update(s, msg);
    term.draw(|f| ui::draw(f, s)).unwrap();
    t.elapsed()
}

struct Figures {
    servers: usize,
    listing: Stats,
    listed_in: Duration,
    sorting: Stats,
    auditing: Stats,
    audited_in: Duration,
    sort: Stats,
    filter: Stats,
    project: Stats,
    frame: Stats,
}

fn measure(projects: usize, per: usize) -> Figures {
    let fleet = Fleet::new(projects, per);
    let (mut s, id) = fleet.state();
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let (sorting, _) = {
        let (mut s, id) = fleet.state();
        stream(&mut s, &mut term, fleet.list_events(id), true)
    };
    let (listing, listed_in) = stream(&mut s, &mut term, fleet.list_events(id), false);
    assert_eq!(s.table.rows().len(), fleet.total(), "every server listed");
    update(&mut s, ch('l'));
    let (auditing, audited_in) = stream(&mut s, &mut term, fleet.flag_events(id), false);
    assert_eq!(s.table.pending_flags(), 0, "every flag in");

    // `s` through every column and direction, back to the start.
    let sort = (0..14).map(|_| press(&mut s, &mut term, ch('s'))).collect();
    // A filter typed key by key, each key filtering every row, then cleared.
    let mut filter: Vec<Duration> = vec![press(&mut s, &mut term, ch('/'))];
    for c in "web-001".chars() {
        filter.push(press(&mut s, &mut term, ch(c)));
    }
    filter.push(press(&mut s, &mut term, key(KeyCode::Backspace)));
    filter.push(press(&mut s, &mut term, key(KeyCode::Esc)));
    // `p` through every project and back to all.
    let project = (0..=projects)
        .map(|_| press(&mut s, &mut term, ch('p')))
        .collect();
    let frame = (0..500u32)
        .map(|i| {
            let k = if i.is_multiple_of(10) {
                KeyCode::PageDown
            } else {
                KeyCode::Down
            };
            update(&mut s, key(k));
            let t = Instant::now();
            term.draw(|f| ui::draw(f, &s)).unwrap();
            t.elapsed()
        })
        .collect();
    Figures {
        servers: fleet.total(),
        listing: stats(listing),
        listed_in,
        sorting: stats(sorting),
        auditing: stats(auditing),
        audited_in,
        sort: stats(sort),
        filter: stats(filter),
        project: stats(project),
        frame: stats(frame),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn main() {
    let figures: Vec<Figures> = SCALES.iter().map(|&(p, n)| measure(p, n)).collect();
    let [small, large] = figures.as_slice() else {
        unreachable!("two scales")
    };
    println!(
        "TUI on TestBackend 200x60; drain budget {} ms per turn",
        ms(DRAIN_BUDGET)
    );
    println!(
        "{:<58} {:>16} {:>16}  target",
        "",
        format!("{} servers", small.servers),
        format!("{} servers", large.servers)
    );
    let row = |label: &str, f: &dyn Fn(&Figures) -> String, target: &str| {
        println!("{label:<58} {:>16} {:>16}  {target}", f(small), f(large));
    };
    let worst = |s: Stats| format!("{} / {}", ms(s.median), ms(s.worst));
    row(
        "key to screen while lists stream, median / worst ms",
        &|f| worst(f.listing),
        "worst < 16 ms",
    );
    row(
        "  turns / every list applied after, s",
        &|f| format!("{} / {:.2}", f.listing.n, f.listed_in.as_secs_f64()),
        "",
    );
    row(
        "  `s` as that key, median / worst ms",
        &|f| worst(f.sorting),
        "worst < 16 ms",
    );
    row(
        "key to screen while flags stream, median / worst ms",
        &|f| worst(f.auditing),
        "worst < 16 ms",
    );
    row(
        "  turns / every flag applied after, s",
        &|f| format!("{} / {:.2}", f.auditing.n, f.audited_in.as_secs_f64()),
        "",
    );
    row(
        "sort key (s, 14 presses), median / worst ms",
        &|f| worst(f.sort),
        "worst < 16 ms",
    );
    row(
        "filter keys (/, 7 chars, backspace, esc), median / worst ms",
        &|f| worst(f.filter),
        "worst < 16 ms",
    );
    row(
        "project view (p through all), median / worst ms",
        &|f| worst(f.project),
        "worst < 16 ms",
    );
    row(
        "frame, full log pane, median / worst ms (500 frames)",
        &|f| worst(f.frame),
        "median < 2 ms",
    );
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    println!(
        "ratios 100k/10k (linear would be {:.0}x): listing worst {:.1}x, flags worst {:.1}x, frame median {:.1}x",
        large.servers as f64 / small.servers as f64,
        ratio(large.listing.worst, small.listing.worst),
        ratio(large.auditing.worst, small.auditing.worst),
        ratio(large.frame.median, small.frame.median),
    );
}
