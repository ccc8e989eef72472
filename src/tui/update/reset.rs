//! Opening the reset form (with every refusal explained) and sending the reset.

use crate::cloud::wire::RebootType;
use crate::config::Action;
use crate::ops::plan::{self, Check};
use crate::password::OsKind;
use crate::tui::msg::{Effect, NewPassword, Request, ResetStatus, Target};
use crate::tui::state::form::{Confirm, Form, RebootChoice, strictest};
use crate::tui::state::table::Flag;
use crate::tui::state::{Level, Mode, Pending, Results, Sealing, State};

/// The marked servers, or the one under the cursor when none is marked.
fn targets(state: &State) -> Vec<String> {
    if state.table.marked.is_empty() {
        state
            .table
            .selected()
            .map(|r| vec![r.id().to_owned()])
            .unwrap_or_default()
    } else {
        state.table.marked.iter().cloned().collect()
    }
}

/// Why this server may not be reset, if it may not: the change engine's own rules
/// ([`crate::ops::plan::refusal`]) over what the table knows now, plus what only the session
/// knows (a reset already in flight, a flag still being read). Pre-flight asks again.
fn refusal(state: &State, server_id: &str) -> Option<String> {
    let Some(row) = state.table.get(server_id) else {
        return Some(format!("server {server_id} is no longer listed; refresh"));
    };
    let name = if row.name().is_empty() {
        server_id
    } else {
        row.name()
    };
    let project = &state.projects[row.project];
    if project.protected {
        return Some(format!(
            "project {} is protected (protected = true in the config): resets are disabled there",
            project.label
        ));
    }
    if let Some(cap) = project.not_offered {
        return Some(format!(
            "one-click reset is not offered in {} (the {} answered 404 APIGW.0101)",
            project.place(),
            cap.name()
        ));
    }
    if state
        .resets
        .get(server_id)
        .is_some_and(ResetStatus::in_progress)
    {
        return Some(format!("a reset of {name} is still in progress"));
    }
    let flag = match &row.flag {
        Flag::Supported => Ok(true),
        Flag::Unsupported => Ok(false),
        Flag::Checking => {
            return Some(format!(
                "the reset flag of {name} is still being checked; resets need ✓ supported"
            ));
        }
        Flag::Unknown(e) => Err(crate::cloud::capability::FlagError::Failed(e.clone())),
        Flag::NotOffered(cap) => {
            return Some(format!(
                "one-click reset is not offered for {name} (the {} answered 404 APIGW.0101)",
                cap.name()
            ));
        }
    };
    let why = plan::refusal(
        Check::Reset,
        &row.to_detail(),
        project.protected,
        Some(&flag),
    )?;
    let hint = match &row.flag {
        Flag::Unknown(_) if why.starts_with("reset flag") => format!(
            "; {} or {} checks again",
            state.key_of(Action::Refresh),
            state.key_of(Action::Audit)
        ),
        _ => String::new(),
    };
    Some(format!("{name} ({}): {why}{hint}", project.label))
}

pub fn open_form(state: &mut State) {
    if state.read_only {
        state.notice(
            Level::Warn,
            "read-only session (--read-only or ui.read_only): resets are disabled",
        );
        return;
    }
    let targets = targets(state);
    if targets.is_empty() {
        state.notice(Level::Warn, "no server selected");
        return;
    }
    // One refused server need not block the rest: pre-flight lists the refused apart in the
    // confirmation. Only when nothing could go ahead is the form not worth opening.
    let refusals: Vec<String> = targets.iter().filter_map(|id| refusal(state, id)).collect();
    if refusals.len() == targets.len() {
        let first = &refusals[0];
        let more = match refusals.len() {
            1 => String::new(),
            n => format!(" (and {} more refused)", n - 1),
        };
        state.notice(Level::Warn, format!("reset refused: {first}{more}"));
        return;
    }
    let os = strictest(
        targets
            .iter()
            .map(|id| OsKind::from_metadata(state.table.get(id).and_then(|r| r.os()))),
    );
    state.notice = None;
    state.mode = Mode::Form(Box::new(Form::new(targets, os)));
}

/// The worker's view of these servers: each with its project, as the table knows it.
pub fn targets_of(state: &State, ids: &[String]) -> Vec<Target> {
    ids.iter()
        .filter_map(|sid| {
            let row = state.table.get(sid)?;
            let p = &state.projects[row.project];
            Some(Target {
                project: row.project,
                project_id: p.id.clone()?,
                region: p.region.clone(),
                server_id: sid.clone(),
                name: row.name().to_owned(),
                label: p.label.clone(),
                protected: p.protected,
                kind: row.kind(),
            })
        })
        .collect()
}

/// Sends the reset described by the confirmed dialog: only the servers pre-flight let go
/// ahead. The state leaves the dialog before the effect is returned, so a second Enter finds
/// nothing to submit.
pub fn send(state: &mut State, mut confirm: Confirm) -> Vec<Effect> {
    let id = state.fresh_id();
    let targets = targets_of(state, confirm.sendable());
    let refused = confirm.refused().to_vec();
    let (password, sealed) = if confirm.form.sealed {
        (NewPassword::UniqueSealed, Sealing::Pending)
    } else {
        let typed = std::mem::take(&mut confirm.form.password);
        (NewPassword::Same(typed), Sealing::None)
    };
    confirm.form.clear();
    let reboot = match confirm.reboot {
        RebootChoice::None => None,
        RebootChoice::Soft => Some(RebootType::Soft),
        RebootChoice::Hard => Some(RebootType::Hard),
    };
    for t in &targets {
        state
            .resets
            .insert(t.server_id.clone(), ResetStatus::Sending);
    }
    for r in &refused {
        state
            .resets
            .insert(r.server_id.clone(), ResetStatus::Refused(r.reason.clone()));
    }
    state.pending.insert(id, Pending::Reset);
    let mut shown: Vec<String> = targets.iter().map(|t| t.server_id.clone()).collect();
    shown.extend(refused.iter().map(|r| r.server_id.clone()));
    state.mode = Mode::Results(Results {
        id,
        servers: shown,
        finished: false,
        sealed,
    });
    state.table.marked.clear();
    state.notice(
        Level::Info,
        format!("reset sent for {} server(s)", targets.len()),
    );
    vec![Effect::Api(Request::Reset {
        id,
        targets,
        password,
        check_password: confirm.form.check_password,
        reboot,
    })]
}
