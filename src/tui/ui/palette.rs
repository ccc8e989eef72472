//! The `:` palette: the typed input, then the matching commands, the highlighted one
//! reversed, each with its keys and what it does. The list scrolls with the highlight.

use super::text::{clean, fit};
use super::theme::Theme;
use crate::tui::state::State;
use crate::tui::state::palette::Palette;
use crate::tui::update::palette::matches;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

const WIDTH: u16 = 100;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, p: &Palette, theme: Theme) {
    let found = matches(state, p);
    let width = WIDTH.min(area.width.saturating_sub(2));
    // Input, a blank line, the matches (at least one line, for "no match").
    let rows = u16::try_from(found.len().max(1)).unwrap_or(u16::MAX);
    // Just below the table's top border, so the two borders do not touch.
    let top = u16::from(area.height > 8);
    let height = rows.saturating_add(4).min(area.height - 2 * top);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + top,
        width,
        height,
    );
    let title = format!("Command palette ({} of {})", found.len(), all(state));
    let inner = super::popup_block(frame, rect, &title, theme);
    let inner_w = usize::from(inner.width);
    let input = Line::from(vec![
        Span::styled(":", theme.key()),
        Span::styled(
            format!("{}▏", fit(&clean(&p.input), inner_w.saturating_sub(3))),
            theme.title(),
        ),
    ]);
    let list_rows = usize::from(inner.height.saturating_sub(2));
    let start = p.selected.saturating_sub(list_rows.saturating_sub(1));
    let label_w = found
        .iter()
        .map(|c| c.label.width())
        .max()
        .unwrap_or(0)
        .clamp(8, inner_w / 2);
    let keys_w = found
        .iter()
        .map(|c| c.keys.width())
        .max()
        .unwrap_or(0)
        .min(inner_w / 5);
    let mut lines = vec![input, Line::from("")];
    if found.is_empty() {
        lines.push(Line::from(Span::styled(
            "no command matches (backspace edits, esc closes)",
            theme.warn(),
        )));
    }
    for (i, c) in found.iter().enumerate().skip(start).take(list_rows) {
        let chosen = i == p.selected;
        let mark = if chosen { "› " } else { "  " };
        let label = format!("{mark}{:<label_w$}", fit(&clean(&c.label), label_w));
        let keys = format!(" {:<keys_w$}", fit(&c.keys, keys_w));
        let room = inner_w.saturating_sub(label.width() + keys.width() + 2);
        let (help, help_style) = match &c.error {
            Some(e) => (format!("✗ {e}"), theme.bad()),
            None => (c.help.clone(), theme.dim()),
        };
        let mut spans = vec![
            Span::styled(label, theme.title()),
            Span::styled(keys, theme.key()),
            Span::raw("  "),
            Span::styled(fit(&help, room), help_style),
        ];
        if chosen {
            spans = spans
                .into_iter()
                .map(|s| {
                    let style = s.style.patch(theme.selected());
                    s.style(style)
                })
                .collect();
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// How many commands there are with no input, for the title.
fn all(state: &State) -> usize {
    crate::tui::state::palette::matches(&state.palette_context(), "").len()
}
