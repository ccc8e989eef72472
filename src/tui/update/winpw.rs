//! The "show Windows password" dialog: open it on a Windows server, type the key file's path,
//! see the decrypted password, then clear the stored copy (`y`) or keep it (anything else).
//! The password arrives in [`Event::WindowsPassword`] and lives only in the dialog's state.

use super::{quit, reset};
use crate::config::{Action, KeyChord};
use crate::tui::msg::{Effect, Event, Request};
use crate::tui::state::winpw::{Clear, Stage, WinPw};
use crate::tui::state::{Level, Mode, Pending, State};
use crossterm::event::{KeyCode, KeyEvent};

/// Opens the dialog for the selected server, if it is a Windows server of a known project.
pub fn open(state: &mut State) {
    let Some(row) = state.table.selected() else {
        return;
    };
    let os = row.os().unwrap_or("an unknown OS");
    if !os.trim().eq_ignore_ascii_case("windows") {
        let text = format!(
            "{} runs {os}: only Windows servers created with a key pair have a stored \
             initial password",
            row.name()
        );
        state.notice(Level::Warn, text);
        return;
    }
    let id = row.id().to_owned();
    let Some(target) = reset::targets_of(state, &[id]).pop() else {
        state.notice(
            Level::Warn,
            "the project of this server is not resolved yet",
        );
        return;
    };
    let path = state.windows_key_path.clone();
    state.notice = None;
    state.mode = Mode::WindowsPassword(Box::new(WinPw::new(target, path)));
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let chord = KeyChord::from_event(&key);
    let Mode::WindowsPassword(dialog) = &mut state.mode else {
        return Vec::new();
    };
    match &dialog.stage {
        Stage::Path => return path_key(state, key, &chord),
        Stage::Shown {
            clear: Clear::Offered,
            ..
        } if matches!(key.code, KeyCode::Char('y' | 'Y')) => return clear(state),
        _ => {}
    }
    match state.keys.lookup(&chord) {
        Some(Action::Quit) => quit(state),
        // Closing drops the dialog, and with it the password (zeroized).
        _ if dialog.waiting_for().is_none()
            || state.keys.lookup(&chord) == Some(Action::Cancel) =>
        {
            state.mode = Mode::Browse;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn path_key(state: &mut State, key: KeyEvent, chord: &KeyChord) -> Vec<Effect> {
    let Mode::WindowsPassword(dialog) = &mut state.mode else {
        return Vec::new();
    };
    if chord.types_text() {
        if let KeyCode::Char(c) = key.code {
            dialog.key_path.push(c);
        }
        return Vec::new();
    }
    match key.code {
        KeyCode::Backspace => {
            dialog.key_path.pop();
            return Vec::new();
        }
        KeyCode::Enter if !dialog.key_path.trim().is_empty() => return fetch(state),
        _ => {}
    }
    match state.keys.lookup(chord) {
        Some(Action::Cancel) => state.mode = Mode::Browse,
        Some(Action::Quit) => return quit(state),
        _ => {}
    }
    Vec::new()
}

fn fetch(state: &mut State) -> Vec<Effect> {
    let id = state.fresh_id();
    let Mode::WindowsPassword(dialog) = &mut state.mode else {
        return Vec::new();
    };
    let path = dialog.key_path.trim().to_owned();
    dialog.stage = Stage::Fetching(id);
    let target = dialog.target.clone();
    state.windows_key_path.clone_from(&path);
    state.pending.insert(id, Pending::WindowsPassword);
    vec![Effect::Api(Request::WindowsPassword {
        id,
        target,
        key: expand_home(&path),
    })]
}

/// `~/x` is in the home directory, as in the config; anything else is taken as typed.
fn expand_home(path: &str) -> std::path::PathBuf {
    if let Some(rest) = path.strip_prefix("~/")
        && let Some(home) = directories::BaseDirs::new()
    {
        return home.home_dir().join(rest);
    }
    path.into()
}

fn clear(state: &mut State) -> Vec<Effect> {
    let id = state.fresh_id();
    let Mode::WindowsPassword(dialog) = &mut state.mode else {
        return Vec::new();
    };
    let Stage::Shown { clear, .. } = &mut dialog.stage else {
        return Vec::new();
    };
    *clear = Clear::Sending(id);
    let target = dialog.target.clone();
    state.pending.insert(id, Pending::ClearPassword);
    vec![Effect::Api(Request::ClearServerPassword { id, target })]
}

/// Why the stored copy may not be cleared from here, if it may not.
fn clear_refused(state: &State, dialog: &WinPw) -> Option<String> {
    if state.read_only {
        return Some("read-only mode: the stored copy is kept".into());
    }
    dialog.target.protected.then(|| {
        format!(
            "project {} is protected: the stored copy is kept",
            dialog.target.label
        )
    })
}

/// The worker's answers; anything for a dialog that is no longer open is dropped (and the
/// password with it).
pub fn on_event(state: &mut State, event: Event) {
    let refused = match &state.mode {
        Mode::WindowsPassword(d) => clear_refused(state, d),
        _ => None,
    };
    let Mode::WindowsPassword(dialog) = &mut state.mode else {
        return;
    };
    match event {
        Event::WindowsPassword { id, outcome, .. } if dialog.waiting_for() == Some(id) => {
            dialog.stage = match outcome {
                Ok(password) => Stage::Shown {
                    password,
                    clear: refused.map_or(Clear::Offered, Clear::NotOffered),
                },
                Err(why) => Stage::Failed(why),
            };
        }
        Event::ServerPasswordCleared { id, outcome, .. } if dialog.waiting_for() == Some(id) => {
            if let Stage::Shown { clear, .. } = &mut dialog.stage {
                *clear = match outcome {
                    Ok(request_id) => Clear::Cleared(request_id),
                    Err(why) => Clear::Failed(why),
                };
            }
        }
        _ => {}
    }
}
