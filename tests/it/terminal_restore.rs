//! The terminal is given back as it was, whichever way the TUI ends: `q`, SIGTERM, SIGHUP, or
//! a panic. Each test runs `stty -a`, the real binary, and `stty -a` again in one
//! pseudo-terminal, then checks the raw bytes the app wrote (the alternate screen is left and
//! the cursor shown after the last time it was entered), the emulated terminal's modes, and
//! that the line discipline is back to what it was (`icanon`, `echo`: raw mode is off).

use crate::support::pty;

use ecsreset::sim::Fleet;
use portable_pty::ExitStatus;
use pty::{Env, Pty};

/// Read in `src/tui/runtime.rs`, by debug builds only.
const PANIC_HOOK: &str = "ECSRESET_TEST_PANIC_AFTER_DRAW";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    Quit,
    Signal(&'static str),
    Panic,
}

/// What one run of the app left behind.
struct Ended {
    status: ExitStatus,
    /// Everything the app wrote to the terminal, start to exit.
    out: Vec<u8>,
    /// The screen after `stty -a` ran behind the app.
    screen: String,
}

fn end_the_app(way: Way) -> Ended {
    let env = Env::new(Fleet::generate(1, 8, 5));
    let mut term = Pty::new();
    let before = term.stty_words();
    assert_cooked(&before, "before the app");
    let start = term.raw_len();
    let mut cmd = env.app(&[]);
    if way == Way::Panic {
        cmd.env(PANIC_HOOK, "1");
    }
    let mut app = term.spawn(cmd);
    if way != Way::Panic {
        let listed = format!("listed {} servers", env.listed());
        term.wait_until(&format!("{listed:?} and no flag still checking"), |s| {
            s.contains(&listed) && !s.contains("checking")
        });
    }
    match way {
        Way::Quit => term.send("q"),
        Way::Signal(name) => app.signal(name),
        Way::Panic => {}
    }
    let status = term.wait_exit(&mut app);

    // The same pty, right after: its modes are whatever the app left.
    let after = term.stty_words();
    assert_cooked(&after, &format!("after {way:?}"));
    assert_eq!(before, after, "`stty -a` differs after {way:?}");
    assert_eq!(
        term.modes(),
        (false, false),
        "after {way:?} the terminal is still on the alternate screen or the cursor is hidden"
    );
    let raw = term.raw();
    let helper = pty::find(&raw[start..], pty::HELPER_START.as_bytes())
        .expect("the stty helper ran after the app");
    Ended {
        status,
        out: raw[start..start + helper].to_vec(),
        screen: term.screen(),
    }
}

/// Canonical mode with echo: what a shell expects, and what raw mode turns off.
fn assert_cooked(stty: &[String], when: &str) {
    for word in ["icanon", "echo", "isig", "opost"] {
        assert!(
            stty.iter().any(|w| w == word),
            "{when}: `stty -a` lacks {word}: {stty:?}"
        );
    }
}

/// After the last time the app entered the alternate screen it left it and showed the
/// cursor, and drew nothing on the alternate screen again. Returns where it left it.
fn assert_restored(out: &[u8], way: Way) -> usize {
    let text = || String::from_utf8_lossy(&out[out.len().saturating_sub(400)..]).into_owned();
    let enter = pty::rfind(out, pty::ENTER_ALT)
        .unwrap_or_else(|| panic!("{way:?}: the app never entered the alternate screen"));
    let leave = enter
        + pty::find(&out[enter..], pty::LEAVE_ALT).unwrap_or_else(|| {
            panic!(
                "{way:?}: the alternate screen was not left; the output ends with {:?}",
                text()
            )
        });
    let rest = &out[leave..];
    let show = pty::rfind(rest, pty::SHOW_CURSOR).unwrap_or_else(|| {
        panic!(
            "{way:?}: the cursor was not shown after leaving the alternate screen; the output \
             ends with {:?}",
            text()
        )
    });
    assert!(
        pty::rfind(rest, pty::HIDE_CURSOR).is_none_or(|hide| hide < show),
        "{way:?}: the cursor is hidden again at the end: {:?}",
        text()
    );
    leave
}

fn assert_quiet_exit(e: &Ended, way: Way, code: u32) {
    assert!(
        e.status.exit_code() == code && e.status.signal().is_none(),
        "{way:?}: exit status {:?}, want {code}",
        e.status
    );
    let leave = assert_restored(&e.out, way);
    let after = String::from_utf8_lossy(&e.out[leave..]).into_owned();
    assert!(
        strip_csi(&after).trim().is_empty(),
        "{way:?}: the app printed something after leaving the screen: {after:?}"
    );
}

/// `text` without its CSI escape sequences (`ESC [`, parameters, one final byte).
fn strip_csi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for f in chars.by_ref() {
                if ('\x40'..='\x7e').contains(&f) {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn quitting_with_q_restores_the_terminal_and_exits_0() {
    let e = end_the_app(Way::Quit);
    assert_quiet_exit(&e, Way::Quit, 0);
}

/// `runtime.rs` leaves its loop on SIGTERM like on `q`: the terminal is restored, and the
/// exit status says a signal ended it the shell's way (128 + 15), without dying of it.
#[test]
fn sigterm_restores_the_terminal_and_exits_143() {
    let e = end_the_app(Way::Signal("TERM"));
    assert_quiet_exit(&e, Way::Signal("TERM"), 143);
}

/// The same for SIGHUP (the terminal window closed): restored, status 129.
#[test]
fn sighup_restores_the_terminal_and_exits_129() {
    let e = end_the_app(Way::Signal("HUP"));
    assert_quiet_exit(&e, Way::Signal("HUP"), 129);
}

/// A `kill -INT` from outside (ctrl-c at the keyboard is a key in raw mode): status 130.
#[test]
fn sigint_restores_the_terminal_and_exits_130() {
    let e = end_the_app(Way::Signal("INT"));
    assert_quiet_exit(&e, Way::Signal("INT"), 130);
}

/// A panic on the UI thread: the terminal is restored before the message is printed, so the
/// message is readable on the main screen (lines start at column 0: output processing is back
/// on), stays there once the shell prints again, and the exit status is Rust's 101.
#[cfg(debug_assertions)]
#[test]
fn a_panic_restores_the_terminal_before_its_message() {
    let e = end_the_app(Way::Panic);
    assert_eq!(e.status.exit_code(), 101, "{:?}", e.status);
    let leave = assert_restored(&e.out, Way::Panic);
    let message = format!("{PANIC_HOOK} is set");
    let at = pty::find(&e.out, message.as_bytes()).unwrap_or_else(|| {
        panic!(
            "no panic message in the output: {:?}",
            String::from_utf8_lossy(&e.out)
        )
    });
    assert!(
        at > leave,
        "the panic message was printed before the alternate screen was left"
    );
    assert!(
        e.out[..at].ends_with(b"\r\n"),
        "the message line does not start at column 0 (still in raw mode?): {:?}",
        String::from_utf8_lossy(&e.out[at.saturating_sub(120)..at + 40])
    );
    assert!(
        e.screen
            .lines()
            .any(|l| l.starts_with(&message) && l.contains("test panic after the first frame")),
        "the panic message is not on the screen once the shell printed again:\n{}",
        e.screen
    );
    assert!(e.screen.contains("panicked at"), "{}", e.screen);
}
