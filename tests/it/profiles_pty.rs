//! Two accounts in the real binary: `[profiles.a]` and `[profiles.b]` on two simulators with
//! different keys (b withholds the flag API in one region). One table lists both with a
//! profile column; `P` switches to one profile, then the other, then all; ECSRESET_PROFILE
//! loads one only.

use crate::support::{self, pty};

use ecsreset::sim::Fleet;
use pty::{Env, Pty};

#[test]
fn one_table_for_two_accounts_and_p_switches_between_them() {
    let env = Env::new(Fleet::generate(2, 4, 601));
    let fleet_b = Fleet::generate(1, 3, 602);
    let region_b = fleet_b.projects[0].region.clone().unwrap();
    let mut cfg = support::sim_config(fleet_b.clone());
    cfg.withheld = vec![format!("flag@{region_b}").parse().unwrap()];
    let sim_b = env.block_on(support::start(cfg));
    let text = format!(
        "[tuning]\nrate_per_second = 1000.0\n{}{}",
        support::profile_text("a", &env.sim, &env.fleet, ""),
        support::profile_text("b", &sim_b, &fleet_b, "")
    );
    support::write_private(&env.config, &text);
    let (na, nb) = (env.listed(), fleet_b.server_count());

    let mut term = Pty::new();
    let mut app = term.spawn(env.app(&[]));
    let all = format!("listed {} servers", na + nb);
    let screen = term.wait_until(&all, |s| s.contains(&all) && !s.contains("checking"));
    assert!(screen.contains("profile: all"), "{screen}");
    assert!(screen.contains(&format!("/{} ┐", na + nb)), "{screen}");
    assert!(
        screen.contains("not offered"),
        "b's withheld flag API:\n{screen}"
    );
    term.send("P");
    let screen = term.wait_for("profile: a ");
    assert!(screen.contains(&format!("/{na} ┐")), "{screen}");
    assert!(!screen.contains("not offered"), "{screen}");
    term.send("P");
    let screen = term.wait_for("profile: b ");
    assert!(screen.contains(&format!("/{nb} ┐")), "{screen}");
    term.send("P");
    term.wait_for("profile: all");
    term.send("q");
    assert!(term.wait_exit(&mut app).success());
    assert_eq!(env.sim.stats().auth_failures, 0);
    assert_eq!(sim_b.stats().auth_failures, 0);

    // ECSRESET_PROFILE loads one profile: no column, no other account's servers.
    let mut term = Pty::new();
    let mut cmd = env.app(&[]);
    cmd.env("ECSRESET_PROFILE", "b");
    let mut app = term.spawn(cmd);
    let only = format!("listed {nb} servers");
    let screen = term.wait_until(&only, |s| s.contains(&only) && !s.contains("checking"));
    assert!(!screen.contains("profile:"), "{screen}");
    term.send("q");
    assert!(term.wait_exit(&mut app).success());
}
