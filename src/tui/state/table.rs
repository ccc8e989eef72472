//! The servers table model: all rows, plus a filtered and sorted index vector that is rebuilt
//! only when the data, the filter or the sort changed, never per frame. The selection follows
//! the server id, so a refresh or a re-sort keeps the operator on the same server.

use super::filter::{self, Filter, FlagWord};
pub use super::row::{Flag, Row, SortKey};
use crate::cloud::wire::ServerDetail;
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Row>,
    by_id: HashMap<String, usize>,
    view: Vec<usize>,
    filter: String,
    parsed: Filter,
    /// "label region" per project index, for `project:` and bare words.
    project_names: Vec<String>,
    /// What `profile:` matches for each project index.
    profile_names: Vec<String>,
    /// Only the projects of this profile are shown.
    profile_filter: Option<String>,
    project_filter: Option<usize>,
    sort: Option<(SortKey, bool)>,
    cursor: usize,
    offset: usize,
    selected: Option<String>,
    pub marked: BTreeSet<String>,
    dirty: bool,
}

impl Table {
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn get(&self, server_id: &str) -> Option<&Row> {
        self.by_id.get(server_id).map(|&i| &self.rows[i])
    }

    /// Indices into [`Table::rows`] of the visible rows, in display order.
    pub fn view(&self) -> &[usize] {
        &self.view
    }

    pub fn visible(&self, pos: usize) -> Option<&Row> {
        self.view.get(pos).map(|&i| &self.rows[i])
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    pub fn selected(&self) -> Option<&Row> {
        self.visible(self.cursor)
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// The filter as parsed, for the title and its errors.
    pub fn parsed_filter(&self) -> &Filter {
        &self.parsed
    }

    /// What `project:` and bare words match for each project index.
    pub fn set_project_names(&mut self, names: Vec<String>) {
        self.project_names = names;
        self.dirty = true;
    }

    pub fn set_profile_names(&mut self, names: Vec<String>) {
        self.profile_names = names;
        self.dirty = true;
    }

    pub fn set_profile_filter(&mut self, profile: Option<String>) {
        self.profile_filter = profile;
        self.dirty = true;
    }

    pub fn profile_filter(&self) -> Option<&str> {
        self.profile_filter.as_deref()
    }

    pub fn project_filter(&self) -> Option<usize> {
        self.project_filter
    }

    /// The sort column and whether it is descending; `Project` ascending by default.
    pub fn sort(&self) -> (SortKey, bool) {
        self.sort.unwrap_or((SortKey::Project, false))
    }

    pub fn pending_flags(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.flag == Flag::Checking)
            .count()
    }

    /// Replaces one project's rows with a fresh list; flags go back to "checking" because the
    /// caller checks them again. Marks of servers that disappeared are dropped.
    pub fn replace_project(&mut self, project: usize, servers: Vec<ServerDetail>) {
        let gone: Vec<String> = self
            .rows
            .iter()
            .filter(|r| r.project == project)
            .map(|r| r.detail.id.clone())
            .collect();
        self.rows.retain(|r| r.project != project);
        let fresh: BTreeSet<&str> = servers.iter().map(|s| s.id.as_str()).collect();
        for id in gone.iter().filter(|id| !fresh.contains(id.as_str())) {
            self.marked.remove(id);
        }
        self.rows.reserve_exact(servers.len());
        self.rows
            .extend(servers.into_iter().map(|detail| Row::new(project, detail)));
        self.by_id = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.detail.id.clone(), i))
            .collect();
        self.dirty = true;
    }

    /// Records a flag; ignored for a server that is not (or no longer) in that project.
    pub fn set_flag(&mut self, project: usize, server_id: &str, flag: Flag, at: DateTime<Utc>) {
        let Some(&i) = self.by_id.get(server_id) else {
            return;
        };
        let row = &mut self.rows[i];
        if row.project != project {
            return;
        }
        row.flag = flag;
        row.checked_at = Some(at);
        let (key, _) = self.sort();
        if !self.filter.is_empty() || matches!(key, SortKey::Flag | SortKey::Checked) {
            self.dirty = true;
        }
    }

    /// The live `/` filter, in the language of [`filter`].
    pub fn set_filter(&mut self, filter: String) {
        if filter != self.filter {
            self.parsed = Filter::parse(&filter);
            self.filter = filter;
            self.dirty = true;
        }
    }

    pub fn set_project_filter(&mut self, project: Option<usize>) {
        self.project_filter = project;
        self.dirty = true;
    }

    /// Sorts by `key` (a saved view, a header click).
    pub fn set_sort(&mut self, key: SortKey, desc: bool) {
        self.sort = Some((key, desc));
        self.dirty = true;
    }

    /// Ascending, then descending, then the next column.
    pub fn cycle_sort(&mut self) {
        let (key, desc) = self.sort();
        self.sort = Some(if desc {
            let i = SortKey::ALL.iter().position(|k| *k == key).unwrap_or(0);
            (SortKey::ALL[(i + 1) % SortKey::ALL.len()], false)
        } else {
            (key, true)
        });
        self.dirty = true;
    }

    /// Recomputes the visible index if anything it depends on changed; keeps the cursor on
    /// the selected server when it is still visible.
    pub fn sync(&mut self) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        let rows = &self.rows;
        let names = &self.project_names;
        let profiles = &self.profile_names;
        let mut view: Vec<usize> = (0..rows.len())
            .filter(|&i| self.project_filter.is_none_or(|p| rows[i].project == p))
            .filter(|&i| {
                self.profile_filter
                    .as_ref()
                    .is_none_or(|p| profiles.get(rows[i].project) == Some(p))
            })
            .filter(|&i| {
                self.parsed.is_empty()
                    || self.parsed.matches(&Subject {
                        row: &rows[i],
                        project: names.get(rows[i].project).map_or("", String::as_str),
                        profile: profiles.get(rows[i].project).map_or("", String::as_str),
                    })
            })
            .collect();
        let (key, desc) = self.sort();
        view.sort_by(|&a, &b| {
            let (a, b) = (&rows[a], &rows[b]);
            let primary = key.compare(a, b);
            let primary = if desc { primary.reverse() } else { primary };
            primary
                .then_with(|| a.project.cmp(&b.project))
                .then_with(|| a.name().cmp(b.name()))
                .then_with(|| a.detail.id.cmp(&b.detail.id))
        });
        self.view = view;
        let found = self.selected.as_ref().and_then(|id| {
            let &row = self.by_id.get(id)?;
            self.view.iter().position(|&i| i == row)
        });
        match found {
            Some(pos) => self.cursor = pos,
            None => self.set_cursor(self.cursor),
        }
    }

    fn set_cursor(&mut self, pos: usize) {
        self.cursor = pos.min(self.view.len().saturating_sub(1));
        self.selected = self.selected().map(|r| r.detail.id.clone());
    }

    /// Moves the cursor by `delta` rows, clamped to the visible rows.
    pub fn move_by(&mut self, delta: isize) {
        let pos = self.cursor.saturating_add_signed(delta);
        self.set_cursor(pos);
    }

    pub fn top(&mut self) {
        self.set_cursor(0);
    }

    pub fn bottom(&mut self) {
        self.set_cursor(usize::MAX);
    }

    /// Scrolls so that the cursor is inside a window of `page` rows.
    pub fn scroll_into_view(&mut self, page: usize) {
        let page = page.max(1);
        let max_offset = self.view.len().saturating_sub(page);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + page {
            self.offset = self.cursor + 1 - page;
        }
        self.offset = self.offset.min(max_offset);
    }

    pub fn toggle_mark(&mut self) {
        if let Some(id) = self.selected().map(|r| r.detail.id.clone())
            && !self.marked.remove(&id)
        {
            self.marked.insert(id);
        }
    }

    /// Marks every visible server that supports one-click reset, or unmarks them when they
    /// all are: with the project view or a filter, "every supported server of X" is two keys.
    /// Returns how many servers that was.
    pub fn mark_supported_visible(&mut self) -> usize {
        let ids: Vec<String> = self
            .view
            .iter()
            .map(|&i| &self.rows[i])
            .filter(|r| r.flag == Flag::Supported)
            .map(|r| r.detail.id.clone())
            .collect();
        if !ids.is_empty() && ids.iter().all(|id| self.marked.contains(id)) {
            for id in &ids {
                self.marked.remove(id);
            }
        } else {
            self.marked.extend(ids.iter().cloned());
        }
        ids.len()
    }

    /// Marks every visible row, or unmarks them all when they already are.
    pub fn mark_all_visible(&mut self) {
        let ids: Vec<String> = self
            .view
            .iter()
            .map(|&i| self.rows[i].detail.id.clone())
            .collect();
        if ids.iter().all(|id| self.marked.contains(id)) {
            for id in &ids {
                self.marked.remove(id);
            }
        } else {
            self.marked.extend(ids);
        }
    }
}

/// A row with its project's names, as the filter sees it.
struct Subject<'a> {
    row: &'a Row,
    project: &'a str,
    profile: &'a str,
}

impl filter::Subject for Subject<'_> {
    fn flag(&self) -> FlagWord {
        match self.row.flag {
            Flag::Checking => FlagWord::Checking,
            Flag::Supported => FlagWord::Supported,
            Flag::Unsupported => FlagWord::Unsupported,
            Flag::Unknown(_) => FlagWord::Unknown,
            Flag::NotOffered(_) => FlagWord::NotOffered,
        }
    }

    fn values(&self, field: filter::Field) -> Vec<&str> {
        use filter::Field;
        let r = self.row;
        let az = r.detail.availability_zone.as_deref().unwrap_or("");
        match field {
            Field::Status => vec![r.status()],
            Field::Os => vec![r.os().unwrap_or("")],
            Field::Project => vec![self.project],
            Field::Profile => vec![self.profile],
            Field::Az => vec![az],
            Field::Name => vec![r.name()],
            Field::Tag => r.detail.tags.iter().flatten().map(String::as_str).collect(),
            Field::Any => {
                let mut v = vec![r.name(), r.detail.id.as_str(), self.project, az];
                v.extend(r.addresses().iter().map(|(_, a)| a.addr.as_str()));
                v
            }
        }
    }
}
