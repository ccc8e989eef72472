//! `ecsreset reset`: checked, confirmed, recorded password resets from a script or a shell.
//!
//! The password comes from a hidden prompt, standard input, or the generator; never from argv
//! or the environment. It lives in a [`Secret`] from the moment it is read.

use super::context::Context;
use super::locate::{Located, locate};
use super::reboot::{self, by_project, check_allowed, confirm};
use super::trail::{self, TrailEntry};
use super::{AppError, Io};
use crate::cli::{Format, ResetArgs};
use crate::cloud::CloudError;
use crate::password::{self, OsKind};
use crate::report::{self, Table};
use crate::secret::Secret;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The API accepted the request; the guest applies it at its next (re)start.
    Accepted,
    Failed,
    /// Sent, but no answer: it may or may not have been applied.
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResetResult {
    pub project_id: String,
    pub region: String,
    pub server_id: String,
    pub name: String,
    pub outcome: Outcome,
    pub detail: String,
    pub request_id: Option<String>,
    pub reboot: Option<String>,
    /// The reboot's verdict: `Some(false)` when it failed or could not be started.
    #[serde(skip)]
    pub reboot_ok: Option<bool>,
}

pub async fn run(ctx: &Context, args: &ResetArgs, io: &mut Io<'_>) -> Result<i32, AppError> {
    if args.generate && args.format == Format::Csv {
        // A CSV reader would take the password line for a row, or choke on it; repeating the
        // password in a column would print it more than once.
        return Err(AppError::Usage(
            "--generate prints the new password once, which CSV has no place for; use \
             --format json (field generated_password) or the table"
                .into(),
        ));
    }
    let located = locate(ctx, &args.servers).await?;
    check_allowed(ctx, &located)?;
    check_flags(ctx, &located).await?;
    let password = read_password(args)?;
    check_rules(&password, &located)?;
    if !args.yes && !confirm(&question(&located, args), located.len())? {
        writeln!(io.err, "cancelled; nothing was sent")?;
        return Ok(1);
    }
    let mut results = Vec::new();
    for (_, group) in by_project(&located) {
        results.extend(reset_group(ctx, &group, &password, !args.no_check).await);
    }
    record(ctx, &results);
    if let Some(k) = args.reboot {
        let accepted: Vec<&Located> = located
            .iter()
            .filter(|l| {
                results
                    .iter()
                    .any(|r| r.server_id == l.server.id && r.outcome == Outcome::Accepted)
            })
            .collect();
        for o in reboot::reboot(ctx, &accepted, reboot::kind(k), args.no_wait, io).await? {
            if let Some(r) = results.iter_mut().find(|r| r.server_id == o.server_id) {
                r.reboot = Some(o.detail.clone());
                r.reboot_ok = o.ok;
                if o.ok == Some(true) {
                    r.detail = "accepted; server rebooted, the new password is active if the reset plug-in ran".into();
                }
            }
        }
    }
    write(
        io,
        args.format,
        &results,
        args.generate.then_some(&password),
    )?;
    Ok(exit_code(&results))
}

/// 0 when every reset was accepted and no requested reboot failed or stayed unstarted.
pub fn exit_code(results: &[ResetResult]) -> i32 {
    let ok = |r: &ResetResult| r.outcome == Outcome::Accepted && r.reboot_ok != Some(false);
    if results.iter().all(ok) { 0 } else { 1 }
}

fn question(located: &[Located], args: &ResetArgs) -> String {
    let mut q = format!(
        "Reset the root/Administrator password of {} server(s):\n",
        located.len()
    );
    for l in located.iter().take(10) {
        q.push_str(&format!(
            "  {} ({}) in {}\n",
            crate::report::clean(l.server.name.as_deref().unwrap_or("?")),
            l.server.id,
            l.target.label
        ));
    }
    if located.len() > 10 {
        q.push_str(&format!("  … and {} more\n", located.len() - 10));
    }
    q.push_str(match args.reboot {
        Some(_) => "The servers will be rebooted afterwards so the password takes effect.",
        None => {
            "Without --reboot the new password applies only after each server's next (re)start."
        }
    });
    q
}

/// Refuses before anything is sent when a server does not (or may not) support reset.
async fn check_flags(ctx: &Context, located: &[Located]) -> Result<(), AppError> {
    let mut problems = Vec::new();
    for l in located {
        match ctx.cloud.reset_flag(&l.target.project, &l.server.id).await {
            Ok(true) => {}
            Ok(false) => problems.push(format!(
                "{}: one-click reset is not supported (the plug-in is missing)",
                l.server.id
            )),
            Err(e) => problems.push(format!(
                "{}: flag could not be read ({}: {e})",
                l.server.id,
                e.code()
            )),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Refused(format!(
            "nothing was reset:\n  {}",
            problems.join("\n  ")
        )))
    }
}

fn read_password(args: &ResetArgs) -> Result<Secret, AppError> {
    if args.generate {
        return Ok(password::generate(&mut rand::rng()));
    }
    if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        let mut secret = Secret::from(line);
        while secret.expose().ends_with(['\n', '\r']) {
            secret.pop();
        }
        return Ok(secret);
    }
    let first = Secret::from(rpassword::prompt_password("New password: ").map_err(|e| {
        AppError::Usage(format!("cannot read the password from the terminal: {e}"))
    })?);
    let again = Secret::from(rpassword::prompt_password("Repeat it: ").map_err(|e| {
        AppError::Usage(format!("cannot read the password from the terminal: {e}"))
    })?);
    if first != again {
        return Err(AppError::Refused(
            "the two passwords differ; nothing was sent".into(),
        ));
    }
    Ok(first)
}

/// Every OS among the targets must accept it; the messages never contain the password.
fn check_rules(pw: &Secret, located: &[Located]) -> Result<(), AppError> {
    let mut oses: Vec<OsKind> = located
        .iter()
        .map(|l| OsKind::from_metadata(l.server.os_type()))
        .collect();
    oses.dedup();
    let mut failures = Vec::new();
    for os in oses {
        for item in password::check(pw.expose(), os)
            .items
            .iter()
            .filter(|i| !i.passed)
        {
            let line = format!(
                "{} ({})",
                item.rule.label(),
                item.detail.as_deref().unwrap_or("fails")
            );
            if !failures.contains(&line) {
                failures.push(line);
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(AppError::Refused(format!(
            "the password breaks the rules; nothing was sent:\n  {}",
            failures.join("\n  ")
        )))
    }
}

/// One server: the single API. Several in a project: the batch API, dry run first.
async fn reset_group(
    ctx: &Context,
    group: &[&Located],
    pw: &Secret,
    check: bool,
) -> Vec<ResetResult> {
    let project = &group[0].target.project;
    if let [one] = group {
        let r = ctx
            .cloud
            .reset_password(project, &one.server.id, pw, check)
            .await;
        return vec![result(one, r.map(|a| a.request_id))];
    }
    let ids: Vec<String> = group.iter().map(|l| l.server.id.clone()).collect();
    if let Err(e) = ctx
        .cloud
        .batch_reset_password(project, &ids, Some(pw), true)
        .await
    {
        let e = CloudError::Api(crate::cloud::ApiError {
            status: e.api().map_or(0, |a| a.status),
            code: e.code(),
            message: format!("dry run rejected the batch, nothing was reset: {e}"),
            request_id: e.request_id().map(str::to_owned),
        });
        return group.iter().map(|l| result(l, Err(e.clone()))).collect();
    }
    let r = ctx.cloud.batch_reset(project, &ids, Some(pw), false).await;
    group
        .iter()
        .map(|l| match &r {
            Ok(accepted) if accepted.servers.contains(&l.server.id) => {
                result(l, Ok(accepted.request_id.clone()))
            }
            // The batch was accepted, yet not for this server by name: the API confirmed
            // neither that it applied nor that it did not.
            Ok(accepted) => ResetResult {
                request_id: accepted.request_id.clone(),
                ..result(
                    l,
                    Err(CloudError::OutcomeUnknown {
                        message: "the batch was accepted but its answer did not list this server"
                            .into(),
                    }),
                )
            },
            Err(e) => result(l, Err(e.clone())),
        })
        .collect()
}

fn result(l: &Located, r: Result<Option<String>, CloudError>) -> ResetResult {
    let (outcome, detail, request_id) = match r {
        Ok(id) => (
            Outcome::Accepted,
            "accepted by the API; applies after the server (re)starts".to_owned(),
            id,
        ),
        Err(e @ CloudError::OutcomeUnknown { .. }) => (Outcome::Unknown, e.to_string(), None),
        Err(e) => (
            Outcome::Failed,
            format!("{}: {e}", e.code()),
            e.request_id().map(str::to_owned),
        ),
    };
    ResetResult {
        project_id: l.target.project.id.clone(),
        region: l.target.project.region.clone(),
        server_id: l.server.id.clone(),
        name: l.server.name.clone().unwrap_or_default(),
        outcome,
        detail,
        request_id,
        reboot: None,
        reboot_ok: None,
    }
}

fn record(ctx: &Context, results: &[ResetResult]) {
    let entries: Vec<TrailEntry> = results
        .iter()
        .map(|r| TrailEntry {
            time: chrono::Utc::now(),
            action: "reset-password",
            project_id: &r.project_id,
            region: &r.region,
            server_id: &r.server_id,
            server_name: &r.name,
            outcome: match r.outcome {
                Outcome::Accepted => "accepted",
                Outcome::Failed => "failed",
                Outcome::Unknown => "unknown",
            },
            request_id: r.request_id.as_deref(),
            error: (r.outcome != Outcome::Accepted).then_some(r.detail.as_str()),
        })
        .collect();
    match ctx.data_dir() {
        Ok(dir) => {
            if let Err(e) = trail::append(&dir, &entries) {
                tracing::warn!("could not write the audit trail: {e}");
            }
        }
        Err(e) => tracing::warn!("no audit trail: {e}"),
    }
}

#[derive(Serialize)]
struct JsonOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    generated_password: Option<&'a str>,
    results: &'a [ResetResult],
}

fn write(
    io: &mut Io<'_>,
    format: Format,
    results: &[ResetResult],
    generated: Option<&Secret>,
) -> std::io::Result<()> {
    // The generated password is printed once, and only when some reset may have applied it.
    let show = generated.filter(|_| results.iter().any(|r| r.outcome != Outcome::Failed));
    if format == Format::Json {
        return report::write_json(
            io.out,
            &JsonOut {
                generated_password: show.map(Secret::expose),
                results,
            },
        );
    }
    if let Some(pw) = show {
        writeln!(io.out, "generated password (shown once): {}", pw.expose())?;
    }
    let table = Table {
        headers: vec![
            "server_id",
            "name",
            "region",
            "outcome",
            "detail",
            "request_id",
            "reboot",
        ],
        rows: results
            .iter()
            .map(|r| {
                vec![
                    r.server_id.clone(),
                    r.name.clone(),
                    r.region.clone(),
                    format!("{:?}", r.outcome).to_lowercase(),
                    r.detail.clone(),
                    r.request_id.clone().unwrap_or_default(),
                    r.reboot.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    };
    if format == Format::Csv {
        report::write_csv(io.out, &table)
    } else {
        report::write_table(io.out, &table)
    }
}
