//! Keys in the `:` palette and what a chosen command does. Typed characters always go into
//! the input (so `q` or `j` can be searched for); the arrows, tab, enter and backspace edit
//! and choose; the cancel key closes it, ctrl-c still quits.

use super::{browse, quit};
use crate::config::{Action, Column, KeyChord, View};
use crate::tui::msg::Effect;
use crate::tui::state::palette::{self, Candidate, Command, Palette};
use crate::tui::state::table::SortKey;
use crate::tui::state::{Level, Mode, State};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Opens the palette with an empty input.
pub fn open(state: &mut State) {
    state.mode = Mode::Palette(Box::default());
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let chord = KeyChord::from_event(&key);
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let Mode::Palette(p) = &mut state.mode else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Char(c) if chord.types_text() => {
            p.input.push(c);
            p.selected = 0;
        }
        KeyCode::Char('u') if ctrl => {
            p.input.clear();
            p.selected = 0;
        }
        KeyCode::Backspace => {
            p.input.pop();
            p.selected = 0;
        }
        KeyCode::Up | KeyCode::BackTab => p.selected = p.selected.saturating_sub(1),
        KeyCode::Char('p') if ctrl => p.selected = p.selected.saturating_sub(1),
        KeyCode::Down => p.selected += 1,
        KeyCode::Char('n') if ctrl => p.selected += 1,
        KeyCode::Tab => complete(state),
        KeyCode::Enter => return choose(state),
        _ => match state.keys.lookup(&chord) {
            Some(Action::Cancel) => state.mode = Mode::Browse,
            Some(Action::Quit) => return quit(state),
            _ => {}
        },
    }
    clamp(state);
    Vec::new()
}

/// The candidates for the palette's input, best first.
pub fn matches(state: &State, p: &Palette) -> Vec<Candidate> {
    palette::matches(&state.palette_context(), &p.input)
}

fn clamp(state: &mut State) {
    let Mode::Palette(p) = &state.mode else {
        return;
    };
    let n = matches(state, p).len();
    if let Mode::Palette(p) = &mut state.mode {
        p.selected = p.selected.min(n.saturating_sub(1));
    }
}

fn selected(state: &State) -> Option<Candidate> {
    let Mode::Palette(p) = &state.mode else {
        return None;
    };
    matches(state, p).into_iter().nth(p.selected)
}

/// Tab: the input becomes the highlighted candidate, ready for an argument or enter.
fn complete(state: &mut State) {
    let Some(c) = selected(state) else { return };
    let text = match c.command {
        Command::EditColumns => edit_columns_text(state, &c),
        _ => c.label,
    };
    if let Mode::Palette(p) = &mut state.mode {
        p.input = text;
        p.selected = 0;
    }
}

fn edit_columns_text(state: &State, c: &Candidate) -> String {
    if c.error.is_some() {
        return c.label.clone();
    }
    let now = state.columns.as_deref().unwrap_or(&Column::ALL);
    format!("columns {}", palette::list(now))
}

fn choose(state: &mut State) -> Vec<Effect> {
    let Some(c) = selected(state) else {
        state.notice(Level::Warn, "no command matches; esc closes the palette");
        return Vec::new();
    };
    if let Some(e) = &c.error {
        state.notice(Level::Error, format!("{}: {e}", c.label));
        return Vec::new();
    }
    if c.command == Command::EditColumns {
        let text = edit_columns_text(state, &c);
        if let Mode::Palette(p) = &mut state.mode {
            p.input = text;
            p.selected = 0;
        }
        state.notice(Level::Info, "edit the list (commas or spaces), then enter");
        return Vec::new();
    }
    state.mode = Mode::Browse;
    run(state, c.command)
}

/// Does what a palette command says; also used for saved views chosen elsewhere.
pub fn run(state: &mut State, command: Command) -> Vec<Effect> {
    match command {
        Command::Action(a) => return browse::act(state, a),
        Command::Project(p) => {
            state.table.set_project_filter(p);
            let text = p.map_or_else(
                || "showing every project".to_owned(),
                |i| format!("showing project {}", state.projects[i].place()),
            );
            state.notice(Level::Info, text);
        }
        Command::Profile(name) => browse::switch_profile(state, name),
        Command::Theme(t) => {
            state.theme = t;
            let text = if state.mono {
                format!("theme {}: NO_COLOR is set, so no colours", t.name())
            } else {
                format!("theme {}", t.name())
            };
            state.notice(Level::Info, text);
        }
        Command::View(i) => {
            if let Some(v) = state.views.get(i).cloned() {
                apply_view(state, &v);
            }
        }
        Command::Columns(cols) => {
            let text = cols.as_deref().map_or_else(
                || "columns: every one that fits".to_owned(),
                |c| format!("columns: {}", palette::list(c)),
            );
            state.columns = cols;
            state.notice(Level::Info, text);
        }
        Command::EditColumns => {}
    }
    Vec::new()
}

/// What a saved view sets; the parts it leaves out stay as they are.
pub fn apply_view(state: &mut State, v: &View) {
    if let Some(f) = &v.filter {
        state.table.set_filter(f.clone());
    }
    if let Some((col, desc)) = v.sort
        && let Some(key) = sort_key(col)
    {
        state.table.set_sort(key, desc);
    }
    if let Some(cols) = &v.columns {
        state.columns = Some(cols.clone());
    }
    state.notice(Level::Info, format!("view {}", v.name));
}

/// The sort key of a sortable column.
pub fn sort_key(col: Column) -> Option<SortKey> {
    Some(match col {
        Column::Name => SortKey::Name,
        Column::Status => SortKey::Status,
        Column::Os => SortKey::Os,
        Column::Ip => SortKey::Ip,
        Column::Project => SortKey::Project,
        Column::Flag => SortKey::Flag,
        Column::Age => SortKey::Checked,
        Column::Id | Column::Az => return None,
    })
}
