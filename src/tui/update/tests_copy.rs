//! `y` copies the selected server's id, then its name, then its address; never a password.

use crate::tui::fixture::*;
use crate::tui::msg::Effect;
use crossterm::event::KeyCode;

fn copied(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Copy(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn y_cycles_id_name_address_of_the_selected_server() {
    let mut s = loaded();
    select(&mut s, "web-01");
    let id = s.table.selected().unwrap().id().to_owned();
    let got = copied(&feed(&mut s, [ch('y'), ch('y'), ch('y'), ch('y')]));
    assert_eq!(
        got,
        [id.clone(), "web-01".into(), "192.168.0.11".into(), id]
    );
    // Another server starts again at its id.
    feed(&mut s, [key(KeyCode::Down)]);
    let next = s.table.selected().unwrap().id().to_owned();
    assert_eq!(copied(&feed(&mut s, [ch('y')])), [next]);
}

#[test]
fn in_the_form_y_is_typed_and_nothing_is_copied() {
    let mut s = loaded();
    select(&mut s, "web-01");
    feed(&mut s, [ch('r')]);
    type_str(&mut s, "Tq7!fixture");
    let effects = feed(&mut s, [ch('y'), key(KeyCode::Tab), ch('y')]);
    assert!(copied(&effects).is_empty());
}
