use std::time::Duration;

use super::super::validate::{is_region_id, normalize_url};
use super::super::{Config, Endpoints, KeyChord, Theme};
use super::support::*;
use crate::config::keys::Action;

#[test]
fn every_tuning_range_is_checked_on_its_own_line() {
    let cases = [
        (
            "concurrency = 257",
            "tuning.concurrency must be between 1 and 256, got 257",
        ),
        (
            "concurrency = -1",
            "tuning.concurrency must be between 1 and 256, got -1",
        ),
        (
            "retries = 11",
            "tuning.retries must be between 0 and 10, got 11",
        ),
        (
            "retry_base_ms = 0",
            "tuning.retry_base_ms must be between 1 and 60000, got 0",
        ),
        (
            "page_size = 0",
            "tuning.page_size must be between 1 and 1000, got 0",
        ),
        (
            "page_size = 1001",
            "tuning.page_size must be between 1 and 1000, got 1001",
        ),
        (
            "connect_timeout_secs = 0",
            "tuning.connect_timeout_secs must be between 1 and 300, got 0",
        ),
        (
            "request_timeout_secs = 3601",
            "tuning.request_timeout_secs must be between 1 and 3600, got 3601",
        ),
        (
            "rate_per_second = 0",
            "tuning.rate_per_second must be a number greater than 0, got 0",
        ),
        (
            "rate_per_second = -2.5",
            "tuning.rate_per_second must be a number greater than 0, got -2.5",
        ),
        (
            "rate_per_second = nan",
            "tuning.rate_per_second must be a number greater than 0, got NaN",
        ),
        (
            "rate_per_second = inf",
            "tuning.rate_per_second must be a number greater than 0, got inf",
        ),
    ];
    for (line, want) in cases {
        let text = format!("# comment\n\n[tuning]\n# the next line is wrong\n{line}\n");
        assert_eq!(
            error_of(&text),
            format!("config file FILE: line 5: {want}"),
            "{line}"
        );
    }
}

#[test]
fn tuning_bounds_are_inclusive_and_defaults_fill_gaps() {
    let c = config_of("[tuning]\nconcurrency = 256\nretries = 10\n");
    assert_eq!((c.tuning.concurrency, c.tuning.retries), (256, 10));
    assert_eq!(c.tuning.page_size, 1000);
    assert_eq!(c.tuning.connect_timeout, Duration::from_secs(10));
    assert_eq!(c.tuning.retry_base, Duration::from_secs(1));
    let c = config_of("[tuning]\nretry_base_ms = 10\n");
    assert_eq!(c.tuning.retry_base, Duration::from_millis(10));
    let c = config_of("tuning.concurrency = 1\ntuning.retries = 0\n");
    assert_eq!((c.tuning.concurrency, c.tuning.retries), (1, 0));
}

#[test]
fn dotted_and_inline_keys_get_the_right_line_too() {
    assert_eq!(
        error_of("[ui]\ntheme = \"mono\"\n\ntuning.page_size = 0\n"),
        "config file FILE: line 4, column 1: unknown key \"tuning\" in [ui] (expected one of: \
         read_only, theme, columns, mouse)"
    );
    assert_eq!(
        error_of("tuning = { retries = 1,\n  page_size = 0 }\n"),
        "config file FILE: line 2: tuning.page_size must be between 1 and 1000, got 0"
    );
    assert_eq!(
        error_of("projects = [\n  { region = \"cn-north-4\" },\n  { id = \"x\" },\n]\n"),
        "config file FILE: line 3: projects[1].region: missing required key \"region\""
    );
    assert_eq!(
        error_of("[tuning]\nretries = 1\nretries = 2\n"),
        "config file FILE: line 3, column 1: duplicate key \"retries\""
    );
}

#[test]
fn endpoints_are_normalised_and_substituted() {
    let e = Endpoints::default();
    assert_eq!(
        e.ecs_for("cn-north-4"),
        "https://ecs.cn-north-4.myhuaweicloud.com"
    );
    assert_eq!(e.iam_for("cn-north-4"), "https://iam.myhuaweicloud.com");
    for (raw, want) in [
        (
            "https://ecs.{region}.example.com/",
            "https://ecs.{region}.example.com",
        ),
        (
            "ecs.{region}.example.com",
            "https://ecs.{region}.example.com",
        ),
        ("HTTP://127.0.0.1:8800", "http://127.0.0.1:8800"),
        (
            "http://[::1]:8800/prefix/{region}",
            "http://[::1]:8800/prefix/{region}",
        ),
        ("  https://iam.example.com  ", "https://iam.example.com"),
    ] {
        assert_eq!(normalize_url(raw).as_deref(), Ok(want), "{raw}");
    }
    for raw in [
        "",
        "ftp://x",
        "https://",
        "https://ecs.{regoin}.example.com",
        "https://a b",
        "https://user@host",
        "https://host:99999",
        "https://host:0",
        "https://host/?q=1",
        "https://host/#f",
    ] {
        assert!(normalize_url(raw).is_err(), "{raw:?} accepted");
    }
    let c = config_of(
        "[endpoints]\necs = \"http://127.0.0.1:8800\"\niam = \"http://127.0.0.1:8800\"\n",
    );
    assert_eq!(c.endpoints.ecs_for("cn-north-4"), "http://127.0.0.1:8800");
}

#[test]
fn ca_bundle_must_exist_and_is_relative_to_the_file() {
    let t = TempConfig::new("[endpoints]\nca_bundle = \"certs/ca.pem\"\n");
    assert_eq!(
        t.error(&no_env),
        format!(
            "config file FILE: line 2: endpoints.ca_bundle: no such file {}",
            t.dir.path().join("certs/ca.pem").display()
        )
    );
    std::fs::create_dir(t.dir.path().join("certs")).unwrap();
    std::fs::write(t.dir.path().join("certs/ca.pem"), "pem").unwrap();
    assert_eq!(
        t.error(&no_env),
        format!(
            "config file FILE: line 2: endpoints.ca_bundle: CA bundle {} holds no certificate \
             (no \"-----BEGIN CERTIFICATE-----\" block)",
            t.dir.path().join("certs/ca.pem").display()
        )
    );
    std::fs::copy(
        super::support::fixture("../certs/test-ca.pem"),
        t.dir.path().join("certs/ca.pem"),
    )
    .unwrap();
    let c = t.load(&no_env).unwrap();
    assert_eq!(
        c.endpoints.ca_bundle,
        Some(t.dir.path().join("certs/ca.pem"))
    );
}

#[test]
fn region_ids_are_lowercase_words_and_dashes() {
    for ok in [
        "cn-north-4",
        "ap-southeast-1",
        "eu-west-101",
        "my-kualalumpur-1",
        "local",
    ] {
        assert!(is_region_id(ok), "{ok}");
    }
    for bad in [
        "",
        "CN-north-4",
        "cn_north_4",
        "cn--north",
        "-cn",
        "cn-",
        "4cn",
        "cn north",
        "cn-north-4/x",
    ] {
        assert!(!is_region_id(bad), "{bad}");
    }
}

#[test]
fn project_entries_are_checked() {
    let cases = [
        (
            "region = \"cn-north-4\"\nid = \"a/b\"",
            "line 3: projects[0].id must be a project id (letters, digits, '-' or '_'), got \"a/b\"",
        ),
        (
            "region = \"cn-north-4\"\nname = \" \"",
            "line 3: projects[0].name must be a non-empty label without control characters",
        ),
        (
            "region = \"cn-north-4\"\nprotected = 1",
            "line 3, column 13: projects[0].protected: expected true or false, got integer 1",
        ),
        (
            "region = 4",
            "line 2, column 10: projects[0].region: expected a string, got integer 4",
        ),
    ];
    for (body, want) in cases {
        let text = format!("[[projects]]\n{body}\n");
        assert_eq!(
            error_of(&text),
            format!("config file FILE: {want}"),
            "{body}"
        );
    }
    let same_id = "[[projects]]\nregion = \"cn-north-4\"\nid = \"p1\"\n\n[[projects]]\nregion = \"cn-east-3\"\nid = \"p1\"\n";
    assert_eq!(
        error_of(same_id),
        "config file FILE: line 5: projects[1] repeats projects[0] (project id \"p1\"); remove \
         one of them"
    );
    let two_in_one_region = "[[projects]]\nregion = \"cn-north-4\"\nid = \"p1\"\n[[projects]]\nregion = \"cn-north-4\"\nid = \"p2\"\n[[projects]]\nregion = \"cn-north-4\"\n";
    assert_eq!(config_of(two_in_one_region).projects.len(), 3);
}

#[test]
fn ui_theme_and_read_only() {
    let c = config_of("[ui]\nread_only = true\ntheme = \"mono\"\n");
    assert!(c.ui.read_only);
    assert_eq!(c.ui.theme, Theme::Mono);
    for (name, theme) in [
        ("dark", Theme::Dark),
        ("light", Theme::Light),
        ("terminal", Theme::Terminal),
        ("default", Theme::Terminal),
    ] {
        let c = config_of(&format!("[ui]\ntheme = \"{name}\"\n"));
        assert_eq!(c.ui.theme, theme, "{name}");
    }
    assert_eq!(
        error_of("[ui]\ntheme = \"solarized\"\n"),
        "config file FILE: line 2: ui.theme must be one of \"terminal\", \"dark\", \"light\", \
         \"mono\", got \"solarized\""
    );
}

#[test]
fn ui_columns_and_mouse() {
    use crate::config::Column;
    let c = config_of("[ui]\nmouse = true\ncolumns = [\"flag\", \"name\", \"checked\"]\n");
    assert!(c.ui.mouse);
    assert_eq!(
        c.ui.columns,
        Some(vec![Column::Flag, Column::Name, Column::Age])
    );
    let c = config_of("[ui]\n");
    assert_eq!((c.ui.columns, c.ui.mouse), (None, false));
    let e = error_of("[ui]\ncolumns = [\n  \"name\",\n  \"size\",\n]\n");
    assert!(
        e.starts_with(
            "config file FILE: line 4: ui.columns[1] unknown column \"size\" (expected one of: \
             name, id, status,"
        ),
        "{e}"
    );
    assert_eq!(
        error_of("[ui]\ncolumns = [\"name\", \"name\"]\n"),
        "config file FILE: line 2: ui.columns[1] names the column \"name\" twice"
    );
    assert!(
        error_of("[ui]\ncolumns = []\n")
            .starts_with("config file FILE: line 2: ui.columns lists no column"),
    );
}

#[test]
fn views_name_a_filter_a_sort_and_columns() {
    use crate::config::Column;
    let c = config_of(
        "[[views]]\nname = \"prod-web\"\nfilter = \"project:prod web\"\nsort = \"-flag\"\n\
         columns = [\"name\", \"flag\"]\n\n[[views]]\nname = \"all\"\n",
    );
    assert_eq!(c.views.len(), 2);
    let v = &c.views[0];
    assert_eq!(v.name, "prod-web");
    assert_eq!(v.filter.as_deref(), Some("project:prod web"));
    assert_eq!(v.sort, Some((Column::Flag, true)));
    assert_eq!(v.columns, Some(vec![Column::Name, Column::Flag]));
    assert_eq!((c.views[1].filter.as_ref(), c.views[1].sort), (None, None));
    for (body, want) in [
        (
            "[[views]]\nname = \"a\"\nsort = \"id\"\n",
            "line 3: views[0].sort: the table cannot sort by \"id\"",
        ),
        (
            "[[views]]\nname = \"a\"\n[[views]]\nname = \"a\"\n",
            "line 4: views[1].name repeats views[0] (\"a\"); rename one",
        ),
        (
            "[[views]]\nname = \"two words\"\n",
            "line 2: views[0].name must be one word (the palette's `:view NAME`)",
        ),
        (
            "[[views]]\nname = \"a\"\ncolumns = [\"nme\"]\n",
            "line 3: views[0].columns[0] unknown column \"nme\"",
        ),
        (
            "[[views]]\nname = \"a\"\nfilter = \"colour:red\"\n",
            "line 3: views[0].filter: ",
        ),
    ] {
        let e = error_of(body);
        assert!(
            e.starts_with(&format!("config file FILE: {want}")),
            "{body}\n{e}"
        );
    }
    assert!(error_of("[[views]]\nname = \"a\"\nzoom = 2\n").contains("zoom"));
}

#[test]
fn log_level_must_be_a_tracing_filter_of_known_levels() {
    for ok in [
        "info",
        "WARN",
        "off",
        "info,ecsreset=debug",
        "ecsreset::cloud=trace",
        "warn,hyper=off",
    ] {
        assert_eq!(
            config_of(&format!("[log]\nlevel = \"{ok}\"\n")).log.level,
            ok
        );
    }
    assert_eq!(
        error_of("[log]\nfile = \"x.log\"\nlevel = \"debgu\"\n"),
        "config file FILE: line 3: log.level: \"debgu\" is not a level (one of: off, error, \
         warn, info, debug, trace); to set a module's level write module=level, e.g. \
         \"info,ecsreset=debug\""
    );
    assert!(error_of("[log]\nlevel = \"ecsreset=loud\"\n").starts_with(
        "config file FILE: line 2: log.level: \"ecsreset=loud\" is not a valid tracing filter"
    ));
}

#[test]
fn log_file_defaults_to_the_data_dir() {
    let c = Config::default();
    assert_eq!(c.log.file, None);
    if let Some(dir) = crate::config::data_dir() {
        assert_eq!(c.log.resolved_file(), Some(dir.join("ecsreset.log")));
    }
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_owned());
    let c = config_of("[log]\nfile = \"~/logs/e.log\"\n");
    if let Some(home) = home {
        assert_eq!(c.log.file, Some(home.join("logs/e.log")));
    }
    assert_eq!(
        error_of("[log]\nfile = \"\"\n"),
        "config file FILE: line 2: log.file must not be empty; remove it to use the default"
    );
    let c = config_of("[log]\nfile = \"/var/log/e.log\"\n");
    assert_eq!(
        c.log.resolved_file().unwrap(),
        std::path::Path::new("/var/log/e.log")
    );
}

#[test]
fn key_binding_errors_name_the_entry_line() {
    let cases = [
        (
            "\"v\" = \"reveal\"",
            "keys.v: \"reveal\" is a form action and \"v\" types a character into the password field; use a key like ctrl-r or f2",
        ),
        (
            "\"ctrl-ctrl-a\" = \"quit\"",
            "keys.\"ctrl-ctrl-a\": key chord \"ctrl-ctrl-a\" repeats a modifier",
        ),
        (
            "\"shift-1\" = \"help\"",
            "keys.\"shift-1\": key chord \"shift-1\": shift- combines only with letters and named keys; write the shifted character itself, e.g. \"?\" or \"!\"",
        ),
        ("\"x\" = 3", ""),
    ];
    for (entry, want) in cases {
        let text = format!("[keys]\n\"ctrl-r\" = \"refresh\"\n{entry}\n");
        let got = error_of(&text);
        if want.is_empty() {
            assert_eq!(
                got,
                "config file FILE: line 3, column 7: keys.x: expected an action name or an array of action names, got integer 3"
            );
        } else {
            assert_eq!(got, format!("config file FILE: line 3: {want}"), "{entry}");
        }
    }
    let same = "[keys]\n\"G\" = \"top\"\n\n\"shift-g\" = \"bottom\"\n";
    assert_eq!(
        error_of(same),
        "config file FILE: line 4: keys.\"shift-g\": this is the same key as \"G\" on line 2; \
         keep one of them"
    );
    let no_quit = "[keys]\n\"q\" = \"none\"\n\"x\" = \"help\"\n\"ctrl-c\" = \"refresh\"\n";
    assert_eq!(
        error_of(no_quit),
        "config file FILE: line 4: keys.\"ctrl-c\": no key is left for \"quit\"; bind one, \
         e.g. \"ctrl-q\" = \"quit\""
    );
    let moved_quit = "[keys]\n\"q\" = \"none\"\n\"ctrl-c\" = \"none\"\n\"ctrl-q\" = \"quit\"\n";
    let c = config_of(moved_quit);
    assert_eq!(
        c.keys.keys_for(Action::Quit),
        vec![KeyChord::parse("ctrl-q").unwrap()]
    );
}

#[test]
fn a_chord_can_hold_one_action_per_scope() {
    let c = config_of("[keys]\n\"ctrl-n\" = [\"focus_next\", \"next_field\"]\n");
    let key = KeyChord::parse("ctrl-n").unwrap();
    assert_eq!(c.keys.lookup(&key), Some(Action::FocusNext));
    assert_eq!(c.keys.lookup_form(&key), Some(Action::NextField));
    let cases = [
        (
            "[\"up\", \"down\"]",
            "keys.\"ctrl-n\": binds both \"up\" and \"down\", which act in the same place; a key can hold one action in the list and one in the reset form",
        ),
        (
            "[]",
            "keys.\"ctrl-n\": lists no action; use \"none\" to remove the key",
        ),
        (
            "[\"none\", \"up\"]",
            "keys.\"ctrl-n\": \"none\" cannot be combined with actions",
        ),
    ];
    for (value, want) in cases {
        let text = format!("[keys]\n\"ctrl-n\" = {value}\n");
        assert_eq!(
            error_of(&text),
            format!("config file FILE: line 2: {want}"),
            "{value}"
        );
    }
}

#[test]
fn the_first_bad_key_in_the_file_is_reported_not_the_first_in_sort_order() {
    let text = "[keys]\n\"z\" = \"bogus\"\n\"a\" = \"bogus\"\n";
    assert!(error_of(text).starts_with("config file FILE: line 2: keys.z: unknown action"));
}

#[test]
fn a_proxy_is_an_http_url_without_credentials_and_is_never_echoed() {
    let c = config_of("[endpoints]\nproxy = \"http://proxy.example.com:3128/\"\n");
    assert_eq!(
        c.endpoints.proxy.as_deref(),
        Some("http://proxy.example.com:3128")
    );
    assert_eq!(config_of("").endpoints.proxy, None);
    for (bad, why) in [
        ("socks5://p:1080", "the scheme must be http or https"),
        ("proxy:3128", "the scheme must be http or https"),
        (
            "http://u:hunter2@p:3128",
            "credentials do not belong in the config",
        ),
        (
            "http://p:3128/path",
            "a proxy URL has no path, query or fragment",
        ),
        ("not a url", "not a valid URL"),
    ] {
        let e = error_of(&format!("[endpoints]\nproxy = \"{bad}\"\n"));
        assert!(
            e.starts_with("config file FILE: line 2: endpoints.proxy must be a proxy URL"),
            "{bad}: {e}"
        );
        assert!(e.contains(why), "{bad}: {e}");
        assert!(!e.contains("hunter2"), "{e}");
    }
}
