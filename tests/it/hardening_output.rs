//! What ecsreset writes for itself and to the terminal: the trail is never written through a
//! link, saved audits are private, and text from the network reaches a table or an error
//! message only through `report::clean`.

use crate::support::*;
use ecsreset::cloud::{self, CloudError};
use ecsreset::sim::Fleet;
use std::os::unix::fs::PermissionsExt;

fn mode(p: &std::path::Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn a_symlinked_trail_is_refused_not_followed() {
    let env = CliEnv::new(Fleet::generate(1, 6, 51)).await;
    let ok: Vec<String> = env.fleet.projects[0]
        .servers
        .iter()
        .filter(|s| s.reset_supported)
        .map(|s| s.id.clone())
        .collect();
    std::fs::create_dir(env.data_dir()).unwrap();
    std::fs::set_permissions(env.data_dir(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let victim = env.dir.path().join("bashrc");
    std::fs::write(&victim, "original\n").unwrap();
    std::os::unix::fs::symlink(&victim, env.data_dir().join("trail.jsonl")).unwrap();

    let run = env
        .run(&["reset", &ok[0], "--generate", "--yes", "--format", "json"])
        .await;
    // Write-ahead: with no trail to record its intent in, the reset is not sent at all.
    assert_eq!(run.code(), 1, "{}", run.err);
    let out = run.json();
    let detail = out["results"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("not sent") && detail.contains("trail"),
        "{out}"
    );
    assert!(env.sim.received_passwords(&ok[0]).is_empty());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "original\n");
    assert!(
        std::fs::symlink_metadata(env.data_dir().join("trail.jsonl"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[tokio::test]
async fn the_data_directory_trail_and_saved_audits_are_private() {
    let env = CliEnv::new(Fleet::generate(1, 6, 52)).await;
    let ok = env.fleet.projects[0]
        .servers
        .iter()
        .find(|s| s.reset_supported)
        .unwrap()
        .id
        .clone();
    let run = env.run(&["audit", "--save", "--format", "json"]).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    let run = env
        .run(&["reset", &ok, "--generate", "--yes", "--format", "json"])
        .await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert_eq!(mode(&env.data_dir()), 0o700);
    assert_eq!(mode(&env.data_dir().join("audits")), 0o700);
    assert_eq!(mode(&env.data_dir().join("trail.jsonl")), 0o600);
    let saved: Vec<_> = std::fs::read_dir(env.data_dir().join("audits"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(mode(&saved[0]), 0o600);
}

/// ESC sequences that erase the line and move up, an OSC title, a C1 CSI, DEL and a bidi
/// override: each must reach the terminal as U+FFFD.
const EVIL: &str = "web\x1b[2K\r\x1b[1A\x1b]0;pwned\x07\u{9b}31m\x7f\u{202e}gpj.exe";

fn assert_inert(place: &str, text: &str) {
    for c in ['\x1b', '\r', '\x07', '\u{9b}', '\x7f', '\u{202e}'] {
        assert!(!text.contains(c), "{c:?} reached {place}: {text:?}");
    }
}

#[tokio::test]
async fn server_names_are_cleaned_in_tables_and_csv() {
    let mut fleet = Fleet::generate(1, 3, 53);
    fleet.projects[0].servers[0].name = EVIL.to_owned();
    let env = CliEnv::new(fleet).await;
    for format in ["table", "csv"] {
        let run = env.run(&["list", "--format", format]).await;
        assert_eq!(run.code(), 0, "{}", run.err);
        assert_inert(format, &run.out);
        assert!(run.out.contains("web\u{FFFD}[2K\u{FFFD}"), "{}", run.out);
    }
}

#[tokio::test]
async fn api_error_texts_are_cleaned_before_anyone_prints_them() {
    let body = format!(
        r#"{{"error_code":"X.1{}","error_msg":"denied {}"}}"#,
        "\\u001b[2K", "\\u001b]0;pwned\\u0007\\u202e"
    );
    let canned = Canned::start(CannedAnswer::new(400, body)).await;
    let p = cloud::ProjectRef {
        id: "p".into(),
        region: "cn-north-4".into(),
    };
    let e = canned.client(0).reset_flag(&p, "s1").await.unwrap_err();
    let CloudError::Api(api) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(api.code, "X.1\u{FFFD}[2K");
    assert_eq!(api.message, "denied \u{FFFD}]0;pwned\u{FFFD}\u{FFFD}");
    assert_inert("the error", &e.to_string());
}

#[test]
fn one_sanitizer_covers_every_class_and_keeps_text() {
    use ecsreset::report::clean;
    for c in ('\0'..='\x1f').chain('\x7f'..='\u{9f}').chain([
        '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{61c}',
    ]) {
        assert_eq!(clean(&format!("a{c}b")), "a\u{FFFD}b", "{c:?}");
    }
    assert_eq!(clean("数据库 web-01 ✓"), "数据库 web-01 ✓");
    assert!(matches!(clean("plain"), std::borrow::Cow::Borrowed(_)));
    // Messages of several lines keep their line breaks, and only those.
    assert_eq!(
        ecsreset::report::clean_lines("line one\nsecond \x1b[1A"),
        "line one\nsecond \u{FFFD}[1A"
    );
}
