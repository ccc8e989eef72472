//! One reset request: a single server through `reset_password`, several through
//! `batch_reset_password` per project after a dry run; then the optional reboot, polled until
//! its job ends. Every status sent is what the API confirmed, nothing more.

use super::{Events, WorkerOptions, describe};
use crate::cloud::wire::{JobResponse, RebootType, SubJob};
use crate::cloud::{Cloud, CloudError, ProjectRef};
use crate::commands::trail::{self, TrailEntry};
use crate::secret::Secret;
use crate::tui::msg::{Event, RequestId, ResetStatus, Target};
use std::collections::{BTreeMap, HashMap};
use tokio::time::Instant;

pub struct Job {
    pub cloud: Cloud,
    pub opts: WorkerOptions,
    pub id: RequestId,
    pub tx: Events,
    /// The targets by server id, for the audit trail.
    pub targets: HashMap<String, Target>,
    /// Reboot job id by server id: the trail's reference for a reboot line, as in the
    /// headless `reboot` command.
    pub jobs: std::sync::Mutex<HashMap<String, String>>,
}

impl Job {
    fn send(&self, server_id: &str, status: ResetStatus) {
        self.send_with(server_id, status, None);
    }

    /// Reports a status and, when it is an outcome, appends it to the audit trail.
    fn send_with(&self, server_id: &str, status: ResetStatus, request_id: Option<&str>) {
        self.record(server_id, &status, request_id);
        let _ = self.tx.send(Event::Reset {
            id: self.id,
            server_id: server_id.to_owned(),
            status,
        });
    }

    fn record(&self, server_id: &str, status: &ResetStatus, request_id: Option<&str>) {
        let (Some(dir), Some(t)) = (&self.opts.trail_dir, self.targets.get(server_id)) else {
            return;
        };
        let Some((action, outcome, error)) = trail_outcome(status) else {
            return;
        };
        let job = self
            .jobs
            .lock()
            .ok()
            .and_then(|j| j.get(server_id).cloned());
        let request_id = if action == "reboot" {
            job.as_deref()
        } else {
            request_id
        };
        let entry = TrailEntry {
            time: chrono::Utc::now(),
            action,
            project_id: &t.project_id,
            region: &t.region,
            server_id,
            server_name: &t.name,
            outcome,
            request_id,
            error,
        };
        if let Err(e) = trail::append(dir, &[entry]) {
            let _ = self.tx.send(Event::Warning(format!(
                "could not write the audit trail in {}: {e}",
                dir.display()
            )));
        }
    }

    fn send_all(&self, ids: &[String], status: &ResetStatus) {
        for sid in ids {
            self.send(sid, status.clone());
        }
    }

    pub async fn run(
        self,
        targets: Vec<Target>,
        password: Secret,
        check: bool,
        reboot: Option<RebootType>,
    ) {
        let mut groups: BTreeMap<ProjectRef, Vec<String>> = BTreeMap::new();
        for t in &targets {
            let p = ProjectRef {
                id: t.project_id.clone(),
                region: t.region.clone(),
            };
            groups.entry(p).or_default().push(t.server_id.clone());
        }
        let mut accepted = Vec::new();
        if let [single] = targets.as_slice() {
            let p = groups
                .keys()
                .next()
                .cloned()
                .expect("one target, one project");
            if self.single(&p, &single.server_id, &password, check).await {
                accepted.push((p, vec![single.server_id.clone()]));
            }
        } else {
            for (p, ids) in &groups {
                let ok = self.batch(p, ids, &password).await;
                if !ok.is_empty() {
                    accepted.push((p.clone(), ok));
                }
            }
        }
        drop(password);
        if let Some(kind) = reboot {
            let polls = accepted
                .into_iter()
                .map(|(p, ids)| self.reboot(p, ids, kind));
            futures::future::join_all(polls).await;
        }
        let _ = self.tx.send(Event::Done { id: self.id });
    }

    async fn single(&self, p: &ProjectRef, sid: &str, pw: &Secret, check: bool) -> bool {
        match self.cloud.reset_password(p, sid, pw, check).await {
            Ok(accepted) => {
                self.send_with(sid, ResetStatus::Accepted, accepted.request_id.as_deref());
                true
            }
            Err(e) => {
                self.send(sid, failure(&e));
                false
            }
        }
    }

    /// Dry run first; any refusal stops the whole project. Returns the accepted ids.
    async fn batch(&self, p: &ProjectRef, ids: &[String], pw: &Secret) -> Vec<String> {
        match self
            .cloud
            .batch_reset_password(p, ids, Some(pw), true)
            .await
        {
            Err(e) => {
                let why = format!("dry run refused: {}", describe(&e));
                self.send_all(ids, &ResetStatus::DryRunRejected(why));
                return Vec::new();
            }
            Ok(ok) if ids.iter().any(|id| !ok.contains(id)) => {
                for id in ids {
                    let why = if ok.contains(id) {
                        "not sent: the dry run refused other servers of this project"
                    } else {
                        "dry run refused this server"
                    };
                    self.send(id, ResetStatus::DryRunRejected(why.into()));
                }
                return Vec::new();
            }
            Ok(_) => {}
        }
        match self.cloud.batch_reset(p, ids, Some(pw), false).await {
            Ok(answer) => {
                let request_id = answer.request_id.as_deref();
                let ok: Vec<String> = ids
                    .iter()
                    .filter(|id| answer.servers.contains(id))
                    .cloned()
                    .collect();
                for id in ids {
                    if ok.contains(id) {
                        self.send_with(id, ResetStatus::Accepted, request_id);
                    } else {
                        // Accepted, yet not for this server by name: neither applied nor
                        // refused is confirmed.
                        let why = "the batch was accepted but its answer did not list this \
                                   server; check the server before retrying"
                            .to_owned();
                        self.send_with(id, ResetStatus::OutcomeUnknown(why), request_id);
                    }
                }
                ok
            }
            Err(e) => {
                self.send_all(ids, &failure(&e));
                Vec::new()
            }
        }
    }

    async fn reboot(&self, p: ProjectRef, ids: Vec<String>, kind: RebootType) {
        let job_id = match self.cloud.batch_reboot(&p, &ids, kind).await {
            Ok(job_id) => {
                if let Ok(mut jobs) = self.jobs.lock() {
                    jobs.extend(ids.iter().map(|id| (id.clone(), job_id.clone())));
                }
                job_id
            }
            Err(e @ CloudError::OutcomeUnknown { .. }) => {
                let why = format!("reboot: {e}; the password applies at the next restart");
                return self.send_all(&ids, &ResetStatus::RebootUnknown(why));
            }
            Err(e) => {
                let why = format!("{}; the password applies at the next restart", describe(&e));
                return self.send_all(&ids, &ResetStatus::RebootFailed(why));
            }
        };
        let rebooting = |status: &str| ResetStatus::Rebooting {
            job_id: job_id.clone(),
            status: status.to_owned(),
        };
        self.send_all(&ids, &rebooting("INIT"));
        self.poll(&p, &ids, &job_id).await;
    }

    async fn poll(&self, p: &ProjectRef, ids: &[String], job_id: &str) {
        let deadline = Instant::now() + self.opts.job_deadline;
        let mut errors = 0;
        let mut last: HashMap<String, ResetStatus> = HashMap::new();
        loop {
            tokio::time::sleep(self.opts.poll_interval).await;
            let job = match self.cloud.job(p, job_id).await {
                Ok(job) => job,
                Err(e) => {
                    errors += 1;
                    if errors >= self.opts.max_poll_errors {
                        let why = format!("cannot read reboot job {job_id}: {}", describe(&e));
                        return self.send_all(ids, &ResetStatus::RebootUnknown(why));
                    }
                    continue;
                }
            };
            errors = 0;
            let finished = matches!(job.status.as_deref(), Some("SUCCESS" | "FAIL"));
            for sid in ids {
                let status = server_status(&job, job_id, sid);
                if last.get(sid) != Some(&status) {
                    self.send(sid, status.clone());
                    last.insert(sid.clone(), status);
                }
            }
            if finished {
                return;
            }
            if Instant::now() >= deadline {
                let why = format!("reboot job {job_id} did not finish in time; check the server");
                return self.send_all(ids, &ResetStatus::RebootUnknown(why));
            }
        }
    }
}

/// What the trail says of a status: action, outcome and error; `None` while in progress.
fn trail_outcome(status: &ResetStatus) -> Option<(&'static str, &'static str, Option<&str>)> {
    const RESET: &str = "reset-password";
    Some(match status {
        ResetStatus::Sending | ResetStatus::Rebooting { .. } => return None,
        ResetStatus::DryRunRejected(why) => (RESET, "not-sent", Some(why.as_str())),
        ResetStatus::Accepted => (RESET, "accepted", None),
        ResetStatus::Failed(why) => (RESET, "failed", Some(why.as_str())),
        ResetStatus::OutcomeUnknown(why) => (RESET, "unknown", Some(why.as_str())),
        ResetStatus::Rebooted => ("reboot", "rebooted", None),
        ResetStatus::RebootFailed(why) => ("reboot", "failed", Some(why.as_str())),
        ResetStatus::RebootUnknown(why) => ("reboot", "unknown", Some(why.as_str())),
    })
}

/// A reset that did not go through: unknown when it may have applied, failed otherwise.
fn failure(e: &CloudError) -> ResetStatus {
    match e {
        CloudError::OutcomeUnknown { .. } => ResetStatus::OutcomeUnknown(e.to_string()),
        other => ResetStatus::Failed(describe(other)),
    }
}

fn sub_job<'a>(job: &'a JobResponse, sid: &str) -> Option<&'a SubJob> {
    job.entities
        .as_ref()?
        .sub_jobs
        .as_ref()?
        .iter()
        .find(|s| s.entities.as_ref().and_then(|e| e.server_id.as_deref()) == Some(sid))
}

/// One server's view of a reboot job: its sub-job when there is one, else the job itself.
fn server_status(job: &JobResponse, job_id: &str, sid: &str) -> ResetStatus {
    let sub = sub_job(job, sid);
    let job_status = job.status.as_deref().unwrap_or("UNKNOWN");
    let status = match sub.and_then(|s| s.status.as_deref()) {
        // A finished job with a sub-job still open: the job's verdict is the last word.
        Some(s) if matches!(job_status, "SUCCESS" | "FAIL") && !matches!(s, "SUCCESS" | "FAIL") => {
            job_status
        }
        Some(s) => s,
        None => job_status,
    };
    match status {
        "SUCCESS" => ResetStatus::Rebooted,
        "FAIL" => {
            let reason = sub
                .and_then(|s| {
                    s.fail_reason.clone().or_else(|| {
                        s.entities
                            .as_ref()
                            .and_then(|e| e.errorcode_message.clone())
                    })
                })
                .or_else(|| job.fail_reason.clone())
                .or_else(|| job.error_code.clone())
                .unwrap_or_else(|| "the reboot job failed".into());
            ResetStatus::RebootFailed(format!(
                "{reason}; the password applies at the next restart"
            ))
        }
        other => ResetStatus::Rebooting {
            job_id: job_id.to_owned(),
            status: other.to_owned(),
        },
    }
}
