//! `ecsreset audit`: flag audits across projects, for people and for scripts.

use super::context::{Context, Target, narrow};
use super::saved::{self, SavedAudit};
use super::{AppError, Io};
use crate::audit::diff::{AuditDiff, diff};
use crate::audit::record::{AuditRecord, Collector, exit_code, summarize};
use crate::audit::{self, AuditEvent, AuditOptions};
use crate::cli::{AuditArgs, Format};
use crate::report::{self, Table, flag_word};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub async fn run(ctx: &Context, args: &AuditArgs, io: &mut Io<'_>) -> Result<i32, AppError> {
    let targets = targets(ctx, args).await?;
    let projects: Vec<_> = targets.iter().map(|t| t.project.clone()).collect();
    let (records, failed) = collect(ctx, &projects, io).await;
    for (p, e) in &failed {
        writeln!(
            io.err,
            "error: project {} ({}) could not be listed: {e}",
            p.id, p.region
        )?;
    }
    if args.diff {
        let base = ctx.data_dir()?;
        match saved::latest(&base)? {
            Some((path, before)) => {
                writeln!(
                    io.err,
                    "comparing with {} ({})",
                    path.display(),
                    before.taken_at.to_rfc3339()
                )?;
                write_diff(io, args.format, &diff(&before.records, &records))?;
            }
            None => writeln!(
                io.err,
                "no saved audit to compare with; run with --save first"
            )?,
        }
    } else {
        write_records(io, args.format, &records)?;
    }
    let (per, total) = summarize(&records);
    for ((region, id), c) in &per {
        writeln!(
            io.err,
            "{region} {id}: {} supported, {} unsupported, {} unknown",
            c.supported, c.unsupported, c.unknown
        )?;
    }
    writeln!(
        io.err,
        "total: {} servers, {} supported, {} unsupported, {} unknown",
        total.total(),
        total.supported,
        total.unsupported,
        total.unknown
    )?;
    if args.save {
        let path = saved::save(
            &ctx.data_dir()?,
            &SavedAudit {
                taken_at: chrono::Utc::now(),
                records,
            },
        )?;
        writeln!(io.err, "saved to {}", path.display())?;
    }
    Ok(exit_code(&total, failed.len(), args.fail_on_unsupported))
}

async fn targets(ctx: &Context, args: &AuditArgs) -> Result<Vec<Target>, AppError> {
    if !args.all_projects {
        return Ok(ctx.targets.clone());
    }
    let hint = ctx
        .config
        .projects
        .first()
        .map_or("cn-north-4", |p| p.region.as_str());
    let found = ctx.cloud.region_projects(hint).await?;
    let all = found
        .into_iter()
        .map(|p| {
            let known = ctx.targets.iter().find(|t| t.project.id == p.id);
            Target {
                label: known.map_or_else(|| p.region.clone(), |t| t.label.clone()),
                protected: known.is_some_and(|t| t.protected),
                project: p,
            }
        })
        .collect();
    narrow(all, &[])
}

/// Runs the engine, drawing a progress line on stderr when it is a terminal.
async fn collect(
    ctx: &Context,
    projects: &[crate::cloud::ProjectRef],
    io: &mut Io<'_>,
) -> (Vec<AuditRecord>, Vec<(crate::cloud::ProjectRef, String)>) {
    let collector = Mutex::new(Collector::default());
    let (listed, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let sink = |e: AuditEvent| {
        match &e {
            AuditEvent::Listed { servers, .. } => {
                listed.fetch_add(servers.len(), Ordering::Relaxed)
            }
            AuditEvent::Flag { .. } => done.fetch_add(1, Ordering::Relaxed),
            AuditEvent::ListFailed { .. } => 0,
        };
        collector.lock().unwrap_or_else(|p| p.into_inner()).apply(e);
    };
    let opts = AuditOptions {
        page_size: ctx.page_size(),
        concurrency: ctx.concurrency(),
    };
    let work = audit::run(&ctx.cloud, projects, opts, &sink);
    if io.err_is_tty {
        tokio::pin!(work);
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
        loop {
            tokio::select! {
                () = &mut work => break,
                _ = tick.tick() => {
                    let _ = write!(io.err, "\raudited {}/{} servers", done.load(Ordering::Relaxed), listed.load(Ordering::Relaxed));
                }
            }
        }
        let _ = writeln!(
            io.err,
            "\raudited {}/{} servers",
            done.load(Ordering::Relaxed),
            listed.load(Ordering::Relaxed)
        );
    } else {
        work.await;
    }
    collector
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_records()
}

const COLUMNS: [&str; 8] = [
    "project_id",
    "region",
    "server_id",
    "name",
    "status",
    "os_type",
    "reset_supported",
    "error",
];

pub fn write_records(
    io: &mut Io<'_>,
    format: Format,
    records: &[AuditRecord],
) -> std::io::Result<()> {
    let cells = |r: &AuditRecord, csv: bool| {
        let flag = if csv {
            r.reset_supported.map_or(String::new(), |b| b.to_string())
        } else {
            flag_word(r.reset_supported).into()
        };
        vec![
            r.project_id.clone(),
            r.region.clone(),
            r.server_id.clone(),
            r.name.clone(),
            r.status.clone(),
            r.os_type.clone().unwrap_or_default(),
            flag,
            r.error.clone().unwrap_or_default(),
        ]
    };
    match format {
        Format::Json => report::write_json(io.out, &records),
        Format::Csv => report::write_csv(
            io.out,
            &Table {
                headers: COLUMNS.to_vec(),
                rows: records.iter().map(|r| cells(r, true)).collect(),
            },
        ),
        Format::Table => report::write_table(
            io.out,
            &Table {
                headers: COLUMNS.to_vec(),
                rows: records.iter().map(|r| cells(r, false)).collect(),
            },
        ),
    }
}

fn write_diff(io: &mut Io<'_>, format: Format, d: &AuditDiff) -> std::io::Result<()> {
    if format == Format::Json {
        return report::write_json(io.out, d);
    }
    let mut rows = Vec::new();
    let mut push = |change: &str, r: &AuditRecord, before: Option<bool>| {
        rows.push(vec![
            change.to_owned(),
            r.region.clone(),
            r.server_id.clone(),
            r.name.clone(),
            before.map_or_else(String::new, |b| flag_word(Some(b)).into()),
            flag_word(r.reset_supported).into(),
        ]);
    };
    d.appeared.iter().for_each(|r| push("appeared", r, None));
    d.vanished
        .iter()
        .for_each(|r| push("vanished", r, r.reset_supported));
    d.changed
        .iter()
        .for_each(|c| push("changed", &c.record, c.before));
    let table = Table {
        headers: vec!["change", "region", "server_id", "name", "before", "after"],
        rows,
    };
    if format == Format::Csv {
        report::write_csv(io.out, &table)
    } else {
        report::write_table(io.out, &table)
    }
}
