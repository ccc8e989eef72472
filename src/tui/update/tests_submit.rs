//! Double submit: however the confirmation is hammered (Enter, ctrl-s, both, auto-repeat,
//! with one server or several), exactly one reset request leaves `update`.

use crate::tui::fixture::*;
use crate::tui::msg::Request;
use crate::tui::state::{Mode, State};
use crossterm::event::{KeyCode, KeyEventKind};

const PW: &str = "Tq7!fixture";

/// Opens the form on the marked servers (or the selected one) and fills both fields.
fn filled_form(s: &mut State, names: &[&str]) {
    if let [one] = names {
        select(s, one);
    } else {
        for name in names {
            select(s, name);
            feed(s, [ch(' ')]);
        }
    }
    feed(s, [ch('r')]);
    assert!(matches!(s.mode, Mode::Form(_)), "the form opens");
    type_str(s, PW);
    feed(s, [key(KeyCode::Enter)]);
    type_str(s, PW);
}

/// Everything an impatient operator might press after the first Proceed, in every mode the
/// app passes through.
fn hammer() -> Vec<crate::tui::msg::Msg> {
    vec![
        key(KeyCode::Enter),
        ctrl('s'),
        with_kind(KeyCode::Enter, KeyEventKind::Repeat),
        key(KeyCode::Enter),
        ctrl('s'),
        with_kind(KeyCode::Enter, KeyEventKind::Release),
        key(KeyCode::Right),
        key(KeyCode::Enter),
        ctrl('s'),
    ]
}

#[test]
fn ctrl_s_twice_opens_the_dialog_once_and_proceeding_twice_sends_once() {
    let mut s = loaded();
    filled_form(&mut s, &["web-01"]);
    let e = feed(&mut s, [ctrl('s'), ctrl('s')]);
    assert!(resets(&e).is_empty(), "ctrl-s only opens the confirmation");
    assert!(matches!(s.mode, Mode::Confirm(_)));
    // ctrl-s does not proceed from the dialog (it opens on Cancel, Proceed needs a choice).
    let e = feed(&mut s, [ctrl('s'), ctrl('s')]);
    assert!(resets(&e).is_empty() && matches!(s.mode, Mode::Confirm(_)));
    feed(&mut s, [key(KeyCode::Right)]);
    let mut effects = feed(&mut s, [key(KeyCode::Enter)]);
    effects.extend(feed(&mut s, hammer()));
    let sent = resets(&effects);
    assert_eq!(sent.len(), 1, "{effects:?}");
    let Request::Reset {
        targets, password, ..
    } = sent[0]
    else {
        unreachable!()
    };
    assert_eq!(targets.len(), 1);
    assert_eq!(password.same().unwrap().expose(), PW);
}

#[test]
fn enter_and_ctrl_s_mixed_on_proceed_send_once() {
    let mut s = loaded();
    filled_form(&mut s, &["web-02"]);
    let mut effects = feed(
        &mut s,
        [
            key(KeyCode::Enter),
            ctrl('s'),
            key(KeyCode::Right),
            key(KeyCode::Enter),
            ctrl('s'),
            key(KeyCode::Enter),
        ],
    );
    effects.extend(feed(&mut s, hammer()));
    assert_eq!(resets(&effects).len(), 1, "{effects:?}");
}

#[test]
fn several_servers_count_typed_then_hammered_send_once() {
    let mut s = loaded();
    filled_form(&mut s, &["web-01", "web-02"]);
    let mut effects = feed(&mut s, [ctrl('s'), key(KeyCode::Right)]);
    // Without the count nothing goes, however often Enter is pressed.
    effects.extend(feed(&mut s, [key(KeyCode::Enter), key(KeyCode::Enter)]));
    assert!(resets(&effects).is_empty());
    type_str(&mut s, "2");
    effects.extend(feed(&mut s, [key(KeyCode::Enter)]));
    effects.extend(feed(&mut s, hammer()));
    // Typing the count again where a dialog used to be must not re-arm anything.
    effects.extend(type_str(&mut s, "2"));
    effects.extend(feed(&mut s, hammer()));
    let sent = resets(&effects);
    assert_eq!(sent.len(), 1, "{effects:?}");
    let Request::Reset { targets, .. } = sent[0] else {
        unreachable!()
    };
    assert_eq!(targets.len(), 2);
}
