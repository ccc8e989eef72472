//! End to end: two servers marked in the TUI, one of them locked. Pre-flight names the locked
//! one with its reason in the confirmation, the other goes ahead alone, and the results show
//! both: only the accepted one reached the simulator.

use crate::support::pty;

use ecsreset::sim::Fleet;
use pty::{Env, Pty, keys};

const PASSWORD: &str = "Kp4@e2e-Refused-1";

#[test]
fn a_locked_server_is_refused_by_name_in_the_confirmation_and_the_results() {
    let mut fleet = Fleet::generate(1, 12, 23);
    let picks: Vec<usize> = fleet.projects[0]
        .servers
        .iter()
        .enumerate()
        .filter(|(_, s)| s.reset_supported && s.status == "ACTIVE" && s.os_type == "Linux")
        .map(|(i, _)| i)
        .take(2)
        .collect();
    assert_eq!(picks.len(), 2, "the fleet has two resettable Linux servers");
    fleet.projects[0].servers[picks[1]].locked = true;
    let ok = fleet.projects[0].servers[picks[0]].clone();
    let locked = fleet.projects[0].servers[picks[1]].clone();
    let env = Env::new(fleet);
    let mut term = Pty::new();
    let mut app = term.spawn(env.app(&[]));
    let listed = format!("listed {} servers", env.listed());
    term.wait_until("every flag checked", |s| {
        s.contains(&listed) && !s.contains("checking")
    });

    // Mark both, each found by its full id.
    for (n, s) in [&ok, &locked].into_iter().enumerate() {
        term.send("/");
        term.send(&s.id);
        term.send(keys::ENTER);
        term.wait_for(" 1 shown");
        term.send(" ");
        term.wait_for(&format!("{} marked", n + 1));
        // Alone: an escape followed at once by the next key reads as alt-<key>.
        term.send(keys::ESC);
        term.wait_until("the filter cleared", |s| !s.contains("filter: /"));
    }

    term.send("r");
    term.wait_for("Reset password");
    term.send(PASSWORD);
    term.send(keys::TAB);
    term.send(PASSWORD);
    term.wait_for("✓ confirmation matches");
    term.send(keys::CTRL_S);
    let screen = term.wait_until("the refused server with its reason", |s| {
        s.contains("Confirm password reset") && s.contains("locked")
    });
    let lines: Vec<&str> = screen.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("Refused by pre-flight, not sent (1)"))
        .unwrap_or_else(|| panic!("no refused section:\n{screen}"));
    assert!(
        lines[at + 1].contains(&locked.name) && lines[at + 1].contains(&locked.id[..8]),
        "the locked server is named with its short id:\n{screen}"
    );
    assert!(
        lines[at + 2].contains("✗ locked"),
        "with its reason:\n{screen}"
    );
    assert!(
        lines[..at]
            .iter()
            .any(|l| l.contains(&ok.name) && l.contains(&ok.id[..8])),
        "the other is listed to be sent:\n{screen}"
    );

    term.send(keys::RIGHT);
    term.wait_for("›[ Reset 1 server ]");
    term.send(keys::ENTER);
    let screen = term.wait_for("Reset results — finished");
    let has = |name: &str, what: &str| screen.lines().any(|l| l.contains(name) && l.contains(what));
    assert!(has(&ok.name, "✓ accepted"), "{screen}");
    assert!(
        has(&locked.name, "✗ refused, not sent — locked"),
        "{screen}"
    );

    assert_eq!(env.sim.received_passwords(&ok.id).len(), 1);
    assert!(
        env.sim.received_passwords(&locked.id).is_empty(),
        "the locked server was sent a reset"
    );
    term.send(keys::ESC);
    term.wait_until("the results closed", |s| !s.contains("Reset results"));
    term.send("q");
    assert!(term.wait_exit(&mut app).success());
}
