//! The real binary, as a child process: core dumps are off and the process is not dumpable
//! from the first instruction that matters, and the proxy variables of its environment are
//! applied to https only, never to the plain-http (loopback) endpoint.
//!
//! The simulator and a recording "proxy" run in this test process on 127.0.0.1.

use crate::support::*;
use ecsreset::sim::Fleet;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

fn euid() -> u32 {
    std::fs::metadata("/proc/self").unwrap().uid()
}

/// `/proc/PID/limits`' soft and hard core limits.
fn core_limits(pid: u32) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .expect("a core limit line");
    let f: Vec<&str> = line.split_whitespace().collect();
    (f[4].to_owned(), f[5].to_owned())
}

#[test]
fn a_running_ecsreset_writes_no_core_and_is_not_dumpable() {
    // A process that is not dumpable has its /proc entries owned by root. As root that is
    // indistinguishable from a dumpable root process, so then the child runs as `nobody`.
    let child_uid = if euid() == 0 { 65534 } else { euid() };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsreset"));
    cmd.args(["sim", "--listen", "127.0.0.1:0", "--servers", "3"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if child_uid != euid() {
        cmd.uid(child_uid).gid(65534);
    }
    let mut child = cmd.spawn().expect("the ecsreset binary starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let pid = child.id();
    let limits = core_limits(pid);
    let owner = std::fs::metadata(format!("/proc/{pid}/status")).map(|m| m.uid());
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.contains("listening on"), "{first:?}");
    assert_eq!(limits, ("0".to_owned(), "0".to_owned()), "core size limit");
    assert_eq!(
        owner.unwrap(),
        0,
        "/proc/{pid} of a uid {child_uid} process is not root's: it is still dumpable"
    );
}

/// A client config with `url` as both endpoints and one project, mode 0600.
fn write_config(path: &Path, url: &str, access_key: &str, secret_key: &str, project: &str) {
    let text = format!(
        "[endpoints]\necs = \"{url}\"\niam = \"{url}\"\n\n[credentials]\naccess_key = \"{access_key}\"\n\
         secret_key = \"{secret_key}\"\n\n[tuning]\nretries = 0\nconnect_timeout_secs = 5\n\
         request_timeout_secs = 10\n\n[[projects]]\nregion = \"cn-north-4\"\nid = \"{project}\"\n"
    );
    write_private(path, &text);
}

/// Runs `ecsreset --config C --data-dir D list` with exactly these variables (and PATH, HOME).
async fn list_with_env(dir: &Path, vars: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsreset"));
    cmd.arg("--config")
        .arg(dir.join("config.toml"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("list")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .stdin(Stdio::null());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_variables_never_apply_to_plain_http() {
    let env = CliEnv::new(Fleet::generate(1, 4, 41)).await;
    let proxy = Canned::start(CannedAnswer::new(502, "{}")).await;
    let dir = tempfile::tempdir().unwrap();
    let project = regional(&env.fleet).remove(0).id;
    let cred = &env.sim.credentials()[0];
    write_config(
        &dir.path().join("config.toml"),
        &env.sim.base_url(),
        &cred.access_key,
        cred.secret_key.expose(),
        &project,
    );
    let url = proxy.url.as_str();
    for vars in [
        vec![("HTTP_PROXY", url)],
        vec![("http_proxy", url)],
        vec![("ALL_PROXY", url)],
        vec![("all_proxy", url), ("HTTPS_PROXY", url)],
    ] {
        let out = list_with_env(dir.path(), &vars).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{vars:?}: {err}");
        assert_eq!(
            proxy.requests(),
            0,
            "with {vars:?} a proxy saw signed plain-http requests"
        );
    }
    assert!(route_count(&env.sim, LIST_ROUTE) >= 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_proxy_and_no_proxy_are_honoured_for_https() {
    let proxy = Canned::start(CannedAnswer::new(502, "{}")).await;
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9; only the proxy can be reached.
    write_config(
        &dir.path().join("config.toml"),
        "https://127.0.0.1:9",
        "AK",
        "sk",
        "p1",
    );
    for var in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"] {
        let before = proxy.requests();
        let out = list_with_env(dir.path(), &[(var, &proxy.url)]).await;
        assert!(!out.status.success());
        assert!(proxy.requests() > before, "{var} was not used for https");
    }
    let before = proxy.requests();
    let out = list_with_env(
        dir.path(),
        &[("HTTPS_PROXY", &proxy.url), ("NO_PROXY", "127.0.0.1")],
    )
    .await;
    assert!(!out.status.success());
    assert_eq!(proxy.requests(), before, "NO_PROXY was ignored");
}
