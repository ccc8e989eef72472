//! The reset form: masked fields, the live checklist, the `is_check_password` toggle.
//! The password is shown in clear only while the operator asked for it (reveal) or right
//! after generating one, and never anywhere but inside its own field.

use super::text::clean;
use super::theme::Theme;
use super::{name_list, popup_lines};
use crate::config::Action;
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
    // Room for the longest checklist line (rule, source and detail) plus border and
    // padding, whatever is typed: a popup that resized with each key would jump around.
    let rows = usize::from(area.height.saturating_sub(2));
    popup_lines(
        frame,
        area,
        WIDTH,
        &title,
        lines(state, form, rows, theme),
        theme,
    );
}

const WIDTH: u16 = 112;

fn os_word(os: OsKind) -> &'static str {
    match os {
        OsKind::Linux => "Linux rules",
        OsKind::Windows => "Windows rules",
        OsKind::Unknown => "unknown OS: Windows rules",
    }
}

/// The form's lines for `rows` rows of room. Short of room, the blank lines go first, then
/// passing rules fold into one line, then the last failing ones: the fields stay.
fn lines<'a>(state: &State, form: &'a Form, rows: usize, theme: Theme) -> Vec<Line<'a>> {
    if form.sealed {
        return sealed_lines(state, form, theme);
    }
    let head = vec![
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
        secret_line("password  ", &form.password, form, Field::Password, theme),
        secret_line("confirm   ", &form.confirm, form, Field::Confirm, theme),
        check_line(form, theme),
    ];
    // Every rule, the verdict, the ready line and two blank lines.
    let roomy = rows >= head.len() + form.checklist.items.len() + 4;
    let mut rules = rule_lines(form, roomy, theme);
    let mut tail = Vec::new();
    let (glyph, word, style) = if form.confirmation_matches() {
        ("✓", "confirmation matches", theme.ok())
    } else if form.confirm.is_empty() {
        ("✗", "confirmation is empty", theme.bad())
    } else {
        ("✗", "confirmation differs", theme.bad())
    };
    tail.push(Line::from(vec![
        Span::raw("  "),
        Span::styled(format!("{glyph} {word}"), style),
    ]));
    if form.generated {
        tail.push(Line::from(Span::styled(
            "generated and shown once: copy it now; it is hidden on the next key",
            theme.warn(),
        )));
    } else if form.ready() {
        let submit = match state.keys.keys_for(Action::Submit).first() {
            Some(k) => format!("ready: enter or {k} to review"),
            None => "ready: enter to review".to_owned(),
        };
        tail.push(Line::from(Span::styled(submit, theme.ok())));
    }
    // Rules beyond the room go, last first; the fields and the verdict stay.
    let fixed = head.len() + tail.len();
    let spacious = rows >= fixed + rules.len() + 2;
    if !spacious {
        let keep = rows.saturating_sub(fixed).max(1);
        if rules.len() > keep {
            let cut = rules.len() - keep + 1;
            rules.truncate(keep - 1);
            rules.push(Line::from(Span::styled(
                format!("  ✗ {cut} more (a taller terminal shows them)"),
                theme.bad(),
            )));
        }
    }
    let gap = || spacious.then(|| Line::from(""));
    let mut out: Vec<Line> = Vec::new();
    let mut head = head.into_iter();
    out.extend(head.by_ref().take(2));
    out.extend(gap());
    out.extend(head);
    out.extend(gap());
    out.extend(rules);
    out.extend(tail);
    out
}

/// One line per rule, the first failing one marked; without room, passing rules fold into
/// one line.
fn rule_lines(form: &Form, roomy: bool, theme: Theme) -> Vec<Line<'_>> {
    let first_fail = form.checklist.first_failure().map(|f| f.rule);
    let mut rules = Vec::new();
    let mut folded = 0;
    for item in &form.checklist.items {
        if !roomy && item.passed {
            folded += 1;
            continue;
        }
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
            Span::styled(format!("{glyph} {}", item.label), style),
            Span::styled(format!(" · {}", item.source.label()), theme.accent()),
        ];
        if let Some(d) = &item.detail {
            spans.push(Span::styled(format!(" ({})", clean(d)), theme.dim()));
        }
        rules.push(Line::from(spans));
    }
    if folded > 0 {
        let text = if folded == form.checklist.items.len() {
            format!("  ✓ all {folded} rules pass")
        } else {
            format!("  ✓ {folded} more rules pass")
        };
        rules.push(Line::from(Span::styled(text, theme.ok())));
    }
    rules
}

fn secret_line<'a>(
    label: &'a str,
    secret: &Secret,
    form: &Form,
    field: Field,
    theme: Theme,
) -> Line<'a> {
    let focused = form.field == field;
    let len = secret.len();
    let at = if focused { form.cursor.min(len) } else { len };
    let (before, after) = if form.reveal {
        let shown = clean(secret.expose());
        (
            shown.chars().take(at).collect::<String>(),
            shown.chars().skip(at).collect::<String>(),
        )
    } else {
        ("•".repeat(at), "•".repeat(len - at))
    };
    let cursor = if focused { "▏" } else { "" };
    // Padded to the API's maximum, so the field keeps its size as it fills.
    let pad =
        " ".repeat((crate::password::MAX_LEN + 1).saturating_sub(len + cursor.chars().count()));
    let shown = format!("{before}{cursor}{after}{pad}");
    let marker = if focused { "› " } else { "  " };
    let style = if focused {
        theme.title()
    } else {
        ratatui::style::Style::default()
    };
    Line::from(vec![
        Span::styled(marker, theme.accent()),
        Span::styled(label, theme.dim()),
        Span::styled(format!("[{shown}]"), style),
        Span::styled(
            format!(" {len}/{} chars", crate::password::MAX_LEN),
            theme.dim(),
        ),
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
        Span::styled(" (space: the API checks its rules too)", theme.dim()),
    ])
}

/// Unique sealed passwords: nothing to type and nothing shown, only where they will go.
fn sealed_lines<'a>(state: &State, form: &Form, theme: Theme) -> Vec<Line<'a>> {
    let (recipients, dir) = state.escrow.as_ref().map_or((0, String::new()), |e| {
        (e.recipients, clean(&e.dir).into_owned())
    });
    let submit = match state.keys.keys_for(Action::Submit).first() {
        Some(k) => format!("ready: enter or {k} to review"),
        None => "ready: enter to review".to_owned(),
    };
    vec![
        Line::from(vec![
            Span::styled("servers   ", theme.dim()),
            Span::raw(name_list(state, &form.targets, 3)),
        ]),
        Line::from(vec![
            Span::styled("account   ", theme.dim()),
            Span::raw(super::accounts(state, &form.targets)),
        ]),
        Line::from(""),
        Line::from(vec![
            Span::styled("passwords ", theme.dim()),
            Span::styled(
                "unique per server, generated by its OS rules",
                theme.title(),
            ),
        ]),
        Line::from(vec![
            Span::styled("sealed to ", theme.dim()),
            Span::raw(format!(
                "{recipients} recipient(s), before the first request"
            )),
        ]),
        Line::from(vec![
            Span::styled("in        ", theme.dim()),
            Span::raw(dir),
        ]),
        Line::from(Span::styled(
            "          none is shown here; `ecsreset reveal` shows one",
            theme.dim(),
        )),
        Line::from(Span::styled(
            format!(
                "          {}: one password for all instead",
                state.key_of(Action::Generate)
            ),
            theme.dim(),
        )),
        Line::from(""),
        Line::from(Span::styled(submit, theme.ok())),
    ]
}
