//! The audit gauge while it runs and the per-project summary when it is done.

use super::popup_text;
use super::text::clean;
use super::theme::Theme;
use crate::audit::record::Counts;
use crate::tui::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Gauge;

pub fn gauge(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let Some(a) = &state.audit else {
        return;
    };
    // The rate and the time left come before the project count when room is short.
    let mut label = format!("audit: {}/{} flags checked", a.done, a.total);
    let speed = a.progress(state.now).speed();
    let projects = format!("{}/{} projects listed", a.projects_listed, a.projects_total);
    for part in [speed, projects] {
        let longer = format!("{label} · {part}");
        if !part.is_empty() && longer.chars().count() <= usize::from(area.width) {
            label = longer;
        }
    }
    let g = Gauge::default()
        .ratio(a.ratio())
        .label(label)
        .gauge_style(theme.pending());
    frame.render_widget(g, area);
}

fn counts_text(c: &Counts) -> String {
    let mut s = format!(
        "{:>6} ✓ supported {:>6} ✗ unsupported {:>6} ? unknown",
        c.supported, c.unsupported, c.unknown
    );
    if c.not_offered > 0 {
        s.push_str(&format!(" {:>6} ⊘ not offered here", c.not_offered));
    }
    s
}

pub fn summary(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let Some(a) = &state.audit else {
        return;
    };
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{} servers checked in {} projects",
            a.done, a.projects_total
        ),
        theme.title(),
    ))];
    for (i, p) in state.projects.iter().enumerate() {
        let failed = a.failed.iter().find(|(f, _)| *f == i);
        lines.push(Line::from(Span::styled(
            clean(&p.place()).into_owned(),
            theme.accent(),
        )));
        let line = match failed {
            Some((_, e)) => Span::styled(format!("  ✗ not listed: {}", clean(e)), theme.bad()),
            None => Span::raw(format!("  {}", counts_text(&a.counts[i]))),
        };
        lines.push(Line::from(line));
    }
    let t = a.totals();
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled("total ", theme.title()),
        Span::raw(counts_text(&t)),
    ]));
    if t.unknown > 0 {
        lines.push(Line::from(Span::styled(
            "unknown flags: see the log (l) and the details (enter) of those servers",
            theme.warn(),
        )));
    }
    let title = "Audit summary (esc closes)";
    popup_text(frame, area, 100, title, lines, state.popup_scroll, theme);
}
