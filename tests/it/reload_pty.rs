//! Wrong credentials mid-session: the real binary in a pseudo-terminal says so in the status
//! line and the log pane, keeps working, and recovers when the config is fixed and reloaded
//! with `R`, without restarting.

use crate::support::{self, pty};

use ecsreset::sim::Fleet;
use pty::{Env, Pty};

#[test]
fn a_wrong_key_is_reported_and_a_fixed_config_is_picked_up_by_reload() {
    let env = Env::new(Fleet::generate(2, 15, 21));
    let good = std::fs::read_to_string(&env.config).unwrap();
    let sk = env.sim.credentials()[0].secret_key.expose().to_owned();
    let wrong = "W".repeat(sk.len());
    support::write_private(&env.config, &good.replace(&sk, &wrong));

    let mut term = Pty::new();
    let mut app = term.spawn(env.app(&[]));
    let screen = term.wait_for("APIGW.0301");
    assert!(screen.contains("0 servers"), "{screen}");
    term.wait_for("credentials refused in");
    term.wait_for("fix the config, then press R to reload");
    assert!(
        !screen.contains(&wrong) && !screen.contains(&sk),
        "{screen}"
    );
    term.send("l");
    let screen = term.wait_until("401 lines in the log pane", |s| {
        s.lines().filter(|l| l.contains(" 401 ")).count() >= 2
    });
    assert!(screen.contains("errors"), "{screen}");

    // Still responsive: help opens and closes.
    term.send("?");
    term.wait_for("Help — keys");
    term.send("?");

    // A config that cannot be read is refused and the session goes on.
    support::write_private(&env.config, "[[projects]]\nregion = 42\n");
    term.send("R");
    let screen = term.wait_for("Config not reloaded");
    assert!(screen.contains("projects[0].region"), "{screen}");
    assert!(screen.contains("press R again"), "{screen}");
    term.send("\x1b");

    // Fixed on disk, reloaded: the list arrives.
    support::write_private(&env.config, &good);
    term.send("R");
    let listed = format!("listed {} servers", env.listed());
    let screen = term.wait_until(&format!("{listed:?} after the reload"), |s| {
        s.contains(&listed) && !s.contains("checking")
    });
    assert!(
        screen.contains("Log ("),
        "the log pane stays open:\n{screen}"
    );
    term.send("q");
    let status = term.wait_exit(&mut app);
    assert!(status.success(), "{status:?}");
    let log = std::fs::read_to_string(env.log_file()).unwrap_or_default();
    assert!(!log.contains(&sk) && !log.contains(&wrong));
}
