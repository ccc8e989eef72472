//! The header (project filter, sort, filter, read-only badge), the status line (the last
//! notice or error, and counts) and the key-hint bar of the current mode.

use super::text::{clean, fit};
use super::theme::Theme;
use crate::config::Action;
use crate::tui::state::{Focus, Level, Mode, State};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

pub fn header(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let table = &state.table;
    let project = match table.project_filter() {
        None => format!("all ({})", state.projects.len()),
        Some(i) => {
            let p = &state.projects[i];
            format!("{} ({}/{})", clean(&p.place()), i + 1, state.projects.len())
        }
    };
    let (sort, desc) = table.sort();
    let mut spans = vec![Span::styled("ecsreset", theme.accent())];
    // The filter being typed comes first: at the minimum width it is the one control here.
    let editing = matches!(state.mode, Mode::Filter);
    if editing || !table.filter().is_empty() {
        let cursor = if editing { "▏" } else { "" };
        let room = usize::from(area.width).saturating_sub(24).max(12);
        spans.push(Span::raw("  filter: /"));
        spans.push(Span::styled(
            format!("{}{cursor}", fit_tail(table.filter(), room)),
            theme.title(),
        ));
    }
    if state.many_profiles() {
        let profile = table.profile_filter().unwrap_or("all");
        spans.push(Span::raw("  profile: "));
        spans.push(Span::styled(clean(profile).into_owned(), theme.title()));
    }
    spans.extend([
        Span::raw("  project: "),
        Span::styled(project, theme.title()),
        Span::raw(format!(
            "  sort: {} {}",
            sort.label(),
            if desc { "▼" } else { "▲" }
        )),
    ]);
    for (profile, until) in &state.agency_until {
        let (text, style) = if state.now < *until {
            (
                format!("{}: agency until {}", clean(profile), until.format("%H:%M")),
                theme.title(),
            )
        } else {
            (format!("{}: agency expired", clean(profile)), theme.warn())
        };
        spans.push(Span::raw("  "));
        spans.push(Span::styled(text, style));
    }
    let badge = if state.read_only { " READ-ONLY " } else { "" };
    let badge_w = badge.width() as u16;
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(badge_w)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(spans)), left);
    if state.read_only {
        let style = theme
            .warn()
            .add_modifier(Modifier::REVERSED | Modifier::BOLD);
        frame.render_widget(Paragraph::new(Span::styled(badge, style)), right);
    }
}

pub fn status(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let t = &state.table;
    let pending = t.pending_flags();
    let mut counts = format!("{} servers", t.rows().len());
    if t.view().len() != t.rows().len() {
        counts.push_str(&format!(" · {} shown", t.view().len()));
    }
    counts.push_str(&format!(" · {} marked", t.marked.len()));
    if pending > 0 {
        counts.push_str(&format!(" · {pending} flags pending"));
    }
    if state.log.errors > 0 {
        counts.push_str(&format!(" · {} ! log", state.log.errors));
    }
    let room = if state.notice.is_none() && state.last_error.is_none() {
        area.width
    } else {
        area.width / 2
    };
    let w = (counts.width() as u16 + 1).min(room);
    let [left, right] = Layout::horizontal([Constraint::Min(0), Constraint::Length(w)]).areas(area);
    let message = match (&state.notice, &state.last_error) {
        (Some(n), _) => Some((n.level, n.text.as_str())),
        (None, Some(e)) => Some((Level::Error, e.as_str())),
        (None, None) => None,
    };
    if let Some((level, text)) = message {
        let (label, style) = match level {
            Level::Info => ("", theme.dim()),
            Level::Warn => ("! warning: ", theme.warn()),
            Level::Error => ("✗ error: ", theme.bad()),
        };
        let text = fit(&format!("{label}{text}"), usize::from(left.width));
        frame.render_widget(Paragraph::new(Span::styled(text, style)), left);
    }
    let counts = fit(&counts, usize::from(right.width));
    frame.render_widget(
        Paragraph::new(Line::from(counts).right_aligned()).style(theme.dim()),
        right,
    );
}

/// The end of `s` in `width` columns, with a leading `…`: the part being typed stays in view.
fn fit_tail(s: &str, width: usize) -> String {
    let s = clean(s);
    if s.width() <= width {
        return s.into_owned();
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 1;
    for c in s.chars().rev() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            break;
        }
        used += w;
        tail.push(c);
    }
    std::iter::once('…').chain(tail.into_iter().rev()).collect()
}

/// The first key bound to an action, as the help shows it.
pub fn key_of(state: &State, action: Action) -> String {
    state.key_of(action)
}

/// Why resets are disabled for the current target, if they are.
pub fn reset_blocked(state: &State) -> Option<&'static str> {
    if state.read_only {
        return Some("read-only");
    }
    let protected = |id: &String| {
        state
            .table
            .get(id)
            .is_some_and(|r| state.projects[r.project].protected)
    };
    let blocked = if state.table.marked.is_empty() {
        state
            .table
            .selected()
            .is_some_and(|r| state.projects[r.project].protected)
    } else {
        state.table.marked.iter().any(protected)
    };
    blocked.then_some("protected")
}

fn selected_is_windows(state: &State) -> bool {
    state
        .table
        .selected()
        .and_then(|r| r.os())
        .is_some_and(|os| os.trim().eq_ignore_ascii_case("windows"))
}

fn winpw_hints(
    w: &crate::tui::state::winpw::WinPw,
    k: &dyn Fn(Action) -> String,
) -> Vec<(String, String, bool)> {
    use crate::tui::state::winpw::{Clear, Stage};
    match &w.stage {
        Stage::Path => vec![
            ("type".into(), "key file path".into(), true),
            ("enter".into(), "show".into(), true),
            (k(Action::Cancel), "cancel".into(), true),
        ],
        Stage::Shown {
            clear: Clear::Offered,
            ..
        } => vec![
            ("y".into(), "clear stored copy".into(), true),
            ("any key".into(), "keep and close".into(), true),
        ],
        _ => vec![(k(Action::Cancel), "close".into(), true)],
    }
}

pub fn hints(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let k = |a| key_of(state, a);
    let items: Vec<(String, String, bool)> = match &state.mode {
        Mode::Form(_) => vec![
            (k(Action::NextField), "next".into(), true),
            (k(Action::Reveal), "reveal".into(), true),
            (k(Action::Generate), "generate".into(), true),
            (k(Action::Submit), "submit".into(), true),
            (k(Action::Cancel), "cancel".into(), true),
        ],
        Mode::Confirm(_) => vec![
            ("←→".into(), "button".into(), true),
            ("↑↓".into(), "reboot".into(), true),
            ("0-9".into(), "count".into(), true),
            ("enter".into(), "activate".into(), true),
            (k(Action::Cancel), "back".into(), true),
        ],
        Mode::Filter => vec![
            ("type".into(), "to filter".into(), true),
            ("enter".into(), "keep".into(), true),
            (k(Action::Cancel), "clear".into(), true),
        ],
        Mode::Palette(_) => vec![
            ("type".into(), "to search".into(), true),
            ("↑↓".into(), "choose".into(), true),
            ("tab".into(), "complete".into(), true),
            ("enter".into(), "run".into(), true),
            (k(Action::Cancel), "close".into(), true),
        ],
        Mode::Results(_) => vec![
            (k(Action::Cancel), "close".into(), true),
            (k(Action::ToggleLog), "log".into(), true),
        ],
        Mode::WindowsPassword(w) => winpw_hints(w, &k),
        Mode::Details if selected_is_windows(state) => vec![
            (k(Action::Cancel), "close".into(), true),
            ("↑↓".into(), "scroll".into(), true),
            (k(Action::WindowsPassword), "windows password".into(), true),
        ],
        Mode::Help { .. } | Mode::Details | Mode::AuditSummary | Mode::Message { .. } => vec![
            (k(Action::Cancel), "close".into(), true),
            ("↑↓".into(), "scroll".into(), true),
        ],
        Mode::Browse => browse_hints(state),
    };
    // Short of room, one space between hints and shorter words, so the keys of a dialog
    // still fit the minimum width.
    let full: usize = items
        .iter()
        .map(|(k, w, _)| k.width() + w.width() + 3)
        .sum();
    let narrow = full > usize::from(area.width);
    let mut spans = Vec::new();
    for (key, what, enabled) in items {
        let what = if narrow {
            short(&what).to_owned()
        } else {
            what
        };
        let gap = if narrow { " " } else { "  " };
        let (ks, ws) = if enabled {
            (theme.key(), Style::default())
        } else {
            (theme.dim().add_modifier(Modifier::CROSSED_OUT), theme.dim())
        };
        spans.push(Span::styled(key, ks));
        spans.push(Span::styled(format!(" {what}{gap}"), ws));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn short(word: &str) -> &str {
    match word {
        "reveal" => "show",
        "generate" => "gen",
        "activate" => "go",
        "details" => "info",
        "project" => "proj",
        "to filter" => "filter",
        "to search" => "search",
        "complete" => "compl",
        "scroll log" => "log",
        other => other,
    }
}

fn browse_hints(state: &State) -> Vec<(String, String, bool)> {
    let k = |a| key_of(state, a);
    let reset = match reset_blocked(state) {
        Some(why) => (k(Action::Reset), format!("reset ({why})"), false),
        None => (k(Action::Reset), "reset".into(), true),
    };
    let mut v = vec![
        (k(Action::Help), "help".into(), true),
        (k(Action::Quit), "quit".into(), true),
        (k(Action::Mark), "mark".into(), true),
        reset,
        (k(Action::Details), "details".into(), true),
        (k(Action::Filter), "filter".into(), true),
        (k(Action::Sort), "sort".into(), true),
        (k(Action::ToggleProject), "project".into(), true),
        (k(Action::Audit), "audit".into(), true),
        (k(Action::ToggleLog), "log".into(), true),
    ];
    if state.show_log {
        let to = if state.focus == Focus::Log {
            "servers"
        } else {
            "scroll log"
        };
        v.insert(2, (k(Action::FocusNext), to.into(), true));
    }
    v
}
