//! `ecsreset reboot` and `ecsreset start`: checked, confirmed power actions through the change
//! engine, followed as jobs per server.

use super::change::{self, confirm, server_lines, status_text};
use super::context::Context;
use super::{AppError, Io};
use crate::cli::{RebootArgs, RebootKind, StartArgs};
use crate::cloud::wire::RebootType;
use crate::ops::Status;
use crate::ops::engine::Power;
use crate::ops::plan::Check;

pub fn kind(k: RebootKind) -> RebootType {
    match k {
        RebootKind::Soft => RebootType::Soft,
        RebootKind::Hard => RebootType::Hard,
    }
}

pub async fn run(ctx: &Context, args: &RebootArgs, io: &mut Io<'_>) -> Result<i32, AppError> {
    let k = kind(args.kind);
    power(
        ctx,
        Power::Reboot(k),
        Job {
            ids: &args.servers,
            yes: args.yes,
            no_wait: args.no_wait,
            skip_refused: args.skip_refused,
        },
        io,
    )
    .await
}

pub async fn start(ctx: &Context, args: &StartArgs, io: &mut Io<'_>) -> Result<i32, AppError> {
    power(
        ctx,
        Power::Start,
        Job {
            ids: &args.servers,
            yes: args.yes,
            no_wait: args.no_wait,
            skip_refused: args.skip_refused,
        },
        io,
    )
    .await
}

struct Job<'a> {
    ids: &'a [String],
    yes: bool,
    no_wait: bool,
    skip_refused: bool,
}

async fn power(ctx: &Context, what: Power, job: Job<'_>, io: &mut Io<'_>) -> Result<i32, AppError> {
    let mut session = change::session(ctx)?;
    let check = match what {
        Power::Reboot(_) => Check::Reboot,
        Power::Start => Check::Start,
    };
    let located = session
        .located_and_checked(ctx, job.ids, check, job.skip_refused, io)
        .await?;
    let verb = match what {
        Power::Reboot(RebootType::Soft) => "Soft reboot",
        Power::Reboot(RebootType::Hard) => "Hard reboot",
        Power::Start => "Start",
    };
    if !job.yes
        && !confirm(
            &format!(
                "{verb} of {} server(s):\n{}",
                located.len(),
                server_lines(&located)
            ),
            located.len(),
        )?
    {
        writeln!(io.err, "cancelled; nothing was sent")?;
        return Ok(1);
    }
    let engine = session.engine.clone();
    let reports = match session
        .run(engine.power(what, located, !job.no_wait), io)
        .await?
    {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let mut ok = true;
    for r in &reports {
        let text = match &r.status {
            Status::Rebooted => "rebooted".to_owned(),
            Status::Started => "started".to_owned(),
            Status::Rebooting { job_id, .. } | Status::Starting { job_id, .. } if job.no_wait => {
                format!(
                    "job {} started; not followed (--no-wait)",
                    crate::report::clean(job_id)
                )
            }
            other => {
                ok = false;
                status_text(other)
            }
        };
        writeln!(
            io.out,
            "{}  {}",
            r.located.id(),
            crate::report::clean(&text)
        )?;
    }
    Ok(i32::from(!ok))
}
