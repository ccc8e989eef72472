//! Worker events. Anything tagged with a request id the state no longer waits for (a
//! superseded refresh, a finished request) is dropped here.

use crate::cloud::ErrorKind;
use crate::cloud::capability::{Capability, FlagError};
use crate::config::Action;
use crate::tui::msg::{Effect, Event, FlagResult, ResetStatus};
use crate::tui::state::form::Preflight;
use crate::tui::state::table::Flag;
use crate::tui::state::{Level, Mode, Pending, ProjectLoad, Sealing, State};

pub fn on_event(state: &mut State, event: Event) -> Vec<Effect> {
    if let Event::Call(record) = event {
        state.log.push(record);
        return Vec::new();
    }
    if let Event::Warning(text) = event {
        state.notice(Level::Warn, text);
        return Vec::new();
    }
    if let Event::AgencyKeys { profile, until } = event {
        state.agency_renewed(profile, until);
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
        Event::SameProject {
            project, same_as, ..
        } => same_project(state, project, same_as),
        Event::Sealed { id, path, count } => {
            if let Mode::Results(r) = &mut state.mode
                && r.id == id
            {
                r.sealed = Sealing::Done {
                    path: path.clone(),
                    count,
                };
            }
            state.notice(
                Level::Info,
                format!("sealed {count} password(s) in {path}; `ecsreset reveal SERVER` shows one"),
            );
        }
        Event::Page { project, rows, .. } => state.table.add_rows(project, rows),
        Event::Listed {
            project, servers, ..
        } => listed(state, project, servers, audit),
        Event::ListFailed {
            project,
            error,
            kind,
            ..
        } => list_failed(state, project, error, kind, audit),
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
            bare_metal,
        } => {
            state.pending.remove(&id);
            if let Mode::Confirm(c) = &mut state.mode
                && c.check == Preflight::Pending(id)
            {
                c.check = Preflight::Done {
                    ok,
                    refused,
                    shutoff,
                    bare_metal,
                };
            }
        }
        Event::Reset {
            server_id, status, ..
        } => reset_status(state, server_id, status),
        e @ (Event::WindowsPassword { .. } | Event::ServerPasswordCleared { .. }) => {
            state.pending.remove(&id);
            super::winpw::on_event(state, e);
        }
        Event::Done { id } => {
            state.pending.remove(&id);
            done(state, id, kind);
        }
        Event::Call(_) | Event::Warning(_) | Event::AgencyKeys { .. } => {}
    }
    Vec::new()
}

/// Protection on either entry protects the one project both name.
fn same_project(state: &mut State, project: usize, same_as: usize) {
    let protected = state.projects.get(project).is_some_and(|p| p.protected);
    if let Some(first) = state.projects.get_mut(same_as) {
        first.protected |= protected;
    }
    if let Some(p) = state.projects.get_mut(project) {
        p.load = ProjectLoad::SameAs(same_as);
    }
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

fn list_failed(state: &mut State, project: usize, error: String, kind: ErrorKind, audit: bool) {
    // Keys belong to a profile: with several, it is the one to fix, so it is named first.
    let many = state.many_profiles();
    let Some(p) = state.projects.get_mut(project) else {
        return;
    };
    let place = match &p.profile {
        Some(name) if many => format!("profile {name} ({})", p.label),
        _ => p.label.clone(),
    };
    p.load = ProjectLoad::Failed(error.clone());
    state.table.abort_list(project);
    // Refused credentials are fixed in the config, not by retrying: say so first, before the
    // status line cuts the message.
    let refused = kind == ErrorKind::CredentialsRefused;
    let text = match state.keys.keys_for(Action::ReloadConfig).first() {
        Some(key) if refused => format!(
            "credentials refused in {place}: fix the config, then press {key} to reload — {error}"
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
        Err(FlagError::NotOffered(cap)) => {
            not_offered(state, f.project, cap);
            Flag::NotOffered(cap)
        }
        Err(FlagError::Failed(e)) => Flag::Unknown(e),
    };
    if audit && let Some(a) = &mut state.audit {
        a.done += 1;
        if let Some(c) = a.counts.get_mut(f.project) {
            match flag {
                Flag::Supported => c.add(Some(true)),
                Flag::Unsupported => c.add(Some(false)),
                Flag::NotOffered(_) => c.not_offered += 1,
                _ => c.add(None),
            }
        }
    }
    state.table.set_flag(f.project, &f.server_id, flag, f.at);
}

/// Says once per project that an API is not offered there, instead of an error per row.
pub(super) fn not_offered(state: &mut State, project: usize, cap: Capability) {
    let Some(p) = state.projects.get_mut(project) else {
        return;
    };
    if p.not_offered.is_some() {
        return;
    }
    p.not_offered = Some(cap);
    let text = format!(
        "{}: one-click reset is not offered here (the {} answered 404 APIGW.0101); resets are \
         disabled for its servers",
        p.place(),
        cap.name()
    );
    state.notice(Level::Warn, text);
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
            // The once-per-project "not offered" notice would be lost under this one.
            let missing: Vec<String> = state
                .projects
                .iter()
                .filter(|p| p.not_offered.is_some())
                .map(super::super::state::ProjectState::place)
                .collect();
            if failed == 0 && missing.is_empty() {
                state.notice(Level::Info, format!("listed {n} servers"));
            } else if failed == 0 {
                let text = format!(
                    "listed {n} servers; one-click reset is not offered in {}",
                    missing.join(", ")
                );
                state.notice(Level::Warn, text);
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
        Pending::Check | Pending::WindowsPassword | Pending::ClearPassword => {}
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
