use super::*;
use crossterm::event::{KeyEventKind, KeyEventState};

fn chord(s: &str) -> KeyChord {
    KeyChord::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn event(code: KeyCode, modifiers: KeyModifiers) -> KeyChord {
    KeyChord::from_event(&KeyEvent {
        code,
        modifiers,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    })
}

#[test]
fn action_names_round_trip_and_are_unique() {
    assert_eq!(Action::ALL.len(), TABLE.len());
    let mut names = std::collections::HashSet::new();
    for a in Action::ALL {
        assert!(names.insert(a.name()), "duplicate name {}", a.name());
        assert_eq!(Action::from_name(a.name()), Some(*a));
        assert!(!a.describe().is_empty());
    }
    assert_eq!(Action::PageDown.name(), "page_down");
    assert_eq!(Action::from_name("Page-Down"), Some(Action::PageDown));
    assert_eq!(Action::from_name("pagedown"), None);
}

#[test]
fn parses_modifiers_and_named_keys() {
    assert_eq!(
        chord("ctrl-r"),
        KeyChord::new(KeyCode::Char('r'), KeyModifiers::CONTROL)
    );
    assert_eq!(
        chord("Ctrl-Alt-x").modifiers,
        KeyModifiers::CONTROL | KeyModifiers::ALT
    );
    assert_eq!(chord("F5").code, KeyCode::F(5));
    assert_eq!(chord("f12").code, KeyCode::F(12));
    assert_eq!(chord("PgDn").code, KeyCode::PageDown);
    assert_eq!(chord("pageup").code, KeyCode::PageUp);
    assert_eq!(chord("space").code, KeyCode::Char(' '));
    assert_eq!(
        chord("ctrl--"),
        KeyChord::new(KeyCode::Char('-'), KeyModifiers::CONTROL)
    );
    assert_eq!(chord("-").code, KeyCode::Char('-'));
    assert_eq!(chord("shift-up").modifiers, KeyModifiers::SHIFT);
}

#[test]
fn shift_folds_into_letters_and_tab() {
    assert_eq!(chord("shift-g"), chord("G"));
    assert_ne!(chord("g"), chord("G"));
    assert_eq!(chord("shift-tab"), chord("backtab"));
    assert_eq!(chord("alt-shift-a"), chord("alt-A"));
}

#[test]
fn rejects_bad_chords_with_a_reason() {
    for (bad, why) in [
        ("", "empty key chord"),
        ("ctrl-", "no key after the modifier"),
        ("ctrl-ctrl-a", "repeats a modifier"),
        ("ctrl-foo", "unknown key \"foo\" in \"ctrl-foo\""),
        ("f13", "unknown key \"f13\""),
        ("shift-1", "write the shifted character itself"),
        ("shift-?", "write the shifted character itself"),
    ] {
        let err = KeyChord::parse(bad).unwrap_err();
        assert!(err.contains(why), "{bad:?}: {err}");
    }
}

#[test]
fn real_events_match_parsed_chords() {
    assert_eq!(event(KeyCode::Char('G'), KeyModifiers::SHIFT), chord("G"));
    assert_eq!(
        event(KeyCode::Char('G'), KeyModifiers::SHIFT),
        chord("shift-g")
    );
    assert_eq!(event(KeyCode::Char('g'), KeyModifiers::SHIFT), chord("G"));
    assert_eq!(event(KeyCode::Char('?'), KeyModifiers::SHIFT), chord("?"));
    assert_eq!(event(KeyCode::Char('?'), KeyModifiers::NONE), chord("?"));
    assert_eq!(
        event(KeyCode::BackTab, KeyModifiers::SHIFT),
        chord("backtab")
    );
    assert_eq!(event(KeyCode::Tab, KeyModifiers::SHIFT), chord("shift-tab"));
    assert_eq!(
        event(KeyCode::Char('c'), KeyModifiers::CONTROL),
        chord("ctrl-c")
    );
    assert_eq!(
        event(KeyCode::Char(' '), KeyModifiers::NONE),
        chord("space")
    );
    let super_r = event(
        KeyCode::Char('r'),
        KeyModifiers::CONTROL | KeyModifiers::SUPER,
    );
    assert_eq!(super_r, chord("ctrl-r"));
}

#[test]
fn display_is_the_canonical_spelling_and_parses_back() {
    for (input, shown) in [
        ("ctrl-r", "ctrl-r"),
        ("shift-tab", "backtab"),
        ("shift-g", "G"),
        ("PageDown", "pgdn"),
        ("return", "enter"),
        ("space", "space"),
        ("F5", "f5"),
        ("/", "/"),
        ("?", "?"),
        ("ctrl--", "ctrl--"),
        ("alt-shift-left", "alt-shift-left"),
        ("escape", "esc"),
    ] {
        let c = chord(input);
        assert_eq!(c.to_string(), shown, "{input}");
        assert_eq!(chord(shown), c, "{shown} parses back");
    }
}

#[test]
fn defaults_bind_what_the_help_promises() {
    let map = KeyMap::defaults();
    for (key, action) in [
        ("q", Action::Quit),
        ("ctrl-c", Action::Quit),
        ("?", Action::Help),
        ("f5", Action::Refresh),
        ("ctrl-r", Action::Refresh),
        ("space", Action::Mark),
        ("A", Action::Audit),
        ("a", Action::MarkAll),
        ("G", Action::Bottom),
        ("g", Action::Top),
        ("tab", Action::FocusNext),
        ("backtab", Action::FocusPrev),
        ("esc", Action::Cancel),
        ("p", Action::ToggleProject),
    ] {
        assert_eq!(map.lookup(&chord(key)), Some(action), "{key}");
    }
    for action in Action::ALL {
        assert!(
            !map.keys_for(*action).is_empty(),
            "{action} has no default key"
        );
    }
    assert_eq!(
        map.keys_for(Action::Quit),
        vec![chord("q"), chord("ctrl-c")]
    );
}

#[test]
fn the_form_types_characters_and_keeps_control_keys() {
    let map = KeyMap::defaults();
    assert_eq!(map.lookup_form(&chord("tab")), Some(Action::NextField));
    assert_eq!(map.lookup_form(&chord("ctrl-s")), Some(Action::Submit));
    assert_eq!(map.lookup_form(&chord("ctrl-v")), Some(Action::Reveal));
    assert_eq!(map.lookup_form(&chord("ctrl-g")), Some(Action::Generate));
    assert_eq!(map.lookup_form(&chord("esc")), Some(Action::Cancel));
    assert_eq!(map.lookup_form(&chord("ctrl-c")), Some(Action::Quit));
    assert_eq!(map.lookup_form(&chord("q")), None, "q is typed, not quit");
    assert_eq!(map.lookup_form(&chord("space")), None);
    assert_eq!(
        map.lookup(&chord("ctrl-s")),
        Some(Action::SaveCsv),
        "submit is a form action; outside the form ctrl-s saves the table"
    );
}

fn overrides(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn overrides_rebind_unbind_and_keep_other_defaults() {
    let mut map = KeyMap::defaults();
    map.apply_overrides(&overrides(&[
        ("x", "reset"),
        ("r", "refresh"),
        ("l", "none"),
        ("f2", "reveal"),
    ]))
    .unwrap();
    assert_eq!(map.lookup(&chord("x")), Some(Action::Reset));
    assert_eq!(map.lookup(&chord("r")), Some(Action::Refresh));
    assert_eq!(map.lookup(&chord("l")), None);
    assert_eq!(map.lookup_form(&chord("f2")), Some(Action::Reveal));
    assert_eq!(
        map.lookup_form(&chord("ctrl-v")),
        Some(Action::Reveal),
        "defaults stay"
    );
    assert_eq!(map.keys_for(Action::Reset), vec![chord("x")]);
    assert!(map.keys_for(Action::ToggleLog).is_empty());
}

#[test]
fn bad_overrides_name_the_entry() {
    let cases = [
        (
            vec![("ctrl-r", "refesh")],
            "\"ctrl-r\": unknown action \"refesh\" (expected one of: quit, help,",
        ),
        (
            vec![("ctrl-foo", "quit")],
            "\"ctrl-foo\": unknown key \"foo\"",
        ),
        (vec![("v", "reveal")], "\"v\": \"reveal\" is a form action"),
        (
            vec![("G", "top"), ("shift-g", "bottom")],
            "\"shift-g\" is the same key as \"G\"",
        ),
        (
            vec![("q", "none"), ("ctrl-c", "none")],
            "no key is left for \"quit\"",
        ),
        (vec![("esc", "help")], "no key is left for \"cancel\""),
    ];
    for (pairs, want) in cases {
        let err = KeyMap::defaults()
            .apply_overrides(&overrides(&pairs))
            .unwrap_err();
        assert!(err.contains(want), "{pairs:?}: {err}");
    }
}
