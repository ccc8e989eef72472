//! The servers table. Only the rows inside the window are built, so a 10,000-server fleet
//! costs the same per frame as a 20-server one.

use super::ago;
use super::text::{fit, or_dash};
use super::theme::Theme;
use crate::tui::state::geometry::{Col, Columns};
use crate::tui::state::table::{Flag, Row as ServerRow, SortKey};
use crate::tui::state::{Focus, ProjectLoad, State};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

fn widths(cols: &Columns) -> Vec<Constraint> {
    cols.shown
        .iter()
        .map(|c| Constraint::Length(cols.width_of(*c)))
        .collect()
}

pub fn spinner(state: &State) -> &'static str {
    let i = (state.now.timestamp_millis().div_euclid(250)).rem_euclid(4) as usize;
    SPINNER[i]
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let table = &state.table;
    let focused = state.focus == Focus::Servers;
    let cols = Columns::of_state(state, area.width);
    let (sort, desc) = table.sort();
    let arrow = if desc { "▼" } else { "▲" };
    // A sort on a column too wide to show is named here instead of on another column.
    let hidden_sort = sort_column(&cols, sort, state.projects.len())
        .is_none()
        .then(|| format!("by {}{arrow} · ", sort.label()));
    let position = if table.view().is_empty() {
        String::new()
    } else {
        format!(
            " {}{}/{} ",
            hidden_sort.unwrap_or_default(),
            table.cursor() + 1,
            table.view().len()
        )
    };
    let block = Block::bordered()
        .title(title(state, area.width, position.chars().count(), theme))
        .title_top(Line::from(position).alignment(Alignment::Right))
        .border_style(theme.border(focused));
    if table.view().is_empty() {
        let inner = block.inner(area);
        frame.render_widget(block, area);
        return empty(frame, inner, state, theme);
    }
    let name_width = usize::from(cols.name_width);
    let rows_visible = usize::from(area.height.saturating_sub(3));
    let header = header(
        &cols,
        sort_column(&cols, sort, state.projects.len()),
        arrow,
        theme,
    );
    let rows: Vec<Row> = table
        .view()
        .iter()
        .enumerate()
        .skip(table.offset())
        .take(rows_visible)
        .map(|(pos, &i)| {
            let r = &table.rows()[i];
            let marked = table.marked.contains(r.id());
            let row = row(r, marked, state, &cols, name_width, theme);
            if pos == table.cursor() {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let t = Table::new(rows, widths(&cols))
        .header(header)
        .column_spacing(1)
        .block(block);
    frame.render_widget(t, area);
}

/// " Servers ", then the filter as parsed (what actually applies) or its first error.
fn title(state: &State, width: u16, right: usize, theme: Theme) -> Line<'static> {
    let f = state.table.parsed_filter();
    let mut spans = vec![Span::styled(" Servers ", theme.title())];
    // Borders, the position on the right and a gap.
    let room = usize::from(width).saturating_sub(12 + right);
    if let Some(e) = f.errors.first() {
        spans.push(Span::styled(fit(&format!("✗ {e} "), room), theme.bad()));
    } else if !f.is_empty() {
        spans.push(Span::styled(fit(&format!("· {f} "), room), theme.accent()));
    }
    Line::from(spans)
}

/// The shown column that carries the sort arrow. With one project, sorting by project is
/// sorting by name (the tie-break), so the arrow goes there.
fn sort_column(cols: &Columns, sort: SortKey, projects: usize) -> Option<Col> {
    let col = match Col::of_sort(sort) {
        Col::Project if projects < 2 => Col::Name,
        c => c,
    };
    cols.has(col).then_some(col)
}

fn header(cols: &Columns, sorted: Option<Col>, arrow: &str, theme: Theme) -> Row<'static> {
    let cells: Vec<Cell> = cols
        .shown
        .iter()
        .map(|&c| {
            if Some(c) == sorted {
                Cell::from(format!("{}{arrow}", c.title()))
            } else {
                Cell::from(c.title())
            }
        })
        .collect();
    Row::new(cells).style(theme.title())
}

fn row<'a>(
    r: &'a ServerRow,
    marked: bool,
    state: &State,
    cols: &Columns,
    name_width: usize,
    theme: Theme,
) -> Row<'a> {
    let cells = cols.shown.iter().map(|&c| match c {
        Col::Mark if marked => Cell::from(Span::styled("●", theme.marked())),
        Col::Mark => Cell::from(" "),
        Col::Name => Cell::from(fit(r.name(), name_width)),
        Col::Id => Cell::from(short_id(r.id())),
        Col::Kind => Cell::from(r.kind().word()),
        Col::Status => {
            let (status, style) = status_cell(r.status(), theme);
            Cell::from(Span::styled(fit(&status, 9), style))
        }
        Col::Os => Cell::from(fit(&or_dash(r.os()), 7)),
        Col::Ip => Cell::from(fit(&or_dash(r.private_ip()), 15)),
        Col::Az => Cell::from(fit(&or_dash(r.availability_zone()), 15)),
        Col::Profile => Cell::from(fit(state.profile_name(r.project), 10)),
        Col::Project => Cell::from(fit(
            state.project_label(r.project),
            usize::from(cols.project_width),
        )),
        Col::Flag => {
            let (flag, style) = flag_cell(&r.flag, theme);
            Cell::from(Span::styled(flag, style))
        }
        Col::Age => {
            let age = r
                .checked_at
                .map_or_else(|| "-".into(), |t| ago(state.now, t));
            Cell::from(Span::styled(age, theme.dim()))
        }
    });
    Row::new(cells)
}

/// The first 8 characters of an id, as the table shows it.
pub fn short_id(id: &str) -> String {
    super::text::clean(id).chars().take(8).collect()
}

pub fn flag_cell(flag: &Flag, theme: Theme) -> (String, Style) {
    let style = match flag {
        Flag::Supported => theme.ok(),
        Flag::Unsupported => theme.bad(),
        Flag::Checking => theme.pending(),
        Flag::Unknown(_) => theme.warn(),
        Flag::NotOffered(_) => theme.dim(),
    };
    (format!("{} {}", flag.glyph(), flag.word()), style)
}

/// Glyph + word for the ECS status.
pub fn status_cell(status: &str, theme: Theme) -> (String, Style) {
    let (glyph, style) = match status {
        "ACTIVE" => ("●", theme.ok()),
        "SHUTOFF" | "STOPPED" => ("○", theme.dim()),
        "ERROR" => ("✗", theme.bad()),
        "" => ("·", theme.dim()),
        _ => ("◌", theme.warn()),
    };
    let word = if status.is_empty() { "-" } else { status };
    (format!("{glyph} {}", super::text::clean(word)), style)
}

fn empty(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let loading = state
        .projects
        .iter()
        .filter(|p| p.load == ProjectLoad::Loading)
        .count();
    let failed = state
        .projects
        .iter()
        .filter(|p| matches!(p.load, ProjectLoad::Failed(_)))
        .count();
    let mut lines = Vec::new();
    if state.projects.is_empty() {
        lines.push(Line::from("no projects configured"));
    } else if loading > 0 {
        let listed = state.projects.len() - loading;
        lines.push(Line::from(Span::styled(
            format!(
                "{} loading servers… ({listed} of {} projects listed)",
                spinner(state),
                state.projects.len()
            ),
            theme.pending(),
        )));
    } else if !state.table.rows().is_empty() {
        lines.push(Line::from("no server matches the filter (esc clears it)"));
    } else if failed > 0 {
        // "No servers" would be a claim about the cloud; the listing failed, which is not one.
        lines.push(Line::from(Span::styled(
            format!(
                "nothing listed: {failed} of {} projects failed ({} retries)",
                state.projects.len(),
                super::status::key_of(state, crate::config::Action::Refresh)
            ),
            theme.bad(),
        )));
    } else {
        lines.push(Line::from("no servers in the configured projects"));
    }
    for p in &state.projects {
        if let ProjectLoad::Failed(e) = &p.load {
            lines.push(Line::from(Span::styled(
                format!(
                    "✗ {}: {}",
                    super::text::clean(&p.label),
                    super::text::clean(e)
                ),
                theme.bad(),
            )));
        }
    }
    // Errors wrap rather than lose their end; rows are counted as wrapped.
    let width = usize::from(area.width.max(1));
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
    let y = area.y
        + area
            .height
            .saturating_sub(u16::try_from(rows).unwrap_or(u16::MAX))
            / 2;
    let r = Rect::new(
        area.x,
        y,
        area.width,
        area.height.saturating_sub(y - area.y),
    );
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(ratatui::widgets::Wrap { trim: true }),
        r,
    );
}
