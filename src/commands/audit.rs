//! `ecsreset audit`: flag audits across projects, for people and for scripts.

use super::context::{Context, Target, narrow};
use super::saved::{self, SavedAudit};
use super::{AppError, Io};
use crate::audit::diff::{AuditDiff, diff};
use crate::audit::record::{
    AuditRecord, Collector, Counts, PerProject, exit_code, summarize, tally,
};
use crate::audit::stream::Ordered;
use crate::audit::{self, AuditEvent, AuditOptions};
use crate::cli::{AuditArgs, Format};
use crate::cloud::CloudError;
use crate::report::{self, JsonArray, Table, flag_word};
use std::collections::HashSet;
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub async fn run(ctx: &Context, args: &AuditArgs, io: &mut Io<'_>) -> Result<i32, AppError> {
    let targets = targets(ctx, args).await?;
    let mut projects: Vec<_> = targets.iter().map(|t| t.project.clone()).collect();
    // Audited in the report's order, the projects finish about in the order they are written.
    projects.sort_by(|a, b| (&a.region, &a.id).cmp(&(&b.region, &b.id)));
    if !args.diff && !args.save && matches!(args.format, Format::Json | Format::Csv) {
        return stream(ctx, &projects, args, io).await;
    }
    let (records, failed, rejected) = collect(ctx, &projects, io).await;
    // Credentials the gateway rejects make every result meaningless: fatal, no report.
    if let Some(e) = rejected {
        return Err(e.into());
    }
    report_failed(io, &failed)?;
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
                // Only projects listed in this run can tell what vanished: a project left out
                // by --project, or one that could not be listed, says nothing about its servers.
                let listed: HashSet<&str> = projects
                    .iter()
                    .filter(|p| !failed.iter().any(|(f, _)| f.id == p.id))
                    .map(|p| p.id.as_str())
                    .collect();
                let comparable: Vec<AuditRecord> = before
                    .records
                    .into_iter()
                    .filter(|r| listed.contains(r.project_id.as_str()))
                    .collect();
                if !failed.is_empty() {
                    writeln!(
                        io.err,
                        "projects that could not be listed are left out of the comparison"
                    )?;
                }
                write_diff(io, args.format, &diff(&comparable, &records))?;
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
    write_summary(io, &per, &total)?;
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
    narrow(all, &ctx.only)
}

fn write_summary(io: &mut Io<'_>, per: &PerProject, total: &Counts) -> std::io::Result<()> {
    for ((region, id), c) in per {
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
    )
}

fn report_failed(
    io: &mut Io<'_>,
    failed: &[(crate::cloud::ProjectRef, String)],
) -> std::io::Result<()> {
    for (p, e) in failed {
        writeln!(
            io.err,
            "error: project {} ({}) could not be listed: {e}",
            p.id, p.region
        )?;
    }
    Ok(())
}

/// Records written as they become final, with the counts the summary needs: at 100,000
/// servers, holding every record to the end was most of the memory.
struct Streamed {
    format: Format,
    json: JsonArray,
    header: bool,
    per: PerProject,
    total: Counts,
}

impl Streamed {
    fn write(&mut self, out: &mut dyn Write, records: &[AuditRecord]) -> std::io::Result<()> {
        for r in records {
            tally(&mut self.per, &mut self.total, r);
            if self.format == Format::Json {
                self.json.push(out, r)?;
            } else {
                if !std::mem::replace(&mut self.header, true) {
                    report::write_csv_header(out, &COLUMNS)?;
                }
                report::write_csv_row(out, &cells(r, true))?;
            }
        }
        out.flush()
    }

    fn end(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.format == Format::Json {
            std::mem::take(&mut self.json).end(out)
        } else if !self.header {
            report::write_csv_header(out, &COLUMNS)
        } else {
            Ok(())
        }
    }
}

/// The JSON or CSV report, written project by project in report order while the audit runs
/// (the same bytes as [`write_records`]). Rejected credentials stop the report: nothing is
/// written, or, if the rejection came after the first projects went out, the JSON array is
/// closed so that what was written still parses, and the command fails.
async fn stream(
    ctx: &Context,
    projects: &[crate::cloud::ProjectRef],
    args: &AuditArgs,
    io: &mut Io<'_>,
) -> Result<i32, AppError> {
    let ordered = Mutex::new(Ordered::new(projects));
    let rejected: Mutex<Option<CloudError>> = Mutex::new(None);
    let (listed, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let sink = |e: AuditEvent| {
        count(&e, &listed, &done, &rejected);
        lock(&ordered).apply(e);
    };
    let opts = AuditOptions {
        page_size: ctx.page_size(),
        concurrency: ctx.concurrency(),
    };
    let work = audit::run(&ctx.cloud, projects, opts, &sink);
    tokio::pin!(work);
    let mut out = Streamed {
        format: args.format,
        json: JsonArray::default(),
        header: false,
        per: PerProject::new(),
        total: Counts::default(),
    };
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(100));
    let progress = |io: &mut Io<'_>| {
        if io.err_is_tty {
            let _ = write!(
                io.err,
                "\raudited {}/{} servers",
                done.load(Ordering::Relaxed),
                listed.load(Ordering::Relaxed)
            );
        }
    };
    loop {
        tokio::select! {
            () = &mut work => break,
            _ = tick.tick() => {
                progress(io);
                if lock(&rejected).is_none() {
                    let ready = lock(&ordered).ready();
                    out.write(io.out, &ready)?;
                }
            }
        }
    }
    progress(io);
    if io.err_is_tty {
        writeln!(io.err)?;
    }
    if let Some(e) = lock(&rejected).take() {
        if out.total.total() > 0 {
            out.end(io.out)?;
        }
        return Err(e.into());
    }
    let mut ordered = lock(&ordered);
    let mut rest = ordered.ready();
    rest.extend(ordered.rest());
    out.write(io.out, &rest)?;
    let failed = std::mem::take(&mut ordered.failed_projects);
    drop(ordered);
    out.end(io.out)?;
    report_failed(io, &failed)?;
    write_summary(io, &out.per, &out.total)?;
    Ok(exit_code(
        &out.total,
        failed.len(),
        args.fail_on_unsupported,
    ))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The progress counters, and the first authentication error met while listing (wrong or
/// locked keys).
fn count(
    e: &AuditEvent,
    listed: &AtomicUsize,
    done: &AtomicUsize,
    rejected: &Mutex<Option<CloudError>>,
) {
    match e {
        AuditEvent::Listed { servers, .. } => {
            listed.fetch_add(servers.len(), Ordering::Relaxed);
        }
        AuditEvent::Flag { .. } => {
            done.fetch_add(1, Ordering::Relaxed);
        }
        AuditEvent::ListFailed { error, .. } => {
            if error.api().is_some_and(|a| a.is_auth()) {
                lock(rejected).get_or_insert_with(|| error.clone());
            }
        }
    }
}

type Collected = (
    Vec<AuditRecord>,
    Vec<(crate::cloud::ProjectRef, String)>,
    Option<CloudError>,
);

/// Runs the engine, drawing a progress line on stderr when it is a terminal. The third part
/// is the first authentication error met while listing (wrong or locked keys).
async fn collect(
    ctx: &Context,
    projects: &[crate::cloud::ProjectRef],
    io: &mut Io<'_>,
) -> Collected {
    let collector = Mutex::new(Collector::default());
    let rejected: Mutex<Option<CloudError>> = Mutex::new(None);
    let (listed, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let sink = |e: AuditEvent| {
        count(&e, &listed, &done, &rejected);
        lock(&collector).apply(e);
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
    let (records, failed) = collector
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_records();
    let rejected = rejected.into_inner().unwrap_or_else(|p| p.into_inner());
    (records, failed, rejected)
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

fn cells(r: &AuditRecord, csv: bool) -> Vec<String> {
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
}

pub fn write_records(
    io: &mut Io<'_>,
    format: Format,
    records: &[AuditRecord],
) -> std::io::Result<()> {
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
    // `before` and `after` are flag words; a server that is not there has none.
    let mut push = |change: &str, r: &AuditRecord, before: &str, after: &str| {
        rows.push(vec![
            change.to_owned(),
            r.region.clone(),
            r.server_id.clone(),
            r.name.clone(),
            before.to_owned(),
            after.to_owned(),
        ]);
    };
    for r in &d.appeared {
        push("appeared", r, "", flag_word(r.reset_supported));
    }
    // A vanished record is the old one: its flag is the "before", and there is no "after".
    for r in &d.vanished {
        push("vanished", r, flag_word(r.reset_supported), "");
    }
    for c in &d.changed {
        let before = c.before.map_or("", |b| flag_word(Some(b)));
        push(
            "changed",
            &c.record,
            before,
            flag_word(c.record.reset_supported),
        );
    }
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
