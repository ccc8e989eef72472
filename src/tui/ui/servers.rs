//! The servers table. Only the rows inside the window are built, so a 10,000-server fleet
//! costs the same per frame as a 20-server one.

use super::ago;
use super::text::{fit, or_dash};
use super::theme::Theme;
use crate::tui::state::table::{Flag, Row as ServerRow};
use crate::tui::state::{Focus, ProjectLoad, State};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

/// Which optional columns fit at this width.
struct Columns {
    az: bool,
    project: bool,
}

impl Columns {
    /// The project comes before the zone: names repeat across projects (every region has
    /// its `web-01`), while the zone only refines the region the project already names.
    fn for_width(width: u16, projects: usize) -> Self {
        let project = projects > 1 && width >= 100;
        Self {
            az: width >= if project { 130 } else { 110 },
            project,
        }
    }

    /// The name column's width in a table `width` cells wide (borders included): what the
    /// fixed columns and the one-cell gaps leave, so a long name gets its `…`.
    fn name_width(&self, width: u16) -> usize {
        let widths = self.widths();
        let fixed: u16 = widths
            .iter()
            .map(|c| match c {
                Constraint::Length(n) => *n,
                _ => 0,
            })
            .sum();
        let gaps = u16::try_from(widths.len() - 1).unwrap_or(0);
        usize::from(width.saturating_sub(2 + fixed + gaps).max(10))
    }

    fn widths(&self) -> Vec<Constraint> {
        let mut w = vec![
            Constraint::Length(1),
            Constraint::Min(10),
            Constraint::Length(8),
            Constraint::Length(11),
            Constraint::Length(7),
            Constraint::Length(15),
        ];
        if self.az {
            w.push(Constraint::Length(15));
        }
        if self.project {
            w.push(Constraint::Length(16));
        }
        w.extend([Constraint::Length(13), Constraint::Length(4)]);
        w
    }
}

pub fn spinner(state: &State) -> &'static str {
    let i = (state.now.timestamp_millis().div_euclid(250)).rem_euclid(4) as usize;
    SPINNER[i]
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let table = &state.table;
    let focused = state.focus == Focus::Servers;
    let position = if table.view().is_empty() {
        String::new()
    } else {
        format!(" {}/{} ", table.cursor() + 1, table.view().len())
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
    let cols = Columns::for_width(area.width, state.projects.len());
    let name_width = cols.name_width(area.width).min(40);
    let rows_visible = usize::from(area.height.saturating_sub(3));
    let (sort, desc) = table.sort();
    let header = header(&cols, sort.label(), desc, theme);
    let rows: Vec<Row> = table
        .view()
        .iter()
        .enumerate()
        .skip(table.offset())
        .take(rows_visible)
        .map(|(pos, &i)| {
            let r = &table.rows()[i];
            let marked = table.marked.contains(&r.detail.id);
            let row = row(r, marked, state, &cols, name_width, theme);
            if pos == table.cursor() {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let t = Table::new(rows, cols.widths())
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

fn header(cols: &Columns, sort: &str, desc: bool, theme: Theme) -> Row<'static> {
    let arrow = if desc { "▼" } else { "▲" };
    let mut names = vec![" ", "name", "id", "status", "os", "ip"];
    if cols.az {
        names.push("az");
    }
    if cols.project {
        names.push("project");
    }
    names.extend(["flag", "age"]);
    let key = match sort {
        "checked" => "age",
        "project" if !cols.project => "name",
        other => other,
    };
    let cells: Vec<Cell> = names
        .into_iter()
        .map(|n| {
            if n == key {
                Cell::from(format!("{n}{arrow}"))
            } else {
                Cell::from(n)
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
    let d = &r.detail;
    let mark = if marked {
        Cell::from(Span::styled("●", theme.marked()))
    } else {
        Cell::from(" ")
    };
    let (status, status_style) = status_cell(r.status(), theme);
    let mut cells = vec![
        mark,
        Cell::from(fit(r.name(), name_width)),
        Cell::from(short_id(&d.id)),
        Cell::from(Span::styled(fit(&status, 11), status_style)),
        Cell::from(fit(&or_dash(r.os()), 7)),
        Cell::from(fit(&or_dash(r.private_ip()), 15)),
    ];
    if cols.az {
        cells.push(Cell::from(fit(
            &or_dash(d.availability_zone.as_deref()),
            15,
        )));
    }
    if cols.project {
        cells.push(Cell::from(fit(state.project_label(r.project), 16)));
    }
    let (flag, flag_style) = flag_cell(&r.flag, theme);
    cells.push(Cell::from(Span::styled(flag, flag_style)));
    let age = r
        .checked_at
        .map(|t| ago(state.now, t))
        .unwrap_or_else(|| "-".into());
    cells.push(Cell::from(Span::styled(age, theme.dim())));
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
    } else {
        lines.push(Line::from("no servers in the configured projects"));
    }
    for p in &state.projects {
        if let ProjectLoad::Failed(e) = &p.load {
            lines.push(Line::from(Span::styled(
                fit(&format!("✗ {}: {e}", p.label), usize::from(area.width)),
                theme.bad(),
            )));
        }
    }
    let y = area.y + area.height.saturating_sub(lines.len() as u16) / 2;
    let r = Rect::new(
        area.x,
        y,
        area.width,
        area.height.saturating_sub(y - area.y),
    );
    frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center), r);
}
