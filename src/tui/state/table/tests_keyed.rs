//! The keyed sort and the incremental filter against the full pass they replace: on random
//! tables and random edits, the view is always the one filtering every row and sorting it
//! with [`Table::order`] gives.

use super::{Flag, SortKey, Table};
use crate::tui::fixture::{now, server};
use proptest::prelude::*;

/// The view by brute force: every row tested, then compared row by row (the sort column,
/// then project, name and id, read from the rows rather than from the table's ranks).
fn full_pass(t: &Table) -> Vec<usize> {
    let mut v: Vec<usize> = (0..t.rows.len()).filter(|&i| t.shows(i)).collect();
    let (key, desc) = t.sort();
    v.sort_by(|&a, &b| {
        let (a, b) = (&t.rows[a], &t.rows[b]);
        let primary = key.compare(a, b);
        let primary = if desc { primary.reverse() } else { primary };
        primary
            .then_with(|| a.project.cmp(&b.project))
            .then_with(|| a.name().cmp(b.name()))
            .then_with(|| a.id().cmp(b.id()))
    });
    v
}

#[derive(Debug, Clone)]
enum Edit {
    Filter(String),
    Sort(usize, bool),
    Flag(usize, u8),
    Page(usize, u32),
    /// The project view (`p`), or every project.
    Project(Option<usize>),
    /// A project listed again with fewer servers: the rest are dropped and renumbered.
    Relist(usize, u32),
    /// The lists in progress end without removing anything.
    EndLists,
}

fn filter_text() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "",
        "w",
        "we",
        "web",
        "web-",
        "db",
        "!w",
        "!web",
        "status:a",
        "status:act",
        "os:lin",
        "os:win",
        "flag:supported",
        "!flag:checking",
        "10.0",
        "10.0.1",
        "é",
        "WEB",
        "name:",
        "tag:x",
        "project:p1",
        "\"web 1\"",
    ]);
    prop::collection::vec(words, 0..3).prop_map(|w| w.join(" "))
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => filter_text().prop_map(Edit::Filter),
        1 => (0..SortKey::ALL.len(), any::<bool>()).prop_map(|(k, d)| Edit::Sort(k, d)),
        2 => (0..400usize, 0..5u8).prop_map(|(i, f)| Edit::Flag(i, f)),
        1 => (0..3usize, 0..40u32).prop_map(|(p, from)| Edit::Page(p, from)),
        1 => Just(Edit::EndLists),
        1 => prop::option::of(0..3usize).prop_map(Edit::Project),
        1 => (0..3usize, 0..30u32).prop_map(|(p, n)| Edit::Relist(p, n)),
    ]
}

fn page(project: usize, from: u32, n: u32) -> Vec<crate::cloud::wire::ServerDetail> {
    let names = [
        "web-1", "web 1", "db", "Web-02", "été", "", "web-10", "cache",
    ];
    let statuses = ["ACTIVE", "SHUTOFF", "ERROR", "active"];
    let oses = ["Linux", "Windows", ""];
    (from..from + n)
        .map(|k| {
            let id = project as u32 * 1000 + k;
            let ip = if k % 5 == 0 {
                format!("fe80::{k}")
            } else {
                format!("10.0.{}.{}", k % 3, k % 17)
            };
            let k = k as usize;
            server(
                id,
                names[k % names.len()],
                oses[k % oses.len()],
                statuses[(k / 3) % statuses.len()],
                &ip,
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn the_view_is_always_the_full_pass(edits in prop::collection::vec(edit(), 1..25)) {
        let mut t = Table::default();
        t.set_project_names(vec!["p0 r".into(), "p1 r".into(), "p2 r".into()]);
        for p in 0..3 {
            t.replace_project(p, page(p, 0, 30));
        }
        t.sync();
        for e in edits {
            match e {
                Edit::Filter(f) => t.set_filter(f),
                Edit::Sort(k, desc) => t.set_sort(SortKey::ALL[k], desc),
                Edit::Flag(i, f) => {
                    if let Some(r) = t.rows().get(i % t.rows().len().max(1)) {
                        let (p, id) = (r.project, r.id().to_owned());
                        let flag = match f {
                            0 => Flag::Supported,
                            1 => Flag::Unsupported,
                            2 => Flag::Unknown("x".into()),
                            3 => Flag::Checking,
                            _ => Flag::NotOffered(crate::cloud::capability::Capability::ResetFlag),
                        };
                        t.set_flag(p, &id, flag, now() + chrono::Duration::seconds(i as i64 % 7));
                    }
                }
                Edit::Page(p, from) => t.add_page(p, page(p, from, 10)),
                Edit::Project(p) => t.set_project_filter(p),
                Edit::Relist(p, n) => t.replace_project(p, page(p, 0, n)),
                Edit::EndLists => t.abort_lists(),
            }
            t.sync();
            prop_assert_eq!(t.view(), &full_pass(&t)[..]);
        }
    }
}

/// Typing narrows, backspace widens: each step is the full pass, in a sort other than the
/// default so the merge of the rows a wider filter brings back is tested.
#[test]
fn typing_and_erasing_a_filter_gives_the_full_pass_at_every_key() {
    let mut t = Table::default();
    t.replace_project(0, page(0, 0, 200));
    t.set_sort(SortKey::Ip, true);
    t.sync();
    let text = "web-1 !os:win";
    let keys: Vec<String> = (0..=text.len())
        .chain((0..text.len()).rev())
        .map(|n| text[..n].to_owned())
        .collect();
    for f in keys {
        t.set_filter(f.clone());
        t.sync();
        assert_eq!(t.view(), &full_pass(&t)[..], "filter {f:?}");
    }
    assert_eq!(t.view().len(), 200);
}

/// The bare-metal count follows rows as they are listed, relisted as ECS, and dropped.
#[test]
fn the_bare_metal_count_follows_the_rows() {
    let mut t = Table::default();
    let mut servers = page(0, 0, 4);
    servers[1].kind = crate::cloud::ServerKind::Bms;
    t.replace_project(0, servers.clone());
    assert!(t.has_bare_metal());
    servers[1].kind = crate::cloud::ServerKind::Ecs;
    t.replace_project(0, servers.clone());
    assert!(!t.has_bare_metal(), "updated in place");
    servers[2].kind = crate::cloud::ServerKind::Bms;
    t.replace_project(0, servers.clone());
    assert!(t.has_bare_metal());
    servers.remove(2);
    t.replace_project(0, servers);
    assert!(!t.has_bare_metal(), "dropped with its row");
}
