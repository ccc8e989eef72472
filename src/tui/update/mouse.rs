//! Mouse events, when the operator opted in: a click selects a row (or sorts by the header
//! clicked), the wheel moves through the table, the log or a popup. Dialogs that change
//! something (form, confirmation) ignore the mouse: a stray click must never press a button.

use crate::tui::msg::Effect;
use crate::tui::state::geometry::{self, log_rows, screen};
use crate::tui::state::{Focus, Mode, State};
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

/// Rows one wheel notch moves.
const WHEEL: isize = 3;

pub fn on_mouse(state: &mut State, ev: MouseEvent) -> Vec<Effect> {
    if !state.mouse {
        return Vec::new();
    }
    let at = Position::new(ev.column, ev.row);
    let notch = match ev.kind {
        MouseEventKind::ScrollDown => WHEEL,
        MouseEventKind::ScrollUp => -WHEEL,
        MouseEventKind::Down(MouseButton::Left) => {
            if matches!(state.mode, Mode::Browse) {
                click(state, at);
            }
            return Vec::new();
        }
        _ => return Vec::new(),
    };
    match &mut state.mode {
        Mode::Browse => wheel(state, at, notch),
        Mode::Help { scroll } => *scroll = scroll.saturating_add_signed(notch),
        Mode::Details | Mode::AuditSummary | Mode::Message { .. } | Mode::Results(_) => {
            state.popup_scroll = state.popup_scroll.saturating_add_signed(notch).min(500);
        }
        _ => {}
    }
    Vec::new()
}

fn wheel(state: &mut State, at: Position, notch: isize) {
    let a = screen(state);
    if let Some(log) = a.log
        && log.contains(at)
    {
        // The log counts from its newest line: wheel down goes towards it.
        let page = log_rows(state);
        state.log.scroll_by(-notch, page);
    } else if a.table.contains(at) {
        state.table.move_by(notch);
    }
}

fn click(state: &mut State, at: Position) {
    let a = screen(state);
    if let Some(log) = a.log
        && log.contains(at)
    {
        state.focus = Focus::Log;
        return;
    }
    let t = a.table;
    if !t.contains(at) {
        return;
    }
    state.focus = Focus::Servers;
    if at.y == t.y + 1 {
        if let Some(key) = geometry::sort_at(state, t, at.x) {
            let (now, desc) = state.table.sort();
            state.table.set_sort(key, now == key && !desc);
        }
        return;
    }
    let first = t.y + 2;
    if at.y < first || at.y + 1 >= t.bottom() {
        return;
    }
    let pos = state.table.offset() + usize::from(at.y - first);
    if pos < state.table.view().len() {
        let delta = pos as isize - state.table.cursor() as isize;
        state.table.move_by(delta);
    }
}
