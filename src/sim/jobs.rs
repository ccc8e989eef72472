//! Batch actions (`reboot`, `os-start`, `os-stop`) and the asynchronous jobs they create.
//!
//! A job is computed from its start time, not driven by a task: for the first
//! `INIT_PHASE` it is `INIT`, then each sub-job is `RUNNING` until its end, then `SUCCESS`,
//! or `FAIL` when the server refused the operation at submission (e.g. a soft reboot of a
//! stopped server). The job is `SUCCESS` when every sub-job succeeded, else `FAIL`, exactly
//! in the shape of fixtures `ecs-job-running.json` / `ecs-job-failed.json`.

use super::gateway::Shared;
use super::lock;
use super::reply::{ecs_error, illegal_body, json, project_not_found, server_not_found};
use super::state::Move;
use crate::cloud::wire::{
    BatchRebootRequest, JobCreated, JobEntities, JobResponse, RebootType, ServerId, SubJob,
    SubJobEntities,
};
use axum::response::Response;
use chrono::{DateTime, Utc};
use rand::Rng;
use serde::Deserialize;
use std::time::{Duration, Instant};

const FAILED: &str = "Ecs.0000";

pub(crate) struct Job {
    pub(crate) id: String,
    pub(crate) project: String,
    job_type: &'static str,
    sub_type: &'static str,
    begin: Instant,
    begin_utc: DateTime<Utc>,
    duration: Duration,
    subs: Vec<Sub>,
}

struct Sub {
    id: String,
    server: String,
    /// `Some(reason)` when the server refused the operation.
    refused: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartStop {
    servers: Vec<ServerId>,
    #[serde(rename = "type", default)]
    _kind: Option<RebootType>,
}

/// `POST /v1/{project_id}/cloudservers/action` with exactly one of the known keys.
pub(crate) fn action(shared: &Shared, project: &str, body: &[u8]) -> Response {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
        return illegal_body();
    };
    let parsed = match map
        .keys()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["reboot"] => serde_json::from_slice::<BatchRebootRequest>(body)
            .ok()
            .map(|r| {
                let mv = match r.reboot.kind {
                    RebootType::Soft => Move::SoftReboot,
                    RebootType::Hard => Move::HardReboot,
                };
                (mv, r.reboot.servers, "batchRebootServer", "rebootServer")
            }),
        [key @ ("os-start" | "os-stop")] => {
            let inner = serde_json::from_value::<StartStop>(map[*key].clone()).ok();
            inner.map(|s| match *key {
                "os-start" => (Move::Start, s.servers, "batchStartServer", "startServer"),
                _ => (Move::Stop, s.servers, "batchStopServer", "stopServer"),
            })
        }
        _ => None,
    };
    let Some((mv, servers, job_type, sub_type)) = parsed else {
        return illegal_body();
    };
    if servers.is_empty() || servers.len() > 1000 {
        return ecs_error(400, "Ecs.0005", "servers must hold 1 to 1000 entries.");
    }
    let mut world = lock(&shared.world);
    if world.project(project).is_none() {
        return project_not_found(project);
    }
    let (now, now_utc) = (Instant::now(), Utc::now());
    if let Some(missing) = servers
        .iter()
        .find(|s| world.server_mut(project, &s.id, now).is_none())
    {
        return server_not_found(&missing.id);
    }
    let duration = shared.reboot_duration;
    let until_utc = now_utc + chrono::Duration::from_std(duration).unwrap_or_default();
    let mut subs = Vec::with_capacity(servers.len());
    for sid in &servers {
        let s = world
            .server_mut(project, &sid.id, now)
            .expect("checked above");
        let refused = s.refuse(mv);
        if refused.is_none() {
            s.begin(mv, now + duration, until_utc);
        }
        subs.push(Sub {
            id: job_id(),
            server: sid.id.clone(),
            refused,
        });
    }
    let job = Job {
        id: job_id(),
        project: project.to_owned(),
        job_type,
        sub_type,
        begin: now,
        begin_utc: now_utc,
        duration,
        subs,
    };
    let created = JobCreated {
        job_id: job.id.clone(),
    };
    tracing::debug!(project, job = %job.id, ?mv, servers = servers.len(), "job created");
    world.insert_job(job);
    json(200, &created)
}

/// `GET /v1/{project_id}/jobs/{job_id}`.
pub(crate) fn show(shared: &Shared, project: &str, id: &str) -> Response {
    let world = lock(&shared.world);
    if world.project(project).is_none() {
        return project_not_found(project);
    }
    match world.job(project, id) {
        // [ASSUMED] code and wording; the doc only says the query can fail.
        None => ecs_error(404, FAILED, format!("Job[{id}] could not be found.")),
        Some(job) => {
            let mut answer = job.render(Instant::now());
            if lock(&shared.quirks).jobs_without_sub_jobs
                && let Some(e) = answer.entities.as_mut()
            {
                e.sub_jobs = Some(Vec::new());
                e.sub_jobs_total = Some(0);
            }
            json(200, &answer)
        }
    }
}

/// INIT lasts a twentieth of the job, at most 250 ms, so pollers see it only briefly.
fn init_phase(d: Duration) -> Duration {
    (d / 20).min(Duration::from_millis(250))
}

impl Job {
    fn render(&self, now: Instant) -> JobResponse {
        let elapsed = now.saturating_duration_since(self.begin);
        let init = elapsed < init_phase(self.duration);
        let subs: Vec<SubJob> = self
            .subs
            .iter()
            .enumerate()
            .map(|(i, s)| self.render_sub(i, s, elapsed, init))
            .collect();
        let running = subs
            .iter()
            .any(|s| s.status.as_deref() != Some("SUCCESS") && s.status.as_deref() != Some("FAIL"));
        let failed = subs.iter().any(|s| s.status.as_deref() == Some("FAIL"));
        let status = match (init, running, failed) {
            (true, _, _) => "INIT",
            (false, true, _) => "RUNNING",
            (false, false, true) => "FAIL",
            (false, false, false) => "SUCCESS",
        };
        let done = status == "SUCCESS" || status == "FAIL";
        let last = if self.subs.iter().any(|s| s.refused.is_none()) {
            self.duration
        } else {
            self.duration / 2
        };
        JobResponse {
            job_id: Some(self.id.clone()),
            job_type: Some(self.job_type.to_owned()),
            status: Some(status.to_owned()),
            begin_time: Some(stamp(self.begin_utc)),
            end_time: Some(if done {
                stamp(self.end_utc(last))
            } else {
                String::new()
            }),
            error_code: (status == "FAIL").then(|| FAILED.to_owned()),
            fail_reason: (status == "FAIL").then(|| "one or more sub jobs failed".to_owned()),
            entities: Some(JobEntities {
                server_id: None,
                sub_jobs_total: Some(subs.len() as u64),
                sub_jobs: Some(subs),
            }),
        }
    }

    fn render_sub(&self, i: usize, s: &Sub, elapsed: Duration, init: bool) -> SubJob {
        // A refused operation fails half-way, a working one ends with the transition.
        let end = if s.refused.is_some() {
            self.duration / 2
        } else {
            self.duration
        };
        let status = match (init, elapsed >= end, &s.refused) {
            (true, _, _) => "INIT",
            (false, false, _) => "RUNNING",
            (false, true, Some(_)) => "FAIL",
            (false, true, None) => "SUCCESS",
        };
        let failed = status == "FAIL";
        let done = failed || status == "SUCCESS";
        let reason = s.refused.clone().filter(|_| failed);
        SubJob {
            job_id: Some(s.id.clone()),
            job_type: Some(self.sub_type.to_owned()),
            status: Some(status.to_owned()),
            begin_time: Some(stamp(
                self.begin_utc + chrono::Duration::milliseconds(i as i64 % 1000),
            )),
            end_time: Some(if done {
                stamp(self.end_utc(end))
            } else {
                String::new()
            }),
            error_code: failed.then(|| FAILED.to_owned()),
            fail_reason: reason.clone(),
            entities: Some(SubJobEntities {
                server_id: Some(s.server.clone()),
                errorcode_message: reason,
            }),
        }
    }

    fn end_utc(&self, after: Duration) -> DateTime<Utc> {
        self.begin_utc + chrono::Duration::from_std(after).unwrap_or_default()
    }
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// 32 hex digits, like `ff8080829b41c2d7019b5e1a2f3c0d44`.
fn job_id() -> String {
    hex::encode(rand::rng().random::<[u8; 16]>())
}
