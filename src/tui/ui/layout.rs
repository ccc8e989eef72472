//! Where each pane goes. Shared by drawing and by `update`, which needs the table height to
//! page and scroll.

use crate::tui::state::State;
use ratatui::layout::{Constraint, Layout, Rect};

/// The smallest terminal that shows every control of every mode (the snapshot tests at this
/// size prove it). Below it the screen says so, and keys other than quit do nothing.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

pub struct Areas {
    pub header: Rect,
    pub table: Rect,
    pub log: Option<Rect>,
    pub gauge: Option<Rect>,
    pub status: Rect,
    pub hints: Rect,
}

/// `(width, height)` in cells.
pub fn too_small((width, height): (u16, u16)) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

pub fn areas(area: Rect, state: &State) -> Areas {
    let log_height = if state.show_log {
        (area.height / 3).max(6)
    } else {
        0
    };
    let auditing = state.audit.as_ref().is_some_and(|a| !a.finished);
    let [header, table, log, gauge, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(log_height),
        Constraint::Length(u16::from(auditing)),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    Areas {
        header,
        table,
        log: state.show_log.then_some(log),
        gauge: auditing.then_some(gauge),
        status,
        hints,
    }
}

/// Data rows the servers table shows at the current size (borders and header excluded).
pub fn table_rows(state: &State) -> usize {
    let area = Rect::new(0, 0, state.size.0, state.size.1);
    usize::from(areas(area, state).table.height.saturating_sub(3))
}

/// Lines the log pane shows at the current size (borders excluded); 0 when it is hidden.
pub fn log_rows(state: &State) -> usize {
    let area = Rect::new(0, 0, state.size.0, state.size.1);
    areas(area, state)
        .log
        .map_or(0, |r| usize::from(r.height.saturating_sub(2)))
}

/// A centred popup of at most `w` x `h` cells, never larger than `area` minus a margin.
pub fn popup(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2));
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
