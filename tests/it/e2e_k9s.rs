//! The k9s-class conveniences in the real binary, in a pseudo-terminal against the simulator:
//! the `:` palette, the opt-in mouse (as SGR reports, the bytes a terminal sends) and
//! `ctrl-s` saving the visible table as a private CSV file.

use crate::support::{self, pty};

use ecsreset::sim::Fleet;
use pty::{Env, Pty, keys};
use std::os::unix::fs::PermissionsExt;

const DOWN: &str = "\x1b[B";

/// The app listed with every flag in.
fn started(env: &Env, term: &Pty) -> String {
    let listed = format!("listed {} servers", env.listed());
    term.wait_until(&format!("{listed:?} and no flag still checking"), |s| {
        s.contains(&listed) && !s.contains("checking")
    })
}

fn header_line(screen: &str) -> &str {
    screen
        .lines()
        .find(|l| l.contains("name") && l.contains("flag"))
        .unwrap_or("")
}

#[test]
fn the_palette_switches_project_columns_and_theme() {
    let env = Env::new(Fleet::generate(2, 8, 3));
    let mut term = Pty::new();
    let mut app = term.spawn(env.app(&[]));
    let screen = started(&env, &term);
    assert!(screen.contains("project: all"), "{screen}");

    term.send(":");
    term.wait_for("Command palette");
    term.send("proj");
    term.wait_for("› project all");
    term.send(DOWN);
    term.send(keys::ENTER);
    let screen = term.wait_until("one project shown", |s| s.contains("(1/"));
    assert!(screen.contains("showing project"), "{screen}");
    assert!(!screen.contains("Command palette"), "{screen}");

    term.send(":columns flag,name");
    term.wait_for("› columns flag,name");
    term.send(keys::ENTER);
    let screen = term.wait_for("columns: flag,name");
    let header = header_line(&screen);
    let (flag, name) = (header.find("flag").unwrap(), header.find("name").unwrap());
    assert!(flag < name, "flag first: {header}");
    assert!(
        !header.contains("status") && !header.contains(" ip "),
        "{header}"
    );

    // Letters are typed in the palette, not acted on: `q` does not quit.
    let from = term.raw_len();
    term.send(":theme light");
    term.wait_for("› theme light");
    term.send(keys::ENTER);
    term.wait_for("theme light");
    // The light theme's 256-colour green (foreground 28, then the background) on the flags.
    term.wait_for_raw(from, "\x1b[38;5;28;49m✓ supported".as_bytes());
    term.send("q");
    let status = term.wait_exit(&mut app);
    assert_eq!(status.exit_code(), 0);
}

/// An SGR mouse report at the 0-based cell (x, y): `button` 0 is a left press, 64/65 the
/// wheel up/down.
fn mouse(button: u8, x: usize, y: usize) -> String {
    format!("\x1b[<{button};{};{}M", x + 1, y + 1)
}

fn cell_of(screen: &str, text: &str) -> (usize, usize) {
    screen
        .lines()
        .enumerate()
        .find_map(|(y, l)| l.find(text).map(|b| (l[..b].chars().count(), y)))
        .unwrap_or_else(|| panic!("{text:?} not on screen:\n{screen}"))
}

/// The row of the cursor: the position counter in the table's title ("3/16").
fn position(screen: &str) -> String {
    let title = screen.lines().find(|l| l.contains("Servers")).unwrap_or("");
    title
        .split_whitespace()
        .find(|w| w.contains('/') && w.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .unwrap_or("")
        .to_owned()
}

#[test]
fn with_mouse_a_click_selects_a_header_click_sorts_and_the_wheel_scrolls() {
    let env = Env::new(Fleet::generate(2, 8, 3));
    let mut term = Pty::new();
    let mut app = term.spawn(env.app(&["--mouse"]));
    started(&env, &term);
    assert!(
        pty::find(&term.raw(), b"\x1b[?1000h").is_some(),
        "mouse captured"
    );
    let total = env.listed();
    // Rows arrive in any order and the cursor follows its server: start from the top.
    term.send("g");
    let first = format!("1/{total}");
    let screen = term.wait_until(&format!("the cursor at {first}"), |s| position(s) == first);

    // The fourth data row.
    let (_, header_y) = cell_of(&screen, " name ");
    term.send(&mouse(0, 10, header_y + 4));
    term.wait_until("the cursor on row 4", |s| {
        position(s) == format!("4/{total}")
    });

    term.send(&mouse(65, 10, header_y + 4));
    term.wait_until("the wheel moved 3 down", |s| {
        position(s) == format!("7/{total}")
    });
    term.send(&mouse(64, 10, header_y + 4));
    term.wait_until("and 3 up", |s| position(s) == format!("4/{total}"));

    let screen = term.screen();
    let (x, y) = cell_of(&screen, "status");
    term.send(&mouse(0, x + 1, y));
    let screen = term.wait_for("sort: status ▲");
    assert!(header_line(&screen).contains("status▲"), "{screen}");
    term.send(&mouse(0, x + 1, y));
    term.wait_for("sort: status ▼");

    term.send("q");
    let status = term.wait_exit(&mut app);
    assert_eq!(status.exit_code(), 0);
    let raw = term.raw();
    let on = pty::rfind(&raw, b"\x1b[?1000h").unwrap();
    let off = pty::rfind(&raw, b"\x1b[?1000l").expect("mouse released on exit");
    assert!(off > on);
}

#[test]
fn without_the_flag_the_mouse_is_not_captured() {
    let env = Env::new(Fleet::generate(1, 4, 3));
    let mut term = Pty::new();
    let mut app = term.spawn(env.app(&[]));
    started(&env, &term);
    term.send("q");
    term.wait_exit(&mut app);
    assert!(pty::find(&term.raw(), b"\x1b[?1000h").is_none());
}

#[test]
fn ctrl_s_saves_the_filtered_table_as_a_private_csv_and_says_where() {
    let env = Env::new(Fleet::generate(2, 8, 3));
    let target = env.resettable();
    let mut term = Pty::new();
    let mut app = term.spawn(env.app(&[]));
    started(&env, &term);
    term.send("/");
    term.send(&target.server_id);
    term.send(keys::ENTER);
    term.wait_for(" 1 shown");
    term.send(keys::CTRL_S);
    let screen = term.wait_for("saved 1 row to ");
    let exports = env.dir.path().join("data").join("exports");
    let files: Vec<_> = std::fs::read_dir(&exports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(screen.contains(&name), "the whole path is shown:\n{screen}");
    assert!(screen.contains("Table saved"), "{screen}");
    let csv = std::fs::read_to_string(&files[0]).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "name,id,status,os,ip,az,project,flag,age");
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].starts_with(&format!("{},{},", target.name, target.server_id)));
    assert!(lines[1].contains(",supported,"), "{csv}");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&files[0]), 0o600);
    assert_eq!(mode(&exports), 0o700);
    term.send("q");
    assert_eq!(term.wait_exit(&mut app).exit_code(), 0);
}

#[test]
fn headless_audit_at_a_terminal_shows_rate_and_time_left_on_stderr() {
    let mut cfg = support::sim_config(Fleet::generate(1, 16, 3));
    cfg.faults.latency = std::time::Duration::from_millis(60);
    let env = Env::with(cfg);
    let term = Pty::new();
    let mut cmd = env.app(&["audit", "--format", "csv", "--concurrency", "1"]);
    // Headless commands log to stderr; only warnings, so the progress line stands alone.
    cmd.env("RUST_LOG", "warn");
    let mut proc = term.spawn(cmd);
    let status = term.wait_exit(&mut proc);
    assert_eq!(status.exit_code(), 0, "{}", term.screen());
    let raw = String::from_utf8_lossy(&term.raw()).into_owned();
    // At one request in flight and 60 ms each, the line is redrawn several times first.
    let running = raw
        .split('\r')
        .find(|l| l.starts_with("audited ") && l.contains("/s · ") && l.contains(" left"))
        .unwrap_or_else(|| panic!("no progress line with a rate:\n{raw:?}"));
    assert!(running.contains("/16 servers"), "{running:?}");
    let screen = term.screen();
    let last = screen
        .lines()
        .find(|l| l.starts_with("audited 16/16 servers in "))
        .unwrap_or_else(|| panic!("no final line:\n{screen}"));
    assert!(last.ends_with("/s"), "{last:?}");
}
