//! The audit engine: list every project's servers page by page and check every reset flag
//! concurrently, streaming one event per result. The TUI's audit action and `ecsreset audit`
//! share it. Concurrency and rate are bounded by the client's limiter (shared by all projects),
//! so this module only decides *what* to ask, never how fast.

pub mod diff;
pub mod progress;
pub mod record;
pub mod stream;

use crate::cloud::wire::ServerDetail;
use crate::cloud::{Cloud, CloudError, ProjectRef, ServerKind};
use chrono::{DateTime, Utc};
use futures::StreamExt;

#[derive(Debug, Clone)]
pub enum AuditEvent {
    /// A project's full server list arrived; its flags are being checked next.
    Listed {
        project: ProjectRef,
        servers: Vec<ServerDetail>,
    },
    /// The project could not be listed; none of its servers will be reported.
    ListFailed {
        project: ProjectRef,
        error: CloudError,
    },
    /// The project's bare-metal servers could not be listed; its ECS servers follow in
    /// `Listed` as usual (an account may be allowed ECS and not BMS).
    BareMetalFailed {
        project: ProjectRef,
        error: CloudError,
    },
    /// One server's flag: `Ok(supported)` or the error that left it unknown.
    Flag {
        project: ProjectRef,
        server_id: String,
        outcome: Result<bool, CloudError>,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct AuditOptions {
    pub page_size: u32,
    /// How many requests to keep in flight; the limiter may still hold some back.
    pub concurrency: usize,
}

impl Default for AuditOptions {
    fn default() -> Self {
        Self {
            page_size: 200,
            concurrency: 16,
        }
    }
}

pub type Sink<'a> = &'a (dyn Fn(AuditEvent) + Send + Sync);

/// How many projects are audited at once. Each holds its listed servers (trimmed as each is
/// read, see `cloud::split`) until its flags are in, so this bounds the memory a large
/// fleet's audit takes; the limiter, shared by all projects, bounds the calls in flight.
const PROJECTS_AT_ONCE: usize = 4;

/// Audits `projects`, calling `sink` once per event, and returns when every flag is settled.
/// A few projects at a time, started in the given order (a caller that reports project by
/// project gets the first ones finished first); each project's flags start as soon as its
/// list is in. With a concurrency of 1 the projects go one after the other.
pub async fn run(cloud: &Cloud, projects: &[ProjectRef], opts: AuditOptions, sink: Sink<'_>) {
    let per_project = projects.iter().map(|p| async move {
        match list_project(cloud, p, opts.page_size, for_audit, sink).await {
            Ok(servers) => {
                let ids = flag_asks(p, &servers);
                sink(AuditEvent::Listed {
                    project: p.clone(),
                    servers,
                });
                check_flags(cloud, ids, opts.concurrency, sink).await;
            }
            Err(error) => sink(AuditEvent::ListFailed {
                project: p.clone(),
                error,
            }),
        }
    });
    futures::stream::iter(per_project)
        .buffer_unordered(opts.concurrency.clamp(1, PROJECTS_AT_ONCE))
        .collect::<Vec<()>>()
        .await;
}

/// What an audit record needs of a listed server (id, kind, name, status, OS); the rest of
/// the record is dropped as each page arrives.
pub fn for_audit(d: ServerDetail) -> ServerDetail {
    let os_type = d.os_type().map(str::to_owned);
    ServerDetail {
        id: d.id,
        kind: d.kind,
        name: d.name,
        status: d.status,
        metadata: os_type.map(|os| [("os_type".to_owned(), os)].into()),
        ..ServerDetail::default()
    }
}

/// A project's ECS servers, then its bare-metal servers, as one list (the table shows them
/// together). A failed ECS list fails the project; a failed BMS list is reported as
/// [`AuditEvent::BareMetalFailed`] and leaves the ECS servers listed.
pub async fn list_project<T: Send>(
    cloud: &Cloud,
    p: &ProjectRef,
    page_size: u32,
    keep: impl Fn(ServerDetail) -> T + Sync,
    sink: Sink<'_>,
) -> Result<Vec<T>, CloudError> {
    let mut servers = cloud.list_servers_mapped(p, page_size, &keep).await?;
    match cloud.list_bare_metal_mapped(p, page_size, &keep).await {
        Ok(bms) => servers.extend(bms),
        Err(error) => sink(AuditEvent::BareMetalFailed {
            project: p.clone(),
            error,
        }),
    }
    Ok(servers)
}

/// A flag to check: the server's project, id and kind.
pub type Ask = (ProjectRef, String, ServerKind);

/// What [`check_flags`] asks for a listed project.
pub fn flag_asks(p: &ProjectRef, servers: &[ServerDetail]) -> Vec<Ask> {
    servers
        .iter()
        .map(|s| (p.clone(), s.id.clone(), s.kind))
        .collect()
}

/// Checks the flags of the given servers, `concurrency` at a time, each on its own API.
pub async fn check_flags(cloud: &Cloud, items: Vec<Ask>, concurrency: usize, sink: Sink<'_>) {
    check_flag_stream(cloud, futures::stream::iter(items), concurrency, sink).await;
}

/// [`check_flags`] for servers that keep coming (projects listed one after another): one
/// pool of `concurrency` checks for all of them, rather than one per project, so the checks
/// waiting for the limiter stay few however many projects are listed.
pub async fn check_flag_stream(
    cloud: &Cloud,
    items: impl futures::Stream<Item = Ask>,
    concurrency: usize,
    sink: Sink<'_>,
) {
    items
        .map(|(project, server_id, kind)| async move {
            let outcome = cloud.reset_flag_of(&project, &server_id, kind).await;
            sink(AuditEvent::Flag {
                project,
                server_id,
                outcome,
                at: Utc::now(),
            });
        })
        .buffer_unordered(concurrency.max(1))
        .collect::<Vec<()>>()
        .await;
}
