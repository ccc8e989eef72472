//! Where each pane goes and which table columns fit: pure geometry of the state, shared by
//! drawing (`ui`) and by `update`, which pages by the table height and hit-tests the mouse.

use crate::config::Column;
use crate::tui::state::State;
use crate::tui::state::table::SortKey;
use ratatui::layout::{Constraint, Layout, Rect};

/// The smallest terminal that shows every control of every mode (the snapshot tests at this
/// size prove it). Below it the screen says so, and keys other than quit do nothing.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

pub struct Areas {
    pub header: Rect,
    pub table: Rect,
    pub log: Option<Rect>,
    pub gauge: Option<Rect>,
    pub status: Rect,
    pub hints: Rect,
}

/// `(width, height)` in cells.
pub fn too_small((width, height): (u16, u16)) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

pub fn areas(area: Rect, state: &State) -> Areas {
    let log_height = if state.show_log {
        (area.height / 3).max(6)
    } else {
        0
    };
    let auditing = state.audit.as_ref().is_some_and(|a| !a.finished);
    let [header, table, log, gauge, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(log_height),
        Constraint::Length(u16::from(auditing)),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    Areas {
        header,
        table,
        log: state.show_log.then_some(log),
        gauge: auditing.then_some(gauge),
        status,
        hints,
    }
}

/// The whole screen at the current size.
pub fn screen(state: &State) -> Areas {
    areas(Rect::new(0, 0, state.size.0, state.size.1), state)
}

/// Data rows the servers table shows at the current size (borders and header excluded).
pub fn table_rows(state: &State) -> usize {
    usize::from(screen(state).table.height.saturating_sub(3))
}

/// Lines the log pane shows at the current size (borders excluded); 0 when it is hidden.
pub fn log_rows(state: &State) -> usize {
    screen(state)
        .log
        .map_or(0, |r| usize::from(r.height.saturating_sub(2)))
}

/// A column of the table, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Mark,
    Name,
    Id,
    Kind,
    Status,
    Os,
    Ip,
    Az,
    /// The account, shown only when more than one profile is loaded.
    Profile,
    Project,
    Flag,
    Age,
}

impl Col {
    pub const ORDER: [Col; 12] = [
        Col::Mark,
        Col::Name,
        Col::Id,
        Col::Kind,
        Col::Status,
        Col::Os,
        Col::Ip,
        Col::Az,
        Col::Profile,
        Col::Project,
        Col::Flag,
        Col::Age,
    ];

    /// Optional columns, most important first: names repeat across projects (every region
    /// has its `web-01`), so the project goes before everything else; the zone only refines
    /// the region the project already names. The kind shows only when bare-metal servers
    /// are listed (an ECS-only fleet keeps its columns), and then early: a BMS server is
    /// reset without a reboot. With several profiles, the same region and names repeat
    /// across accounts: the profile comes first of all.
    pub const OPTIONAL: [Col; 8] = [
        Col::Profile,
        Col::Project,
        Col::Kind,
        Col::Status,
        Col::Os,
        Col::Ip,
        Col::Age,
        Col::Az,
    ];

    pub fn width(self) -> u16 {
        match self {
            Col::Mark => 1,
            Col::Name => NAME_MIN,
            Col::Id => 8,
            Col::Kind => 4,
            Col::Status => 9,
            Col::Os => 7,
            Col::Ip => 15,
            Col::Az => 15,
            Col::Profile => 10,
            Col::Project => 12,
            Col::Flag => 13,
            Col::Age => 4,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Col::Mark => " ",
            Col::Name => "name",
            Col::Id => "id",
            Col::Kind => "kind",
            Col::Status => "status",
            Col::Os => "os",
            Col::Ip => "ip",
            Col::Az => "az",
            Col::Profile => "profile",
            Col::Project => "project",
            Col::Flag => "flag",
            Col::Age => "age",
        }
    }

    /// The column a choice in the config or the palette names.
    pub fn of_choice(c: Column) -> Col {
        match c {
            Column::Name => Col::Name,
            Column::Id => Col::Id,
            Column::Status => Col::Status,
            Column::Os => Col::Os,
            Column::Ip => Col::Ip,
            Column::Az => Col::Az,
            Column::Project => Col::Project,
            Column::Flag => Col::Flag,
            Column::Age => Col::Age,
        }
    }

    /// The sort key of a column, for a header click.
    pub fn sort_key(self) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| Col::of_sort(*k) == self)
    }

    /// The column a sort key sorts on.
    pub fn of_sort(key: SortKey) -> Col {
        match key {
            SortKey::Project => Col::Project,
            SortKey::Name => Col::Name,
            SortKey::Status => Col::Status,
            SortKey::Os => Col::Os,
            SortKey::Ip => Col::Ip,
            SortKey::Flag => Col::Flag,
            SortKey::Checked => Col::Age,
        }
    }
}

const NAME_MIN: u16 = 16;
const NAME_MAX: u16 = 40;

/// The columns that fit in a table `width` cells wide (borders included), and the name's
/// width: the optional columns join in order of importance while they fit, then the name
/// takes what is left, up to `NAME_MAX`.
pub struct Columns {
    pub shown: Vec<Col>,
    pub name_width: u16,
    /// Labels such as `cn-north-4_prod` get what the name leaves, up to `PROJECT_MAX`.
    pub project_width: u16,
}

const PROJECT_MAX: u16 = 24;

impl Columns {
    /// `chosen` (the config's or the palette's list) keeps its order; a chosen column that
    /// does not fit is left out, and the first is always shown. `kind` shows only when
    /// bare-metal servers are listed, `profile` only with several profiles.
    /// The columns the table of `state` shows at `width`: what the view draws and what a
    /// click on the header is measured against.
    pub fn of_state(state: &State, width: u16) -> Self {
        Self::for_width(
            width,
            state.projects.len(),
            state.columns.as_deref(),
            state.table.has_bare_metal(),
            state.many_profiles(),
        )
    }

    pub fn for_width(
        width: u16,
        projects: usize,
        chosen: Option<&[Column]>,
        bare_metal: bool,
        profiles: bool,
    ) -> Self {
        let inner = width.saturating_sub(2);
        let cost = |cols: &[Col]| -> u16 {
            cols.iter()
                .map(|c| c.width() + 1)
                .sum::<u16>()
                .saturating_sub(1)
        };
        let mut shown = match chosen {
            Some(list) => {
                let mut shown = vec![Col::Mark];
                for (i, &c) in list.iter().enumerate() {
                    let mut with = shown.clone();
                    with.push(Col::of_choice(c));
                    if i == 0 || cost(&with) <= inner {
                        shown = with;
                    }
                }
                shown
            }
            None => vec![Col::Mark, Col::Name, Col::Id, Col::Flag],
        };
        for col in Col::OPTIONAL.into_iter().filter(|_| chosen.is_none()) {
            if (col == Col::Project && projects < 2)
                || (col == Col::Kind && !bare_metal)
                || (col == Col::Profile && !profiles)
            {
                continue;
            }
            let mut with = shown.clone();
            with.push(col);
            if cost(&with) <= inner {
                shown = with;
            }
        }
        if chosen.is_none() {
            shown.sort_by_key(|c| Col::ORDER.iter().position(|o| o == c));
        }
        let spare = inner.saturating_sub(cost(&shown));
        let name_width = if shown.contains(&Col::Name) {
            (NAME_MIN + spare).min(NAME_MAX)
        } else {
            NAME_MIN
        };
        let spare = spare - (name_width - NAME_MIN);
        let project_width = if shown.contains(&Col::Project) {
            (Col::Project.width() + spare).min(PROJECT_MAX)
        } else {
            Col::Project.width()
        };
        Self {
            shown,
            name_width,
            project_width,
        }
    }

    pub fn has(&self, col: Col) -> bool {
        self.shown.contains(&col)
    }

    pub fn width_of(&self, col: Col) -> u16 {
        match col {
            Col::Name => self.name_width,
            Col::Project => self.project_width,
            c => c.width(),
        }
    }
}

/// The sort key of the header cell at column `x` of a table drawn in `area`, for a mouse
/// click; `None` between columns and on columns that do not sort.
pub fn sort_at(state: &State, area: Rect, x: u16) -> Option<SortKey> {
    let cols = Columns::of_state(state, area.width);
    let mut left = area.x + 1;
    for &c in &cols.shown {
        let w = cols.width_of(c);
        if (left..left + w).contains(&x) {
            return c.sort_key();
        }
        left += w + 1;
    }
    None
}
