//! Worker events. Anything tagged with a request id the state no longer waits for (a
//! superseded refresh, a finished request) is dropped here.

use crate::config::Action;
use crate::tui::msg::{Effect, Event, FlagResult, ResetStatus};
use crate::tui::state::form::Preflight;
use crate::tui::state::table::Flag;
use crate::tui::state::{Level, Mode, Pending, ProjectLoad, State};

pub fn on_event(state: &mut State, event: Event) -> Vec<Effect> {
    if let Event::Call(record) = event {
        state.log.push(record);
        return Vec::new();
    }
    if let Event::Warning(text) = event {
        state.notice(Level::Warn, text);
        return Vec::new();
    }
    let Some(id) = event.request() else {
        return Vec::new();
    };
    let Some(&kind) = state.pending.get(&id) else {
        return Vec::new();
    };
    let audit = kind == Pending::Audit;
    match event {
        Event::ProjectResolved {
            project,
            project_id,
            ..
        } => {
            if let Some(p) = state.projects.get_mut(project) {
                p.id = Some(project_id);
            }
        }
        Event::Page {
            project, servers, ..
        } => state.table.add_page(project, servers),
        Event::Listed {
            project, servers, ..
        } => listed(state, project, servers, audit),
        Event::ListFailed { project, error, .. } => list_failed(state, project, error, audit),
        Event::Flags { flags, .. } => {
            for f in flags {
                flag(state, f, audit);
            }
        }
        Event::Checked {
            id,
            ok,
            refused,
            shutoff,
        } => {
            state.pending.remove(&id);
            if let Mode::Confirm(c) = &mut state.mode
                && c.check == Preflight::Pending(id)
            {
                c.check = Preflight::Done {
                    ok,
                    refused,
                    shutoff,
                };
            }
        }
        Event::Reset {
            server_id, status, ..
        } => reset_status(state, server_id, status),
        Event::Done { id } => {
            state.pending.remove(&id);
            done(state, id, kind);
        }
        Event::Call(_) | Event::Warning(_) => {}
    }
    Vec::new()
}

fn listed(
    state: &mut State,
    project: usize,
    servers: Vec<crate::cloud::wire::ServerDetail>,
    audit: bool,
) {
    let Some(p) = state.projects.get_mut(project) else {
        return;
    };
    state.table.add_page(project, servers);
    let n = state.table.finish_list(project);
    p.load = ProjectLoad::Listed(n);
    if audit && let Some(a) = &mut state.audit {
        a.projects_listed += 1;
        a.total += n;
    }
}

fn list_failed(state: &mut State, project: usize, error: String, audit: bool) {
    let Some(p) = state.projects.get_mut(project) else {
        return;
    };
    p.load = ProjectLoad::Failed(error.clone());
    state.table.abort_list(project);
    // Refused credentials are fixed in the config, not by retrying: say so first, before the
    // status line cuts the message.
    let refused = error.contains("(HTTP 401)") || error.contains("(HTTP 403)");
    let text = match state.keys.keys_for(Action::ReloadConfig).first() {
        Some(key) if refused => format!(
            "credentials refused in {}: fix the config, then press {key} to reload — {error}",
            p.label
        ),
        _ => format!("project {}: listing failed: {error}", p.label),
    };
    if audit && let Some(a) = &mut state.audit {
        a.projects_listed += 1;
        a.failed.push((project, error));
    }
    state.notice(Level::Error, text);
}

fn flag(state: &mut State, f: FlagResult, audit: bool) {
    let flag = match f.outcome {
        Ok(true) => Flag::Supported,
        Ok(false) => Flag::Unsupported,
        Err(e) => Flag::Unknown(e),
    };
    if audit && let Some(a) = &mut state.audit {
        a.done += 1;
        if let Some(c) = a.counts.get_mut(f.project) {
            c.add(match flag {
                Flag::Supported => Some(true),
                Flag::Unsupported => Some(false),
                _ => None,
            });
        }
    }
    state.table.set_flag(f.project, &f.server_id, flag, f.at);
}

fn reset_status(state: &mut State, server_id: String, status: ResetStatus) {
    let name = state
        .table
        .get(&server_id)
        .map_or(server_id.clone(), |r| r.name().to_owned());
    match &status {
        ResetStatus::Failed(e)
        | ResetStatus::DryRunRejected(e)
        | ResetStatus::RebootFailed(e)
        | ResetStatus::Refused(e) => {
            state.last_error = Some(format!("{name}: {e}"));
        }
        ResetStatus::OutcomeUnknown(_) | ResetStatus::RebootUnknown(_) => {
            state.last_error = Some(format!("{name}: outcome unknown"));
        }
        _ => {}
    }
    state.resets.insert(server_id, status);
}

fn done(state: &mut State, id: crate::tui::msg::RequestId, kind: Pending) {
    match kind {
        Pending::Load => {
            let n = state.table.rows().len();
            let failed = state
                .projects
                .iter()
                .filter(|p| matches!(p.load, ProjectLoad::Failed(_)))
                .count();
            if failed == 0 {
                state.notice(Level::Info, format!("listed {n} servers"));
            }
        }
        Pending::Audit => {
            if let Some(a) = &mut state.audit {
                a.finished = true;
            }
            if matches!(state.mode, Mode::Browse | Mode::Details) {
                state.mode = Mode::AuditSummary;
            }
            state.notice(Level::Info, "audit finished");
        }
        Pending::Check => {}
        Pending::Reset => {
            if let Mode::Results(r) = &mut state.mode
                && r.id == id
            {
                r.finished = true;
            }
            state.notice(Level::Info, "reset finished: see the result per server");
        }
    }
}
