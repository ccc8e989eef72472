//! The reset form's field editing, its length cap, the API-check toggle and its warning.

use crate::password::Rule;
use crate::tui::fixture::*;
use crate::tui::state::form::Field;
use crate::tui::state::{Mode, State};
use crossterm::event::KeyCode;

fn form(s: &State) -> &crate::tui::state::form::Form {
    match &s.mode {
        Mode::Form(f) => f,
        _ => panic!("not in the form"),
    }
}

fn open(name: &str) -> State {
    let mut s = loaded();
    select(&mut s, name);
    feed(&mut s, [ch('r')]);
    s
}

#[test]
fn a_cannot_submit_warning_goes_once_the_rules_pass() {
    let mut s = open("web-01");
    type_str(&mut s, "Tq7!fix");
    feed(&mut s, [ctrl('s')]);
    let text = s
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(text.starts_with("cannot submit: 8 to 26"), "{text}");
    type_str(&mut s, "ture");
    let text = s
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(text.contains("confirmation"), "now the next reason: {text}");
    feed(&mut s, [key(KeyCode::Tab)]);
    type_str(&mut s, "Tq7!fixture");
    assert!(s.notice.is_none(), "stale: {:?}", s.notice);
}

#[test]
fn the_administrator_run_binds_linux_only_through_the_api_check() {
    let mut s = open("web-01");
    type_str(&mut s, "Xadmin-7q!Lp");
    let rules =
        |s: &State| -> Vec<Rule> { form(s).checklist.items.iter().map(|i| i.rule).collect() };
    assert!(rules(&s).contains(&Rule::NoUsernameRun));
    assert!(!form(&s).checklist.passed());
    // Tab twice to the is_check_password box, space unticks it.
    feed(&mut s, [key(KeyCode::Tab), key(KeyCode::Tab), ch(' ')]);
    assert_eq!(form(&s).field, Field::Check);
    assert!(!form(&s).check_password);
    assert!(!rules(&s).contains(&Rule::NoUsernameRun));
    assert!(form(&s).checklist.passed());
}

#[test]
fn keys_edit_at_the_cursor_and_the_cap_warns() {
    let mut s = open("web-01");
    type_str(&mut s, "Tq7fixture");
    feed(
        &mut s,
        [key(KeyCode::Home), key(KeyCode::Right), key(KeyCode::Right)],
    );
    type_str(&mut s, "!");
    assert_eq!(form(&s).password.expose(), "Tq!7fixture");
    feed(&mut s, [ctrl('w')]);
    assert_eq!(form(&s).password.expose(), "7fixture");
    feed(&mut s, [key(KeyCode::End), ctrl('u')]);
    assert!(form(&s).password.is_empty());
    type_str(&mut s, &"x".repeat(30));
    assert_eq!(form(&s).password.len(), crate::password::MAX_LEN);
    let text = s
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(text.contains("at most 26 characters"), "{text}");
}
