//! The stored initial Windows password: the client against the simulator (both endpoints,
//! signature, 404s) and `windows-password` in-process with a scripted terminal. The real
//! binary in a pty, and without a terminal, is in `windows_password_pty.rs`.

use crate::support::*;
use ecsreset::commands::windows_password::{Terminal, run_on};
use ecsreset::secret::Secret;
use ecsreset::sim::{Fleet, SimConfig};
use rsa::RsaPrivateKey;
use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap())
}

fn keyed(fleet: Fleet) -> SimConfig {
    let mut cfg = sim_config(fleet);
    cfg.windows_key = Some(key().to_public_key());
    cfg
}

/// The demo fleet's Windows servers created with a key pair, and one without.
fn windows(fleet: &Fleet, with_key: bool) -> (ecsreset::cloud::ProjectRef, String) {
    let (p, s) = pick(fleet, |s| {
        s.os_type == "Windows" && s.key_name.is_some() == with_key
    });
    (p, s.id)
}

fn write_key(dir: &Path, mode: u32) -> PathBuf {
    let path = dir.join("kp-win.pem");
    std::fs::write(
        &path,
        key().to_pkcs1_pem(LineEnding::LF).unwrap().as_bytes(),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_decrypts_to_the_stored_password_and_delete_clears_it() {
    let fleet = Fleet::demo();
    let sim = start(keyed(fleet.clone())).await;
    let cloud = client(&sim);
    let (p, id) = windows(&fleet, true);
    let stored = cloud.show_server_password(&p, &id).await.unwrap().unwrap();
    let plain = ecsreset::winpw::decrypt(key(), &stored).unwrap();
    assert_eq!(Some(plain), sim.stored_windows_password(&id));

    let cleared = cloud.delete_server_password(&p, &id).await.unwrap();
    assert_eq!(cleared.request_id.map(|r| r.len()), Some(32));
    assert_eq!(cloud.show_server_password(&p, &id).await.unwrap(), None);
    assert_eq!(sim.stored_windows_password(&id), None);
    // Clearing again is harmless.
    cloud.delete_server_password(&p, &id).await.unwrap();

    // No key pair, a Linux server: nothing stored.
    let (p2, plain_id) = windows(&fleet, false);
    assert_eq!(
        cloud.show_server_password(&p2, &plain_id).await.unwrap(),
        None
    );
    let (p3, linux) = pick(&fleet, |s| s.os_type == "Linux");
    assert_eq!(
        cloud.show_server_password(&p3, &linux.id).await.unwrap(),
        None
    );
    assert_eq!(route_count(&sim, SHOW), 4);
    assert_eq!(route_count(&sim, DELETE), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_servers_and_bad_signatures_are_refused() {
    let fleet = Fleet::demo();
    let sim = start(keyed(fleet.clone())).await;
    let (p, id) = windows(&fleet, true);
    let ghost = "9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b";
    let cloud = client(&sim);
    for e in [
        cloud.show_server_password(&p, ghost).await.unwrap_err(),
        cloud.delete_server_password(&p, ghost).await.unwrap_err(),
    ] {
        assert!(e.to_string().contains("Ecs.0114"), "{e}");
    }
    let mut s = settings(&sim);
    s.credentials.secret_key = Secret::new("wrong-secret-key-wrong-secret-key-wrong!");
    s.retry = fast_retry(0);
    let wrong = ecsreset::cloud::Cloud::new(s).unwrap();
    let e = wrong.delete_server_password(&p, &id).await.unwrap_err();
    assert!(e.to_string().contains("APIGW.0301"), "{e}");
    assert!(
        sim.stored_windows_password(&id).is_some(),
        "a bad signature clears nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_key_the_simulator_stores_nothing() {
    let fleet = Fleet::demo();
    let sim = start(sim_config(fleet.clone())).await;
    let (p, id) = windows(&fleet, true);
    assert_eq!(
        client(&sim).show_server_password(&p, &id).await.unwrap(),
        None
    );
}

/// A terminal that records what it was shown and answers from a script.
#[derive(Default)]
struct Scripted {
    shown: Vec<String>,
    asked: Vec<String>,
    answers: Vec<&'static str>,
}

impl Terminal for Scripted {
    fn show_secret(&mut self, label: &str, secret: &Secret) -> std::io::Result<()> {
        self.shown.push(format!("{label}{}", secret.expose()));
        Ok(())
    }

    fn ask(&mut self, prompt: &str) -> std::io::Result<String> {
        self.asked.push(prompt.to_owned());
        Ok(format!("{}\n", self.answers.remove(0)))
    }
}

async fn command(env: &CliEnv, args: &[&str], tty: &mut Scripted, read_only: bool) -> Outcome {
    let cli = env.parse(args);
    let ecsreset::cli::Command::WindowsPassword(a) = crate::support::command(cli) else {
        panic!("not windows-password")
    };
    let mut ctx = env.context(Recorder::default().observer(|_| {})).await;
    ctx.read_only = read_only;
    let mut cap = Captured::default();
    let result = run_on(&ctx, &a, tty, &mut cap.io()).await;
    cap.finish(result)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_shows_on_the_terminal_only_then_clears_when_asked() {
    let env = CliEnv::with(keyed(Fleet::demo()), Tuning::default(), &[]).await;
    let keyfile = write_key(env.dir.path(), 0o600);
    let k = keyfile.to_str().unwrap();
    let (_, id) = windows(&env.fleet, true);
    let plain = env.sim.stored_windows_password(&id).unwrap();

    // "N" (the default): shown, kept, no DELETE, no trail line.
    let mut tty = Scripted {
        answers: vec![""],
        ..Scripted::default()
    };
    let run = command(
        &env,
        &["windows-password", &id, "--key", k],
        &mut tty,
        false,
    )
    .await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert_eq!(tty.shown.len(), 1);
    assert!(tty.shown[0].ends_with(plain.expose()), "{:?}", tty.shown);
    assert!(tty.shown[0].contains(&id));
    assert!(tty.asked[0].contains("[y/N]"));
    for text in [&run.out, &run.err] {
        assert!(!text.contains(plain.expose()), "leaked: {text}");
    }
    assert!(run.out.contains("kept"), "{}", run.out);
    assert_eq!(route_count(&env.sim, DELETE), 0);
    assert!(env.trail().is_empty());

    // Read-only: shown, not even offered.
    let mut tty = Scripted::default();
    let run = command(&env, &["windows-password", &id, "--key", k], &mut tty, true).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert!(tty.asked.is_empty() && tty.shown.len() == 1);
    assert!(run.out.contains("read-only"), "{}", run.out);

    // "y": cleared, recorded.
    let mut tty = Scripted {
        answers: vec!["y"],
        ..Scripted::default()
    };
    let run = command(
        &env,
        &["windows-password", &id, "--key", k],
        &mut tty,
        false,
    )
    .await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert!(
        run.out.contains("stored copy cleared (request id "),
        "{}",
        run.out
    );
    assert_eq!(env.sim.stored_windows_password(&id), None);
    let trail = env.trail();
    let lines: Vec<serde_json::Value> = trail
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "intent, then outcome: {trail}");
    assert_eq!(lines[0]["phase"], "intent");
    assert_eq!(lines[0]["servers"][0]["id"], id.as_str());
    let line = &lines[1];
    assert_eq!(line["action"], "clear-server-password");
    assert_eq!(line["outcome"], "done");
    assert_eq!(line["server_id"], id.as_str());
    assert!(!trail.contains(plain.expose()));

    // Now nothing is stored: a specific refusal.
    let mut tty = Scripted::default();
    let run = command(
        &env,
        &["windows-password", &id, "--key", k],
        &mut tty,
        false,
    )
    .await;
    assert!(
        run.error().contains("no initial password is stored"),
        "{}",
        run.error()
    );
    assert!(tty.shown.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_name_the_problem_and_send_nothing_they_need_not() {
    let env = CliEnv::with(keyed(Fleet::demo()), Tuning::default(), &[]).await;
    let (_, id) = windows(&env.fleet, true);
    let (_, linux) = pick(&env.fleet, |s| s.os_type == "Linux");

    // A key file others can read: refused before any password call.
    let open = write_key(env.dir.path(), 0o644);
    let mut tty = Scripted::default();
    let run = command(
        &env,
        &["windows-password", &id, "--key", open.to_str().unwrap()],
        &mut tty,
        false,
    )
    .await;
    assert!(run.error().contains("chmod 600"), "{}", run.error());
    assert_eq!(route_count(&env.sim, SHOW), 0);

    let keyfile = write_key(env.dir.path(), 0o600);
    let k = keyfile.to_str().unwrap();
    let run = command(
        &env,
        &["windows-password", &linux.id, "--key", k],
        &mut tty,
        false,
    )
    .await;
    assert!(run.error().contains("runs Linux"), "{}", run.error());
    assert_eq!(
        route_count(&env.sim, SHOW),
        0,
        "a Linux server is not asked"
    );

    // The wrong key pair: a specific error, nothing shown, the stored copy untouched.
    let other = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    std::fs::write(
        &keyfile,
        other.to_pkcs1_pem(LineEnding::LF).unwrap().as_bytes(),
    )
    .unwrap();
    let run = command(
        &env,
        &["windows-password", &id, "--key", k],
        &mut tty,
        false,
    )
    .await;
    assert!(run.error().contains("not the key pair"), "{}", run.error());
    assert!(tty.shown.is_empty());
    assert!(env.sim.stored_windows_password(&id).is_some());
}
