//! Reading a key pair's private key from disk, under the config file's rule: a file that
//! group or others can read or write is refused, with the `chmod` that fixes it.

use super::{KeyFormatError, parse_private_key};
use rsa::RsaPrivateKey;
use std::io::Read;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Larger than any RSA private key in PEM (a 16384-bit PKCS#1 key is about 12 KiB).
const MAX_KEY_FILE: u64 = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read key file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "key file {0} is {access} by group or others (mode {mode:04o}) and holds a private key; \
         run: chmod 600 {0}",
        path.display()
    )]
    Permissions {
        path: PathBuf,
        mode: u32,
        access: &'static str,
    },
    #[error("key file {} is larger than {MAX_KEY_FILE} bytes: not a private key", path.display())]
    TooLarge { path: PathBuf },
    #[error("key file {}: {reason}", path.display())]
    Format {
        path: PathBuf,
        reason: KeyFormatError,
    },
}

/// Opens, checks and parses a private key file. The permission check uses the opened
/// handle's metadata, so it is about the very file that is read.
pub fn load_private_key(path: &Path) -> Result<RsaPrivateKey, KeyFileError> {
    let read_err = |source| KeyFileError::Read {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(read_err)?;
    let meta = file.metadata().map_err(read_err)?;
    if meta.is_dir() {
        return Err(read_err(std::io::Error::other("it is a directory")));
    }
    check_private(path, &meta)?;
    if meta.len() > MAX_KEY_FILE {
        return Err(KeyFileError::TooLarge {
            path: path.to_owned(),
        });
    }
    // Sized up front so the buffer holding the key is never reallocated and left behind.
    let mut text = Zeroizing::new(String::with_capacity(meta.len() as usize + 1));
    file.read_to_string(&mut text).map_err(read_err)?;
    parse_private_key(&text).map_err(|reason| KeyFileError::Format {
        path: path.to_owned(),
        reason,
    })
}

#[cfg(unix)]
fn check_private(path: &Path, meta: &std::fs::Metadata) -> Result<(), KeyFileError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    let access = if mode & 0o044 != 0 {
        "readable"
    } else if mode & 0o022 != 0 {
        "writable"
    } else {
        return Ok(());
    };
    Err(KeyFileError::Permissions {
        path: path.to_owned(),
        mode,
        access,
    })
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), KeyFileError> {
    Ok(())
}
