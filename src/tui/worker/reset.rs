//! The TUI's adapter over the change engine: pre-flight for the confirmation, then the reset
//! and the optional reboot/start, with the engine's progress turned into events.

use super::{Events, WorkerOptions};
use crate::cloud::Cloud;
use crate::cloud::ProjectRef;
use crate::cloud::wire::RebootType;
use crate::ops::engine::{After, Engine, Options, Passwords, ResetPlan};
use crate::ops::plan::Check;
use crate::ops::{Named, Progress, Project};
use crate::tui::msg::{Event, NewPassword, RequestId, Target};
use std::sync::Arc;

pub(super) fn engine(cloud: &Cloud, opts: &WorkerOptions, id: RequestId, tx: &Events) -> Engine {
    let tx = tx.clone();
    let sink = Arc::new(move |p: Progress| {
        let _ = tx.send(match p {
            Progress::Status { server_id, status } => Event::Reset {
                id,
                server_id,
                status,
            },
            Progress::Warning(w) => Event::Warning(w),
        });
    });
    let o = Options {
        trail_dir: opts.trail_dir.clone(),
        concurrency: opts.concurrency,
        poll_interval: opts.poll_interval,
        max_poll_errors: opts.max_poll_errors,
        job_deadline: opts.job_deadline,
    };
    Engine::new(cloud.clone(), o, sink)
}

/// The engine's view of a target's project.
pub(super) fn project_of(t: &Target) -> Project {
    Project {
        project: ProjectRef {
            id: t.project_id.clone(),
            region: t.region.clone(),
        },
        label: t.label.clone(),
        protected: t.protected,
        profile: None,
    }
}

fn named(targets: &[Target]) -> Vec<Named> {
    targets
        .iter()
        .map(|t| Named {
            project: project_of(t),
            id: t.server_id.clone(),
            name: t.name.clone(),
            kind: t.kind,
        })
        .collect()
}

/// Pre-flight of exactly these servers, for the confirmation.
pub async fn check(
    cloud: Cloud,
    opts: WorkerOptions,
    id: RequestId,
    targets: Vec<Target>,
    tx: Events,
) {
    let e = engine(&cloud, &opts, id, &tx);
    let (ok, refused) = e.check(Check::Reset, named(&targets)).await;
    let (bare_metal, vms): (Vec<_>, Vec<_>) = ok.iter().partition(|l| l.server.kind.is_bms());
    let shutoff = vms
        .iter()
        .filter(|l| l.server.status.as_deref() == Some("SHUTOFF"))
        .map(|l| l.id().to_owned())
        .collect();
    let bare_metal = bare_metal.iter().map(|l| l.id().to_owned()).collect();
    let ok = ok.iter().map(|l| l.id().to_owned()).collect();
    let _ = tx.send(Event::Checked {
        id,
        ok,
        refused,
        shutoff,
        bare_metal,
    });
}

pub struct ResetJob {
    pub targets: Vec<Target>,
    pub password: NewPassword,
    pub check_password: bool,
    pub reboot: Option<RebootType>,
}

/// The reset itself: pre-flight again just before sending (the operator may have taken a
/// while over the confirmation), then the engine's reset of what passed.
pub async fn reset(cloud: Cloud, opts: WorkerOptions, id: RequestId, job: ResetJob, tx: Events) {
    let e = engine(&cloud, &opts, id, &tx);
    let (servers, refused) = e.check(Check::Reset, named(&job.targets)).await;
    for r in refused {
        let _ = tx.send(Event::Reset {
            id,
            server_id: r.server_id,
            status: crate::ops::Status::Refused(r.reason),
        });
    }
    let csms = match opts.escrow.as_ref().and_then(|e| e.csms.as_ref()) {
        Some(c) if matches!(job.password, NewPassword::UniqueSealed) => {
            let known: Vec<Project> = servers.iter().map(|l| l.project.clone()).collect();
            match e.csms_plan(&known, c, &servers).await {
                Ok(plan) => Some(plan),
                Err(why) => {
                    for s in &servers {
                        let _ = tx.send(Event::Reset {
                            id,
                            server_id: s.id().to_owned(),
                            status: crate::ops::Status::Refused(why.clone()),
                        });
                    }
                    let _ = tx.send(Event::Done { id });
                    return;
                }
            }
        }
        _ => None,
    };
    let (passwords, escrow) = match job.password {
        NewPassword::Same(p) => (Passwords::Same(p), None),
        NewPassword::UniqueSealed => match seal(opts.escrow.as_ref(), &servers) {
            Ok((map, path)) => {
                let _ = tx.send(Event::Sealed {
                    id,
                    path: crate::fsx::home_short(&path),
                    count: map.len(),
                });
                (Passwords::PerServer(map), Some(path.display().to_string()))
            }
            Err(why) => {
                for s in &servers {
                    let _ = tx.send(Event::Reset {
                        id,
                        server_id: s.id().to_owned(),
                        status: crate::ops::Status::Refused(why.clone()),
                    });
                }
                let _ = tx.send(Event::Done { id });
                return;
            }
        },
    };
    let plan = ResetPlan {
        servers,
        passwords,
        check_password: job.check_password,
        after: job.reboot.map(|reboot| After { reboot, wait: true }),
        escrow,
        csms,
    };
    e.reset(plan).await;
    let _ = tx.send(Event::Done { id });
}

/// A fresh password per server by its OS rules, sealed (written, fsynced, closed) before the
/// first request; the map goes to the engine, the path to the operator.
fn seal(
    escrow: Option<&super::Escrow>,
    servers: &[crate::ops::plan::Located],
) -> Result<
    (
        std::collections::HashMap<String, crate::secret::Secret>,
        std::path::PathBuf,
    ),
    String,
> {
    let e =
        escrow.ok_or_else(|| "no [escrow] is configured to seal unique passwords to".to_owned())?;
    let records = crate::escrow::generate_for(servers);
    let path = crate::escrow::seal(&e.dir, &e.recipients, &records)
        .map_err(|err| format!("sealing the passwords failed, nothing was sent: {err}"))?;
    let map = records
        .into_iter()
        .map(|r| (r.server_id.clone(), r.password))
        .collect();
    Ok((map, path))
}
