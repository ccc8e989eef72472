//! `update(&mut State, Msg) -> Vec<Effect>`: every change of the app in one pure function.
//! No I/O, no clock, no randomness beyond the state's own seeded generator; the runtime
//! executes the returned effects.

mod browse;
mod confirm;
mod csv;
mod events;
mod form;
mod mouse;
pub mod palette;
mod reset;
mod session;
mod winpw;

use crate::config::{Action, KeyChord};
use crate::tui::msg::{Effect, Msg, Request};
use crate::tui::state::geometry as layout;
use crate::tui::state::{Level, Mode, Pending, ProjectLoad, State};
use crossterm::event::KeyEventKind;

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let effects = apply(state, msg);
    settle(state);
    effects
}

/// [`update`] without [`settle`]: the runtime applies a burst of worker events this way and
/// settles once before it reads keys or draws, so the view is placed once per burst rather
/// than once per event.
pub fn apply(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mode_before = std::mem::discriminant(&state.mode);
    let effects = match msg {
        // Only presses act: a release or an auto-repeat must never submit twice.
        Msg::Key(key) if key.kind != KeyEventKind::Press => Vec::new(),
        // The screen shows only "too small": a key must not act on a dialog nobody can see.
        Msg::Key(key) if layout::too_small(state.size) => {
            let chord = KeyChord::from_event(&key);
            if state.keys.lookup(&chord) == Some(Action::Quit) {
                quit(state)
            } else {
                Vec::new()
            }
        }
        Msg::Key(key) => match state.mode {
            Mode::Form(_) => form::on_key(state, key),
            Mode::Confirm(_) => confirm::on_key(state, key),
            Mode::Palette(_) => palette::on_key(state, key),
            Mode::WindowsPassword(_) => winpw::on_key(state, key),
            _ => browse::on_key(state, key),
        },
        Msg::Mouse(_) if layout::too_small(state.size) => Vec::new(),
        Msg::Mouse(ev) => mouse::on_mouse(state, ev),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            Vec::new()
        }
        Msg::Tick(now) => {
            state.now = now;
            Vec::new()
        }
        Msg::Worker(event) => events::on_event(state, event),
        Msg::SwitchProfile(name) => {
            browse::switch_profile(state, name);
            Vec::new()
        }
        Msg::ConfigReloaded(fresh) => session::reloaded(state, *fresh),
        Msg::ReloadFailed(error) => {
            session::reload_failed(state, error);
            Vec::new()
        }
        Msg::CsvSaved { rows, outcome } => {
            csv::saved(state, rows, outcome);
            Vec::new()
        }
        Msg::Undelivered(id) => {
            state.pending.remove(&id);
            state.notice(
                Level::Error,
                "the background worker is busy or gone; try again",
            );
            Vec::new()
        }
    };
    if std::mem::discriminant(&state.mode) != mode_before {
        state.popup_scroll = 0;
    }
    effects
}

/// Brings the visible rows and the scroll position up to date with what was applied.
pub fn settle(state: &mut State) {
    state.table.sync();
    let rows = layout::table_rows(state);
    state.table.scroll_into_view(rows);
}

/// The first effects of a session: list every project and check the flags.
pub fn start(state: &mut State) -> Vec<Effect> {
    let effects = load(state, Pending::Load);
    state.table.sync();
    effects
}

/// Starts a (re)list of every project, superseding any list or audit still running: their
/// late events carry an id the state no longer waits for and are dropped.
pub(crate) fn load(state: &mut State, kind: Pending) -> Vec<Effect> {
    if state.projects.is_empty() {
        state.notice(
            Level::Warn,
            "no projects configured: add a [[projects]] entry with a region to the config file",
        );
        return Vec::new();
    }
    state
        .pending
        .retain(|_, p| !matches!(p, Pending::Load | Pending::Audit));
    state.table.abort_lists();
    let id = state.fresh_id();
    state.pending.insert(id, kind);
    for p in &mut state.projects {
        p.load = ProjectLoad::Loading;
    }
    let projects = state.project_specs();
    let request = if kind == Pending::Audit {
        state.audit = Some(crate::tui::state::audit::AuditProgress::new(
            id,
            projects.len(),
            state.now,
        ));
        Request::Audit { id, projects }
    } else {
        Request::Load { id, projects }
    };
    vec![Effect::Api(request)]
}

/// Quits, unless a reset is in flight and this is the first `q`: then it asks again.
pub(crate) fn quit(state: &mut State) -> Vec<Effect> {
    if state.resets_in_flight() && !state.quit_armed {
        state.quit_armed = true;
        state.notice(
            Level::Warn,
            "a reset is still in flight: its result would not be shown; press quit again to quit",
        );
        return Vec::new();
    }
    if let Mode::Form(form) = &mut state.mode {
        form.clear();
    }
    state.mode = Mode::Browse;
    vec![Effect::Quit]
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_copy;
#[cfg(test)]
mod tests_filter;
#[cfg(test)]
mod tests_form;
#[cfg(test)]
mod tests_k9s;
#[cfg(test)]
mod tests_session;
#[cfg(test)]
mod tests_small;
#[cfg(test)]
mod tests_submit;
#[cfg(test)]
mod tests_winpw;
