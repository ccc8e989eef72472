//! The confirmation dialog: names the servers and projects, offers the reboot choice with
//! the warning that the password applies only after a (re)start, and opens on Cancel.

use super::text::clean;
use super::theme::Theme;
use super::{name_list, popup_lines};
use crate::tui::state::State;
use crate::tui::state::form::{Button, Confirm, RebootChoice};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use std::collections::BTreeSet;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, c: &Confirm, theme: Theme) {
    popup_lines(
        frame,
        area,
        72,
        "Confirm password reset",
        lines(state, c, theme),
        theme,
    );
}

fn lines<'a>(state: &State, c: &Confirm, theme: Theme) -> Vec<Line<'a>> {
    let ids = &c.form.targets;
    let projects: BTreeSet<usize> = ids
        .iter()
        .filter_map(|id| state.table.get(id).map(|r| r.project))
        .collect();
    let projects: Vec<String> = projects
        .iter()
        .map(|&p| clean(&state.projects[p].place()).into_owned())
        .collect();
    let servers = if ids.len() == 1 { "server" } else { "servers" };
    let mut out = vec![
        Line::from(Span::styled(
            format!(
                "Reset the {} password of {} {servers}:",
                super::accounts(state, ids),
                ids.len()
            ),
            theme.title(),
        )),
        Line::from(format!("  {}", name_list(state, ids, 4))),
        Line::from(format!("  in {}", projects.join(", "))),
        Line::from(""),
        Line::from(Span::styled("Then (↑↓ to change):", theme.dim())),
    ];
    for choice in RebootChoice::ALL {
        let on = choice == c.reboot;
        let text = format!("  ({}) {}", if on { "•" } else { " " }, choice.label());
        out.push(Line::from(Span::styled(
            text,
            if on { theme.title() } else { theme.dim() },
        )));
    }
    out.push(Line::from(Span::styled(
        "! the new password applies only after the server (re)starts",
        theme.warn(),
    )));
    if c.needs_count() {
        let ok = if c.count_ok() {
            theme.ok()
        } else {
            theme.warn()
        };
        out.push(Line::from(vec![
            Span::raw(format!("Type {} to confirm: ", ids.len())),
            Span::styled(format!("[{}▏]", c.count), ok),
        ]));
    }
    out.push(Line::from(""));
    out.push(buttons(c, ids.len(), theme));
    out
}

fn buttons<'a>(c: &Confirm, n: usize, theme: Theme) -> Line<'a> {
    let style = |b: Button| {
        if c.button == b {
            theme.selected().add_modifier(Modifier::BOLD)
        } else {
            theme.dim()
        }
    };
    let proceed = if n == 1 {
        "[ Reset 1 server ]".to_owned()
    } else {
        format!("[ Reset {n} servers ]")
    };
    let marker = |b: Button| if c.button == b { "›" } else { " " };
    Line::from(vec![
        Span::raw("      "),
        Span::raw(marker(Button::Cancel)),
        Span::styled("[ Cancel ]", style(Button::Cancel)),
        Span::raw("    "),
        Span::raw(marker(Button::Proceed)),
        Span::styled(proceed, style(Button::Proceed)),
    ])
}
