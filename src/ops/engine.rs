//! The change engine's I/O: locate, pre-flight, send with the write-ahead trail, follow jobs.
//! Both the TUI worker and the headless commands drive exactly these functions.

use super::csms::CsmsPlan;
use super::plan::{self, Check, LocateError, Located, Refusal};
use super::trail::{self, Line, TrailServer};
use super::{Action, Outcome, Progress, Project, Status};
use crate::cloud::capability::{Capability, FlagError};
use crate::cloud::csms::Stored;
use crate::cloud::wire::RebootType;
use crate::cloud::{Cloud, CloudError, ProjectRef, ServerKind};
use crate::secret::Secret;
use futures::StreamExt;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A server named for a change, with the API that lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub project: Project,
    pub id: String,
    pub name: String,
    pub kind: ServerKind,
}

/// How the engine works; the same defaults for both front ends.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the trail is written; `None` keeps none (the demo).
    pub trail_dir: Option<PathBuf>,
    pub concurrency: usize,
    pub poll_interval: Duration,
    /// Consecutive failed polls after which a job's outcome is reported unknown.
    pub max_poll_errors: u32,
    /// Following a job gives up (outcome unknown) after this long.
    pub job_deadline: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            trail_dir: None,
            concurrency: 16,
            poll_interval: Duration::from_secs(2),
            max_poll_errors: 5,
            job_deadline: Duration::from_secs(30 * 60),
        }
    }
}

/// The password(s) of a reset: one for every server (batch API per project), or one per
/// server (single calls through the limiter).
pub enum Passwords {
    Same(Secret),
    PerServer(HashMap<String, Secret>),
}

impl Passwords {
    fn for_server(&self, id: &str) -> Option<&Secret> {
        match self {
            Passwords::Same(s) => Some(s),
            Passwords::PerServer(m) => m.get(id),
        }
    }
}

/// What to do after the reset: reboot the running servers, start the shut-off ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    pub reboot: RebootType,
    /// Follow the jobs to their end (headless `--no-wait` turns this off).
    pub wait: bool,
}

pub struct ResetPlan {
    pub servers: Vec<Located>,
    pub passwords: Passwords,
    pub check_password: bool,
    pub after: Option<After>,
    /// The sealed file holding the passwords, named in every trail line.
    pub escrow: Option<String>,
    /// `[escrow] csms`: each password is stored in its CSMS secret before its reset is
    /// sent; a server whose secret cannot be written is not reset.
    pub csms: Option<CsmsPlan>,
}

/// Where one server ended up.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub located: Located,
    /// The change itself (reset, or the reboot/start of a plain reboot or start).
    pub status: Status,
    pub request_id: Option<String>,
    /// The reboot or start that followed a reset.
    pub after: Option<Status>,
    pub job_id: Option<String>,
    /// The CSMS secret (and version) that holds the new password.
    pub csms: Option<Stored>,
}

/// An operation whose intent is on disk and whose answer is not in yet.
#[derive(Debug, Clone)]
struct InFlight {
    op: String,
    action: Action,
    project: ProjectRef,
    servers: Vec<TrailServer>,
}

#[derive(Clone)]
pub struct Engine {
    pub cloud: Cloud,
    pub opts: Options,
    sink: Arc<dyn Fn(Progress) + Send + Sync>,
    in_flight: Arc<Mutex<Vec<InFlight>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Locate(#[from] LocateError),
    #[error(transparent)]
    Cloud(#[from] CloudError),
}

impl Engine {
    pub fn new(cloud: Cloud, opts: Options, sink: Arc<dyn Fn(Progress) + Send + Sync>) -> Self {
        Self {
            cloud,
            opts,
            sink,
            in_flight: Arc::default(),
        }
    }

    fn status(&self, server_id: &str, status: Status) {
        (self.sink)(Progress::Status {
            server_id: server_id.to_owned(),
            status,
        });
    }

    fn warn(&self, text: String) {
        (self.sink)(Progress::Warning(text));
    }

    /// Finds every named id in exactly one of `projects`, asking each project for exactly those
    /// ids and keeping only those from its answer. Ids no project lists as ECS servers are
    /// then looked for among the bare-metal servers, so ECS-only work never calls BMS.
    pub async fn locate(
        &self,
        projects: &[Project],
        ids: &[String],
    ) -> Result<Vec<Located>, EngineError> {
        let projects = plan::merge_projects(projects.to_vec());
        let ids = self.resolve_names(&projects, ids).await?;
        let asked = plan::dedupe(&ids);
        let mut found = Vec::new();
        for p in &projects {
            for s in self.cloud.servers_by_id(&p.project, &asked).await? {
                found.push((p.clone(), s));
            }
        }
        let rest: Vec<String> = asked
            .iter()
            .filter(|id| !found.iter().any(|(_, s)| &s.id == *id))
            .cloned()
            .collect();
        if !rest.is_empty() {
            for p in &projects {
                for s in self.cloud.bare_metal_by_id(&p.project, &rest).await? {
                    found.push((p.clone(), s));
                }
            }
        }
        Ok(plan::assign(&asked, found, &projects)?)
    }

    /// The CSMS secret of every server (`[escrow] csms`), or the refusal naming each server
    /// that cannot have one. A secret outside the server's own region lives in a project of
    /// the CSMS region: the first of `known` there, else the region's main project (IAM).
    pub async fn csms_plan(
        &self,
        known: &[Project],
        cfg: &crate::escrow::CsmsConfig,
        located: &[Located],
    ) -> Result<CsmsPlan, String> {
        let mut projects: std::collections::HashMap<String, Option<String>> = Default::default();
        for l in located {
            let region = super::csms::region_for(cfg, l);
            if region == l.project.project.region || projects.contains_key(region) {
                continue;
            }
            let id = match known.iter().find(|t| t.project.region == region) {
                Some(t) => Some(t.project.id.clone()),
                None => self.cloud.project_id_for(region).await.ok(),
            };
            projects.insert(region.to_owned(), id);
        }
        let project_in = |r: &str| projects.get(r).cloned().flatten();
        super::csms::plan(located, cfg, &project_in).map_err(|refused| {
            let lines: Vec<String> = refused.iter().map(ToString::to_string).collect();
            format!(
                "[escrow] csms: no CSMS secret for {} server(s); nothing was sent:\n  {}",
                refused.len(),
                lines.join("\n  ")
            )
        })
    }

    /// Full ids for names and short ids: every project is listed once, and each reference
    /// must match exactly one server there ([`super::names::resolve`]).
    async fn resolve_names(
        &self,
        projects: &[Project],
        refs: &[String],
    ) -> Result<Vec<String>, EngineError> {
        if refs.iter().all(|r| super::names::is_full_id(r)) {
            return Ok(refs.to_vec());
        }
        let mut listed = Vec::new();
        for p in projects {
            for s in self
                .cloud
                .list_servers(&p.project, crate::cloud::ecs::MAX_PAGE)
                .await?
            {
                listed.push((p.clone(), s));
            }
            // Bare-metal servers are named the same way; a region without BMS (or a failed
            // BMS list) just offers none, as the lookup by id does.
            let bms = self
                .cloud
                .list_bare_metal_mapped(&p.project, crate::cloud::ecs::MAX_PAGE, |s| s)
                .await;
            for s in bms.unwrap_or_default() {
                listed.push((p.clone(), s));
            }
        }
        super::names::resolve(refs, &listed)
            .map_err(|e| EngineError::Locate(plan::LocateError::Unresolved(e)))
    }

    /// Reads the detail of exactly these servers again, per project; a server its project no
    /// longer lists is refused.
    pub async fn refresh(&self, named: Vec<Named>) -> (Vec<Located>, Vec<Refusal>) {
        type Group = (Project, Vec<(String, String)>);
        let mut groups: BTreeMap<(ProjectRef, ServerKind), Group> = BTreeMap::new();
        for Named {
            project: p,
            id,
            name,
            kind,
        } in named
        {
            let g = groups
                .entry((p.project.clone(), kind))
                .or_insert_with(|| (p.clone(), Vec::new()));
            g.0.protected |= p.protected;
            if !g.1.iter().any(|(i, _)| *i == id) {
                g.1.push((id, name));
            }
        }
        let (mut ok, mut refused) = (Vec::new(), Vec::new());
        for ((_, kind), (project, servers)) in groups {
            let ids: Vec<String> = servers.iter().map(|(i, _)| i.clone()).collect();
            let details = match kind {
                ServerKind::Ecs => self.cloud.servers_by_id(&project.project, &ids).await,
                ServerKind::Bms => self.cloud.bare_metal_by_id(&project.project, &ids).await,
            };
            match details {
                Ok(details) => {
                    for (id, name) in servers {
                        match details.iter().find(|d| d.id == id) {
                            Some(d) => ok.push(Located {
                                project: project.clone(),
                                server: d.clone(),
                            }),
                            None => refused.push(refusal_of(
                                &project,
                                &id,
                                &name,
                                "not found in its project now".into(),
                            )),
                        }
                    }
                }
                Err(e) => {
                    for (id, name) in servers {
                        let why = format!("detail could not be read ({})", describe(&e));
                        refused.push(refusal_of(&project, &id, &name, why));
                    }
                }
            }
        }
        (ok, refused)
    }

    /// Pre-flight: what may go ahead now, and each refused server with its reason. A reset
    /// reads every flag just now.
    pub async fn preflight(
        &self,
        check: Check,
        located: Vec<Located>,
    ) -> (Vec<Located>, Vec<Refusal>) {
        let flags: HashMap<String, Result<bool, FlagError>> = if check == Check::Reset {
            // Owned inputs: a closure over borrowed ones makes the future unspawnable
            // (rust-lang/rust#102211).
            let asks: Vec<(ProjectRef, String, ServerKind)> = located
                .iter()
                .map(|l| (l.project.project.clone(), l.id().to_owned(), l.server.kind))
                .collect();
            futures::stream::iter(asks.into_iter().map(|(p, id, kind)| async move {
                // A reset API known missing here refuses the server as surely as its flag.
                if self
                    .cloud
                    .known_missing(&p, Capability::ResetPassword)
                    .is_some()
                {
                    return (id, Err(FlagError::NotOffered(Capability::ResetPassword)));
                }
                let f = self
                    .cloud
                    .reset_flag_of(&p, &id, kind)
                    .await
                    .map_err(|e| FlagError::of(&e, describe));
                (id, f)
            }))
            .buffer_unordered(self.opts.concurrency.clamp(1, 64))
            .collect()
            .await
        } else {
            HashMap::new()
        };
        let (mut ok, mut refused) = (Vec::new(), Vec::new());
        for l in located {
            match plan::refusal(check, &l.server, l.project.protected, flags.get(l.id())) {
                None => ok.push(l),
                Some(reason) => refused.push(refusal_of(&l.project, l.id(), l.name(), reason)),
            }
        }
        (ok, refused)
    }

    /// Refresh, then pre-flight: the check both front ends show before asking the operator.
    pub async fn check(&self, check: Check, named: Vec<Named>) -> (Vec<Located>, Vec<Refusal>) {
        let (fresh, mut refused) = self.refresh(named).await;
        let (ok, more) = self.preflight(check, fresh).await;
        refused.extend(more);
        (ok, refused)
    }

    fn write(&self, lines: &[Line]) -> Result<(), String> {
        let Some(dir) = &self.opts.trail_dir else {
            return Ok(());
        };
        trail::append(dir, lines).map_err(|e| {
            format!(
                "the audit trail in {} could not be written ({e})",
                dir.display()
            )
        })
    }

    /// Intent on disk before the request leaves; `Err` means: do not send.
    pub(super) fn intend(
        &self,
        action: Action,
        project: &ProjectRef,
        servers: &[&Located],
    ) -> Result<String, String> {
        let op = trail::new_op_id();
        let named: Vec<TrailServer> = servers
            .iter()
            .map(|l| TrailServer {
                id: l.id().to_owned(),
                name: l.name().to_owned(),
            })
            .collect();
        self.write(&[Line::intent(
            &op,
            action,
            &project.id,
            &project.region,
            named.clone(),
        )])?;
        if let Ok(mut f) = self.in_flight.lock() {
            f.push(InFlight {
                op: op.clone(),
                action,
                project: project.clone(),
                servers: named,
            });
        }
        Ok(op)
    }

    pub(super) fn outcome(&self, op: &str, lines: Vec<trail::OutcomeLine>) {
        if let Ok(mut f) = self.in_flight.lock() {
            f.retain(|i| i.op != op);
        }
        let lines: Vec<Line> = lines.into_iter().map(|l| l.0).collect();
        if let Err(e) = self.write(&lines) {
            self.warn(e);
        }
    }

    /// Records every operation still waiting for its answer as interrupted (the process is
    /// being stopped by a signal). Returns how many servers that concerned.
    pub fn interrupted(&self) -> usize {
        let pending: Vec<InFlight> = self
            .in_flight
            .lock()
            .map(|mut f| std::mem::take(&mut *f))
            .unwrap_or_default();
        let mut n = 0;
        let mut lines = Vec::new();
        for i in pending {
            for s in &i.servers {
                n += 1;
                lines.push(
                    Line::outcome(&i.op, i.action, &i.project.id, &i.project.region)
                        .server(&s.id, &s.name)
                        .is(Outcome::Interrupted)
                        .error(Some(
                            "stopped by a signal with the request in flight: check the server",
                        ))
                        .0,
                );
            }
        }
        let _ = self.write(&lines);
        n
    }

    /// Resets, then optionally reboots or starts, exactly `plan.servers`, which pre-flight
    /// ([`Engine::check`]) has let through. Every server gets a report.
    pub async fn reset(&self, plan: ResetPlan) -> Vec<Report> {
        let ok = plan.servers.clone();
        let mut reports: Vec<Report> = Vec::new();
        // The CSMS write is per server, before that server's own request.
        let batch = matches!(plan.passwords, Passwords::Same(_)) && plan.csms.is_none();
        for (_, all) in by_project(&ok) {
            // Bare-metal servers have no batch API: each goes alone.
            let (bms, ecs): (Vec<&Located>, Vec<&Located>) =
                all.into_iter().partition(|l| l.server.kind.is_bms());
            let mut group = bms;
            if batch && ecs.len() > 1 {
                reports.extend(self.reset_batch(&ecs, &plan).await);
            } else {
                group.extend(ecs);
            }
            let plan = &plan;
            let owned: Vec<Located> = group.into_iter().cloned().collect();
            let each = owned
                .into_iter()
                .map(|l| async move { self.reset_one(&l, plan).await });
            let done: Vec<Report> = futures::stream::iter(each)
                .buffer_unordered(self.opts.concurrency.clamp(1, 64))
                .collect()
                .await;
            reports.extend(done);
        }
        drop(plan.passwords);
        if let Some(after) = plan.after {
            self.after_reset(&mut reports, after).await;
        }
        // The order the operator named them in.
        reports.sort_by_key(|r| plan.servers.iter().position(|l| l.id() == r.located.id()));
        reports
    }

    async fn reset_one(&self, l: &Located, plan: &ResetPlan) -> Report {
        let p = &l.project.project;
        let Some(pw) = plan.passwords.for_server(l.id()) else {
            let why = "no password was prepared for this server; nothing sent".to_owned();
            self.status(l.id(), Status::Failed(why.clone()));
            return report(l.clone(), Status::Failed(why), None);
        };
        let stored = match self.store_in_csms(l, pw, plan).await {
            Ok(stored) => stored,
            Err(refused) => return refused,
        };
        let op = match self.intend(Action::ResetPassword, p, &[l]) {
            Ok(op) => op,
            Err(e) => return self.not_sent(l, e),
        };
        self.status(l.id(), Status::Sending);
        let answer = self
            .cloud
            .reset_password_of(p, l.id(), l.server.kind, pw, plan.check_password)
            .await;
        let (status, request_id) = match answer {
            Ok(a) => (Status::Accepted, a.request_id),
            Err(e) => (failure(&e), e.request_id().map(str::to_owned)),
        };
        self.outcome(
            &op,
            vec![
                outcome_line(&op, Action::ResetPassword, l, &status)
                    .request_id(request_id.as_deref())
                    .escrow(plan.escrow.as_deref())
                    .csms(
                        stored.as_ref().map(|s| s.secret.as_str()),
                        stored.as_ref().and_then(|s| s.version.as_deref()),
                    ),
            ],
        );
        self.status(l.id(), status.clone());
        Report {
            csms: stored,
            ..report(l.clone(), status, request_id)
        }
    }

    /// With a CSMS plan, the password goes into the server's secret first; if that fails the
    /// server is refused (recorded as not sent) and its reset never leaves.
    async fn store_in_csms(
        &self,
        l: &Located,
        pw: &Secret,
        plan: &ResetPlan,
    ) -> Result<Option<Stored>, Report> {
        let Some(csms) = &plan.csms else {
            return Ok(None);
        };
        let (secret, answer) = match csms.targets.get(l.id()) {
            None => (None, None),
            Some(t) => (
                Some(t),
                Some(self.cloud.store_secret(&t.project, &t.secret, pw).await),
            ),
        };
        let why = match (secret, answer) {
            (_, Some(Ok(stored))) => return Ok(Some(stored)),
            (Some(t), Some(Err(e))) => format!(
                "not reset: its new password could not be stored in CSMS secret {} ({}): {}",
                t.secret,
                t.project.region,
                describe(&e)
            ),
            _ => "not reset: no CSMS secret was planned for this server".to_owned(),
        };
        let status = Status::Refused(why);
        let op = trail::new_op_id();
        self.outcome(
            &op,
            vec![
                outcome_line(&op, Action::ResetPassword, l, &status)
                    .escrow(plan.escrow.as_deref())
                    .csms(secret.map(|t| t.secret.as_str()), None),
            ],
        );
        self.status(l.id(), status.clone());
        Err(report(l.clone(), status, None))
    }

    fn not_sent(&self, l: &Located, why: String) -> Report {
        let status = Status::Failed(format!("not sent: {why}"));
        self.status(l.id(), status.clone());
        report(l.clone(), status, None)
    }

    /// Dry run first; unless it names exactly these servers nothing of the project is sent.
    async fn reset_batch(&self, group: &[&Located], plan: &ResetPlan) -> Vec<Report> {
        let p = &group[0].project.project;
        let ids: Vec<String> = group.iter().map(|l| l.id().to_owned()).collect();
        let pw = plan.passwords.for_server(&ids[0]);
        let refusals: Option<Vec<(String, String)>> =
            match self.cloud.batch_reset_password(p, &ids, pw, true).await {
                Err(e) => Some(
                    ids.iter()
                        .map(|id| (id.clone(), format!("dry run refused: {}", describe(&e))))
                        .collect(),
                ),
                Ok(answered) => plan::dry_run_refusals(&ids, &answered),
            };
        if let Some(refusals) = refusals {
            let op = trail::new_op_id();
            let mut lines = Vec::new();
            let mut out = Vec::new();
            for (l, (_, why)) in group.iter().zip(refusals) {
                let status = Status::DryRunRejected(why);
                lines.push(outcome_line(&op, Action::ResetPassword, l, &status));
                self.status(l.id(), status.clone());
                out.push(report((*l).clone(), status, None));
            }
            self.outcome(&op, lines);
            return out;
        }
        let op = match self.intend(Action::ResetPassword, p, group) {
            Ok(op) => op,
            Err(e) => return group.iter().map(|l| self.not_sent(l, e.clone())).collect(),
        };
        for id in &ids {
            self.status(id, Status::Sending);
        }
        let answer = self.cloud.batch_reset(p, &ids, pw, false).await;
        let (statuses, request_id): (Vec<Status>, Option<String>) = match &answer {
            Ok(a) => {
                let j = plan::judge(&ids, &a.servers);
                self.strangers(
                    &op,
                    Action::ResetPassword,
                    p,
                    &j.strangers,
                    "the batch reset answer",
                );
                let s = ids
                    .iter()
                    .map(|id| {
                        if j.named.contains(id) {
                            Status::Accepted
                        } else {
                            Status::OutcomeUnknown(
                                "the batch was accepted but its answer did not name this server; \
                                 check the server before retrying"
                                    .into(),
                            )
                        }
                    })
                    .collect();
                (s, a.request_id.clone())
            }
            Err(e) => (
                ids.iter().map(|_| failure(e)).collect(),
                e.request_id().map(str::to_owned),
            ),
        };
        let lines = group
            .iter()
            .zip(&statuses)
            .map(|(l, s)| {
                outcome_line(&op, Action::ResetPassword, l, s)
                    .request_id(request_id.as_deref())
                    .escrow(plan.escrow.as_deref())
            })
            .collect();
        self.outcome(&op, lines);
        group
            .iter()
            .zip(statuses)
            .map(|(l, s)| {
                self.status(l.id(), s.clone());
                report((*l).clone(), s, request_id.clone())
            })
            .collect()
    }

    /// An answer named servers nobody asked for: recorded as unknown and said out loud.
    fn strangers(&self, op: &str, action: Action, p: &ProjectRef, ids: &[String], what: &str) {
        if ids.is_empty() {
            return;
        }
        self.warn(format!(
            "{what} named server(s) that were not asked for: {}; their state is unknown, check them",
            ids.join(", ")
        ));
        let lines: Vec<Line> = ids
            .iter()
            .map(|id| {
                Line::outcome(op, action, &p.id, &p.region)
                    .server(id, "")
                    .is(Outcome::Unknown)
                    .error(Some(&format!(
                        "{what} named this server, which was not asked for"
                    )))
                    .0
            })
            .collect();
        if let Err(e) = self.write(&lines) {
            self.warn(e);
        }
    }

    /// Reboots the accepted running servers and starts the accepted shut-off ones.
    async fn after_reset(&self, reports: &mut [Report], after: After) {
        let (bms, accepted): (Vec<Located>, Vec<Located>) = reports
            .iter()
            .filter(|r| r.status == Status::Accepted)
            .map(|r| r.located.clone())
            .partition(|l| l.server.kind.is_bms());
        if !bms.is_empty() {
            let names: Vec<String> = bms.iter().map(|l| l.id().to_owned()).collect();
            self.warn(format!(
                "bare-metal server(s) {} were not restarted (ecsreset reboots ECS servers only): \
                 restart them to apply the new password",
                names.join(", ")
            ));
        }
        let (shutoff, running): (Vec<Located>, Vec<Located>) = accepted
            .into_iter()
            .partition(|l| l.server.status.as_deref() == Some("SHUTOFF"));
        let mut done = self
            .power(Power::Reboot(after.reboot), running, after.wait)
            .await;
        done.extend(self.power(Power::Start, shutoff, after.wait).await);
        for d in done {
            if let Some(r) = reports
                .iter_mut()
                .find(|r| r.located.id() == d.located.id())
            {
                r.after = Some(d.status);
                r.job_id = d.job_id;
            }
        }
    }

    /// A reboot or start of exactly `servers` (pre-flight passed), each followed as a job.
    pub async fn power(&self, what: Power, servers: Vec<Located>, wait: bool) -> Vec<Report> {
        let groups: Vec<Vec<Located>> = by_project(&servers)
            .into_values()
            .map(|g| g.into_iter().cloned().collect())
            .collect();
        let each = groups
            .into_iter()
            .map(|group| async move { self.power_project(what, &group, wait).await });
        futures::future::join_all(each)
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    async fn power_project(&self, what: Power, group: &[Located], wait: bool) -> Vec<Report> {
        let group: Vec<&Located> = group.iter().collect();
        let p = &group[0].project.project;
        let ids: Vec<String> = group.iter().map(|l| l.id().to_owned()).collect();
        let action = what.action();
        let op = match self.intend(action, p, &group) {
            Ok(op) => op,
            Err(e) => {
                let s = Status::RebootFailed(format!("not sent: {e}"));
                return group
                    .iter()
                    .map(|l| {
                        self.status(l.id(), s.clone());
                        report((*l).clone(), s.clone(), None)
                    })
                    .collect();
            }
        };
        let started = match what {
            Power::Reboot(kind) => self.cloud.batch_reboot(p, &ids, kind).await,
            Power::Start => self.cloud.batch_start(p, &ids).await,
        };
        let job_id = match started {
            Ok(job) => job,
            Err(e) => {
                let s = match &e {
                    CloudError::OutcomeUnknown { .. } => {
                        Status::RebootUnknown(format!("{} outcome unknown: {e}", what.noun()))
                    }
                    _ => Status::RebootFailed(format!(
                        "{} not started: {}",
                        what.noun(),
                        describe(&e)
                    )),
                };
                let lines = group
                    .iter()
                    .map(|l| outcome_line(&op, action, l, &s).request_id(e.request_id()))
                    .collect();
                self.outcome(&op, lines);
                return group
                    .iter()
                    .map(|l| {
                        self.status(l.id(), s.clone());
                        report((*l).clone(), s.clone(), None)
                    })
                    .collect();
            }
        };
        let lines = group
            .iter()
            .map(|l| {
                Line::outcome(&op, action, &p.id, &p.region)
                    .server(l.id(), l.name())
                    .is(Outcome::JobStarted)
                    .job_id(Some(&job_id))
            })
            .collect();
        self.outcome(&op, lines);
        let moving = |status: &str| match what {
            Power::Start => Status::Starting {
                job_id: job_id.clone(),
                status: status.to_owned(),
            },
            Power::Reboot(_) => Status::Rebooting {
                job_id: job_id.clone(),
                status: status.to_owned(),
            },
        };
        for id in &ids {
            self.status(id, moving("INIT"));
        }
        let finals = if wait {
            self.follow(&op, what, p, &group, &job_id).await
        } else {
            ids.iter().map(|_| moving("not followed")).collect()
        };
        group
            .iter()
            .zip(finals)
            .map(|(l, s)| Report {
                job_id: Some(job_id.clone()),
                ..report((*l).clone(), s, None)
            })
            .collect()
    }

    /// Polls a job until it ends; each server's result comes from its own sub-job.
    async fn follow(
        &self,
        op: &str,
        what: Power,
        p: &ProjectRef,
        group: &[&Located],
        job_id: &str,
    ) -> Vec<Status> {
        let ids: Vec<String> = group.iter().map(|l| l.id().to_owned()).collect();
        let start = matches!(what, Power::Start);
        let deadline = tokio::time::Instant::now() + self.opts.job_deadline;
        let mut errors = 0;
        let mut last: HashMap<String, Status> = HashMap::new();
        let mut warned = false;
        let finals = loop {
            tokio::time::sleep(self.opts.poll_interval).await;
            let job = match self.cloud.job(p, job_id).await {
                Ok(job) => job,
                Err(e) => {
                    errors += 1;
                    if errors >= self.opts.max_poll_errors {
                        let why = format!("cannot read job {job_id}: {}", describe(&e));
                        break ids
                            .iter()
                            .map(|_| Status::RebootUnknown(why.clone()))
                            .collect::<Vec<_>>();
                    }
                    continue;
                }
            };
            errors = 0;
            let strangers = plan::job_strangers(&job, &ids);
            if !warned && !strangers.is_empty() {
                warned = true;
                self.strangers(op, what.action(), p, &strangers, &format!("job {job_id}"));
            }
            let now: Vec<Status> = ids
                .iter()
                .map(|sid| plan::job_status(&job, job_id, sid, start))
                .collect();
            for (sid, s) in ids.iter().zip(&now) {
                if last.get(sid) != Some(s) {
                    self.status(sid, s.clone());
                    last.insert(sid.clone(), s.clone());
                }
            }
            if plan::job_finished(&job) {
                break now;
            }
            if tokio::time::Instant::now() >= deadline {
                let why = format!(
                    "job {job_id} did not finish in {} min; check the server",
                    self.opts.job_deadline.as_secs() / 60
                );
                break ids
                    .iter()
                    .map(|_| Status::RebootUnknown(why.clone()))
                    .collect();
            }
        };
        let lines = group
            .iter()
            .zip(&finals)
            .map(|(l, s)| outcome_line(op, what.action(), l, s).job_id(Some(job_id)))
            .collect();
        self.outcome(op, lines);
        for (sid, s) in ids.iter().zip(&finals) {
            if last.get(sid) != Some(s) {
                self.status(sid, s.clone());
            }
        }
        finals
    }
}

/// A power action the engine can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    Reboot(RebootType),
    Start,
}

impl Power {
    fn action(self) -> Action {
        match self {
            Power::Reboot(k) => Action::reboot(k),
            Power::Start => Action::Start,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Power::Reboot(_) => "reboot",
            Power::Start => "start",
        }
    }
}

fn report(located: Located, status: Status, request_id: Option<String>) -> Report {
    Report {
        located,
        status,
        request_id,
        after: None,
        job_id: None,
        csms: None,
    }
}

fn refusal_of(p: &Project, id: &str, name: &str, reason: String) -> Refusal {
    Refusal {
        server_id: id.to_owned(),
        name: name.to_owned(),
        project: p.label.clone(),
        reason,
    }
}

/// What the trail says of a final status.
pub fn trail_outcome(status: &Status) -> (Outcome, Option<&str>) {
    match status {
        Status::Refused(e) | Status::DryRunRejected(e) => (Outcome::NotSent, Some(e)),
        Status::Accepted => (Outcome::Accepted, None),
        Status::Rebooted | Status::Started => (Outcome::Done, None),
        Status::Failed(e) | Status::RebootFailed(e) => (Outcome::Failed, Some(e)),
        Status::OutcomeUnknown(e) | Status::RebootUnknown(e) => (Outcome::Unknown, Some(e)),
        Status::Sending | Status::Rebooting { .. } | Status::Starting { .. } => {
            (Outcome::Unknown, Some("still in progress when last seen"))
        }
    }
}

fn outcome_line(op: &str, action: Action, l: &Located, status: &Status) -> trail::OutcomeLine {
    let (outcome, error) = trail_outcome(status);
    let p = &l.project.project;
    Line::outcome(op, action, &p.id, &p.region)
        .server(l.id(), l.name())
        .is(outcome)
        .error(error)
}

/// A change that did not go through: unknown when it may have applied, failed otherwise.
pub fn failure(e: &CloudError) -> Status {
    match e {
        CloudError::OutcomeUnknown { .. } => Status::OutcomeUnknown(e.to_string()),
        other => Status::Failed(describe(other)),
    }
}

/// The API code and message, or the error's own words; never a body that holds a secret.
pub fn describe(e: &CloudError) -> String {
    match e.api() {
        Some(a) => format!(
            "{} (HTTP {}): {}",
            crate::report::clean(&a.code),
            a.status,
            crate::report::clean(&a.message)
        ),
        None => crate::report::clean(&e.to_string()).into_owned(),
    }
}

/// Groups by project, keeping first-seen order within each.
pub fn by_project(located: &[Located]) -> BTreeMap<ProjectRef, Vec<&Located>> {
    let mut map: BTreeMap<ProjectRef, Vec<&Located>> = BTreeMap::new();
    for l in located {
        map.entry(l.project.project.clone()).or_default().push(l);
    }
    map
}
