//! `ecsreset reset`: checked, confirmed, recorded password resets from a script or a shell,
//! through the change engine the TUI uses too.
//!
//! The password comes from a hidden prompt, standard input, or the generator; never from argv
//! or the environment. It lives in a [`Secret`] from the moment it is read.

use super::change::{self, confirm, server_lines, status_text};
use super::context::Context;
use super::{AppError, Io};
use crate::cli::{Format, ResetArgs};
use crate::escrow::Record;
use crate::ops::Status;
use crate::ops::engine::{After, Passwords, Report, ResetPlan};
use crate::ops::plan::{Check, Located};
use crate::password::{self, OsKind};
use crate::report::{self, Table};
use crate::secret::Secret;
use serde::Serialize;
use std::io::IsTerminal;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The API accepted the request; the guest applies it at its next (re)start.
    Accepted,
    Failed,
    /// Sent, but no answer we can vouch for: it may or may not have been applied.
    Unknown,
    /// Refused before sending (pre-flight or dry run); nothing was sent.
    NotSent,
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
    /// The CSMS secret and version holding the new password (`[escrow] csms`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csms_secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csms_version: Option<String>,
    /// The reboot's verdict: `Some(false)` when it failed or was not confirmed.
    #[serde(skip)]
    pub reboot_ok: Option<bool>,
}

pub async fn run(ctx: &Context, args: &ResetArgs, io: &mut Io<'_>) -> Result<i32, AppError> {
    refuse_misuse(args)?;
    let mut session = change::session(ctx)?;
    let located = session
        .located_and_checked(ctx, &args.servers, Check::Reset, args.skip_refused, io)
        .await?;
    let unique = args.generate && located.len() > 1 && !args.same_password;
    let escrow = ctx.config.escrow.as_ref().filter(|_| args.generate);
    if unique && escrow.is_none() && !io.out_is_tty {
        return Err(AppError::Usage(
            "--generate for several servers gives each its own password, and without [escrow] \
             in the config they can only be shown on a terminal, never written to a pipe or \
             file. Add [escrow] recipients = [\"age1…\" or an SSH public key] to seal them \
             (then `ecsreset reveal SERVER`), or pass --same-password for one password for all"
                .into(),
        ));
    }
    let csms_cfg = escrow.and_then(|e| e.csms.as_ref());
    let csms = match csms_cfg {
        Some(c) => Some(
            session
                .engine
                .csms_plan(&ctx.targets, c, &located)
                .await
                .map_err(AppError::Refused)?,
        ),
        None => None,
    };
    let handed = if unique || escrow.is_some() {
        generated(ctx, args, escrow, &located, io)?
    } else {
        typed(args, &located, io)?
    };
    let Some((passwords, sealed)) = handed else {
        writeln!(io.err, "cancelled; nothing was sent")?;
        return Ok(1);
    };
    let plan = ResetPlan {
        servers: located,
        passwords,
        check_password: !args.no_check,
        after: args.reboot.map(|k| After {
            reboot: super::reboot::kind(k),
            wait: !args.no_wait,
        }),
        escrow: sealed.map(|p| p.display().to_string()),
        csms,
    };
    let engine = session.engine.clone();
    let reports = match session.run(engine.reset(plan), io).await? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let results: Vec<ResetResult> = reports.iter().map(result).collect();
    write(io, args.format, &results)?;
    Ok(exit_code(&results))
}

/// Combinations refused before anything is looked up.
fn refuse_misuse(args: &ResetArgs) -> Result<(), AppError> {
    if args.generate && args.format == Format::Csv {
        // A CSV reader would take the password line for a row, or choke on it; repeating the
        // password in a column would print it more than once.
        return Err(AppError::Usage(
            "--generate prints the new password once, which CSV has no place for; use \
             --format json (field generated_password) or the table"
                .into(),
        ));
    }
    if args.password_stdin && std::io::stdin().is_terminal() {
        return Err(AppError::Usage(
            "--password-stdin reads a pipe, and at a terminal it would echo the password as \
             you type it; use --password-prompt there"
                .into(),
        ));
    }
    Ok(())
}

/// The passwords and the escrow file they were sealed in, once handed over; `None` when the
/// operator cancelled at the question.
type Handed = Option<(Passwords, Option<std::path::PathBuf>)>;

/// Generated passwords (one per server, or one sealed): confirmed, then sealed or shown.
fn generated(
    ctx: &Context,
    args: &ResetArgs,
    escrow: Option<&crate::config::EscrowConfig>,
    located: &[Located],
    io: &mut Io<'_>,
) -> Result<Handed, AppError> {
    let csms_cfg = escrow.and_then(|e| e.csms.as_ref());
    let records = crate::escrow::generate_for(located);
    let mut q = question(located, args, escrow.is_some());
    if let Some(c) = csms_cfg {
        q.push_str(&csms_note(c));
    }
    if !args.yes && !confirm(&q, located.len())? {
        return Ok(None);
    }
    // Handed over before the first change request: sealed, or shown once.
    let sealed = match escrow {
        Some(e) => {
            let path = seal(ctx, e, &records, io)?;
            if let Some(c) = csms_cfg {
                writeln!(
                    io.err,
                    "each password also goes to its CSMS secret ({}) just before its \
                     server's reset; the trail names secret and version",
                    csms_where(c)
                )?;
            }
            Some(path)
        }
        None => {
            show_table(io, &records)?;
            None
        }
    };
    let map = records
        .into_iter()
        .map(|r| (r.server_id.clone(), r.password))
        .collect();
    Ok(Some((Passwords::PerServer(map), sealed)))
}

/// One password for every server, read (or generated and shown) after its rules pass.
fn typed(args: &ResetArgs, located: &[Located], io: &mut Io<'_>) -> Result<Handed, AppError> {
    let password = read_password(args)?;
    check_rules(&password, located, !args.no_check)?;
    if !args.yes && !confirm(&question(located, args, false), located.len())? {
        return Ok(None);
    }
    if args.generate {
        // Handed over before the first change request: whatever happens next, the
        // operator holds the password any server may now have.
        hand_over(io, args.format, &password)?;
    }
    Ok(Some((Passwords::Same(password), None)))
}

/// 0 when every reset was accepted and no requested reboot failed or stayed unconfirmed.
pub fn exit_code(results: &[ResetResult]) -> i32 {
    let ok = |r: &ResetResult| r.outcome == Outcome::Accepted && r.reboot_ok != Some(false);
    i32::from(!results.iter().all(ok))
}

fn question(located: &[Located], args: &ResetArgs, sealed: bool) -> String {
    let how = match (
        sealed,
        args.generate && located.len() > 1 && !args.same_password,
    ) {
        (true, _) => "a unique generated password each, sealed to the [escrow] recipients",
        (false, true) => "a unique generated password each, shown once on this terminal",
        (false, false) if located.len() > 1 => "the same password for all (batch API)",
        _ => "",
    };
    let mut q = format!(
        "Reset the root/Administrator password of {} server(s){}:\n{}",
        located.len(),
        if how.is_empty() {
            String::new()
        } else {
            format!(", {how}")
        },
        server_lines(located)
    );
    let shutoff = located
        .iter()
        .filter(|l| l.server.status.as_deref() == Some("SHUTOFF"))
        .count();
    q.push_str(&match args.reboot {
        Some(_) if shutoff > 0 => format!(
            "Running servers will be rebooted afterwards; the {shutoff} shut-off one(s) will be \
             started instead, so the password takes effect."
        ),
        Some(_) => "The servers will be rebooted afterwards so the password takes effect.".into(),
        None => {
            "Without --reboot the new password applies only after each server's next (re)start."
                .into()
        }
    });
    q
}

fn csms_where(cfg: &crate::escrow::CsmsConfig) -> String {
    let region = cfg.region.as_deref().map_or_else(
        || "each server's own region".to_owned(),
        |r| format!("region {r}"),
    );
    format!("{region}, secret {:?}", cfg.name.as_str())
}

fn csms_note(cfg: &crate::escrow::CsmsConfig) -> String {
    format!(
        "\nEach password is also stored in CSMS ({}) before that server's reset; a server \
         whose secret cannot be written is not reset.",
        csms_where(cfg)
    )
}

/// Seals every record into one file (fsynced, closed) before anything is sent; prints only
/// the path and the count.
fn seal(
    ctx: &Context,
    e: &crate::config::EscrowConfig,
    records: &[Record],
    io: &mut Io<'_>,
) -> Result<std::path::PathBuf, AppError> {
    let dir = e.dir_in(&ctx.data_dir()?);
    let path = crate::escrow::seal(&dir, &e.recipients, records)?;
    writeln!(
        io.err,
        "sealed {} password(s) to {} recipient(s) in {}; `ecsreset reveal SERVER` shows one",
        records.len(),
        e.recipients.len(),
        path.display()
    )?;
    Ok(path)
}

/// The unique passwords, once, on the terminal stdout is (checked by the caller).
fn show_table(io: &mut Io<'_>, records: &[Record]) -> Result<(), AppError> {
    let mut text = zeroize::Zeroizing::new(String::from(
        "generated passwords (shown once; each applies to its server only):\n",
    ));
    for r in records {
        // Pushed piece by piece: a `format!` would leave an unzeroized copy behind.
        for part in [
            "  ",
            &r.server_id,
            "  ",
            &crate::report::clean(&r.name),
            "  ",
        ] {
            text.push_str(part);
        }
        text.push_str(r.password.expose());
        text.push('\n');
    }
    io.out.write_all(text.as_bytes())?;
    io.out.flush()?;
    Ok(())
}

fn hand_over(io: &mut Io<'_>, format: Format, pw: &Secret) -> Result<(), AppError> {
    if format == Format::Json {
        let doc = serde_json::json!({ "generated_password": pw.expose() });
        let mut text = zeroize::Zeroizing::new(doc.to_string());
        text.push('\n');
        io.out.write_all(text.as_bytes())?;
        // The `Value` holds a copy too; it is dropped here, the text zeroized.
        drop(doc);
    } else {
        writeln!(io.out, "generated password (shown once): {}", pw.expose())?;
    }
    io.out.flush()?;
    Ok(())
}

fn read_password(args: &ResetArgs) -> Result<Secret, AppError> {
    if args.generate {
        return Ok(password::generate(&mut rand::rng()));
    }
    if args.password_stdin {
        let mut line = zeroize::Zeroizing::new(String::new());
        std::io::stdin().read_line(&mut line)?;
        let mut secret = Secret::new(line.trim_end_matches(['\n', '\r']));
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
/// Without the API check (`--no-check`) only the OS's own rules apply, as in the TUI form.
fn check_rules(pw: &Secret, located: &[Located], api_check: bool) -> Result<(), AppError> {
    let mut oses: Vec<OsKind> = located
        .iter()
        .map(|l| OsKind::from_metadata(l.server.os_type()))
        .collect();
    oses.sort_by_key(|o| format!("{o:?}"));
    oses.dedup();
    let mut failures = Vec::new();
    for os in oses {
        for item in password::check_with(pw.expose(), os, api_check)
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

fn result(r: &Report) -> ResetResult {
    let outcome = match &r.status {
        Status::Accepted => Outcome::Accepted,
        Status::OutcomeUnknown(_) => Outcome::Unknown,
        Status::Refused(_) | Status::DryRunRejected(_) => Outcome::NotSent,
        _ => Outcome::Failed,
    };
    let reboot_ok = r
        .after
        .as_ref()
        .map(|a| matches!(a, Status::Rebooted | Status::Started));
    let p = &r.located.project.project;
    ResetResult {
        project_id: p.id.clone(),
        region: p.region.clone(),
        server_id: r.located.id().to_owned(),
        name: r.located.name().to_owned(),
        outcome,
        detail: status_text(&r.status),
        request_id: r.request_id.clone(),
        reboot: r.after.as_ref().map(|a| match a {
            Status::Rebooted => "rebooted".to_owned(),
            Status::Started => "started".to_owned(),
            other => status_text(other),
        }),
        reboot_ok,
        csms_secret: r.csms.as_ref().map(|c| c.secret.clone()),
        csms_version: r.csms.as_ref().and_then(|c| c.version.clone()),
    }
}

#[derive(Serialize)]
struct JsonOut<'a> {
    results: &'a [ResetResult],
}

fn write(io: &mut Io<'_>, format: Format, results: &[ResetResult]) -> std::io::Result<()> {
    if format == Format::Json {
        return report::write_json(io.out, &JsonOut { results });
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
                    serde_json::to_value(&r.outcome)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
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
