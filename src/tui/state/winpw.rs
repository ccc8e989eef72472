//! The "show Windows password" dialog: the key file's path as typed, then the decrypted
//! password (a [`Secret`]: redacted in every `Debug`, zeroized when the dialog closes), then
//! the offer to clear the stored copy. The password never leaves this dialog: not into the
//! log pane, the status line, a notice or a request.

use crate::secret::Secret;
use crate::tui::msg::{RequestId, Target};

#[derive(Debug)]
pub struct WinPw {
    pub target: Target,
    /// The path of the key pair's private key (PEM), as typed; a path is no secret.
    pub key_path: String,
    pub stage: Stage,
}

#[derive(Debug)]
pub enum Stage {
    /// Typing the key file's path.
    Path,
    /// Reading the key, fetching the stored copy and decrypting it.
    Fetching(RequestId),
    /// Fetching or decrypting failed; the reason names the file or the API error.
    Failed(String),
    Shown {
        password: Secret,
        clear: Clear,
    },
}

/// Where the offer to clear the stored copy stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clear {
    /// `y` clears it, anything else keeps it.
    Offered,
    /// Not offered: read-only mode or a protected project.
    NotOffered(String),
    Sending(RequestId),
    /// Cleared; the API's request id, if it gave one.
    Cleared(Option<String>),
    /// Not cleared, or unknown whether it was; the reason.
    Failed(String),
}

impl WinPw {
    pub fn new(target: Target, key_path: String) -> Self {
        Self {
            target,
            key_path,
            stage: Stage::Path,
        }
    }

    /// The request this dialog waits for, if any.
    pub fn waiting_for(&self) -> Option<RequestId> {
        match &self.stage {
            Stage::Fetching(id)
            | Stage::Shown {
                clear: Clear::Sending(id),
                ..
            } => Some(*id),
            _ => None,
        }
    }
}
