//! The escrow: generated passwords sealed to the operator's public keys before they are sent,
//! readable later only with a matching private key (`ecsreset reveal`).
//!
//! A run is one [age](https://age-encryption.org) file, `escrow-<UTC time>-<random>.age`, in
//! a directory only its owner can enter (default `escrow/` in the data directory, or
//! `[escrow] dir`). Inside the encryption, and nowhere else, each [`Record`] is one JSON line:
//! `{"v":1,"server_id":…,"name":…,"project_id":…,"region":…,"time":…,"password":…}`. Any age
//! tool can open a file: `age -d -i KEY FILE`.
//!
//! Recipients are age X25519 keys (`age1…`) and SSH `ssh-ed25519` / `ssh-rsa` public keys
//! ([`Recipient`]); identities are age identity files and unencrypted or passphrase-protected
//! OpenSSH keys.
//!
//! With `[escrow] csms`, each password is also stored as a secret of Huawei Cloud's CSMS
//! ([`csms`] names the secret; the change engine writes it before that server's reset).
//!
//! Plaintext buffers of ours are zeroized; the age crate's own chunk buffers are beyond our
//! reach.

pub mod csms;
mod identity;
mod recipient;
mod record;
mod reveal;
mod seal;
#[cfg(test)]
mod tests;

use std::io;
use std::path::{Path, PathBuf};

pub use csms::{CsmsConfig, NameTemplate};
pub use identity::Passphrase;
pub use recipient::{Recipient, RecipientError};
pub use record::{Record, generate_for};
pub use reveal::{Revealed, reveal, reveal_with, terminal_passphrase};
pub use seal::{EXTENSION, seal};

/// The directory name under the data directory when `[escrow] dir` is not set.
pub const DEFAULT_DIR: &str = "escrow";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EscrowError {
    #[error(
        "escrow: no recipients to seal to; list public keys in `recipients` of the [escrow] section of the config"
    )]
    NoRecipients,

    #[error("escrow: nothing to seal (no records)")]
    NoRecords,

    #[error("escrow: record {index} has {problem}; nothing was sealed")]
    BadRecord { index: usize, problem: &'static str },

    #[error("escrow directory {}: {why}", dir.display())]
    Dir { dir: PathBuf, why: String },

    /// The I/O error is part of the message (and deliberately not a `source()`).
    #[error("escrow file {}: cannot {doing} it: {error}", path.display())]
    Io {
        path: PathBuf,
        doing: &'static str,
        error: io::Error,
    },

    #[error("escrow: cannot encrypt to the configured recipients: {0}")]
    Encrypt(String),

    #[error("identity file {} {why}", file.display())]
    Identity { file: PathBuf, why: String },

    #[error("no sealed passwords in {}: nothing has been sealed there yet (is [escrow] dir or --data-dir the one used for the reset?)", dir.display())]
    NoFiles { dir: PathBuf },

    #[error("none of the {files} sealed file(s) in {} was sealed to the key in {}: use the private key of one of the [escrow] recipients they were sealed to", dir.display(), identity.display())]
    NoneOpened {
        dir: PathBuf,
        files: usize,
        identity: PathBuf,
    },

    #[error("no sealed password for server {server_id} in the {opened} file(s) of {} this key opens{}", dir.display(), damaged_note(damaged))]
    NotFound {
        server_id: String,
        dir: PathBuf,
        opened: usize,
        damaged: Vec<String>,
    },
}

fn damaged_note(damaged: &[String]) -> String {
    if damaged.is_empty() {
        String::new()
    } else {
        format!("; unreadable: {}", damaged.join("; "))
    }
}

impl EscrowError {
    fn io(path: &Path, doing: &'static str, error: io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            doing,
            error,
        }
    }
}

/// Where sealed files go: the configured directory, else [`DEFAULT_DIR`] in `data_dir`.
pub fn dir_in(configured: Option<&Path>, data_dir: &Path) -> PathBuf {
    configured.map_or_else(|| data_dir.join(DEFAULT_DIR), Path::to_path_buf)
}
