//! Per-server results of one reset request, as the worker reports them.

use super::layout::popup;
use super::text::fit;
use super::theme::Theme;
use super::{popup_block, reset_text, servers};
use crate::tui::msg::ResetStatus;
use crate::tui::state::{Results, Sealing, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, r: &Results, theme: Theme) {
    let sealed = sealed_lines(r, theme);
    let extra = sealed.len() as u16;
    let rect = popup(area, 100, 2 + extra + r.servers.len().min(30) as u16);
    let title = if r.finished {
        "Reset results — finished (esc closes)".to_owned()
    } else {
        format!(
            "Reset results — {} working (esc hides)",
            servers::spinner(state)
        )
    };
    let inner = popup_block(frame, rect, &title, theme);
    let name_w = 18;
    let rest = usize::from(inner.width).saturating_sub(name_w + 1);
    let mut lines: Vec<Line> = sealed;
    let height = usize::from(inner.height).saturating_sub(lines.len()).max(1);
    // More servers than rows: ↑↓ scroll, and the last row says what lies below.
    let max_scroll = r.servers.len().saturating_sub(height);
    let scroll = state.popup_scroll.min(max_scroll);
    let top = lines.len();
    for (i, id) in r.servers.iter().enumerate().skip(scroll) {
        let name = state
            .table
            .get(id)
            .map(super::super::state::row::Row::name)
            .filter(|n| !n.is_empty())
            .unwrap_or(id);
        let status = state
            .resets
            .get(id)
            .cloned()
            .unwrap_or(ResetStatus::Sending);
        let (mut text, style) = reset_text(&status, theme);
        let bare_metal = state.table.get(id).is_some_and(|row| row.kind().is_bms());
        if bare_metal && status == ResetStatus::Accepted {
            // The engine restarts ECS servers only; say so where the operator looks.
            text.push_str(" (bare metal: restart it yourself)");
        }
        // Padded by display width: `{:<w$}` counts chars, and a CJK name is twice as wide.
        let name = fit(name, name_w);
        let pad = " ".repeat(name_w.saturating_sub(name.width()) + 1);
        // A long reason wraps under itself rather than losing its end.
        let chunks = wrap(&super::text::clean(&text), rest.max(1));
        let used = lines.len() - top;
        let room = height.saturating_sub(used);
        let after = usize::from(i + 1 < r.servers.len());
        if used > 0 && chunks.len() + after > room {
            lines.push(Line::from(Span::styled(
                format!("↓ {} more (↑↓ scroll)", r.servers.len() - i),
                theme.dim(),
            )));
            break;
        }
        for (k, chunk) in chunks.into_iter().take(room.max(1)).enumerate() {
            let lead = if k == 0 {
                format!("{name}{pad}")
            } else {
                " ".repeat(name_w + 1)
            };
            lines.push(Line::from(vec![
                Span::raw(lead),
                Span::styled(chunk, style),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Where a reset's unique passwords went, said before any row.
fn sealed_lines<'a>(r: &Results, theme: Theme) -> Vec<Line<'a>> {
    match &r.sealed {
        Sealing::None => Vec::new(),
        Sealing::Pending => vec![Line::from(Span::styled(
            "sealing the unique passwords… (nothing is sent before they are on disk)",
            theme.pending(),
        ))],
        Sealing::Done { path, count } => vec![
            Line::from(Span::styled(
                format!("{count} unique password(s) sealed in (see `ecsreset reveal`):"),
                theme.ok(),
            )),
            Line::from(format!("  {}", super::text::clean(path))),
        ],
    }
}

/// `text` in pieces of at most `width` columns, broken at spaces where one is near.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ') {
        let w = word.width();
        if used > 0 && used + 1 + w > width {
            out.push(std::mem::take(&mut line));
            used = 0;
        }
        if used > 0 {
            line.push(' ');
            used += 1;
        }
        for c in word.chars() {
            let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if used + cw > width && used > 0 {
                out.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += cw;
        }
    }
    out.push(line);
    out
}
