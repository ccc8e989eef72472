//! Audit records in report order as soon as they are final, so `ecsreset audit` can write
//! them while the audit runs instead of holding every record of a large fleet to the end.
//!
//! The report is sorted by group (the profile, when the JSON groups by it), then project
//! (region, then id), then server name and id. A project's records are final once its list
//! is in and every one of its flags is; they go out when every project before it in that
//! order has gone out too. Pure: events in, records out.

use super::AuditEvent;
use super::record::{AuditRecord, NOT_CHECKED, outcome_fields};
use crate::cloud::wire::ServerDetail;
use crate::cloud::{CloudError, ProjectRef, ServerKind};
use std::collections::{BTreeMap, HashMap};

/// A listed server waiting for its project to go out: only what its record needs, without
/// the project's fields, which every server of the project shares.
#[derive(Debug)]
struct Held {
    kind: ServerKind,
    name: Box<str>,
    status: Box<str>,
    os_type: Option<Box<str>>,
    /// `None` until the flag arrives.
    outcome: Option<Outcome>,
}

#[derive(Debug)]
struct Outcome {
    reset_supported: Option<bool>,
    error: Option<Box<str>>,
    not_offered: bool,
}

impl Outcome {
    fn of(result: &Result<bool, CloudError>) -> Self {
        let (reset_supported, error, not_offered) = outcome_fields(result);
        Self {
            reset_supported,
            error: error.map(String::into_boxed_str),
            not_offered,
        }
    }
}

#[derive(Debug)]
struct Project {
    project: ProjectRef,
    profile: Option<String>,
    servers: HashMap<Box<str>, Held>,
    listed: bool,
    /// Listed servers whose flag has not arrived.
    unchecked: usize,
}

impl Project {
    fn done(&self) -> bool {
        self.listed && self.unchecked == 0
    }

    /// Its records, sorted by name and id.
    fn records(self) -> Vec<AuditRecord> {
        let Project {
            project, profile, ..
        } = &self;
        let mut records: Vec<AuditRecord> = self
            .servers
            .iter()
            .map(|(id, h)| {
                let (reset_supported, error, not_offered) = match &h.outcome {
                    Some(o) => (
                        o.reset_supported,
                        o.error.as_deref().map(str::to_owned),
                        o.not_offered,
                    ),
                    None => (None, Some(NOT_CHECKED.to_owned()), false),
                };
                AuditRecord {
                    project_id: project.id.clone(),
                    region: project.region.clone(),
                    server_id: id.to_string(),
                    kind: h.kind,
                    name: h.name.to_string(),
                    status: h.status.to_string(),
                    os_type: h.os_type.as_deref().map(str::to_owned),
                    reset_supported,
                    error,
                    not_offered,
                    profile: profile.clone(),
                }
            })
            .collect();
        records.sort_by(|a, b| (&a.name, &a.server_id).cmp(&(&b.name, &b.server_id)));
        records
    }
}

/// (group, region, project id): the report's order of projects.
type Key = (String, String, String);

/// Folds [`AuditEvent`]s of known projects and releases finished projects in report order.
#[derive(Debug)]
pub struct Ordered {
    waiting: BTreeMap<Key, Project>,
    /// Where each project is in `waiting`, by id.
    keys: HashMap<String, Key>,
    pub failed_projects: Vec<(ProjectRef, String)>,
}

impl Ordered {
    /// Projects of one group, reported without a profile.
    pub fn new(projects: &[ProjectRef]) -> Self {
        let projects: Vec<_> = projects.iter().map(|p| (p.clone(), None)).collect();
        Self::grouped(&projects, false)
    }

    /// Projects with their profile; with `by_profile` the profiles are groups in name order
    /// (`default` for none), as the grouped JSON has them.
    pub fn grouped(projects: &[(ProjectRef, Option<String>)], by_profile: bool) -> Self {
        let mut waiting = BTreeMap::new();
        let mut keys = HashMap::new();
        for (p, profile) in projects {
            let group = match (by_profile, profile) {
                (false, _) => String::new(),
                (true, Some(name)) => name.clone(),
                (true, None) => crate::config::DEFAULT_PROFILE.to_owned(),
            };
            let key = (group, p.region.clone(), p.id.clone());
            keys.insert(p.id.clone(), key.clone());
            waiting.insert(
                key,
                Project {
                    project: p.clone(),
                    profile: profile.clone(),
                    servers: HashMap::new(),
                    listed: false,
                    unchecked: 0,
                },
            );
        }
        Self {
            waiting,
            keys,
            failed_projects: Vec::new(),
        }
    }

    fn project(&mut self, p: &ProjectRef) -> Option<&mut Project> {
        let key = self.keys.get(&p.id)?;
        self.waiting
            .get_mut(key)
            .filter(|w| w.project.region == p.region)
    }

    pub fn apply(&mut self, event: AuditEvent) {
        match event {
            AuditEvent::Listed { project, servers } => {
                let Some(p) = self.project(&project) else {
                    return;
                };
                for s in servers {
                    if p.servers.insert(s.id.clone().into(), held(s)).is_none() {
                        p.unchecked += 1;
                    }
                }
                p.listed = true;
            }
            AuditEvent::ListFailed { project, error } => {
                if let Some(p) = self.project(&project) {
                    // Nothing of it is reported: it is released empty.
                    p.servers.clear();
                    p.unchecked = 0;
                    p.listed = true;
                }
                self.failed_projects
                    .push((project, super::record::list_failure(&error)));
            }
            AuditEvent::BareMetalFailed { project, error } => {
                self.failed_projects
                    .push((project, super::record::bare_metal_failure(&error)));
            }
            AuditEvent::Flag {
                project,
                server_id,
                outcome,
                ..
            } => {
                let Some(p) = self.project(&project) else {
                    return;
                };
                let Some(h) = p.servers.get_mut(server_id.as_str()) else {
                    return;
                };
                if h.outcome.replace(Outcome::of(&outcome)).is_none() {
                    p.unchecked -= 1;
                }
            }
        }
    }

    /// Whether `p`'s list is in (or it failed, or it went out already).
    pub fn listed(&self, p: &ProjectRef) -> bool {
        self.keys
            .get(&p.id)
            .and_then(|k| self.waiting.get(k))
            .is_none_or(|w| w.listed)
    }

    /// The records of the finished projects at the front of the report order, sorted; they
    /// are forgotten here.
    pub fn ready(&mut self) -> Vec<AuditRecord> {
        let mut out = Vec::new();
        while let Some(entry) = self.waiting.first_entry() {
            if !entry.get().done() {
                break;
            }
            out.extend(entry.remove().records());
        }
        out
    }

    /// Everything still held, finished or not (the audit is over: unchecked servers stay
    /// "not checked"), in report order.
    pub fn rest(&mut self) -> Vec<AuditRecord> {
        std::mem::take(&mut self.waiting)
            .into_values()
            .flat_map(Project::records)
            .collect()
    }
}

fn held(s: ServerDetail) -> Held {
    Held {
        kind: s.kind,
        os_type: s.os_type().map(Into::into),
        name: s.name.unwrap_or_default().into(),
        status: s.status.unwrap_or_default().into(),
        outcome: None,
    }
}

#[cfg(test)]
mod tests;
