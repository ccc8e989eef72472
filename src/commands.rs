//! Headless commands: `list`, `audit`, `flag`, `reset`, `reboot`, `reveal`, and the dispatcher that
//! `main` calls. Each returns the process exit status so tests can call them directly.

pub mod audit;
pub mod change;
pub mod completions;
pub mod context;
pub mod list;
pub mod locate;
pub mod reboot;
pub mod reset;
pub mod reveal;
pub mod saved;
pub mod trail;
pub mod windows_password;

use crate::cli::{Cli, Command};
use crate::cloud::CloudError;
use crate::config::ConfigError;
use std::io::Write;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Cloud(#[from] CloudError),
    #[error("{0}")]
    Sim(#[from] crate::sim::SimError),
    #[error("{0}")]
    Escrow(#[from] crate::escrow::EscrowError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A server the command names is not in the configured projects, or is in several.
    #[error("{0}")]
    Locate(#[from] crate::ops::plan::LocateError),
    /// The terminal UI could not start or ended with an error.
    #[error("{0}")]
    Tui(#[from] crate::tui::TuiError),
    /// A change was asked for in read-only mode.
    #[error("read-only mode (--read-only or ui.read_only): no changes are made")]
    ReadOnly,
    /// Pre-flight refused servers and nothing was sent; `others` says whether some were
    /// not refused (`--skip-refused` would go ahead with them).
    #[error(
        "nothing was sent; pre-flight refused {} server(s):\n  {}{}",
        refused.len(),
        refused.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  "),
        if *others { "\n--skip-refused goes ahead with the others" } else { "" }
    )]
    PreflightRefused {
        refused: Vec<crate::ops::Refusal>,
        others: bool,
    },
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Refused(String),
}

impl From<crate::ops::engine::EngineError> for AppError {
    fn from(e: crate::ops::engine::EngineError) -> Self {
        match e {
            crate::ops::engine::EngineError::Cloud(c) => AppError::Cloud(c),
            crate::ops::engine::EngineError::Locate(l) => AppError::Locate(l),
        }
    }
}

/// Output streams, injectable so tests can capture them.
pub struct Io<'a> {
    pub out: &'a mut (dyn Write + Send),
    pub err: &'a mut (dyn Write + Send),
    /// Whether stderr is a terminal (progress lines are drawn only then).
    pub err_is_tty: bool,
    /// Whether stdout is a terminal (generated passwords are printed only there).
    pub out_is_tty: bool,
}

/// Runs a headless command; the TUI and `sim` are dispatched by `main`.
pub async fn run(cli: &Cli, io: &mut Io<'_>) -> Result<i32, AppError> {
    let Some(command) = &cli.command else {
        return Err(AppError::Usage(
            "no command given (the terminal UI is started by `main`)".into(),
        ));
    };
    if let Command::Sim(_) = command {
        return Err(AppError::Usage("`sim` is dispatched by main".into()));
    }
    // Generated from the argument definitions: no config, no cloud.
    if let Command::Completions { shell } = command {
        completions::completions(*shell, io.out)?;
        return Ok(0);
    }
    if let Command::Man = command {
        completions::man(io.out)?;
        return Ok(0);
    }
    if let Command::Trail(a) = command {
        return trail::run(&cli.global, a, io);
    }
    // Needs no cloud: only the config's [escrow] dir, the data directory and a key.
    if let Command::Reveal(a) = command {
        return reveal::run(&cli.global, a, io);
    }
    // `audit --all-projects` narrows what IAM discovers, not only what is configured.
    let narrow_now = !matches!(command, Command::Audit(a) if a.all_projects);
    let tuning = match command {
        Command::List(a) => a.tuning,
        Command::Audit(a) => a.tuning,
        _ => crate::cli::TuningArgs::default(),
    };
    let ctx = context::Context::build_tuned(&cli.global, narrow_now, tuning).await?;
    if let Ok(Some(dir)) = ctx.trail_dir() {
        for w in crate::ops::trail::startup_warnings(&dir) {
            writeln!(io.err, "warning: unfinished operation: {w}")?;
        }
    }
    match command {
        Command::List(a) => list::run(&ctx, a, io).await,
        Command::Audit(a) => audit::run(&ctx, a, io).await,
        Command::Flag(a) => list::flags(&ctx, a, io).await,
        Command::Reset(a) => reset::run(&ctx, a, io).await,
        Command::Reboot(a) => reboot::run(&ctx, a, io).await,
        Command::Start(a) => reboot::start(&ctx, a, io).await,
        Command::WindowsPassword(a) => windows_password::run(&ctx, a, io).await,
        Command::Sim(_)
        | Command::Trail(_)
        | Command::Reveal(_)
        | Command::Completions { .. }
        | Command::Man => unreachable!("handled above"),
    }
}

#[cfg(test)]
mod tests {
    use super::AppError;
    use crate::ops::Refusal;

    fn refusal(id: &str, name: &str, reason: &str) -> Refusal {
        Refusal {
            server_id: id.into(),
            name: name.into(),
            project: "prod cn-north-4".into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn typed_refusals_read_as_the_operator_is_used_to() {
        let e = AppError::PreflightRefused {
            refused: vec![
                refusal("s-1", "web-01", "one-click reset is not supported"),
                refusal("s-2", "", "project is protected"),
            ],
            others: true,
        };
        assert_eq!(
            e.to_string(),
            "nothing was sent; pre-flight refused 2 server(s):\n  \
             web-01 (s-1) in prod cn-north-4: one-click reset is not supported\n  \
             s-2 in prod cn-north-4: project is protected\n\
             --skip-refused goes ahead with the others"
        );
        let e = AppError::PreflightRefused {
            refused: vec![refusal("s-1", "web-01", "stopped")],
            others: false,
        };
        assert!(
            e.to_string().ends_with("in prod cn-north-4: stopped"),
            "{e}"
        );
        assert_eq!(
            AppError::ReadOnly.to_string(),
            "read-only mode (--read-only or ui.read_only): no changes are made"
        );
    }
}
