//! The real binary against the real simulator (`ecsreset sim`, no latency), at 10,000 servers
//! (10 projects x 1,000) and 100,000 (50 x 2,000), printed side by side from one run:
//! - the TUI in a pseudo-terminal at 200x60 (TERM=xterm-256color), its screen followed with
//!   `vt100`: time until the first rows are on screen, until every list is in, until every
//!   flag is in; a key every 0.3 s from launch until after the last flag (`?`, which opens
//!   and closes the help over the table, so every key has an effect no event can fake) and
//!   the time until the screen showed it, per phase (listing, auditing, idle); its peak RSS
//!   (VmHWM) once everything is in;
//! - headless `ecsreset audit --format json` to a file: wall time and peak RSS (`/usr/bin/time
//!   -f %M`, the Debian `time` package), and the number of records it wrote.
//!
//! The client config is the one `ecsreset sim --write-config` writes, plus
//! `[tuning] rate_per_second = 100000` (the shipped ceiling would make every run wait on the
//! client's own limiter) and the default concurrency of 16. Nothing leaves 127.0.0.1; every
//! child is killed on the way out.
//!
//! Run: `cargo bench --bench scale` (it builds the release binary it runs).

use portable_pty::{CommandBuilder, PtySize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ecsreset");
const SCALES: [(usize, usize); 2] = [(10, 1_000), (50, 2_000)];
const KEY_EVERY: Duration = Duration::from_millis(300);
/// Keys sent once everything is in.
const IDLE_KEYS: usize = 12;
const GIVE_UP: Duration = Duration::from_secs(600);
const HELP_TITLE: &str = "Help — keys";

/// Kills the child when dropped, also when the bench panics.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sim(dir: &Path, projects: usize, servers: usize) -> (Killed, PathBuf) {
    let config = dir.join(format!("sim-{projects}x{servers}.toml"));
    let child = Command::new(BIN)
        .args(["sim", "--listen", "127.0.0.1:0"])
        .args(["--projects", &projects.to_string()])
        .args(["--servers", &servers.to_string()])
        .arg("--write-config")
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the simulator starts");
    let child = Killed(child);
    let t = Instant::now();
    while std::fs::metadata(&config).map_or(true, |m| m.len() == 0) {
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "no config from the sim"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The simulator writes the file once it listens; give it a moment to finish the write.
    std::thread::sleep(Duration::from_millis(200));
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&config)
        .unwrap();
    writeln!(f, "\n[tuning]\nrate_per_second = 100000.0").unwrap();
    (child, config)
}

/// What the status line says: servers listed and flags pending.
fn counts(screen: &str) -> (usize, usize) {
    let number_before = |word: &str| -> usize {
        screen
            .lines()
            .rev()
            .find_map(|l| {
                let at = l.find(word)?;
                let digits: String = l[..at]
                    .trim_end()
                    .chars()
                    .rev()
                    .take_while(char::is_ascii_digit)
                    .collect();
                digits.chars().rev().collect::<String>().parse().ok()
            })
            .unwrap_or(0)
    };
    (number_before(" servers"), number_before(" flags pending"))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Listing,
    Auditing,
    Idle,
}

/// When the screen first showed rows, every server, and no flag pending.
#[derive(Default)]
struct Marks {
    first_rows: Option<Duration>,
    listed: Option<Duration>,
    flagged: Option<Duration>,
}

impl Marks {
    fn observe(&mut self, screen: &str, at: Duration, total: usize) {
        let (n, pending) = counts(screen);
        if n > 0 {
            self.first_rows.get_or_insert(at);
        }
        if n == total && !screen.contains("loading") {
            self.listed.get_or_insert(at);
            if pending == 0 {
                self.flagged.get_or_insert(at);
            }
        }
    }
}

struct Tui {
    servers: usize,
    first_rows: Duration,
    listed: Duration,
    flagged: Duration,
    keys: Vec<(Phase, Duration)>,
    hwm_kb: u64,
}

fn status_kb(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .trim()
                .strip_suffix(" kB")?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

fn tui(dir: &Path, config: &Path, total: usize) -> Tui {
    let pair = portable_pty::native_pty_system()
        .openpty(PtySize {
            rows: 60,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal");
    let parser = Arc::new(Mutex::new(vt100::Parser::new(60, 200, 0)));
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let sink = parser.clone();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65536];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().process(&buf[..n]);
        }
    });
    let mut cmd = CommandBuilder::new(BIN);
    cmd.arg("--config");
    cmd.arg(config);
    cmd.env("TERM", "xterm-256color");
    cmd.env("ECSRESET_DATA_DIR", dir.join("data"));
    cmd.env_remove("ECSRESET_LOG");
    let t0 = Instant::now();
    let mut child = pair.slave.spawn_command(cmd).expect("the TUI starts");
    let pid = child.process_id().unwrap();
    let screen = || parser.lock().unwrap().screen().contents();
    let mut marks = Marks::default();
    let observe = |marks: &mut Marks, text: &str| marks.observe(text, t0.elapsed(), total);
    // Keys count from the first frame: before it the app is not reading the terminal yet.
    while !screen().contains("ecsreset") {
        assert!(t0.elapsed() < Duration::from_secs(30), "no first frame");
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut keys = Vec::new();
    let mut idle = 0;
    let mut open = false;
    while idle < IDLE_KEYS {
        assert!(t0.elapsed() < GIVE_UP, "gave up; screen:\n{}", screen());
        let phase = {
            let text = screen();
            observe(&mut marks, &text);
            match (counts(&text), marks.listed.is_some()) {
                (_, false) => Phase::Listing,
                ((_, p), true) if p > 0 => Phase::Auditing,
                _ => Phase::Idle,
            }
        };
        let due = Instant::now() + KEY_EVERY;
        writer.write_all(b"?").unwrap();
        writer.flush().unwrap();
        let sent = Instant::now();
        open = !open;
        loop {
            let text = screen();
            if text.contains(HELP_TITLE) == open {
                keys.push((phase, sent.elapsed()));
                observe(&mut marks, &text);
                break;
            }
            assert!(
                sent.elapsed() < Duration::from_secs(60),
                "key not shown in 60 s"
            );
            std::thread::sleep(Duration::from_micros(500));
        }
        if phase == Phase::Idle {
            idle += 1;
        }
        while Instant::now() < due {
            observe(&mut marks, &screen());
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let hwm_kb = status_kb(pid, "VmHWM:");
    writer.write_all(if open { b"?q" } else { b"q" }).unwrap();
    writer.flush().unwrap();
    let _ = child.wait();
    Tui {
        servers: total,
        first_rows: marks.first_rows.unwrap(),
        listed: marks.listed.unwrap(),
        flagged: marks.flagged.unwrap(),
        keys,
        hwm_kb,
    }
}

struct Headless {
    wall: Duration,
    max_rss_kb: u64,
    records: usize,
}

fn headless(dir: &Path, config: &Path) -> Headless {
    let out = dir.join("audit.json");
    let t = Instant::now();
    let run = Command::new("/usr/bin/time")
        .args(["-f", "maxrss_kb=%M"])
        .arg(BIN)
        .arg("--config")
        .arg(config)
        .args(["audit", "--format", "json"])
        .env("ECSRESET_DATA_DIR", dir.join("data"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(Stdio::piped())
        .output()
        .expect("/usr/bin/time runs (apt-get install time)");
    let wall = t.elapsed();
    let err = String::from_utf8_lossy(&run.stderr);
    let max_rss_kb = err
        .lines()
        .find_map(|l| l.strip_prefix("maxrss_kb=")?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no maxrss in: {err}"));
    let records: Vec<serde_json::Value> =
        serde_json::from_reader(std::fs::File::open(&out).unwrap()).expect("the audit is JSON");
    Headless {
        wall,
        max_rss_kb,
        records: records.len(),
    }
}

fn keys_of(t: &Tui, phase: Phase) -> String {
    let mut v: Vec<Duration> = t
        .keys
        .iter()
        .filter(|(p, _)| *p == phase)
        .map(|(_, d)| *d)
        .collect();
    if v.is_empty() {
        return "-".into();
    }
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    format!(
        "{:.1} / {:.1} ({})",
        ms(v[v.len() / 2]),
        ms(*v.last().unwrap()),
        v.len()
    )
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for (projects, servers) in SCALES {
        let (sim, config) = sim(dir.path(), projects, servers);
        let total = projects * servers;
        let t = tui(dir.path(), &config, total);
        let h = headless(dir.path(), &config);
        assert_eq!(h.records, total, "the audit reports every server");
        drop(sim);
        results.push((t, h));
    }
    let [(t1, h1), (t2, h2)] = results.as_slice() else {
        unreachable!()
    };
    println!("real binary vs `ecsreset sim`, no latency; TUI at 200x60 in a pseudo-terminal");
    println!(
        "{:<48} {:>20} {:>20}  target",
        "",
        format!("{} servers", t1.servers),
        format!("{} servers", t2.servers)
    );
    let row = |label: &str, a: String, b: String, target: &str| {
        println!("{label:<48} {a:>20} {b:>20}  {target}");
    };
    let s = |d: Duration| format!("{:.2} s", d.as_secs_f64());
    row(
        "first rows on screen",
        s(t1.first_rows),
        s(t2.first_rows),
        "< 1 s",
    );
    row("every list in", s(t1.listed), s(t2.listed), "");
    row("every flag in", s(t1.flagged), s(t2.flagged), "");
    for (label, phase) in [
        (
            "key to screen while listing, median / worst ms",
            Phase::Listing,
        ),
        (
            "key to screen while auditing, median / worst ms",
            Phase::Auditing,
        ),
        ("key to screen when idle, median / worst ms", Phase::Idle),
    ] {
        row(label, keys_of(t1, phase), keys_of(t2, phase), "< 16 ms");
    }
    let mb = |kb: u64| format!("{:.1} MB", kb as f64 / 1024.0);
    row(
        "TUI peak RSS (VmHWM)",
        mb(t1.hwm_kb),
        mb(t2.hwm_kb),
        "< 120 MB",
    );
    row(
        "headless audit --format json, wall",
        s(h1.wall),
        s(h2.wall),
        "",
    );
    row(
        "headless audit --format json, peak RSS",
        mb(h1.max_rss_kb),
        mb(h2.max_rss_kb),
        "< 60 MB",
    );
}
