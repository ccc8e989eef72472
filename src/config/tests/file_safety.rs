//! The config file names the endpoints that receive signed requests, so it is read only when
//! it is a regular, reasonably sized file that nobody but its owner can change.

use super::support::{TempConfig, load_path, no_env, redact_path};
use crate::config::ConfigError;

#[cfg(unix)]
#[test]
fn a_config_others_can_write_is_refused_secret_or_not() {
    let text = "[tuning]\nretries = 1\n";
    for mode in [0o664, 0o646, 0o622] {
        let t = TempConfig::with_mode(text, mode);
        assert_eq!(
            t.error(&no_env),
            format!(
                "config file FILE is writable by group or others (mode {mode:04o}); whoever can \
                 write it can send the signed requests elsewhere; run: chmod go-w FILE"
            )
        );
    }
    // Reading stays allowed for a file without a secret.
    assert!(TempConfig::with_mode(text, 0o644).load(&no_env).is_ok());
}

#[test]
fn an_oversized_config_is_refused_before_it_is_read() {
    let t = TempConfig::new("");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&t.path)
        .unwrap();
    file.set_len(1024 * 1024 * 1024).unwrap();
    let e = t.error(&no_env);
    assert_eq!(
        e,
        "config file FILE: cannot read it: it is larger than 1024 KiB; a config file is a few KiB"
    );
    // Just past the cap, the text is still refused.
    file.set_len(1024 * 1024 + 1).unwrap();
    assert!(matches!(t.load(&no_env), Err(ConfigError::Io { .. })));
}

#[cfg(unix)]
#[test]
fn a_device_is_refused_without_reading_it() {
    // `/dev/zero` would fill memory forever if it were read to the end.
    let path = std::path::Path::new("/dev/zero");
    let e = load_path(path, &no_env).unwrap_err();
    assert_eq!(
        redact_path(&e, path),
        "config file FILE: cannot read it: it is a character device, not a regular file"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("config.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    // A plain open would block here until something writes to the FIFO.
    let (tx, rx) = std::sync::mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || {
        let _ = tx.send(load_path(&path, &no_env).map(|_| ()));
    });
    let got = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("loading a FIFO config returns instead of blocking");
    let e = got.unwrap_err();
    assert_eq!(
        redact_path(&e, &fifo),
        "config file FILE: cannot read it: it is a FIFO, not a regular file"
    );
}
