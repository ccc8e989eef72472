//! Keys in the reset form. Printable keys go to the focused secret field first; only keys
//! that type nothing are looked up as bindings, so `q` types a `q` here.

use super::quit;
use crate::config::{Action, KeyChord};
use crate::password;
use crate::tui::msg::Effect;
use crate::tui::state::form::{Confirm, Edit, Field};
use crate::tui::state::{Level, Mode, State};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let effects = form_key(state, key);
    refresh_blocker(state);
    effects
}

/// A "cannot submit" warning follows the form: it goes once the reason is gone, and says
/// the new reason when another one is first now.
fn refresh_blocker(state: &mut State) {
    let Mode::Form(form) = &state.mode else {
        return;
    };
    let stale = state
        .notice
        .as_ref()
        .is_some_and(|n| n.level == Level::Warn && n.text.starts_with(CANNOT));
    if stale {
        match blocker(form) {
            Some(text) => state.notice(Level::Warn, text),
            None => state.notice = None,
        }
    }
}

const CANNOT: &str = "cannot submit: ";

/// Why the form cannot be submitted yet, if it cannot.
fn blocker(form: &crate::tui::state::form::Form) -> Option<String> {
    if form.sealed {
        return None;
    }
    if let Some(fail) = form.checklist.first_failure() {
        return Some(format!(
            "{CANNOT}{} (marked ✗ in the checklist)",
            fail.label
        ));
    }
    (!form.confirmation_matches())
        .then(|| format!("{CANNOT}the confirmation does not match the password"))
}

/// The line-editing key a chord is in the form, wherever the focus is.
fn edit_of(action: Option<Action>, key: &KeyEvent, field: Field) -> Option<Edit> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match (action, key.code) {
        (_, KeyCode::Backspace) => Some(Edit::Backspace),
        (_, KeyCode::Delete) => Some(Edit::Delete),
        (_, KeyCode::Left) => Some(Edit::Left),
        (_, KeyCode::Right) => Some(Edit::Right),
        (None, KeyCode::Char('u')) if ctrl => Some(Edit::KillToStart),
        (None, KeyCode::Char('w')) if ctrl => Some(Edit::KillWord),
        (Some(Action::Top), _) | (_, KeyCode::Home) if field != Field::Check => Some(Edit::Home),
        (Some(Action::Bottom), _) | (_, KeyCode::End) if field != Field::Check => Some(Edit::End),
        _ => None,
    }
}

fn form_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let chord = KeyChord::from_event(&key);
    let action = state.keys.lookup_form(&chord);
    let can_seal = state.escrow.is_some();
    let generate_key = state.key_of(Action::Generate);
    let State { mode, rng, .. } = state;
    let Mode::Form(form) = mode else {
        return Vec::new();
    };
    if form.sealed && action.is_none() && chord.types_text() {
        state.notice(
            Level::Info,
            format!(
                "each server gets its own sealed password: nothing to type \
                 ({generate_key} for one password for all instead)"
            ),
        );
        return Vec::new();
    }
    // A generated password is shown once; any other key hides it again.
    if form.generated && !matches!(action, Some(Action::Reveal | Action::Generate)) {
        form.generated = false;
        form.reveal = false;
    }
    if action.is_none() && chord.types_text() {
        if let KeyCode::Char(c) = key.code {
            if form.field == Field::Check {
                if c == ' ' {
                    form.check_password = !form.check_password;
                }
            } else if !form.type_char(c) {
                let text = format!(
                    "the API takes at most {} characters; that key was not typed",
                    password::MAX_LEN
                );
                form.recheck();
                state.notice(Level::Warn, text);
                return Vec::new();
            }
            form.recheck();
        }
        return Vec::new();
    }
    if let Some(edit) = edit_of(action, &key, form.field) {
        form.edit(edit);
        form.recheck();
        return Vec::new();
    }
    match (action, key.code) {
        (Some(Action::Submit), _) => return submit(state),
        // Enter moves on to the confirmation, or submits once everything is filled in.
        (_, KeyCode::Enter) if form.field == Field::Password && !form.ready() => {
            form.focus(Field::Confirm);
        }
        (_, KeyCode::Enter) => return submit(state),
        (Some(Action::Cancel), _) => {
            form.clear();
            state.mode = Mode::Browse;
            state.notice(
                Level::Info,
                "reset cancelled; the typed password was discarded",
            );
        }
        (Some(Action::Quit), _) => return quit(state),
        (Some(Action::Reveal), _) => {
            form.reveal = !form.reveal;
            form.generated = false;
        }
        // With an escrow and several servers, the first press offers unique sealed
        // passwords; the next one a single generated password for all, and so on.
        (Some(Action::Generate), _) if can_seal && !form.sealed && form.targets.len() > 1 => {
            form.clear();
            form.sealed = true;
        }
        (Some(Action::Generate), _) => {
            form.sealed = false;
            let pw = password::generate(rng);
            form.confirm = pw.clone();
            form.password = pw;
            form.cursor = form.focused_secret().map_or(0, |s| s.len());
            form.reveal = true;
            form.generated = true;
            form.recheck();
        }
        (Some(Action::NextField | Action::FocusNext | Action::Down), _) => {
            form.focus(form.field.next());
        }
        (Some(Action::FocusPrev | Action::Up), _) => form.focus(form.field.prev()),
        _ => {}
    }
    Vec::new()
}

/// Moves to the confirmation dialog only when every rule passes and the fields match.
fn submit(state: &mut State) -> Vec<Effect> {
    let Mode::Form(form) = &state.mode else {
        return Vec::new();
    };
    if let Some(text) = blocker(form) {
        state.notice(Level::Warn, text);
        return Vec::new();
    }
    let Mode::Form(form) = std::mem::replace(&mut state.mode, Mode::Browse) else {
        return Vec::new();
    };
    state.notice = None;
    // Pre-flight of exactly these servers; the confirmation lists what it refuses.
    let id = state.fresh_id();
    let targets = super::reset::targets_of(state, &form.targets);
    state.pending.insert(id, crate::tui::state::Pending::Check);
    state.mode = Mode::Confirm(Box::new(Confirm::new(*form, id)));
    vec![Effect::Api(crate::tui::msg::Request::Check { id, targets })]
}
