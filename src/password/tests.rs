//! Table-driven edge cases for every rule, and property tests for the checker as a whole.

use super::*;
use proptest::prelude::*;

const OSES: [OsKind; 3] = [OsKind::Linux, OsKind::Windows, OsKind::Unknown];

/// The doc's example; passes everything everywhere, so it is the base for edge cases.
const GOOD: &str = "Qx7-Lm2.Rt9@vb";

/// The status of `rule` for `password` on `os`; panics if the rule is not in that checklist.
fn status(password: &str, os: OsKind, rule: Rule) -> RuleStatus {
    check(password, os)
        .items
        .into_iter()
        .find(|item| item.rule == rule)
        .unwrap_or_else(|| panic!("{rule:?} missing from the {os:?} checklist"))
}

fn passes(password: &str, os: OsKind, rule: Rule) -> bool {
    status(password, os, rule).passed
}

/// The rules that failed, for compact assertions.
fn failures(password: &str, os: OsKind) -> Vec<Rule> {
    let list = check(password, os);
    list.items
        .iter()
        .filter(|i| !i.passed)
        .map(|i| i.rule)
        .collect()
}

#[test]
fn the_doc_example_passes_on_every_os() {
    for os in OSES {
        let list = check(GOOD, os);
        assert!(list.passed(), "{os:?}: {list:?}");
        assert_eq!(list.first_failure(), None);
        assert_eq!(list.os, os);
    }
}

#[test]
fn linux_has_five_items_and_windows_and_unknown_six_in_order() {
    let rules = |os| -> Vec<Rule> { check(GOOD, os).items.iter().map(|i| i.rule).collect() };
    assert_eq!(rules(OsKind::Linux), Rule::ALL[..5].to_vec());
    assert_eq!(rules(OsKind::Windows), Rule::ALL.to_vec());
    assert_eq!(rules(OsKind::Unknown), Rule::ALL.to_vec());
    assert_eq!(Rule::ALL[5], Rule::NoLeadingSlash);
}

#[test]
fn length_edges_count_characters_not_bytes() {
    let cases: &[(&str, bool, &str)] = &[
        ("Qx7-Lm2", false, "7 of 8–26 characters"),
        ("Qx7-Lm2.", true, "8 of 8–26 characters"),
        ("Qx7-Lm2.Qx7-Lm2.Qx7-Lm2.Qx", true, "26 of 8–26 characters"),
        (
            "Qx7-Lm2.Qx7-Lm2.Qx7-Lm2.Qx7",
            false,
            "27 of 8–26 characters",
        ),
        // 7 characters but 10 bytes: still too short.
        ("Qx7-Lé漢", false, "7 of 8–26 characters"),
        // 8 characters, 12 bytes: long enough (and fails AllowedCharacters instead).
        ("Qx7-L漢字m", true, "8 of 8–26 characters"),
    ];
    for &(password, ok, detail) in cases {
        let s = status(password, OsKind::Windows, Rule::Length);
        assert_eq!(s.passed, ok, "{password:?}");
        assert_eq!(s.detail.as_deref(), Some(detail), "{password:?}");
    }
}

#[test]
fn valid_lengths_pass_every_other_rule_too() {
    for password in ["Qx7-Lm2.", "Qx7-Lm2.Qx7-Lm2.Qx7-Lm2.Qx"] {
        for os in OSES {
            assert!(check(password, os).passed(), "{password:?} on {os:?}");
        }
    }
}

#[test]
fn every_allowed_special_is_allowed_and_counts_as_special() {
    assert_eq!(ALLOWED_SPECIALS.chars().count(), 13);
    for c in ALLOWED_SPECIALS.chars() {
        let password = format!("Qx7Lm2ab{c}");
        assert!(
            passes(&password, OsKind::Linux, Rule::AllowedCharacters),
            "{c:?}"
        );
        let only_lower_and_special = format!("qxlmabcd{c}");
        assert!(!passes(
            &only_lower_and_special,
            OsKind::Linux,
            Rule::ThreeClasses
        ));
        let with_digit = format!("qxlmabc7{c}");
        assert!(
            passes(&with_digit, OsKind::Linux, Rule::ThreeClasses),
            "{c:?}"
        );
    }
}

#[test]
fn every_other_ascii_character_is_rejected() {
    let allowed = |c: char| c.is_ascii_alphanumeric() || ALLOWED_SPECIALS.contains(c);
    let forbidden: Vec<char> = (0u8..=127)
        .map(char::from)
        .filter(|&c| !allowed(c))
        .collect();
    // 128 ASCII - 62 alphanumerics - 13 specials: the doc's list, space, `$` and controls.
    assert_eq!(forbidden.len(), 128 - 62 - 13);
    for named in "~`#&^,{}*();\"'<>|\\ $".chars() {
        assert!(forbidden.contains(&named), "{named:?}");
    }
    for c in forbidden {
        let password = format!("Qx7-Lm2.{c}");
        for os in OSES {
            let s = status(&password, os, Rule::AllowedCharacters);
            assert!(!s.passed, "{c:?} on {os:?}");
            assert_eq!(
                s.detail.as_deref(),
                Some("1 character not allowed (allowed: A–Z a–z 0–9 !@%-_=+[]:./?)")
            );
        }
    }
}

#[test]
fn full_width_and_chinese_characters_are_rejected() {
    let doc_list = "【】：；“”‘’、，。《》？￥…（）——·！";
    for c in doc_list
        .chars()
        .chain("密码Ａｚ０é\u{00a0}\u{200b}😀".chars())
    {
        let password = format!("Qx7-Lm2.{c}");
        assert!(
            !passes(&password, OsKind::Linux, Rule::AllowedCharacters),
            "{c:?}"
        );
    }
    let s = status("密码Qx7-Lm2.", OsKind::Windows, Rule::AllowedCharacters);
    assert_eq!(
        s.detail.as_deref(),
        Some("2 characters not allowed (allowed: A–Z a–z 0–9 !@%-_=+[]:./?)")
    );
}

#[test]
fn three_of_four_classes_are_needed() {
    let cases: &[(&str, bool, &str)] = &[
        ("abcdefgh", false, "has 1 of 4 classes: lower"),
        ("abcdefg1", false, "has 2 of 4 classes: lower, digit"),
        ("ABCDEFG!", false, "has 2 of 4 classes: upper, special"),
        ("1234567.", false, "has 2 of 4 classes: digit, special"),
        ("abcdEfg1", true, "has 3 of 4 classes: upper, lower, digit"),
        (
            "abcdefg1?",
            true,
            "has 3 of 4 classes: lower, digit, special",
        ),
        (
            "Abcdef1!",
            true,
            "has 4 of 4 classes: upper, lower, digit, special",
        ),
        // Forbidden characters are not a class, so they cannot make up the third one.
        ("abcdefg1$", false, "has 2 of 4 classes: lower, digit"),
        ("abcdefg1é", false, "has 2 of 4 classes: lower, digit"),
    ];
    for &(password, ok, detail) in cases {
        let s = status(password, OsKind::Linux, Rule::ThreeClasses);
        assert_eq!(s.passed, ok, "{password:?}");
        assert_eq!(s.detail.as_deref(), Some(detail), "{password:?}");
    }
}

#[test]
fn user_names_and_reverses_are_rejected_in_any_case_on_every_os() {
    let bad = [
        "Qx7-root.9",
        "Qx7-ROOT.9",
        "Qx7-RoOt.9",
        "Qx7-toor.9",
        "Qx7-tOoR.9",
        "Administrator1!",
        "aDMINISTRATOR1!",
        "rotartsinimdA1!",
        "ROTARTSINIMDA1!",
    ];
    for password in bad {
        for os in OSES {
            let s = status(password, os, Rule::NoUsername);
            assert!(!s.passed, "{password:?} on {os:?}");
            assert_eq!(
                s.detail.as_deref(),
                Some("contains a user name or its reverse")
            );
        }
    }
    for near_miss in ["Qx7-roo.t9", "Qx7-ro0t.9", "Qx7-r00t.9", "Qx7-tO0r.9"] {
        for os in OSES {
            assert!(passes(near_miss, os, Rule::NoUsername), "{near_miss:?}");
        }
    }
}

#[test]
fn three_letters_in_a_row_from_administrator_are_rejected_on_every_os() {
    let runs = [
        "adm", "ADM", "Adm", "dmi", "min", "MiN", "ini", "nis", "ist", "str", "tra", "TRA", "rat",
        "ato", "tor", "ToR",
    ];
    for run in runs {
        let password = format!("Qx7-{run}.9Z");
        for os in OSES {
            let s = status(&password, os, Rule::NoUsernameRun);
            assert!(!s.passed, "{password:?} on {os:?}");
            assert_eq!(
                s.detail.as_deref(),
                Some("contains 3 letters in a row from the Windows user name")
            );
        }
    }
    // Two letters in a row, reversed runs and split runs are fine.
    for ok in [
        "Qx7-ad.m9Z",
        "Qx7-mda.9Z",
        "Qx7-rot.9Z",
        "Qx7-a-d-m9Z",
        "Qx7-at.or9Z",
    ] {
        for os in OSES {
            assert!(passes(ok, os, Rule::NoUsernameRun), "{ok:?}");
        }
    }
}

#[test]
fn a_leading_slash_fails_on_windows_and_unknown_only() {
    let password = "/Qx7-Lm2.Rt9";
    assert!(check(password, OsKind::Linux).passed());
    for os in [OsKind::Windows, OsKind::Unknown] {
        let list = check(password, os);
        assert_eq!(failures(password, os), vec![Rule::NoLeadingSlash]);
        let first = list.first_failure().expect("a failure");
        assert_eq!(first.detail.as_deref(), Some("starts with a slash"));
    }
    for os in OSES {
        assert!(check("Qx7/Lm2.Rt9/", os).passed(), "{os:?}");
    }
}

#[test]
fn an_empty_password_shows_no_tick_for_length_or_classes() {
    for os in OSES {
        let list = check("", os);
        assert!(!list.passed());
        assert_eq!(failures("", os), vec![Rule::Length, Rule::ThreeClasses]);
        assert_eq!(list.first_failure().map(|s| s.rule), Some(Rule::Length));
        let detail = |rule| status("", os, rule).detail;
        assert_eq!(
            detail(Rule::Length).as_deref(),
            Some("0 of 8–26 characters")
        );
        assert_eq!(
            detail(Rule::ThreeClasses).as_deref(),
            Some("has 0 of 4 classes")
        );
        assert_eq!(detail(Rule::AllowedCharacters), None);
    }
}

#[test]
fn first_failure_follows_checklist_order() {
    let list = check("/root", OsKind::Windows);
    let failed: Vec<Rule> = list
        .items
        .iter()
        .filter(|i| !i.passed)
        .map(|i| i.rule)
        .collect();
    assert_eq!(
        failed,
        vec![
            Rule::Length,
            Rule::ThreeClasses,
            Rule::NoUsername,
            Rule::NoLeadingSlash
        ]
    );
    assert_eq!(list.first_failure().map(|s| s.rule), Some(Rule::Length));
}

#[test]
fn passing_rules_only_carry_count_details() {
    for item in check(GOOD, OsKind::Windows).items {
        let expects_detail = matches!(item.rule, Rule::Length | Rule::ThreeClasses);
        assert_eq!(item.detail.is_some(), expects_detail, "{:?}", item.rule);
    }
}

#[test]
fn os_kind_comes_from_metadata_case_insensitively() {
    let cases = [
        (Some("Linux"), OsKind::Linux),
        (Some("linux"), OsKind::Linux),
        (Some("LINUX"), OsKind::Linux),
        (Some("Windows"), OsKind::Windows),
        (Some("wInDoWs"), OsKind::Windows),
        (Some(" Windows "), OsKind::Windows),
        (Some(""), OsKind::Unknown),
        (Some("Other"), OsKind::Unknown),
        (Some("Windows Server"), OsKind::Unknown),
        (None, OsKind::Unknown),
    ];
    for (raw, os) in cases {
        assert_eq!(OsKind::from_metadata(raw), os, "{raw:?}");
    }
    assert_eq!(OsKind::Linux.username(), "root");
    assert_eq!(OsKind::Windows.username(), "Administrator");
    assert_eq!(OsKind::Unknown.username(), "Administrator");
}

#[test]
fn labels_are_short_distinct_and_name_the_limits() {
    let labels: Vec<&str> = Rule::ALL.iter().map(|r| r.label()).collect();
    for label in &labels {
        assert!(
            !label.is_empty() && label.chars().count() <= 40,
            "{label:?}"
        );
    }
    let mut unique = labels.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), labels.len());
    assert_eq!(Rule::Length.label(), "8 to 26 characters");
    assert!(Rule::AllowedCharacters.label().ends_with(ALLOWED_SPECIALS));
}

/// Strings made of allowed characters, sometimes with a user-name fragment spliced in, so
/// that every rule fails and passes often.
fn plausible_password() -> impl Strategy<Value = String> {
    let fragment = prop::sample::select(vec!["", "", "root", "ToOr", "adm", "TRA", "/", " "]);
    (
        "[A-Za-z0-9!@%_=+:./?\\[\\]-]{0,30}",
        fragment,
        any::<prop::sample::Index>(),
    )
        .prop_map(|(base, fragment, at)| {
            let cut = at.index(base.len() + 1);
            format!("{}{fragment}{}", &base[..cut], &base[cut..])
        })
}

proptest! {
    #[test]
    fn check_never_panics(password in any::<String>()) {
        for os in OSES {
            let list = check(&password, os);
            prop_assert_eq!(list.items.len(), os.rules().len());
            prop_assert_eq!(list.passed(), list.first_failure().is_none());
        }
    }

    #[test]
    fn no_detail_or_debug_output_contains_the_password(
        password in prop_oneof![any::<String>(), plausible_password()]
    ) {
        if password.chars().count() <= 3 {
            return Ok(());
        }
        for os in OSES {
            let list = check(&password, os);
            for item in &list.items {
                if let Some(detail) = &item.detail {
                    prop_assert!(!detail.contains(password.as_str()));
                }
            }
            let debug = format!("{list:?}");
            prop_assert!(!debug.contains(password.as_str()));
        }
    }

    #[test]
    fn allowed_only_passwords_pass_allowed_characters(password in plausible_password()) {
        let has_space = password.contains(' ');
        prop_assert_eq!(passes(&password, OsKind::Linux, Rule::AllowedCharacters), !has_space);
    }
}

#[test]
fn the_administrator_run_is_a_windows_rule_and_an_api_rule() {
    // "Admin" is a run of "Administrator": Linux without the API check does not mind.
    let pw = "Xadmin-7q!Lp";
    assert!(check_with(pw, OsKind::Linux, false).passed());
    let linux: Vec<Rule> = check_with(pw, OsKind::Linux, false)
        .items
        .iter()
        .map(|i| i.rule)
        .collect();
    assert!(!linux.contains(&Rule::NoUsernameRun) && !linux.contains(&Rule::NoLeadingSlash));
    for (os, api) in [
        (OsKind::Linux, true),
        (OsKind::Windows, false),
        (OsKind::Windows, true),
        (OsKind::Unknown, false),
    ] {
        let list = check_with(pw, os, api);
        assert_eq!(
            list.first_failure().map(|f| f.rule),
            Some(Rule::NoUsernameRun),
            "{os:?} api={api}"
        );
    }
}

#[test]
fn each_rule_names_its_source() {
    let source = |os, api, rule| {
        check_with(GOOD, os, api)
            .items
            .into_iter()
            .find(|i| i.rule == rule)
            .map(|i| i.source)
    };
    assert_eq!(
        source(OsKind::Linux, true, Rule::Length),
        Some(Source::Both)
    );
    assert_eq!(source(OsKind::Linux, false, Rule::Length), Some(Source::Os));
    assert_eq!(
        source(OsKind::Linux, true, Rule::NoUsernameRun),
        Some(Source::Api)
    );
    assert_eq!(
        source(OsKind::Windows, true, Rule::NoUsernameRun),
        Some(Source::Both)
    );
    assert_eq!(
        source(OsKind::Windows, true, Rule::NoLeadingSlash),
        Some(Source::Os)
    );
    assert_eq!(source(OsKind::Linux, true, Rule::NoLeadingSlash), None);
}

#[test]
fn without_the_api_check_the_os_character_set_and_account_apply() {
    // `^` and `{}` are Linux specials the API refuses; `$` a Windows one.
    let linux = "Qx7^Lm2{Rt9}";
    assert!(check_with(linux, OsKind::Linux, false).passed());
    assert!(!check_with(linux, OsKind::Linux, true).passed());
    assert!(!check_with(linux, OsKind::Windows, false).passed());
    let windows = "Qx7$Lm2,Rt9";
    assert!(check_with(windows, OsKind::Windows, false).passed());
    assert!(!check_with(windows, OsKind::Windows, true).passed());
    // Only its own account name counts on a guest without the API check.
    let root = "Qx7-root-Lm2";
    assert!(!check_with(root, OsKind::Linux, false).passed());
    assert!(check_with(root, OsKind::Windows, false).passed());
    assert!(!check_with(root, OsKind::Windows, true).passed());
    let item = |os, api| {
        check_with(root, os, api)
            .items
            .into_iter()
            .find(|i| i.rule == Rule::NoUsername)
            .unwrap()
            .label
    };
    assert_eq!(item(OsKind::Linux, false), "no root, nor reversed");
    assert_eq!(item(OsKind::Linux, true), Rule::NoUsername.label());
}
