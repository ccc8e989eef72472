//! `ecsreset list` and `ecsreset flag`.

use super::context::Context;
use super::locate::locate;
use super::{AppError, Io};
use crate::audit::record::AuditRecord;
use crate::cli::{FlagArgs, Format, ListArgs};
use crate::cloud::wire::ServerDetail;
use crate::report::{self, Table};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ServerRow {
    pub project_id: String,
    pub project: String,
    pub region: String,
    pub server_id: String,
    pub kind: crate::cloud::ServerKind,
    pub name: String,
    pub status: String,
    pub os_type: Option<String>,
    pub private_ip: Option<String>,
    pub floating_ip: Option<String>,
    pub availability_zone: Option<String>,
    pub flavor: Option<String>,
}

fn row(label: &str, project_id: &str, region: &str, s: &ServerDetail) -> ServerRow {
    ServerRow {
        project_id: project_id.into(),
        project: label.into(),
        region: region.into(),
        server_id: s.id.clone(),
        kind: s.kind,
        name: s.name.clone().unwrap_or_default(),
        status: s.status.clone().unwrap_or_default(),
        os_type: s.os_type().map(str::to_owned),
        private_ip: s.private_ip().map(str::to_owned),
        floating_ip: s.floating_ip().map(str::to_owned),
        availability_zone: s.availability_zone.clone(),
        flavor: s
            .flavor
            .as_ref()
            .map(|f| f.name.clone().unwrap_or_else(|| f.id.clone())),
    }
}

pub async fn run(ctx: &Context, args: &ListArgs, io: &mut Io<'_>) -> Result<i32, AppError> {
    let mut rows = Vec::new();
    let mut failed = 0;
    for t in &ctx.targets {
        let mut servers = match ctx.cloud.list_servers(&t.project, ctx.page_size()).await {
            Ok(s) => s,
            // Rejected keys are fatal, as in `audit`: every other call would be rejected too.
            Err(e) if e.api().is_some_and(crate::cloud::ApiError::is_auth) => return Err(e.into()),
            // Another project (another profile's, a refused agency's) still lists: say which
            // could not, list the rest, and exit 2.
            Err(e) => {
                writeln!(
                    io.err,
                    "error: project {} ({}) could not be listed: {}",
                    t.label,
                    t.project.id,
                    crate::ops::engine::describe(&e)
                )?;
                failed += 1;
                continue;
            }
        };
        // An account may be allowed ECS and not BMS: say so, and list what can be listed.
        match ctx.cloud.list_bare_metal(&t.project, ctx.page_size()).await {
            Ok(bms) => servers.extend(bms),
            Err(e) => writeln!(
                io.err,
                "warning: project {}: bare-metal servers could not be listed: {}",
                t.label,
                crate::ops::engine::describe(&e)
            )?,
        }
        rows.extend(
            servers
                .iter()
                .map(|s| row(&t.label, &t.project.id, &t.project.region, s)),
        );
    }
    match args.format {
        Format::Json => report::write_json(io.out, &rows)?,
        f => {
            let table = Table {
                headers: vec![
                    "project",
                    "server_id",
                    "kind",
                    "name",
                    "status",
                    "os",
                    "private_ip",
                    "az",
                ],
                rows: rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.project.clone(),
                            r.server_id.clone(),
                            r.kind.word().to_owned(),
                            r.name.clone(),
                            r.status.clone(),
                            r.os_type.clone().unwrap_or_default(),
                            r.private_ip.clone().unwrap_or_default(),
                            r.availability_zone.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
            };
            if f == Format::Csv {
                report::write_csv(io.out, &table)?;
            } else {
                report::write_table(io.out, &table)?;
            }
        }
    }
    Ok(if failed > 0 { 2 } else { 0 })
}

/// `ecsreset flag SERVER...`: the same record shape as `audit`, exit status likewise.
pub async fn flags(ctx: &Context, args: &FlagArgs, io: &mut Io<'_>) -> Result<i32, AppError> {
    let located = locate(ctx, &args.servers).await?;
    let mut records = Vec::new();
    for l in located {
        let outcome = ctx
            .cloud
            .reset_flag_of(&l.project.project, &l.server.id, l.server.kind)
            .await;
        let mut record = AuditRecord {
            project_id: l.project.project.id.clone(),
            region: l.project.project.region.clone(),
            server_id: l.server.id.clone(),
            kind: l.server.kind,
            name: l.server.name.clone().unwrap_or_default(),
            status: l.server.status.clone().unwrap_or_default(),
            os_type: l.server.os_type().map(str::to_owned),
            reset_supported: None,
            error: None,
            not_offered: false,
            profile: l.project.profile.clone(),
        };
        record.set_outcome(&outcome);
        records.push(record);
    }
    super::audit::write_records(io, args.format, &records)?;
    Ok(
        if records
            .iter()
            .any(|r| r.reset_supported.is_none() && !r.not_offered)
        {
            2
        } else {
            0
        },
    )
}
