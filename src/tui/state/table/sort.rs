//! Sorting row indices in the table's display order: the sort column, then project, name and
//! id. The last three are the same for every column, so each project keeps its rows in
//! (name, id) order as its pages come, and each row its place there: a sort then compares a
//! small key and a number, and never follows a row to its strings for a tie.

use super::row::{self, Row, SortKey};

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

/// Places a page of a project's rows (`page`, new or changed) in the project's `list`,
/// kept in (name, id) order, and numbers every row of it in `ranks`. The page is sorted by
/// its names' heads and merged in: the cost follows the project, not the fleet.
pub(super) fn rank_page(rows: &[Row], list: &mut Vec<usize>, page: &[usize], ranks: &mut [u32]) {
    let mut in_page = vec![false; rows.len()];
    let mut keyed: Vec<(u128, usize)> = Vec::with_capacity(page.len());
    for &i in page {
        if !std::mem::replace(&mut in_page[i], true) {
            keyed.push((Text::of(rows[i].name()).head, i));
        }
    }
    let by_name = |a: usize, b: usize| {
        let (a, b) = (&rows[a], &rows[b]);
        Text::of(a.name())
            .cmp(&Text::of(b.name()))
            .then_with(|| a.id().cmp(b.id()))
    };
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| by_name(a.1, b.1)));
    list.retain(|&i| !in_page[i]);
    let old = std::mem::take(list);
    list.reserve(old.len() + keyed.len());
    let (mut a, mut b) = (
        old.into_iter().peekable(),
        keyed.into_iter().map(|k| k.1).peekable(),
    );
    while let (Some(&x), Some(&y)) = (a.peek(), b.peek()) {
        if by_name(x, y).is_le() {
            list.push(x);
            a.next();
        } else {
            list.push(y);
            b.next();
        }
    }
    list.extend(a);
    list.extend(b);
    for (k, &i) in list.iter().enumerate() {
        ranks[i] = u32::try_from(k).unwrap_or(u32::MAX);
    }
}

/// Each row's place in (project, name, id) order: its project's first place plus its rank
/// in the project from [`rank_page`].
pub(super) struct Ties<'a> {
    first: Vec<u32>,
    rank: &'a [u32],
}

impl<'a> Ties<'a> {
    /// From each project's rows in (name, id) order and each row's rank there.
    pub(super) fn new(per_project: &[Vec<usize>], rank: &'a [u32]) -> Self {
        let mut first = Vec::with_capacity(per_project.len());
        let mut n = 0u32;
        for list in per_project {
            first.push(n);
            n = n.saturating_add(u32::try_from(list.len()).unwrap_or(u32::MAX));
        }
        Ties { first, rank }
    }

    /// Row `i`'s place in (project, name, id) order.
    fn of(&self, row: &Row, i: usize) -> u32 {
        self.first[row.project].saturating_add(self.rank[i])
    }
}

/// Sorts `idx` by `key` (reversed when `desc`), ties by their place in [`Ties`].
pub(super) fn sort_ranked(
    rows: &[Row],
    ties: &Ties,
    idx: &mut Vec<usize>,
    key: SortKey,
    desc: bool,
) {
    match key {
        SortKey::Project => by_rank(rows, ties, idx, desc, |r| r.project),
        SortKey::Name => by_text(rows, ties, idx, desc, |r| Some(r.name())),
        SortKey::Status => by_text(rows, ties, idx, desc, |r| Some(r.status())),
        SortKey::Os => by_text(rows, ties, idx, desc, Row::os),
        SortKey::Ip => by_rank(rows, ties, idx, desc, |r| {
            let (ip, text) = row::ip_key(r);
            (ip, Text::of(text))
        }),
        SortKey::Flag => by_rank(rows, ties, idx, desc, |r| r.flag.rank()),
        SortKey::Checked => by_rank(rows, ties, idx, desc, |r| r.checked_at),
    }
}

fn by_rank<'a, K: Ord + Send>(
    rows: &'a [Row],
    ties: &Ties,
    idx: &mut Vec<usize>,
    desc: bool,
    primary: impl Fn(&'a Row) -> K + Sync,
) {
    // The tie as one number and the index as `u32`: a narrower element moves less memory
    // in a sort of 100,000.
    let key = |i: usize| {
        let r = &rows[i];
        (
            primary(r),
            ties.of(r, i),
            u32::try_from(i).unwrap_or(u32::MAX),
        )
    };
    let cmp = |a: &(K, u32, u32), b: &(K, u32, u32)| {
        let p = a.0.cmp(&b.0);
        let p = if desc { p.reverse() } else { p };
        p.then(a.1.cmp(&b.1))
    };
    in_halves(idx, key, cmp, |k| k.2 as usize);
}

/// An optional text's first sixteen bytes as two words, and its length plus one (0 when
/// absent): it orders as `Option<&str>` does, except that two texts longer than sixteen bytes
/// with equal heads must be compared whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Head {
    hi: u64,
    lo: u64,
    len: u32,
}

impl Head {
    fn of(text: Option<&str>) -> Self {
        let Some(t) = text else {
            return Head {
                hi: 0,
                lo: 0,
                len: 0,
            };
        };
        let w = Text::of(t).head;
        Head {
            hi: (w >> 64) as u64,
            lo: w as u64,
            len: u32::try_from(t.len()).map_or(u32::MAX, |l| l.saturating_add(1)),
        }
    }

    /// Whether both texts are longer than their heads, so that equal heads say nothing.
    fn both_long(&self, other: &Self) -> bool {
        self.len > 17 && other.len > 17
    }
}

/// [`by_rank`] for a text column: an element of 32 bytes rather than 40 (a sort of 100,000
/// moves less), the rows' texts read only for two long texts that start alike.
fn by_text<'a>(
    rows: &'a [Row],
    ties: &Ties,
    idx: &mut Vec<usize>,
    desc: bool,
    text: impl Fn(&'a Row) -> Option<&'a str> + Sync,
) {
    let key = |i: usize| {
        let r = &rows[i];
        (
            Head::of(text(r)),
            ties.of(r, i),
            u32::try_from(i).unwrap_or(u32::MAX),
        )
    };
    let cmp = |a: &(Head, u32, u32), b: &(Head, u32, u32)| {
        let p = if a.0.both_long(&b.0) && (a.0.hi, a.0.lo) == (b.0.hi, b.0.lo) {
            text(&rows[a.2 as usize]).cmp(&text(&rows[b.2 as usize]))
        } else {
            a.0.cmp(&b.0)
        };
        let p = if desc { p.reverse() } else { p };
        p.then(a.1.cmp(&b.1))
    };
    in_halves(idx, key, cmp, |k| k.2 as usize);
}

/// Below this many indices a sort runs on the calling thread alone.
const HALVES_WORTH: usize = if cfg!(test) { 64 } else { 16_384 };

/// Sorts `idx` by the elements `key` makes of them, in `cmp` order (a total one). A large
/// index is keyed and sorted in two halves at once, one on a scoped thread, and the halves
/// merged: every row is read and every key compared on the UI thread's time, and the two
/// cores halve it (a sort by name of 100,000 rows took 12 ms on one).
fn in_halves<E: Send>(
    idx: &mut Vec<usize>,
    key: impl Fn(usize) -> E + Sync,
    cmp: impl Fn(&E, &E) -> std::cmp::Ordering + Sync,
    index: impl Fn(&E) -> usize,
) {
    let sorted = |part: &[usize]| {
        let mut keyed: Vec<E> = part.iter().map(|&i| key(i)).collect();
        keyed.sort_unstable_by(&cmp);
        keyed
    };
    if idx.len() < HALVES_WORTH {
        let keyed = sorted(idx);
        idx.clear();
        idx.extend(keyed.iter().map(&index));
        return;
    }
    let (left, right) = idx.split_at(idx.len() / 2);
    let (a, b) = std::thread::scope(|s| {
        let other = s.spawn(|| sorted(right));
        let a = sorted(left);
        // A panic in the other half is the sort's own (a comparison), so it goes on up.
        (
            a,
            other
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
        )
    });
    idx.clear();
    let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        if cmp(x, y).is_le() {
            idx.push(index(x));
            a.next();
        } else {
            idx.push(index(y));
            b.next();
        }
    }
    idx.extend(a.map(&index));
    idx.extend(b.map(&index));
}

#[cfg(test)]
mod tests {
    use super::{Head, Text};
    use proptest::prelude::*;

    proptest! {
        /// Heads order as optional texts do, unless both are long and start alike.
        #[test]
        fn heads_order_as_their_texts(
            a in prop::option::of("[a\\x00b]{0,20}"),
            b in prop::option::of("[a\\x00b]{0,20}"),
        ) {
            let (ha, hb) = (Head::of(a.as_deref()), Head::of(b.as_deref()));
            if !(ha.both_long(&hb) && (ha.hi, ha.lo) == (hb.hi, hb.lo)) {
                prop_assert_eq!(ha.cmp(&hb), a.as_deref().cmp(&b.as_deref()));
            }
        }

        /// Texts order as the strings do, with and without NULs, short and long.
        #[test]
        fn texts_order_as_their_strings(a in "[a\\x00b]{0,20}", b in "[a\\x00b]{0,20}") {
            prop_assert_eq!(Text::of(&a).cmp(&Text::of(&b)), a.cmp(&b));
        }
    }
}
