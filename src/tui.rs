//! The interactive terminal app.
//!
//! Shape (see `docs/architecture.md`): one `select!` loop in [`runtime`] feeds [`msg::Msg`]s
//! to the pure [`update::update`], which returns [`msg::Effect`]s; the one background
//! [`worker`] owns the network and streams [`msg::Event`]s back; the panes in [`ui`] only
//! draw the [`state::State`]. A password lives in the form's `Secret` fields and then only
//! inside `Request::Reset`; it is never in a `Msg`, an `Event`, the log or a `Debug` dump.
//!
//! Decisions an operator sees:
//! - A generated password (ctrl-g) fills both fields and is shown in clear exactly once, so it
//!   can be copied; the next key hides it again (ctrl-v reveals it on demand).
//! - Only servers whose flag is `✓ supported` can be reset; `unknown` and `checking` are
//!   refused with the reason, as are read-only sessions and protected projects.
//! - A single server uses the single reset call; marked servers use the batch call per project
//!   after a dry run, and a project whose dry run refuses anything is not sent at all.
//! - "accepted" is all a reset can confirm; only a reboot job that reached SUCCESS is shown as
//!   "new password active".

pub mod clipboard;
pub mod export;
#[doc(hidden)]
#[cfg(any(test, feature = "test-support"))]
pub mod fixture;
pub mod launch;
pub mod msg;
pub mod runtime;
pub mod state;
pub mod ui;
pub mod update;
pub mod worker;

use crate::cloud::{self, CloudError};
use crate::commands::context;
use crate::config::Config;
use crate::sim::Fleet;
use msg::Event;
use rand::SeedableRng;
use rand::rngs::StdRng;
use state::State;
use std::sync::Arc;
use tokio::sync::mpsc;

#[derive(Debug, Clone, Default)]
pub struct TuiOptions {
    /// Browse and audit only; overrides nothing when the config already says read-only.
    pub read_only: bool,
    /// Where the audit trail of resets goes; `None` writes none.
    pub trail_dir: Option<std::path::PathBuf>,
    /// Where `ctrl-s` saves the table (the data directory, also in the demo).
    pub data_dir: Option<std::path::PathBuf>,
    /// `--mouse`: capture the mouse whatever `[ui] mouse` says.
    pub mouse: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("terminal: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Cloud(#[from] CloudError),
    #[error("configuration: {0}")]
    Config(String),
    #[error("demo simulator: {0}")]
    Sim(String),
}

/// The client settings of a resolved config, with `observer` feeding the log pane: the same
/// settings the headless commands use.
pub fn settings(config: &Config, observer: cloud::Observer) -> Result<cloud::Settings, TuiError> {
    crate::commands::context::settings(config, Some(observer))
        .map_err(|e| TuiError::Config(e.to_string()))
}

/// Reads the config again for [`runtime::Reload`]; `Err` says why it cannot be used.
pub type LoadConfig = Box<dyn FnMut() -> Result<Config, String> + Send>;

/// A session on a resolved config: its state, a client whose observer feeds the log pane
/// through `events`, and the worker's options.
pub fn session(
    config: &Config,
    opts: &TuiOptions,
    events: &mpsc::UnboundedSender<Event>,
) -> Result<runtime::Session, TuiError> {
    let observer_tx = events.clone();
    let observer: cloud::Observer = Arc::new(move |record| {
        let _ = observer_tx.send(Event::Call(record));
    });
    let renew_tx = events.clone();
    let on_renew: cloud::RenewObserver = Arc::new(move |profile, until| {
        let _ = renew_tx.send(Event::AgencyKeys {
            profile: profile.to_owned(),
            until,
        });
    });
    let cloud = crate::commands::context::client_observed(config, Some(observer), Some(on_renew))
        .map_err(|e| TuiError::Config(e.to_string()))?;
    let mut state = State::from_config(config, opts.read_only, StdRng::from_os_rng());
    let no_color = std::env::var("NO_COLOR").ok();
    state.mono |= ui::theme::no_color_requested(no_color.as_deref());
    state.mouse |= opts.mouse;
    state.data_dir.clone_from(&opts.data_dir);
    // Sent earlier with no outcome recorded (a crash, a kill): the operator must check them.
    if let Some(dir) = &opts.trail_dir {
        let open = crate::ops::trail::startup_warnings(dir);
        if let Some(first) = open.first() {
            let more = match open.len() {
                1 => String::new(),
                n => format!(" (and {} more: `ecsreset trail`)", n - 1),
            };
            let text = format!("unfinished operation: {first}{more}");
            state.last_error = Some(text.clone());
            state.notice(state::Level::Warn, text);
        }
    }
    let escrow = escrow(config, opts);
    state.escrow = escrow.as_ref().map(|e| state::SealTo {
        recipients: e.recipients.len(),
        dir: crate::fsx::home_short(&e.dir),
    });
    let wopts = worker::WorkerOptions {
        page_size: config.tuning.page_size,
        concurrency: config.tuning.concurrency,
        trail_dir: opts.trail_dir.clone(),
        escrow,
        ..Default::default()
    };
    let source = config
        .source
        .as_ref()
        .map_or_else(|| "the built-in config".into(), |p| p.display().to_string());
    Ok(runtime::Session {
        state,
        cloud,
        opts: wopts,
        source,
    })
}

/// The configured `[escrow]`, in the data directory in use (the platform's in a demo given
/// none: sealed files are private and hold only what they say, unlike the trail).
fn escrow(config: &Config, opts: &TuiOptions) -> Option<worker::Escrow> {
    let e = config.escrow.as_ref()?;
    let data = opts
        .trail_dir
        .clone()
        .or_else(|| crate::commands::saved::data_dir(None).ok())?;
    Some(worker::Escrow {
        recipients: e.recipients.clone(),
        dir: e.dir_in(&data),
        csms: e.csms.clone(),
    })
}

/// Runs the app on a resolved config until the user quits. With `load_config`, the
/// reload key reads the config again and restarts the session on it.
pub async fn run(
    config: Config,
    opts: TuiOptions,
    mut load_config: Option<LoadConfig>,
) -> Result<runtime::Exit, TuiError> {
    let (events_tx, events_rx) = mpsc::unbounded_channel::<Event>();
    let first = session(&config, &opts, &events_tx)?;
    let reload = load_config.take().map(|mut load| {
        let events = events_tx.clone();
        Box::new(move || {
            let config = load()?;
            session(&config, &opts, &events).map_err(|e| e.to_string())
        }) as runtime::Reload
    });
    runtime::run(first, events_tx, events_rx, reload).await
}

/// `--demo`: starts the in-process simulator with the demo fleet, builds a Config pointing at
/// it (all its projects, its credentials), and calls [`run`].
pub async fn run_demo(opts: TuiOptions, base: Config) -> Result<runtime::Exit, TuiError> {
    let (sim, projects) = context::start_demo_sim(Fleet::demo())
        .await
        .map_err(|e| TuiError::Sim(e.to_string()))?;
    let config = context::demo_over(base, &sim, projects);
    let result = run(config, opts, None).await;
    sim.shutdown().await;
    result
}
