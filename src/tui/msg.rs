//! What flows through the app: [`Msg`] into `update`, [`Effect`] out of it, [`Request`] to the
//! worker and [`Event`] back. A password exists only inside [`Request::Reset`], as a
//! [`Secret`]; no `Msg`, `Event` or `Action` can carry one.

use crate::cloud::CallRecord;
use crate::cloud::wire::{RebootType, ServerDetail};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

/// Identifies one request to the worker; events of a request the state no longer waits for
/// are dropped, so a superseded refresh can never overwrite a newer one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// An input to `update`.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// The clock moved; "ago" columns and spinners follow `now`.
    Tick(DateTime<Utc>),
    Worker(Event),
    /// The runtime could not hand a request to the worker.
    Undelivered(RequestId),
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
}

/// A project as the worker needs it: `id` is `None` when the config named only the region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSpec {
    pub index: usize,
    pub region: String,
    pub id: Option<String>,
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
        password: Secret,
        check_password: bool,
        reboot: Option<RebootType>,
    },
}

impl Request {
    pub fn id(&self) -> RequestId {
        match self {
            Request::Load { id, .. }
            | Request::Audit { id, .. }
            | Request::Check { id, .. }
            | Request::Reset { id, .. } => *id,
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
        }
    }
}

/// One flag result.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagResult {
    pub project: usize,
    pub server_id: String,
    /// `Ok(supported)` or `code: message` of the error that left it unknown.
    pub outcome: Result<bool, String>,
    pub at: DateTime<Utc>,
}

/// Where one server's reset stands: the change engine's own status.
pub use crate::ops::Status as ResetStatus;

/// Something the worker learned.
#[derive(Debug, Clone)]
pub enum Event {
    /// One API call attempt, for the log pane; not tied to a request.
    Call(CallRecord),
    /// Something the operator must know that is not an API call (e.g. the audit trail could
    /// not be written); shown in the status line.
    Warning(String),
    ProjectResolved {
        id: RequestId,
        project: usize,
        project_id: String,
    },
    /// One page of a project's list while more may follow; `Listed` ends the list.
    Page {
        id: RequestId,
        project: usize,
        servers: Vec<ServerDetail>,
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
        error: String,
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
    },
    Reset {
        id: RequestId,
        server_id: String,
        status: ResetStatus,
    },
    /// The request finished; nothing more will arrive for `id`.
    Done { id: RequestId },
}

impl Event {
    pub fn request(&self) -> Option<RequestId> {
        match self {
            Event::Call(_) | Event::Warning(_) => None,
            Event::ProjectResolved { id, .. }
            | Event::Page { id, .. }
            | Event::Listed { id, .. }
            | Event::ListFailed { id, .. }
            | Event::Flags { id, .. }
            | Event::Checked { id, .. }
            | Event::Reset { id, .. }
            | Event::Done { id } => Some(*id),
        }
    }
}
