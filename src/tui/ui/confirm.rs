//! The confirmation dialog: every server that would be sent (name, short id, project), the
//! ones pre-flight refused apart with their reasons, marks hidden by the filter called out;
//! then the reboot choice, the typed count and the buttons, which always stay on screen.

use super::layout::popup;
use super::popup_block;
use super::text::{clean, fit};
use super::theme::Theme;
use crate::tui::state::State;
use crate::tui::state::form::{Button, Confirm, Preflight, RebootChoice};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::collections::HashSet;
use unicode_width::UnicodeWidthStr;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, c: &Confirm, theme: Theme) {
    let list = server_lines(state, c, theme);
    let bottom = controls(state, c, theme);
    // Header + list + controls, inside the border; the list gives way first.
    let want = 1 + list.len() + bottom.len() + 2;
    let width = (area.width.saturating_sub(4)).clamp(40, 100);
    let rect = popup(area, width, u16::try_from(want).unwrap_or(u16::MAX));
    let inner = popup_block(frame, rect, "Confirm password reset", theme);
    let height = usize::from(inner.height);
    let room = height.saturating_sub(1 + bottom.len()).max(1);
    let mut lines = vec![header(state, c, theme)];
    let scroll = c.scroll.min(list.len().saturating_sub(room));
    if list.len() > room {
        let shown = room.saturating_sub(1).max(1);
        lines.extend(list.iter().skip(scroll).take(shown).cloned());
        let last = (scroll + shown).min(list.len());
        lines.push(Line::from(Span::styled(
            format!(
                "  lines {}-{last} of {} (PgUp/PgDn scroll)",
                scroll + 1,
                list.len()
            ),
            theme.dim(),
        )));
    } else {
        lines.extend(list);
    }
    lines.extend(bottom);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn header<'a>(state: &State, c: &Confirm, theme: Theme) -> Line<'a> {
    let text = match &c.check {
        Preflight::Pending(_) => format!(
            "Checking {} server(s) now: status, lock, task, reset flag…",
            c.form.targets.len()
        ),
        Preflight::Done { ok, .. } => format!(
            "Reset the {} password of {} server(s):",
            super::accounts(state, ok),
            ok.len()
        ),
    };
    Line::from(Span::styled(text, theme.title()))
}

/// One line per server: name, short id, project, and why it is not sent when refused.
fn server_lines<'a>(state: &State, c: &Confirm, theme: Theme) -> Vec<Line<'a>> {
    let visible: HashSet<&str> = state
        .table
        .view()
        .iter()
        .filter_map(|&i| state.table.rows().get(i))
        .map(crate::tui::state::table::Row::id)
        .collect();
    let name_of = |id: &str| {
        state
            .table
            .get(id)
            .map(|r| clean(r.name()).into_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "?".into())
    };
    let all: Vec<&String> = match &c.check {
        Preflight::Pending(_) => c.form.targets.iter().collect(),
        Preflight::Done { ok, refused, .. } => ok
            .iter()
            .chain(refused.iter().map(|r| &r.server_id))
            .collect(),
    };
    let name_w = all
        .iter()
        .map(|id| name_of(id).width())
        .max()
        .unwrap_or(1)
        .min(24);
    let describe = |id: &str| {
        let (name, project) = match state.table.get(id) {
            Some(r) => (
                r.name().to_owned(),
                state
                    .projects
                    .get(r.project)
                    .map(super::super::state::ProjectState::place)
                    .unwrap_or_default(),
            ),
            None => (String::new(), String::new()),
        };
        let name = if name.is_empty() { "?".into() } else { name };
        let hidden = if visible.contains(id) {
            ""
        } else {
            "  [hidden]"
        };
        let name = fit(&clean(&name), name_w);
        let pad = " ".repeat(name_w.saturating_sub(name.width()));
        let short: String = id.chars().take(8).collect();
        format!("  {name}{pad}  {short}  in {}{hidden}", clean(&project))
    };
    let mut out = Vec::new();
    match &c.check {
        Preflight::Pending(_) => {
            for id in &c.form.targets {
                out.push(Line::from(Span::styled(describe(id), theme.dim())));
            }
        }
        Preflight::Done { ok, refused, .. } => {
            for id in ok {
                out.push(Line::from(describe(id)));
            }
            if !refused.is_empty() {
                out.push(Line::from(Span::styled(
                    format!("Refused by pre-flight, not sent ({}):", refused.len()),
                    theme.bad(),
                )));
                for r in refused {
                    out.push(Line::from(Span::styled(
                        describe(&r.server_id),
                        theme.bad(),
                    )));
                    out.push(Line::from(Span::styled(
                        format!("      ✗ {}", clean(&r.reason)),
                        theme.bad(),
                    )));
                }
            }
        }
    }
    if all.iter().any(|id| !visible.contains(id.as_str())) {
        out.push(Line::from(Span::styled(
            "  [hidden]: marked, but not shown by the current filter or project view",
            theme.warn(),
        )));
    }
    out
}

fn controls<'a>(state: &State, c: &Confirm, theme: Theme) -> Vec<Line<'a>> {
    let mut out = vec![Line::from(Span::styled(
        "Then (↑↓ to change):",
        theme.dim(),
    ))];
    for choice in RebootChoice::ALL {
        let on = choice == c.reboot;
        let text = format!("  ({}) {}", if on { "•" } else { " " }, choice.label());
        out.push(Line::from(Span::styled(
            text,
            if on { theme.title() } else { theme.dim() },
        )));
    }
    let (shutoff, bare_metal) = match &c.check {
        Preflight::Done {
            shutoff,
            bare_metal,
            ..
        } => (shutoff.len(), bare_metal.len()),
        Preflight::Pending(_) => (0, 0),
    };
    if shutoff > 0 && c.reboot != RebootChoice::None {
        out.push(Line::from(Span::styled(
            format!("  {shutoff} shut-off server(s) will be started instead of rebooted"),
            theme.warn(),
        )));
    }
    if bare_metal > 0 {
        // Said whatever is chosen: "no reboot" must not read as "they restart by themselves".
        out.push(Line::from(Span::styled(
            format!("  {bare_metal} bare-metal server(s) are never restarted here: restart them"),
            theme.warn(),
        )));
    }
    if let (true, Some(e)) = (c.form.sealed, state.escrow.as_ref()) {
        out.push(Line::from(Span::styled(
            format!(
                "unique passwords, sealed before sending to {} recipient(s) in",
                e.recipients
            ),
            theme.title(),
        )));
        out.push(Line::from(format!("  {}", clean(&e.dir))));
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
            Span::raw(format!("Type {} to confirm: ", c.sendable().len())),
            Span::styled(format!("[{}▏]", c.count), ok),
        ]));
    }
    out.push(buttons(c, theme));
    out
}

fn buttons<'a>(c: &Confirm, theme: Theme) -> Line<'a> {
    let style = |b: Button| {
        if c.button == b {
            theme.selected().add_modifier(Modifier::BOLD)
        } else {
            theme.dim()
        }
    };
    let n = c.sendable().len();
    let proceed = match (&c.check, n) {
        (Preflight::Pending(_), _) => "[ checking… ]".to_owned(),
        (_, 0) => "[ nothing to send ]".to_owned(),
        (_, 1) => "[ Reset 1 server ]".to_owned(),
        (_, n) => format!("[ Reset {n} servers ]"),
    };
    let marker = |b: Button| if c.button == b { "›" } else { " " };
    Line::from(vec![
        Span::raw("  "),
        Span::raw(marker(Button::Cancel)),
        Span::styled("[ Cancel ]", style(Button::Cancel)),
        Span::raw("   "),
        Span::raw(marker(Button::Proceed)),
        Span::styled(proceed, style(Button::Proceed)),
    ])
}
