//! The palette's keys and commands, saved views, the mouse and `ctrl-s`.

use crate::config::{Action, Column, KeyChord, Theme, View};
use crate::tui::fixture::*;
use crate::tui::msg::{Effect, Msg, Request};
use crate::tui::state::table::SortKey;
use crate::tui::state::{Mode, State};
use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

fn palette_input(s: &State) -> Option<&str> {
    match &s.mode {
        Mode::Palette(p) => Some(p.input.as_str()),
        _ => None,
    }
}

/// Opens the palette, types `text`, presses enter.
fn run(s: &mut State, text: &str) -> Vec<Effect> {
    feed(s, [ch(':')]);
    assert_eq!(palette_input(s), Some(""));
    type_str(s, text);
    feed(s, [key(KeyCode::Enter)])
}

#[test]
fn colon_opens_the_palette_and_enter_runs_the_best_match() {
    let mut s = loaded();
    let effects = run(&mut s, "refr");
    assert!(matches!(s.mode, Mode::Browse), "{:?}", s.mode);
    assert!(
        matches!(effects.as_slice(), [Effect::Api(Request::Load { .. })]),
        "{effects:?}"
    );
    // An action that opens a mode opens it.
    run(&mut s, "help");
    assert!(matches!(s.mode, Mode::Help { .. }));
}

#[test]
fn in_the_palette_letters_are_typed_esc_closes_and_ctrl_c_quits() {
    let mut s = loaded();
    feed(&mut s, [ch(':')]);
    let effects = type_str(&mut s, "qjk ");
    // Quitting is an effect now, not a flag on the state: none means no quit.
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(palette_input(&s), Some("qjk "));
    feed(&mut s, [key(KeyCode::Backspace), ctrl('u')]);
    assert_eq!(palette_input(&s), Some(""));
    let effects = feed(&mut s, [key(KeyCode::Esc)]);
    assert!(matches!(s.mode, Mode::Browse));
    assert!(effects.is_empty(), "esc only closes: {effects:?}");
    feed(&mut s, [ch(':')]);
    let effects = feed(&mut s, [ctrl('c')]);
    assert!(matches!(effects.as_slice(), [Effect::Quit]));
}

#[test]
fn arrows_choose_and_tab_completes() {
    let mut s = loaded();
    feed(&mut s, [ch(':')]);
    type_str(&mut s, "project");
    // "project all", then prod, staging, vault.
    feed(
        &mut s,
        [key(KeyCode::Down), key(KeyCode::Down), key(KeyCode::Up)],
    );
    feed(&mut s, [key(KeyCode::Down), key(KeyCode::Tab)]);
    assert_eq!(palette_input(&s), Some("project staging [ap-southeast-1]"));
    // Down past the end stays on the last match.
    for _ in 0..10 {
        feed(&mut s, [key(KeyCode::Down)]);
    }
    let Mode::Palette(p) = &s.mode else { panic!() };
    assert_eq!(p.selected, 0, "one match left after completing");
    feed(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.table.project_filter(), Some(1));
    assert!(
        s.table
            .view()
            .iter()
            .all(|&i| s.table.rows()[i].project == 1)
    );
    run(&mut s, "project all");
    assert_eq!(s.table.project_filter(), None);
}

#[test]
fn theme_and_columns_commands_change_what_is_drawn() {
    let mut s = loaded();
    run(&mut s, "theme light");
    assert_eq!(s.theme, Theme::Light);
    run(&mut s, "columns flag name");
    assert_eq!(s.columns, Some(vec![Column::Flag, Column::Name]));
    run(&mut s, "columns all");
    assert_eq!(s.columns, None);
    // `columns` alone fills in the current list to edit.
    run(&mut s, "columns");
    let all = Column::ALL.map(Column::name).join(",");
    assert_eq!(palette_input(&s), Some(format!("columns {all}").as_str()));
    // A bad list is refused with the reason and the palette stays open.
    feed(&mut s, [ctrl('u')]);
    type_str(&mut s, "columns name size");
    feed(&mut s, [key(KeyCode::Enter)]);
    assert!(palette_input(&s).is_some());
    let n = s.notice.as_ref().unwrap();
    assert!(n.text.contains("unknown column \"size\""), "{}", n.text);
    assert_eq!(s.columns, None);
}

#[test]
fn a_saved_view_sets_filter_sort_and_columns() {
    let mut s = loaded();
    s.views = vec![View {
        name: "linux-by-name".into(),
        filter: Some("os:linux".into()),
        sort: Some((Column::Name, true)),
        columns: Some(vec![Column::Name, Column::Os, Column::Flag]),
    }];
    run(&mut s, "view linux");
    assert_eq!(s.table.filter(), "os:linux");
    assert_eq!(s.table.sort(), (SortKey::Name, true));
    assert_eq!(
        s.columns.as_deref(),
        Some([Column::Name, Column::Os, Column::Flag].as_slice())
    );
    let names: Vec<&str> = s
        .table
        .view()
        .iter()
        .map(|&i| s.table.rows()[i].name())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);
    assert!(!names.contains(&"win-ad-01"));
}

#[test]
fn a_remapped_palette_key_opens_it_and_the_palette_names_it() {
    let mut s = loaded();
    s.keys.apply_override(":", "none").unwrap();
    s.keys.apply_override("ctrl-p", "palette").unwrap();
    feed(&mut s, [ch(':')]);
    assert!(matches!(s.mode, Mode::Browse));
    feed(&mut s, [ctrl('p')]);
    assert!(palette_input(&s).is_some());
    s.keys.apply_override("f2", "refresh").unwrap();
    let cx = s.palette_context();
    let refresh = crate::tui::state::palette::matches(&cx, "refresh").remove(0);
    assert_eq!(refresh.keys, "f2 f5 ctrl-r");
    assert_eq!(
        s.keys.keys_for(Action::Palette),
        [KeyChord::parse("ctrl-p").unwrap()]
    );
}

#[test]
fn too_small_the_palette_key_does_nothing() {
    let mut s = loaded();
    update_size(&mut s, 40, 10);
    feed(&mut s, [ch(':')]);
    assert!(matches!(s.mode, Mode::Browse));
}

fn update_size(s: &mut State, w: u16, h: u16) {
    crate::tui::update::update(s, Msg::Resize(w, h));
}

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Msg {
    Msg::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

fn click(column: u16, row: u16) -> Msg {
    mouse(MouseEventKind::Down(MouseButton::Left), column, row)
}

/// Where `text` is drawn at this size: (x, y) of its first cell.
fn drawn_at(s: &State, text: &str) -> (u16, u16) {
    let (w, h) = s.size;
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| crate::tui::ui::draw(f, s)).unwrap();
    let buf = t.backend().buffer();
    for y in 0..h {
        let line: Vec<&str> = (0..w).map(|x| buf[(x, y)].symbol()).collect();
        let joined = line.concat();
        if let Some(byte) = joined.find(text) {
            let x = joined[..byte].chars().count();
            return (u16::try_from(x).unwrap(), y);
        }
    }
    panic!("{text:?} not drawn");
}

#[test]
fn without_opting_in_the_mouse_does_nothing() {
    let mut s = loaded();
    update_size(&mut s, 120, 40);
    let (x, y) = drawn_at(&s, "db-01");
    feed(&mut s, [click(x, y)]);
    assert_eq!(s.table.cursor(), 0);
}

#[test]
fn a_click_selects_the_row_and_a_header_click_sorts() {
    let mut s = loaded();
    s.mouse = true;
    update_size(&mut s, 120, 40);
    let (x, y) = drawn_at(&s, "db-01");
    feed(&mut s, [click(x, y)]);
    assert_eq!(
        s.table.selected().map(super::super::state::row::Row::name),
        Some("db-01")
    );
    let (x, y) = drawn_at(&s, "status");
    feed(&mut s, [click(x + 2, y)]);
    assert_eq!(s.table.sort(), (SortKey::Status, false));
    feed(&mut s, [click(x, y)]);
    assert_eq!(s.table.sort(), (SortKey::Status, true));
    // The selection followed the server through the re-sort.
    assert_eq!(
        s.table.selected().map(super::super::state::row::Row::name),
        Some("db-01")
    );
    let (x, y) = drawn_at(&s, "name");
    feed(&mut s, [click(x, y)]);
    assert_eq!(s.table.sort(), (SortKey::Name, false));
    // The id column does not sort.
    let (x, y) = drawn_at(&s, " id ");
    feed(&mut s, [click(x + 1, y)]);
    assert_eq!(s.table.sort(), (SortKey::Name, false));
}

#[test]
fn the_wheel_moves_the_cursor_and_scrolls_popups() {
    let mut s = loaded();
    s.mouse = true;
    update_size(&mut s, 120, 40);
    let (x, y) = drawn_at(&s, "web-01");
    feed(
        &mut s,
        [key(KeyCode::Home), mouse(MouseEventKind::ScrollDown, x, y)],
    );
    assert_eq!(s.table.cursor(), 3);
    feed(&mut s, [mouse(MouseEventKind::ScrollUp, x, y)]);
    assert_eq!(s.table.cursor(), 0);
    feed(&mut s, [ch('?'), mouse(MouseEventKind::ScrollDown, x, y)]);
    assert!(matches!(s.mode, Mode::Help { scroll: 3 }), "{:?}", s.mode);
}

#[test]
fn clicks_never_act_in_the_form_or_the_confirmation() {
    let mut s = loaded();
    s.mouse = true;
    update_size(&mut s, 120, 40);
    select(&mut s, "web-01");
    feed(&mut s, [ch('r')]);
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Enter)]);
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Enter)]);
    assert!(matches!(s.mode, Mode::Confirm(_)));
    let (x, y) = drawn_at(&s, "Reset 1 server");
    let effects = feed(&mut s, [click(x, y), click(x + 3, y)]);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(matches!(s.mode, Mode::Confirm(_)));
}

fn saved(effects: &[Effect]) -> (String, usize, String) {
    match effects {
        [
            Effect::SaveCsv {
                file_name,
                rows,
                bytes,
            },
        ] => (
            file_name.clone(),
            *rows,
            String::from_utf8(bytes.clone()).unwrap(),
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn ctrl_s_saves_the_visible_rows_with_the_chosen_columns() {
    let mut s = loaded();
    feed(&mut s, [ch('/')]);
    type_str(&mut s, "web");
    feed(&mut s, [key(KeyCode::Enter)]);
    s.columns = Some(vec![
        Column::Name,
        Column::Id,
        Column::Project,
        Column::Flag,
    ]);
    let (name, rows, csv) = saved(&feed(&mut s, [ctrl('s')]));
    assert_eq!(name, "servers-20240501T120000.000Z.csv");
    assert_eq!(rows, 2);
    let id = |n: u32| format!("{n:08x}-1111-4222-8333-{n:012x}");
    assert_eq!(
        csv,
        format!(
            "name,id,project,flag\nweb-01,{},prod [cn-north-4],supported\nweb-02,{},prod \
             [cn-north-4],supported\n",
            id(1),
            id(2)
        )
    );
    // Every column when none is chosen.
    s.columns = None;
    let (_, _, csv) = saved(&feed(&mut s, [ctrl('s')]));
    assert!(
        csv.starts_with("name,id,status,os,ip,az,project,flag,age\n"),
        "{csv}"
    );
    assert!(csv.contains(",2024-05-01T11:59:48+00:00\n"), "{csv}");
}

#[test]
fn ctrl_s_in_the_form_still_submits() {
    let mut s = loaded();
    select(&mut s, "web-01");
    feed(&mut s, [ch('r')]);
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Tab)]);
    type_str(&mut s, "Tq7!fixture");
    let effects = feed(&mut s, [ctrl('s')]);
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::SaveCsv { .. })),
        "{effects:?}"
    );
    assert!(matches!(s.mode, Mode::Confirm(_)), "{:?}", s.mode);
}

#[test]
fn the_palette_switches_profile_by_name_and_back_to_all() {
    let mut s = crate::tui::fixture::two_profiles();
    run(&mut s, "profile lab");
    let view = s.table.view();
    assert!(!view.is_empty());
    assert!(
        view.iter()
            .all(|&i| s.profile_name(s.table.rows()[i].project) == "lab"),
        "only lab's rows"
    );
    run(&mut s, "profile all");
    assert_eq!(s.table.view().len(), s.table.rows().len());
}

#[test]
fn bang_shows_the_whole_last_message_the_status_line_cut() {
    let mut s = loaded();
    let long = format!("project prod: listing failed: {}", "x".repeat(300));
    s.notice(crate::tui::state::Level::Error, long.clone());
    feed(&mut s, [ch('!')]);
    assert!(
        matches!(&s.mode, Mode::Message { text, .. } if *text == long),
        "{:?}",
        s.mode
    );
    feed(&mut s, [key(KeyCode::Esc)]);
    assert!(matches!(s.mode, Mode::Browse));
}
