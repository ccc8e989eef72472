//! The help overlay, built from the live key map so remapped keys show as they are.

use super::layout::popup;
use super::popup_block;
use super::theme::Theme;
use crate::config::Action;
use crate::tui::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn lines(state: &State, theme: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for &action in Action::ALL {
        let keys: Vec<String> = state
            .keys
            .keys_for(action)
            .iter()
            .map(ToString::to_string)
            .collect();
        let keys = if keys.is_empty() {
            "(unbound)".to_owned()
        } else {
            keys.join(", ")
        };
        out.push(Line::from(vec![
            Span::styled(format!("{keys:<16}"), theme.key()),
            Span::raw(action.describe().to_owned()),
        ]));
    }
    out.push(Line::from(""));
    out.push(Line::from(Span::styled(
        "In the reset form, printable keys type into the field (q types q).",
        theme.dim(),
    )));
    out.push(Line::from(Span::styled(
        "Enter moves to the confirmation field, then submits once every rule passes.",
        theme.dim(),
    )));
    out.push(Line::from(Span::styled(
        "The last step opens on Cancel: ←→ choose the button, ↑↓ the reboot, enter acts.",
        theme.dim(),
    )));
    out.push(Line::from(Span::styled(
        "Status is shown as glyph + word: ✓ supported ✗ unsupported … checking ? unknown",
        theme.dim(),
    )));
    out
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, scroll: usize, theme: Theme) {
    let rect = popup(area, 86, Action::ALL.len() as u16 + 5);
    let all = lines(state, theme);
    let max = all
        .len()
        .saturating_sub(usize::from(rect.height.saturating_sub(2)));
    let scroll = scroll.min(max);
    let title = if scroll < max {
        "Help — keys (↓ more, esc closes)"
    } else {
        "Help — keys (esc closes)"
    };
    let inner = popup_block(frame, rect, title, theme);
    let shown: Vec<Line> = all.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}
