//! The audit engine: list every project's servers page by page and check every reset flag
//! concurrently, streaming one event per result. The TUI's audit action and `ecsreset audit`
//! share it. Concurrency and rate are bounded by the client's limiter (shared by all projects),
//! so this module only decides *what* to ask, never how fast.

pub mod diff;
pub mod record;
pub mod stream;

use crate::cloud::wire::ServerDetail;
use crate::cloud::{Cloud, CloudError, ProjectRef};
use chrono::{DateTime, Utc};
use futures::StreamExt;

#[derive(Debug, Clone)]
pub enum AuditEvent {
    /// A project's full server list arrived (what the records need of each server: id,
    /// name, status, OS); its flags are being checked next.
    Listed {
        project: ProjectRef,
        servers: Vec<ServerDetail>,
    },
    /// The project could not be listed; none of its servers will be reported.
    ListFailed {
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

/// Audits `projects`, calling `sink` once per event, and returns when every flag is settled.
/// Projects are listed concurrently and each project's flags start as soon as its list is in.
pub async fn run(cloud: &Cloud, projects: &[ProjectRef], opts: AuditOptions, sink: Sink<'_>) {
    let per_project = projects.iter().map(|p| async move {
        match cloud
            .list_servers_mapped(p, opts.page_size, record::for_record)
            .await
        {
            Ok(servers) => {
                let ids: Vec<String> = servers.iter().map(|s| s.id.clone()).collect();
                sink(AuditEvent::Listed {
                    project: p.clone(),
                    servers,
                });
                check_flags(cloud, p, ids, opts.concurrency, sink).await;
            }
            Err(error) => sink(AuditEvent::ListFailed {
                project: p.clone(),
                error,
            }),
        }
    });
    futures::stream::iter(per_project)
        .buffer_unordered(opts.concurrency.clamp(1, 64))
        .collect::<Vec<()>>()
        .await;
}

/// Checks the flags of some servers of one project, `concurrency` at a time.
pub async fn check_flags(
    cloud: &Cloud,
    project: &ProjectRef,
    ids: Vec<String>,
    concurrency: usize,
    sink: Sink<'_>,
) {
    futures::stream::iter(ids)
        .map(|server_id| async move {
            let outcome = cloud.reset_flag(project, &server_id).await;
            sink(AuditEvent::Flag {
                project: project.clone(),
                server_id,
                outcome,
                at: Utc::now(),
            });
        })
        .buffer_unordered(concurrency.max(1))
        .collect::<Vec<()>>()
        .await;
}
