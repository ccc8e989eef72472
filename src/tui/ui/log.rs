//! The request log pane: one line per API call attempt, newest at the bottom. Errors carry
//! a `!` and the error style; retried attempts a `↻`.

use super::text::{clean, fit};
use super::theme::Theme;
use crate::cloud::CallRecord;
use crate::tui::state::{Focus, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let log = &state.log;
    let focused = state.focus == Focus::Log;
    let follow = if log.scroll == 0 {
        String::new()
    } else {
        format!(" ↑{} ", log.scroll)
    };
    let title = format!(
        " Log ({} calls, {} errors, UTC){follow} ",
        log.len(),
        log.errors
    );
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .border_style(theme.border(focused));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = usize::from(inner.height);
    let end = log.len().saturating_sub(log.scroll);
    let start = end.saturating_sub(height);
    let width = usize::from(inner.width);
    let lines: Vec<Line> = if log.is_empty() {
        vec![Line::from(Span::styled("no API calls yet", theme.dim()))]
    } else {
        log.lines()
            .range(start..end)
            .map(|r| line(r, width, theme))
            .collect()
    };
    frame.render_widget(Paragraph::new(lines), inner);
}

fn line(r: &CallRecord, width: usize, theme: Theme) -> Line<'static> {
    let glyph = match (&r.error, r.will_retry) {
        (Some(_), true) => "↻",
        (Some(_), false) => "!",
        (None, _) => " ",
    };
    let status = r.status.map_or_else(|| "---".to_owned(), |s| s.to_string());
    // On an error line the error comes before the path, so it survives a narrow pane.
    let mut text = format!(
        "{glyph} {} {:<6} {status} {:>5}ms ",
        r.at.format("%H:%M:%S"),
        r.method,
        r.latency.as_millis(),
    );
    if let Some(e) = &r.error {
        text.push_str(&format!("{} — ", clean(e)));
    }
    text.push_str(&short_path(&r.path));
    if r.attempt > 1 {
        text.push_str(&format!(" (attempt {})", r.attempt));
    }
    if let Some(id) = &r.request_id {
        text.push_str(&format!(" id={}", clean(id)));
    }
    let style = if r.error.is_some() {
        theme.bad()
    } else {
        ratatui::style::Style::default()
    };
    Line::from(Span::styled(fit(&text, width), style))
}

/// Ids in the path (project, server and job ids) shortened to 8 characters, so the status
/// and error stay on screen; the full ids are in the details popup. Words such as
/// `os-resetpwd-flag` stay whole: they say which call it was.
pub fn short_path(path: &str) -> String {
    let is_id = |seg: &str| seg.chars().count() > 12 && seg.chars().any(|c| c.is_ascii_digit());
    clean(path)
        .split('/')
        .map(|seg| {
            if is_id(seg) {
                format!("{}…", seg.chars().take(8).collect::<String>())
            } else {
                seg.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::short_path;

    #[test]
    fn ids_shrink_and_call_names_stay_whole() {
        assert_eq!(
            short_path(
                "/v1/a7db6b2fd20c05b5d887cf7729a8e92d/cloudservers/1d5a0fbe-0c7e-4bb2-9a51-2f1c3e4d5a6b/os-resetpwd-flag"
            ),
            "/v1/a7db6b2f…/cloudservers/1d5a0fbe…/os-resetpwd-flag"
        );
        assert_eq!(
            short_path("/v1/p/cloudservers/os-reset-passwords"),
            "/v1/p/cloudservers/os-reset-passwords"
        );
    }
}
