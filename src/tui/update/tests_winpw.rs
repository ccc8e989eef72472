//! "Show Windows password": only for Windows servers, the key path typed into the dialog,
//! the password held as a Secret in the dialog only, the clear offered unless read-only, and
//! every answer for a closed dialog dropped.

use crate::secret::Secret;
use crate::tui::fixture::*;
use crate::tui::msg::{Effect, Event, Msg, Request, RequestId};
use crate::tui::state::winpw::{Clear, Stage};
use crate::tui::state::{Mode, State};
use crate::tui::update::update;
use crossterm::event::KeyCode;

const PW: &str = "Dq4#Winpw-Fixture";

/// The Windows server's dialog, with `path` typed and submitted; the request's id.
fn fetching(s: &mut State, path: &str) -> RequestId {
    select(s, "win-ad-01");
    feed(s, [ch('w')]);
    let Mode::WindowsPassword(d) = &s.mode else {
        panic!("not opened: {:?}", s.mode);
    };
    // The path used last is offered again.
    if d.key_path != path {
        assert!(d.key_path.is_empty(), "{}", d.key_path);
        type_str(s, path);
    }
    let effects = feed(s, [key(KeyCode::Enter)]);
    match effects.as_slice() {
        [Effect::Api(Request::WindowsPassword { id, target, key })] => {
            assert_eq!(target.name, "win-ad-01");
            assert_eq!(key, std::path::Path::new(path));
            *id
        }
        other => panic!("expected one WindowsPassword request, got {other:?}"),
    }
}

fn shown(s: &mut State, id: RequestId) {
    let server_id = s.table.selected().unwrap().id().to_owned();
    update(
        s,
        Msg::Worker(Event::WindowsPassword {
            id,
            server_id,
            outcome: Ok(Secret::from(PW)),
        }),
    );
}

fn stage(s: &State) -> &Stage {
    match &s.mode {
        Mode::WindowsPassword(d) => &d.stage,
        other => panic!("dialog closed: {other:?}"),
    }
}

#[test]
fn only_a_windows_server_opens_it() {
    let mut s = loaded();
    select(&mut s, "web-01");
    feed(&mut s, [ch('w')]);
    assert!(matches!(s.mode, Mode::Browse));
    let notice = s.notice.clone().unwrap().text;
    assert!(notice.contains("web-01 runs Linux"), "{notice}");
    // From the details pane too.
    select(&mut s, "stg-win-01");
    feed(&mut s, [key(KeyCode::Enter), ch('w')]);
    assert!(matches!(s.mode, Mode::WindowsPassword(_)));
}

#[test]
fn the_password_stays_in_the_dialog_and_the_clear_is_a_request() {
    let mut s = loaded();
    let id = fetching(&mut s, "/keys/kp-win.pem");
    assert!(matches!(stage(&s), Stage::Fetching(_)));
    shown(&mut s, id);
    let Stage::Shown { password, clear } = stage(&s) else {
        panic!("not shown: {:?}", stage(&s));
    };
    assert_eq!((password.expose(), clear), (PW, &Clear::Offered));
    // Nothing that is printed or logged holds it.
    let printed = format!("{:?} {:?} {:?}", s.mode, s.notice, s.last_error);
    assert!(!printed.contains(PW), "{printed}");
    assert_eq!(s.windows_key_path, "/keys/kp-win.pem", "offered next time");

    let effects = feed(&mut s, [ch('y')]);
    let [Effect::Api(Request::ClearServerPassword { id, target })] = effects.as_slice() else {
        panic!("expected a clear request: {effects:?}");
    };
    assert_eq!(target.name, "win-ad-01");
    assert!(s.resets_in_flight(), "a change in flight holds quit back");
    let server_id = target.server_id.clone();
    update(
        &mut s,
        Msg::Worker(Event::ServerPasswordCleared {
            id: *id,
            server_id,
            outcome: Ok(Some("rid-1".into())),
        }),
    );
    assert!(matches!(
        stage(&s),
        Stage::Shown { clear: Clear::Cleared(Some(r)), .. } if r == "rid-1"
    ));
    feed(&mut s, [ch('x')]);
    assert!(matches!(s.mode, Mode::Browse), "any key closes");
}

#[test]
fn read_only_offers_no_clear_and_any_key_keeps_the_copy() {
    let mut s = loaded();
    s.read_only = true;
    let id = fetching(&mut s, "k.pem");
    shown(&mut s, id);
    assert!(matches!(
        stage(&s),
        Stage::Shown { clear: Clear::NotOffered(w), .. } if w.contains("read-only")
    ));
    let effects = feed(&mut s, [ch('y')]);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(matches!(s.mode, Mode::Browse));
}

#[test]
fn failures_are_shown_and_late_answers_dropped() {
    let mut s = loaded();
    let id = fetching(&mut s, "k.pem");
    let server_id = s.table.selected().unwrap().id().to_owned();
    update(
        &mut s,
        Msg::Worker(Event::WindowsPassword {
            id,
            server_id: server_id.clone(),
            outcome: Err("key file k.pem is readable by group or others".into()),
        }),
    );
    assert!(matches!(stage(&s), Stage::Failed(w) if w.contains("chmod") || w.contains("group")));
    feed(&mut s, [key(KeyCode::Esc)]);
    // A new dialog, cancelled while fetching: its answer finds no dialog.
    let id = fetching(&mut s, "k.pem");
    feed(&mut s, [key(KeyCode::Esc)]);
    assert!(matches!(s.mode, Mode::Browse));
    shown(&mut s, id);
    assert!(matches!(s.mode, Mode::Browse));
    assert!(!format!("{:?}", s.mode).contains(PW));
}

#[test]
fn an_empty_path_is_not_submitted() {
    let mut s = loaded();
    select(&mut s, "win-ad-01");
    let effects = feed(&mut s, [ch('w'), key(KeyCode::Enter)]);
    assert!(effects.is_empty());
    assert!(matches!(stage(&s), Stage::Path));
    type_str(&mut s, "ab");
    feed(&mut s, [key(KeyCode::Backspace)]);
    let Mode::WindowsPassword(d) = &s.mode else {
        panic!()
    };
    assert_eq!(d.key_path, "a");
}
