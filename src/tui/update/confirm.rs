//! Keys in the confirmation dialog. It opens on Cancel; with several servers the operator
//! must type their number before Proceed does anything.

use super::{quit, reset};
use crate::config::{Action, KeyChord};
use crate::tui::msg::Effect;
use crate::tui::state::form::{Button, Preflight};
use crate::tui::state::{Level, Mode, State};
use crossterm::event::{KeyCode, KeyEvent};

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let chord = KeyChord::from_event(&key);
    let action = state.keys.lookup(&chord);
    let Mode::Confirm(dialog) = &mut state.mode else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Char(c) if c.is_ascii_digit() && chord.types_text() => {
            if dialog.needs_count() && dialog.count.len() < 6 {
                dialog.count.push(c);
            }
            return Vec::new();
        }
        KeyCode::Backspace => {
            dialog.count.pop();
            return Vec::new();
        }
        KeyCode::Left | KeyCode::Right | KeyCode::Tab | KeyCode::BackTab => {
            dialog.button = match dialog.button {
                Button::Cancel => Button::Proceed,
                Button::Proceed => Button::Cancel,
            };
            return Vec::new();
        }
        KeyCode::Up | KeyCode::Down => {
            dialog.reboot = dialog.reboot.cycle(key.code == KeyCode::Down);
            return Vec::new();
        }
        KeyCode::PageDown => {
            dialog.scroll = dialog.scroll.saturating_add(5);
            return Vec::new();
        }
        KeyCode::PageUp => {
            dialog.scroll = dialog.scroll.saturating_sub(5);
            return Vec::new();
        }
        KeyCode::Enter if dialog.button == Button::Proceed => return proceed(state),
        KeyCode::Enter => return back_to_form(state),
        _ => {}
    }
    match action {
        Some(Action::Cancel) => back_to_form(state),
        Some(Action::Quit) if !chord.types_text() => quit(state),
        _ => Vec::new(),
    }
}

fn back_to_form(state: &mut State) -> Vec<Effect> {
    if let Mode::Confirm(dialog) = std::mem::replace(&mut state.mode, Mode::Browse) {
        state.mode = Mode::Form(Box::new(dialog.form));
        state.notice(
            Level::Info,
            "not sent; back in the form (esc again to discard)",
        );
    }
    Vec::new()
}

fn proceed(state: &mut State) -> Vec<Effect> {
    let Mode::Confirm(dialog) = &state.mode else {
        return Vec::new();
    };
    if let Preflight::Pending(_) = dialog.check {
        state.notice(
            Level::Warn,
            "pre-flight is still checking the servers; wait for its answer",
        );
        return Vec::new();
    }
    if dialog.sendable().is_empty() {
        state.notice(
            Level::Warn,
            "pre-flight refused every server: nothing to send (see the reasons)",
        );
        return Vec::new();
    }
    if !dialog.count_ok() {
        let n = dialog.sendable().len();
        state.notice(
            Level::Warn,
            format!("type {n}, the number of servers, to confirm"),
        );
        return Vec::new();
    }
    let Mode::Confirm(dialog) = std::mem::replace(&mut state.mode, Mode::Browse) else {
        return Vec::new();
    };
    reset::send(state, *dialog)
}
