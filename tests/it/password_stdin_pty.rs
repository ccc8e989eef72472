//! `reset --password-stdin` at a terminal would echo the password as it is typed: it is
//! refused before anything is read or sent, pointing to `--password-prompt`.

use crate::support::pty;

use ecsreset::sim::Fleet;
use pty::{Env, Pty};

#[test]
fn password_stdin_at_a_terminal_is_refused_before_anything_is_sent() {
    let env = Env::new(Fleet::generate(1, 6, 161));
    let target = env.resettable();
    let term = Pty::new();
    let mut app = term.spawn(env.app(&["reset", &target.server_id, "--password-stdin", "--yes"]));
    // Raw bytes: the message may wrap on the emulated screen.
    term.wait_for_raw(0, b"--password-prompt");
    let raw = String::from_utf8_lossy(&term.raw()).into_owned();
    assert!(raw.contains("echo"), "{raw}");
    let status = term.wait_exit(&mut app);
    assert!(!status.success());
    assert!(env.sim.received_passwords(&target.server_id).is_empty());
}
