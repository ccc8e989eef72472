//! Drawing: a pure function of [`State`]. One file per pane; every API string goes through
//! [`text::clean`] or [`text::fit`] before it reaches a cell.

pub mod audit;
pub mod confirm;
pub mod details;
pub mod form;
pub mod help;
pub mod layout;
pub mod log;
pub mod palette;
pub mod results;
pub mod servers;
pub mod status;
pub mod text;
pub mod theme;
pub mod winpw;

use crate::tui::msg::ResetStatus;
use crate::tui::state::{Mode, State};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use theme::Theme;

pub fn draw(frame: &mut Frame, state: &State) {
    let area = frame.area();
    let theme = Theme::named(state.theme, state.mono);
    if layout::too_small((area.width, area.height)) {
        return too_small(frame, area, state);
    }
    let a = layout::areas(area, state);
    status::header(frame, a.header, state, theme);
    servers::draw(frame, a.table, state, theme);
    if let Some(r) = a.log {
        log::draw(frame, r, state, theme);
    }
    if let Some(r) = a.gauge {
        audit::gauge(frame, r, state, theme);
    }
    status::status(frame, a.status, state, theme);
    status::hints(frame, a.hints, state, theme);
    // Popups cover the panes but never the header, the status line or the key hints.
    let body = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(3),
    );
    match &state.mode {
        Mode::Details => details::draw(frame, body, state, theme),
        Mode::Help { scroll } => help::draw(frame, body, state, *scroll, theme),
        Mode::Form(f) => form::draw(frame, body, state, f, theme),
        Mode::Confirm(c) => confirm::draw(frame, body, state, c, theme),
        Mode::Results(r) => results::draw(frame, body, state, r, theme),
        Mode::WindowsPassword(w) => winpw::draw(frame, body, state, w, theme),
        Mode::AuditSummary => audit::summary(frame, body, state, theme),
        Mode::Message { title, text } => message(frame, body, state, title, text, theme),
        Mode::Palette(p) => palette::draw(frame, body, state, p, theme),
        Mode::Browse | Mode::Filter => {}
    }
}

/// A titled popup with wrapped text, sized to it, scrolling when it is longer.
fn message(frame: &mut Frame, area: Rect, state: &State, title: &str, text: &str, theme: Theme) {
    let lines: Vec<Line> = text
        .lines()
        .map(|l| Line::from(text::clean(l).into_owned()))
        .collect();
    popup_text(frame, area, 96, title, lines, state.popup_scroll, theme);
}

fn too_small(frame: &mut Frame, area: Rect, state: &State) {
    let text = format!(
        "terminal too small (need {}x{}, have {}x{}); keys wait until it is larger, {} quits",
        layout::MIN_WIDTH,
        layout::MIN_HEIGHT,
        area.width,
        area.height,
        status::key_of(state, crate::config::Action::Quit),
    );
    // Wrapped and centred as a block, so a narrow terminal still shows all of it.
    let width = usize::from(area.width.max(1));
    let rows =
        u16::try_from(unicode_width::UnicodeWidthStr::width(text.as_str()).div_ceil(width) + 1)
            .unwrap_or(u16::MAX)
            .min(area.height);
    let rect = Rect::new(area.x, area.y + (area.height - rows) / 2, area.width, rows);
    let p = Paragraph::new(text)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true });
    frame.render_widget(p, rect);
}

/// A centred popup just tall enough for `lines` (plus borders), at most `width` wide. Short
/// of room, blank lines go first; then the middle is cut, never the last line, which holds
/// the dialog's buttons or its verdict.
pub(crate) fn popup_lines(
    frame: &mut Frame,
    area: Rect,
    width: u16,
    title: &str,
    mut lines: Vec<Line<'_>>,
    theme: Theme,
) {
    let room = usize::from(area.height.saturating_sub(2));
    if lines.len() > room {
        lines.retain(|l| l.width() > 0);
    }
    if lines.len() > room && room >= 2 {
        let last = lines.pop();
        let cut = lines.len() + 2 - room;
        lines.truncate(room - 2);
        lines.push(Line::from(Span::styled(
            format!("… {cut} more lines (a taller terminal shows them)"),
            theme.dim(),
        )));
        lines.extend(last);
    }
    let height = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let rect = layout::popup(area, width, height);
    let inner = popup_block(frame, rect, title, theme);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A centred popup of wrapped text that scrolls: `scroll` rows are skipped (clamped to what
/// there is), and the border says when more lies above or below.
pub(crate) fn popup_text(
    frame: &mut Frame,
    area: Rect,
    width: u16,
    title: &str,
    lines: Vec<Line<'_>>,
    scroll: usize,
    theme: Theme,
) {
    let width = width.min(area.width.saturating_sub(2));
    let inner_width = usize::from(width.saturating_sub(4)).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_width).max(1))
        .sum();
    let room = usize::from(area.height.saturating_sub(2));
    let height = u16::try_from(rows.min(room) + 2).unwrap_or(u16::MAX);
    let rect = layout::popup(area, width, height);
    let max_scroll = rows.saturating_sub(room);
    let scroll = scroll.min(max_scroll);
    let inner = popup_block(frame, rect, title, theme);
    if max_scroll > 0 {
        let more = match (scroll > 0, scroll < max_scroll) {
            (true, true) => " ↑↓ more ",
            (true, false) => " ↑ more ",
            _ => " ↓ more ",
        };
        let bottom = Rect::new(
            rect.x + 2,
            rect.bottom() - 1,
            rect.width.saturating_sub(4),
            1,
        );
        frame.render_widget(
            Paragraph::new(Span::styled(more, theme.dim())).alignment(Alignment::Right),
            bottom,
        );
    }
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}

/// Clears the popup area and returns the bordered block's inner area.
pub(crate) fn popup_block(frame: &mut Frame, rect: Rect, title: &str, theme: Theme) -> Rect {
    let block = Block::bordered()
        .title(Span::styled(format!(" {title} "), theme.title()))
        .border_style(theme.border(true))
        .padding(ratatui::widgets::Padding::horizontal(1));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    inner
}

/// "12s", "3m", "5h", "2d": how long ago, for the "checked" column.
pub fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let s = (now - then).num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}

/// The glyph, words and style of a reset status, shared by the results popup and details.
pub fn reset_text(status: &ResetStatus, theme: Theme) -> (String, Style) {
    match status {
        ResetStatus::Sending => ("… sending".into(), theme.pending()),
        ResetStatus::DryRunRejected(e) => (format!("✗ not sent — {e}"), theme.bad()),
        ResetStatus::Accepted => ("✓ accepted — applies after restart".into(), theme.ok()),
        ResetStatus::Failed(e) => (format!("✗ failed — {e}"), theme.bad()),
        ResetStatus::OutcomeUnknown(_) => (
            "? outcome unknown — check the flag/status before retrying".into(),
            theme.warn(),
        ),
        ResetStatus::Rebooting { job_id, status } => (
            format!(
                "↻ accepted; rebooting… job {status} ({})",
                text::fit(job_id, 12)
            ),
            theme.pending(),
        ),
        ResetStatus::Starting { job_id, status } => (
            format!(
                "↻ accepted; starting… job {status} ({})",
                text::fit(job_id, 12)
            ),
            theme.pending(),
        ),
        ResetStatus::Rebooted => (
            "✓ rebooted; the new password applies if the reset plug-in ran".into(),
            theme.ok(),
        ),
        ResetStatus::Started => (
            "✓ started; the new password applies if the reset plug-in ran".into(),
            theme.ok(),
        ),
        ResetStatus::Refused(e) => (format!("✗ refused, not sent — {e}"), theme.bad()),
        ResetStatus::RebootFailed(e) => (
            format!("✗ accepted, but the reboot/start failed — {e}"),
            theme.bad(),
        ),
        ResetStatus::RebootUnknown(e) => (
            format!("? accepted, reboot/start outcome unknown — {e}"),
            theme.warn(),
        ),
    }
}

/// "web-01, web-02, db-1 and 4 more" from server ids, by name where known.
pub fn name_list(state: &State, ids: &[String], show: usize) -> String {
    let names: Vec<String> = ids
        .iter()
        .take(show)
        .map(|id| {
            let row = state.table.get(id);
            let name = row
                .map(super::state::row::Row::name)
                .filter(|n| !n.is_empty())
                .unwrap_or(id);
            text::clean(name).into_owned()
        })
        .collect();
    let mut out = names.join(", ");
    if ids.len() > show {
        out.push_str(&format!(" and {} more", ids.len() - show));
    }
    out
}

/// The accounts a reset changes: `root`, `Administrator`, or both for a mixed selection
/// (an unknown OS counts as Windows, the stricter guess).
pub fn accounts(state: &State, ids: &[String]) -> String {
    let mut names: Vec<&str> = ids
        .iter()
        .map(|id| {
            let os = state.table.get(id).and_then(|r| r.os());
            crate::password::OsKind::from_metadata(os).username()
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names.reverse();
    names.join(" / ")
}

/// A line of `label: value` with a dim label.
pub(crate) fn field(label: &str, value: String, theme: Theme) -> Line<'_> {
    Line::from(vec![
        Span::styled(format!("{label:<12}"), theme.dim()),
        Span::raw(value),
    ])
}
