//! The background worker: the only part of the app that talks to the network. Requests come
//! in over a bounded channel; every result goes out as an [`Event`] tagged with the request
//! id. A new list or audit aborts the one still running (reads only, so nothing is lost).
//! Every read (list, audit, pre-flight, stored Windows password) is held in the worker's
//! `JoinSet`, so stopping the worker (a reload, a quit) ends them all with it. Changes
//! (resets, clearing a stored password) run to completion in their own tasks: their intent is
//! in the trail before the first request, and the outcome must follow it there. The reducer
//! refuses a reload and asks twice before a quit while one is in flight.

mod reset;
mod winpw;

use crate::audit::{self, AuditEvent};
use crate::cloud::capability::FlagError;
use crate::cloud::wire::ServerDetail;
use crate::cloud::{Cloud, CloudError, ProjectRef, iam};
use crate::tui::msg::{Event, FlagResult, ProjectSpec, Request, RequestId};
use crate::tui::state::row::{Interner, Row};
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::PoisonError;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinHandle, JoinSet};

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub page_size: u32,
    pub concurrency: usize,
    /// How often a reboot job is polled.
    pub poll_interval: Duration,
    /// Consecutive failed polls after which a job's outcome is reported unknown.
    pub max_poll_errors: u32,
    /// Polling gives up (outcome unknown) after this long.
    pub job_deadline: Duration,
    /// Where the audit trail of resets and reboots is appended; `None` keeps none (the demo).
    pub trail_dir: Option<std::path::PathBuf>,
    /// Where unique passwords are sealed, and to whom; `None` without `[escrow]`.
    pub escrow: Option<Escrow>,
    /// How often agency keys are looked at for renewal, so an idle session's never lapse.
    /// Keys are due a tenth of their lifetime (at most 5 minutes) before they end, and IAM
    /// issues them for 15 minutes at least: 90 s of notice, well above this.
    pub agency_check: Duration,
}

#[derive(Clone)]
pub struct Escrow {
    pub recipients: Vec<crate::escrow::Recipient>,
    pub dir: std::path::PathBuf,
    /// `[escrow] csms`: each password is also stored as a CSMS secret before its reset.
    pub csms: Option<crate::escrow::CsmsConfig>,
}

impl std::fmt::Debug for Escrow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Escrow")
            .field("recipients", &self.recipients.len())
            .field("dir", &self.dir)
            .finish()
    }
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            page_size: 1000,
            concurrency: 16,
            poll_interval: Duration::from_secs(2),
            max_poll_errors: 5,
            job_deadline: Duration::from_secs(30 * 60),
            trail_dir: None,
            escrow: None,
            agency_check: Duration::from_secs(5),
        }
    }
}

pub type Events = mpsc::UnboundedSender<Event>;

/// A running worker.
#[derive(Debug)]
pub struct Worker(JoinHandle<()>);

impl Worker {
    /// Ends the worker and every read it started; changes already sent finish on their own.
    pub fn stop(&self) {
        self.0.abort();
    }

    /// Whether the worker (not its detached changes) has ended.
    pub fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

/// Starts the worker; it ends, with its reads, when the request channel closes or on
/// [`Worker::stop`].
pub fn spawn(
    cloud: Cloud,
    opts: WorkerOptions,
    requests: mpsc::Receiver<Request>,
    events: Events,
) -> Worker {
    Worker(tokio::spawn(serve(cloud, opts, requests, events)))
}

async fn serve(cloud: Cloud, opts: WorkerOptions, mut rx: mpsc::Receiver<Request>, tx: Events) {
    // Dropped with this future, which aborts every task still in it.
    let mut reads = JoinSet::new();
    let mut listing: Option<AbortHandle> = None;
    // Temporary agency keys are renewed before they end even when nothing is being called,
    // so the header's expiry never lapses in an idle session.
    let agencies = cloud.has_agencies();
    let mut renewal = tokio::time::interval(opts.agency_check);
    renewal.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let request = tokio::select! {
            request = rx.recv() => match request {
                Some(request) => request,
                None => break,
            },
            _ = renewal.tick(), if agencies => {
                let (cloud, tx) = (cloud.clone(), tx.clone());
                reads.spawn(async move {
                    for e in cloud.renew_agency_keys().await {
                        let _ = tx.send(Event::Warning(format!("agency keys not renewed: {e}")));
                    }
                });
                continue;
            }
            // Reaps finished reads, so the set holds only running ones.
            Some(_) = reads.join_next(), if !reads.is_empty() => continue,
        };
        match request {
            Request::Load { id, projects } | Request::Audit { id, projects } => {
                if let Some(previous) = listing.take() {
                    previous.abort();
                }
                let task = list_all(cloud.clone(), opts.clone(), id, projects, tx.clone());
                listing = Some(reads.spawn(task));
            }
            Request::Check { id, targets } => {
                let task = reset::check(cloud.clone(), opts.clone(), id, targets, tx.clone());
                reads.spawn(task);
            }
            Request::Reset {
                id,
                targets,
                password,
                check_password,
                reboot,
            } => {
                let job = reset::ResetJob {
                    targets,
                    password,
                    check_password,
                    reboot,
                };
                // Detached: see the module comment.
                tokio::spawn(reset::reset(
                    cloud.clone(),
                    opts.clone(),
                    id,
                    job,
                    tx.clone(),
                ));
            }
            Request::WindowsPassword { id, target, key } => {
                reads.spawn(winpw::show(cloud.clone(), id, target, key, tx.clone()));
            }
            Request::ClearServerPassword { id, target } => {
                // A change through the engine, written ahead to the trail: detached too.
                let task = winpw::clear(cloud.clone(), opts.clone(), id, target, tx.clone());
                tokio::spawn(task);
            }
        }
    }
}

/// Text for a table cell or log line: the API code and message, or the error's own words.
pub fn describe(e: &CloudError) -> String {
    crate::ops::engine::describe(e)
}

/// What the listing task reports to [`forward`]: a page of a list still coming in, or one
/// of the audit engine's events.
enum Progress {
    /// Rows of the project at this index of the UI's list.
    Page {
        project: usize,
        rows: Vec<Row>,
    },
    Audit(AuditEvent),
}

/// Projects listed at once. Each holds a connection whose read buffer grows to a page's
/// chunks and a page of rows in flight; the gateway's list limit, not this, paces them.
const LISTING: usize = 16;

/// Lists every project and checks its flags as soon as its list is in, like [`audit::run`]
/// (whose future cannot be spawned: its per-project closure borrows the project, and the
/// compiler cannot prove that Send for every lifetime, rust-lang/rust#102211). Each page goes
/// out as it arrives, so the first rows are on screen after one request rather than after
/// a whole project. The flags go through [`audit::check_flags`], so the events are the
/// audit engine's own.
async fn fan_out(
    cloud: &Cloud,
    refs: Vec<(ProjectRef, usize)>,
    opts: WorkerOptions,
    out: &mpsc::UnboundedSender<Progress>,
) {
    let sink = |e: AuditEvent| {
        let _ = out.send(Progress::Audit(e));
    };
    let sink: audit::Sink<'_> = &sink;
    let (asks_tx, asks_rx) = futures::channel::mpsc::unbounded::<Vec<audit::Ask>>();
    // The senders live in this closure, which `lists` drops when every list is done: then
    // the flag pool sees the end of its input.
    let per_project = refs.into_iter().map(move |(project, at)| {
        let asks_tx = asks_tx.clone();
        async move {
            let mut asks = Vec::new();
            // Each server becomes its row as it is read, sharing one project's repeated
            // values: a page in flight is never more than the rows it will leave behind.
            let interner = std::sync::Mutex::new(Interner::default());
            let keep = |d: ServerDetail| {
                let mut interner = interner.lock().unwrap_or_else(PoisonError::into_inner);
                Row::of(at, d, &mut interner)
            };
            let mut send = |rows: Vec<Row>| {
                asks.extend(
                    rows.iter()
                        .map(|r| (project.clone(), r.id().to_owned(), r.kind())),
                );
                let _ = out.send(Progress::Page { project: at, rows });
            };
            let listed = cloud
                .list_servers_paged(&project, opts.page_size, keep, &mut send)
                .await;
            match listed {
                Ok(_) => {
                    // Bare-metal servers after the ECS ones, as `audit::list_project` does;
                    // a failed BMS list leaves the ECS servers listed.
                    match cloud
                        .list_bare_metal_mapped(&project, opts.page_size, keep)
                        .await
                    {
                        Ok(bms) if !bms.is_empty() => send(bms),
                        Ok(_) => {}
                        Err(error) => sink(AuditEvent::BareMetalFailed {
                            project: project.clone(),
                            error,
                        }),
                    }
                    sink(AuditEvent::Listed {
                        project,
                        servers: Vec::new(),
                    });
                    let _ = asks_tx.unbounded_send(asks);
                }
                Err(error) => sink(AuditEvent::ListFailed { project, error }),
            }
        }
    });
    let lists = async move {
        futures::stream::iter(per_project)
            .buffer_unordered(LISTING)
            .collect::<Vec<()>>()
            .await;
    };
    // Flags are checked as each project's list is in, all projects from one pool.
    let asks = asks_rx.flat_map(futures::stream::iter);
    let flags = audit::check_flag_stream(cloud, asks, opts.concurrency, sink);
    tokio::join!(lists, flags);
}

/// Resolves missing project ids, then lists every project and checks every flag,
/// forwarding its events in batches so a 10,000-server fleet does not send
/// 10,000 separate messages.
async fn list_all(
    cloud: Cloud,
    opts: WorkerOptions,
    id: RequestId,
    specs: Vec<ProjectSpec>,
    tx: Events,
) {
    let (refs, index) = resolve(&cloud, id, specs, &tx).await;
    let (progress_tx, progress_rx) = mpsc::unbounded_channel::<Progress>();
    let refs = refs
        .into_iter()
        .map(|r| {
            let at = index[&r];
            (r, at)
        })
        .collect();
    let produce = async move {
        fan_out(&cloud, refs, opts, &progress_tx).await;
        drop(progress_tx);
    };
    tokio::join!(produce, forward(id, progress_rx, &index, &tx));
    let _ = tx.send(Event::Done { id });
}

async fn resolve(
    cloud: &Cloud,
    id: RequestId,
    specs: Vec<ProjectSpec>,
    tx: &Events,
) -> (Vec<ProjectRef>, HashMap<ProjectRef, usize>) {
    // Each profile's IAM knows its own account's projects: asked once per profile.
    let mut iam_projects = HashMap::new();
    let mut refs = Vec::new();
    let mut index = HashMap::new();
    for spec in specs {
        let account = cloud.account(spec.profile.as_deref()).unwrap_or(cloud);
        let pid = match spec.id {
            Some(pid) => Ok(pid),
            None => {
                if !iam_projects.contains_key(&spec.profile) {
                    let all = account.auth_projects(&spec.region).await;
                    iam_projects.insert(spec.profile.clone(), all);
                }
                match &iam_projects[&spec.profile] {
                    Ok(all) => iam::pick_region_project(all, &spec.region),
                    Err(e) => Err(e.clone()),
                }
                .inspect(|pid| {
                    let _ = tx.send(Event::ProjectResolved {
                        id,
                        project: spec.index,
                        project_id: pid.clone(),
                    });
                })
            }
        };
        let pid = pid.and_then(|pid| {
            cloud
                .bind(&pid, spec.profile.as_deref())
                .map(|()| pid)
                .map_err(crate::cloud::CloudError::Setup)
        });
        let pid = match pid {
            Ok(pid) => pid,
            Err(e) => {
                let error = format!(
                    "cannot find the project id of region {}: {}",
                    spec.region,
                    describe(&e)
                );
                let _ = tx.send(Event::ListFailed {
                    id,
                    project: spec.index,
                    error,
                    kind: e.kind(),
                });
                continue;
            }
        };
        let r = ProjectRef {
            id: pid,
            region: spec.region,
        };
        if let Some(&same_as) = index.get(&r) {
            let _ = tx.send(Event::SameProject {
                id,
                project: spec.index,
                same_as,
            });
            continue;
        }
        index.insert(r.clone(), spec.index);
        refs.push(r);
    }
    (refs, index)
}

/// Turns audit events into UI events, keeping their order and batching runs of flags.
async fn forward(
    id: RequestId,
    mut rx: mpsc::UnboundedReceiver<Progress>,
    index: &HashMap<ProjectRef, usize>,
    tx: &Events,
) {
    let mut buf = Vec::with_capacity(512);
    while rx.recv_many(&mut buf, 512).await > 0 {
        let mut flags = Vec::new();
        for progress in buf.drain(..) {
            let event = match progress {
                Progress::Audit(event) => event,
                Progress::Page { project, rows } => {
                    if !flags.is_empty() {
                        let _ = tx.send(Event::Flags {
                            id,
                            flags: std::mem::take(&mut flags),
                        });
                    }
                    let _ = tx.send(Event::Page { id, project, rows });
                    continue;
                }
            };
            match event {
                AuditEvent::Flag {
                    project,
                    server_id,
                    outcome,
                    at,
                } => {
                    let Some(&project) = index.get(&project) else {
                        continue;
                    };
                    let outcome = outcome.map_err(|e| FlagError::of(&e, describe));
                    flags.push(FlagResult {
                        project,
                        server_id,
                        outcome,
                        at,
                    });
                }
                other => {
                    if !flags.is_empty() {
                        let _ = tx.send(Event::Flags {
                            id,
                            flags: std::mem::take(&mut flags),
                        });
                    }
                    let _ = tx.send(list_event(id, other, index));
                }
            }
        }
        if !flags.is_empty() {
            let _ = tx.send(Event::Flags { id, flags });
        }
    }
}

/// A project's end of list as a UI event. Every project the fan-out lists is in `index`
/// (it lists only what [`resolve`] put there); one that is not is said as a warning rather
/// than given a made-up index.
fn list_event(id: RequestId, event: AuditEvent, index: &HashMap<ProjectRef, usize>) -> Event {
    let unknown = |project: &ProjectRef, what: &str| {
        Event::Warning(format!(
            "project {} ({}) is not in this session's list: {what}",
            project.id, project.region
        ))
    };
    match event {
        AuditEvent::Listed { project, servers } => match index.get(&project) {
            Some(&project) => Event::Listed {
                id,
                project,
                servers,
            },
            None => unknown(&project, "its servers are not shown"),
        },
        AuditEvent::ListFailed { project, error } => match index.get(&project) {
            Some(&index) => Event::ListFailed {
                id,
                project: index,
                error: describe(&error),
                kind: error.kind(),
            },
            None => unknown(
                &project,
                &format!("listing it failed: {}", describe(&error)),
            ),
        },
        AuditEvent::BareMetalFailed { project, error } => Event::Warning(format!(
            "project {} ({}): bare-metal servers could not be listed, ECS servers are shown: {}",
            project.id,
            project.region,
            describe(&error)
        )),
        AuditEvent::Flag { .. } => unreachable!("flags are batched by the caller"),
    }
}
