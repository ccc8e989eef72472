//! The loop: wait for a key, a worker event, a tick or a signal; feed everything that is
//! ready through `update`; execute the effects; draw once. The terminal is restored on every
//! way out (return, error, panic: ratatui's panic hook plus the guard below).

use super::TuiError;
use super::msg::{Effect, Event, Msg, ReloadError, Reloaded, Request, SaveError};
use super::state::State;
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

/// What the effects asked of the loop itself: to end, or to read the config again.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Asked {
    pub quit: bool,
    pub reload: bool,
}

impl std::ops::BitOrAssign for Asked {
    fn bitor_assign(&mut self, other: Self) {
        self.quit |= other.quit;
        self.reload |= other.reload;
    }
}

/// Performs the effects: requests go to the worker without ever blocking the UI (a full
/// queue is reported back as a message), the clipboard and the CSV file are written here,
/// and quit and reload are handed back to the loop.
fn execute(state: &mut State, effects: Vec<Effect>, requests: &mpsc::Sender<Request>) -> Asked {
    let mut asked = Asked::default();
    let mut results = Vec::new();
    for effect in effects {
        match effect {
            Effect::Api(request) => {
                let id = request.id();
                if requests.try_send(request).is_err() {
                    results.push(Msg::Undelivered(id));
                }
            }
            Effect::Quit => asked.quit = true,
            Effect::ReloadConfig => asked.reload = true,
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
            } => {
                let outcome = match &state.data_dir {
                    None => Err(SaveError::NoDataDir),
                    Some(dir) => crate::tui::export::save(dir, &file_name, &bytes)
                        .map_err(|e| SaveError::Write(e.to_string())),
                };
                results.push(Msg::CsvSaved { rows, outcome });
            }
        }
    }
    for msg in results {
        let more = update(state, msg);
        asked |= execute(state, more, requests);
    }
    asked
}

fn step(state: &mut State, msg: Msg, requests: &mpsc::Sender<Request>) -> Asked {
    let effects = update(state, msg);
    execute(state, effects, requests)
}

/// Applies the worker events that are ready, for at most `budget` (and [`DRAIN_LIMIT`]
/// events), then settles the view once for all of them. Returns how many it applied and
/// what their effects asked of the loop.
pub fn drain(
    state: &mut State,
    events: &mut mpsc::UnboundedReceiver<Event>,
    requests: &mpsc::Sender<Request>,
    budget: Duration,
) -> (usize, Asked) {
    let started = Instant::now();
    let mut drained = 0;
    let mut asked = Asked::default();
    while drained < DRAIN_LIMIT
        && started.elapsed() < budget
        && let Ok(e) = events.try_recv()
    {
        let effects = apply(state, Msg::Worker(e));
        asked |= execute(state, effects, requests);
        drained += 1;
    }
    if drained > 0 {
        settle(state);
    }
    (drained, asked)
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
    update(&mut state, Msg::Resize(size.width, size.height));
    update(&mut state, Msg::Tick(Utc::now()));
    let effects = start(&mut state);
    let mut asked = execute(&mut state, effects, &requests);
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    let panic_after_draw = test_panic_after_draw();
    let mut exit = Exit::Quit;
    while !asked.quit {
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
            asked |= step(&mut state, msg, &requests);
            dirty = true;
        }
        let woken_by_event = first_event.is_some();
        if let Some(e) = first_event {
            let effects = apply(&mut state, Msg::Worker(e));
            asked |= execute(&mut state, effects, &requests);
        }
        let (drained, more) = drain(&mut state, &mut events, &requests, DRAIN_BUDGET);
        asked |= more;
        if woken_by_event && drained == 0 {
            settle(&mut state);
        }
        dirty |= woken_by_event || drained > 0;
        // Polled with this task's own waker: `now_or_never` would hand crossterm a no-op
        // waker, its reader thread would wake nobody on the next key, and that key would wait
        // for the next tick (up to 250 ms, on every key of an idle screen).
        while let Poll::Ready(Some(Ok(e))) = futures::poll!(keys.next()) {
            if let Some(msg) = term_msg(e) {
                asked |= step(&mut state, msg, &requests);
                dirty = true;
            }
        }
        if std::mem::take(&mut asked.reload) {
            // The I/O of a reload: read the file, and on success stop the old worker (its
            // listings with it) and start one on the fresh client before the reducer asks
            // it for the first list.
            let msg = match reload.as_mut().map(|reload| reload()) {
                None => Msg::ReloadFailed(ReloadError::NoConfigFile),
                Some(Err(e)) => Msg::ReloadFailed(ReloadError::Invalid(e)),
                Some(Ok(fresh)) => {
                    worker.stop();
                    let (tx, rx) = mpsc::channel::<Request>(64);
                    requests = tx;
                    worker = worker::spawn(fresh.cloud, fresh.opts, rx, events_tx.clone());
                    Msg::ConfigReloaded(Box::new(Reloaded {
                        state: fresh.state,
                        source: fresh.source,
                    }))
                }
            };
            asked |= step(&mut state, msg, &requests);
            capture_mouse(state.mouse);
            dirty = true;
        }
    }
    drop(requests);
    worker.stop();
    Ok(exit)
}
