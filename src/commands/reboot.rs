//! `ecsreset reboot`, and the job following and confirmation shared with `reset`.

use super::context::Context;
use super::locate::{Located, locate};
use super::trail::{self, TrailEntry};
use super::{AppError, Io};
use crate::cli::{RebootArgs, RebootKind};
use crate::cloud::wire::{JobResponse, RebootType};
use crate::cloud::{CloudError, ProjectRef};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::time::Duration;

pub const POLL_EVERY: Duration = Duration::from_secs(2);
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(600);

pub fn kind(k: RebootKind) -> RebootType {
    match k {
        RebootKind::Soft => RebootType::Soft,
        RebootKind::Hard => RebootType::Hard,
    }
}

/// Refuses changes in read-only mode and on protected projects, naming them.
pub fn check_allowed(ctx: &Context, located: &[Located]) -> Result<(), AppError> {
    if ctx.read_only {
        return Err(AppError::Refused(
            "read-only mode (--read-only or ui.read_only): no changes are made".into(),
        ));
    }
    let protected: Vec<String> = located
        .iter()
        .filter(|l| l.target.protected)
        .map(|l| format!("{} in {}", l.server.id, l.target.label))
        .collect();
    if protected.is_empty() {
        Ok(())
    } else {
        Err(AppError::Refused(format!(
            "protected project (protected = true in the config): {}",
            protected.join(", ")
        )))
    }
}

/// Asks on the controlling terminal; one server takes `y`, several take their count typed out.
pub fn confirm(question: &str, count: usize) -> Result<bool, AppError> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| {
            AppError::Refused(
                "confirmation needs a terminal; pass --yes to proceed without asking".into(),
            )
        })?;
    let mut writer = tty.try_clone()?;
    let expected = if count > 1 {
        count.to_string()
    } else {
        "y".to_owned()
    };
    write!(
        writer,
        "{question}\nType {expected} to proceed (anything else cancels): "
    )?;
    writer.flush()?;
    let mut answer = String::new();
    std::io::BufReader::new(tty).read_line(&mut answer)?;
    Ok(answer.trim() == expected)
}

/// Groups servers by project, keeping first-seen order within each.
pub fn by_project(located: &[Located]) -> BTreeMap<ProjectRef, Vec<&Located>> {
    let mut map: BTreeMap<ProjectRef, Vec<&Located>> = BTreeMap::new();
    for l in located {
        map.entry(l.target.project.clone()).or_default().push(l);
    }
    map
}

/// Per-server outcome of a reboot job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebootOutcome {
    pub server_id: String,
    pub ok: Option<bool>,
    pub detail: String,
}

/// Starts one batch reboot per project and, unless `no_wait`, follows each job to the end.
pub async fn reboot(
    ctx: &Context,
    servers: &[&Located],
    k: RebootType,
    no_wait: bool,
    io: &mut Io<'_>,
) -> Result<Vec<RebootOutcome>, AppError> {
    let mut outcomes = Vec::new();
    let owned: Vec<Located> = servers.iter().map(|l| (*l).clone()).collect();
    for (project, group) in by_project(&owned) {
        let ids: Vec<String> = group.iter().map(|l| l.server.id.clone()).collect();
        let started = ctx.cloud.batch_reboot(&project, &ids, k).await;
        record_trail(ctx, &group, &started, k);
        match started {
            Err(e) => outcomes.extend(ids.iter().map(|id| RebootOutcome {
                server_id: id.clone(),
                ok: Some(false),
                detail: format!("reboot not started: {}: {e}", e.code()),
            })),
            Ok(job) if no_wait => {
                writeln!(
                    io.err,
                    "reboot job {job} started for {} server(s) in {}",
                    ids.len(),
                    project.region
                )?;
                outcomes.extend(ids.iter().map(|id| RebootOutcome {
                    server_id: id.clone(),
                    ok: None,
                    detail: format!("reboot job {job} started; not followed (--no-wait)"),
                }));
            }
            Ok(job) => outcomes.extend(follow(ctx, &project, &job, &ids, io).await?),
        }
    }
    Ok(outcomes)
}

fn record_trail(
    ctx: &Context,
    group: &[&Located],
    started: &Result<String, CloudError>,
    k: RebootType,
) {
    let action = if k == RebootType::Hard {
        "reboot-hard"
    } else {
        "reboot-soft"
    };
    let (outcome, error) = match started {
        Ok(_) => ("reboot-started", None),
        Err(e) => ("reboot-failed", Some(e.to_string())),
    };
    let entries: Vec<TrailEntry> = group
        .iter()
        .map(|l| TrailEntry {
            time: chrono::Utc::now(),
            action,
            project_id: &l.target.project.id,
            region: &l.target.project.region,
            server_id: &l.server.id,
            server_name: l.server.name.as_deref().unwrap_or_default(),
            outcome,
            request_id: started.as_ref().ok().map(String::as_str),
            error: error.as_deref(),
        })
        .collect();
    if let Ok(dir) = ctx.data_dir()
        && let Err(e) = trail::append(&dir, &entries)
    {
        tracing::warn!("could not write the audit trail: {e}");
    }
}

async fn follow(
    ctx: &Context,
    project: &ProjectRef,
    job: &str,
    ids: &[String],
    io: &mut Io<'_>,
) -> Result<Vec<RebootOutcome>, AppError> {
    let deadline = tokio::time::Instant::now() + GIVE_UP_AFTER;
    loop {
        let status = ctx.cloud.job(project, job).await;
        match &status {
            Ok(j) if matches!(j.status.as_deref(), Some("SUCCESS" | "FAIL")) => {
                return Ok(job_outcomes(j, ids));
            }
            Ok(j) => writeln!(
                io.err,
                "reboot job {job}: {}",
                j.status.as_deref().unwrap_or("?")
            )?,
            Err(e) => writeln!(
                io.err,
                "reboot job {job}: status not read ({}), retrying",
                e.code()
            )?,
        }
        if tokio::time::Instant::now() > deadline {
            return Ok(ids
                .iter()
                .map(|id| RebootOutcome {
                    server_id: id.clone(),
                    ok: None,
                    detail: format!(
                        "reboot job {job} still not finished after {}s; check the console",
                        GIVE_UP_AFTER.as_secs()
                    ),
                })
                .collect());
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// Reads per-server results from a finished job's sub-jobs.
pub fn job_outcomes(job: &JobResponse, ids: &[String]) -> Vec<RebootOutcome> {
    let subs = job.entities.as_ref().and_then(|e| e.sub_jobs.as_ref());
    ids.iter()
        .map(|id| {
            let sub = subs.and_then(|s| {
                s.iter().find(|j| {
                    j.entities.as_ref().and_then(|e| e.server_id.as_deref()) == Some(id.as_str())
                })
            });
            let status = sub
                .and_then(|s| s.status.as_deref())
                .or(job.status.as_deref());
            match status {
                Some("SUCCESS") => RebootOutcome {
                    server_id: id.clone(),
                    ok: Some(true),
                    detail: "rebooted".into(),
                },
                _ => {
                    let reason = sub
                        .and_then(|s| s.fail_reason.clone())
                        .or_else(|| job.fail_reason.clone())
                        .unwrap_or_else(|| "no reason given".into());
                    RebootOutcome {
                        server_id: id.clone(),
                        ok: Some(false),
                        detail: format!("reboot failed: {reason}"),
                    }
                }
            }
        })
        .collect()
}

pub async fn run(ctx: &Context, args: &RebootArgs, io: &mut Io<'_>) -> Result<i32, AppError> {
    let located = locate(ctx, &args.servers).await?;
    check_allowed(ctx, &located)?;
    let k = kind(args.kind);
    if !args.yes {
        let names: Vec<String> = located
            .iter()
            .map(|l| {
                format!(
                    "{} ({})",
                    l.server.name.as_deref().unwrap_or("?"),
                    l.server.id
                )
            })
            .collect();
        if !confirm(
            &format!(
                "{k:?} reboot of {} server(s): {}",
                located.len(),
                names.join(", ")
            ),
            located.len(),
        )? {
            writeln!(io.err, "cancelled; nothing was sent")?;
            return Ok(1);
        }
    }
    let refs: Vec<&Located> = located.iter().collect();
    let outcomes = reboot(ctx, &refs, k, args.no_wait, io).await?;
    for o in &outcomes {
        writeln!(io.out, "{}  {}", o.server_id, o.detail)?;
    }
    Ok(if outcomes.iter().all(|o| o.ok != Some(false)) {
        0
    } else {
        1
    })
}
