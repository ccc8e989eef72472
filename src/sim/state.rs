//! The simulator's mutable world: servers with their power state and passwords, and jobs.
//!
//! Time-driven changes (a reboot finishing) are applied lazily: every accessor first
//! "settles" the servers it touches against the current instant, so no background task is
//! needed and a job and its servers always agree on when a reboot ended.

use super::ServerTruth;
use super::fleet::{Fleet, SimProject, SimServer};
use super::jobs::Job;
use crate::cloud::ServerKind;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::Instant;

pub(crate) struct World {
    pub(crate) projects: Vec<ProjectState>,
    jobs: HashMap<String, Job>,
}

pub(crate) struct ProjectState {
    /// The project as configured; its `servers` list is moved into `servers` below.
    pub(crate) meta: SimProject,
    pub(crate) servers: Vec<ServerState>,
}

pub(crate) struct ServerState {
    pub(crate) spec: SimServer,
    status: String,
    transition: Option<Transition>,
    pending: Option<Secret>,
    applied: Option<Secret>,
    received: Vec<Secret>,
    pub(crate) updated: DateTime<Utc>,
}

/// A power operation in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Move {
    SoftReboot,
    HardReboot,
    Start,
    Stop,
}

struct Transition {
    kind: Move,
    until: Instant,
    until_utc: DateTime<Utc>,
}

/// How a server looks on the wire right now.
pub(crate) struct View<'a> {
    pub(crate) status: &'a str,
    pub(crate) vm_state: String,
    pub(crate) task_state: Option<&'static str>,
    pub(crate) power_state: i64,
}

impl World {
    pub(crate) fn new(fleet: Fleet) -> Self {
        let projects = fleet
            .projects
            .into_iter()
            .map(|mut meta| {
                let servers = std::mem::take(&mut meta.servers)
                    .into_iter()
                    .map(ServerState::new)
                    .collect();
                ProjectState { meta, servers }
            })
            .collect();
        Self {
            projects,
            jobs: HashMap::new(),
        }
    }

    pub(crate) fn project(&self, id: &str) -> Option<&ProjectState> {
        self.projects.iter().find(|p| p.meta.id == id)
    }

    /// The servers of a project, settled at `now`.
    pub(crate) fn servers_mut(
        &mut self,
        project: &str,
        now: Instant,
    ) -> Option<&mut [ServerState]> {
        let p = self.projects.iter_mut().find(|p| p.meta.id == project)?;
        for s in &mut p.servers {
            s.settle(now);
        }
        Some(&mut p.servers)
    }

    /// One ECS server of a project, settled at `now`.
    pub(crate) fn server_mut(
        &mut self,
        project: &str,
        server: &str,
        now: Instant,
    ) -> Option<&mut ServerState> {
        self.server_of(project, server, ServerKind::Ecs, now)
    }

    /// One server of a project as the API of `kind` sees it: ECS paths do not know
    /// bare-metal servers, nor the other way round.
    pub(crate) fn server_of(
        &mut self,
        project: &str,
        server: &str,
        kind: ServerKind,
        now: Instant,
    ) -> Option<&mut ServerState> {
        let p = self.projects.iter_mut().find(|p| p.meta.id == project)?;
        let s = p
            .servers
            .iter_mut()
            .find(|s| s.spec.id == server && s.spec.kind == kind)?;
        s.settle(now);
        Some(s)
    }

    pub(crate) fn truth(&mut self, now: Instant) -> Vec<ServerTruth> {
        let mut out = Vec::new();
        for p in &mut self.projects {
            for s in &mut p.servers {
                s.settle(now);
                out.push(ServerTruth {
                    project_id: p.meta.id.clone(),
                    server_id: s.spec.id.clone(),
                    name: s.spec.name.clone(),
                    status: s.view().status.to_owned(),
                    os_type: s.spec.os_type.clone(),
                    kind: s.spec.kind,
                    reset_supported: s.spec.reset_supported,
                    password_pending: s.pending.is_some(),
                    applied_password: s.applied.clone(),
                });
            }
        }
        out
    }

    pub(crate) fn received_passwords(&self, server: &str) -> Vec<Secret> {
        self.projects
            .iter()
            .flat_map(|p| &p.servers)
            .find(|s| s.spec.id == server)
            .map(|s| s.received.clone())
            .unwrap_or_default()
    }

    pub(crate) fn remove_server(&mut self, server: &str) -> bool {
        for p in &mut self.projects {
            if let Some(i) = p.servers.iter().position(|s| s.spec.id == server) {
                p.servers.remove(i);
                return true;
            }
        }
        false
    }

    pub(crate) fn insert_job(&mut self, job: Job) {
        self.jobs.insert(job.id.clone(), job);
    }

    pub(crate) fn job(&self, project: &str, id: &str) -> Option<&Job> {
        self.jobs.get(id).filter(|j| j.project == project)
    }
}

impl ServerState {
    fn new(spec: SimServer) -> Self {
        let updated = spec
            .created
            .as_deref()
            .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
            .map_or_else(Utc::now, |d| d.with_timezone(&Utc));
        Self {
            status: spec.status.clone(),
            spec,
            transition: None,
            pending: None,
            applied: None,
            received: Vec::new(),
            updated,
        }
    }

    /// Ends a finished transition; a (re)start makes a pending password the applied one.
    fn settle(&mut self, now: Instant) {
        let Some(t) = &self.transition else { return };
        if now < t.until {
            return;
        }
        self.updated = t.until_utc;
        if t.kind == Move::Stop {
            self.status = "SHUTOFF".into();
        } else {
            self.status = "ACTIVE".into();
            if let Some(p) = self.pending.take() {
                self.applied = Some(p);
            }
        }
        self.transition = None;
    }

    pub(crate) fn view(&self) -> View<'_> {
        let (status, task_state) = match self.transition.as_ref().map(|t| t.kind) {
            Some(Move::SoftReboot) => ("REBOOT", Some("rebooting")),
            Some(Move::HardReboot) => ("HARD_REBOOT", Some("rebooting_hard")),
            Some(Move::Start) => (self.status.as_str(), Some("powering-on")),
            Some(Move::Stop) => (self.status.as_str(), Some("powering-off")),
            None => (self.status.as_str(), None),
        };
        let (vm_state, power_state) = match self.status.as_str() {
            "ACTIVE" => ("active".to_owned(), 1),
            "SHUTOFF" => ("stopped".to_owned(), 4),
            other => (other.to_ascii_lowercase(), 0),
        };
        View {
            status,
            vm_state,
            task_state,
            power_state,
        }
    }

    /// Why `mv` cannot start now, if it cannot (real ECS refuses a soft reboot of a stopped
    /// server, and any operation on a server that is busy or in error).
    pub(crate) fn refuse(&self, mv: Move) -> Option<String> {
        if let Some(t) = &self.transition {
            return Some(format!("the server is busy ({:?} in progress)", t.kind));
        }
        let ok = match mv {
            Move::SoftReboot | Move::Stop => self.status == "ACTIVE",
            Move::HardReboot => self.status == "ACTIVE" || self.status == "SHUTOFF",
            Move::Start => self.status == "SHUTOFF",
        };
        (!ok).then(|| {
            format!(
                "the server status is {}, {mv:?} is not allowed",
                self.status
            )
        })
    }

    pub(crate) fn begin(&mut self, mv: Move, until: Instant, until_utc: DateTime<Utc>) {
        self.transition = Some(Transition {
            kind: mv,
            until,
            until_utc,
        });
        self.updated = Utc::now();
    }

    /// Records an accepted reset; it takes effect at the next (re)start.
    pub(crate) fn accept_password(&mut self, password: Secret) {
        self.received.push(password.clone());
        self.pending = Some(password);
        self.updated = Utc::now();
    }
}
