//! `windows-password` refuses to run without a controlling terminal: the password has
//! nowhere to go that is not a pipe, a file or a log. The real binary, started in a new
//! session (`setsid`) so that `/dev/tty` cannot be opened, must fail before asking the cloud
//! for the password.

use crate::support::*;
use ecsreset::sim::Fleet;
use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
use std::process::{Command, Stdio};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_it_refuses_before_fetching() {
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
    let mut cfg = sim_config(Fleet::demo());
    cfg.windows_key = Some(key.to_public_key());
    let env = CliEnv::with(cfg, Tuning::default(), &[]).await;
    let (_, server) = pick(&env.fleet, |s| {
        s.os_type == "Windows" && s.key_name.is_some()
    });
    let key_path = env.dir.path().join("kp.pem");
    write_private(&key_path, &key.to_pkcs1_pem(LineEnding::LF).unwrap());
    let (config, data, key_arg) = (env.config.clone(), env.data_dir(), key_path.clone());
    let id = server.id.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("setsid")
            .arg(env!("CARGO_BIN_EXE_ecsreset"))
            .arg("--config")
            .arg(config)
            .arg("--data-dir")
            .arg(data)
            .args(["windows-password", &id, "--key"])
            .arg(key_arg)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdin(Stdio::null())
            .output()
            .expect("setsid and the binary run")
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("shows the password only on an interactive terminal"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(route_count(&env.sim, SHOW), 0, "nothing was fetched");
    assert!(env.sim.stored_windows_password(&server.id).is_some());
}
