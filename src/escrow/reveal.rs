//! Finding a server's newest sealed password across every file of the escrow directory.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::EscrowError;
use super::identity::{self, Identities, Passphrase};
use super::record::{self, Record};
use super::seal::EXTENSION;

/// Far above any run (a record is about 200 bytes), far below what memory can hold.
const MAX_FILE: u64 = 256 << 20;

/// What [`reveal_with`] found.
#[derive(Debug)]
pub struct Revealed {
    pub record: Record,
    /// The sealed file the record came from.
    pub file: PathBuf,
    /// Files the identity opened (or might have) that could not be read, with the reason;
    /// the caller should warn about them, they may hold a newer record.
    pub damaged: Vec<String>,
}

/// The newest record for `server_id`, decrypted with `identity_file`; an encrypted SSH key's
/// passphrase is asked for on the terminal.
pub fn reveal(
    dir: &Path,
    server_id: &str,
    identity_file: &Path,
) -> Result<(Record, PathBuf), EscrowError> {
    let r = reveal_with(dir, server_id, identity_file, &terminal_passphrase)?;
    Ok((r.record, r.file))
}

/// Asks on the controlling terminal (rpassword opens /dev/tty), without echo.
pub fn terminal_passphrase(prompt: &str) -> Option<crate::secret::Secret> {
    rpassword::prompt_password(prompt)
        .ok()
        .filter(|p| !p.is_empty())
        .map(crate::secret::Secret::from)
}

/// [`reveal`] with the passphrase prompt injected. Newest = latest record `time`; a tie goes
/// to the later file name, then to the later line. Files sealed to other keys are skipped.
pub fn reveal_with(
    dir: &Path,
    server_id: &str,
    identity_file: &Path,
    passphrase: Passphrase<'_>,
) -> Result<Revealed, EscrowError> {
    let files = sealed_files(dir)?;
    if files.is_empty() {
        return Err(EscrowError::NoFiles {
            dir: dir.to_owned(),
        });
    }
    let ids = identity::load(identity_file, passphrase)?;
    let mut opened = 0;
    let mut damaged = Vec::new();
    let mut best: Option<(Record, PathBuf)> = None;
    for path in &files {
        let records = match open(path, &ids) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(why) => {
                damaged.push(format!("{}: {why}", path.display()));
                continue;
            }
        };
        opened += 1;
        for r in records.into_iter().filter(|r| r.server_id == server_id) {
            // Files are visited in name (= time) order, lines in order: `>=` lets the later win.
            if best.as_ref().is_none_or(|(b, _)| r.time >= b.time) {
                best = Some((r, path.clone()));
            }
        }
    }
    match best {
        Some((record, file)) => Ok(Revealed {
            record,
            file,
            damaged,
        }),
        None if opened == 0 && damaged.is_empty() => Err(EscrowError::NoneOpened {
            dir: dir.to_owned(),
            files: files.len(),
            identity: identity_file.to_owned(),
        }),
        None => Err(EscrowError::NotFound {
            server_id: server_id.to_owned(),
            dir: dir.to_owned(),
            opened,
            damaged,
        }),
    }
}

/// The `*.age` regular files of `dir`, sorted by name (names start with the sealing time).
fn sealed_files(dir: &Path) -> Result<Vec<PathBuf>, EscrowError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(EscrowError::NoFiles {
                dir: dir.to_owned(),
            });
        }
        Err(e) => {
            return Err(EscrowError::Dir {
                dir: dir.to_owned(),
                why: format!("cannot list it: {e}"),
            });
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(std::result::Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == EXTENSION)
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The records of one file; `None` when it is sealed to other keys only.
fn open(path: &Path, ids: &Identities) -> Result<Option<Vec<Record>>, String> {
    let (file, len) = open_nofollow(path).map_err(|e| format!("cannot open it: {e}"))?;
    let decryptor = age::Decryptor::new_buffered(io::BufReader::new(file))
        .map_err(|e| format!("not an age file ({e})"))?;
    let mut reader = match decryptor.decrypt(ids.iter().map(std::convert::AsRef::as_ref)) {
        Ok(r) => r,
        Err(age::DecryptError::NoMatchingKeys) => return Ok(None),
        Err(e) => return Err(format!("cannot decrypt it ({e})")),
    };
    // The plaintext is shorter than the file: one allocation, zeroized on drop.
    let mut plain = Zeroizing::new(vec![0u8; len]);
    let mut filled = 0;
    loop {
        if filled == plain.len() {
            return Err("it decrypts to more than its own size".into());
        }
        match reader.read(&mut plain[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("it is damaged or cut short ({e})")),
        }
    }
    record::decode(&plain[..filled])
        .map(Some)
        .map_err(|(line, why)| format!("record on line {line} is unreadable: {why}"))
}

fn open_nofollow(path: &Path) -> io::Result<(File, usize)> {
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW);
    }
    let f = opts.open(path)?;
    let len = f.metadata()?.len();
    if len > MAX_FILE {
        return Err(io::Error::other(format!(
            "it is {len} bytes, more than a sealed run can be"
        )));
    }
    Ok((f, usize::try_from(len).unwrap_or(0)))
}
