//! `ecsreset reveal`, the real binary: the password appears on the terminal (even with stdout
//! redirected to a file), a passphrase-protected SSH key is unlocked at a prompt on that
//! terminal, every reveal lands in the trail, and without a terminal it refuses and shows
//! nothing.

use crate::support::{self, pty};

use age::secrecy::ExposeSecret;
use chrono::{Duration, Utc};
use ecsreset::escrow::{self, Recipient, Record};
use ecsreset::secret::Secret;
use portable_pty::CommandBuilder;
use pty::{Pty, keys};
use std::path::PathBuf;
use std::process::{Command, Stdio};

const OLD_PASSWORD: &str = "Old-Reveal-Pw-01!";
const PASSWORD: &str = "New-Reveal-Pw-02!";

/// A config with `[escrow]` (default dir), a data directory holding two sealed runs, and the
/// private key that opens them.
struct Setup {
    dir: tempfile::TempDir,
    config: PathBuf,
    key: PathBuf,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let id = age::x25519::Identity::generate();
        let key = dir.path().join("operator.key");
        support::write_private(&key, &format!("{}\n", id.to_string().expose_secret()));
        Self::with_key(dir, key, &id.to_public().to_string())
    }

    fn with_key(dir: tempfile::TempDir, key: PathBuf, public: &str) -> Self {
        let config = dir.path().join("config.toml");
        support::write_private(&config, &format!("[escrow]\nrecipients = [\"{public}\"]\n"));
        let s = Self { dir, config, key };
        let recipients = [Recipient::parse(public).unwrap()];
        let escrow_dir = s.data().join(escrow::DEFAULT_DIR);
        let old = Utc::now() - Duration::days(1);
        escrow::seal(
            &escrow_dir,
            &recipients,
            &[record("srv-1", OLD_PASSWORD, old)],
        )
        .unwrap();
        let now = Utc::now();
        escrow::seal(
            &escrow_dir,
            &recipients,
            &[
                record("srv-2", "Other-Reveal-Pw-3!", now),
                record("srv-1", PASSWORD, now),
            ],
        )
        .unwrap();
        s
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn args(&self, server: &str) -> Vec<String> {
        vec![
            "--config".into(),
            self.config.display().to_string(),
            "--data-dir".into(),
            self.data().display().to_string(),
            "reveal".into(),
            server.into(),
            "--identity".into(),
            self.key.display().to_string(),
        ]
    }

    /// The app in the pty, as the session's controlling process (so /dev/tty is the pty).
    fn app(&self, server: &str) -> CommandBuilder {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_ecsreset"));
        cmd.args(self.args(server));
        self.clean_env(&mut cmd);
        cmd
    }

    fn clean_env(&self, cmd: &mut CommandBuilder) {
        cmd.env_clear();
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", self.dir.path());
        cmd.env("RUST_LOG", "debug");
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd.cwd(self.dir.path());
    }

    fn trail(&self) -> String {
        std::fs::read_to_string(self.data().join("trail.jsonl")).unwrap_or_default()
    }
}

fn record(server_id: &str, password: &str, time: chrono::DateTime<Utc>) -> Record {
    Record {
        server_id: server_id.into(),
        name: format!("web-{server_id}"),
        project_id: "proj-1".into(),
        region: "cn-north-4".into(),
        time,
        password: Secret::new(password),
    }
}

fn count(hay: &[u8], needle: &str) -> usize {
    hay.windows(needle.len())
        .filter(|w| *w == needle.as_bytes())
        .count()
}

#[test]
fn the_newest_password_is_shown_on_the_terminal_and_the_reveal_is_in_the_trail() {
    let s = Setup::new();
    let term = Pty::new();
    let mut app = term.spawn(s.app("srv-1"));
    let screen = term.wait_for(&format!("password: {PASSWORD}"));
    let status = term.wait_exit(&mut app);
    assert!(status.success(), "{status:?}\n{screen}");
    assert!(
        screen.contains("web-srv-1 (srv-1) in cn-north-4 / proj-1"),
        "{screen}"
    );
    assert!(
        screen.contains("escrow-"),
        "names the sealed file: {screen}"
    );
    let raw = term.raw();
    assert_eq!(count(&raw, PASSWORD), 1, "shown exactly once");
    assert_eq!(
        count(&raw, OLD_PASSWORD),
        0,
        "the older record is not shown"
    );

    let trail = s.trail();
    let lines: Vec<serde_json::Value> = trail
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{trail}");
    assert_eq!(lines[0]["action"], "reveal");
    assert_eq!(lines[0]["outcome"], "revealed");
    assert_eq!(lines[0]["server_id"], "srv-1");
    assert_eq!(lines[0]["server_name"], "web-srv-1");
    assert!(!trail.contains("Reveal-Pw"), "{trail}");

    // A second reveal is a second trail line.
    let mut again = term.spawn(s.app("srv-2"));
    term.wait_for("password: Other-Reveal-Pw-3!");
    assert!(term.wait_exit(&mut again).success());
    assert_eq!(s.trail().lines().count(), 2);
}

#[test]
fn with_stdout_and_stderr_redirected_the_password_still_goes_only_to_the_terminal() {
    let s = Setup::new();
    let out = s.dir.path().join("out.txt");
    let err = s.dir.path().join("err.txt");
    let quoted: Vec<String> = s.args("srv-1").iter().map(|a| format!("'{a}'")).collect();
    let script = format!(
        "'{}' {} > '{}' 2> '{}'",
        env!("CARGO_BIN_EXE_ecsreset"),
        quoted.join(" "),
        out.display(),
        err.display()
    );
    let mut cmd = CommandBuilder::new("sh");
    cmd.args(["-c", &script]);
    s.clean_env(&mut cmd);
    let term = Pty::new();
    let mut sh = term.spawn(cmd);
    term.wait_for(&format!("password: {PASSWORD}"));
    assert!(term.wait_exit(&mut sh).success());
    let out = std::fs::read_to_string(&out).unwrap();
    let err = std::fs::read_to_string(&err).unwrap();
    assert!(
        !out.contains("Reveal-Pw") && !err.contains("Reveal-Pw"),
        "{out}\n{err}"
    );
    assert!(out.is_empty(), "nothing on stdout: {out}");
}

#[test]
fn a_passphrase_protected_ssh_key_is_unlocked_at_a_prompt_on_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id_ed25519");
    let status = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "open sesame",
            "-C",
            "op@test",
            "-f",
        ])
        .arg(&key)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let s = Setup::with_key(dir, key, public.trim());
    let mut term = Pty::new();
    let mut app = term.spawn(s.app("srv-1"));
    let screen = term.wait_for("Passphrase for");
    assert!(screen.contains("id_ed25519"), "{screen}");
    term.send("open sesame");
    term.send(keys::ENTER);
    term.wait_for(&format!("password: {PASSWORD}"));
    assert!(term.wait_exit(&mut app).success());
    assert_eq!(
        count(&term.raw(), "open sesame"),
        0,
        "the passphrase is not echoed"
    );
}

/// Runs the binary in a new session (`setsid`): no controlling terminal, stdout and stderr
/// are pipes.
fn run_detached(s: &Setup, server: &str) -> (Option<i32>, String, String) {
    let out = Command::new("setsid")
        .arg("-w")
        .arg(env!("CARGO_BIN_EXE_ecsreset"))
        .args(s.args(server))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", s.dir.path())
        .env("RUST_LOG", "trace")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("setsid runs the binary");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn without_a_terminal_it_refuses_shows_nothing_and_records_nothing() {
    let s = Setup::new();
    let (code, out, err) = run_detached(&s, "srv-1");
    assert_eq!(code, Some(1), "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("reveal shows a password only on a terminal")
            && err.contains("Nothing was decrypted"),
        "{err}"
    );
    assert!(!err.contains("Reveal-Pw"), "{err}");
    assert_eq!(s.trail(), "", "a refused reveal is not a reveal");
}

#[test]
fn errors_name_the_problem_on_stderr() {
    let s = Setup::new();
    let other = age::x25519::Identity::generate();
    let wrong = s.dir.path().join("wrong.key");
    support::write_private(&wrong, &format!("{}\n", other.to_string().expose_secret()));
    let run = |args: &[&str]| {
        let term = Pty::new();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_ecsreset"));
        cmd.args(["--config", &s.config.display().to_string()]);
        cmd.args(["--data-dir", &s.data().display().to_string()]);
        cmd.args(args);
        s.clean_env(&mut cmd);
        let mut app = term.spawn(cmd);
        let status = term.wait_exit(&mut app);
        assert!(!status.success());
        term.wait_until("the error", |t| t.contains("error: "))
    };
    let screen = run(&[
        "reveal",
        "srv-1",
        "--identity",
        &wrong.display().to_string(),
    ]);
    assert!(screen.contains("none of the 2 sealed file(s)"), "{screen}");
    let screen = run(&[
        "reveal",
        "srv-9",
        "--identity",
        &s.key.display().to_string(),
    ]);
    assert!(
        screen.contains("no sealed password for server srv-9"),
        "{screen}"
    );
    // No --identity and no ~/.ssh keys in this HOME.
    let screen = run(&["reveal", "srv-1"]);
    assert!(
        screen.contains("no identity to decrypt with: pass --identity FILE"),
        "{screen}"
    );
    assert_eq!(s.trail(), "");
}
