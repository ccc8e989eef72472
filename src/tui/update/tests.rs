//! Pure transition tests: build a state, feed messages, check the state and the effects.

use crate::cloud::{CallRecord, ErrorKind};
use crate::password::{OsKind, Rule};
use crate::tui::fixture::*;
use crate::tui::msg::{Effect, Event, FlagResult, Msg, Request, RequestId, ResetStatus};
use crate::tui::state::form::Form;
use crate::tui::state::log::LOG_CAP;
use crate::tui::state::table::{Flag, SortKey};
use crate::tui::state::{Level, Mode, Pending, State};
use crate::tui::update::update;
use crossterm::event::{KeyCode, KeyEventKind};

fn names(s: &State) -> Vec<String> {
    s.table
        .view()
        .iter()
        .map(|&i| s.table.rows()[i].name().to_owned())
        .collect()
}

fn notice(s: &State) -> String {
    s.notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

/// Opens the form on `name` and types a valid password in both fields.
fn valid_form(s: &mut State, name: &str) {
    select(s, name);
    feed(s, [ch('r')]);
    assert!(
        matches!(s.mode, Mode::Form(_)),
        "form did not open: {}",
        notice(s)
    );
    type_str(s, "Tq7!fixture");
    feed(s, [key(KeyCode::Enter)]);
    type_str(s, "Tq7!fixture");
}

#[test]
fn filter_is_live_and_esc_clears_it() {
    let mut s = loaded();
    assert_eq!(s.table.view().len(), 9);
    feed(&mut s, [ch('/')]);
    type_str(&mut s, "web");
    assert_eq!(names(&s), ["web-01", "web-02"]);
    type_str(&mut s, "-02");
    assert_eq!(names(&s), ["web-02"]);
    feed(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.table.view().len(), 9);
    // Field terms, exact flag words, addresses, project labels, AND and negation.
    for (needle, expect) in [
        ("flag:unsupported", 1),
        ("flag:supported", 6),
        ("os:windows", 2),
        ("status:shutoff", 1),
        ("10.1.0", 2),
        ("staging", 2),
        ("web 02", 1),
        ("project:prod !flag:supported", 3),
    ] {
        feed(&mut s, [ch('/')]);
        type_str(&mut s, needle);
        feed(&mut s, [key(KeyCode::Enter)]);
        assert_eq!(s.table.view().len(), expect, "{needle}");
        assert!(matches!(s.mode, Mode::Browse));
        feed(&mut s, [key(KeyCode::Esc)]);
    }
}

#[test]
fn sort_cycles_ascending_then_descending_then_next_column() {
    let mut s = loaded();
    assert_eq!(s.table.sort(), (SortKey::Project, false));
    feed(&mut s, [ch('s')]);
    assert_eq!(s.table.sort(), (SortKey::Project, true));
    assert_eq!(names(&s)[0], "vault-01");
    feed(&mut s, [ch('s')]);
    assert_eq!(s.table.sort(), (SortKey::Name, false));
    assert_eq!(names(&s)[0], "cache-01");
    feed(&mut s, [ch('s')]);
    assert_eq!(names(&s)[0], "win-ad-01");
}

#[test]
fn project_filter_cycles_through_projects_and_back() {
    let mut s = loaded();
    feed(&mut s, [ch('p')]);
    assert_eq!(s.table.view().len(), 6);
    feed(&mut s, [ch('p')]);
    assert_eq!(names(&s), ["stg-api-01", "stg-win-01"]);
    feed(&mut s, [ch('p'), ch('p')]);
    assert_eq!(s.table.project_filter(), None);
    assert_eq!(s.table.view().len(), 9);
}

#[test]
fn marks_and_mark_all_visible() {
    let mut s = loaded();
    select(&mut s, "web-01");
    feed(&mut s, [ch(' ')]);
    assert_eq!(s.table.marked.len(), 1);
    assert_eq!(
        s.table.selected().unwrap().name(),
        "web-02",
        "space moves down"
    );
    feed(&mut s, [ch('p'), ch('p'), ch('a')]);
    assert_eq!(s.table.marked.len(), 3);
    feed(&mut s, [ch('a')]);
    assert_eq!(
        s.table.marked.len(),
        1,
        "second press unmarks the visible ones only"
    );
}

#[test]
fn refresh_keeps_selection_and_marks_by_id() {
    let mut s = loaded();
    select(&mut s, "win-ad-01");
    let marked_id = s.table.selected().unwrap().id().to_owned();
    feed(&mut s, [ch(' ')]);
    select(&mut s, "stg-api-01");
    let effects = feed(&mut s, [ctrl('r')]);
    let Some(Effect::Api(Request::Load { id, .. })) = effects.first() else {
        panic!("refresh made {effects:?}");
    };
    // The new list arrives in another order, with one server gone and one new.
    let mut servers: Vec<_> = fleet()
        .into_iter()
        .filter(|f| f.0 == 0)
        .map(|f| f.1)
        .collect();
    servers.reverse();
    servers.retain(|d| d.name.as_deref() != Some("web-02"));
    servers.push(server(20, "aaa-new", "Linux", "ACTIVE", "192.168.0.20"));
    update(
        &mut s,
        Msg::Worker(Event::Listed {
            id: *id,
            project: 0,
            servers,
        }),
    );
    assert_eq!(s.table.selected().unwrap().name(), "stg-api-01");
    assert!(s.table.marked.contains(&marked_id));
    assert_eq!(s.table.get(&marked_id).unwrap().flag, Flag::Checking);
    assert_eq!(s.table.rows().len(), 9);
}

#[test]
fn stale_events_are_ignored() {
    let mut s = loaded();
    let before = s.table.rows().len();
    let stale = RequestId(999);
    update(
        &mut s,
        Msg::Worker(Event::Listed {
            id: stale,
            project: 0,
            servers: vec![],
        }),
    );
    update(&mut s, Msg::Worker(Event::Done { id: stale }));
    assert_eq!(s.table.rows().len(), before);
    // A superseded load's events are dropped too.
    let old = RequestId(1);
    feed(&mut s, [ctrl('r')]);
    assert!(!s.pending.contains_key(&old));
    update(
        &mut s,
        Msg::Worker(Event::Listed {
            id: old,
            project: 0,
            servers: vec![],
        }),
    );
    assert_eq!(s.table.rows().len(), before);
    let flags = vec![FlagResult {
        project: 0,
        server_id: s.table.rows()[0].id().to_owned(),
        outcome: Ok(false),
        at: now(),
    }];
    let flag_before = s.table.rows()[0].flag.clone();
    update(&mut s, Msg::Worker(Event::Flags { id: old, flags }));
    assert_eq!(s.table.rows()[0].flag, flag_before);
}

#[test]
fn form_refuses_submit_for_each_failing_rule() {
    let cases = [
        ("Ab1!", Rule::Length),
        ("Abcdefg1#", Rule::AllowedCharacters),
        ("abcdefgh", Rule::ThreeClasses),
        ("Xroot12!x", Rule::NoUsername),
        ("Xmin12!xyz", Rule::NoUsernameRun),
        ("/Abcdef12", Rule::NoLeadingSlash),
    ];
    for (pw, rule) in cases {
        let mut s = loaded();
        select(&mut s, "win-ad-01");
        feed(&mut s, [ch('r')]);
        type_str(&mut s, pw);
        feed(&mut s, [key(KeyCode::Enter)]);
        type_str(&mut s, pw);
        let effects = feed(&mut s, [key(KeyCode::Enter), ctrl('s')]);
        assert!(effects.is_empty(), "{pw}");
        let Mode::Form(form) = &s.mode else {
            panic!("{pw}: left the form");
        };
        assert_eq!(
            form.checklist.first_failure().map(|f| f.rule),
            Some(rule),
            "{pw}"
        );
        assert!(notice(&s).contains(rule.label()), "{pw}: {}", notice(&s));
    }
}

#[test]
fn form_refuses_a_mismatched_confirmation() {
    let mut s = loaded();
    select(&mut s, "web-01");
    feed(&mut s, [ch('r')]);
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Enter)]);
    type_str(&mut s, "Tq7!fixturf");
    feed(&mut s, [key(KeyCode::Enter)]);
    assert!(matches!(s.mode, Mode::Form(_)));
    assert!(notice(&s).contains("confirmation does not match"));
}

#[test]
fn q_types_into_the_form_and_esc_discards_it() {
    let mut s = loaded();
    select(&mut s, "web-01");
    feed(&mut s, [ch('r')]);
    let effects = type_str(&mut s, "qq");
    // Quitting is an effect now, not a flag on the state: none means no quit.
    assert!(effects.is_empty(), "{effects:?}");
    let Mode::Form(form) = &s.mode else { panic!() };
    assert_eq!(form.password.len(), 2);
    feed(&mut s, [key(KeyCode::Esc)]);
    assert!(matches!(s.mode, Mode::Browse));
    feed(&mut s, [ch('r')]);
    let Mode::Form(form) = &s.mode else { panic!() };
    assert!(form.password.is_empty() && form.confirm.is_empty());
}

#[test]
fn clearing_a_form_zeroizes_both_fields() {
    let mut f = Form::new(vec!["x".into()], OsKind::Linux);
    for c in "Tq7!fixture".chars() {
        f.password.push(c);
        f.confirm.push(c);
    }
    f.reveal = true;
    f.clear();
    assert!(f.password.is_empty() && f.confirm.is_empty() && !f.reveal);
    assert!(!f.checklist.passed());
}

#[test]
fn generate_fills_both_fields_shows_once_then_hides() {
    let mut s = loaded();
    select(&mut s, "win-ad-01");
    feed(&mut s, [ch('r'), ctrl('g')]);
    let Mode::Form(form) = &s.mode else { panic!() };
    assert!(form.ready() && form.reveal && form.generated);
    assert_eq!(form.os, OsKind::Windows);
    feed(&mut s, [key(KeyCode::Tab)]);
    let Mode::Form(form) = &s.mode else { panic!() };
    assert!(!form.reveal && form.ready());
    feed(&mut s, [ctrl('v')]);
    let Mode::Form(form) = &s.mode else { panic!() };
    assert!(form.reveal);
}

#[test]
fn double_enter_sends_exactly_one_reset() {
    let mut s = loaded();
    valid_form(&mut s, "web-01");
    feed(&mut s, [key(KeyCode::Enter)]);
    assert!(matches!(s.mode, Mode::Confirm(_)));
    // The dialog opens on Cancel: Enter goes back to the form.
    let e = feed(&mut s, [key(KeyCode::Enter)]);
    assert!(e.is_empty() && matches!(s.mode, Mode::Form(_)));
    feed(&mut s, [key(KeyCode::Enter), key(KeyCode::Right)]);
    let effects = feed(
        &mut s,
        [
            key(KeyCode::Enter),
            with_kind(KeyCode::Enter, KeyEventKind::Repeat),
            key(KeyCode::Enter),
            with_kind(KeyCode::Enter, KeyEventKind::Release),
            key(KeyCode::Enter),
        ],
    );
    let sent = resets(&effects);
    assert_eq!(sent.len(), 1, "{effects:?}");
    let Request::Reset {
        id,
        targets,
        password,
        check_password,
        reboot,
    } = sent[0]
    else {
        unreachable!()
    };
    assert_eq!(password.same().unwrap().expose(), "Tq7!fixture");
    assert!(*check_password && reboot.is_none());
    assert_eq!(targets.len(), 1);
    assert_eq!(s.pending.get(id), Some(&Pending::Reset));
    assert!(matches!(&s.mode, Mode::Results(r) if r.id == *id));
    assert!(
        !format!("{effects:?}").contains("Tq7!fixture"),
        "Debug must hide it"
    );
}

#[test]
fn each_reset_gets_a_fresh_id() {
    let mut s = loaded();
    let mut ids = Vec::new();
    for name in ["web-01", "web-02"] {
        valid_form(&mut s, name);
        let effects = feed(
            &mut s,
            [
                key(KeyCode::Enter),
                key(KeyCode::Right),
                key(KeyCode::Enter),
            ],
        );
        ids.push(resets(&effects)[0].id());
        feed(&mut s, [key(KeyCode::Esc)]);
    }
    assert_ne!(ids[0], ids[1]);
}

#[test]
fn several_servers_need_the_count_and_use_the_strictest_rules() {
    let mut s = loaded();
    for name in ["web-01", "win-ad-01"] {
        select(&mut s, name);
        feed(&mut s, [ch(' ')]);
    }
    feed(&mut s, [ch('r')]);
    let Mode::Form(form) = &s.mode else {
        panic!("{}", notice(&s))
    };
    assert_eq!(form.os, OsKind::Windows);
    assert!(
        form.checklist
            .items
            .iter()
            .any(|i| i.rule == Rule::NoLeadingSlash)
    );
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Enter)]);
    type_str(&mut s, "Tq7!fixture");
    feed(
        &mut s,
        [key(KeyCode::Enter), key(KeyCode::Right), key(KeyCode::Down)],
    );
    let e = feed(&mut s, [key(KeyCode::Enter)]);
    assert!(e.is_empty() && notice(&s).contains("type 2"));
    type_str(&mut s, "2");
    let effects = feed(&mut s, [key(KeyCode::Enter)]);
    let Request::Reset {
        targets, reboot, ..
    } = resets(&effects)[0]
    else {
        unreachable!()
    };
    assert_eq!(targets.len(), 2);
    assert_eq!(*reboot, Some(crate::cloud::wire::RebootType::Soft));
    assert!(s.table.marked.is_empty());
}

#[test]
fn refusals_read_only_protected_unsupported_unknown_checking() {
    let mut s = loaded();
    s.read_only = true;
    select(&mut s, "web-01");
    feed(&mut s, [ch('r')]);
    assert!(matches!(s.mode, Mode::Browse));
    assert!(notice(&s).contains("read-only"));
    let cases = [
        ("vault-01", "protected"),
        ("db-01", "not supported"),
        ("legacy-app", "status ERROR"),
        ("cache-01", "still being checked"),
    ];
    for (name, why) in cases {
        let mut s = loaded();
        select(&mut s, name);
        let e = feed(&mut s, [ch('r')]);
        assert!(e.is_empty() && matches!(s.mode, Mode::Browse), "{name}");
        assert!(notice(&s).contains(why), "{name}: {}", notice(&s));
        assert_eq!(s.notice.as_ref().unwrap().level, Level::Warn);
    }
    // One refused server among the marked ones does not block the rest: the confirmation
    // lists it apart, and only the other is sent.
    let mut s = loaded();
    for name in ["web-01", "db-01"] {
        select(&mut s, name);
        feed(&mut s, [ch(' ')]);
    }
    feed(&mut s, [ch('r')]);
    assert!(matches!(s.mode, Mode::Form(_)), "{}", notice(&s));
    type_str(&mut s, "Tq7!fixture");
    feed(&mut s, [key(KeyCode::Enter)]);
    type_str(&mut s, "Tq7!fixture");
    let effects = feed(&mut s, [key(KeyCode::Enter)]);
    assert!(
        effects.iter().any(
            |e| matches!(e, Effect::Api(Request::Check { targets, .. }) if targets.len() == 2)
        )
    );
    let Mode::Confirm(c) = &s.mode else {
        panic!("{}", notice(&s))
    };
    assert_eq!(c.sendable().len(), 1);
    assert_eq!(c.refused().len(), 1);
    assert_eq!(c.refused()[0].name, "db-01");
    assert!(!c.needs_count(), "one server would be sent");
    let effects = feed(&mut s, [key(KeyCode::Right), key(KeyCode::Enter)]);
    let Request::Reset { targets, .. } = resets(&effects)[0] else {
        unreachable!()
    };
    assert_eq!(targets.len(), 1);
    let db = s
        .table
        .rows()
        .iter()
        .find(|r| r.name() == "db-01")
        .unwrap()
        .id()
        .to_owned();
    assert!(matches!(s.resets.get(&db), Some(ResetStatus::Refused(_))));
    // Every marked server refused: the form does not open.
    let mut s = loaded();
    for name in ["db-01", "legacy-app"] {
        select(&mut s, name);
        feed(&mut s, [ch(' ')]);
    }
    feed(&mut s, [ch('r')]);
    assert!(matches!(s.mode, Mode::Browse) && notice(&s).contains("db-01"));
}

#[test]
fn reset_events_update_the_results_and_stay_honest() {
    let mut s = loaded();
    valid_form(&mut s, "web-01");
    let effects = feed(
        &mut s,
        [
            key(KeyCode::Enter),
            key(KeyCode::Right),
            key(KeyCode::Enter),
        ],
    );
    let id = resets(&effects)[0].id();
    let sid = s.table.selected().unwrap().id().to_owned();
    assert_eq!(s.resets.get(&sid), Some(&ResetStatus::Sending));
    let unknown = ResetStatus::OutcomeUnknown("no answer".into());
    update(
        &mut s,
        Msg::Worker(Event::Reset {
            id,
            server_id: sid.clone(),
            status: unknown.clone(),
        }),
    );
    assert_eq!(s.resets.get(&sid), Some(&unknown));
    assert!(s.last_error.as_deref().unwrap().contains("outcome unknown"));
    update(&mut s, Msg::Worker(Event::Done { id }));
    assert!(matches!(&s.mode, Mode::Results(r) if r.finished));
    assert!(!s.resets_in_flight());
}

#[test]
fn quitting_with_a_reset_in_flight_asks_twice() {
    let mut s = loaded();
    valid_form(&mut s, "web-01");
    feed(
        &mut s,
        [
            key(KeyCode::Enter),
            key(KeyCode::Right),
            key(KeyCode::Enter),
        ],
    );
    assert!(feed(&mut s, [ch('q')]).is_empty());
    assert!(notice(&s).contains("in flight"));
    assert!(matches!(feed(&mut s, [ch('q')]).as_slice(), [Effect::Quit]));
    let mut s = loaded();
    assert!(matches!(
        feed(&mut s, [ctrl('c')]).as_slice(),
        [Effect::Quit]
    ));
}

#[test]
fn audit_counts_per_project_and_opens_the_summary() {
    let mut s = loaded();
    let effects = feed(&mut s, [ch('A')]);
    let Some(Effect::Api(Request::Audit { id, projects })) = effects.first() else {
        panic!("{effects:?}")
    };
    assert_eq!(projects.len(), 3);
    let id = *id;
    let servers: Vec<_> = fleet()
        .into_iter()
        .filter(|f| f.0 == 1)
        .map(|f| f.1)
        .collect();
    let ids: Vec<String> = servers.iter().map(|d| d.id.clone()).collect();
    update(
        &mut s,
        Msg::Worker(Event::Listed {
            id,
            project: 1,
            servers,
        }),
    );
    update(
        &mut s,
        Msg::Worker(Event::ListFailed {
            id,
            project: 0,
            error: "boom".into(),
            kind: ErrorKind::Other,
        }),
    );
    let flags = vec![
        FlagResult {
            project: 1,
            server_id: ids[0].clone(),
            outcome: Ok(true),
            at: now(),
        },
        FlagResult {
            project: 1,
            server_id: ids[1].clone(),
            outcome: Err("x".into()),
            at: now(),
        },
    ];
    update(&mut s, Msg::Worker(Event::Flags { id, flags }));
    let a = s.audit.as_ref().unwrap();
    assert_eq!((a.done, a.total, a.projects_listed), (2, 2, 2));
    assert_eq!((a.counts[1].supported, a.counts[1].unknown), (1, 1));
    update(&mut s, Msg::Worker(Event::Done { id }));
    assert!(matches!(s.mode, Mode::AuditSummary));
    feed(&mut s, [key(KeyCode::Esc)]);
    assert!(matches!(s.mode, Mode::Browse));
}

#[test]
fn log_is_capped_and_counts_errors() {
    let mut s = empty();
    for i in 0..LOG_CAP + 10 {
        let record = CallRecord {
            at: now(),
            method: "GET",
            path: format!("/v1/p/{i}"),
            status: Some(if i % 2 == 0 { 200 } else { 500 }),
            latency: std::time::Duration::from_millis(5),
            request_id: None,
            error: (i % 2 == 1).then(|| "Ecs.0001: boom".into()),
            attempt: 1,
            will_retry: false,
        };
        update(&mut s, Msg::Worker(Event::Call(record)));
    }
    assert_eq!(s.log.len(), LOG_CAP);
    assert_eq!(s.log.errors, (LOG_CAP + 10) / 2);
    assert_eq!(
        s.log.lines().back().unwrap().path,
        format!("/v1/p/{}", LOG_CAP + 9)
    );
}

#[test]
fn paging_keeps_the_cursor_visible() {
    let mut s = empty();
    let id = started(&mut s);
    let servers = (0..500)
        .map(|n| server(n, &format!("srv-{n:04}"), "Linux", "ACTIVE", "10.0.0.1"))
        .collect();
    update(
        &mut s,
        Msg::Worker(Event::Listed {
            id,
            project: 0,
            servers,
        }),
    );
    feed(&mut s, [key(KeyCode::PageDown), key(KeyCode::PageDown)]);
    let page = crate::tui::state::geometry::table_rows(&s);
    assert_eq!(s.table.cursor(), 2 * page);
    assert!(s.table.offset() <= s.table.cursor() && s.table.cursor() < s.table.offset() + page);
    feed(&mut s, [key(KeyCode::End)]);
    assert_eq!(s.table.cursor(), 499);
    assert_eq!(s.table.offset(), 500 - page);
}

#[test]
fn log_pane_scrolls_only_when_focused() {
    let mut s = loaded();
    for i in 0..50 {
        let record = CallRecord {
            at: now(),
            method: "GET",
            path: format!("/v1/p/{i}"),
            status: Some(200),
            latency: std::time::Duration::from_millis(5),
            request_id: None,
            error: None,
            attempt: 1,
            will_retry: false,
        };
        update(&mut s, Msg::Worker(Event::Call(record)));
    }
    feed(&mut s, [ch('l'), key(KeyCode::Up)]);
    assert_eq!(s.log.scroll, 0);
    assert_eq!(s.table.cursor(), 0);
    feed(
        &mut s,
        [key(KeyCode::Tab), key(KeyCode::Up), key(KeyCode::Up)],
    );
    assert_eq!(s.log.scroll, 2);
    feed(&mut s, [key(KeyCode::Down)]);
    assert_eq!(s.log.scroll, 1);
    feed(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.focus, crate::tui::state::Focus::Servers);
}

#[test]
fn esc_in_the_dialog_returns_to_the_form_then_discards_it() {
    let mut s = loaded();
    valid_form(&mut s, "web-01");
    feed(&mut s, [key(KeyCode::Enter)]);
    assert!(matches!(s.mode, Mode::Confirm(_)));
    feed(&mut s, [key(KeyCode::Esc)]);
    let Mode::Form(form) = &s.mode else {
        panic!("not back in the form")
    };
    assert!(form.ready(), "the typed password survives going back");
    feed(&mut s, [key(KeyCode::Esc)]);
    assert!(matches!(s.mode, Mode::Browse));
    assert!(notice(&s).contains("discarded"));
}

#[test]
fn the_reset_hint_is_greyed_with_the_reason() {
    use crate::tui::ui::status::reset_blocked;
    let mut s = loaded();
    select(&mut s, "web-01");
    assert_eq!(reset_blocked(&s), None);
    select(&mut s, "vault-01");
    assert_eq!(reset_blocked(&s), Some("protected"));
    s.read_only = true;
    assert_eq!(reset_blocked(&s), Some("read-only"));
}

#[test]
fn reload_key_asks_the_runtime_unless_a_reset_is_in_flight() {
    let mut s = loaded();
    let effects = feed(&mut s, [ch('R')]);
    assert!(
        matches!(effects.as_slice(), [Effect::ReloadConfig]),
        "{effects:?}"
    );
    assert!(notice(&s).contains("reloading"));

    s.pending.insert(RequestId(999), Pending::Reset);
    let effects = feed(&mut s, [ch('R')]);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(notice(&s).contains("reset is in flight"), "{}", notice(&s));
}

#[test]
fn refused_credentials_point_at_the_config_and_the_reload_key() {
    let mut s = empty();
    let id = started(&mut s);
    update(
        &mut s,
        Msg::Worker(Event::ListFailed {
            id,
            project: 0,
            error: "APIGW.0301 (HTTP 401): Incorrect IAM authentication information".into(),
            kind: ErrorKind::CredentialsRefused,
        }),
    );
    let n = notice(&s);
    assert!(
        n.starts_with("credentials refused in prod: fix the config, then press R to reload"),
        "{n}"
    );
    update(
        &mut s,
        Msg::Worker(Event::ListFailed {
            id,
            project: 1,
            error: "SYS.0500 (HTTP 500): internal error".into(),
            kind: ErrorKind::Other,
        }),
    );
    assert!(
        notice(&s).starts_with("project staging: listing failed"),
        "{}",
        notice(&s)
    );
    // With several profiles the refused one is named before the project.
    s.projects[1].profile = Some("customer".into());
    update(
        &mut s,
        Msg::Worker(Event::ListFailed {
            id,
            project: 1,
            error:
                "403 (HTTP 403): profile customer: agency \"ops\" of account acme refused by IAM"
                    .into(),
            kind: ErrorKind::CredentialsRefused,
        }),
    );
    let n = notice(&s);
    assert!(
        n.starts_with("credentials refused in profile customer (staging): fix the config"),
        "{n}"
    );
}

#[test]
fn the_error_kind_decides_a_refusal_not_the_words() {
    let mut s = empty();
    let id = started(&mut s);
    update(
        &mut s,
        Msg::Worker(Event::ListFailed {
            id,
            project: 0,
            error: "Ecs.0000 (HTTP 400): the server said \"(HTTP 401)\"".into(),
            kind: ErrorKind::Other,
        }),
    );
    assert!(
        notice(&s).starts_with("project prod: listing failed"),
        "{}",
        notice(&s)
    );
    update(
        &mut s,
        Msg::Worker(Event::ListFailed {
            id,
            project: 1,
            error: "unexpected response: not JSON".into(),
            kind: ErrorKind::CredentialsRefused,
        }),
    );
    assert!(
        notice(&s).starts_with("credentials refused in staging"),
        "{}",
        notice(&s)
    );
}

#[test]
fn a_message_popup_closes_with_esc() {
    let mut s = loaded();
    s.mode = Mode::Message {
        title: "Config not reloaded".into(),
        text: "line 2: bad".into(),
    };
    feed(&mut s, [key(KeyCode::Esc)]);
    assert!(matches!(s.mode, Mode::Browse));
}

#[test]
fn a_flag_api_not_offered_is_said_once_per_project_and_refuses_resets_there() {
    use crate::cloud::capability::{Capability, FlagError};
    let mut s = loaded();
    let id = started(&mut s);
    let stg: Vec<String> = ["stg-api-01", "stg-win-01"]
        .iter()
        .map(|n| {
            s.table
                .rows()
                .iter()
                .find(|r| r.name() == *n)
                .unwrap()
                .id()
                .to_owned()
        })
        .collect();
    let not_offered = |server_id: &String| FlagResult {
        project: 1,
        server_id: server_id.clone(),
        outcome: Err(FlagError::NotOffered(Capability::ResetFlag)),
        at: now(),
    };
    update(
        &mut s,
        Msg::Worker(Event::Flags {
            id,
            flags: vec![not_offered(&stg[0])],
        }),
    );
    assert!(notice(&s).contains("not offered here"), "{}", notice(&s));
    assert_eq!(s.projects[1].not_offered, Some(Capability::ResetFlag));
    s.notice(Level::Info, "something else");
    update(
        &mut s,
        Msg::Worker(Event::Flags {
            id,
            flags: vec![not_offered(&stg[1])],
        }),
    );
    assert_eq!(notice(&s), "something else", "said once per project");
    for sid in &stg {
        assert_eq!(
            s.table.get(sid).unwrap().flag,
            Flag::NotOffered(Capability::ResetFlag)
        );
    }
    assert!(s.last_error.is_none(), "not an error per row");
    update(&mut s, Msg::Worker(Event::Done { id }));
    assert!(
        notice(&s).contains("not offered in staging [ap-southeast-1]"),
        "{}",
        notice(&s)
    );
    feed(&mut s, [ch('/')]);
    type_str(&mut s, "flag:not-offered");
    assert_eq!(names(&s), ["stg-api-01", "stg-win-01"]);
    feed(&mut s, [key(KeyCode::Esc)]);
    select(&mut s, "stg-api-01");
    feed(&mut s, [ch('r')]);
    assert!(!matches!(s.mode, Mode::Form(_)));
    assert!(notice(&s).contains("not offered"), "{}", notice(&s));
    // Project 0 still resets.
    select(&mut s, "web-01");
    feed(&mut s, [ch('r')]);
    assert!(matches!(s.mode, Mode::Form(_)), "{}", notice(&s));
}

#[test]
fn profiles_switch_by_key_and_by_message_and_filter_by_term() {
    let mut s = two_profiles();
    assert!(s.many_profiles());
    assert_eq!(s.table.view().len(), 9);
    feed(&mut s, [ch('P')]);
    assert_eq!(s.table.profile_filter(), Some("acme"));
    assert_eq!(s.table.view().len(), 8);
    feed(&mut s, [ch('P')]);
    assert_eq!(names(&s), ["vault-01"]);
    feed(&mut s, [ch('P')]);
    assert_eq!(s.table.profile_filter(), None);
    update(&mut s, Msg::SwitchProfile(Some("lab".into())));
    assert_eq!(names(&s), ["vault-01"]);
    update(&mut s, Msg::SwitchProfile(Some("nope".into())));
    assert!(notice(&s).contains("known: acme, lab"), "{}", notice(&s));
    assert_eq!(s.table.profile_filter(), Some("lab"));
    update(&mut s, Msg::SwitchProfile(None));
    feed(&mut s, [ch('/')]);
    type_str(&mut s, "profile:lab");
    assert_eq!(names(&s), ["vault-01"]);
    let mut one = loaded();
    feed(&mut one, [ch('P')]);
    assert_eq!(one.table.profile_filter(), None);
    assert!(notice(&one).contains("one profile"));
}
