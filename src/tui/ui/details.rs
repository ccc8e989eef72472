//! The details popup of the selected server: every field, cleaned.

use super::text::{clean, fit, or_dash};
use super::theme::Theme;
use super::{ago, field, popup_text, reset_text, servers};
use crate::tui::state::State;
use crate::tui::state::table::{Flag, Row};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let Some(row) = state.table.selected() else {
        return;
    };
    let title = format!("Server {}", fit(row.name(), 40));
    // Wider on a wide terminal: long tags, errors and image names then need no scrolling.
    let width = (area.width * 3 / 4).max(90);
    let lines = lines(state, row, theme);
    popup_text(frame, area, width, &title, lines, state.popup_scroll, theme);
}

fn lines<'a>(state: &'a State, row: &'a Row, theme: Theme) -> Vec<Line<'a>> {
    let project = &state.projects[row.project];
    let s = |v: Option<&str>| or_dash(v).into_owned();
    let flavor = row.flavor().map(|f| {
        let size = match (&f.vcpus, &f.ram) {
            (Some(c), Some(r)) => format!(" ({} vCPU, {} MiB)", clean(c), clean(r)),
            _ => String::new(),
        };
        format!("{}{size}", clean(f.name.as_deref().unwrap_or(&*f.id)))
    });
    let image = match (row.image_name(), row.image_id()) {
        (Some(n), Some(i)) => format!("{} ({})", clean(n), clean(i)),
        (Some(n), None) => clean(n).into_owned(),
        (None, Some(i)) => clean(i).into_owned(),
        (None, None) => "-".into(),
    };
    let (status, _) = servers::status_cell(row.status(), theme);
    let mut out = vec![
        field("name", s(Some(row.name())), theme),
        field("id", clean(row.id()).into_owned(), theme),
        field(
            "project",
            format!(
                "{} — {} [{}]{}",
                clean(&project.label),
                clean(project.id.as_deref().unwrap_or("?")),
                clean(&project.region),
                if project.protected {
                    " (protected)"
                } else {
                    ""
                }
            ),
            theme,
        ),
        field("status", status, theme),
    ];
    if row.kind().is_bms() {
        out.push(field(
            "kind",
            "BMS, bare metal (ecsreset resets it, never restarts it)".into(),
            theme,
        ));
    }
    out.extend([
        field("os", s(row.os()), theme),
        field("flavor", flavor.unwrap_or_else(|| "-".into()), theme),
        field("image", image, theme),
        field("az", s(row.availability_zone()), theme),
    ]);
    out.extend(addresses(row, theme));
    let tags = (row.tags().iter())
        .map(|x| clean(x).into_owned())
        .collect::<Vec<_>>()
        .join(", ");
    out.push(field(
        "tags",
        if tags.is_empty() { "-".into() } else { tags },
        theme,
    ));
    out.push(field("description", s(row.description()), theme));
    out.push(field("created", s(row.created()), theme));
    out.push(flag_line(state, row, theme));
    let reset = match state.resets.get(row.id()) {
        Some(st) => {
            let (text, style) = reset_text(st, theme);
            Span::styled(clean(&text).into_owned(), style)
        }
        None => Span::styled("none this session", theme.dim()),
    };
    out.push(Line::from(vec![
        Span::styled(format!("{:<12}", "last reset"), theme.dim()),
        reset,
    ]));
    out
}

fn addresses<'a>(row: &Row, theme: Theme) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    for a in row.addresses() {
        let kind = a.ip_type.as_deref().unwrap_or("fixed");
        let text = format!(
            "{} ({}, {})",
            clean(&a.addr),
            clean(kind),
            clean(&a.network)
        );
        let label = if out.is_empty() { "addresses" } else { "" };
        out.push(field(label, text, theme));
    }
    if out.is_empty() {
        out.push(field("addresses", "-".into(), theme));
    }
    out
}

fn flag_line<'a>(state: &State, row: &Row, theme: Theme) -> Line<'a> {
    let (text, style) = servers::flag_cell(&row.flag, theme);
    let mut spans = vec![
        Span::styled(format!("{:<12}", "reset flag"), theme.dim()),
        Span::styled(text, style),
    ];
    if let Some(at) = row.checked_at {
        spans.push(Span::raw(format!(" (checked {} ago)", ago(state.now, at))));
    }
    if let Flag::Unknown(e) = &row.flag {
        spans.push(Span::styled(format!(" — {}", clean(e)), theme.warn()));
    }
    if let Flag::NotOffered(cap) = &row.flag {
        spans.push(Span::styled(
            format!(
                " here — the {} answered 404 APIGW.0101 in this project",
                cap.name()
            ),
            theme.dim(),
        ));
    }
    Line::from(spans)
}
