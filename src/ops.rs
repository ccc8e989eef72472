//! The change engine: every reset, reboot and start, from the TUI or a command, goes through
//! here, so the two front ends cannot drift.
//!
//! Stages, wherever a change starts:
//! - [`plan`] (pure): named ids → exactly one project each, deduplicated; answers intersected
//!   with what was asked; pre-flight verdicts; dry-run and batch answers judged per server.
//! - [`engine`] (I/O through [`crate::cloud::Cloud`]): locate, pre-flight (fresh detail and
//!   flag of exactly the named servers), then send: intent on disk ([`trail`]) before each
//!   request, outcome right after, jobs followed per server from their sub-jobs only.
//!
//! Progress goes out through a [`Sink`] as [`Progress`] events; the TUI turns them into
//! messages, the commands into lines and a final table.

pub mod csms;
pub mod engine;
pub mod names;
pub mod plan;
pub mod server_password;
pub mod trail;

pub use engine::{Engine, Named, Passwords, ResetPlan};
pub use plan::{Located, Refusal};

use crate::cloud::ProjectRef;
use serde::Serialize;

/// A configured project as a change sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub project: ProjectRef,
    pub label: String,
    pub protected: bool,
    /// The `[profiles.NAME]` it comes from; None = the top-level (default) profile.
    pub profile: Option<String>,
}

/// What a change does; the same words in the trail from both front ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    ResetPassword,
    RebootSoft,
    RebootHard,
    Start,
    Reveal,
    ClearServerPassword,
}

impl Action {
    pub fn word(self) -> &'static str {
        match self {
            Action::ResetPassword => "reset-password",
            Action::RebootSoft => "reboot-soft",
            Action::RebootHard => "reboot-hard",
            Action::Start => "start",
            Action::Reveal => "reveal",
            Action::ClearServerPassword => "clear-server-password",
        }
    }

    pub fn reboot(kind: crate::cloud::wire::RebootType) -> Self {
        match kind {
            crate::cloud::wire::RebootType::Soft => Action::RebootSoft,
            crate::cloud::wire::RebootType::Hard => Action::RebootHard,
        }
    }
}

/// What the trail records of one server's change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Refused before sending (pre-flight or dry run); nothing was sent for it.
    NotSent,
    /// The API accepted the request.
    Accepted,
    /// The API accepted an action and gave a job to follow.
    JobStarted,
    /// The job's sub-job for this server succeeded.
    Done,
    Failed,
    /// It may or may not have been applied.
    Unknown,
    /// The process was stopped (signal) with this request in flight.
    Interrupted,
    /// The operator checked an unfinished operation (`ecsreset trail --ack`).
    Acknowledged,
    Revealed,
}

impl Outcome {
    pub fn word(self) -> &'static str {
        match self {
            Outcome::NotSent => "not-sent",
            Outcome::Accepted => "accepted",
            Outcome::JobStarted => "job-started",
            Outcome::Done => "done",
            Outcome::Failed => "failed",
            Outcome::Unknown => "unknown",
            Outcome::Interrupted => "interrupted",
            Outcome::Acknowledged => "acknowledged",
            Outcome::Revealed => "revealed",
        }
    }
}

/// Where one server's change stands. Only what the API confirmed is ever claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Pre-flight refused it; nothing was sent.
    Refused(String),
    Sending,
    /// The batch dry run refused the project (or this server); nothing was sent for it.
    DryRunRejected(String),
    Accepted,
    Failed(String),
    OutcomeUnknown(String),
    Rebooting {
        job_id: String,
        status: String,
    },
    Starting {
        job_id: String,
        status: String,
    },
    /// The reboot's sub-job succeeded. The reset API reports no failure of the in-guest
    /// plug-in, so this does not prove the new password is active.
    Rebooted,
    Started,
    RebootFailed(String),
    RebootUnknown(String),
}

impl Status {
    /// Still moving: a new change of this server must wait.
    pub fn in_progress(&self) -> bool {
        matches!(
            self,
            Status::Sending | Status::Rebooting { .. } | Status::Starting { .. }
        )
    }
}

/// One thing the engine reports while it works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Status {
        server_id: String,
        status: Status,
    },
    /// The operator must know (an answer named a server nobody asked for, the trail could
    /// not be written).
    Warning(String),
}

pub type Sink<'a> = &'a (dyn Fn(Progress) + Send + Sync);
