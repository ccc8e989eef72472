//! Keys outside the reset form: the table, the filter, and the read-only popups.

use super::{csv, load, palette, quit, reset};
use crate::config::{Action, KeyChord};
use crate::tui::msg::Effect;
use crate::tui::state::geometry as layout;
use crate::tui::state::{Focus, Level, Mode, Pending, State};
use crossterm::event::{KeyCode, KeyEvent};

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let chord = KeyChord::from_event(&key);
    if matches!(state.mode, Mode::Filter) {
        return filter_key(state, key, &chord);
    }
    let Some(action) = state.keys.lookup(&chord) else {
        return Vec::new();
    };
    if action != Action::Quit {
        state.quit_armed = false;
    }
    match state.mode {
        Mode::Help { .. } => help(state, action),
        Mode::Details | Mode::AuditSummary | Mode::Message { .. } => popup(state, action),
        Mode::Results(_) => results(state, action),
        _ => act(state, action),
    }
}

/// What an action does in the list; the palette runs its actions through here too.
pub(super) fn act(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => return quit(state),
        Action::Help => state.mode = Mode::Help { scroll: 0 },
        Action::Refresh => return load(state, Pending::Load),
        Action::ReloadConfig => return reload_config(state),
        Action::Audit => {
            state.notice(
                Level::Info,
                "audit started: checking every server's reset flag",
            );
            return load(state, Pending::Audit);
        }
        Action::Filter => state.mode = Mode::Filter,
        Action::Sort => state.table.cycle_sort(),
        Action::Mark => {
            state.table.toggle_mark();
            state.table.move_by(1);
        }
        Action::MarkAll => state.table.mark_all_visible(),
        Action::MarkSupported => mark_supported(state),
        Action::Copy => return copy(state),
        Action::Details if state.table.selected().is_some() => state.mode = Mode::Details,
        Action::Reset => reset::open_form(state),
        Action::WindowsPassword => super::winpw::open(state),
        Action::LastMessage => last_message(state),
        Action::ToggleLog => {
            // Showing the log keeps the keys on the table; tab moves them to the log.
            state.show_log = !state.show_log;
            state.focus = Focus::Servers;
        }
        Action::FocusNext | Action::FocusPrev if state.show_log => {
            state.focus = match state.focus {
                Focus::Servers => Focus::Log,
                Focus::Log => Focus::Servers,
            };
        }
        Action::ToggleProject => cycle_project(state),
        Action::Palette => palette::open(state),
        Action::SaveCsv => return csv::save(state),
        Action::ToggleProfile => cycle_profile(state),
        Action::Cancel => cancel(state),
        other => navigate(state, other),
    }
    Vec::new()
}

/// Copies the selected server's id; pressed again on the same server, its name, then its
/// address. Only what the table shows leaves, never anything from the form.
fn copy(state: &mut State) -> Vec<Effect> {
    let Some(row) = state.table.selected() else {
        return Vec::new();
    };
    let id = row.id().to_owned();
    let turn = match &state.copied {
        Some((last, n)) if *last == id => (n + 1) % 3,
        _ => 0,
    };
    let (what, text) = match turn {
        0 => ("id", id.clone()),
        1 => ("name", row.name().to_owned()),
        _ => ("address", row.private_ip().unwrap_or("").to_owned()),
    };
    state.copied = Some((id, turn));
    if text.is_empty() {
        state.notice(Level::Info, format!("this server has no {what} to copy"));
        return Vec::new();
    }
    let shown = crate::report::fit(&text, 40);
    state.notice(
        Level::Info,
        format!("copied the {what} {shown} (OSC 52); again for the next field"),
    );
    vec![Effect::Copy(text)]
}

fn mark_supported(state: &mut State) {
    let before = state.table.marked.len();
    let n = state.table.mark_supported_visible();
    let text = match n {
        0 => "no visible server supports one-click reset; nothing marked".to_owned(),
        n if state.table.marked.len() < before => format!("unmarked {n} supported servers"),
        n => format!(
            "marked {n} supported servers ({} marked in all)",
            state.table.marked.len()
        ),
    };
    state.notice(Level::Info, text);
}

fn cancel(state: &mut State) {
    if !state.table.filter().is_empty() {
        state.table.set_filter(String::new());
    } else if state.focus == Focus::Log {
        state.focus = Focus::Servers;
    } else {
        state.notice = None;
    }
}

fn cycle_project(state: &mut State) {
    let n = state.projects.len();
    let next = match state.table.project_filter() {
        None if n > 0 => Some(0),
        Some(i) if i + 1 < n => Some(i + 1),
        _ => None,
    };
    state.table.set_project_filter(next);
}

/// The profile names of the loaded projects, in order of first appearance.
fn cycle_profile(state: &mut State) {
    let names = state.profile_names();
    if names.len() < 2 {
        state.notice(Level::Info, "one profile is loaded: nothing to switch");
        return;
    }
    let next = match state.table.profile_filter() {
        None => Some(names[0].clone()),
        Some(cur) => match names.iter().position(|n| n == cur) {
            Some(i) if i + 1 < names.len() => Some(names[i + 1].clone()),
            _ => None,
        },
    };
    switch_profile(state, next);
}

/// Shows one profile's servers (or all); a project filter of another profile is dropped.
pub(super) fn switch_profile(state: &mut State, name: Option<String>) {
    if let Some(n) = &name
        && !state.profile_names().contains(n)
    {
        state.notice(
            Level::Warn,
            format!(
                "no profile {n:?} is loaded; known: {}",
                state.profile_names().join(", ")
            ),
        );
        return;
    }
    if let (Some(n), Some(p)) = (&name, state.table.project_filter())
        && state.profile_name(p) != n
    {
        state.table.set_project_filter(None);
    }
    let text = match &name {
        Some(n) => format!("profile {n} only"),
        None => "every profile".to_owned(),
    };
    state.table.set_profile_filter(name);
    state.notice(Level::Info, text);
}

/// Cursor movement for the focused pane.
pub(super) fn navigate(state: &mut State, action: Action) {
    let page = layout::table_rows(state).max(1) as isize;
    let delta = match action {
        Action::Up => -1,
        Action::Down => 1,
        Action::PageUp => -page,
        Action::PageDown => page,
        Action::Top => isize::MIN / 2,
        Action::Bottom => isize::MAX / 2,
        _ => return,
    };
    if state.focus == Focus::Log && state.show_log {
        // The log counts from the newest line, so "down" scrolls towards it.
        let page = layout::log_rows(state);
        state.log.scroll_by(-delta, page);
        return;
    }
    match action {
        Action::Top => state.table.top(),
        Action::Bottom => state.table.bottom(),
        _ => state.table.move_by(delta),
    }
}

fn filter_key(state: &mut State, key: KeyEvent, chord: &KeyChord) -> Vec<Effect> {
    if chord.types_text() {
        if let KeyCode::Char(c) = key.code {
            let mut f = state.table.filter().to_owned();
            f.push(c);
            state.table.set_filter(f);
        }
        return Vec::new();
    }
    match key.code {
        KeyCode::Backspace => {
            let mut f = state.table.filter().to_owned();
            f.pop();
            state.table.set_filter(f);
            return Vec::new();
        }
        KeyCode::Enter => {
            state.mode = Mode::Browse;
            return Vec::new();
        }
        _ => {}
    }
    match state.keys.lookup(chord) {
        Some(Action::Cancel) => {
            state.table.set_filter(String::new());
            state.mode = Mode::Browse;
        }
        Some(Action::Quit) => return quit(state),
        Some(nav) => navigate(state, nav),
        None => {}
    }
    Vec::new()
}

/// Asks the runtime to read the config again, unless a reset is in flight: its results would
/// land on a state that no longer knows the request.
fn reload_config(state: &mut State) -> Vec<Effect> {
    if state.pending.values().any(|p| *p == Pending::Reset) {
        state.notice(
            Level::Warn,
            "a reset is in flight: reload the config once it has finished",
        );
        return Vec::new();
    }
    state.notice(Level::Info, "reloading the config…");
    vec![Effect::ReloadConfig]
}

fn help(state: &mut State, action: Action) -> Vec<Effect> {
    let Mode::Help { scroll } = &mut state.mode else {
        return Vec::new();
    };
    match action {
        Action::Quit => return quit(state),
        Action::Help | Action::Cancel | Action::Details => state.mode = Mode::Browse,
        Action::Up => *scroll = scroll.saturating_sub(1),
        Action::Down => *scroll += 1,
        Action::PageUp => *scroll = scroll.saturating_sub(10),
        Action::PageDown => *scroll += 10,
        Action::Top => *scroll = 0,
        _ => {}
    }
    Vec::new()
}

fn popup(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => return quit(state),
        Action::Cancel | Action::Details => state.mode = Mode::Browse,
        Action::Help => state.mode = Mode::Help { scroll: 0 },
        Action::Copy if matches!(state.mode, Mode::Details) => return copy(state),
        Action::WindowsPassword if matches!(state.mode, Mode::Details) => {
            super::winpw::open(state);
        }
        // In the details, up and down go to the next server; paging scrolls the popup.
        Action::Up | Action::Down if matches!(state.mode, Mode::Details) => {
            navigate(state, action);
            state.popup_scroll = 0;
        }
        Action::Up => state.popup_scroll = state.popup_scroll.saturating_sub(1),
        Action::Down => state.popup_scroll += 1,
        Action::PageUp => state.popup_scroll = state.popup_scroll.saturating_sub(10),
        Action::PageDown => state.popup_scroll += 10,
        Action::Top => state.popup_scroll = 0,
        _ => {}
    }
    // The drawing clamps the offset; this keeps "up" working right after a long "down".
    state.popup_scroll = state.popup_scroll.min(500);
    Vec::new()
}

/// Enter does nothing here on purpose: a second Enter after the confirmation must not act.
fn results(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => return quit(state),
        Action::Cancel => state.mode = Mode::Browse,
        Action::ToggleLog => state.show_log = !state.show_log,
        Action::Up => state.popup_scroll = state.popup_scroll.saturating_sub(1),
        Action::Down => state.popup_scroll = (state.popup_scroll + 1).min(10_000),
        _ => {}
    }
    Vec::new()
}

/// The status line cuts a long message to its width; this shows all of it.
fn last_message(state: &mut State) {
    let text = state
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .or_else(|| state.last_error.clone());
    match text {
        Some(text) => {
            state.popup_scroll = 0;
            state.mode = Mode::Message {
                title: "Last message (esc closes)".into(),
                text,
            };
        }
        None => state.notice(Level::Info, "no message to show"),
    }
}
