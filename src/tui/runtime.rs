//! The loop: wait for a key, a worker event, a tick or a signal; feed everything that is
//! ready through `update`; execute the effects; draw once. The terminal is restored on every
//! way out (return, error, panic: ratatui's panic hook plus the guard below).

use super::TuiError;
use super::msg::{Effect, Event, Msg, Request};
use super::state::{Level, Mode, State};
use super::update::{apply, settle, start, update};
use super::{ui, worker};
use crate::cloud::Cloud;
use chrono::Utc;
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

/// Worker events handled per wake-up before the screen is drawn again, so a flood of
/// results can never starve the keyboard.
pub const DRAIN_LIMIT: usize = 4096;
/// How long one wake-up may spend on worker events before the loop reads the keys and
/// draws: with 100,000 servers listing at once, a count alone let one turn run for seconds.
pub const DRAIN_BUDGET: Duration = Duration::from_millis(4);
const TICK: Duration = Duration::from_millis(250);

/// Restores raw mode, the main screen and the cursor when dropped.
struct TerminalGuard;

/// Whether this process asked the terminal for mouse reports, so every way out turns them
/// off again (a shell left with mouse reporting on prints escape codes on every click).
static MOUSE_CAPTURED: AtomicBool = AtomicBool::new(false);

/// Turns mouse reports on or off to match `want`; a failure leaves the keys working.
fn capture_mouse(want: bool) {
    if MOUSE_CAPTURED.swap(want, Ordering::SeqCst) == want {
        return;
    }
    let mut out = std::io::stdout();
    let _ = if want {
        crossterm::execute!(out, crossterm::event::EnableMouseCapture)
    } else {
        crossterm::execute!(out, crossterm::event::DisableMouseCapture)
    };
}

fn release_mouse() {
    if MOUSE_CAPTURED.swap(false, Ordering::SeqCst) {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        release_mouse();
        // Unwinding from a panic on this thread: ratatui's panic hook has already restored
        // the terminal and the message is on the main screen. A second "leave the alternate
        // screen" would also restore the cursor saved on entering it (DECRC), moving it back
        // above the message, and the shell prompt would overwrite the message.
        if !std::thread::panicking() {
            ratatui::restore();
        }
        let _ = crossterm::execute!(std::io::stdout(), crossterm::cursor::Show);
    }
}

/// Test hook, debug builds only: with `ECSRESET_TEST_PANIC_AFTER_DRAW=1` the loop panics right
/// after its first frame, so `tests/it/terminal_restore.rs` can check that a panic restores the
/// terminal before the message is printed. A release build never reads the variable.
const TEST_PANIC_AFTER_DRAW: &str = "ECSRESET_TEST_PANIC_AFTER_DRAW";

fn test_panic_after_draw() -> bool {
    cfg!(debug_assertions) && std::env::var_os(TEST_PANIC_AFTER_DRAW).is_some_and(|v| v == "1")
}

/// How the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The operator quit.
    Quit,
    /// A signal asked us to stop (its number); the terminal was restored all the same.
    Signal(i32),
}

impl Exit {
    /// The shell's convention: 0 for a quit, 128 + n for a signal.
    pub fn code(self) -> u8 {
        match self {
            Exit::Quit => 0,
            Exit::Signal(n) => u8::try_from(128 + n).unwrap_or(1),
        }
    }
}

/// After ratatui's hook (restore the terminal, print the message) the process ends: a panic
/// in a background task would otherwise be caught by tokio and leave the UI drawing on a
/// terminal that is no longer in raw mode.
fn exit_after_panic() {
    let restore_and_print = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        release_mouse();
        restore_and_print(info);
        let _ = crossterm::execute!(std::io::stdout(), crossterm::cursor::Show);
        std::process::exit(101);
    }));
}

/// Turns a terminal event into a message: key presses, resizes and (when captured) the mouse.
pub fn term_msg(event: TermEvent) -> Option<Msg> {
    match event {
        TermEvent::Key(k) if k.kind == KeyEventKind::Press => Some(Msg::Key(k)),
        TermEvent::Mouse(m) => Some(Msg::Mouse(m)),
        TermEvent::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// Hands effects to the worker without ever blocking the UI; a full queue is reported back.
fn execute(state: &mut State, effects: Vec<Effect>, requests: &mpsc::Sender<Request>) {
    let mut undelivered = Vec::new();
    for effect in effects {
        match effect {
            Effect::Api(request) => {
                let id = request.id();
                if requests.try_send(request).is_err() {
                    undelivered.push(id);
                }
            }
            Effect::Quit => state.quit = true,
            Effect::ReloadConfig => state.reload_requested = true,
            Effect::Copy(text) => {
                use std::io::Write;
                let mut out = std::io::stdout();
                let _ = out
                    .write_all(crate::tui::clipboard::osc52(&text).as_bytes())
                    .and_then(|()| out.flush());
            }
            Effect::SaveCsv {
                file_name,
                rows,
                bytes,
            } => save_csv(state, &file_name, rows, &bytes),
        }
    }
    for id in undelivered {
        let more = update(state, Msg::Undelivered(id));
        execute(state, more, requests);
    }
}

fn save_csv(state: &mut State, file_name: &str, rows: usize, bytes: &[u8]) {
    let Some(dir) = state.data_dir.clone() else {
        state.notice(
            Level::Error,
            "no data directory to save to; pass --data-dir",
        );
        return;
    };
    match crate::tui::export::save(&dir, file_name, bytes) {
        Ok(path) => {
            let rows = if rows == 1 {
                "1 row".into()
            } else {
                format!("{rows} rows")
            };
            let text = format!("saved {rows} to {}", path.display());
            // The status line has half the width: a path cut short would be no use.
            if unicode_width::UnicodeWidthStr::width(text.as_str()) > usize::from(state.size.0 / 2)
            {
                state.mode = Mode::Message {
                    title: "Table saved".into(),
                    text: text.clone(),
                };
            }
            state.notice(Level::Info, text);
        }
        Err(e) => state.notice(Level::Error, format!("table not saved: {e}")),
    }
}

fn step(state: &mut State, msg: Msg, requests: &mpsc::Sender<Request>) {
    let effects = update(state, msg);
    execute(state, effects, requests);
}

/// Applies the worker events that are ready, for at most `budget` (and [`DRAIN_LIMIT`]
/// events), then settles the view once for all of them. Returns how many it applied.
pub fn drain(
    state: &mut State,
    events: &mut mpsc::UnboundedReceiver<Event>,
    requests: &mpsc::Sender<Request>,
    budget: Duration,
) -> usize {
    let started = Instant::now();
    let mut drained = 0;
    while drained < DRAIN_LIMIT
        && started.elapsed() < budget
        && let Ok(e) = events.try_recv()
    {
        let effects = apply(state, Msg::Worker(e));
        execute(state, effects, requests);
        drained += 1;
    }
    if drained > 0 {
        settle(state);
    }
    drained
}

/// A fresh session from the config file as it is now: the state, its client and the worker's
/// options; or why the file cannot be used (the session goes on as it was).
pub type Reload = Box<dyn FnMut() -> Result<Session, String> + Send>;

pub struct Session {
    pub state: State,
    pub cloud: Cloud,
    pub opts: worker::WorkerOptions,
    /// Shown in the status line, e.g. the file that was read.
    pub source: String,
}

/// The state that belongs to the screen and the operator rather than to the config: the
/// request log, the terminal size, the open log pane, the id counter (so answers still on
/// their way from the old worker can never match a new request).
fn carry_over(old: &mut State, new: &mut State) {
    new.size = old.size;
    new.now = old.now;
    new.mono |= old.mono;
    new.show_log = old.show_log;
    new.log = std::mem::take(&mut old.log);
    new.next_id = old.next_id;
    // What the operator was looking at: reloading credentials must not lose the filter.
    new.table.set_filter(old.table.filter().to_owned());
    let (key, desc) = old.table.sort();
    new.table.set_sort(key, desc);
}

pub async fn run(
    session: Session,
    events_tx: mpsc::UnboundedSender<Event>,
    mut events: mpsc::UnboundedReceiver<Event>,
    mut reload: Option<Reload>,
) -> Result<Exit, TuiError> {
    let Session {
        mut state,
        cloud,
        opts,
        ..
    } = session;
    let (mut requests, requests_rx) = mpsc::channel::<Request>(64);
    let mut worker = worker::spawn(cloud, opts, requests_rx, events_tx.clone());
    let mut term_sig = signal(SignalKind::terminate())?;
    let mut hup_sig = signal(SignalKind::hangup())?;
    // Raw mode turns ctrl-c into a key; these come from `kill`.
    let mut int_sig = signal(SignalKind::interrupt())?;
    let mut quit_sig = signal(SignalKind::quit())?;
    let mut terminal = ratatui::try_init()?;
    exit_after_panic();
    let _guard = TerminalGuard;
    capture_mouse(state.mouse);
    let size = terminal.size()?;
    state.size = (size.width, size.height);
    state.now = Utc::now();
    let effects = start(&mut state);
    execute(&mut state, effects, &requests);
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    let panic_after_draw = test_panic_after_draw();
    let mut exit = Exit::Quit;
    while !state.quit {
        if dirty {
            terminal.draw(|f| ui::draw(f, &state))?;
            dirty = false;
            if panic_after_draw {
                panic!("{TEST_PANIC_AFTER_DRAW} is set: test panic after the first frame");
            }
        }
        // A worker event that woke the loop goes in with the rest of the burst.
        let mut first_event = None;
        let first = tokio::select! {
            key = keys.next() => match key {
                Some(Ok(e)) => term_msg(e),
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(e) = events.recv() => { first_event = Some(e); None }
            _ = tick.tick() => Some(Msg::Tick(Utc::now())),
            _ = term_sig.recv() => { exit = Exit::Signal(15); break }
            _ = hup_sig.recv() => { exit = Exit::Signal(1); break }
            _ = int_sig.recv() => { exit = Exit::Signal(2); break }
            _ = quit_sig.recv() => { exit = Exit::Signal(3); break }
        };
        if let Some(msg) = first {
            step(&mut state, msg, &requests);
            dirty = true;
        }
        let woken_by_event = first_event.is_some();
        if let Some(e) = first_event {
            let effects = apply(&mut state, Msg::Worker(e));
            execute(&mut state, effects, &requests);
        }
        let drained = drain(&mut state, &mut events, &requests, DRAIN_BUDGET);
        if woken_by_event && drained == 0 {
            settle(&mut state);
        }
        dirty |= woken_by_event || drained > 0;
        // Polled with this task's own waker: `now_or_never` would hand crossterm a no-op
        // waker, its reader thread would wake nobody on the next key, and that key would wait
        // for the next tick (up to 250 ms, on every key of an idle screen).
        while let Poll::Ready(Some(Ok(e))) = futures::poll!(keys.next()) {
            if let Some(msg) = term_msg(e) {
                step(&mut state, msg, &requests);
                dirty = true;
            }
        }
        if std::mem::take(&mut state.reload_requested) {
            let Some(reload) = reload.as_mut() else {
                state.notice(Level::Warn, "this session has no config file to reload");
                continue;
            };
            match reload() {
                Err(e) => {
                    let keys = state.keys.keys_for(crate::config::Action::ReloadConfig);
                    let key = keys
                        .first()
                        .map_or("the reload key".into(), |k| k.to_string());
                    state.mode = Mode::Message {
                        title: "Config not reloaded".into(),
                        text: format!(
                            "{e}\n\nThe session goes on with the config it had. Fix the file, \
                             then press {key} again."
                        ),
                    };
                    state.notice(Level::Error, format!("config not reloaded: {e}"));
                }
                Ok(fresh) => {
                    let mut next = fresh.state;
                    carry_over(&mut state, &mut next);
                    state = next;
                    capture_mouse(state.mouse);
                    worker.abort();
                    let (tx, rx) = mpsc::channel::<Request>(64);
                    requests = tx;
                    worker = worker::spawn(fresh.cloud, fresh.opts, rx, events_tx.clone());
                    let effects = start(&mut state);
                    execute(&mut state, effects, &requests);
                    state.notice(
                        Level::Info,
                        format!(
                            "config reloaded from {}: {} project(s)",
                            fresh.source,
                            state.projects.len()
                        ),
                    );
                }
            }
        }
    }
    drop(requests);
    worker.abort();
    Ok(exit)
}

#[cfg(test)]
mod tests {
    use super::carry_over;
    use crate::tui::fixture::loaded;
    use crate::tui::state::table::SortKey;

    #[test]
    fn the_filter_and_sort_survive_a_config_reload() {
        let mut old = loaded();
        old.table.set_filter("os:linux !db".into());
        old.table.set_sort(SortKey::Flag, true);
        let mut fresh = crate::tui::fixture::empty();
        carry_over(&mut old, &mut fresh);
        assert_eq!(fresh.table.filter(), "os:linux !db");
        assert_eq!(fresh.table.sort(), (SortKey::Flag, true));
        assert!(fresh.table.parsed_filter().errors.is_empty());
    }
}
