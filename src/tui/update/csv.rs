//! `ctrl-s` outside the form: the visible table (every row the filter and project view
//! leave, in display order; the chosen columns, else all of them) as CSV. Built here, pure;
//! the runtime writes it to a private file in the data directory and says where.

use crate::config::Column;
use crate::report::{self, Table};
use crate::tui::msg::{Effect, SaveError};
use crate::tui::state::table::Row;
use crate::tui::state::{Level, State};

pub fn save(state: &mut State) -> Vec<Effect> {
    let rows = state.table.view().len();
    if rows == 0 {
        state.notice(Level::Warn, "no rows to save: the table is empty");
        return Vec::new();
    }
    let cols: Vec<Column> = state
        .columns
        .clone()
        .unwrap_or_else(|| Column::ALL.to_vec());
    let table = Table {
        headers: cols.iter().map(|c| c.name()).collect(),
        rows: (0..rows)
            .filter_map(|pos| state.table.visible(pos))
            .map(|r| cols.iter().map(|c| cell(state, r, *c)).collect())
            .collect(),
    };
    let mut bytes = Vec::new();
    if let Err(e) = report::write_csv(&mut bytes, &table) {
        state.notice(Level::Error, format!("cannot build the CSV: {e}"));
        return Vec::new();
    }
    let file_name = format!("servers-{}.csv", state.now.format("%Y%m%dT%H%M%S%.3fZ"));
    vec![Effect::SaveCsv {
        file_name,
        rows,
        bytes,
    }]
}

/// Says where the table went; a path too long for the status line also opens a message.
pub fn saved(state: &mut State, rows: usize, outcome: Result<std::path::PathBuf, SaveError>) {
    match outcome {
        Ok(path) => {
            let rows = if rows == 1 {
                "1 row".into()
            } else {
                format!("{rows} rows")
            };
            let text = format!("saved {rows} to {}", path.display());
            // The status line has half the width: a path cut short would be no use.
            if unicode_width::UnicodeWidthStr::width(text.as_str()) > usize::from(state.size.0 / 2)
            {
                state.mode = crate::tui::state::Mode::Message {
                    title: "Table saved".into(),
                    text: text.clone(),
                };
            }
            state.notice(Level::Info, text);
        }
        Err(SaveError::NoDataDir) => state.notice(
            Level::Error,
            "no data directory to save to; pass --data-dir",
        ),
        Err(SaveError::Write(e)) => state.notice(Level::Error, format!("table not saved: {e}")),
    }
}

/// Full values, not the table's shortened ones: a CSV is read by other tools.
fn cell(state: &State, r: &Row, c: Column) -> String {
    match c {
        Column::Name => r.name().to_owned(),
        Column::Id => r.id().to_owned(),
        Column::Status => r.status().to_owned(),
        Column::Os => r.os().unwrap_or("").to_owned(),
        Column::Ip => r.private_ip().unwrap_or("").to_owned(),
        Column::Az => r.availability_zone().unwrap_or_default().to_owned(),
        Column::Project => state
            .projects
            .get(r.project)
            .map(crate::tui::state::ProjectState::place)
            .unwrap_or_default(),
        Column::Flag => r.flag.word().to_owned(),
        Column::Age => r.checked_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
    }
}
