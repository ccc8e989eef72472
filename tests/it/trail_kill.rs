//! Write-ahead, proven on the real binary: SIGKILL in the middle of a batch reset leaves an
//! intent with no outcome, which `ecsreset trail` lists first as unfinished and every later
//! command reports at start; SIGKILL after sealing leaves the sealed file (and the CSMS
//! secrets) holding the passwords of the unfinished operation.

use crate::support::*;
use ecsreset::sim::{Faults, Fleet};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Whether the trail holds an intent yet (the child writes it before it sends the batch).
fn intent_in(trail: &std::path::Path) -> bool {
    std::fs::read_to_string(trail).is_ok_and(|t| t.contains("\"phase\":\"intent\""))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_mid_batch_leaves_an_unfinished_operation_the_next_start_reports() {
    let env = CliEnv::new(Fleet::generate(1, 8, 141)).await;
    let ids: Vec<String> = env.fleet.projects[0]
        .servers
        .iter()
        .filter(|s| s.reset_supported && s.status == "ACTIVE")
        .map(|s| s.id.clone())
        .collect();
    let data = env.data_dir();
    // Every answer takes a while, so the batch request is still in flight when it is killed.
    env.sim.set_faults(Faults {
        latency: Duration::from_millis(400),
        ..Faults::none()
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecsreset"))
        .arg("--config")
        .arg(&env.config)
        .arg("--data-dir")
        .arg(&data)
        .args([
            "reset",
            &ids[0],
            &ids[1],
            "--generate",
            "--same-password",
            "--yes",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let trail = data.join("trail.jsonl");
    wait_until("an intent in the trail", async || intent_in(&trail)).await;
    child.kill().unwrap(); // SIGKILL: nothing gets to clean up.
    child.wait().unwrap();
    let text = std::fs::read_to_string(&trail).unwrap();
    assert!(
        !text.contains("\"phase\":\"outcome\""),
        "killed before the answer: {text}"
    );
    env.sim.set_faults(Faults::none());

    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ecsreset"))
            .arg("--config")
            .arg(&env.config)
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["trail", "--format", "json"]);
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &rows[0];
    assert_eq!(first["unfinished"], true, "{rows}");
    assert_eq!(first["action"], "reset-password");
    let named: Vec<&str> = first["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(named, [ids[0].as_str(), ids[1].as_str()]);

    // Any later command says so at start.
    let out = run(&["list", "--format", "json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unfinished operation"), "{err}");
    assert!(err.contains("outcome unknown: check the server"), "{err}");

    // Acknowledged after checking: no longer reported.
    let op = first["op"].as_str().unwrap();
    assert!(run(&["trail", "--ack", op]).status.success());
    let out = run(&["list", "--format", "json"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("unfinished operation"));
}

/// A reset whose stdout is closed before its report is written exits non-zero: the change
/// happened, and only the trail says how it went.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_pipe_during_a_reset_exits_non_zero() {
    use std::io::Write;
    let env = CliEnv::new(Fleet::generate(1, 6, 142)).await;
    let id = env.fleet.projects[0]
        .servers
        .iter()
        .find(|s| s.reset_supported && s.status == "ACTIVE")
        .unwrap()
        .id
        .clone();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecsreset"))
        .arg("--config")
        .arg(&env.config)
        .arg("--data-dir")
        .arg(env.data_dir())
        .args(["reset", &id, "--password-stdin", "--yes"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader is gone before anything is written
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Tq7!pipe-closed-1\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("broken pipe"), "{err}");
    assert_eq!(
        received(&env.sim, &id).len(),
        1,
        "the reset itself went through"
    );
    assert!(env.trail().contains("\"outcome\":\"accepted\""));
}

/// Escrow, proven on the real binary: a SIGKILL after sealing and before any reset answer
/// leaves the sealed file (it opens with the operator's key and holds every server), the
/// CSMS secret of each server already holding that same password, and the reset as an
/// unfinished operation that names the sealed file's servers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_after_sealing_leaves_the_sealed_file_and_an_unfinished_operation() {
    use age::secrecy::ExposeSecret;
    let env = CliEnv::new(Fleet::generate(1, 8, 145)).await;
    let ids: Vec<String> = env.fleet.projects[0]
        .servers
        .iter()
        .filter(|s| s.reset_supported && s.status == "ACTIVE")
        .map(|s| s.id.clone())
        .take(2)
        .collect();
    let identity = age::x25519::Identity::generate();
    let key = env.dir.path().join("operator.key");
    write_private(&key, identity.to_string().expose_secret());
    env.write_config(
        &env.secret_key(),
        &[],
        &format!(
            "\n[escrow]\nrecipients = [\"{}\"]\ncsms = {{}}\n",
            identity.to_public()
        ),
    );
    let data = env.data_dir();
    let sealed_dir = data.join(ecsreset::escrow::DEFAULT_DIR);
    env.sim.set_faults(Faults {
        latency: Duration::from_millis(400),
        ..Faults::none()
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecsreset"))
        .arg("--config")
        .arg(&env.config)
        .arg("--data-dir")
        .arg(&data)
        .args(["reset", &ids[0], &ids[1], "--generate", "--yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let trail = data.join("trail.jsonl");
    wait_until("an intent in the trail", async || {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the reset ended before its intent was seen"
        );
        intent_in(&trail)
    })
    .await;
    child.kill().unwrap(); // SIGKILL: nothing gets to clean up.
    child.wait().unwrap();
    env.sim.set_faults(Faults::none());
    let text = std::fs::read_to_string(&trail).unwrap();
    assert!(!text.contains("\"phase\":\"outcome\""), "{text}");

    let files: Vec<_> = std::fs::read_dir(&sealed_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "one sealed file for the run: {files:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_ecsreset"))
        .arg("--config")
        .arg(&env.config)
        .arg("--data-dir")
        .arg(&data)
        .args(["trail", "--format", "json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let unfinished: Vec<&serde_json::Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["unfinished"] == true)
        .collect();
    assert!(!unfinished.is_empty(), "{rows}");
    let project = &env.fleet.projects[0].id;
    for row in unfinished {
        assert_eq!(row["action"], "reset-password");
        for s in row["servers"].as_array().unwrap() {
            let id = s["id"].as_str().unwrap();
            let (record, file) = ecsreset::escrow::reveal(&sealed_dir, id, &key).unwrap();
            assert_eq!(file, files[0]);
            let stored = env.sim.csms_values(project, &format!("ecs-{id}"));
            assert_eq!(
                stored.last().map(ecsreset::secret::Secret::expose),
                Some(record.password.expose()),
                "{id}: CSMS holds the sealed password before the reset was sent"
            );
        }
    }
    for id in &ids {
        assert!(
            ecsreset::escrow::reveal(&sealed_dir, id, &key).is_ok(),
            "{id} is sealed whether or not its reset started"
        );
    }
}

/// SIGTERM and SIGINT during a batch in flight: the process records the operation as
/// interrupted (still unfinished: nothing says what the cloud did), says so, and exits 128+n.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_and_sigint_mid_batch_record_the_interruption_and_exit_non_zero() {
    use rustix::process::{Pid, Signal, kill_process};
    for (signal, number, seed) in [(Signal::TERM, 15, 143), (Signal::INT, 2, 144)] {
        let env = CliEnv::new(Fleet::generate(1, 8, seed)).await;
        let ids: Vec<String> = env.fleet.projects[0]
            .servers
            .iter()
            .filter(|s| s.reset_supported && s.status == "ACTIVE")
            .map(|s| s.id.clone())
            .take(2)
            .collect();
        let data = env.data_dir();
        env.sim.set_faults(Faults {
            latency: Duration::from_millis(1500),
            ..Faults::none()
        });
        let child = Command::new(env!("CARGO_BIN_EXE_ecsreset"))
            .arg("--config")
            .arg(&env.config)
            .arg("--data-dir")
            .arg(&data)
            .args(["reset", &ids[0], &ids[1], "--password-stdin", "--yes"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut stdin = child.stdin.as_ref().unwrap();
            stdin.write_all(b"Tq7!signal-mid-1\n").unwrap();
        }
        let trail = data.join("trail.jsonl");
        wait_until("an intent in the trail", async || intent_in(&trail)).await;
        let pid = Pid::from_raw(child.id() as i32).unwrap();
        kill_process(pid, signal).unwrap();
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(128 + number), "{err}");
        assert!(
            err.contains(&format!("stopped by signal {number}")),
            "{err}"
        );
        assert!(err.contains("2 server(s) had a request in flight"), "{err}");
        let text = std::fs::read_to_string(&trail).unwrap();
        assert!(text.contains("\"outcome\":\"interrupted\""), "{text}");
        assert!(!text.contains("Tq7!signal-mid-1"));
        env.sim.set_faults(Faults::none());
        let out = Command::new(env!("CARGO_BIN_EXE_ecsreset"))
            .arg("--config")
            .arg(&env.config)
            .arg("--data-dir")
            .arg(&data)
            .args(["trail", "--format", "json"])
            .output()
            .unwrap();
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            rows[0]["unfinished"], true,
            "an interruption is not an outcome: {rows}"
        );
    }
}
