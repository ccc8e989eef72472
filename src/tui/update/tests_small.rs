//! A terminal too small to show the current mode: only quit and resize act.

use crate::tui::fixture::*;
use crate::tui::msg::{Effect, Msg};
use crate::tui::state::geometry::{MIN_HEIGHT, MIN_WIDTH};
use crate::tui::state::{Mode, State};
use crossterm::event::KeyCode;

const PW: &str = "Tq7!fixture";

/// The confirmation of one server, Proceed selected, then the terminal shrinks to 40x10.
fn confirm_then_shrink() -> State {
    let mut s = loaded();
    select(&mut s, "web-01");
    feed(&mut s, [ch('r')]);
    type_str(&mut s, PW);
    feed(&mut s, [key(KeyCode::Enter)]);
    type_str(&mut s, PW);
    feed(&mut s, [key(KeyCode::Enter)]);
    assert!(matches!(s.mode, Mode::Confirm(_)));
    feed(&mut s, [Msg::Resize(40, 10)]);
    s
}

#[test]
fn keys_on_a_hidden_confirmation_send_nothing() {
    let mut s = confirm_then_shrink();
    let effects = feed(
        &mut s,
        [key(KeyCode::Right), key(KeyCode::Enter), ctrl('s'), ch('4')],
    );
    assert!(resets(&effects).is_empty(), "a reset was sent blind");
    assert!(matches!(s.mode, Mode::Confirm(_)), "still in the dialog");
    // Back at a size that shows it, the dialog still sits on Cancel: Right went nowhere.
    feed(&mut s, [Msg::Resize(MIN_WIDTH, MIN_HEIGHT)]);
    let effects = feed(&mut s, [key(KeyCode::Enter)]);
    assert!(resets(&effects).is_empty());
    assert!(matches!(s.mode, Mode::Form(_)), "Enter on Cancel goes back");
}

#[test]
fn once_large_enough_the_same_keys_act() {
    let mut s = confirm_then_shrink();
    feed(&mut s, [Msg::Resize(MIN_WIDTH, MIN_HEIGHT)]);
    let effects = feed(&mut s, [key(KeyCode::Right), key(KeyCode::Enter)]);
    assert_eq!(resets(&effects).len(), 1);
}

#[test]
fn quit_still_quits_and_typing_reaches_no_hidden_field() {
    for (w, h) in [(MIN_WIDTH - 1, MIN_HEIGHT), (MIN_WIDTH, MIN_HEIGHT - 1)] {
        let mut s = loaded();
        select(&mut s, "web-01");
        feed(&mut s, [ch('r'), Msg::Resize(w, h)]);
        type_str(&mut s, "abc");
        let Mode::Form(form) = &s.mode else {
            panic!("form closed at {w}x{h}")
        };
        assert!(form.password.is_empty(), "typed into a hidden form");
        let effects = feed(&mut s, [ch('q')]);
        assert!(matches!(effects.as_slice(), [Effect::Quit]), "{w}x{h}");
    }
}

#[test]
fn browse_keys_wait_too() {
    let mut s = loaded();
    feed(&mut s, [Msg::Resize(30, 8)]);
    feed(&mut s, [ch(' '), ch('a'), ch('/'), ch('A'), ch('r')]);
    assert!(s.table.marked.is_empty());
    assert!(matches!(s.mode, Mode::Browse));
    assert!(s.audit.is_none());
}
