use std::path::Path;
use std::time::Duration;

use super::super::{
    Config, ConfigError, ENV_AK, ENV_CONFIG, ENV_SK, KeyChord, LoadOptions, Theme, source,
};
use super::support::*;
use crate::config::keys::Action;

/// Each invalid fixture gives one exact message: file, line (column), key, fix. The key is
/// also given structured (none for a syntax error, where the document has no shape yet).
#[test]
fn invalid_fixtures_name_file_line_and_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "unknown_key.toml",
            "tuning.concurency",
            "line 7, column 1: unknown key \"concurency\" in [tuning] (expected one of: \
             concurrency, rate_per_second, connect_timeout_secs, request_timeout_secs, retries, \
             retry_base_ms, page_size)",
        ),
        (
            "unknown_table.toml",
            "tunning",
            "line 1, column 2: unknown key \"tunning\" at the top level (expected one of: \
             cloud, credentials, endpoints, projects, tuning, ui, log, keys, escrow, views, profiles)",
        ),
        (
            "unknown_project_key.toml",
            "projects[1].protect",
            "line 6, column 1: unknown key \"protect\" in projects[1] (expected one of: region, \
             id, name, protected)",
        ),
        (
            "bad_type.toml",
            "ui.read_only",
            "line 2, column 13: ui.read_only: expected true or false, got string \"yes\"",
        ),
        (
            "missing_region.toml",
            "projects[1].region",
            "line 3: projects[1].region: missing required key \"region\"",
        ),
        (
            "bad_range.toml",
            "tuning.concurrency",
            "line 12: tuning.concurrency must be between 1 and 256, got 0",
        ),
        (
            "bad_region.toml",
            "projects[1].region",
            "line 5: projects[1].region must be a region id such as \"cn-north-4\" (lowercase \
             letters, digits and single dashes), got \"CN North 4\"",
        ),
        (
            "duplicate_project.toml",
            "projects[1]",
            "line 5: projects[1] repeats projects[0] (region \"cn-north-4\" without an id); \
             remove one of them",
        ),
        (
            "bad_endpoint.toml",
            "endpoints.ecs",
            "line 2: endpoints.ecs must be an http(s) URL such as \
             \"https://ecs.{region}.myhuaweicloud.com\" (the scheme must be http or https), got \
             \"ftp://ecs.example.com\"",
        ),
        (
            "bad_keys.toml",
            "keys.\"ctrl-x\"",
            "line 3: keys.\"ctrl-x\": unknown action \"refesh\" (expected one of: quit, help, \
             refresh, filter, sort, mark, mark_all, mark_supported, copy, details, reset, audit, focus_next, \
             focus_prev, up, down, page_up, page_down, top, bottom, toggle_log, cancel, submit, \
             reveal, generate, next_field, toggle_project, toggle_profile, reload_config, palette, save_csv, \
             windows_password, last_message, or \"none\" to remove the key)",
        ),
        (
            "bad_chord.toml",
            "keys.\"hyper-q\"",
            "line 3: keys.\"hyper-q\": unknown key \"hyper-q\" (expected a single character or \
             one of: enter, esc, tab, backtab, space, backspace, up, down, left, right, home, \
             end, pgup, pgdn, delete, insert, f1..f12)",
        ),
        (
            "syntax_error.toml",
            "",
            "line 3, column 24: TOML syntax error: invalid basic string, expected `\"`",
        ),
        (
            "credentials_partial.toml",
            "credentials.access_key",
            "line 3: credentials.access_key is set but the secret key is missing; add \
             secret_key to the [credentials] table of FILE (then chmod 600 it), or set \
             HUAWEICLOUD_SDK_SK",
        ),
    ];
    for (name, want_key, want) in cases {
        let path = fixture(name);
        let err = load_path(&path, &no_env).expect_err(name);
        assert_eq!(
            redact_path(&err, &path),
            format!("config file FILE: {want}"),
            "{name}"
        );
        match &err {
            ConfigError::Invalid { file, key, .. } => {
                assert_eq!(file, &path, "{name}");
                let want_key = Some(*want_key).filter(|k| !k.is_empty());
                assert_eq!(key.as_deref(), want_key, "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn valid_fixture_loads_every_section() {
    let path = fixture("valid.toml");
    let c = load_path(&path, &no_env).unwrap();
    assert_eq!(c.source.as_deref(), Some(path.as_path()));
    assert_eq!(c.credentials, None);
    assert_eq!(c.endpoints.ecs, "http://127.0.0.1:8800");
    assert_eq!(
        c.endpoints.iam, "https://127.0.0.1:8801",
        "no scheme means https, as in the SDK"
    );
    assert_eq!(c.endpoints.ecs_for("cn-north-4"), "http://127.0.0.1:8800");
    assert_eq!(c.projects.len(), 2);
    assert_eq!(c.projects[0].region, "cn-north-4");
    assert_eq!(
        c.projects[0].id.as_deref(),
        Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
    );
    assert_eq!(c.projects[0].name.as_deref(), Some("prod"));
    assert!(c.projects[0].protected);
    assert_eq!(
        (c.projects[1].id.as_ref(), c.projects[1].protected),
        (None, false)
    );
    assert_eq!(c.tuning.concurrency, 8);
    assert_eq!(c.tuning.rate_per_second, 5.0);
    assert_eq!(c.tuning.connect_timeout, Duration::from_secs(3));
    assert_eq!(c.tuning.request_timeout, Duration::from_secs(20));
    assert_eq!((c.tuning.retries, c.tuning.page_size), (0, 1000));
    assert!(c.ui.read_only);
    assert_eq!(c.ui.theme, Theme::Mono);
    let dir = path.parent().unwrap();
    assert_eq!(
        c.log.file,
        Some(dir.join("logs/ecsreset.log")),
        "relative to the file"
    );
    assert_eq!(c.log.level, "info,ecsreset=debug");
    let key = |s| KeyChord::parse(s).unwrap();
    assert_eq!(c.keys.lookup(&key("x")), Some(Action::Reset));
    assert_eq!(c.keys.lookup(&key("r")), None);
    assert_eq!(c.keys.lookup_form(&key("f2")), Some(Action::Reveal));
}

#[test]
fn the_example_config_loads_and_shows_the_defaults() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let env = env_of(&[(ENV_AK, "AKEXAMPLE"), (ENV_SK, "SKEXAMPLE")]);
    let c = load_path(&path, &env).unwrap_or_else(|e| panic!("{e}"));
    let defaults = Config::default();
    assert_eq!(c.endpoints, defaults.endpoints);
    assert_eq!(c.tuning, defaults.tuning);
    assert_eq!(c.ui, defaults.ui);
    assert_eq!(c.log, defaults.log);
    assert_eq!(
        c.keys, defaults.keys,
        "the example lists the default bindings"
    );
    assert!(!c.projects.is_empty());
    assert_eq!(c.credentials.unwrap().access_key, "AKEXAMPLE");
}

#[test]
fn missing_default_file_means_defaults_and_env() {
    let dir = tempfile::tempdir().unwrap();
    let opts = LoadOptions {
        path: None,
        env: &no_env,
    };
    let c = source::load_with_default(&opts, Some(dir.path().join("config.toml"))).unwrap();
    assert_eq!(c, Config::default());
    let c = source::load_with_default(&opts, None).unwrap();
    assert_eq!(c, Config::default());
}

#[test]
fn an_existing_default_file_is_used() {
    let t = TempConfig::new("[ui]\ntheme = \"mono\"\n");
    let opts = LoadOptions {
        path: None,
        env: &no_env,
    };
    let c = source::load_with_default(&opts, Some(t.path.clone())).unwrap();
    assert_eq!(c.source, Some(t.path.clone()));
    assert_eq!(c.ui.theme, Theme::Mono);
}

#[test]
fn a_named_file_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let err = load_path(&missing, &no_env).unwrap_err();
    assert_eq!(
        redact_path(&err, &missing),
        "config file FILE not found (named by --config); check the path or create it from \
         config.example.toml"
    );
    let env = env_of(&[(ENV_CONFIG, missing.to_str().unwrap())]);
    let opts = LoadOptions {
        path: None,
        env: &env,
    };
    let err = source::load_with_default(&opts, None).unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::NotFound {
                named_by: "ECSRESET_CONFIG",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn flag_beats_env_var_beats_default_path() {
    let flag = TempConfig::new("[tuning]\nretries = 1\n");
    let var = TempConfig::new("[tuning]\nretries = 2\n");
    let default = TempConfig::new("[tuning]\nretries = 3\n");
    let env = env_of(&[(ENV_CONFIG, var.path.to_str().unwrap())]);
    let load = |path: Option<&Path>, env: &dyn Fn(&str) -> Option<String>| {
        let opts = LoadOptions {
            path: path.map(Path::to_owned),
            env,
        };
        source::load_with_default(&opts, Some(default.path.clone()))
            .unwrap()
            .tuning
            .retries
    };
    assert_eq!(load(Some(&flag.path), &env), 1);
    assert_eq!(load(None, &env), 2);
    assert_eq!(
        load(None, &env_of(&[(ENV_CONFIG, "")])),
        3,
        "empty counts as unset"
    );
}

#[test]
fn a_directory_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_path(dir.path(), &no_env).unwrap_err();
    assert_eq!(
        redact_path(&err, dir.path()),
        "config file FILE: cannot read it: it is a directory"
    );
}

#[cfg(unix)]
#[test]
fn a_file_with_a_secret_must_be_private() {
    let text = "[credentials]\naccess_key = \"AK1\"\nsecret_key = \"SK1\"\n";
    let open = TempConfig::with_mode(text, 0o644);
    assert_eq!(
        open.error(&no_env),
        "config file FILE is readable by group or others (mode 0644) and holds a secret key; \
         run: chmod 600 FILE"
    );
    let writable = TempConfig::with_mode(text, 0o620);
    assert!(
        writable
            .error(&no_env)
            .contains("is writable by group or others (mode 0620)")
    );
    let token = "[credentials]\nsecurity_token = \"T\"\n";
    assert!(matches!(
        TempConfig::with_mode(token, 0o640).load(&no_env),
        Err(ConfigError::Permissions { mode: 0o640, .. })
    ));
    assert!(TempConfig::with_mode(text, 0o600).load(&no_env).is_ok());
    assert!(TempConfig::with_mode(text, 0o400).load(&no_env).is_ok());
    let no_secret = "[credentials]\naccess_key = \"AK1\"\n[tuning]\nretries = 1\n";
    let env = env_of(&[(ENV_SK, "SK-from-env")]);
    assert!(TempConfig::with_mode(no_secret, 0o644).load(&env).is_ok());
}
