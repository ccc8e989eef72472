//! Keys in the reset form. Printable keys go to the focused secret field first; only keys
//! that type nothing are looked up as bindings, so `q` types a `q` here.

use super::quit;
use crate::config::{Action, KeyChord};
use crate::password;
use crate::tui::msg::Effect;
use crate::tui::state::form::{Confirm, Field};
use crate::tui::state::{Level, Mode, State};
use crossterm::event::{KeyCode, KeyEvent};

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let chord = KeyChord::from_event(&key);
    let action = state.keys.lookup_form(&chord);
    let State { mode, rng, .. } = state;
    let Mode::Form(form) = mode else {
        return Vec::new();
    };
    // A generated password is shown once; any other key hides it again.
    if form.generated && !matches!(action, Some(Action::Reveal | Action::Generate)) {
        form.generated = false;
        form.reveal = false;
    }
    if action.is_none() && chord.types_text() {
        if let KeyCode::Char(c) = key.code {
            match form.focused_secret() {
                Some(secret) => secret.push(c),
                None if c == ' ' => form.check_password = !form.check_password,
                None => {}
            }
            form.recheck();
        }
        return Vec::new();
    }
    match (action, key.code) {
        (Some(Action::Submit), _) => return submit(state),
        // Enter moves on to the confirmation, or submits once everything is filled in.
        (_, KeyCode::Enter) if form.field == Field::Password && !form.ready() => {
            form.field = Field::Confirm;
        }
        (_, KeyCode::Enter) => return submit(state),
        (_, KeyCode::Backspace) => {
            if let Some(secret) = form.focused_secret() {
                secret.pop();
            }
            form.recheck();
        }
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
        (Some(Action::Generate), _) => {
            let pw = password::generate(rng);
            form.confirm = pw.clone();
            form.password = pw;
            form.reveal = true;
            form.generated = true;
            form.recheck();
        }
        (Some(Action::NextField | Action::FocusNext | Action::Down), _) => {
            form.field = form.field.next();
        }
        (Some(Action::FocusPrev | Action::Up), _) => form.field = form.field.prev(),
        _ => {}
    }
    Vec::new()
}

/// Moves to the confirmation dialog only when every rule passes and the fields match.
fn submit(state: &mut State) -> Vec<Effect> {
    let Mode::Form(form) = &state.mode else {
        return Vec::new();
    };
    if let Some(fail) = form.checklist.first_failure() {
        let text = format!(
            "cannot submit: {} (marked ✗ in the checklist)",
            fail.rule.label()
        );
        state.notice(Level::Warn, text);
        return Vec::new();
    }
    if !form.confirmation_matches() {
        state.notice(
            Level::Warn,
            "cannot submit: the confirmation does not match the password",
        );
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
