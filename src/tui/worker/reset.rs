//! The TUI's adapter over the change engine: pre-flight for the confirmation, then the reset
//! and the optional reboot/start, with the engine's progress turned into events.

use super::{Events, WorkerOptions};
use crate::cloud::Cloud;
use crate::cloud::ProjectRef;
use crate::cloud::wire::RebootType;
use crate::ops::engine::{After, Engine, Options, Passwords, ResetPlan};
use crate::ops::plan::Check;
use crate::ops::{Progress, Project};
use crate::secret::Secret;
use crate::tui::msg::{Event, RequestId, Target};
use std::sync::Arc;

fn engine(cloud: &Cloud, opts: &WorkerOptions, id: RequestId, tx: &Events) -> Engine {
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

fn named(targets: &[Target]) -> Vec<(Project, String, String)> {
    targets
        .iter()
        .map(|t| {
            let p = Project {
                project: ProjectRef {
                    id: t.project_id.clone(),
                    region: t.region.clone(),
                },
                label: t.label.clone(),
                protected: t.protected,
                profile: None,
            };
            (p, t.server_id.clone(), t.name.clone())
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
    let shutoff = ok
        .iter()
        .filter(|l| l.server.status.as_deref() == Some("SHUTOFF"))
        .map(|l| l.id().to_owned())
        .collect();
    let ok = ok.iter().map(|l| l.id().to_owned()).collect();
    let _ = tx.send(Event::Checked {
        id,
        ok,
        refused,
        shutoff,
    });
}

pub struct ResetJob {
    pub targets: Vec<Target>,
    pub password: Secret,
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
    let plan = ResetPlan {
        servers,
        passwords: Passwords::Same(job.password),
        check_password: job.check_password,
        after: job.reboot.map(|reboot| After { reboot, wait: true }),
        escrow: None,
    };
    e.reset(plan).await;
    let _ = tx.send(Event::Done { id });
}
