//! What flows through the app: [`Msg`] into `update`, [`Effect`] out of it, [`Request`] to the
//! worker and [`Event`] back. A password exists only inside [`Request::Reset`] and
//! [`Event::WindowsPassword`] (the decrypted stored one, for its dialog), as a [`Secret`]; no
//! other `Msg`, `Event` or `Action` can carry one.

use crate::cloud::CallRecord;
use crate::cloud::wire::{RebootType, ServerDetail};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};

/// Identifies one request to the worker; events of a request the state no longer waits for
/// are dropped, so a superseded refresh can never overwrite a newer one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// An input to `update`.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// Only when the mouse is captured (`[ui] mouse`, `--mouse`).
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The clock moved; "ago" columns and spinners follow `now`.
    Tick(DateTime<Utc>),
    Worker(Event),
    /// The runtime could not hand a request to the worker.
    Undelivered(RequestId),
    /// Show only this profile's servers (None = every profile), e.g. from a command palette.
    SwitchProfile(Option<String>),
    /// The runtime read the config file again after [`Effect::ReloadConfig`] and started a
    /// worker on its client: this session's state replaces the current one.
    ConfigReloaded(Box<Reloaded>),
    /// The config could not be reloaded; the session goes on as it was.
    ReloadFailed(ReloadError),
    /// What came of [`Effect::SaveCsv`]: the file written, or why not.
    CsvSaved {
        rows: usize,
        outcome: Result<std::path::PathBuf, SaveError>,
    },
}

/// A session built from the config file as it is now.
pub struct Reloaded {
    pub state: crate::tui::state::State,
    /// Shown in the status line, e.g. the file that was read.
    pub source: String,
}

impl std::fmt::Debug for Reloaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloaded")
            .field("source", &self.source)
            .field("projects", &self.state.projects.len())
            .finish_non_exhaustive()
    }
}

/// Why a reload left the session as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadError {
    /// The session was started without a config file (the demo, a fixture).
    NoConfigFile,
    /// The file could not be read or is not a valid config: the reader's words.
    Invalid(String),
}

/// Why the table was not saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveError {
    NoDataDir,
    /// Creating or writing the file failed.
    Write(String),
}

/// Work that `update` asks the runtime to do.
#[derive(Debug)]
pub enum Effect {
    Api(Request),
    Quit,
    /// Read the config file again and restart the worker on it (the runtime does the I/O).
    ReloadConfig,
    /// Put this on the operator's clipboard with OSC 52 (works over ssh and tmux). Only
    /// server ids, names and addresses: never a password.
    Copy(String),
    /// Write the visible table (`rows` rows of CSV) to `file_name` in the data directory.
    SaveCsv {
        file_name: String,
        rows: usize,
        bytes: Vec<u8>,
    },
}

/// A project as the worker needs it: `id` is `None` when the config named only the region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSpec {
    pub index: usize,
    pub region: String,
    pub id: Option<String>,
    /// Whose keys list it; None = the top-level (default) profile.
    pub profile: Option<String>,
}

/// One server of a reset, with the project it lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub project: usize,
    pub project_id: String,
    pub region: String,
    pub server_id: String,
    /// For the audit trail; may be empty.
    pub name: String,
    /// The project's label, for refusals.
    pub label: String,
    pub protected: bool,
    /// Which API the server's calls go to.
    pub kind: crate::cloud::ServerKind,
}

/// Work for the background worker.
pub enum Request {
    /// List every project and check every flag, streaming results.
    Load {
        id: RequestId,
        projects: Vec<ProjectSpec>,
    },
    /// The same fan-out as `Load`, reported as an audit with a summary.
    Audit {
        id: RequestId,
        projects: Vec<ProjectSpec>,
    },
    /// Pre-flight of `targets` for the confirmation: fresh detail and flag of each.
    Check { id: RequestId, targets: Vec<Target> },
    /// Reset the password of `targets`; one target uses the single-server call, more use the
    /// batch call per project after a dry run.
    Reset {
        id: RequestId,
        targets: Vec<Target>,
        password: NewPassword,
        check_password: bool,
        reboot: Option<RebootType>,
    },
    /// Read the key file (permission rule of the config), fetch the server's stored initial
    /// Windows password and decrypt it locally.
    WindowsPassword {
        id: RequestId,
        target: Target,
        key: std::path::PathBuf,
    },
    /// Clear the stored copy through the change engine (written ahead to the trail).
    ClearServerPassword { id: RequestId, target: Target },
}

/// What the servers of one reset are given.
pub enum NewPassword {
    /// The one password typed or generated in the form, for all.
    Same(Secret),
    /// A fresh one each, generated by the worker and sealed to the `[escrow]` recipients
    /// before the first request; none is ever in the UI's state.
    UniqueSealed,
}

impl NewPassword {
    /// The one password for all, if that is what this is.
    pub fn same(&self) -> Option<&Secret> {
        match self {
            NewPassword::Same(s) => Some(s),
            NewPassword::UniqueSealed => None,
        }
    }
}

impl Request {
    pub fn id(&self) -> RequestId {
        match self {
            Request::Load { id, .. }
            | Request::Audit { id, .. }
            | Request::Check { id, .. }
            | Request::Reset { id, .. }
            | Request::WindowsPassword { id, .. }
            | Request::ClearServerPassword { id, .. } => *id,
        }
    }
}

impl std::fmt::Debug for Request {
    /// Hand-written so that no derive could ever print the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Request::Load { id, projects } => f
                .debug_struct("Load")
                .field("id", id)
                .field("projects", projects)
                .finish(),
            Request::Audit { id, projects } => f
                .debug_struct("Audit")
                .field("id", id)
                .field("projects", projects)
                .finish(),
            Request::Check { id, targets } => f
                .debug_struct("Check")
                .field("id", id)
                .field("targets", targets)
                .finish(),
            Request::Reset {
                id,
                targets,
                check_password,
                reboot,
                ..
            } => f
                .debug_struct("Reset")
                .field("id", id)
                .field("targets", targets)
                .field("password", &"***")
                .field("check_password", check_password)
                .field("reboot", reboot)
                .finish(),
            Request::WindowsPassword { id, target, key } => f
                .debug_struct("WindowsPassword")
                .field("id", id)
                .field("target", target)
                .field("key", key)
                .finish(),
            Request::ClearServerPassword { id, target } => f
                .debug_struct("ClearServerPassword")
                .field("id", id)
                .field("target", target)
                .finish(),
        }
    }
}

/// One flag result.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagResult {
    pub project: usize,
    pub server_id: String,
    /// `Ok(supported)`, not offered here, or `code: message` of the error that left it
    /// unknown.
    pub outcome: Result<bool, crate::cloud::capability::FlagError>,
    pub at: DateTime<Utc>,
}

/// Where one server's reset stands: the change engine's own status.
pub use crate::ops::Status as ResetStatus;

/// Something the worker learned.
#[derive(Debug, Clone)]
pub enum Event {
    /// One API call attempt, for the log pane; not tied to a request.
    Call(CallRecord),
    /// An agency profile's temporary keys were renewed; they end at `until`.
    AgencyKeys {
        profile: String,
        until: chrono::DateTime<chrono::Utc>,
    },
    /// Something the operator must know that is not an API call (e.g. the audit trail could
    /// not be written); shown in the status line.
    Warning(String),
    ProjectResolved {
        id: RequestId,
        project: usize,
        project_id: String,
    },
    /// Config entry `project` names the same project as entry `same_as` (by id, and by region
    /// through IAM): it is listed once, under `same_as`, and protection on either applies.
    SameProject {
        id: RequestId,
        project: usize,
        same_as: usize,
    },
    /// The unique passwords of reset `id` are sealed in `path` (nothing was sent before).
    Sealed {
        id: RequestId,
        path: String,
        count: usize,
    },
    /// One page of a project's list while more may follow; `Listed` ends the list. The
    /// worker builds the rows, so the UI thread only places them and a page waiting in the
    /// queue is as small as it will be in the table.
    Page {
        id: RequestId,
        project: usize,
        rows: Vec<crate::tui::state::row::Row>,
    },
    /// A project's list is complete: `servers` are its last ones (after any `Page`s), and
    /// servers not named by this list are gone.
    Listed {
        id: RequestId,
        project: usize,
        servers: Vec<ServerDetail>,
    },
    ListFailed {
        id: RequestId,
        project: usize,
        /// What the operator reads.
        error: String,
        /// What the app makes of it (a refusal points at the config), from the typed error.
        kind: crate::cloud::ErrorKind,
    },
    Flags {
        id: RequestId,
        flags: Vec<FlagResult>,
    },
    /// Pre-flight answered: the servers that may go ahead (`shutoff` among them would be
    /// started rather than rebooted) and each refused one with its reason.
    Checked {
        id: RequestId,
        ok: Vec<String>,
        refused: Vec<crate::ops::Refusal>,
        shutoff: Vec<String>,
        /// Among `ok`, bare-metal: the engine never restarts them, whatever is chosen.
        bare_metal: Vec<String>,
    },
    Reset {
        id: RequestId,
        server_id: String,
        status: ResetStatus,
    },
    /// The stored Windows password, decrypted, or why not (never the password itself).
    WindowsPassword {
        id: RequestId,
        server_id: String,
        outcome: Result<Secret, String>,
    },
    /// The clear of a stored copy: its request id, or why it was not (or may not be) done.
    ServerPasswordCleared {
        id: RequestId,
        server_id: String,
        outcome: Result<Option<String>, String>,
    },
    /// The request finished; nothing more will arrive for `id`.
    Done { id: RequestId },
}

impl Event {
    pub fn request(&self) -> Option<RequestId> {
        match self {
            Event::Call(_) | Event::Warning(_) | Event::AgencyKeys { .. } => None,
            Event::ProjectResolved { id, .. }
            | Event::SameProject { id, .. }
            | Event::Sealed { id, .. }
            | Event::Page { id, .. }
            | Event::Listed { id, .. }
            | Event::ListFailed { id, .. }
            | Event::Flags { id, .. }
            | Event::Checked { id, .. }
            | Event::Reset { id, .. }
            | Event::WindowsPassword { id, .. }
            | Event::ServerPasswordCleared { id, .. }
            | Event::Done { id } => Some(*id),
        }
    }
}
