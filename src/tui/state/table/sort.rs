//! Sorting row indices in the table's display order: the sort column, then project, name and
//! id. The last three are the same for every column, so their order is kept per row as one
//! rank (computed once after rows change): a sort then compares a small key and a `u32`, and
//! never follows a row to its strings for a tie.

use super::row::{self, Row, SortKey};

/// Below this many indices a sort reads the tie-break values directly: ranking every row is
/// not worth it for a page of rows placed while a list streams in. Tests use a low bar so
/// that their small random tables (`tests_keyed`) go through both ways.
pub(super) const RANK_WORTH: usize = if cfg!(test) { 8 } else { 4096 };

/// A string that compares as the string does, its first sixteen bytes as a number first.
/// Server names share long prefixes (`web-prod-00017`): with eight bytes most comparisons
/// of a name sort tied and followed the row to its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Text<'a> {
    head: u128,
    all: &'a str,
}

impl Ord for Text<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.head.cmp(&other.head).then_with(|| {
            // Equal heads of texts that fit in them: the shorter is a prefix of the longer
            // (the rest is zero padding), so the lengths decide without reading the texts;
            // a status or OS sort is almost all such ties.
            if self.all.len() <= 16 && other.all.len() <= 16 {
                self.all.len().cmp(&other.all.len())
            } else {
                self.all.cmp(other.all)
            }
        })
    }
}

impl PartialOrd for Text<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<'a> Text<'a> {
    pub(super) fn of(s: &'a str) -> Self {
        let mut head = [0u8; 16];
        let n = s.len().min(16);
        head[..n].copy_from_slice(&s.as_bytes()[..n]);
        // Zero padding sorts a prefix first, as `str` does; a tie falls to the whole string.
        Self {
            head: u128::from_be_bytes(head),
            all: s,
        }
    }
}

/// Each row's place in (project, name, id) order, from each project's rows (`per_project`,
/// in project order): a project's rows are sorted by their name's head alone, following a
/// row to its texts only for equal heads. It runs on the loop's tick, where a key may wait
/// for it, so it sorts 50 lists of 2,000 small keys rather than one of 100,000 wide ones.
pub(super) fn tie_ranks(rows: &[Row], per_project: &[Vec<usize>]) -> Vec<u32> {
    let mut rank = vec![0u32; rows.len()];
    let mut next = 0u32;
    let mut keyed: Vec<(u128, u32)> = Vec::new();
    for group in per_project {
        keyed.clear();
        keyed.extend(group.iter().map(|&i| {
            (
                Text::of(rows[i].name()).head,
                u32::try_from(i).unwrap_or(u32::MAX),
            )
        }));
        keyed.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| {
                let (a, b) = (&rows[a.1 as usize], &rows[b.1 as usize]);
                a.name().cmp(b.name()).then_with(|| a.id().cmp(b.id()))
            })
        });
        for &(_, i) in &keyed {
            rank[i as usize] = next;
            next = next.saturating_add(1);
        }
    }
    rank
}

/// Sorts `idx` by `key` (reversed when `desc`), ties by `rank` from [`tie_ranks`].
pub(super) fn sort_ranked(
    rows: &[Row],
    rank: &[u32],
    idx: &mut Vec<usize>,
    key: SortKey,
    desc: bool,
) {
    match key {
        SortKey::Project => by_rank(rows, rank, idx, desc, |r| r.project),
        SortKey::Name => by_rank(rows, rank, idx, desc, |r| Text::of(r.name())),
        SortKey::Status => by_rank(rows, rank, idx, desc, |r| Text::of(r.status())),
        SortKey::Os => by_rank(rows, rank, idx, desc, |r| r.os().map(Text::of)),
        SortKey::Ip => by_rank(rows, rank, idx, desc, |r| {
            let (ip, text) = row::ip_key(r);
            (ip, Text::of(text))
        }),
        SortKey::Flag => by_rank(rows, rank, idx, desc, |r| r.flag.rank()),
        SortKey::Checked => by_rank(rows, rank, idx, desc, |r| r.checked_at),
    }
}

fn by_rank<'a, K: Ord>(
    rows: &'a [Row],
    rank: &[u32],
    idx: &mut Vec<usize>,
    desc: bool,
    primary: impl Fn(&'a Row) -> K,
) {
    // Indices as `u32`: a narrower element moves less memory in a sort of 100,000.
    let mut keyed: Vec<(K, u32, u32)> = idx
        .iter()
        .map(|&i| {
            let i32 = u32::try_from(i).unwrap_or(u32::MAX);
            (primary(&rows[i]), rank[i], i32)
        })
        .collect();
    keyed.sort_unstable_by(|a, b| {
        let p = a.0.cmp(&b.0);
        let p = if desc { p.reverse() } else { p };
        p.then(a.1.cmp(&b.1))
    });
    idx.clear();
    idx.extend(keyed.into_iter().map(|k| k.2 as usize));
}

/// Sorts `idx` by `key` (reversed when `desc`), ties read from the rows.
pub(super) fn sort_direct(rows: &[Row], idx: &mut Vec<usize>, key: SortKey, desc: bool) {
    match key {
        SortKey::Project => sort_keyed(rows, idx, desc, |r| r.project),
        SortKey::Name => sort_keyed(rows, idx, desc, |r| Text::of(r.name())),
        SortKey::Status => sort_keyed(rows, idx, desc, |r| Text::of(r.status())),
        SortKey::Os => sort_keyed(rows, idx, desc, |r| r.os().map(Text::of)),
        SortKey::Ip => sort_keyed(rows, idx, desc, |r| {
            let (ip, text) = row::ip_key(r);
            (ip, Text::of(text))
        }),
        SortKey::Flag => sort_keyed(rows, idx, desc, |r| r.flag.rank()),
        SortKey::Checked => sort_keyed(rows, idx, desc, |r| r.checked_at),
    }
}

/// Sorts `idx` by `primary` (reversed when `desc`), then project, name and id ascending:
/// the order of [`Table::order`], with every key read once.
fn sort_keyed<'a, K: Ord>(
    rows: &'a [Row],
    idx: &mut Vec<usize>,
    desc: bool,
    primary: impl Fn(&'a Row) -> K,
) {
    let mut keyed: Vec<(K, usize, Text<'a>, &'a str, usize)> = idx
        .iter()
        .map(|&i| {
            let r = &rows[i];
            (primary(r), r.project, Text::of(r.name()), r.id(), i)
        })
        .collect();
    keyed.sort_unstable_by(|a, b| {
        let p = a.0.cmp(&b.0);
        let p = if desc { p.reverse() } else { p };
        p.then_with(|| (a.1, a.2, a.3).cmp(&(b.1, b.2, b.3)))
    });
    idx.clear();
    idx.extend(keyed.into_iter().map(|k| k.4));
}

#[cfg(test)]
mod tests {
    use super::Text;
    use proptest::prelude::*;

    proptest! {
        /// Texts order as the strings do, with and without NULs, short and long.
        #[test]
        fn texts_order_as_their_strings(a in "[a\\x00b]{0,20}", b in "[a\\x00b]{0,20}") {
            prop_assert_eq!(Text::of(&a).cmp(&Text::of(&b)), a.cmp(&b));
        }
    }
}
