//! Runs the real `ecsreset` binary in a pseudo-terminal against an in-process simulator.
//!
//! [`Pty`] owns one pseudo-terminal (120x36). A thread reads everything the programs in it
//! write, keeps the raw bytes and feeds a `vt100` parser, so a test can both look at the
//! screen as an operator would and grep the exact escape sequences. Several programs can run
//! in the same pty one after the other (`stty`, then the app, then `stty` again): the pty and
//! its modes outlive each of them, which is how the tests see whether raw mode was undone.
//!
//! [`Env`] is a simulator on its own tokio runtime plus a private config file (0600) and a
//! data directory in a tempdir; [`Env::app`] builds the command line of the app with a clean
//! environment (no `HUAWEICLOUD_*`, no `ECSRESET_*` except the data dir and the log file).
//!
//! Every wait polls every 50 ms for up to 20 s (the machine may be loaded) and, on timeout,
//! panics with the screen as it was.

use ecsreset::sim::{Fleet, ServerTruth, Sim};
use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, SlavePty};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const COLS: u16 = 120;
pub const ROWS: u16 = 36;
pub const TIMEOUT: Duration = Duration::from_secs(20);
pub const POLL: Duration = Duration::from_millis(50);

pub const ENTER_ALT: &[u8] = b"\x1b[?1049h";
pub const LEAVE_ALT: &[u8] = b"\x1b[?1049l";
pub const SHOW_CURSOR: &[u8] = b"\x1b[?25h";
pub const HIDE_CURSOR: &[u8] = b"\x1b[?25l";

/// What [`Pty::run_sh`] prints around the output of its script.
pub const HELPER_START: &str = "--pty-helper-start--";
pub const HELPER_END: &str = "--pty-helper-end--";

/// Keys as a terminal sends them.
pub mod keys {
    pub const ENTER: &str = "\r";
    pub const TAB: &str = "\t";
    pub const ESC: &str = "\x1b";
    pub const RIGHT: &str = "\x1b[C";
    pub const CTRL_S: &str = "\x13";
}

/// What the reader thread has seen so far.
struct Output {
    parser: vt100::Parser,
    raw: Vec<u8>,
    closed: bool,
}

pub struct Pty {
    // Held, never read: dropping the master would close the terminal under the programs in it.
    _master: Box<dyn MasterPty + Send>,
    slave: Box<dyn SlavePty + Send>,
    writer: Box<dyn Write + Send>,
    out: Arc<Mutex<Output>>,
}

/// A program running in the pty; killed (SIGHUP, then SIGKILL) if the test drops it alive.
pub struct Proc {
    pub child: Box<dyn Child + Send + Sync>,
    status: Option<ExitStatus>,
}

impl Proc {
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("a unix child has a pid")
    }

    /// Sends `signal` (a name `kill` knows: TERM, HUP, ...) with the `kill` command.
    pub fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} {} failed", self.pid());
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.status.is_none() && matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Pty {
    pub fn new() -> Self {
        let pair = portable_pty::native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal opens");
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let out = Arc::new(Mutex::new(Output {
            parser: vt100::Parser::new(ROWS, COLS, 0),
            raw: Vec::new(),
            closed: false,
        }));
        let sink = out.clone();
        // Detached on purpose: it ends when the last slave descriptor closes (EOF or EIO), and
        // a failing test must not hang joining it while a child still holds the slave.
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let mut o = sink
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        o.raw.extend_from_slice(&buf[..n]);
                        o.parser.process(&buf[..n]);
                    }
                }
            }
            sink.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .closed = true;
        });
        Self {
            _master: pair.master,
            slave: pair.slave,
            writer,
            out,
        }
    }

    pub fn spawn(&self, cmd: CommandBuilder) -> Proc {
        let child = self
            .slave
            .spawn_command(cmd)
            .expect("the command starts in the pty");
        Proc {
            child,
            status: None,
        }
    }

    /// Types `text` (keys as the terminal would send them).
    pub fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).expect("pty write");
        self.writer.flush().expect("pty flush");
    }

    /// The screen as plain text, one line per row.
    pub fn screen(&self) -> String {
        self.lock().parser.screen().contents()
    }

    pub fn raw(&self) -> Vec<u8> {
        self.lock().raw.clone()
    }

    pub fn raw_len(&self) -> usize {
        self.lock().raw.len()
    }

    /// `(alternate screen active, cursor hidden)` as the emulated terminal sees them now.
    pub fn modes(&self) -> (bool, bool) {
        let o = self.lock();
        let s = o.parser.screen();
        (s.alternate_screen(), s.hide_cursor())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Output> {
        self.out
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Polls the screen until `pred` holds; panics with `what` and the screen on timeout.
    pub fn wait_until(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                self.fail(&format!("timed out after {TIMEOUT:?} waiting for {what}"));
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits until the screen contains `text`.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?} on screen"), |s| s.contains(text))
    }

    /// Waits until the raw output after byte `from` contains `text`.
    pub fn wait_for_raw(&self, from: usize, text: &[u8]) {
        let deadline = Instant::now() + TIMEOUT;
        while find(&self.raw()[from..], text).is_none() {
            if Instant::now() > deadline {
                self.fail(&format!(
                    "timed out waiting for {:?} in the output",
                    String::from_utf8_lossy(text)
                ));
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits for `proc` to exit; panics with the screen when it does not.
    pub fn wait_exit(&self, proc: &mut Proc) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = proc.child.try_wait().expect("try_wait") {
                proc.status = Some(status.clone());
                return status;
            }
            if Instant::now() > deadline {
                self.fail(&format!(
                    "pid {} did not exit within {TIMEOUT:?}",
                    proc.pid()
                ));
            }
            std::thread::sleep(POLL);
        }
    }

    /// Runs `sh -c SCRIPT` in the pty to its end and returns what it printed, between two
    /// markers so that late output of an earlier program is not mistaken for it.
    pub fn run_sh(&self, script: &str) -> String {
        let from = self.raw_len();
        let mut cmd = CommandBuilder::new("sh");
        cmd.args([
            "-c",
            &format!("echo {HELPER_START}; {script}; echo {HELPER_END}"),
        ]);
        cmd.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        // Not the session's controlling terminal: it only reads the pty's modes.
        cmd.set_controlling_tty(false);
        let mut proc = self.spawn(cmd);
        let status = self.wait_exit(&mut proc);
        assert!(status.success(), "`{script}` failed: {status:?}");
        self.wait_for_raw(from, HELPER_END.as_bytes());
        let raw = self.raw();
        let text = String::from_utf8_lossy(&raw[from..]).into_owned();
        let start = text.find(HELPER_START).unwrap() + HELPER_START.len();
        let end = text.find(HELPER_END).unwrap();
        text[start..end].to_owned()
    }

    /// `stty -a` of the pty, as a list of words (`icanon`, `-echo`, `rows`, ...).
    pub fn stty_words(&self) -> Vec<String> {
        self.run_sh("stty -a")
            .split(|c: char| c.is_whitespace() || c == ';')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    }

    pub fn fail(&self, what: &str) -> ! {
        let raw = self.raw();
        let tail = &raw[raw.len().saturating_sub(600)..];
        panic!(
            "{what}\n--- screen ({COLS}x{ROWS}) ---\n{}\n--- last raw bytes ---\n{:?}",
            self.screen(),
            String::from_utf8_lossy(tail)
        );
    }
}

impl Default for Pty {
    fn default() -> Self {
        Self::new()
    }
}

/// Where `needle` first occurs in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Where `needle` last occurs in `hay`.
pub fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// A simulator on its own runtime, a 0600 config pointing at it, and a data directory.
pub struct Env {
    pub sim: Sim,
    pub fleet: Fleet,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    // Last: the simulator's tasks run on it until the test ends.
    rt: tokio::runtime::Runtime,
}

impl Env {
    pub fn new(fleet: Fleet) -> Self {
        Self::with(super::sim_config(fleet))
    }

    /// [`Env::new`] with a simulator configured by the caller.
    pub fn with(cfg: ecsreset::sim::SimConfig) -> Self {
        let fleet = cfg.fleet.clone();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let sim = rt.block_on(super::start(cfg));
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("config.toml");
        let sk = sim.credentials()[0].secret_key.expose().to_owned();
        let text = super::config_text(&sim, &fleet, &sk, &super::Tuning::default(), &[]);
        super::write_private(&config, &text);
        Self {
            sim,
            fleet,
            dir,
            config,
            rt,
        }
    }

    /// The log file the app writes with `$ECSRESET_LOG`.
    pub fn log_file(&self) -> PathBuf {
        self.dir.path().join("ecsreset.log")
    }

    /// `ecsreset --config CONFIG ARGS...` with a clean environment: a terminal type, the data
    /// directory and the log file in the tempdir, and nothing from the caller's environment
    /// (no `HUAWEICLOUD_*` keys, no `ECSRESET_CONFIG`, no `NO_COLOR`).
    pub fn app(&self, args: &[&str]) -> CommandBuilder {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_ecsreset"));
        cmd.arg("--config");
        cmd.arg(&self.config);
        cmd.args(args);
        cmd.env_clear();
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", self.dir.path());
        cmd.env("ECSRESET_DATA_DIR", self.dir.path().join("data"));
        cmd.env("ECSRESET_LOG", self.log_file());
        cmd.env("RUST_LOG", "debug");
        cmd.env("RUST_BACKTRACE", "0");
        cmd.cwd(self.dir.path());
        assert!(
            cmd.iter_full_env_as_str()
                .all(|(k, _)| !k.starts_with("HUAWEICLOUD")),
            "the app must not see the caller's cloud keys"
        );
        cmd
    }

    /// The servers the app lists: enabled projects with a region.
    pub fn listed(&self) -> usize {
        super::regional(&self.fleet)
            .iter()
            .map(|p| {
                self.fleet
                    .projects
                    .iter()
                    .find(|q| q.id == p.id)
                    .map_or(0, |q| q.servers.len())
            })
            .sum()
    }

    /// A running Linux server of a listed project whose reset flag is supported.
    pub fn resettable(&self) -> ServerTruth {
        let listed: Vec<String> = super::regional(&self.fleet)
            .into_iter()
            .map(|p| p.id)
            .collect();
        self.sim
            .truth()
            .into_iter()
            .find(|t| {
                listed.contains(&t.project_id)
                    && t.reset_supported
                    && t.status == "ACTIVE"
                    && t.os_type == "Linux"
            })
            .expect("the fleet has a resettable server")
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }
}
