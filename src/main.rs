//! The `ecsreset` binary: parse arguments, install logging, dispatch. Everything else is in
//! the library so that tests call the same functions.

use clap::Parser;
use ecsreset::cli::{Cli, Command};
use ecsreset::commands::{self, AppError, Io};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    // First, before argv, stdin or the config file can put a secret in memory.
    if let Err(e) = ecsreset::coredump::forbid() {
        eprintln!("error: cannot turn core dumps off, so a crash could write secrets to disk: {e}");
        return ExitCode::from(1);
    }
    let cli = Cli::parse();
    init_logging(cli.command.is_none());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let changes = matches!(
        cli.command,
        Some(
            Command::Reset(_)
                | Command::Reboot(_)
                | Command::Start(_)
                | Command::WindowsPassword(_)
        )
    );
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        // A change whose report could not be written must not look like a success: the
        // trail has its outcome.
        Err(AppError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe && changes => {
            eprintln!(
                "error: stdout was closed (broken pipe) during a change; its outcome is in the \
                 audit trail (`ecsreset trail`)"
            );
            ExitCode::from(1)
        }
        // `ecsreset list | head` closes the pipe early; that is not an error worth a message.
        Err(AppError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            // Errors quote what servers answered; the message keeps its lines, not escapes.
            eprintln!("error: {}", ecsreset::report::clean_lines(&e.to_string()));
            ExitCode::from(1)
        }
    }
}

async fn dispatch(cli: Cli) -> Result<i32, AppError> {
    match &cli.command {
        Some(Command::Sim(args)) => {
            let mut out = std::io::stdout();
            ecsreset::sim::run_cli((**args).clone(), &mut out).await?;
            Ok(0)
        }
        None => {
            let exit = ecsreset::tui::launch::launch(&cli.global).await?;
            Ok(i32::from(exit.code()))
        }
        _ => {
            // Buffered: a JSON report of thousands of servers is one write, not one per line.
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout());
            let mut err = std::io::stderr();
            let err_is_tty = err.is_terminal();
            let out_is_tty = std::io::stdout().is_terminal();
            let code = commands::run(
                &cli,
                &mut Io {
                    out: &mut out,
                    err: &mut err,
                    err_is_tty,
                    out_is_tty,
                },
            )
            .await;
            out.flush()?;
            code
        }
    }
}

/// Headless commands log warnings to stderr; `RUST_LOG` turns up the detail. No event the
/// code emits carries a secret, so even `trace` is safe to share. The TUI owns the screen, so
/// there logging goes to the file `$ECSRESET_LOG` names, and nowhere when it is unset: the
/// log pane already shows every call.
fn init_logging(tui: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    if !tui {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init();
        return;
    }
    let Some(path) = std::env::var_os("ECSRESET_LOG") else {
        return;
    };
    match open_log(std::path::Path::new(&path)) {
        Ok(file) => {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .try_init();
        }
        Err(e) => eprintln!(
            "warning: cannot open the log file {}: {e}; continuing without it",
            std::path::Path::new(&path).display()
        ),
    }
}

fn open_log(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
}
