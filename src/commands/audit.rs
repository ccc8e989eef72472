//! `ecsreset audit`: flag audits across projects, for people and for scripts.

use super::context::{Context, Target, narrow};
use super::saved::{self, SavedAudit};
use super::{AppError, Io};
use crate::audit::diff::{AuditDiff, diff};
use crate::audit::progress::Progress;
use crate::audit::record::{AuditRecord, Collector, Counts, exit_code};
use crate::audit::stream::Ordered;
use crate::audit::{self, AuditEvent, AuditOptions};
use crate::cli::{AuditArgs, Format};
use crate::cloud::{CloudError, ProjectRef};
use crate::report::{self, JsonArray, JsonGroups, Table, flag_word};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub async fn run(ctx: &Context, args: &AuditArgs, io: &mut Io<'_>) -> Result<i32, AppError> {
    let targets = targets(ctx, args).await?;
    let profile_of: HashMap<&str, Option<String>> = targets
        .iter()
        .map(|t| (t.project.id.as_str(), t.profile.clone()))
        .collect();
    let grouped = profile_of.values().collect::<HashSet<_>>().len() > 1;
    if !args.diff && !args.save && matches!(args.format, Format::Json | Format::Csv) {
        let by_profile = grouped && args.format == Format::Json;
        let mut projects: Vec<(ProjectRef, Option<String>)> = targets
            .iter()
            .map(|t| {
                let profile = profile_of.get(t.project.id.as_str()).cloned().flatten();
                (t.project.clone(), profile)
            })
            .collect();
        // Audited in the report's order, the projects finish about in the order they are
        // written, so few wait in memory for one ahead of them.
        projects.sort_by_cached_key(|(p, profile)| {
            let group = by_profile.then(|| group_name(profile.as_deref()).to_owned());
            (group, p.region.clone(), p.id.clone())
        });
        // The first project of each profile goes first: its list tells whether the account's
        // keys are accepted before anything is written.
        let mut seen = HashSet::new();
        let (mut order, rest): (Vec<_>, Vec<_>) = projects
            .into_iter()
            .partition(|(_, profile)| seen.insert(profile.clone()));
        let probes = order.len();
        order.extend(rest);
        return stream(ctx, &order, probes, grouped, args, io).await;
    }
    let projects: Vec<_> = targets.iter().map(|t| t.project.clone()).collect();
    let (mut records, failed, rejected) = collect(ctx, &projects, io).await;
    for r in &mut records {
        r.profile = profile_of.get(r.project_id.as_str()).cloned().flatten();
    }
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
    } else if grouped && args.format == Format::Json {
        report::write_json(io.out, &by_profile(&records))?;
    } else {
        write_records(io, args.format, &records)?;
    }
    let mut tally = Tally::default();
    for r in &records {
        tally.add(r);
    }
    tally.write(io, grouped)?;
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
    Ok(exit_code(
        &tally.total,
        failed.len(),
        args.fail_on_unsupported,
    ))
}

/// The records per profile name (`default` for the top-level profile), in name order.
fn by_profile(records: &[AuditRecord]) -> BTreeMap<String, Vec<AuditRecord>> {
    let mut out: BTreeMap<String, Vec<AuditRecord>> = BTreeMap::new();
    for r in records {
        let name = group_name(r.profile.as_deref()).to_owned();
        out.entry(name).or_default().push(r.clone());
    }
    out
}

fn group_name(profile: Option<&str>) -> &str {
    profile.unwrap_or(crate::config::DEFAULT_PROFILE)
}

/// The counts the summary prints, per profile and project, added record by record so a
/// streamed report needs no record kept.
#[derive(Debug, Default)]
struct Tally {
    per: BTreeMap<String, BTreeMap<(String, String), Counts>>,
    total: Counts,
}

impl Tally {
    fn add(&mut self, r: &AuditRecord) {
        self.per
            .entry(group_name(r.profile.as_deref()).to_owned())
            .or_default()
            .entry((r.region.clone(), r.project_id.clone()))
            .or_default()
            .add_record(r);
        self.total.add_record(r);
    }

    /// Per project (under its profile when `grouped`), then the total.
    fn write(&self, io: &mut Io<'_>, grouped: bool) -> std::io::Result<()> {
        for (profile, per) in &self.per {
            let indent = if grouped {
                let mut sub = Counts::default();
                for c in per.values() {
                    sub.merge(c);
                }
                writeln!(io.err, "profile {profile}: {}", counts_line(&sub))?;
                "  "
            } else {
                ""
            };
            for ((region, id), c) in per {
                writeln!(io.err, "{indent}{region} {id}: {}", counts_line(c))?;
            }
        }
        writeln!(
            io.err,
            "total: {} servers, {}",
            self.total.total(),
            counts_line(&self.total)
        )
    }
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

/// Records written as they become final: at 100,000 servers, holding every record to the end
/// was most of the memory.
struct Streamed {
    format: Format,
    /// Whether the JSON is grouped by profile.
    by_profile: bool,
    json: JsonArray,
    groups: JsonGroups,
    header: bool,
    tally: Tally,
}

impl Streamed {
    fn write(&mut self, out: &mut dyn Write, records: &[AuditRecord]) -> std::io::Result<()> {
        for r in records {
            self.tally.add(r);
            match self.format {
                Format::Json if self.by_profile => {
                    self.groups.push(out, group_name(r.profile.as_deref()), r)?;
                }
                Format::Json => self.json.push(out, r)?,
                _ => {
                    if !std::mem::replace(&mut self.header, true) {
                        report::write_csv_header(out, &COLUMNS)?;
                    }
                    report::write_csv_row(out, &cells(r, true))?;
                }
            }
        }
        out.flush()
    }

    fn end(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        match self.format {
            Format::Json if self.by_profile => std::mem::take(&mut self.groups).end(out),
            Format::Json => std::mem::take(&mut self.json).end(out),
            _ if !self.header => report::write_csv_header(out, &COLUMNS),
            _ => Ok(()),
        }
    }
}

/// The JSON or CSV report, written project by project in report order while the audit runs:
/// the same bytes as the collected report. The first `probes` projects (one per profile) are
/// listed before anything goes out, so keys the gateway rejects stop the command with no
/// report; keys rejected later in the run (revoked meanwhile) end the report early, the JSON
/// closed so that what was written still parses, and fail the command.
async fn stream(
    ctx: &Context,
    projects: &[(ProjectRef, Option<String>)],
    probes: usize,
    grouped: bool,
    args: &AuditArgs,
    io: &mut Io<'_>,
) -> Result<i32, AppError> {
    let by_profile = grouped && args.format == Format::Json;
    let ordered = Mutex::new(Ordered::grouped(projects, by_profile));
    let rejected: Mutex<Option<CloudError>> = Mutex::new(None);
    let counters = Counters::default();
    let sink = |e: AuditEvent| {
        counters.count(&e, &rejected);
        lock(&ordered).apply(e);
    };
    let opts = options(ctx);
    let refs: Vec<ProjectRef> = projects.iter().map(|(p, _)| p.clone()).collect();
    let work = audit::run(&ctx.cloud, &refs, opts, &sink);
    tokio::pin!(work);
    let mut out = Streamed {
        format: args.format,
        by_profile,
        json: JsonArray::default(),
        groups: JsonGroups::default(),
        header: false,
        tally: Tally::default(),
    };
    let started = std::time::Instant::now();
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
    loop {
        tokio::select! {
            () = &mut work => break,
            _ = tick.tick() => {
                let p = counters.progress(started, refs.len());
                if io.err_is_tty {
                    let _ = write!(io.err, "\r{}\x1b[K", progress_line(&p));
                }
                let mut ordered = lock(&ordered);
                let probed = refs[..probes].iter().all(|p| ordered.listed(p));
                if probed && lock(&rejected).is_none() {
                    let ready = ordered.ready();
                    drop(ordered);
                    out.write(io.out, &ready)?;
                }
            }
        }
    }
    if io.err_is_tty {
        let p = counters.progress(started, refs.len());
        let _ = writeln!(
            io.err,
            "\raudited {}/{} servers {}\x1b[K",
            p.done,
            p.total,
            p.finished()
        );
    }
    // Credentials the gateway rejects make every result meaningless: fatal, no report.
    if let Some(e) = lock(&rejected).take() {
        if out.tally.total.total() > 0 {
            out.end(io.out)?;
        }
        return Err(e.into());
    }
    let mut ordered = lock(&ordered);
    let rest = ordered.rest();
    let failed = std::mem::take(&mut ordered.failed_projects);
    drop(ordered);
    out.write(io.out, &rest)?;
    out.end(io.out)?;
    report_failed(io, &failed)?;
    out.tally.write(io, grouped)?;
    Ok(exit_code(
        &out.tally.total,
        failed.len(),
        args.fail_on_unsupported,
    ))
}

fn report_failed(io: &mut Io<'_>, failed: &[(ProjectRef, String)]) -> std::io::Result<()> {
    for (p, e) in failed {
        writeln!(
            io.err,
            "error: project {} ({}) could not be listed: {e}",
            p.id, p.region
        )?;
    }
    Ok(())
}

fn options(ctx: &Context) -> AuditOptions {
    AuditOptions {
        page_size: ctx.page_size(),
        concurrency: ctx.concurrency(),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the progress line shows, counted as events arrive.
#[derive(Debug, Default)]
struct Counters {
    listed: AtomicUsize,
    done: AtomicUsize,
    projects_done: AtomicUsize,
}

impl Counters {
    /// Counts one event; the first authentication error met while listing (wrong or locked
    /// keys) goes to `rejected`.
    fn count(&self, e: &AuditEvent, rejected: &Mutex<Option<CloudError>>) {
        match e {
            AuditEvent::Listed { servers, .. } => {
                self.listed.fetch_add(servers.len(), Ordering::Relaxed);
                self.projects_done.fetch_add(1, Ordering::Relaxed);
            }
            AuditEvent::Flag { .. } => {
                self.done.fetch_add(1, Ordering::Relaxed);
            }
            AuditEvent::BareMetalFailed { .. } => {}
            AuditEvent::ListFailed { error, .. } => {
                self.projects_done.fetch_add(1, Ordering::Relaxed);
                if error
                    .api()
                    .is_some_and(super::super::cloud::error::ApiError::is_auth)
                {
                    lock(rejected).get_or_insert_with(|| error.clone());
                }
            }
        }
    }

    fn progress(&self, started: std::time::Instant, projects: usize) -> Progress {
        Progress {
            done: self.done.load(Ordering::Relaxed),
            total: self.listed.load(Ordering::Relaxed),
            elapsed: started.elapsed(),
            listing_done: self.projects_done.load(Ordering::Relaxed) >= projects,
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
    let counters = Counters::default();
    let sink = |e: AuditEvent| {
        counters.count(&e, &rejected);
        lock(&collector).apply(e);
    };
    let opts = options(ctx);
    let work = audit::run(&ctx.cloud, projects, opts, &sink);
    if io.err_is_tty {
        let started = std::time::Instant::now();
        tokio::pin!(work);
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
        loop {
            tokio::select! {
                () = &mut work => break,
                _ = tick.tick() => {
                    let p = counters.progress(started, projects.len());
                    let _ = write!(io.err, "\r{}\x1b[K", progress_line(&p));
                }
            }
        }
        let p = counters.progress(started, projects.len());
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
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_records();
    let rejected = rejected
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
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

/// One record's cells in [`COLUMNS`] order; CSV writes the flag as `true`/`false`/empty.
fn cells(r: &AuditRecord, csv: bool) -> Vec<String> {
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
