//! Every pane and state on ratatui's TestBackend at 80x24 and 120x40, with a fixed clock and
//! fleet, plus cell-style checks where colour carries meaning.

use crate::support::tui::{SIZES, render, snap};
use crossterm::event::KeyCode;
use ecsreset::cloud::{CallRecord, ErrorKind};
use ecsreset::tui::fixture::*;
use ecsreset::tui::msg::{Effect, Event, FlagResult, Msg, Request, ResetStatus};
use ecsreset::tui::state::State;
use ecsreset::tui::ui;
use ecsreset::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

fn text(buf: &Buffer) -> String {
    buf.content()
        .iter()
        .map(ratatui::buffer::Cell::symbol)
        .collect()
}

fn marked(names: &[&str]) -> State {
    let mut s = loaded();
    for n in names {
        select(&mut s, n);
        feed(&mut s, [ch(' ')]);
    }
    s
}

fn form_with(pw: &str, confirm: &str) -> State {
    let mut s = loaded();
    select(&mut s, "win-ad-01");
    feed(&mut s, [ch('r')]);
    type_str(&mut s, pw);
    feed(&mut s, [key(KeyCode::Enter)]);
    type_str(&mut s, confirm);
    s
}

fn confirm_multi() -> State {
    let mut s = marked(&["web-01", "web-02", "win-ad-01", "stg-api-01"]);
    feed(&mut s, [ch('r')]);
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Enter)]);
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Enter), key(KeyCode::Down)]);
    type_str(&mut s, "4");
    s
}

/// Three marked, one unsupported (pre-flight refuses it), one hidden by the filter.
fn confirm_refused_and_hidden() -> State {
    let mut s = marked(&["web-01", "web-02", "db-01"]);
    feed(&mut s, [ch('/')]);
    type_str(&mut s, "web-01");
    feed(&mut s, [key(KeyCode::Enter), ch('r')]);
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Enter)]);
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Enter)]);
    s
}

/// The confirmation while pre-flight has not answered yet.
fn confirm_checking() -> State {
    let mut s = marked(&["web-01", "web-02"]);
    feed(&mut s, [ch('r')]);
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Enter)]);
    type_str(&mut s, "Tq7!fixture");
    // Straight through `update`: the fixture's `feed` would answer the pre-flight at once.
    ecsreset::tui::update::update(&mut s, key(KeyCode::Enter));
    s
}

/// With an escrow, ctrl-g on three marked servers: unique sealed passwords.
fn sealed_form() -> State {
    let mut s = marked(&["web-01", "web-02", "win-ad-01"]);
    s.escrow = Some(ecsreset::tui::state::SealTo {
        recipients: 2,
        dir: "~/.local/share/ecsreset/escrow".into(),
    });
    feed(&mut s, [ch('r'), ctrl('g')]);
    s
}

fn sealed_confirm() -> State {
    let mut s = sealed_form();
    feed(&mut s, [key(KeyCode::Enter)]);
    type_str(&mut s, "3");
    s
}

fn sealed_results() -> State {
    let mut s = sealed_confirm();
    let effects = feed(&mut s, [key(KeyCode::Right), key(KeyCode::Enter)]);
    let Some(ecsreset::tui::msg::Effect::Api(Request::Reset { id, targets, .. })) = effects.first()
    else {
        panic!("no reset sent")
    };
    let (id, targets) = (*id, targets.clone());
    update(
        &mut s,
        Msg::Worker(Event::Sealed {
            id,
            path: "~/.local/share/ecsreset/escrow/20261201T231500Z-7f3a.age".into(),
            count: 3,
        }),
    );
    for t in targets {
        let ev = Event::Reset {
            id,
            server_id: t.server_id.clone(),
            status: ResetStatus::Accepted,
        };
        update(&mut s, Msg::Worker(ev));
    }
    s
}

fn results() -> State {
    let mut s = confirm_multi();
    let effects = feed(&mut s, [key(KeyCode::Right), key(KeyCode::Enter)]);
    let Some(ecsreset::tui::msg::Effect::Api(Request::Reset { id, targets, .. })) = effects.first()
    else {
        panic!("no reset sent")
    };
    let statuses = [
        ResetStatus::Rebooted,
        ResetStatus::Rebooting {
            job_id: "ff8080814dbd".into(),
            status: "RUNNING".into(),
        },
        ResetStatus::OutcomeUnknown("no answer".into()),
        ResetStatus::Failed("Ecs.0015 (HTTP 400): the server is locked".into()),
    ];
    for (t, st) in targets.iter().zip(statuses) {
        let ev = Event::Reset {
            id: *id,
            server_id: t.server_id.clone(),
            status: st,
        };
        update(&mut s, Msg::Worker(ev));
    }
    s
}

fn record(i: u32, error: Option<&str>) -> CallRecord {
    CallRecord {
        at: now(),
        method: if i.is_multiple_of(4) { "PUT" } else { "GET" },
        path: format!(
            "/v1/p-prod-0001/cloudservers/{i:08x}-1111-4222-8333-000000000001/os-resetpwd-flag"
        ),
        status: Some(if error.is_some() { 429 } else { 200 }),
        latency: std::time::Duration::from_millis(u64::from(12 + i)),
        request_id: Some(format!("req-{i:04}")),
        error: error.map(str::to_owned),
        attempt: 1,
        will_retry: false,
    }
}

fn with_log() -> State {
    let mut s = loaded();
    for i in 0..14 {
        let e = (i % 5 == 3).then_some("APIGW.0308: Request throttled");
        update(&mut s, Msg::Worker(Event::Call(record(i, e))));
    }
    feed(&mut s, [ch('l')]);
    s
}

fn audit_running() -> State {
    let mut s = loaded();
    let effects = feed(&mut s, [ch('A')]);
    let Some(ecsreset::tui::msg::Effect::Api(Request::Audit { id, .. })) = effects.first() else {
        panic!()
    };
    let servers: Vec<_> = fleet()
        .into_iter()
        .filter(|f| f.0 == 0)
        .map(|f| f.1)
        .collect();
    let flags = servers
        .iter()
        .take(3)
        .map(|d| FlagResult {
            project: 0,
            server_id: d.id.clone(),
            outcome: Ok(true),
            at: now(),
        })
        .collect();
    update(
        &mut s,
        Msg::Worker(Event::Listed {
            id: *id,
            project: 0,
            servers,
        }),
    );
    update(&mut s, Msg::Worker(Event::Flags { id: *id, flags }));
    // Two seconds in: the gauge shows the rate and the time left.
    update(&mut s, Msg::Tick(now() + chrono::Duration::seconds(2)));
    s
}

fn audit_done() -> State {
    let mut s = loaded();
    let effects = feed(&mut s, [ch('A')]);
    let Some(ecsreset::tui::msg::Effect::Api(Request::Audit { id, .. })) = effects.first() else {
        panic!()
    };
    let id = *id;
    for p in 0..2 {
        let fleet: Vec<_> = fleet().into_iter().filter(|f| f.0 == p).collect();
        let servers = fleet.iter().map(|f| f.1.clone()).collect();
        update(
            &mut s,
            Msg::Worker(Event::Listed {
                id,
                project: p,
                servers,
            }),
        );
        let flags = fleet
            .iter()
            .map(|(p, d, f)| FlagResult {
                project: *p,
                server_id: d.id.clone(),
                outcome: f
                    .clone()
                    .unwrap_or(Err("timeout: no answer".into()))
                    .map_err(Into::into),
                at: now(),
            })
            .collect();
        update(&mut s, Msg::Worker(Event::Flags { id, flags }));
    }
    let error = "APIGW.0301 (HTTP 401): Incorrect IAM authentication information".into();
    update(
        &mut s,
        Msg::Worker(Event::ListFailed {
            id,
            project: 2,
            error,
            kind: ErrorKind::CredentialsRefused,
        }),
    );
    update(&mut s, Msg::Worker(Event::Done { id }));
    s
}

#[test]
fn servers_pane() {
    snap!("servers_loading", || {
        let mut s = empty();
        started(&mut s);
        s
    });
    snap!("servers_filled", loaded);
    snap!("servers_filter", || {
        let mut s = loaded();
        feed(&mut s, [ch('/')]);
        type_str(&mut s, "web");
        s
    });
    snap!("servers_marks", || {
        marked(&["web-01", "db-01", "stg-win-01"])
    });
    snap!("servers_read_only_project_filter", || {
        let mut s = loaded();
        s.read_only = true;
        feed(&mut s, [ch('p'), ch('s'), ch('s')]);
        s
    });
}

/// The "show Windows password" dialog at each stage; the password is a test value.
#[test]
fn windows_password_dialog() {
    fn open(path: &str) -> State {
        let mut s = loaded();
        select(&mut s, "win-ad-01");
        feed(&mut s, [ch('w')]);
        type_str(&mut s, path);
        s
    }
    fn answered(read_only: bool) -> State {
        let mut s = open("~/.ssh/kp-win.pem");
        s.read_only = read_only;
        let effects = feed(&mut s, [key(KeyCode::Enter)]);
        let Some(Effect::Api(Request::WindowsPassword { id, target, .. })) = effects.first() else {
            panic!("no request: {effects:?}");
        };
        let event = Event::WindowsPassword {
            id: *id,
            server_id: target.server_id.clone(),
            outcome: Ok(ecsreset::secret::Secret::from("Dq4#Winpw-Fixture")),
        };
        update(&mut s, Msg::Worker(event));
        s
    }
    snap!("winpw_path", || open("~/.ssh/kp-win.pem"));
    snap!("winpw_shown", || answered(false));
    snap!("winpw_read_only", || answered(true));
    snap!("winpw_details_hint", || {
        let mut s = loaded();
        select(&mut s, "win-ad-01");
        feed(&mut s, [key(KeyCode::Enter)]);
        s
    });
}

/// ECS and bare-metal servers in one table: a kind column appears only when bare metal is
/// listed, so an ECS-only fleet keeps its columns.
#[test]
fn ecs_and_bms_in_one_table() {
    snap!("servers_bare_metal", loaded_with_bare_metal);
    snap!("details_bare_metal", || {
        let mut s = loaded_with_bare_metal();
        select(&mut s, "bms-win-01");
        feed(&mut s, [key(KeyCode::Enter)]);
        s
    });
    for (w, h) in [(80, 24), (120, 40)] {
        let mut s = loaded_with_bare_metal();
        let shown = text(render(&mut s, w, h).backend().buffer());
        assert!(shown.contains("kind"), "{w}x{h}");
        assert!(shown.contains("BMS") && shown.contains("ECS"), "{w}x{h}");
        let mut s = loaded();
        let shown = text(render(&mut s, w, h).backend().buffer());
        assert!(!shown.contains("kind") && !shown.contains("BMS"), "{w}x{h}");
    }
    // An accepted bare-metal reset says that ecsreset does not restart it.
    let mut s = loaded_with_bare_metal();
    select(&mut s, "bms-db-01");
    feed(&mut s, [ch('r')]);
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Enter)]);
    type_str(&mut s, "Tq7!fixture");
    let effects = feed(
        &mut s,
        [
            key(KeyCode::Enter),
            key(KeyCode::Right),
            key(KeyCode::Enter),
        ],
    );
    let Some(Effect::Api(Request::Reset { id, targets, .. })) = effects.last() else {
        panic!("no reset sent: {effects:?}");
    };
    assert_eq!(targets[0].kind, ecsreset::cloud::ServerKind::Bms);
    let ev = Event::Reset {
        id: *id,
        server_id: targets[0].server_id.clone(),
        status: ResetStatus::Accepted,
    };
    update(&mut s, Msg::Worker(ev));
    let shown = text(render(&mut s, 120, 40).backend().buffer());
    assert!(shown.contains("bare metal: restart it yourself"), "{shown}");
}

#[test]
fn popups() {
    snap!("details", || {
        let mut s = loaded();
        select(&mut s, "db-01");
        feed(&mut s, [key(KeyCode::Enter)]);
        s
    });
    snap!("help", || {
        let mut s = loaded();
        feed(&mut s, [ch('?')]);
        s
    });
    snap!("message", || {
        let mut s = loaded();
        s.mode = ecsreset::tui::state::Mode::Message {
            title: "Config not reloaded".into(),
            text: "config file /home/op/.config/ecsreset/config.toml: line 14, column 10: \
                   projects[0].region: expected a string, found an integer\n\nThe session \
                   goes on with the config it had. Fix the file, then press R again."
                .into(),
        };
        s
    });
}

#[test]
fn reset_form() {
    snap!("form_empty", || form_with("", ""));
    snap!("form_partial", || form_with("abcdef1", ""));
    snap!("form_valid", || form_with("Tq7!fixture", "Tq7!fixture"));
    snap!("form_mismatch", || form_with("Tq7!fixture", "Tq7!fixtur"));
    snap!("form_generated", || {
        let mut s = form_with("", "");
        feed(&mut s, [ctrl('g')]);
        s
    });
}

#[test]
fn confirm_and_results() {
    snap!("confirm_single", || {
        let mut s = form_with("Tq7!fixture", "Tq7!fixture");
        feed(&mut s, [key(KeyCode::Enter)]);
        s
    });
    snap!("confirm_multiple", confirm_multi);
    snap!("confirm_refused_hidden", confirm_refused_and_hidden);
    snap!("confirm_checking", confirm_checking);
    snap!("results", results);
    snap!("form_sealed", sealed_form);
    snap!("confirm_sealed", sealed_confirm);
    snap!("results_sealed", sealed_results);
    // Pre-flight's refusal is shown with its reason and the marks hidden by the filter are
    // called out; nothing refused is counted.
    let mut s = confirm_refused_and_hidden();
    let t = render(&mut s, 120, 40);
    let shown = text(t.backend().buffer());
    assert!(
        shown.contains("Refused by pre-flight, not sent (1)"),
        "{shown}"
    );
    assert!(shown.contains("not supported"), "{shown}");
    assert!(shown.contains("[hidden]: marked, but not shown"), "{shown}");
    assert!(shown.contains("Type 2 to confirm"), "{shown}");
}

#[test]
fn log_and_audit() {
    snap!("log_with_errors", with_log);
    snap!("audit_progress", audit_running);
    snap!("audit_summary", audit_done);
}

/// At the stated minimum every control of every mode is on screen: the fields and buttons
/// of the dialogs, and the hint bar's keys.
#[test]
fn every_control_shows_at_the_minimum() {
    let (w, h) = (ui::layout::MIN_WIDTH, ui::layout::MIN_HEIGHT);
    let cases: Vec<(&str, State, &[&str])> = vec![
        ("browse", loaded(), &["web-01", "? help", "q quit"]),
        (
            "filter",
            {
                let mut s = loaded();
                feed(&mut s, [ch('/')]);
                type_str(&mut s, "flag:supported");
                s
            },
            &["filter: /flag:supported", "enter keep"],
        ),
        (
            "form",
            form_with("abc", ""),
            &[
                "password",
                "confirm",
                "is_check_password",
                "✗ 8 to 26",
                "tab next",
                "esc cancel",
            ],
        ),
        (
            "confirm single",
            {
                let mut s = form_with("Tq7!fixture", "Tq7!fixture");
                feed(&mut s, [key(KeyCode::Enter)]);
                s
            },
            &[
                "[ Cancel ]",
                "[ Reset 1 server ]",
                "hard reboot",
                "esc back",
            ],
        ),
        (
            "confirm multiple",
            confirm_multi(),
            &[
                "[ Cancel ]",
                "[ Reset 4 servers ]",
                "Type 4 to confirm",
                "hard reboot",
            ],
        ),
        ("results", results(), &["esc close"]),
        (
            "details",
            {
                let mut s = loaded();
                select(&mut s, "db-01");
                feed(&mut s, [key(KeyCode::Enter)]);
                s
            },
            &["db-01", "esc close"],
        ),
        (
            "help",
            {
                let mut s = loaded();
                feed(&mut s, [ch('?')]);
                s
            },
            &["esc close", "scroll"],
        ),
        ("audit summary", audit_done(), &["esc close"]),
        ("log", with_log(), &["tab log", "Log ("]),
    ];
    for (name, mut s, wanted) in cases {
        let t = render(&mut s, w, h);
        let lines: Vec<String> = (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| t.backend().buffer()[(x, y)].symbol().to_owned())
                    .collect()
            })
            .collect();
        let screen = lines.join("\n");
        for want in wanted {
            assert!(
                screen.contains(want),
                "{name} at {w}x{h} lacks {want:?}:\n{screen}"
            );
        }
    }
}

#[test]
fn too_small_terminal_says_so() {
    for (w, h) in [(59, 24), (80, 14), (20, 5), (1, 1)] {
        let mut s = loaded();
        let t = render(&mut s, w, h);
        let shown = text(t.backend().buffer());
        if w >= 45 {
            assert!(
                shown.contains(&format!("need 60x15, have {w}x{h}")),
                "{w}x{h}: {shown}"
            );
        }
    }
    let mut s = loaded();
    let t = render(&mut s, 50, 10);
    insta::assert_snapshot!("too_small_50x10", t.backend());
}

fn find(buf: &Buffer, needle: &str, row: u16) -> Option<u16> {
    let line: String = (0..buf.area.width)
        .map(|x| buf[(x, row)].symbol().to_owned())
        .collect::<Vec<_>>()
        .concat();
    let byte = line.find(needle)?;
    Some(line[..byte].chars().count() as u16)
}

fn row_of(buf: &Buffer, needle: &str) -> u16 {
    (0..buf.area.height)
        .find(|&y| find(buf, needle, y).is_some())
        .unwrap_or_else(|| panic!("{needle} not on screen"))
}

#[test]
fn unsupported_flag_is_red_and_has_a_cross() {
    let mut s = loaded();
    let t = render(&mut s, 120, 40);
    let buf = t.backend().buffer();
    let y = row_of(buf, "db-01");
    let x = find(buf, "✗ unsupported", y).expect("glyph and word");
    assert_eq!(buf[(x, y)].fg, Color::Red);
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    let y = row_of(buf, "web-01");
    let x = find(buf, "✓ supported", y).unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Green);
}

#[test]
fn mono_and_no_color_use_no_colour_at_all() {
    assert!(ui::theme::no_color_requested(Some("1")));
    assert!(!ui::theme::no_color_requested(Some("")));
    assert!(!ui::theme::no_color_requested(None));
    let builders: [fn() -> State; 5] = [loaded, with_log, results, audit_done, confirm_multi];
    for build in builders {
        let mut s = build();
        s.mono = true;
        for (w, h) in SIZES {
            let t = render(&mut s, w, h);
            for cell in t.backend().buffer().content() {
                assert_eq!(cell.fg, Color::Reset, "fg of {:?}", cell.symbol());
                assert_eq!(cell.bg, Color::Reset, "bg of {:?}", cell.symbol());
            }
        }
    }
}

#[test]
fn hostile_server_strings_never_reach_the_terminal() {
    let mut s = empty();
    let id = started(&mut s);
    let mut evil = server(
        1,
        "ok\x1b[31mred\x07bell\u{202e}txt.exe\u{2066}",
        "Linux",
        "ACTIVE\x1b[2J",
        "1.2.3.4",
    );
    evil.description = Some("line1\nline2\r\x1b]0;title\x07".into());
    evil.tags = Some(vec!["k=\u{9b}v".into()]);
    update(
        &mut s,
        Msg::Worker(Event::Listed {
            id,
            project: 0,
            servers: vec![evil.clone()],
        }),
    );
    let flags = vec![FlagResult {
        project: 0,
        server_id: evil.id.clone(),
        outcome: Err("Ecs.0001: bad \x1b[5m\u{202d}thing".into()),
        at: now(),
    }];
    update(&mut s, Msg::Worker(Event::Flags { id, flags }));
    let mut rec = record(1, Some("x\x1b[0m\u{2067}y"));
    rec.path = "/v1/\x1b[1m".into();
    update(&mut s, Msg::Worker(Event::Call(rec)));
    feed(&mut s, [ch('l'), ch('l')]);
    for keys in [
        vec![],
        vec![key(KeyCode::Enter)],
        vec![key(KeyCode::Esc), ch('l')],
    ] {
        feed(&mut s, keys);
        for (w, h) in SIZES {
            let t = render(&mut s, w, h);
            let shown = text(t.backend().buffer());
            for bad in [
                '\x1b', '\x07', '\u{202e}', '\u{202d}', '\u{2066}', '\u{2067}', '\u{9b}', '\n',
                '\r',
            ] {
                assert!(!shown.contains(bad), "{bad:?} reached the screen");
            }
            // The name column may cut it (with `…`) at 80 columns; the cleaned start is there.
            assert!(shown.contains("ok�[31mred�"), "{shown}");
        }
    }
}

#[test]
fn wide_names_keep_the_columns_aligned() {
    let mut s = empty();
    let id = started(&mut s);
    let servers = vec![
        server(
            1,
            "漢字漢字漢字漢字漢字漢字漢字漢字漢字",
            "Linux",
            "ACTIVE",
            "10.0.0.1",
        ),
        server(2, "plain", "Linux", "ACTIVE", "10.0.0.2"),
    ];
    update(
        &mut s,
        Msg::Worker(Event::Listed {
            id,
            project: 0,
            servers,
        }),
    );
    let t = render(&mut s, 80, 24);
    let buf = t.backend().buffer();
    // The short id (always shown, unlike the IP at 80 columns) follows the name.
    let wide = find(buf, "00000001", row_of(buf, "00000001")).unwrap();
    let plain = find(buf, "00000002", row_of(buf, "00000002")).unwrap();
    // Column positions in cells (not chars): compare the cell x of the id column.
    let x_of = |needle: &str| {
        let y = row_of(buf, needle);
        (0..buf.area.width)
            .find(|&x| (0..7).all(|k| buf[(x + k, y)].symbol() == "0"))
            .unwrap()
    };
    let _ = (wide, plain);
    assert_eq!(x_of("00000001"), x_of("00000002"));
}

#[test]
fn ten_thousand_servers_scroll_without_rebuilding_the_index() {
    let mut s = empty();
    let id = started(&mut s);
    for p in 0..2 {
        let servers = (0..5_000)
            .map(|n| {
                server(
                    p * 5_000 + n,
                    &format!("srv-{p}-{n:05}"),
                    "Linux",
                    "ACTIVE",
                    "10.0.0.1",
                )
            })
            .collect();
        update(
            &mut s,
            Msg::Worker(Event::Listed {
                id,
                project: p as usize,
                servers,
            }),
        );
    }
    assert_eq!(s.table.view().len(), 10_000);
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    update(&mut s, Msg::Resize(120, 40));
    for i in 0..300 {
        let k = if i % 3 == 0 {
            KeyCode::PageDown
        } else {
            KeyCode::Down
        };
        update(&mut s, key(k));
        t.draw(|f| ui::draw(f, &s)).unwrap();
    }
    // Frame time at this size is measured by `cargo bench --bench tui`, not asserted here.
    let shown = text(t.backend().buffer());
    assert!(shown.contains(&format!("{}/10000", s.table.cursor() + 1)));
}

#[test]
fn emoji_rtl_and_combining_names_keep_the_columns_aligned() {
    let mut s = empty();
    let id = started(&mut s);
    let names = [
        "❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}",
        "خادم-الويب-الرئيسي-في-المنطقة-الشمالية-رقم-واحد",
        "e\u{301}e\u{301}e\u{301}-combining-marks-and-zero\u{200b}width-joiners-👩\u{200d}💻",
        "plain",
    ];
    let servers = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            server(
                i as u32 + 1,
                n,
                "Linux",
                "ACTIVE",
                &format!("10.0.0.{}", i + 1),
            )
        })
        .collect();
    update(
        &mut s,
        Msg::Worker(Event::Listed {
            id,
            project: 0,
            servers,
        }),
    );
    for (w, h) in SIZES {
        let t = render(&mut s, w, h);
        let buf = t.backend().buffer();
        // The cell x where each row's short id starts (cells, not chars: a cell may hold
        // a grapheme of several chars): the same for every row.
        let xs: Vec<u16> = (1..=names.len())
            .map(|i| {
                let ip = format!("{i:08x}");
                let y = row_of(buf, &ip);
                (0..buf.area.width - ip.len() as u16)
                    .find(|&x| {
                        ip.chars()
                            .enumerate()
                            .all(|(k, c)| buf[(x + k as u16, y)].symbol() == c.to_string())
                    })
                    .unwrap_or_else(|| panic!("{ip} not found:\n{}", text(buf)))
            })
            .collect();
        assert!(xs.windows(2).all(|p| p[0] == p[1]), "{w}x{h}: {xs:?}");
        // Cut names say so, however their width is made up.
        for id in ["00000001", "00000002", "00000003"] {
            let y = row_of(buf, id);
            let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            assert!(row.contains('…'), "{w}x{h}: {row}");
        }
    }
}

/// The results popup pads names by display width, not by characters.
#[test]
fn wide_names_keep_the_results_aligned() {
    let mut s = empty();
    let id = started(&mut s);
    let names = ["数据库主服务器", "❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}", "plain"];
    let servers: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, n)| server(i as u32 + 1, n, "Linux", "ACTIVE", &format!("10.0.0.{i}")))
        .collect();
    let flags = servers
        .iter()
        .map(|d| FlagResult {
            project: 0,
            server_id: d.id.clone(),
            outcome: Ok(true),
            at: now(),
        })
        .collect();
    update(
        &mut s,
        Msg::Worker(Event::Listed {
            id,
            project: 0,
            servers: servers.clone(),
        }),
    );
    update(&mut s, Msg::Worker(Event::Flags { id, flags }));
    for n in names {
        select(&mut s, n);
        feed(&mut s, [ch(' ')]);
    }
    feed(&mut s, [ch('r')]);
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Enter)]);
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Enter), key(KeyCode::Right)]);
    type_str(&mut s, "3");
    let effects = feed(&mut s, [key(KeyCode::Enter)]);
    let Some(ecsreset::tui::msg::Effect::Api(Request::Reset { id, .. })) = effects.first() else {
        panic!("no reset sent: {effects:?}")
    };
    for (i, d) in servers.iter().enumerate() {
        let ev = Event::Reset {
            id: *id,
            server_id: d.id.clone(),
            status: ResetStatus::Failed(format!("E{i}x")),
        };
        update(&mut s, Msg::Worker(ev));
    }
    for (w, h) in SIZES {
        let t = render(&mut s, w, h);
        let buf = t.backend().buffer();
        let cell_x = |needle: &str| {
            (0..buf.area.height)
                .find_map(|y| {
                    (0..buf.area.width - needle.len() as u16).find(|&x| {
                        needle
                            .chars()
                            .enumerate()
                            .all(|(k, c)| buf[(x + k as u16, y)].symbol() == c.to_string())
                    })
                })
                .unwrap_or_else(|| panic!("{needle} not on screen:\n{}", text(buf)))
        };
        let xs: Vec<u16> = (0..names.len())
            .map(|i| cell_x(&format!("E{i}x")))
            .collect();
        assert!(xs.windows(2).all(|p| p[0] == p[1]), "{w}x{h}: {xs:?}");
    }
}

#[test]
fn a_name_longer_than_its_column_ends_with_an_ellipsis() {
    let mut s = empty();
    let id = started(&mut s);
    let long = "payments-settlement-reconciliation-worker-01";
    update(
        &mut s,
        Msg::Worker(Event::Listed {
            id,
            project: 0,
            servers: vec![server(1, long, "Linux", "ACTIVE", "10.0.0.1")],
        }),
    );
    for (w, h) in SIZES {
        let t = render(&mut s, w, h);
        let buf = t.backend().buffer();
        let row = row_of(buf, "payments-");
        let line: String = (0..w).map(|x| buf[(x, row)].symbol()).collect();
        let shown = line.split_whitespace().nth(1).unwrap();
        assert!(
            shown.ends_with('…') && long.starts_with(shown.trim_end_matches('…')),
            "{line}"
        );
    }
}

/// Listing failed everywhere: the empty table says so, with every project's whole error.
#[test]
fn a_failed_listing_is_not_an_empty_fleet() {
    let mut s = empty();
    let id = started(&mut s);
    for project in 0..3 {
        let error = format!(
            "APIGW.0301 (HTTP 401): Incorrect IAM authentication information, project {project} end"
        );
        update(
            &mut s,
            Msg::Worker(Event::ListFailed {
                id,
                project,
                error,
                kind: ErrorKind::CredentialsRefused,
            }),
        );
    }
    update(&mut s, Msg::Worker(Event::Done { id }));
    let t = render(&mut s, 80, 24);
    let shown = text(t.backend().buffer());
    assert!(
        shown.contains("nothing listed: 3 of 3 projects failed"),
        "{shown}"
    );
    assert!(!shown.contains("no servers in"), "{shown}");
    for project in 0..3 {
        assert!(shown.contains(&format!("project {project} end")), "{shown}");
    }
}

/// Sorting by a column too wide to show names it in the frame, not on another column.
#[test]
fn a_hidden_sort_column_is_named_not_misplaced() {
    let mut s = loaded();
    // From project ▲: project ▼, name ▲ ▼, status ▲ ▼, os ▲ ▼, then ip ▲.
    feed(&mut s, (0..8).map(|_| ch('s')));
    assert_eq!(s.table.sort().0.label(), "ip");
    let t = render(&mut s, 80, 24);
    let buf = t.backend().buffer();
    let header: String = (0..80).map(|x| buf[(x, 2)].symbol()).collect();
    assert!(!header.contains('▲') && !header.contains('▼'), "{header}");
    let top: String = (0..80).map(|x| buf[(x, 1)].symbol()).collect();
    assert!(top.contains("by ip▲"), "{top}");
    let t = render(&mut s, 120, 40);
    let buf = t.backend().buffer();
    let header: String = (0..120).map(|x| buf[(x, 2)].symbol()).collect();
    assert!(header.contains("ip▲"), "{header}");
}

/// A remapped submit key is the one the form names.
#[test]
fn the_form_names_the_remapped_submit_key() {
    let mut s = form_with("Tq7!fixture", "Tq7!fixture");
    s.keys
        .apply_overrides(&[
            ("ctrl-s".into(), "none".into()),
            ("f2".into(), "submit".into()),
        ])
        .unwrap();
    let t = render(&mut s, 120, 40);
    let shown = text(t.backend().buffer());
    assert!(shown.contains("ready: enter or f2 to review"), "{shown}");
    assert!(!shown.contains("ctrl-s"), "{shown}");
}

#[test]
fn two_profiles_in_one_table() {
    snap!("servers_two_profiles", two_profiles);
    snap!("servers_two_profiles_switched", || {
        let mut s = two_profiles();
        feed(&mut s, [ch('P'), ch('P')]);
        s
    });
    let mut s = two_profiles();
    let t = render(&mut s, 120, 40);
    let screen = text(t.backend().buffer());
    assert!(screen.contains("profile") && screen.contains("acme") && screen.contains("lab"));
    // One profile loaded: no column, no header word.
    let mut one = loaded();
    let t = render(&mut one, 120, 40);
    assert!(!text(t.backend().buffer()).contains("profile"));
}

/// The header shows when an agency profile's keys end, updated by each renewal.
#[test]
fn the_header_shows_the_agency_keys_expiry() {
    let mut s = two_profiles();
    let top = |s: &mut State| {
        let t = render(s, 200, 60);
        let buf = t.backend().buffer();
        (0..200).map(|x| buf[(x, 0)].symbol()).collect::<String>()
    };
    assert!(!top(&mut s).contains("agency"));
    let until = s.now + chrono::TimeDelta::minutes(60);
    let renewed = |until| Event::AgencyKeys {
        profile: "acme".into(),
        until,
    };
    update(&mut s, Msg::Worker(renewed(until)));
    let want = format!("acme: agency until {}", until.format("%H:%M"));
    assert!(top(&mut s).contains(&want), "{}", top(&mut s));
    let later = until + chrono::TimeDelta::minutes(55);
    update(&mut s, Msg::Worker(renewed(later)));
    let line = top(&mut s);
    let want = format!("acme: agency until {}", later.format("%H:%M"));
    assert!(line.contains(&want), "{line}");
    assert_eq!(line.matches("agency until").count(), 1, "{line}");
    s.now = later;
    assert!(top(&mut s).contains("acme: agency expired"));
}

/// Bare-metal servers are reset but never restarted by ecsreset: the confirmation says so
/// whatever reboot is chosen, and only of them.
#[test]
fn confirm_says_bare_metal_is_not_restarted() {
    let mut s = loaded_with_bare_metal();
    for n in ["web-01", "bms-db-01"] {
        select(&mut s, n);
        feed(&mut s, [ch(' ')]);
    }
    feed(&mut s, [ch('r')]);
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Enter)]);
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Enter), key(KeyCode::Down)]);
    let t = render(&mut s, 120, 40);
    let shown = text(t.backend().buffer());
    assert!(shown.contains("soft reboot after the reset"), "{shown}");
    assert!(
        shown.contains("1 bare-metal server(s) are never restarted here: restart them"),
        "{shown}"
    );
    let mut plain = marked(&["web-01", "web-02"]);
    feed(&mut plain, [ch('r')]);
    type_str(&mut plain, "Tq7!fixture");
    feed(&mut plain, [key(KeyCode::Enter)]);
    type_str(&mut plain, "Tq7!fixture");
    feed(&mut plain, [key(KeyCode::Enter)]);
    let t = render(&mut plain, 120, 40);
    assert!(!text(t.backend().buffer()).contains("bare-metal"));
}
