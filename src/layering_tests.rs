//! The layering rules of the crate doc, checked on the source text: a rule nobody checks
//! erodes one convenient import at a time.

use std::path::{Path, PathBuf};

/// Modules that hold pure logic: no files, network, processes, environment or clock.
/// Directories stand for every `.rs` file under them.
const PURE: &[&str] = &[
    "secret.rs",
    "password.rs",
    "password",
    "report.rs",
    "cloud/sign.rs",
    "cloud/wire.rs",
    "cloud/agency.rs",
    "cloud/limiter/policy.rs",
    "cloud/limiter/pacer.rs",
    "cloud/limiter/class.rs",
    "ops/plan.rs",
    "audit/diff.rs",
    "audit/record.rs",
    "tui/state.rs",
    "tui/state",
    "tui/update.rs",
    "tui/update",
];

/// What pure code must not name. The clock counts: pure code is handed the time.
const IO: &[&str] = &[
    "std::fs",
    "tokio::",
    "reqwest",
    "std::process",
    "std::env",
    "std::net::Tcp",
    "std::net::Udp",
    "File::",
    "Instant::now",
    "SystemTime::now",
    "Utc::now",
    "Local::now",
];

/// Only these talk HTTP: the client and the simulator.
const NETWORK: &[&str] = &["cloud.rs", "cloud", "sim.rs", "sim"];
const HTTP: &[&str] = &["reqwest", "hyper::", "axum", "TcpListener", "TcpStream"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn files(rel: &str) -> Vec<PathBuf> {
    let path = src().join(rel);
    if path.is_file() {
        return vec![path];
    }
    let mut out = Vec::new();
    let mut stack = vec![path];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    out
}

/// The file's code without its comments and without its `#[cfg(test)]` tail (tests may
/// read fixtures); whole test files are skipped.
fn code(path: &Path) -> String {
    let name = path.file_name().unwrap().to_string_lossy();
    if name.ends_with("tests.rs") || name.starts_with("tests_") {
        return String::new();
    }
    let text = std::fs::read_to_string(path).unwrap();
    let body = text.split("#[cfg(test)]").next().unwrap_or_default();
    body.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn offenders(roots: &[&str], banned: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for root in roots {
        for f in files(root) {
            let body = code(&f);
            for b in banned {
                if body.contains(b) {
                    let rel = f.strip_prefix(src()).unwrap().display().to_string();
                    found.push(format!("{rel} names {b}"));
                }
            }
        }
    }
    found
}

#[test]
fn pure_modules_do_no_io() {
    let found = offenders(PURE, IO);
    assert!(found.is_empty(), "pure modules doing I/O: {found:#?}");
}

#[test]
fn only_the_client_and_the_simulator_talk_http() {
    let everything: Vec<String> = std::fs::read_dir(src())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !NETWORK.contains(&n.as_str()))
        .collect();
    let roots: Vec<&str> = everything.iter().map(String::as_str).collect();
    let found = offenders(&roots, HTTP);
    assert!(found.is_empty(), "HTTP outside cloud and sim: {found:#?}");
}

/// The reducer and the state it changes never reach for the view: the view reads them.
#[test]
fn the_reducer_does_not_import_the_view() {
    let roots = ["tui/state.rs", "tui/state", "tui/update.rs", "tui/update"];
    let mut found = Vec::new();
    for root in roots {
        for f in files(root) {
            if names_the_view(&code(&f)) {
                found.push(f.strip_prefix(src()).unwrap().display().to_string());
            }
        }
    }
    assert!(
        found.is_empty(),
        "state or update importing the view: {found:#?}"
    );
}

/// `ui` as a path segment (`tui::ui::x`, `super::{ui, worker}`), not as a field (`config.ui`).
fn names_the_view(code: &str) -> bool {
    let b = code.as_bytes();
    code.match_indices("ui").any(|(at, _)| {
        let before = code[..at].trim_end();
        let after = b.get(at + 2).copied();
        let segment_start =
            before.ends_with("::") || before.ends_with('{') || before.ends_with(',');
        let ident_before = at > 0 && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_');
        let segment_end = matches!(after, Some(b':' | b',' | b'}' | b';'));
        segment_start && !ident_before && segment_end
    })
}

#[test]
fn the_checker_sees_a_violation() {
    // Guards the checker itself: the client does name reqwest, so scanning it must say so.
    assert!(!offenders(&["cloud/http.rs"], HTTP).is_empty());
    assert!(!offenders(&["fsx.rs"], IO).is_empty());
    assert!(names_the_view("use super::{ui, worker};"));
    assert!(names_the_view("crate::tui::ui::draw(f, s)"));
    assert!(!names_the_view(
        "s.theme = config.ui.theme; let build = x::build;"
    ));
}
