//! Keeping the view placed. Every row sits in `sorted`, in display order, whatever hides it;
//! the view is `sorted` itself, or the rows of it a filter or a project view shows. An event
//! takes its own rows out of both and merges them back at their places, so its cost follows
//! the rows it brings; a new filter or project view is one pass over `sorted`; only a new sort
//! sorts every row.

use super::{Table, sort};
use std::cmp::Ordering;

impl Table {
    /// Sorts row indices in [`Table::order`], ties by each row's project and rank.
    fn sort_rows(&self, idx: &mut Vec<usize>) {
        let (key, desc) = self.sort();
        let ties = sort::Ties::new(&self.per_project, &self.ranks);
        sort::sort_ranked(&self.rows, &ties, idx, key, desc);
    }

    /// Whether the project view, the profile view or the filter hides anything.
    fn hides(&self) -> bool {
        self.project_filter.is_some() || self.profile_filter.is_some() || !self.parsed.is_empty()
    }

    /// Brings the view up to date; keeps the cursor on the selected server when it is still
    /// visible.
    pub fn sync(&mut self) {
        let before = self.refilter.take();
        let resort = std::mem::take(&mut self.resort);
        let reshow = std::mem::take(&mut self.reshow);
        if !resort && !reshow && before.is_none() && self.touched.is_empty() {
            return;
        }
        let mut touched = std::mem::take(&mut self.touched);
        if resort {
            touched.clear();
            let mut all: Vec<usize> = (0..self.rows.len()).collect();
            self.sort_rows(&mut all);
            self.sorted = all;
        } else if !touched.is_empty() {
            touched.sort_unstable();
            touched.dedup();
            self.sort_rows(&mut touched);
            let sorted = std::mem::take(&mut self.sorted);
            self.sorted = self.replace(sorted, &touched, Keep::Every);
        }
        let hides = self.hides();
        let was_narrowed = std::mem::replace(&mut self.narrowed, hides);
        if !self.narrowed {
            self.view = Vec::new();
        } else if resort
            || reshow
            || !was_narrowed
            || before.as_ref().is_some_and(|b| !self.parsed.narrows(b))
        {
            // A wider filter may bring back any row: every row is tested, none sorted.
            let view: Vec<usize> = self
                .sorted
                .iter()
                .copied()
                .filter(|&i| self.shows(i))
                .collect();
            self.view = view;
        } else if before.is_some() || !touched.is_empty() {
            // A narrower filter tests only the rows it showed.
            let view = std::mem::take(&mut self.view);
            self.view = self.replace(
                view,
                &touched,
                Keep::Shown {
                    retest: before.is_some(),
                },
            );
        }
        let found = self.selected.as_ref().and_then(|id| {
            let row = self.by_id.get(&self.rows, id)?;
            self.view().iter().position(|&i| i == row)
        });
        match found {
            Some(pos) => self.cursor = pos,
            None => self.set_cursor(self.cursor),
        }
    }

    /// `placed` without the `touched` rows (in display order), then those of them it should
    /// hold merged back at their places: a binary search each, so a page of 1,000 rows costs
    /// the same in a table of 100,000 as in one of 1,000, plus one pass to copy the index.
    /// `sorted` holds every row; the view only those shown, and with `retest` (a narrower
    /// filter) the rows it keeps are tested again.
    fn replace(&self, mut placed: Vec<usize>, touched: &[usize], keep: Keep) -> Vec<usize> {
        let mut is_touched = vec![false; self.rows.len()];
        for &i in touched {
            is_touched[i] = true;
        }
        match keep {
            Keep::Every => {
                placed.retain(|&i| !is_touched[i]);
                self.merge(placed, touched)
            }
            Keep::Shown { retest } => {
                placed.retain(|&i| !is_touched[i] && (!retest || self.shows(i)));
                let add: Vec<usize> = touched.iter().copied().filter(|&i| self.shows(i)).collect();
                self.merge(placed, &add)
            }
        }
    }

    /// `sorted` with `add` (sorted too) merged in at their places.
    fn merge(&self, sorted: Vec<usize>, add: &[usize]) -> Vec<usize> {
        if add.is_empty() {
            return sorted;
        }
        let mut merged = Vec::with_capacity(sorted.len() + add.len());
        let mut rest = &sorted[..];
        for &t in add {
            // Galloping from where the last one went: a page of 16,000 rows into 50,000
            // compares a few neighbours each rather than searching the rest every time.
            let before = |v: usize| self.order(v, t) == Ordering::Less;
            let mut end = 1;
            while end < rest.len() && before(rest[end - 1]) {
                end *= 2;
            }
            let end = end.min(rest.len());
            let k = end / 2 + rest[end / 2..end].partition_point(|&v| before(v));
            merged.extend_from_slice(&rest[..k]);
            merged.push(t);
            rest = &rest[k..];
        }
        merged.extend_from_slice(rest);
        merged
    }
}

/// Which rows a placed index holds.
#[derive(Clone, Copy)]
enum Keep {
    Every,
    Shown { retest: bool },
}
