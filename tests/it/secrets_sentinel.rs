//! Secrets never leave the process except toward the API: the real `ecsreset` binary, run with
//! `RUST_LOG=trace`, through every headless path that touches a password or a key. Sentinel
//! values are used for the password, the access key, the secret key and the security token;
//! none may appear on stdout, on stderr, in the audit trail, in a saved audit, anywhere under
//! the data directory, or in the process's argv/environment. Only the simulator (which is the
//! "cloud" here) may hold the password: `Sim::received_passwords`.
//!
//! One exception by design: `reset --generate` prints the generated password once on stdout.
//! `reveal` never prints one there: it writes to the terminal only, and refuses without one.
//!
//! The simulator runs in this test process; the binary is a child process whose stdout and
//! stderr go to files (a pipe could fill up with trace output and stall it), and whose stdin
//! is a pipe the test writes the password to, after it has checked the child's
//! `/proc/PID/cmdline` and `environ`.

use crate::support::pty;

use crate::support::*;
use ecsreset::sim::{Faults, Fleet, Sim, SimConfig, SimCredential};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "Sentinel-Pw-7q!X";
const ACCESS_KEY: &str = "SENTINELAKXXXXXXXXXX";
const SECRET_KEY: &str = "SentinelSecretKey0123456789abcdefghijklmn";
const TOKEN: &str = "SentinelSecurityToken-Zr8vQ2";
/// Fails the rules (no digit, no upper case): refused before anything is sent.
const WEAK_PASSWORD: &str = "sentinelweakpass";

/// Every form a leak could take: the values, their distinctive parts, the password as a URL
/// or JSON encoder might write it, and (case-insensitively) the word all sentinels share.
fn needles() -> Vec<String> {
    let mut n: Vec<String> = [PASSWORD, ACCESS_KEY, SECRET_KEY, TOKEN, WEAK_PASSWORD]
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    n.extend(
        [
            "Pw-7q",
            "Sentinel-Pw-7q%21X",
            "SENTINELAK",
            "SecretKey0123",
            "Zr8vQ2",
        ]
        .map(String::from),
    );
    n
}

/// Panics naming the needle and the place when any sentinel occurs in `hay`.
fn assert_clean(place: &str, hay: &[u8]) {
    let text = String::from_utf8_lossy(hay);
    for needle in needles() {
        assert!(
            !text.contains(&needle),
            "{needle:?} leaked into {place}:\n{text}"
        );
    }
    assert!(
        !text.to_lowercase().contains("sentinel"),
        "a sentinel leaked into {place}:\n{text}"
    );
}

/// Every file under `dir`, recursively (names included: a file name could leak too).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

struct Env {
    sim: Arc<Sim>,
    fleet: Fleet,
    dir: tempfile::TempDir,
    config: PathBuf,
    /// Runs so far, for unique output file names.
    runs: std::sync::atomic::AtomicUsize,
}

/// What one run of the binary left behind.
struct Run {
    argv: Vec<String>,
    code: Option<i32>,
    out: String,
    err: String,
    /// `/proc/PID/cmdline` and `environ` read while the child waited for its password.
    proc_cmdline: Option<Vec<u8>>,
    proc_environ: Option<Vec<u8>>,
}

impl Run {
    /// Stdout, stderr and argv are clean; for runs that waited on stdin, so are the child's
    /// cmdline and environment as the kernel shows them.
    fn assert_clean(&self) {
        let what = self.argv.join(" ");
        assert_clean(&format!("the argv of `{what}`"), what.as_bytes());
        assert_clean(&format!("stdout of `{what}`"), self.out.as_bytes());
        assert_clean(&format!("stderr of `{what}`"), self.err.as_bytes());
        for (name, v) in [
            ("/proc/PID/cmdline", &self.proc_cmdline),
            ("/proc/PID/environ", &self.proc_environ),
        ] {
            if let Some(bytes) = v {
                assert_clean(&format!("{name} of `{what}`"), bytes);
            }
        }
    }

    /// Trace logging was really on (otherwise this test would prove little).
    fn assert_traced(&self) {
        assert!(
            self.err.contains("TRACE") || self.err.contains("DEBUG"),
            "RUST_LOG=trace produced no trace output: {}",
            self.err
        );
    }
}

impl Env {
    async fn new(fleet: Fleet) -> Self {
        let mut cfg = SimConfig::new(fleet.clone());
        let mut cred = SimCredential::new(ACCESS_KEY, SECRET_KEY);
        cred.security_token = Some(TOKEN.into());
        cfg.credentials = vec![cred];
        cfg.reboot_duration = Duration::from_millis(150);
        cfg.seed = Some(9);
        let sim = Arc::new(start(cfg).await);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("conf")).unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        let config = dir.path().join("conf").join("config.toml");
        let tuning = Tuning {
            retries: 0,
            ..Tuning::default()
        };
        let text = config_text(&sim, &fleet, SECRET_KEY, &tuning, &[]).replace(
            "\n\n[tuning]",
            &format!("\nsecurity_token = \"{TOKEN}\"\n\n[tuning]"),
        );
        assert!(text.contains(ACCESS_KEY) && text.contains(TOKEN));
        write_private(&config, &text);
        Self {
            sim,
            fleet,
            dir,
            config,
            runs: Default::default(),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Ids of the first project's servers matching `pred`.
    fn ids(&self, project: usize, pred: impl Fn(&ecsreset::sim::SimServer) -> bool) -> Vec<String> {
        self.fleet.projects[project]
            .servers
            .iter()
            .filter(|s| pred(s))
            .map(|s| s.id.clone())
            .collect()
    }

    /// Starts the binary with a clean environment: no credentials in it, no proxy, trace
    /// logging, a private HOME. Output goes to files outside the data directory.
    fn spawn(&self, args: &[&str]) -> (Child, Vec<String>, PathBuf, PathBuf) {
        let n = self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let out_path = self.dir.path().join(format!("run{n}.stdout"));
        let err_path = self.dir.path().join(format!("run{n}.stderr"));
        let mut argv: Vec<String> = vec![
            "--config".into(),
            self.config.display().to_string(),
            "--data-dir".into(),
            self.data_dir().display().to_string(),
        ];
        argv.extend(args.iter().map(std::string::ToString::to_string));
        let child = Command::new(env!("CARGO_BIN_EXE_ecsreset"))
            .args(&argv)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path().join("home"))
            .env("RUST_LOG", "trace")
            .env("RUST_BACKTRACE", "1")
            .stdin(Stdio::piped())
            .stdout(std::fs::File::create(&out_path).unwrap())
            .stderr(std::fs::File::create(&err_path).unwrap())
            .spawn()
            .expect("the ecsreset binary starts");
        (child, argv, out_path, err_path)
    }

    /// Runs `ecsreset ARGS`; with `password`, waits until `ready` holds (the child is then
    /// blocked on stdin), reads its /proc entries, calls `before_password` and writes the
    /// password line.
    async fn run_with(
        &self,
        args: &[&str],
        password: Option<&str>,
        ready: impl Fn(&Sim) -> bool,
        before_password: impl FnOnce(&Sim),
    ) -> Run {
        let (mut child, argv, out_path, err_path) = self.spawn(args);
        let mut proc_cmdline = None;
        let mut proc_environ = None;
        let mut stdin = child.stdin.take().unwrap();
        if let Some(pw) = password {
            wait_until("the child to get ready", async || ready(&self.sim)).await;
            // Refusals exit without reading a password; the /proc entries are then gone.
            let pid = child.id();
            proc_cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok();
            proc_environ = std::fs::read(format!("/proc/{pid}/environ")).ok();
            // The password is about to be read: no core of this process may be written.
            if let Ok(limits) = std::fs::read_to_string(format!("/proc/{pid}/limits")) {
                let core = limits.lines().find(|l| l.starts_with("Max core file size"));
                let fields: Vec<&str> = core.unwrap_or("").split_whitespace().collect();
                assert_eq!(fields.get(4..6), Some(&["0", "0"][..]), "{core:?}");
            }
            if let Some(c) = proc_cmdline.as_ref().filter(|c| !c.is_empty()) {
                assert!(
                    String::from_utf8_lossy(c).contains("--password-stdin"),
                    "the child is the one we started"
                );
            }
            before_password(&self.sim);
            // A failed write means the child already gave up (refusals read no password).
            let _ = stdin.write_all(format!("{pw}\n").as_bytes());
        }
        drop(stdin);
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("`{}` did not finish", argv.join(" "));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let run = Run {
            argv,
            code: status.code(),
            out: std::fs::read_to_string(out_path).unwrap(),
            err: std::fs::read_to_string(err_path).unwrap(),
            proc_cmdline,
            proc_environ,
        };
        run.assert_clean();
        run
    }

    async fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, None, |_| true, |_| {}).await
    }

    /// `reset IDS... EXTRA... --password-stdin --yes`. The password is read after every
    /// flag check, so once the simulator has seen one per server the child is about to block
    /// on stdin: `before_password` can then change the simulator for the reset itself.
    async fn reset(
        &self,
        ids: &[&str],
        extra: &[&str],
        pw: &str,
        before_password: impl FnOnce(&Sim),
    ) -> Run {
        let mut argv = vec!["reset"];
        argv.extend_from_slice(ids);
        argv.extend_from_slice(extra);
        argv.extend_from_slice(&["--password-stdin", "--yes"]);
        let flags = route_count(&self.sim, FLAG_ROUTE) + ids.len() as u64;
        self.run_with(
            &argv,
            Some(pw),
            move |sim| route_count(sim, FLAG_ROUTE) >= flags,
            before_password,
        )
        .await
    }

    /// Nothing under the data directory holds a sentinel: trail, saved audits, anything.
    fn assert_data_dir_clean(&self) -> Vec<PathBuf> {
        let files = files_under(&self.data_dir());
        for f in &files {
            assert_clean(
                &format!("the name {}", f.display()),
                f.to_string_lossy().as_bytes(),
            );
            assert_clean(&f.display().to_string(), &std::fs::read(f).unwrap());
        }
        files
    }
}

fn received_all(sim: &Sim, ids: &[String]) -> Vec<Vec<String>> {
    ids.iter().map(|id| received(sim, id)).collect()
}

/// A reset that fails (5xx, final, not retried), one whose answer is lost after it applied,
/// and one redirected to another host: failed, unknown, unknown; the target sees nothing.
async fn resets_that_fail_or_stay_unknown(env: &Env, server: &str) {
    // The reset itself fails: every request errs once the flag check (the last call before
    // the password is read) is done. A 5xx on a change is final, never retried.
    let resets_before = route_count(&env.sim, RESET_ROUTE);
    let run = env
        .reset(&[server], &[], PASSWORD, |sim| {
            sim.set_faults(Faults {
                error_rate: 1.0,
                ..Faults::none()
            });
        })
        .await;
    env.sim.set_faults(Faults::none());
    assert_eq!(run.code, Some(1), "{}", run.err);
    assert!(run.out.contains("failed"), "{}", run.out);
    assert_eq!(route_count(&env.sim, RESET_ROUTE), resets_before + 1);
    assert!(received(&env.sim, server).is_empty());

    // The answer is lost after the reset was applied: unknown, never success.
    let run = env
        .reset(&[server], &["--format", "json"], PASSWORD, |sim| {
            sim.set_faults(Faults {
                drop_after_apply_rate: 1.0,
                ..Faults::none()
            });
        })
        .await;
    env.sim.set_faults(Faults::none());
    assert_eq!(run.code, Some(1), "{}", run.err);
    assert!(run.out.contains("\"unknown\""), "{}", run.out);
    assert_eq!(received(&env.sim, server), [PASSWORD]);

    // The reset is redirected to another host: not followed, unknown, the target sees nothing.
    let other = Canned::start(CannedAnswer::new(204, "")).await;
    let run = env
        .reset(&[server], &["--format", "json"], PASSWORD, |sim| {
            sim.set_redirect_changes(Some(ecsreset::sim::Redirect {
                status: 307,
                location: format!("{}/steal", other.url),
            }));
        })
        .await;
    env.sim.set_redirect_changes(None);
    assert_eq!(run.code, Some(1), "{}", run.err);
    assert!(run.out.contains("\"unknown\""), "{}", run.out);
    assert!(
        run.out.contains("redirect to host 127.0.0.1"),
        "{}",
        run.out
    );
    assert_eq!(other.requests(), 0, "the password followed the redirect");
    assert_eq!(received(&env.sim, server), [PASSWORD], "not applied again");
}

/// Resets (single, batch, with reboot, failing, refused), reads (list, audit --save, flag)
/// and an API error: no sentinel anywhere but in the simulator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_any_output_file_or_argv() {
    assert!(ecsreset::password::check(PASSWORD, ecsreset::password::OsKind::Windows).passed());
    let env = Env::new(Fleet::generate(2, 12, 301)).await;
    let ok = env.ids(0, |s| s.reset_supported && s.status == "ACTIVE");
    let unsupported = env.ids(0, |s| !s.reset_supported);
    assert!(ok.len() >= 5 && !unsupported.is_empty());

    // One server: the single API.
    let run = env.reset(&[&ok[0]], &[], PASSWORD, |_| {}).await;
    assert_eq!(run.code, Some(0), "{}", run.err);
    run.assert_traced();
    assert!(run.out.contains("accepted"), "{}", run.out);
    assert_eq!(received(&env.sim, &ok[0]), [PASSWORD]);

    // Two servers of one project: the batch API, dry run first.
    let before = route_count(&env.sim, BATCH_RESET_ROUTE);
    let run = env.reset(&[&ok[1], &ok[2]], &[], PASSWORD, |_| {}).await;
    assert_eq!(run.code, Some(0), "{}", run.err);
    assert_eq!(route_count(&env.sim, BATCH_RESET_ROUTE), before + 2);
    assert_eq!(
        received_all(&env.sim, &ok[1..3]),
        [[PASSWORD], [PASSWORD]],
        "the dry run applied nothing, the batch applied it once"
    );

    // With a soft reboot that applies it.
    let run = env
        .reset(
            &[&ok[3]],
            &["--reboot", "soft", "--format", "json"],
            PASSWORD,
            |_| {},
        )
        .await;
    assert_eq!(run.code, Some(0), "{}", run.err);
    assert_eq!(
        truth_of(&env.sim, &ok[3])
            .applied_password
            .map(|p| p.expose().to_owned())
            .as_deref(),
        Some(PASSWORD)
    );

    resets_that_fail_or_stay_unknown(&env, &ok[4]).await;

    // Refused before sending: a password breaking the rules, and an unsupported server.
    let run = env.reset(&[&ok[0]], &[], WEAK_PASSWORD, |_| {}).await;
    assert_eq!(run.code, Some(1));
    assert!(run.err.contains("breaks the rules"), "{}", run.err);
    let run = env.reset(&[&unsupported[0]], &[], PASSWORD, |_| {}).await;
    assert_eq!(run.code, Some(1));
    assert!(run.err.contains("not supported"), "{}", run.err);
    assert!(received(&env.sim, &unsupported[0]).is_empty());

    // Reads.
    let run = env.run(&["list"]).await;
    assert_eq!(run.code, Some(0), "{}", run.err);
    let run = env.run(&["audit", "--save", "--format", "json"]).await;
    assert_eq!(run.code, Some(0), "{}", run.err);
    assert!(run.err.contains("saved to"), "{}", run.err);
    let run = env.run(&["flag", &ok[0], &unsupported[0]]).await;
    assert_eq!(run.code, Some(0), "{}", run.err);
    let run = env.run(&["audit", "--diff", "--format", "json"]).await;
    assert_eq!(run.code, Some(0), "{}", run.err);

    // API errors: every request answered 5xx (no retries configured), in both body styles.
    env.sim.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::none()
    });
    for args in [
        vec!["list"],
        vec!["audit", "--format", "json"],
        vec!["flag", &ok[0]],
    ] {
        let run = env.run(&args).await;
        assert_ne!(run.code, Some(0), "{}", run.err);
    }
    env.sim.set_faults(Faults::none());

    // The gateway rejects the signature (a wrong secret key): fatal, and the access key it
    // names in its answer's context is not echoed.
    let good = std::fs::read_to_string(&env.config).unwrap();
    write_private(
        &env.config,
        &good.replace(SECRET_KEY, "WrongWrongWrongWrongWrongWrongWrongWrong"),
    );
    let run = env.run(&["list"]).await;
    assert_eq!(run.code, Some(1), "{}", run.err);
    assert!(run.err.contains("APIGW.0301"), "{}", run.err);
    write_private(&env.config, &good);

    // The data directory: trail and saved audit exist, and are clean.
    let files = env.assert_data_dir_clean();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n == "trail.jsonl"), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("audit-")), "{names:?}");
    let trail = std::fs::read_to_string(env.data_dir().join("trail.jsonl")).unwrap();
    assert!(trail.contains("\"outcome\":\"failed\""), "{trail}");
    assert!(trail.contains("\"outcome\":\"unknown\""), "{trail}");
}

/// `--generate` prints the password exactly once, on stdout, and nowhere else; the keys
/// appear nowhere at all. Table and JSON formats, one server and batches; CSV is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_password_is_printed_once_on_stdout_and_nowhere_else() {
    let env = Env::new(Fleet::generate(1, 40, 302)).await;
    let ok = env.ids(0, |s| s.reset_supported);
    for (ids, format) in [
        (vec![ok[0].as_str()], "table"),
        (vec![ok[1].as_str(), ok[2].as_str()], "json"),
        (vec![ok[3].as_str(), ok[4].as_str()], "table"),
    ] {
        let mut args = vec!["reset"];
        args.extend_from_slice(&ids);
        args.extend_from_slice(&["--generate", "--same-password", "--yes", "--format", format]);
        let run = env.run(&args).await;
        assert_eq!(run.code, Some(0), "{}", run.err);
        run.assert_traced();
        let got = received(&env.sim, ids[0]);
        assert_eq!(got.len(), 1, "{got:?}");
        let pw = &got[0];
        for id in &ids {
            assert_eq!(&received(&env.sim, id), &got, "one password for the batch");
        }
        assert_eq!(run.out.matches(pw.as_str()).count(), 1, "{}", run.out);
        assert!(!run.err.contains(pw.as_str()), "{}", run.err);
        assert!(!run.argv.join(" ").contains(pw.as_str()));
        for f in files_under(&env.data_dir()) {
            let text = std::fs::read_to_string(&f).unwrap();
            assert!(!text.contains(pw.as_str()), "{} holds it", f.display());
        }
    }
    env.assert_data_dir_clean();

    // CSV has no place for it: refused before anything is generated or sent.
    let run = env
        .run(&["reset", &ok[5], "--generate", "--yes", "--format", "csv"])
        .await;
    assert_eq!(run.code, Some(1), "{}", run.err);
    assert!(received(&env.sim, &ok[5]).is_empty());

    // A generated password whose reset surely failed is not printed at all.
    let unsupported = env.ids(0, |s| !s.reset_supported);
    let run = env
        .run(&["reset", &unsupported[0], "--generate", "--yes"])
        .await;
    assert_eq!(run.code, Some(1));
    assert!(!run.out.contains("generated password"), "{}", run.out);
}

/// A config file that cannot be used must say why without quoting the secret in it: syntax
/// errors on the secret's line, wrong types, misspelt and repeated keys, a readable file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_errors_never_quote_a_secret() {
    let env = Env::new(Fleet::generate(1, 3, 303)).await;
    let good = std::fs::read_to_string(&env.config).unwrap();
    let line = format!("secret_key = \"{SECRET_KEY}\"");
    assert!(good.contains(&line));
    let broken = [
        (
            "unterminated string",
            format!("secret_key = \"{SECRET_KEY}"),
        ),
        ("bare word", format!("secret_key = {SECRET_KEY}")),
        ("bad escape", format!("secret_key = \"{SECRET_KEY}\\q\"")),
        ("array", format!("secret_key = [\"{SECRET_KEY}\"]")),
        (
            "inline table",
            format!("secret_key = {{ v = \"{SECRET_KEY}\" }}"),
        ),
        ("misspelt key", format!("secret = \"{SECRET_KEY}\"")),
        ("repeated key", format!("{line}\n{line}")),
        ("two values", format!("{line} \"{TOKEN}\"")),
        (
            "token as number",
            format!("{line}\nsecurity_token = 1{SECRET_KEY}"),
        ),
    ];
    for (what, text) in &broken {
        write_private(&env.config, &good.replace(&line, text));
        let run = env.run(&["list"]).await;
        assert_eq!(run.code, Some(1), "{what}: {}", run.err);
        assert!(run.err.contains("config.toml"), "{what}: {}", run.err);
    }
    // Valid TOML, but keys no HTTP header can carry: refused, and never quoted.
    for (what, from, to) in [
        (
            "token with a control char",
            TOKEN.to_owned(),
            format!("{TOKEN}\\u0001x"),
        ),
        (
            "token with a newline",
            TOKEN.to_owned(),
            format!("{TOKEN}\\nX-Evil: 1"),
        ),
        (
            "access key with a newline",
            ACCESS_KEY.to_owned(),
            format!("{ACCESS_KEY}\\n"),
        ),
        (
            "non-ASCII access key",
            ACCESS_KEY.to_owned(),
            format!("{ACCESS_KEY}é"),
        ),
    ] {
        write_private(&env.config, &good.replace(&from, &to));
        let run = env.run(&["list"]).await;
        assert_eq!(run.code, Some(1), "{what}: {}", run.err);
    }
    // Readable by others while it holds a secret: refused, naming the file only.
    std::fs::write(&env.config, &good).unwrap();
    std::fs::set_permissions(
        &env.config,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o644),
    )
    .unwrap();
    let run = env.run(&["list"]).await;
    assert_eq!(run.code, Some(1), "{}", run.err);
    env.assert_data_dir_clean();
}

/// The decrypted Windows password goes to the terminal (`/dev/tty`) and nowhere else: not
/// stdout or stderr (both redirected to files, with trace logging on), not the trail, not the
/// data directory, not argv. The real binary runs in a pty, answers "y", and clears the copy.
#[test]
fn a_decrypted_windows_password_reaches_only_the_terminal() {
    use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let mut cfg = sim_config(Fleet::demo());
    cfg.windows_key = Some(key.to_public_key());
    let env = pty::Env::with(cfg);
    let (_, server) = pick(&env.fleet, |s| {
        s.os_type == "Windows" && s.key_name.is_some()
    });
    let plain = env.sim.stored_windows_password(&server.id).unwrap();
    let plain = plain.expose().to_owned();
    let key_path = env.dir.path().join("kp-win.pem");
    write_private(&key_path, &key.to_pkcs1_pem(LineEnding::LF).unwrap());
    let (out, err) = (env.dir.path().join("out"), env.dir.path().join("err"));

    // `sh` only redirects: the binary keeps the pty as its controlling terminal.
    let mut cmd = env.app(&["windows-password", &server.id, "--key"]);
    cmd.arg(&key_path);
    let argv: Vec<String> = cmd
        .get_argv()
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut sh = portable_pty::CommandBuilder::new("sh");
    sh.arg("-c");
    sh.arg(format!(
        "exec \"$@\" >'{}' 2>'{}'",
        out.display(),
        err.display()
    ));
    sh.args(std::iter::once("sh".to_owned()).chain(argv.iter().cloned()));
    for (k, v) in cmd.iter_full_env_as_str() {
        sh.env(k, v);
    }
    sh.env("RUST_LOG", "trace");
    sh.cwd(env.dir.path());
    let mut term = pty::Pty::new();
    let mut proc = term.spawn(sh);
    let screen = term.wait_for("[y/N]");
    assert!(screen.contains(&plain), "shown on the terminal: {screen}");
    let pid = proc.pid();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    term.send("y\r");
    let status = term.wait_exit(&mut proc);
    assert!(
        status.success(),
        "{status:?}: {}",
        std::fs::read_to_string(&err).unwrap()
    );
    assert_eq!(env.sim.stored_windows_password(&server.id), None, "cleared");

    let raw = term.raw();
    assert_eq!(
        raw.windows(plain.len())
            .filter(|w| *w == plain.as_bytes())
            .count(),
        1,
        "the terminal shows it exactly once"
    );
    let stdout = std::fs::read_to_string(&out).unwrap();
    let stderr = std::fs::read_to_string(&err).unwrap();
    assert!(stdout.contains("stored copy cleared"), "{stdout}");
    assert!(
        stderr.contains("TRACE") || stderr.contains("DEBUG"),
        "{stderr}"
    );
    let mut places: Vec<(String, Vec<u8>)> = vec![
        ("stdout".into(), stdout.into_bytes()),
        ("stderr".into(), stderr.into_bytes()),
        ("argv".into(), argv.join(" ").into_bytes()),
        ("/proc/PID/cmdline".into(), cmdline),
        ("/proc/PID/environ".into(), environ),
    ];
    let data = env.dir.path().join("data");
    let files = files_under(&data);
    assert!(
        files.iter().any(|f| f.ends_with("trail.jsonl")),
        "{files:?}"
    );
    for f in files {
        places.push((f.display().to_string(), std::fs::read(&f).unwrap()));
    }
    for (place, bytes) in places {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&plain),
            "the Windows password leaked into {place}"
        );
    }
}

/// The escrow: a sentinel password sealed into the data directory stays sealed (the file and
/// its name hold no sentinel), `reveal` without a terminal refuses and prints none of it, and
/// a secret pasted into `[escrow] recipients` is never quoted by the config error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sealed_password_stays_sealed_and_reveal_without_a_terminal_shows_nothing() {
    use age::secrecy::ExposeSecret;
    use ecsreset::escrow::{self, Recipient, Record};
    let env = Env::new(Fleet::generate(1, 3, 304)).await;
    let id = age::x25519::Identity::generate();
    // Outside the data directory: it is the operator's key, not ecsreset's.
    let key = env.dir.path().join("operator.key");
    write_private(&key, id.to_string().expose_secret());
    let server = env.ids(0, |_| true)[0].clone();
    let recipient = Recipient::parse(&id.to_public().to_string()).unwrap();
    let sealed = escrow::seal(
        &env.data_dir().join(escrow::DEFAULT_DIR),
        &[recipient],
        &[Record {
            server_id: server.clone(),
            name: "web-1".into(),
            project_id: env.fleet.projects[0].id.clone(),
            region: "cn-north-4".into(),
            time: chrono::Utc::now(),
            password: ecsreset::secret::Secret::new(PASSWORD),
        }],
    )
    .unwrap();
    let key_arg = key.display().to_string();
    let run = env.run_detached(&["reveal", &server, "--identity", &key_arg]);
    assert_eq!(run.code, Some(1), "{}", run.err);
    assert!(run.err.contains("only on a terminal"), "{}", run.err);
    let files = env.assert_data_dir_clean();
    assert_eq!(files, [sealed], "no trail line for a refused reveal");

    let good = std::fs::read_to_string(&env.config).unwrap();
    for pasted in [
        format!("AGE-SECRET-KEY-1{}", SECRET_KEY.to_uppercase()),
        format!("ssh-ed25519 {SECRET_KEY}"),
        format!("age1{}", SECRET_KEY.to_lowercase()),
        PASSWORD.to_owned(),
    ] {
        write_private(
            &env.config,
            &format!("{good}\n[escrow]\nrecipients = [\"{pasted}\"]\n"),
        );
        let run = env.run(&["list"]).await;
        assert_eq!(run.code, Some(1), "{}", run.err);
        assert!(run.err.contains("escrow.recipients[0]"), "{}", run.err);
    }
    write_private(&env.config, &good);
}

impl Env {
    /// Like [`Env::run`], in a new session (`setsid`) so the child has no controlling
    /// terminal, whatever terminal the test runner has.
    fn run_detached(&self, args: &[&str]) -> Run {
        let n = self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let out_path = self.dir.path().join(format!("run{n}.stdout"));
        let err_path = self.dir.path().join(format!("run{n}.stderr"));
        let mut argv: Vec<String> = vec![
            "--config".into(),
            self.config.display().to_string(),
            "--data-dir".into(),
            self.data_dir().display().to_string(),
        ];
        argv.extend(args.iter().map(std::string::ToString::to_string));
        let status = Command::new("setsid")
            .arg("-w")
            .arg(env!("CARGO_BIN_EXE_ecsreset"))
            .args(&argv)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path().join("home"))
            .env("RUST_LOG", "trace")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out_path).unwrap())
            .stderr(std::fs::File::create(&err_path).unwrap())
            .status()
            .expect("setsid runs the binary");
        let run = Run {
            argv,
            code: status.code(),
            out: std::fs::read_to_string(out_path).unwrap(),
            err: std::fs::read_to_string(err_path).unwrap(),
            proc_cmdline: None,
            proc_environ: None,
        };
        run.assert_clean();
        run
    }
}

/// `[escrow] csms`: each generated password goes to the sealed file and to its CSMS secret,
/// and nowhere else: not stdout, not stderr (trace logging on), not the trail nor any other
/// file of the data directory, not argv.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_stored_in_csms_reach_no_output_log_or_trail() {
    let env = Env::new(Fleet::generate(1, 10, 305)).await;
    let ok = env.ids(0, |s| s.reset_supported && s.status == "ACTIVE");
    assert!(ok.len() >= 3, "{ok:?}");
    let ids = &ok[..3];
    let identity = age::x25519::Identity::generate();
    let good = std::fs::read_to_string(&env.config).unwrap();
    write_private(
        &env.config,
        &format!(
            "{good}\n[escrow]\nrecipients = [\"{}\"]\ncsms = {{ name = \"ecs-{{server_id}}\" }}\n",
            identity.to_public()
        ),
    );
    let mut args = vec!["reset"];
    args.extend(ids.iter().map(String::as_str));
    args.extend(["--generate", "--yes", "--format", "json"]);
    let run = env.run(&args).await;
    assert_eq!(run.code, Some(0), "{}", run.err);
    run.assert_traced();
    let project = &env.fleet.projects[0].id;
    let mut passwords = Vec::new();
    for id in ids {
        let got = received(&env.sim, id);
        assert_eq!(got.len(), 1, "{id}");
        let stored: Vec<String> = env
            .sim
            .csms_values(project, &format!("ecs-{id}"))
            .iter()
            .map(|v| v.expose().to_owned())
            .collect();
        assert_eq!(
            stored, got,
            "{id}: the secret holds what the server received"
        );
        passwords.push(got[0].clone());
    }
    let trail = std::fs::read_to_string(env.data_dir().join("trail.jsonl")).unwrap();
    for id in ids {
        assert!(
            trail.contains(&format!("\"csms_secret\":\"ecs-{id}\"")),
            "{trail}"
        );
    }
    let files = files_under(&env.data_dir());
    assert!(files.len() >= 2, "the trail and the sealed file: {files:?}");
    for pw in &passwords {
        for (place, text) in [
            ("stdout", &run.out),
            ("stderr", &run.err),
            ("argv", &run.argv.join(" ")),
        ] {
            assert!(
                !text.contains(pw.as_str()),
                "a password leaked into {place}"
            );
        }
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(pw.as_str()),
                "a password leaked into {}",
                f.display()
            );
        }
    }
    let mut distinct = passwords.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3);
    env.assert_data_dir_clean();
    write_private(&env.config, &good);
}

/// The TUI's "show Windows password": the real binary in a pty with trace logging to
/// `$ECSRESET_LOG`. The decrypted password (of a bare-metal server, so the BMS path is the
/// one taken) is drawn on the screen and nowhere else: not in the log file, the trail, the
/// data directory, argv or the environment; after `y` the stored copy is cleared.
#[test]
fn a_decrypted_windows_password_in_the_tui_reaches_only_the_screen() {
    use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
    let mut cfg = sim_config(Fleet::demo().with_bare_metal(4, 9));
    cfg.windows_key = Some(key.to_public_key());
    let env = pty::Env::with(cfg);
    let (_, server) = pick(&env.fleet, |s| {
        s.kind.is_bms() && s.os_type == "Windows" && s.key_name.is_some()
    });
    let plain = env.sim.stored_windows_password(&server.id).unwrap();
    let plain = plain.expose().to_owned();
    let key_path = env.dir.path().join("kp-bms.pem");
    write_private(&key_path, &key.to_pkcs1_pem(LineEnding::LF).unwrap());

    let mut cmd = env.app(&[]);
    cmd.env("RUST_LOG", "trace");
    let argv: Vec<String> = cmd
        .get_argv()
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut term = pty::Pty::new();
    let mut app = term.spawn(cmd);
    let listed = format!("listed {} servers", env.listed());
    term.wait_for(&listed);
    term.send("/");
    term.send(&server.id);
    term.send(pty::keys::ENTER);
    term.wait_for(" 1 shown");
    term.send("w");
    term.wait_for("key file");
    term.send(&key_path.display().to_string());
    term.send(pty::keys::ENTER);
    let screen = term.wait_for(&plain);
    assert!(screen.contains("y clear"), "{screen}");
    let pid = app.pid();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    term.send("y");
    term.wait_for("stored copy cleared");
    assert_eq!(env.sim.stored_windows_password(&server.id), None);
    term.send("x");
    term.send("q");
    let status = term.wait_exit(&mut app);
    assert!(status.success(), "{status:?}");

    let log = std::fs::read(env.log_file()).unwrap_or_default();
    let log_text = String::from_utf8_lossy(&log);
    assert!(
        log_text.contains("TRACE") || log_text.contains("DEBUG"),
        "{log_text}"
    );
    let mut places: Vec<(String, Vec<u8>)> = vec![
        ("$ECSRESET_LOG".into(), log),
        ("argv".into(), argv.join(" ").into_bytes()),
        ("/proc/PID/cmdline".into(), cmdline),
        ("/proc/PID/environ".into(), environ),
    ];
    let data = env.dir.path().join("data");
    let files = files_under(&data);
    let trail = std::fs::read_to_string(data.join("trail.jsonl")).unwrap();
    assert!(trail.contains("clear-server-password"), "{trail}");
    for f in files {
        places.push((f.display().to_string(), std::fs::read(&f).unwrap()));
    }
    for (place, bytes) in places {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&plain),
            "the Windows password leaked into {place}"
        );
    }
}
