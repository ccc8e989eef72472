use super::{Flag, SortKey, Table};
use crate::tui::fixture::{now, server};

fn ids(t: &Table) -> Vec<String> {
    t.view()
        .iter()
        .map(|&i| t.rows()[i].id().to_owned())
        .collect()
}

/// The same view from scratch: the sort set again sorts every row.
fn placed_from_scratch(t: &mut Table) -> Vec<String> {
    let (key, desc) = t.sort();
    t.set_sort(key, desc);
    t.sync();
    ids(t)
}

fn page(project: u32, from: u32, n: u32) -> Vec<crate::cloud::wire::ServerDetail> {
    (from..from + n)
        .map(|k| {
            let id = project * 1000 + k;
            // Names repeat across projects and run against the page order.
            let name = format!("srv-{:03}", (k * 7) % 50);
            server(id, &name, "Linux", "ACTIVE", &format!("10.0.{project}.{k}"))
        })
        .collect()
}

/// Pages, flags and a refresh with a server gone, under the sorts and filters that place
/// rows by their flag: after each step the incrementally placed view is the one a full sort
/// gives, and the pending count is the rows still checking.
#[test]
fn incremental_placement_matches_a_full_sort() {
    for (sorts, filter) in [
        (0, ""),
        (10, ""),
        (11, "flag:supported"),
        (6, "!flag:checking srv-0"),
    ] {
        let mut t = Table::default();
        t.set_project_names(vec!["a r".into(), "b r".into(), "c r".into()]);
        for _ in 0..sorts {
            t.cycle_sort();
        }
        t.set_filter(filter.into());
        t.sync();
        t.add_page(1, page(1, 0, 30));
        t.add_page(0, page(0, 0, 25));
        t.sync();
        assert_eq!(ids(&t), placed_from_scratch(&mut t), "{sorts} {filter}");
        t.add_page(1, page(1, 30, 12));
        t.finish_list(1);
        t.finish_list(0);
        t.add_page(2, Vec::new());
        t.finish_list(2);
        for (n, r) in t
            .rows()
            .to_vec()
            .iter()
            .enumerate()
            .filter(|(n, _)| n % 3 != 0)
        {
            let flag = if n % 2 == 0 {
                Flag::Supported
            } else {
                Flag::Unsupported
            };
            t.set_flag(r.project, r.id(), flag, now());
        }
        t.sync();
        assert_eq!(ids(&t), placed_from_scratch(&mut t), "{sorts} {filter}");
        let checking = t.rows().iter().filter(|r| r.flag == Flag::Checking).count();
        assert_eq!(t.pending_flags(), checking);
        // A refresh of project 0 that no longer lists its first server.
        let gone = page(0, 0, 1)[0].id.clone();
        t.add_page(0, page(0, 1, 24));
        t.sync();
        assert!(t.get(&gone).is_some(), "kept until the list ends");
        t.finish_list(0);
        t.sync();
        assert!(t.get(&gone).is_none());
        assert_eq!(t.rows().len(), 24 + 42);
        assert_eq!(ids(&t), placed_from_scratch(&mut t), "{sorts} {filter}");
        let checking = t.rows().iter().filter(|r| r.flag == Flag::Checking).count();
        assert_eq!(t.pending_flags(), checking);
        assert_eq!(t.sort().0, SortKey::ALL[(sorts / 2) % SortKey::ALL.len()]);
    }
}
