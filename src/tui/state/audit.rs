//! Progress and per-project summary of the `A` audit.

use crate::audit::progress::Progress;
use crate::audit::record::Counts;
use crate::tui::msg::RequestId;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct AuditProgress {
    pub id: RequestId,
    pub projects_total: usize,
    pub projects_listed: usize,
    /// Servers listed so far: the number of flags to check.
    pub total: usize,
    pub done: usize,
    /// Per project (index into the state's projects), in project order.
    pub counts: Vec<Counts>,
    pub failed: Vec<(usize, String)>,
    pub finished: bool,
    /// From the state's clock, for the rate and the time left.
    pub started: DateTime<Utc>,
}

impl AuditProgress {
    pub fn new(id: RequestId, projects: usize, started: DateTime<Utc>) -> Self {
        Self {
            id,
            projects_total: projects,
            projects_listed: 0,
            total: 0,
            done: 0,
            counts: vec![Counts::default(); projects],
            failed: Vec::new(),
            finished: false,
            started,
        }
    }

    /// The counts and the time since the start, as of `now`.
    pub fn progress(&self, now: DateTime<Utc>) -> Progress {
        Progress {
            done: self.done,
            total: self.total,
            elapsed: (now - self.started).to_std().unwrap_or_default(),
            listing_done: self.projects_listed >= self.projects_total,
        }
    }

    pub fn ratio(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            (self.done as f64 / self.total as f64).clamp(0.0, 1.0)
        }
    }

    pub fn totals(&self) -> Counts {
        let mut t = Counts::default();
        for c in &self.counts {
            t.supported += c.supported;
            t.unsupported += c.unsupported;
            t.unknown += c.unknown;
            t.not_offered += c.not_offered;
        }
        t
    }
}
