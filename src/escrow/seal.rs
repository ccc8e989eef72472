//! Sealing a run: one new age file in a private directory, on disk before `seal` returns.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::record::{self, Record};
use super::{EscrowError, Recipient};

/// Sealed files end in this; anything else in the directory is ignored.
pub const EXTENSION: &str = "age";

/// Name collisions are astronomically unlikely (microsecond time plus 32 random bits); a few
/// tries turn "unlikely" into "never" without looping forever on a broken directory.
const NAME_TRIES: usize = 4;

/// Encrypts `records` to every recipient into a new file in `dir` and returns its path.
///
/// The directory is created 0700 when missing and refused when group or others can reach
/// it. The file is created 0600 with `O_CREAT|O_EXCL|O_NOFOLLOW` (never an existing file,
/// never through a symlink), written, fsynced, closed, and the directory fsynced, so the
/// passwords survive a crash that follows. On any error the new file is removed.
pub fn seal(
    dir: &Path,
    recipients: &[Recipient],
    records: &[Record],
) -> Result<PathBuf, EscrowError> {
    if recipients.is_empty() {
        return Err(EscrowError::NoRecipients);
    }
    if records.is_empty() {
        return Err(EscrowError::NoRecords);
    }
    if let Some((index, problem)) = records
        .iter()
        .enumerate()
        .find_map(|(i, r)| r.problem().map(|p| (i, p)))
    {
        return Err(EscrowError::BadRecord { index, problem });
    }
    private_dir(dir)?;
    let (path, mut file) = create(dir)?;
    let written = write(&mut file, &path, recipients, records);
    let synced = written.and_then(|()| {
        file.sync_all()
            .map_err(|e| EscrowError::io(&path, "fsync", e))
    });
    drop(file);
    let done = synced.and_then(|()| sync_dir(dir));
    if let Err(e) = done {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok(path)
}

fn write(
    file: &mut File,
    path: &Path,
    recipients: &[Recipient],
    records: &[Record],
) -> Result<(), EscrowError> {
    let encryptor = age::Encryptor::with_recipients(recipients.iter().map(Recipient::as_age))
        .map_err(|e| EscrowError::Encrypt(e.to_string()))?;
    let plain = record::encode(records);
    let fail = |e: io::Error| EscrowError::io(path, "write", e);
    let mut out = encryptor.wrap_output(&mut *file).map_err(fail)?;
    out.write_all(&plain).map_err(fail)?;
    out.finish().map_err(fail)?;
    Ok(())
}

/// Makes sure `dir` is a real directory only its owner can enter.
fn private_dir(dir: &Path) -> Result<(), EscrowError> {
    let fail = |why: String| EscrowError::Dir {
        dir: dir.to_owned(),
        why,
    };
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(dir)
                .map_err(|e| fail(format!("cannot create it: {e}")))?;
            // A directory made by someone else in between would fail the checks below.
            private_dir_checks(
                dir,
                &std::fs::symlink_metadata(dir).map_err(|e| fail(e.to_string()))?,
            )
        }
        Err(e) => Err(fail(format!("cannot read it: {e}"))),
        Ok(meta) => private_dir_checks(dir, &meta),
    }
}

fn private_dir_checks(dir: &Path, meta: &std::fs::Metadata) -> Result<(), EscrowError> {
    let fail = |why: String| EscrowError::Dir {
        dir: dir.to_owned(),
        why,
    };
    if meta.file_type().is_symlink() {
        return Err(fail(
            "it is a symbolic link; point [escrow] dir at the real directory".into(),
        ));
    }
    if !meta.is_dir() {
        return Err(fail("it is not a directory".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(fail(format!(
                "group or others can access it (mode {mode:04o}); run: chmod 700 {}",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// `escrow-<UTC time>-<random>.age`, created exclusively.
fn create(dir: &Path) -> Result<(PathBuf, File), EscrowError> {
    let mut last = None;
    for _ in 0..NAME_TRIES {
        let name = format!(
            "escrow-{}-{:08x}.{EXTENSION}",
            Utc::now().format("%Y%m%dT%H%M%S%.6fZ"),
            rand::random::<u32>()
        );
        let path = dir.join(name);
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        }
        match opts.open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some((path, e)),
            Err(e) => return Err(EscrowError::io(&path, "create", e)),
        }
    }
    let (path, e) = last.expect("at least one try");
    Err(EscrowError::io(&path, "create", e))
}

/// The new name is durable only once the directory entry is.
fn sync_dir(dir: &Path) -> Result<(), EscrowError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| EscrowError::Dir {
            dir: dir.to_owned(),
            why: format!("cannot fsync it: {e}"),
        })?;
    Ok(())
}
