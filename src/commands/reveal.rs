//! `ecsreset reveal SERVER_ID [--identity FILE]`: the newest sealed password of a server,
//! shown on the terminal and nowhere else.
//!
//! The password is written to `/dev/tty`, never to stdout: `reveal … | tee log` or a CI job
//! cannot capture it. Without a controlling terminal the command refuses before it decrypts
//! anything. Every reveal is recorded in the audit trail before the password is shown; when
//! the trail cannot be written, nothing is shown.
//!
//! The identity is `--identity FILE`, else the first of `~/.ssh/id_ed25519` and
//! `~/.ssh/id_rsa` that exists: the keys whose public halves an operator would most likely
//! have listed in `[escrow] recipients`. An age identity file has no standard place, so it
//! is always named with `--identity`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{AppError, Io, saved};
use crate::cli::{GlobalArgs, RevealArgs};
use crate::config::{self, LoadOptions};
use crate::escrow::{self, Record, Revealed};
use crate::ops::trail::{self, Line};
use crate::ops::{Action, Outcome};
use crate::report::clean;

/// Tried in this order when `--identity` is not given, relative to the home directory.
pub const DEFAULT_IDENTITIES: &[&str] = &[".ssh/id_ed25519", ".ssh/id_rsa"];

pub fn run(global: &GlobalArgs, args: &RevealArgs, io: &mut Io<'_>) -> Result<i32, AppError> {
    let mut tty = terminal()?;
    let config = config::load(&LoadOptions::with_process_env(global.config.clone()))?;
    let data_dir = saved::data_dir(global.data_dir.as_deref())?;
    let dir = escrow::dir_in(
        config.escrow.as_ref().and_then(|e| e.dir.as_deref()),
        &data_dir,
    );
    let identity = identity_file(args.identity.as_deref(), home().as_deref())?;
    let found = escrow::reveal_with(&dir, &args.server, &identity, &escrow::terminal_passphrase)?;
    for d in &found.damaged {
        writeln!(io.err, "warning: skipped an unreadable sealed file: {d}")?;
    }
    record_reveal(&data_dir, &found.record, &found.file).map_err(|e| {
        AppError::Refused(format!(
            "cannot record the reveal in the audit trail ({e}); the password was not shown"
        ))
    })?;
    show(&mut tty, &found)?;
    Ok(0)
}

/// The one place a reveal reaches the trail: which record, from which sealed file; never the
/// password. Written (fsynced) before the password is shown.
pub fn record_reveal(data_dir: &Path, record: &Record, file: &Path) -> std::io::Result<()> {
    let op = trail::new_op_id();
    let line = Line::outcome(&op, Action::Reveal, &record.project_id, &record.region)
        .server(&record.server_id, &record.name)
        .is(Outcome::Revealed)
        .escrow(Some(&file.display().to_string()))
        .0;
    trail::append(data_dir, &[line])
}

/// The controlling terminal, or a refusal that says why nothing was decrypted.
fn terminal() -> Result<File, AppError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| {
            AppError::Refused(format!(
                "reveal shows a password only on a terminal, and this process has none \
                 (/dev/tty: {e}); run it from an interactive shell. Nothing was decrypted."
            ))
        })
}

fn home() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.home_dir().to_owned())
}

/// `--identity`, else the first default key that exists.
pub fn identity_file(given: Option<&Path>, home: Option<&Path>) -> Result<PathBuf, AppError> {
    if let Some(p) = given {
        return Ok(p.to_owned());
    }
    let candidates: Vec<PathBuf> = home
        .map(|h| DEFAULT_IDENTITIES.iter().map(|d| h.join(d)).collect())
        .unwrap_or_default();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| {
            let tried: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
            AppError::Usage(format!(
                "no identity to decrypt with: pass --identity FILE (an age identity file or an \
                 SSH private key){}",
                if tried.is_empty() {
                    String::new()
                } else {
                    format!("; tried {}", tried.join(" and "))
                }
            ))
        })
}

fn show(tty: &mut File, found: &Revealed) -> std::io::Result<()> {
    let r = &found.record;
    let about = format!(
        "{} ({}) in {} / {}, sealed {} in {}\npassword: ",
        clean(&r.name),
        clean(&r.server_id),
        clean(&r.region),
        clean(&r.project_id),
        r.time.format("%Y-%m-%d %H:%M:%S UTC"),
        found.file.display(),
    );
    // Written straight from the secret: no formatted copy of the password is made.
    tty.write_all(about.as_bytes())?;
    tty.write_all(r.password.expose().as_bytes())?;
    tty.write_all(b"\n")?;
    tty.flush()
}
