//! `ecsreset windows-password SERVER --key FILE`: fetches the initial Administrator password
//! that a Windows server created with a key pair stored, decrypts it locally with the key
//! pair's private key, and shows it on the terminal only (`/dev/tty`, never stdout, stderr
//! or a log). Then it offers to clear the stored copy (`DELETE`), recorded in the trail.

use super::context::Context;
use super::locate::{Located, locate};
use super::{AppError, Io};
use crate::cli::WindowsPasswordArgs;
use crate::cloud::CloudError;
use crate::ops::engine::{Engine, Options};
use crate::ops::server_password::ClearError;
use crate::secret::Secret;
use std::io::{BufRead, Write};

/// Where the password may go: an interactive terminal, and nothing else.
pub trait Terminal {
    /// Writes `label` then the secret, without building a copy of it.
    fn show_secret(&mut self, label: &str, secret: &Secret) -> std::io::Result<()>;
    /// Asks a question and returns the answer line.
    fn ask(&mut self, prompt: &str) -> std::io::Result<String>;
}

/// The process's controlling terminal.
pub struct DevTty {
    file: std::fs::File,
    reader: std::io::BufReader<std::fs::File>,
}

impl DevTty {
    /// Opens `/dev/tty`; fails when the process has no controlling terminal (a pipe, a
    /// service, CI), which is exactly when the password must not be shown.
    pub fn open() -> Result<Self, AppError> {
        let refuse = |e: std::io::Error| {
            AppError::Refused(format!(
                "windows-password shows the password only on an interactive terminal, and this \
                 process has none (/dev/tty: {e}); run it from a terminal session"
            ))
        };
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .map_err(refuse)?;
        let reader = std::io::BufReader::new(file.try_clone().map_err(refuse)?);
        Ok(Self { file, reader })
    }
}

impl Terminal for DevTty {
    fn show_secret(&mut self, label: &str, secret: &Secret) -> std::io::Result<()> {
        self.file.write_all(label.as_bytes())?;
        self.file.write_all(secret.expose().as_bytes())?;
        self.file.write_all(b"\r\n")?;
        self.file.flush()
    }

    fn ask(&mut self, prompt: &str) -> std::io::Result<String> {
        self.file.write_all(prompt.as_bytes())?;
        self.file.flush()?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        Ok(line)
    }
}

pub async fn run(
    ctx: &Context,
    args: &WindowsPasswordArgs,
    io: &mut Io<'_>,
) -> Result<i32, AppError> {
    let mut tty = DevTty::open()?;
    run_on(ctx, args, &mut tty, io).await
}

/// [`run`] on a given terminal. Order: the key first (a bad key file fails before any call),
/// then locate, the OS check, the fetch and the local decryption.
pub async fn run_on(
    ctx: &Context,
    args: &WindowsPasswordArgs,
    tty: &mut dyn Terminal,
    io: &mut Io<'_>,
) -> Result<i32, AppError> {
    let key =
        crate::winpw::load_private_key(&args.key).map_err(|e| AppError::Refused(e.to_string()))?;
    let located = locate(ctx, std::slice::from_ref(&args.server))
        .await?
        .pop()
        .expect("locate returns every id it was given");
    let name = located.server.name.clone().unwrap_or_default();
    let os = located.server.os_type().unwrap_or("unknown");
    if !os.trim().eq_ignore_ascii_case("windows") {
        return Err(AppError::Refused(format!(
            "server {} ({name}) runs {os}: only Windows servers created with a key pair have a \
             stored initial password",
            located.server.id
        )));
    }
    let project = &located.project.project;
    let Some(stored) = ctx
        .cloud
        .show_server_password_of(project, &located.server.id, located.server.kind)
        .await?
    else {
        return Err(AppError::Refused(format!(
            "no initial password is stored for server {} ({name}): it was not created with a \
             key pair, or the stored copy was already cleared",
            located.server.id
        )));
    };
    let password = crate::winpw::decrypt(&key, &stored).map_err(|e| {
        AppError::Refused(format!(
            "server {} ({name}), key file {}: {e}",
            located.server.id,
            args.key.display()
        ))
    })?;
    drop(key);
    tty.show_secret(
        &format!("Administrator password of {name} ({}): ", located.server.id),
        &password,
    )?;
    drop(password);
    if let Some(why) = clear_refused(ctx, &located) {
        writeln!(io.out, "the stored copy is kept: {why}")?;
        return Ok(0);
    }
    let answer = tty.ask(
        "Clear the stored copy from the cloud now? Logging in is not affected, but the API \
         cannot show this password again. [y/N] ",
    )?;
    if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        writeln!(io.out, "the stored copy is kept")?;
        return Ok(0);
    }
    // Through the change engine: written ahead (no intent on disk, no request), then the
    // outcome.
    let trail_dir = match ctx.trail_dir() {
        Ok(dir) => dir,
        Err(e) => {
            writeln!(io.err, "the stored copy is kept: {e}")?;
            return Ok(1);
        }
    };
    let opts = Options {
        trail_dir,
        ..Options::default()
    };
    let engine = Engine::new(ctx.cloud.clone(), opts, std::sync::Arc::new(|_| {}));
    match engine.clear_server_password(&located).await {
        Ok(done) => {
            writeln!(
                io.out,
                "stored copy cleared{}",
                done.request_id
                    .map(|r| format!(" (request id {r})"))
                    .unwrap_or_default()
            )?;
            Ok(0)
        }
        Err(ClearError::NotSent(e)) => {
            writeln!(io.err, "the stored copy is kept: {e}")?;
            Ok(1)
        }
        Err(ClearError::Cloud(e)) => {
            let what = if matches!(e, CloudError::OutcomeUnknown { .. }) {
                "it is unknown whether the stored copy was cleared"
            } else {
                "the stored copy could not be cleared"
            };
            writeln!(io.err, "{what}: {e}")?;
            Ok(1)
        }
    }
}

/// Why the stored copy may not be cleared here, if it may not (read-only, protected).
fn clear_refused(ctx: &Context, located: &Located) -> Option<String> {
    if ctx.read_only {
        return Some(AppError::ReadOnly.to_string());
    }
    located.project.protected.then(|| {
        format!(
            "project {} is protected (protected = true in the config)",
            located.project.label
        )
    })
}
