//! The reset form: masked fields, the live checklist, the `is_check_password` toggle.
//! The password is shown in clear only while the operator asked for it (reveal) or right
//! after generating one, and never anywhere but inside its own field.

use super::text::clean;
use super::theme::Theme;
use super::{name_list, popup_lines};
use crate::password::OsKind;
use crate::secret::Secret;
use crate::tui::state::State;
use crate::tui::state::form::{Field, Form};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, form: &Form, theme: Theme) {
    let n = form.targets.len();
    let title = if n == 1 {
        "Reset password".to_owned()
    } else {
        format!("Reset password — {n} servers")
    };
    let lines = lines(state, form, theme);
    // Wide enough for the longest checklist detail (border and padding take 4), so a hint
    // is not cut off mid-sentence on a terminal that has the room.
    let widest = lines.iter().map(Line::width).max().unwrap_or(0);
    let width = u16::try_from(widest + 4).unwrap_or(u16::MAX).max(76);
    popup_lines(frame, area, width, &title, lines, theme);
}

fn os_word(os: OsKind) -> &'static str {
    match os {
        OsKind::Linux => "Linux rules",
        OsKind::Windows => "Windows rules",
        OsKind::Unknown => "unknown OS: Windows rules",
    }
}

fn lines<'a>(state: &State, form: &'a Form, theme: Theme) -> Vec<Line<'a>> {
    let mut out = vec![
        Line::from(vec![
            Span::styled("servers   ", theme.dim()),
            Span::raw(name_list(state, &form.targets, 3)),
        ]),
        Line::from(vec![
            Span::styled("account   ", theme.dim()),
            Span::raw(format!(
                "{} ({})",
                super::accounts(state, &form.targets),
                os_word(form.os)
            )),
        ]),
        Line::from(""),
        secret_line("password  ", &form.password, form, Field::Password, theme),
        secret_line("confirm   ", &form.confirm, form, Field::Confirm, theme),
        check_line(form, theme),
        Line::from(""),
    ];
    let first_fail = form.checklist.first_failure().map(|f| f.rule);
    for item in &form.checklist.items {
        let (glyph, style) = if item.passed {
            ("✓", theme.ok())
        } else {
            ("✗", theme.bad())
        };
        let first = Some(item.rule) == first_fail;
        let style = if first {
            style.add_modifier(Modifier::UNDERLINED)
        } else {
            style
        };
        let mut spans = vec![
            Span::styled(if first { "› " } else { "  " }, theme.bad()),
            Span::styled(format!("{glyph} {}", item.rule.label()), style),
        ];
        if let Some(d) = &item.detail {
            spans.push(Span::styled(format!(" ({})", clean(d)), theme.dim()));
        }
        out.push(Line::from(spans));
    }
    let (glyph, word, style) = if form.confirmation_matches() {
        ("✓", "confirmation matches", theme.ok())
    } else if form.confirm.is_empty() {
        ("✗", "confirmation is empty", theme.bad())
    } else {
        ("✗", "confirmation differs", theme.bad())
    };
    out.push(Line::from(vec![
        Span::raw("  "),
        Span::styled(format!("{glyph} {word}"), style),
    ]));
    if form.generated {
        out.push(Line::from(Span::styled(
            "generated and shown once: copy it now; it is hidden on the next key",
            theme.warn(),
        )));
    } else if form.ready() {
        out.push(Line::from(Span::styled(
            "ready: enter or ctrl-s to review",
            theme.ok(),
        )));
    }
    out
}

fn secret_line<'a>(
    label: &'a str,
    secret: &Secret,
    form: &Form,
    field: Field,
    theme: Theme,
) -> Line<'a> {
    let focused = form.field == field;
    let shown = if form.reveal {
        clean(secret.expose()).into_owned()
    } else {
        "•".repeat(secret.len())
    };
    let cursor = if focused { "▏" } else { "" };
    let marker = if focused { "› " } else { "  " };
    let style = if focused {
        theme.title()
    } else {
        ratatui::style::Style::default()
    };
    Line::from(vec![
        Span::styled(marker, theme.accent()),
        Span::styled(label, theme.dim()),
        Span::styled(format!("[{shown}{cursor}]"), style),
        Span::styled(format!(" {} chars", secret.len()), theme.dim()),
    ])
}

fn check_line<'a>(form: &Form, theme: Theme) -> Line<'a> {
    let focused = form.field == Field::Check;
    let marker = if focused { "› " } else { "  " };
    let boxed = if form.check_password { "[x]" } else { "[ ]" };
    Line::from(vec![
        Span::styled(marker, theme.accent()),
        Span::styled(
            format!("{boxed} is_check_password"),
            if focused {
                theme.title()
            } else {
                ratatui::style::Style::default()
            },
        ),
        Span::styled(
            " (the API checks the rules too; space toggles)",
            theme.dim(),
        ),
    ])
}
