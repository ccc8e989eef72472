//! End to end: the real binary in a pseudo-terminal against an in-process simulator. An
//! operator's whole single-server reset, key by key, checked on the emulated screen, in the
//! simulator, and in the raw bytes the app wrote.

use crate::support::{self, pty};

use ecsreset::sim::Fleet;
use pty::{Env, Pty, keys};

const PASSWORD: &str = "Kp4@e2e-Pty-Reset";

#[test]
fn a_single_reset_typed_in_the_tui_reaches_the_simulator_once() {
    let env = Env::new(Fleet::generate(2, 20, 11));
    let target = env.resettable();
    let short_id = &target.server_id[..8];
    let mut term = Pty::new();
    let mut app = term.spawn(env.app(&[]));

    // The list, with every flag checked.
    let listed = format!("listed {} servers", env.listed());
    let screen = term.wait_until(&format!("{listed:?} and no flag still checking"), |s| {
        s.contains(&listed) && !s.contains("checking")
    });
    assert!(screen.contains(&target.name), "{screen}");

    // Filter down to the one server by its full id (names repeat across projects).
    term.send("/");
    term.send(&target.server_id);
    term.send(keys::ENTER);
    let screen = term.wait_until("the filtered row with its supported flag", |s| {
        s.contains(" 1 shown")
            && s.lines().any(|l| {
                l.contains(&target.name) && l.contains(short_id) && l.contains("✓ supported")
            })
    });
    assert!(screen.contains(&format!("filter: /{short_id}")), "{screen}");

    // The form: the password is masked, one bullet per character.
    term.send("r");
    term.wait_for("Reset password");
    term.send(PASSWORD);
    let mask = "•".repeat(PASSWORD.chars().count());
    let screen = term.wait_for(&format!("password  [{mask}▏ "));
    assert!(!screen.contains(PASSWORD), "{screen}");
    assert!(
        screen.contains(&format!("{}/26 chars", PASSWORD.len())),
        "{screen}"
    );

    // The confirmation field, then submit.
    term.send(keys::TAB);
    term.send(PASSWORD);
    let screen = term.wait_for("✓ confirmation matches");
    assert!(!screen.contains(PASSWORD), "{screen}");
    assert!(
        screen.contains(&format!("password  [{mask} "))
            && screen.contains(&format!("confirm   [{mask}▏ ")),
        "both fields masked, the cursor in the confirmation:\n{screen}"
    );
    term.send(keys::CTRL_S);
    let screen = term.wait_for("Confirm password reset");
    assert!(screen.contains("›[ Cancel ]"), "opens on Cancel:\n{screen}");
    assert!(
        env.sim.received_passwords(&target.server_id).is_empty(),
        "nothing is sent before the confirmation"
    );

    // Move to the Reset button and press it.
    term.send(keys::RIGHT);
    term.wait_for("›[ Reset 1 server ]");
    term.send(keys::ENTER);
    let screen = term.wait_for("Reset results — finished");
    let row = screen
        .lines()
        .find(|l| l.contains(&target.name) && l.contains("accepted"))
        .unwrap_or_else(|| panic!("no accepted row for {}:\n{screen}", target.name));
    assert!(row.contains("✓ accepted"), "{row}");

    // The log pane shows the PUT and its 204.
    term.send("l");
    let screen = term.wait_until("the reset call in the log pane", |s| {
        s.lines().any(|l| {
            l.contains("PUT")
                && l.contains(" 204 ")
                && l.contains(short_id)
                && l.contains("/os-reset-password")
        })
    });
    assert!(screen.contains("Log ("), "{screen}");

    let got: Vec<String> = env
        .sim
        .received_passwords(&target.server_id)
        .iter()
        .map(|s| s.expose().to_owned())
        .collect();
    assert_eq!(got, [PASSWORD], "exactly one reset with the typed password");

    term.send("q");
    let status = term.wait_exit(&mut app);
    assert!(status.success(), "exit status {status:?}");
    assert_eq!(status.exit_code(), 0);

    let raw = term.raw();
    assert!(
        pty::find(&raw, PASSWORD.as_bytes()).is_none(),
        "the password was written to the terminal"
    );
    let log = std::fs::read_to_string(env.log_file()).unwrap_or_default();
    assert!(!log.contains(PASSWORD), "the password is in $ECSRESET_LOG");
    let truth = support::truth_of(&env.sim, &target.server_id);
    assert!(truth.password_pending, "{truth:?}");
}
