//! The rows by server id. A map from id to position kept a second copy of every id (a
//! 36-byte string and its allocation per row, ~7 MB at 100,000 rows); this table holds only
//! positions and compares through the rows.

use super::Row;
use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

#[derive(Default)]
pub(super) struct Ids {
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl std::fmt::Debug for Ids {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ids({} rows)", self.table.len())
    }
}

fn position(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 rows")
}

impl Ids {
    pub(super) fn get(&self, rows: &[Row], id: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        self.table
            .find(hash, |&i| rows[i as usize].id() == id)
            .map(|&i| i as usize)
    }

    /// Files row `i`; an earlier row of the same id is no longer found, as a map's insert
    /// would replace it.
    pub(super) fn insert(&mut self, rows: &[Row], i: usize) {
        let hasher = &self.hasher;
        let id = rows[i].id();
        let hash = hasher.hash_one(id);
        if let Some(same) = self.table.find_mut(hash, |&j| rows[j as usize].id() == id) {
            *same = position(i);
            return;
        }
        self.table.insert_unique(hash, position(i), |&j| {
            hasher.hash_one(rows[j as usize].id())
        });
    }

    /// Files every row anew, after rows were dropped and the rest renumbered.
    pub(super) fn rebuild(&mut self, rows: &[Row]) {
        self.table.clear();
        for i in 0..rows.len() {
            self.insert(rows, i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixture::server;

    #[test]
    fn finds_each_row_by_its_id_and_nothing_else() {
        let details: Vec<_> = (0..500)
            .map(|n| server(n, &format!("s{n}"), "Linux", "ACTIVE", "10.0.0.1"))
            .collect();
        let ids_of: Vec<String> = details.iter().map(|d| d.id.clone()).collect();
        let mut rows = Row::page(0, details);
        let mut ids = Ids::default();
        for i in 0..rows.len() {
            ids.insert(&rows, i);
        }
        for (i, id) in ids_of.iter().enumerate() {
            assert_eq!(ids.get(&rows, id), Some(i));
        }
        assert_eq!(ids.get(&rows, "no-such-server"), None);
        // The same id again (another project's copy): the later row is the one found.
        rows.push(rows[3].clone());
        ids.insert(&rows, 500);
        assert_eq!(ids.get(&rows, &ids_of[3]), Some(500));
        rows.pop();
        ids.rebuild(&rows);
        rows.drain(..250);
        ids.rebuild(&rows);
        assert_eq!(ids.get(&rows, &ids_of[10]), None);
        assert_eq!(ids.get(&rows, &ids_of[260]), Some(10));
    }
}
