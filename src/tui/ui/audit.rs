//! The audit gauge while it runs and the per-project summary when it is done.

use super::popup_lines;
use super::text::{clean, fit};
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
    let label = format!(
        "audit: {}/{} flags checked · {}/{} projects listed",
        a.done, a.total, a.projects_listed, a.projects_total
    );
    let g = Gauge::default()
        .ratio(a.ratio())
        .label(label)
        .gauge_style(theme.pending());
    frame.render_widget(g, area);
}

fn counts_text(c: &Counts) -> String {
    format!(
        "{:>6} ✓ supported {:>6} ✗ unsupported {:>6} ? unknown",
        c.supported, c.unsupported, c.unknown
    )
}

pub fn summary(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let Some(a) = &state.audit else {
        return;
    };
    let w = usize::from(area.width.min(78).saturating_sub(6));
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
            fit(&clean(&p.place()), w),
            theme.accent(),
        )));
        let line = match failed {
            Some((_, e)) => Span::styled(
                fit(&format!("  ✗ not listed: {}", clean(e)), w),
                theme.bad(),
            ),
            None => Span::raw(fit(&format!("  {}", counts_text(&a.counts[i])), w)),
        };
        lines.push(Line::from(line));
    }
    let t = a.totals();
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled("total ", theme.title()),
        Span::raw(fit(&counts_text(&t), w.saturating_sub(6))),
    ]));
    if t.unknown > 0 {
        lines.push(Line::from(Span::styled(
            "unknown flags: see the log (l) and the details (enter) of those servers",
            theme.warn(),
        )));
    }
    popup_lines(frame, area, 78, "Audit summary (esc closes)", lines, theme);
}
