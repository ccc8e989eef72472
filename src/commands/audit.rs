//! `ecsreset audit`: flag audits across projects, for people and for scripts.

use super::context::{Context, Target, narrow};
use super::saved::{self, SavedAudit};
use super::{AppError, Io};
use crate::audit::diff::{AuditDiff, diff};
use crate::audit::progress::Progress;
use crate::audit::record::{AuditRecord, Collector, Counts, exit_code, summarize};
use crate::audit::{self, AuditEvent, AuditOptions};
use crate::cli::{AuditArgs, Format};
use crate::cloud::CloudError;
use crate::report::{self, Table, flag_word};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub async fn run(ctx: &Context, args: &AuditArgs, io: &mut Io<'_>) -> Result<i32, AppError> {
    let targets = targets(ctx, args).await?;
    let projects: Vec<_> = targets.iter().map(|t| t.project.clone()).collect();
    let (mut records, failed, rejected) = collect(ctx, &projects, io).await;
    let profile_of: HashMap<&str, Option<String>> = targets
        .iter()
        .map(|t| (t.project.id.as_str(), t.profile.clone()))
        .collect();
    for r in &mut records {
        r.profile = profile_of.get(r.project_id.as_str()).cloned().flatten();
    }
    let grouped = profile_of.values().collect::<HashSet<_>>().len() > 1;
    // Credentials the gateway rejects make every result meaningless: fatal, no report.
    if let Some(e) = rejected {
        return Err(e.into());
    }
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
    } else if grouped && args.format == Format::Json {
        report::write_json(io.out, &by_profile(&records))?;
    } else {
        write_records(io, args.format, &records)?;
    }
    let (per, total) = summarize(&records);
    if grouped {
        for (profile, group) in by_profile(&records) {
            let (per, sub) = summarize(&group);
            writeln!(io.err, "profile {profile}: {}", counts_line(&sub))?;
            for ((region, id), c) in &per {
                writeln!(io.err, "  {region} {id}: {}", counts_line(c))?;
            }
        }
    } else {
        for ((region, id), c) in &per {
            writeln!(io.err, "{region} {id}: {}", counts_line(c))?;
        }
    }
    writeln!(
        io.err,
        "total: {} servers, {}",
        total.total(),
        counts_line(&total)
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

/// The records per profile name (`default` for the top-level profile), in name order.
fn by_profile(records: &[AuditRecord]) -> BTreeMap<String, Vec<AuditRecord>> {
    let mut out: BTreeMap<String, Vec<AuditRecord>> = BTreeMap::new();
    for r in records {
        let name = r
            .profile
            .clone()
            .unwrap_or_else(|| crate::config::DEFAULT_PROFILE.to_owned());
        out.entry(name).or_default().push(r.clone());
    }
    out
}

/// `N supported, N unsupported, N unknown`, and the servers where reset is not offered when
/// there are any (apart: they are not unknown).
fn counts_line(c: &Counts) -> String {
    let mut s = format!(
        "{} supported, {} unsupported, {} unknown",
        c.supported, c.unsupported, c.unknown
    );
    if c.not_offered > 0 {
        s.push_str(&format!(", {} not offered here", c.not_offered));
    }
    s
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
    // Each profile's IAM lists the projects of its own account.
    let mut profiles = ctx.cloud.profiles();
    if profiles.is_empty() {
        profiles.push(ctx.targets.first().and_then(|t| t.profile.clone()));
    }
    let mut all = Vec::new();
    for profile in profiles {
        let account = ctx.cloud.account(profile.as_deref()).unwrap_or(&ctx.cloud);
        for p in account.region_projects(hint).await? {
            ctx.cloud
                .bind(&p.id, profile.as_deref())
                .map_err(AppError::Usage)?;
            let known = ctx.targets.iter().find(|t| t.project.id == p.id);
            all.push(Target {
                label: known.map_or_else(|| p.region.clone(), |t| t.label.clone()),
                protected: known.is_some_and(|t| t.protected),
                profile: profile.clone(),
                project: p,
            });
        }
    }
    narrow(all, &ctx.only)
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
    let (listed, done, projects_done) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    let sink = |e: AuditEvent| {
        match &e {
            AuditEvent::Listed { servers, .. } => {
                listed.fetch_add(servers.len(), Ordering::Relaxed);
                projects_done.fetch_add(1, Ordering::Relaxed);
            }
            AuditEvent::Flag { .. } => {
                done.fetch_add(1, Ordering::Relaxed);
            }
            AuditEvent::BareMetalFailed { .. } => {}
            AuditEvent::ListFailed { error, .. } => {
                projects_done.fetch_add(1, Ordering::Relaxed);
                if error.api().is_some_and(|a| a.is_auth()) {
                    let mut first = rejected.lock().unwrap_or_else(|p| p.into_inner());
                    first.get_or_insert_with(|| error.clone());
                }
            }
        };
        collector.lock().unwrap_or_else(|p| p.into_inner()).apply(e);
    };
    let opts = AuditOptions {
        page_size: ctx.page_size(),
        concurrency: ctx.concurrency(),
    };
    let work = audit::run(&ctx.cloud, projects, opts, &sink);
    if io.err_is_tty {
        let started = std::time::Instant::now();
        let now = || Progress {
            done: done.load(Ordering::Relaxed),
            total: listed.load(Ordering::Relaxed),
            elapsed: started.elapsed(),
            listing_done: projects_done.load(Ordering::Relaxed) >= projects.len(),
        };
        tokio::pin!(work);
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
        loop {
            tokio::select! {
                () = &mut work => break,
                _ = tick.tick() => {
                    let _ = write!(io.err, "\r{}\x1b[K", progress_line(&now()));
                }
            }
        }
        let p = now();
        let _ = writeln!(
            io.err,
            "\raudited {}/{} servers {}\x1b[K",
            p.done,
            p.total,
            p.finished()
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

/// `audited 120/300 servers · 45.0/s · ~4s left`; the line is redrawn in place (`\r`, then
/// erase to the end of the line, as the previous one may have been longer).
fn progress_line(p: &Progress) -> String {
    let speed = p.speed();
    let mut line = format!("audited {}/{} servers", p.done, p.total);
    if !speed.is_empty() {
        line.push_str(&format!(" · {speed}"));
    }
    line
}

const COLUMNS: [&str; 11] = [
    "project_id",
    "region",
    "server_id",
    "kind",
    "name",
    "status",
    "os_type",
    "reset_supported",
    "error",
    "not_offered",
    "profile",
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
            r.flag_word().into()
        };
        vec![
            r.project_id.clone(),
            r.region.clone(),
            r.server_id.clone(),
            r.kind.word().to_owned(),
            r.name.clone(),
            r.status.clone(),
            r.os_type.clone().unwrap_or_default(),
            flag,
            r.error.clone().unwrap_or_default(),
            r.not_offered.to_string(),
            r.profile.clone().unwrap_or_default(),
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
