//! The filter language through the keys, and "mark every supported server" of a project.

use crate::tui::fixture::*;
use crate::tui::state::Mode;
use crossterm::event::KeyCode;

fn marked_names(s: &crate::tui::state::State) -> Vec<String> {
    let mut v: Vec<String> = s
        .table
        .marked
        .iter()
        .map(|id| s.table.get(id).unwrap().name().to_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn supported_servers_of_one_project_are_two_keys_away() {
    let mut s = loaded();
    // p: the first project (prod); m: mark its supported servers.
    feed(&mut s, [ch('p'), ch('m')]);
    assert_eq!(marked_names(&s), ["web-01", "web-02", "win-ad-01"]);
    // Again unmarks them; unsupported, unknown and checking ones were never marked.
    feed(&mut s, [ch('m')]);
    assert!(s.table.marked.is_empty());
}

#[test]
fn mark_supported_follows_the_filter() {
    let mut s = loaded();
    feed(&mut s, [ch('/')]);
    type_str(&mut s, "os:linux project:staging");
    feed(&mut s, [key(KeyCode::Enter), ch('m')]);
    assert_eq!(marked_names(&s), ["stg-api-01"]);
}

#[test]
fn a_broken_term_is_reported_and_hides_nothing() {
    let mut s = loaded();
    feed(&mut s, [ch('/')]);
    type_str(&mut s, "colour:red");
    assert!(matches!(s.mode, Mode::Filter));
    assert_eq!(s.table.view().len(), 9);
    let errors = &s.table.parsed_filter().errors;
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("colour:"), "{errors:?}");
}
