//! `ecsreset trail`: the audit trail, unfinished operations first; `--ack` records that the
//! operator checked one.

use super::context::data_dir_only;
use super::{AppError, Io};
use crate::cli::{Format, TrailArgs};
use crate::ops::trail::{self, Line, Unfinished};
use crate::ops::{Action, Outcome};
use crate::report::{self, Table};
use serde::Serialize;

#[derive(Serialize)]
struct Row<'a> {
    unfinished: bool,
    #[serde(flatten)]
    line: &'a Line,
}

pub fn run(
    global: &crate::cli::GlobalArgs,
    args: &TrailArgs,
    io: &mut Io<'_>,
) -> Result<i32, AppError> {
    let dir = data_dir_only(global)?;
    let (lines, bad) = trail::read(&dir)?;
    if bad > 0 {
        writeln!(
            io.err,
            "warning: {bad} line(s) of {} could not be read and are not shown",
            trail::path(&dir).display()
        )?;
    }
    let open = trail::unfinished(&lines);
    if let Some(op) = &args.ack {
        return ack(&dir, &open, op, io);
    }
    let open_ops: Vec<&str> = open.iter().filter_map(|u| u.intent.op.as_deref()).collect();
    let is_open = |l: &Line| l.op.as_deref().is_some_and(|o| open_ops.contains(&o));
    // Unfinished operations first, then everything in the order written.
    let mut ordered: Vec<&Line> = lines.iter().filter(|l| is_open(l)).collect();
    ordered.extend(lines.iter().filter(|l| !is_open(l)));
    match args.format {
        Format::Json => {
            let rows: Vec<Row> = ordered
                .iter()
                .map(|l| Row {
                    unfinished: is_open(l),
                    line: l,
                })
                .collect();
            report::write_json(io.out, &rows)?;
        }
        f => {
            let table = Table {
                headers: vec![
                    "state", "time", "op", "action", "region", "server", "outcome", "detail",
                ],
                rows: ordered.iter().map(|l| row(l, is_open(l))).collect(),
            };
            if f == Format::Csv {
                report::write_csv(io.out, &table)?;
            } else {
                report::write_table(io.out, &table)?;
            }
        }
    }
    if !open.is_empty() {
        writeln!(
            io.err,
            "{} operation(s) were sent with no recorded outcome; check those servers, then \
             `ecsreset trail --ack OP`",
            open.len()
        )?;
    }
    Ok(0)
}

fn row(l: &Line, open: bool) -> Vec<String> {
    let server = match (&l.server_id, l.servers.as_slice()) {
        (Some(id), _) => match l.server_name.as_deref().filter(|n| !n.is_empty()) {
            Some(n) => format!("{n} ({id})"),
            None => id.clone(),
        },
        (None, servers) => servers
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>()
            .join(","),
    };
    let phase = match l.phase {
        Some(trail::Phase::Intent) if open => "UNFINISHED",
        Some(trail::Phase::Intent) => "intent",
        _ => "outcome",
    };
    let detail = [
        l.error.clone(),
        l.request_id.as_ref().map(|r| format!("request {r}")),
        l.job_id.as_ref().map(|j| format!("job {j}")),
        l.escrow.as_ref().map(|e| format!("sealed in {e}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("; ");
    vec![
        phase.to_owned(),
        l.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        l.op.clone().unwrap_or_default(),
        l.action.clone(),
        l.region.clone(),
        server,
        l.outcome.clone().unwrap_or_default(),
        detail,
    ]
}

fn ack(
    dir: &std::path::Path,
    open: &[Unfinished],
    op: &str,
    io: &mut Io<'_>,
) -> Result<i32, AppError> {
    let chosen: Vec<&Unfinished> = open
        .iter()
        .filter(|u| op == "all" || u.intent.op.as_deref() == Some(op))
        .collect();
    if chosen.is_empty() {
        return Err(AppError::Usage(format!(
            "no unfinished operation {op:?} in the trail (`ecsreset trail` lists them)"
        )));
    }
    let mut lines = Vec::new();
    for u in &chosen {
        for s in &u.missing {
            let op = u.intent.op.as_deref().unwrap_or(op);
            let (p, r) = (&u.intent.project_id, &u.intent.region);
            let mut line = Line::outcome(op, Action::ResetPassword, p, r)
                .server(&s.id, &s.name)
                .is(Outcome::Acknowledged)
                .error(Some("checked by the operator"))
                .0;
            // The intent's own word, whatever version wrote it.
            line.action.clone_from(&u.intent.action);
            lines.push(line);
        }
    }
    trail::append(dir, &lines)?;
    writeln!(io.err, "acknowledged {} operation(s)", chosen.len())?;
    Ok(0)
}
