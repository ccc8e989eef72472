//! What every headless change shares: the engine set up from the context, pre-flight refusals
//! reported, the typed confirmation, and running the engine with live progress and signals.

use super::context::Context;
use super::{AppError, Io};
use crate::ops::engine::{Engine, Options};
use crate::ops::plan::{Check, Located, Refusal};
use crate::ops::{Progress, Status};
use std::io::{BufRead, Write};
use std::sync::Arc;
use tokio::sync::mpsc;

/// The engine and the receiving end of its progress.
pub struct Session {
    pub engine: Engine,
    progress: mpsc::UnboundedReceiver<Progress>,
}

/// Refuses in read-only mode; sets up the engine with the trail the context allows.
pub fn session(ctx: &Context) -> Result<Session, AppError> {
    if ctx.read_only {
        return Err(AppError::ReadOnly);
    }
    let (tx, progress) = mpsc::unbounded_channel();
    let sink = Arc::new(move |p: Progress| {
        let _ = tx.send(p);
    });
    let opts = Options {
        trail_dir: ctx.trail_dir()?,
        concurrency: ctx.concurrency(),
        ..Options::default()
    };
    Ok(Session {
        engine: Engine::new(ctx.cloud.clone(), opts, sink),
        progress,
    })
}

impl Session {
    /// Locates the named ids (each in exactly one project) and runs pre-flight. Refused
    /// servers are listed on stderr; without `skip_refused` any refusal stops the run.
    pub async fn located_and_checked(
        &mut self,
        ctx: &Context,
        ids: &[String],
        check: Check,
        skip_refused: bool,
        io: &mut Io<'_>,
    ) -> Result<Vec<Located>, AppError> {
        let located = self.engine.locate(&ctx.targets, ids).await?;
        // The lookup just read every detail: pre-flight judges those, plus fresh flags.
        let (ok, refused) = self.engine.preflight(check, located).await;
        self.drain(io)?;
        if refused.is_empty() {
            return Ok(ok);
        }
        if !skip_refused || ok.is_empty() {
            return Err(AppError::PreflightRefused {
                others: !ok.is_empty(),
                refused,
            });
        }
        let list = refused
            .iter()
            .map(Refusal::to_string)
            .collect::<Vec<_>>()
            .join("\n  ");
        writeln!(
            io.err,
            "skipping {} server(s) that pre-flight refused:\n  {list}",
            refused.len()
        )?;
        Ok(ok)
    }

    /// Runs a change to its end, printing warnings and job progress to stderr as they come.
    /// SIGINT / SIGTERM record what is in flight as interrupted and end with 128+n.
    pub async fn run<T>(
        &mut self,
        work: impl std::future::Future<Output = T>,
        io: &mut Io<'_>,
    ) -> Result<Result<T, i32>, AppError> {
        tokio::pin!(work);
        let mut signals = Signals::new()?;
        loop {
            tokio::select! {
                done = &mut work => {
                    self.drain(io)?;
                    return Ok(Ok(done));
                }
                Some(p) = self.progress.recv() => self.show(&p, io)?,
                n = signals.next() => {
                    let servers = self.engine.interrupted();
                    self.drain(io)?;
                    writeln!(
                        io.err,
                        "stopped by signal {n}: {servers} server(s) had a request in flight; \
                         the trail records them as interrupted (outcome unknown: check them)"
                    )?;
                    return Ok(Err(128 + n));
                }
            }
        }
    }

    fn drain(&mut self, io: &mut Io<'_>) -> Result<(), AppError> {
        while let Ok(p) = self.progress.try_recv() {
            self.show(&p, io)?;
        }
        Ok(())
    }

    fn show(&self, p: &Progress, io: &mut Io<'_>) -> Result<(), AppError> {
        match p {
            Progress::Warning(w) => writeln!(io.err, "warning: {}", crate::report::clean(w))?,
            Progress::Status {
                server_id,
                status: Status::Rebooting { job_id, status } | Status::Starting { job_id, status },
            } => writeln!(
                io.err,
                "{server_id}: job {} {}",
                crate::report::clean(job_id),
                crate::report::clean(status)
            )?,
            Progress::Status { .. } => {}
        }
        Ok(())
    }
}

/// SIGINT and SIGTERM as one stream of signal numbers.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn next(&mut self) -> i32 {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => 15,
                _ = self.int.recv() => 2,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            2
        }
    }
}

/// One line per server for a confirmation: name, id and project, never cut short.
pub fn server_lines(located: &[Located]) -> String {
    located
        .iter()
        .map(|l| {
            format!(
                "  {} ({}) in {}\n",
                crate::report::clean(if l.name().is_empty() { "?" } else { l.name() }),
                l.id(),
                crate::report::clean(&l.project.label)
            )
        })
        .collect()
}

/// Asks on the controlling terminal; one server takes `y`, several take their count typed out.
pub fn confirm(question: &str, count: usize) -> Result<bool, AppError> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| {
            AppError::Refused(
                "confirmation needs a terminal; pass --yes to proceed without asking".into(),
            )
        })?;
    let mut writer = tty.try_clone()?;
    let expected = if count > 1 {
        count.to_string()
    } else {
        "y".to_owned()
    };
    write!(
        writer,
        "{question}\nType {expected} to proceed (anything else cancels): "
    )?;
    writer.flush()?;
    let mut answer = String::new();
    std::io::BufReader::new(tty).read_line(&mut answer)?;
    Ok(answer.trim() == expected)
}

/// The words of a final status for tables and JSON.
pub fn status_text(s: &Status) -> String {
    match s {
        Status::Refused(e) => format!("refused: {e}"),
        Status::Sending => "sending".into(),
        Status::DryRunRejected(e) => format!("not sent: {e}"),
        Status::Accepted => "accepted by the API; applies after the server (re)starts".into(),
        Status::Failed(e) => e.clone(),
        Status::OutcomeUnknown(e) => format!("outcome unknown: {e}"),
        Status::Rebooting { job_id, status } => format!("reboot job {job_id} {status}"),
        Status::Starting { job_id, status } => format!("start job {job_id} {status}"),
        Status::Rebooted => "rebooted; the new password applies if the reset plug-in ran".into(),
        Status::Started => "started; the new password applies if the reset plug-in ran".into(),
        Status::RebootFailed(e) => e.clone(),
        Status::RebootUnknown(e) => format!("outcome unknown: {e}"),
    }
}
