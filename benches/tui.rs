//! The TUI at scale, measured on ratatui's TestBackend (no terminal I/O):
//! - frame time of the main screen with 10,000 servers and a full log pane at 200x60
//!   (target: median under 1 ms);
//! - applying 10,000 flag results to the state (target: under 50 ms in total);
//! - key-to-screen latency while an audit streams in: the loop handles at most
//!   `DRAIN_LIMIT` worker events before it draws, so the worst wait from a key to its frame is
//!   one such batch plus the key plus one frame. The network is never on that path: the
//!   worker is a separate task and the loop only drains a channel.
//!
//! Run: `cargo bench --bench tui`.

use chrono::Utc;
use crossterm::event::KeyCode;
use ecsreset::cloud::CallRecord;
use ecsreset::tui::fixture::{empty, key, server, started};
use ecsreset::tui::msg::{Event, FlagResult, Msg, RequestId};
use ecsreset::tui::runtime::DRAIN_LIMIT;
use ecsreset::tui::state::State;
use ecsreset::tui::ui;
use ecsreset::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};

const SERVERS: u32 = 10_000;
const PROJECTS: u32 = 2;

fn listed_state() -> (State, RequestId, Vec<(usize, String)>) {
    let mut s = empty();
    let id = started(&mut s);
    let per = SERVERS / PROJECTS;
    let mut ids = Vec::new();
    for p in 0..PROJECTS {
        let servers: Vec<_> = (0..per)
            .map(|n| {
                let os = if n.is_multiple_of(7) {
                    "Windows"
                } else {
                    "Linux"
                };
                let ip = format!("10.{p}.{}.{}", n / 250, n % 250);
                server(p * per + n, &format!("srv-{p}-{n:05}"), os, "ACTIVE", &ip)
            })
            .collect();
        ids.extend(servers.iter().map(|d| (p as usize, d.id.clone())));
        update(
            &mut s,
            Msg::Worker(Event::Listed {
                id,
                project: p as usize,
                servers,
            }),
        );
    }
    update(&mut s, Msg::Resize(200, 60));
    (s, id, ids)
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

fn record(n: usize) -> CallRecord {
    CallRecord {
        at: Utc::now(),
        method: "GET",
        path: format!(
            "/v1/0123456789abcdef0123456789abcdef/cloudservers/{n:08x}-1111-4222-8333-{n:012x}/os-resetpwd-flag"
        ),
        status: Some(if n.is_multiple_of(50) { 429 } else { 200 }),
        latency: Duration::from_millis(20 + (n % 7) as u64),
        request_id: Some(format!("{n:032x}")),
        error: (n.is_multiple_of(50)).then(|| "APIGW.0308: throttled".to_owned()),
        attempt: 1,
        will_retry: n.is_multiple_of(50),
    }
}

fn stats(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    (samples[samples.len() / 2], *samples.last().unwrap())
}

fn frames(s: &mut State, terminal: &mut Terminal<TestBackend>) -> Vec<Duration> {
    let mut times = Vec::new();
    for i in 0..500u32 {
        let k = if i.is_multiple_of(10) {
            KeyCode::PageDown
        } else {
            KeyCode::Down
        };
        update(s, key(k));
        let t = Instant::now();
        terminal.draw(|f| ui::draw(f, s)).unwrap();
        times.push(t.elapsed());
    }
    times
}

fn main() {
    let (mut s, id, ids) = listed_state();
    let flags: Vec<FlagResult> = ids
        .iter()
        .enumerate()
        .map(|(n, (p, sid))| flag(*p, sid, n))
        .collect();

    // Flags arrive from the worker in batches; the total is what the operator waits for.
    let t = Instant::now();
    for chunk in flags.chunks(256) {
        update(
            &mut s,
            Msg::Worker(Event::Flags {
                id,
                flags: chunk.to_vec(),
            }),
        );
    }
    let apply = t.elapsed();

    for n in 0..ecsreset::tui::state::log::LOG_CAP {
        update(&mut s, Msg::Worker(Event::Call(record(n))));
    }
    update(&mut s, key(KeyCode::Char('l')));
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let (median, worst) = stats(frames(&mut s, &mut terminal));

    // Key-to-screen under a streaming audit: a fresh state still checking every flag, one
    // full drain of flag events, then the key, then the frame.
    let (mut s2, id2, _) = listed_state();
    let mut terminal2 = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut waits = Vec::new();
    for batch in flags.chunks(DRAIN_LIMIT.min(flags.len())).cycle().take(20) {
        let t = Instant::now();
        for f in batch {
            update(
                &mut s2,
                Msg::Worker(Event::Flags {
                    id: id2,
                    flags: vec![f.clone()],
                }),
            );
        }
        update(&mut s2, key(KeyCode::Down));
        terminal2.draw(|f| ui::draw(f, &s2)).unwrap();
        waits.push(t.elapsed());
    }
    let (key_median, key_worst) = stats(waits);

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "TUI at {SERVERS} servers, 200x60, log pane full ({} lines)",
        s.log.len()
    );
    println!(
        "  frame time:        median {:.3} ms, worst {:.3} ms over 500 frames (target median < 1 ms: {})",
        ms(median),
        ms(worst),
        if median < Duration::from_millis(1) {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "  apply {} flags:  {:.2} ms in total (target < 50 ms: {})",
        flags.len(),
        ms(apply),
        if apply < Duration::from_millis(50) {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "  key to screen while flags stream ({DRAIN_LIMIT} events drained first, one event each): median {:.2} ms, worst {:.2} ms",
        ms(key_median),
        ms(key_worst)
    );
}
