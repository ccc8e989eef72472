//! Audit records in report order as soon as they are final, so `ecsreset audit` can write
//! them while the audit runs instead of holding every record of a large fleet to the end.
//!
//! The report is sorted by project (region, then id), then server name and id. A project's
//! records are final once its list is in and every one of its flags is; they go out when
//! every project before it in that order has gone out too. Pure: events in, records out.

use super::AuditEvent;
use super::record::{AuditRecord, NOT_CHECKED, pending};
use crate::cloud::ProjectRef;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Default)]
struct Project {
    records: HashMap<String, AuditRecord>,
    listed: bool,
    /// Listed servers whose flag has not arrived.
    unchecked: usize,
}

impl Project {
    fn done(&self) -> bool {
        self.listed && self.unchecked == 0
    }
}

/// Folds [`AuditEvent`]s of known projects and releases finished projects in report order.
#[derive(Debug)]
pub struct Ordered {
    /// Projects not yet released, by (region, id).
    waiting: BTreeMap<(String, String), Project>,
    pub failed_projects: Vec<(ProjectRef, String)>,
}

impl Ordered {
    pub fn new(projects: &[ProjectRef]) -> Self {
        let waiting = projects
            .iter()
            .map(|p| ((p.region.clone(), p.id.clone()), Project::default()))
            .collect();
        Self {
            waiting,
            failed_projects: Vec::new(),
        }
    }

    pub fn apply(&mut self, event: AuditEvent) {
        match event {
            AuditEvent::Listed { project, servers } => {
                let Some(p) = self.waiting.get_mut(&key(&project)) else {
                    return;
                };
                for s in &servers {
                    if p.records
                        .insert(s.id.clone(), pending(&project, s))
                        .is_none()
                    {
                        p.unchecked += 1;
                    }
                }
                p.listed = true;
            }
            AuditEvent::ListFailed { project, error } => {
                if let Some(p) = self.waiting.get_mut(&key(&project)) {
                    // Nothing of it is reported: it is released empty.
                    p.records.clear();
                    p.unchecked = 0;
                    p.listed = true;
                }
                self.failed_projects
                    .push((project, format!("{}: {error}", error.code())));
            }
            AuditEvent::Flag {
                project,
                server_id,
                outcome,
                ..
            } => {
                let Some(p) = self.waiting.get_mut(&key(&project)) else {
                    return;
                };
                let Some(r) = p.records.get_mut(&server_id) else {
                    return;
                };
                if r.reset_supported.is_none() && r.error.as_deref() == Some(NOT_CHECKED) {
                    p.unchecked -= 1;
                }
                match outcome {
                    Ok(flag) => (r.reset_supported, r.error) = (Some(flag), None),
                    Err(e) => {
                        (r.reset_supported, r.error) = (None, Some(format!("{}: {e}", e.code())));
                    }
                }
            }
        }
    }

    /// The records of the finished projects at the front of the report order, sorted; they
    /// are forgotten here.
    pub fn ready(&mut self) -> Vec<AuditRecord> {
        let mut out = Vec::new();
        while let Some(entry) = self.waiting.first_entry() {
            if !entry.get().done() {
                break;
            }
            out.extend(sorted(entry.remove()));
        }
        out
    }

    /// Everything still held, finished or not (the audit is over: unchecked servers stay
    /// "not checked"), in report order.
    pub fn rest(&mut self) -> Vec<AuditRecord> {
        std::mem::take(&mut self.waiting)
            .into_values()
            .flat_map(sorted)
            .collect()
    }
}

fn key(p: &ProjectRef) -> (String, String) {
    (p.region.clone(), p.id.clone())
}

fn sorted(p: Project) -> Vec<AuditRecord> {
    let mut records: Vec<AuditRecord> = p.records.into_values().collect();
    records.sort_by(|a, b| (&a.name, &a.server_id).cmp(&(&b.name, &b.server_id)));
    records
}

#[cfg(test)]
mod tests;
