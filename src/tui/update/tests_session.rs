//! Config reloads and saved tables as messages: the runtime only reads and writes files, the
//! reducer decides what the operator sees.

use super::session::carry_over;
use crate::cloud::CallRecord;
use crate::tui::fixture::*;
use crate::tui::msg::{Effect, Event, Msg, ReloadError, Reloaded, Request, SaveError};
use crate::tui::state::table::SortKey;
use crate::tui::state::{Level, Mode, Pending, ProjectLoad, State};
use crate::tui::update::update;

fn notice(s: &State) -> (Level, String) {
    let n = s.notice.as_ref().expect("a notice");
    (n.level, n.text.clone())
}

fn record() -> CallRecord {
    CallRecord {
        at: now(),
        method: "GET",
        path: "/v1/p-prod-0001/cloudservers/detail".into(),
        status: Some(200),
        latency: std::time::Duration::from_millis(5),
        request_id: None,
        error: None,
        attempt: 1,
        will_retry: false,
    }
}

fn reloaded(state: State) -> Msg {
    Msg::ConfigReloaded(Box::new(Reloaded {
        state,
        source: "/etc/ecsreset.toml".into(),
    }))
}

#[test]
fn the_filter_and_sort_survive_a_config_reload() {
    let mut old = loaded();
    old.table.set_filter("os:linux !db".into());
    old.table.set_sort(SortKey::Flag, true);
    let mut fresh = crate::tui::fixture::empty();
    carry_over(&mut old, &mut fresh);
    assert_eq!(fresh.table.filter(), "os:linux !db");
    assert_eq!(fresh.table.sort(), (SortKey::Flag, true));
    assert!(fresh.table.parsed_filter().errors.is_empty());
}

#[test]
fn a_reloaded_config_replaces_the_session_and_lists_it_with_a_fresh_id() {
    let mut s = loaded();
    let old_id = started(&mut s);
    s.table.set_filter("web".into());
    s.table.set_sort(SortKey::Name, true);
    s.show_log = true;
    s.size = (120, 40);
    s.log.push(record());
    s.next_id = 41;
    s.mode = Mode::Details;

    let mut fresh = empty();
    fresh.projects.truncate(2);
    let effects = update(&mut s, reloaded(fresh));

    let new_id = match effects.as_slice() {
        [Effect::Api(Request::Load { id, projects })] => {
            assert_eq!(projects.len(), 2);
            *id
        }
        other => panic!("{other:?}"),
    };
    assert!(new_id.0 >= 41, "{new_id:?} could match an old request");
    assert_eq!(s.pending.get(&new_id), Some(&Pending::Load));
    assert!(!s.pending.contains_key(&old_id));
    assert_eq!(s.projects.len(), 2);
    assert!(
        s.projects
            .iter()
            .all(|p| matches!(p.load, ProjectLoad::Loading))
    );
    assert!(matches!(s.mode, Mode::Browse), "the fresh state's mode");
    assert_eq!(s.table.filter(), "web");
    assert_eq!(s.table.sort(), (SortKey::Name, true));
    assert!(s.show_log);
    assert_eq!(s.size, (120, 40));
    assert_eq!(s.log.len(), 1);
    assert_eq!(
        notice(&s),
        (
            Level::Info,
            "config reloaded from /etc/ecsreset.toml: 2 project(s)".into()
        )
    );

    // A list of the old worker still on its way is dropped.
    update(
        &mut s,
        Msg::Worker(Event::Listed {
            id: old_id,
            project: 0,
            servers: vec![server(900, "stale-01", "Linux", "ACTIVE", "10.9.9.9")],
        }),
    );
    assert!(s.table.rows().is_empty());
}

#[test]
fn a_reload_without_projects_says_what_to_add_then_that_it_reloaded() {
    let mut s = loaded();
    let mut fresh = empty();
    fresh.projects.clear();
    let effects = update(&mut s, reloaded(fresh));
    assert!(effects.is_empty(), "{effects:?}");
    let (level, text) = notice(&s);
    assert_eq!(level, Level::Info);
    assert_eq!(
        text,
        "config reloaded from /etc/ecsreset.toml: 0 project(s)"
    );
}

#[test]
fn a_config_that_cannot_be_used_leaves_the_session_and_says_why() {
    let mut s = loaded();
    let rows = s.table.rows().len();
    let effects = update(
        &mut s,
        Msg::ReloadFailed(ReloadError::Invalid(
            "projects[0].region: invalid type".into(),
        )),
    );
    assert!(effects.is_empty(), "{effects:?}");
    let Mode::Message { title, text } = &s.mode else {
        panic!("{:?}", s.mode)
    };
    assert_eq!(title, "Config not reloaded");
    assert!(
        text.starts_with("projects[0].region: invalid type\n\n"),
        "{text}"
    );
    assert!(text.contains("goes on with the config it had"), "{text}");
    assert!(text.ends_with("press R again."), "{text}");
    assert_eq!(
        notice(&s),
        (
            Level::Error,
            "config not reloaded: projects[0].region: invalid type".into()
        )
    );
    assert_eq!(s.table.rows().len(), rows);
    assert_eq!(s.projects.len(), 3);
}

#[test]
fn a_session_without_a_config_file_says_so() {
    let mut s = loaded();
    let effects = update(&mut s, Msg::ReloadFailed(ReloadError::NoConfigFile));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(matches!(s.mode, Mode::Browse));
    assert_eq!(
        notice(&s),
        (
            Level::Warn,
            "this session has no config file to reload".into()
        )
    );
}

#[test]
fn a_saved_table_says_where_and_a_long_path_opens_a_message() {
    let mut s = loaded();
    s.size = (200, 40);
    let short = std::path::PathBuf::from("/d/exports/servers.csv");
    update(
        &mut s,
        Msg::CsvSaved {
            rows: 1,
            outcome: Ok(short),
        },
    );
    assert!(matches!(s.mode, Mode::Browse));
    assert_eq!(
        notice(&s),
        (Level::Info, "saved 1 row to /d/exports/servers.csv".into())
    );

    s.size = (60, 20);
    let long = std::path::PathBuf::from(format!("/{}/exports/servers.csv", "d".repeat(40)));
    update(
        &mut s,
        Msg::CsvSaved {
            rows: 7,
            outcome: Ok(long.clone()),
        },
    );
    let Mode::Message { title, text } = &s.mode else {
        panic!("{:?}", s.mode)
    };
    assert_eq!(title, "Table saved");
    assert_eq!(text, &format!("saved 7 rows to {}", long.display()));
}

#[test]
fn a_table_not_saved_says_why() {
    let mut s = loaded();
    update(
        &mut s,
        Msg::CsvSaved {
            rows: 3,
            outcome: Err(SaveError::NoDataDir),
        },
    );
    assert_eq!(
        notice(&s),
        (
            Level::Error,
            "no data directory to save to; pass --data-dir".into()
        )
    );
    update(
        &mut s,
        Msg::CsvSaved {
            rows: 3,
            outcome: Err(SaveError::Write("permission denied".into())),
        },
    );
    assert_eq!(
        notice(&s),
        (Level::Error, "table not saved: permission denied".into())
    );
    assert!(matches!(s.mode, Mode::Browse));
}
