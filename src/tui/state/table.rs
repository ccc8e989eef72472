//! The servers table model: all rows, plus a filtered and sorted index vector that is never
//! rebuilt per frame. A list page or a flag touches only its own rows: they leave the view and
//! are merged back in at their sorted place, so the cost of an event follows the rows it
//! brings, not the size of the fleet. Only a new filter, sort or project view sorts it all.
//! The selection follows the server id, so a refresh or a re-sort keeps the operator on the
//! same server.

use super::filter::{self, Filter, FlagWord};
use super::row;
pub use super::row::{Flag, Row, SortKey};
use crate::cloud::wire::ServerDetail;
use chrono::{DateTime, Utc};
use std::cmp::Ordering;
use std::collections::BTreeSet;

#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Row>,
    by_id: ids::Ids,
    /// Row indices of each project in (name, id) order, so its list never scans the others,
    /// and each row's place in it (`ranks`) breaks the sort's ties.
    per_project: Vec<Vec<usize>>,
    /// The listing of each project in progress: its pages so far are in `rows`, stamped with
    /// `stamp[project]`; rows of the project with an older stamp are dropped when it ends.
    listing: Vec<bool>,
    stamp: Vec<u32>,
    row_stamp: Vec<u32>,
    /// Every row in display order, whatever the filter hides: a filter or a project view is
    /// one pass over it, never a sort, so clearing a filter or `p` at 100,000 rows is a copy.
    sorted: Vec<usize>,
    /// The rows shown, in display order, while something hides rows ([`Table::narrowed`]);
    /// otherwise the view is `sorted` itself and this stays empty.
    view: Vec<usize>,
    narrowed: bool,
    filter: String,
    parsed: Filter,
    /// "label region" per project index, for `project:` and bare words.
    project_names: Vec<String>,
    /// The filter's bytes of each project's name.
    project_bytes: Vec<u64>,
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
    /// Rows still checking their flag, kept as they change rather than counted per frame.
    checking: usize,
    /// Bare-metal rows, counted as rows come and go: the table shows its kind column when
    /// there is one, and scanning 100,000 rows for it on every frame was most of a frame.
    bare_metal: usize,
    /// Each row's place in its project's (name, id) order: with the project, the sort's
    /// tie-break, kept as each page comes so that a sort never reads a tie from the rows.
    ranks: Vec<u32>,
    /// Rows whose place in the view may have changed since the last [`Table::sync`].
    touched: Vec<usize>,
    /// The sort changed, or rows were renumbered: every row is sorted anew.
    resort: bool,
    /// The project or profile view changed: the view is taken from `sorted` anew.
    reshow: bool,
    /// Only the filter changed since the view was placed; the filter the view was placed with.
    refilter: Option<Filter>,
}

impl Table {
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn get(&self, server_id: &str) -> Option<&Row> {
        self.by_id.get(&self.rows, server_id).map(|i| &self.rows[i])
    }

    /// Indices into [`Table::rows`] of the visible rows, in display order.
    pub fn view(&self) -> &[usize] {
        if self.narrowed {
            &self.view
        } else {
            &self.sorted
        }
    }

    pub fn visible(&self, pos: usize) -> Option<&Row> {
        self.view().get(pos).map(|&i| &self.rows[i])
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
        self.project_bytes = names.iter().map(|n| filter::byte_mask(n)).collect();
        self.project_names = names;
        self.reshow = true;
    }

    pub fn set_profile_names(&mut self, names: Vec<String>) {
        self.profile_names = names;
        self.reshow = true;
    }

    pub fn set_profile_filter(&mut self, profile: Option<String>) {
        self.profile_filter = profile;
        self.reshow = true;
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
        self.checking
    }

    /// Whether any row is a bare-metal server.
    pub fn has_bare_metal(&self) -> bool {
        self.bare_metal > 0
    }

    /// Replaces one project's rows with a fresh list; flags go back to "checking" because the
    /// caller checks them again. Marks of servers that disappeared are dropped.
    pub fn replace_project(&mut self, project: usize, servers: Vec<ServerDetail>) {
        self.add_page(project, servers);
        self.finish_list(project);
    }

    /// One page of a project's list. The first page after [`Table::finish_list`] (or ever)
    /// starts a new listing; a server already shown is updated in place and checks its flag
    /// again, a new one is added. The old rows stay until the listing ends, so a refresh
    /// never empties the screen.
    pub fn add_page(&mut self, project: usize, servers: Vec<ServerDetail>) {
        self.add_rows(project, Row::page(project, servers));
    }

    /// [`Table::add_page`] with the rows already built (by the worker, off the UI thread).
    pub fn add_rows(&mut self, project: usize, rows: Vec<Row>) {
        self.ensure_project(project);
        if !self.listing[project] {
            self.listing[project] = true;
            self.stamp[project] = self.stamp[project].wrapping_add(1);
        }
        let stamp = self.stamp[project];
        self.rows.reserve(rows.len());
        let mut page = Vec::with_capacity(rows.len());
        for mut row in rows {
            row.project = project;
            self.bare_metal += usize::from(row.kind().is_bms());
            let i = match self.by_id.get(&self.rows, row.id()) {
                Some(i) if self.rows[i].project == project => {
                    if self.rows[i].flag == Flag::Checking {
                        self.checking -= 1;
                    }
                    self.bare_metal -= usize::from(self.rows[i].kind().is_bms());
                    self.rows[i] = row;
                    i
                }
                _ => {
                    let i = self.rows.len();
                    self.rows.push(row);
                    self.by_id.insert(&self.rows, i);
                    self.row_stamp.push(stamp);
                    i
                }
            };
            self.row_stamp[i] = stamp;
            self.checking += 1;
            self.touched.push(i);
            page.push(i);
        }
        self.ranks.resize(self.rows.len(), 0);
        sort::rank_page(
            &self.rows,
            &mut self.per_project[project],
            &page,
            &mut self.ranks,
        );
    }

    /// Ends a project's listing: its rows that no page of it named are dropped, with their
    /// marks. Returns how many servers the project has.
    pub fn finish_list(&mut self, project: usize) -> usize {
        self.ensure_project(project);
        if std::mem::take(&mut self.listing[project]) {
            let stamp = self.stamp[project];
            let stale: Vec<usize> = self.per_project[project]
                .iter()
                .copied()
                .filter(|&i| self.row_stamp[i] != stamp)
                .collect();
            if !stale.is_empty() {
                self.remove_rows(&stale);
            }
        }
        self.per_project[project].len()
    }

    /// Forgets the listings in progress (a new list request supersedes them, or one failed):
    /// the rows they brought stay, and nothing is dropped for them.
    pub fn abort_lists(&mut self) {
        self.listing.iter_mut().for_each(|l| *l = false);
    }

    pub fn abort_list(&mut self, project: usize) {
        if let Some(l) = self.listing.get_mut(project) {
            *l = false;
        }
    }

    fn ensure_project(&mut self, project: usize) {
        if self.per_project.len() <= project {
            self.per_project.resize_with(project + 1, Vec::new);
            self.listing.resize(project + 1, false);
            self.stamp.resize(project + 1, 0);
        }
    }

    /// Drops rows (servers gone from their project's list) and renumbers the rest; rare, so
    /// it rebuilds the indices and the view.
    fn remove_rows(&mut self, gone: &[usize]) {
        let mut keep = vec![true; self.rows.len()];
        for &i in gone {
            keep[i] = false;
            let row = &self.rows[i];
            self.marked.remove(row.id());
            if row.flag == Flag::Checking {
                self.checking -= 1;
            }
            self.bare_metal -= usize::from(row.kind().is_bms());
        }
        let mut renumbered = vec![usize::MAX; self.rows.len()];
        let mut n = 0;
        for (i, &k) in keep.iter().enumerate() {
            if k {
                renumbered[i] = n;
                n += 1;
            }
        }
        let mut n = 0;
        self.rows.retain(|_| {
            n += 1;
            keep[n - 1]
        });
        let mut n = 0;
        self.row_stamp.retain(|_| {
            n += 1;
            keep[n - 1]
        });
        self.by_id.rebuild(&self.rows);
        // Each project keeps its (name, id) order, renumbered.
        self.ranks = vec![0; self.rows.len()];
        for list in &mut self.per_project {
            list.retain(|&i| keep[i]);
            for (k, i) in list.iter_mut().enumerate() {
                *i = renumbered[*i];
                self.ranks[*i] = u32::try_from(k).unwrap_or(u32::MAX);
            }
        }
        self.touched.clear();
        self.resort = true;
    }

    /// Records a flag; ignored for a server that is not (or no longer) in that project.
    pub fn set_flag(&mut self, project: usize, server_id: &str, flag: Flag, at: DateTime<Utc>) {
        let Some(i) = self.by_id.get(&self.rows, server_id) else {
            return;
        };
        let row = &mut self.rows[i];
        if row.project != project {
            return;
        }
        match (row.flag == Flag::Checking, flag == Flag::Checking) {
            (true, false) => self.checking -= 1,
            (false, true) => self.checking += 1,
            _ => {}
        }
        row.flag = flag;
        row.checked_at = Some(at);
        let (key, _) = self.sort();
        let filtered = self.parsed.terms.iter().any(|t| match &t.test {
            filter::Test::Flag(_) => true,
            filter::Test::Text(..) => false,
        });
        if filtered || matches!(key, SortKey::Flag | SortKey::Checked) {
            self.touched.push(i);
        }
    }

    /// The live `/` filter, in the language of [`filter`].
    pub fn set_filter(&mut self, filter: String) {
        if filter != self.filter {
            let before = std::mem::replace(&mut self.parsed, Filter::parse(&filter));
            self.filter = filter;
            self.refilter.get_or_insert(before);
        }
    }

    pub fn set_project_filter(&mut self, project: Option<usize>) {
        self.project_filter = project;
        self.reshow = true;
    }

    /// Sorts by `key` (a saved view, a header click).
    pub fn set_sort(&mut self, key: SortKey, desc: bool) {
        self.sort = Some((key, desc));
        self.resort = true;
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
        self.resort = true;
    }

    /// Whether row `i` passes the project view and the filter.
    fn shows(&self, i: usize) -> bool {
        let row = &self.rows[i];
        let profile = self.profile_names.get(row.project);
        self.project_filter.is_none_or(|p| row.project == p)
            && self
                .profile_filter
                .as_ref()
                .is_none_or(|p| profile == Some(p))
            && (self.parsed.is_empty()
                || self.parsed.matches(&Subject {
                    row,
                    project: self
                        .project_names
                        .get(row.project)
                        .map_or("", String::as_str),
                    profile: profile.map_or("", String::as_str),
                    project_bytes: self.project_bytes.get(row.project).copied().unwrap_or(0),
                }))
    }

    /// Display order: the sort column, then project, name and id, so it is total. The last
    /// two are the row's rank in its project, kept as pages come.
    fn order(&self, a: usize, b: usize) -> Ordering {
        let (key, desc) = self.sort();
        let (ra, rb) = (&self.rows[a], &self.rows[b]);
        let primary = key.compare(ra, rb);
        let primary = if desc { primary.reverse() } else { primary };
        primary
            .then_with(|| ra.project.cmp(&rb.project))
            .then_with(|| self.ranks[a].cmp(&self.ranks[b]))
    }

    fn set_cursor(&mut self, pos: usize) {
        self.cursor = pos.min(self.view().len().saturating_sub(1));
        self.selected = self.selected().map(|r| r.id().to_owned());
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
        let max_offset = self.view().len().saturating_sub(page);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + page {
            self.offset = self.cursor + 1 - page;
        }
        self.offset = self.offset.min(max_offset);
    }

    pub fn toggle_mark(&mut self) {
        if let Some(id) = self.selected().map(|r| r.id().to_owned())
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
            .view()
            .iter()
            .map(|&i| &self.rows[i])
            .filter(|r| r.flag == Flag::Supported)
            .map(|r| r.id().to_owned())
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
            .view()
            .iter()
            .map(|&i| self.rows[i].id().to_owned())
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
    project_bytes: u64,
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

    fn byte_mask(&self, field: filter::Field) -> Option<u64> {
        (field == filter::Field::Any).then(|| self.row.bare_bytes() | self.project_bytes)
    }

    fn any_value(&self, field: filter::Field, hit: &mut dyn FnMut(&str) -> bool) -> bool {
        use filter::Field;
        let r = self.row;
        let az = r.availability_zone().unwrap_or("");
        match field {
            Field::Status => hit(r.status()),
            Field::Os => hit(r.os().unwrap_or("")),
            Field::Project => hit(self.project),
            Field::Profile => hit(self.profile),
            Field::Az => hit(az),
            Field::Name => hit(r.name()),
            Field::Tag => r.tags().iter().any(|t| hit(t)),
            Field::Any => {
                [r.name(), r.id(), self.project, az]
                    .into_iter()
                    .any(&mut *hit)
                    || r.addresses().iter().any(|a| hit(&a.addr))
            }
        }
    }

    fn values(&self, field: filter::Field) -> Vec<&str> {
        use filter::Field;
        let r = self.row;
        let az = r.availability_zone().unwrap_or("");
        match field {
            Field::Status => vec![r.status()],
            Field::Os => vec![r.os().unwrap_or("")],
            Field::Project => vec![self.project],
            Field::Profile => vec![self.profile],
            Field::Az => vec![az],
            Field::Name => vec![r.name()],
            Field::Tag => r.tags().iter().map(|t| &**t).collect(),
            Field::Any => {
                let mut v = vec![r.name(), r.id(), self.project, az];
                v.extend(r.addresses().iter().map(|a| &*a.addr));
                v
            }
        }
    }
}

mod ids;
mod place;
mod sort;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_keyed;
