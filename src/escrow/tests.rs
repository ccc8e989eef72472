//! Sealing and revealing with keys made in the test: age X25519 identities from the crate,
//! SSH keys from `ssh-keygen` (age cannot generate SSH keys).

use std::path::{Path, PathBuf};
use std::process::Command;

use age::secrecy::ExposeSecret;
use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::password::{self, OsKind};
use crate::secret::Secret;

fn record(server_id: &str, password: &str, time: DateTime<Utc>) -> Record {
    Record {
        server_id: server_id.to_owned(),
        name: format!("name-of-{server_id}"),
        project_id: "p0".to_owned(),
        region: "cn-north-4".to_owned(),
        time,
        password: Secret::new(password),
    }
}

/// An age identity file in `dir` and its public key.
fn age_key(dir: &Path, name: &str) -> (PathBuf, Recipient) {
    let id = age::x25519::Identity::generate();
    let path = dir.join(name);
    let text = format!(
        "# created: by the test\n# public key: {}\n{}\n",
        id.to_public(),
        id.to_string().expose_secret()
    );
    std::fs::write(&path, text).unwrap();
    let public = Recipient::parse(&id.to_public().to_string()).unwrap();
    (path, public)
}

/// An SSH key pair made by `ssh-keygen` in `dir`: the private key file and its public key.
fn ssh_key(dir: &Path, name: &str, kind: &str, passphrase: &str) -> (PathBuf, Recipient) {
    let path = dir.join(name);
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-t", kind, "-N", passphrase, "-C", "tester@example"]);
    if kind == "rsa" {
        cmd.args(["-b", "2048"]);
    }
    let status = cmd.arg("-f").arg(&path).status().expect("ssh-keygen runs");
    assert!(status.success(), "ssh-keygen failed");
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    assert!(public.trim_end().ends_with("tester@example"), "{public}");
    (path, Recipient::parse(&public).unwrap())
}

fn no_passphrase(_: &str) -> Option<Secret> {
    None
}

fn reveal_pw(dir: &Path, server: &str, key: &Path) -> Result<(String, PathBuf), EscrowError> {
    let r = reveal_with(dir, server, key, &no_passphrase)?;
    Ok((r.record.password.expose().to_owned(), r.file))
}

#[test]
fn an_age_identity_round_trips_every_record_and_the_file_holds_no_plaintext() {
    let tmp = tempfile::tempdir().unwrap();
    let (key, public) = age_key(tmp.path(), "key.txt");
    let dir = tmp.path().join("data/escrow");
    let now = Utc::now();
    let records = [
        record("srv-a", "Pw-Alpha-1234!x", now),
        record("srv-b", "Pw-Bravo-5678?y", now),
    ];
    let sealed = seal(&dir, &[public], &records).unwrap();
    assert_eq!(sealed.parent(), Some(dir.as_path()));
    let name = sealed.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("escrow-") && name.ends_with(".age"),
        "{name}"
    );
    let bytes = std::fs::read(&sealed).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    let text = String::from_utf8_lossy(&bytes);
    for needle in ["Pw-Alpha", "Pw-Bravo", "srv-a", "name-of", "cn-north-4"] {
        assert!(
            !text.contains(needle),
            "{needle} is readable in the sealed file"
        );
    }
    for r in &records {
        let got = reveal_with(&dir, &r.server_id, &key, &no_passphrase).unwrap();
        assert_eq!(got.record, *r, "every field survives");
        assert_eq!(got.file, sealed);
        assert!(got.damaged.is_empty());
    }
    // The brief's signature, too.
    let (rec, file) = reveal(&dir, "srv-b", &key).unwrap();
    assert_eq!((rec.password.expose(), file), ("Pw-Bravo-5678?y", sealed));
}

#[test]
fn ssh_ed25519_and_rsa_keys_round_trip_in_one_file_sealed_to_both_and_an_age_key() {
    let tmp = tempfile::tempdir().unwrap();
    let (ed, ed_pub) = ssh_key(tmp.path(), "id_ed25519", "ed25519", "");
    let (rsa, rsa_pub) = ssh_key(tmp.path(), "id_rsa", "rsa", "");
    let (age, age_pub) = age_key(tmp.path(), "age.txt");
    assert_eq!(
        (ed_pub.kind(), rsa_pub.kind(), age_pub.kind()),
        ("ssh-ed25519", "ssh-rsa", "age X25519")
    );
    let dir = tmp.path().join("escrow");
    let sealed = seal(
        &dir,
        &[ed_pub, rsa_pub, age_pub],
        &[record("srv-1", "Ssh-Sealed-99:x", Utc::now())],
    )
    .unwrap();
    for key in [&ed, &rsa, &age] {
        let (pw, file) = reveal_pw(&dir, "srv-1", key).unwrap();
        assert_eq!(
            (pw.as_str(), &file),
            ("Ssh-Sealed-99:x", &sealed),
            "{key:?}"
        );
    }
}

#[test]
fn a_passphrase_protected_ssh_key_is_unlocked_with_the_passphrase_only() {
    let tmp = tempfile::tempdir().unwrap();
    let (key, public) = ssh_key(tmp.path(), "id_locked", "ed25519", "correct horse");
    let dir = tmp.path().join("escrow");
    seal(
        &dir,
        &[public],
        &[record("srv-1", "Locked-Pw-42!q", Utc::now())],
    )
    .unwrap();

    let asked = std::cell::Cell::new(0);
    let right = |prompt: &str| {
        asked.set(asked.get() + 1);
        assert!(prompt.contains("id_locked"), "{prompt}");
        Some(Secret::new("correct horse"))
    };
    let got = reveal_with(&dir, "srv-1", &key, &right).unwrap();
    assert_eq!(got.record.password.expose(), "Locked-Pw-42!q");
    assert_eq!(asked.get(), 1, "asked once, not once per file");

    let wrong = |_: &str| Some(Secret::new("battery staple"));
    let e = reveal_with(&dir, "srv-1", &key, &wrong)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("wrong passphrase") && e.contains("id_locked"),
        "{e}"
    );
    let e = reveal_with(&dir, "srv-1", &key, &no_passphrase)
        .unwrap_err()
        .to_string();
    assert!(e.contains("protected by a passphrase"), "{e}");
}

#[test]
fn the_newest_record_wins_across_files_and_within_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (key, public) = age_key(tmp.path(), "key.txt");
    let dir = tmp.path().join("escrow");
    let t0 = Utc::now() - Duration::hours(2);
    let t1 = t0 + Duration::hours(1);
    let p = std::slice::from_ref(&public);
    seal(&dir, p, &[record("srv-1", "First-Pw-0001!", t0)]).unwrap();
    let newest = seal(
        &dir,
        p,
        &[
            record("srv-2", "Other-Pw-0002!", t0),
            record("srv-1", "Second-Pw-002!", t1),
        ],
    )
    .unwrap();
    // Sealed last, but its record is older (a clock step, a copied file): time decides.
    seal(
        &dir,
        p,
        &[record("srv-1", "Older-Pw-0003!", t0 - Duration::hours(1))],
    )
    .unwrap();
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
    let (pw, file) = reveal_pw(&dir, "srv-1", &key).unwrap();
    assert_eq!((pw.as_str(), file), ("Second-Pw-002!", newest));
    assert_eq!(reveal_pw(&dir, "srv-2", &key).unwrap().0, "Other-Pw-0002!");

    // Equal times: the later line of the later file wins.
    let t2 = t1 + Duration::minutes(1);
    let last = seal(
        &dir,
        p,
        &[
            record("srv-1", "Tie-Early-004!", t2),
            record("srv-1", "Tie-Later-005!", t2),
        ],
    )
    .unwrap();
    let (pw, file) = reveal_pw(&dir, "srv-1", &key).unwrap();
    assert_eq!((pw.as_str(), file), ("Tie-Later-005!", last));
}

#[test]
fn files_for_other_keys_are_skipped_and_a_foreign_key_gets_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let (alice, alice_pub) = age_key(tmp.path(), "alice.txt");
    let (bob, bob_pub) = age_key(tmp.path(), "bob.txt");
    let (eve, _) = age_key(tmp.path(), "eve.txt");
    let dir = tmp.path().join("escrow");
    let later = Utc::now();
    seal(
        &dir,
        &[alice_pub],
        &[record("srv-1", "Alice-Only-01!", later)],
    )
    .unwrap();
    let bobs = seal(
        &dir,
        &[bob_pub],
        &[record(
            "srv-1",
            "Bob-Only-0002!",
            later - Duration::hours(1),
        )],
    )
    .unwrap();
    // Bob cannot open Alice's newer file: he gets his own, older record.
    let (pw, file) = reveal_pw(&dir, "srv-1", &bob).unwrap();
    assert_eq!((pw.as_str(), file), ("Bob-Only-0002!", bobs));
    assert_eq!(
        reveal_pw(&dir, "srv-1", &alice).unwrap().0,
        "Alice-Only-01!"
    );

    let e = reveal_pw(&dir, "srv-1", &eve).unwrap_err();
    assert!(
        matches!(e, EscrowError::NoneOpened { files: 2, .. }),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("none of the 2 sealed file(s)") && msg.contains("eve.txt"),
        "{msg}"
    );

    let e = reveal_pw(&dir, "srv-404", &alice).unwrap_err().to_string();
    assert!(
        e.contains("no sealed password for server srv-404") && e.contains("1 file(s)"),
        "{e}"
    );
}

#[test]
fn damaged_files_are_reported_but_do_not_hide_good_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let (key, public) = age_key(tmp.path(), "key.txt");
    let dir = tmp.path().join("escrow");
    let good = seal(
        &dir,
        std::slice::from_ref(&public),
        &[record("srv-1", "Good-Pw-00001!", Utc::now())],
    )
    .unwrap();
    // A later file cut short (a crash while sealing, a bad copy): its header still opens.
    let cut = seal(
        &dir,
        &[public],
        &[record("srv-1", "Cut-Pw-000002!", Utc::now())],
    )
    .unwrap();
    let bytes = std::fs::read(&cut).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() - 20]).unwrap();
    std::fs::write(dir.join("junk.age"), b"not an age file").unwrap();
    std::fs::write(dir.join("notes.txt"), b"ignored: not .age").unwrap();
    let got = reveal_with(&dir, "srv-1", &key, &no_passphrase).unwrap();
    assert_eq!(
        (got.record.password.expose(), &got.file),
        ("Good-Pw-00001!", &good)
    );
    assert_eq!(got.damaged.len(), 2, "{:?}", got.damaged);
    assert!(
        got.damaged
            .iter()
            .any(|d| d.contains("junk.age") && d.contains("not an age file"))
    );
    let cut_name = cut.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        got.damaged.iter().any(|d| d.contains(&cut_name)),
        "{:?}",
        got.damaged
    );
    for d in &got.damaged {
        assert!(!d.contains("Cut-Pw"), "{d}");
    }
}

#[cfg(unix)]
#[test]
fn the_file_is_0600_in_a_0700_directory_and_a_shared_directory_or_symlink_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    let tmp = tempfile::tempdir().unwrap();
    let (_, public) = age_key(tmp.path(), "key.txt");
    let p = std::slice::from_ref(&public);
    let recs = [record("srv-1", "Mode-Pw-00001!", Utc::now())];
    let dir = tmp.path().join("new/parent/escrow");
    let sealed = seal(&dir, p, &recs).unwrap();
    assert_eq!(mode(&sealed), 0o600);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(
        mode(&tmp.path().join("new")),
        0o700,
        "parents are made private too"
    );

    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let e = seal(&dir, p, &recs).unwrap_err().to_string();
    assert!(e.contains("mode 0755") && e.contains("chmod 700"), "{e}");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "nothing new was written"
    );

    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&dir, &link).unwrap();
    let e = seal(&link, p, &recs).unwrap_err().to_string();
    assert!(e.contains("symbolic link"), "{e}");

    let file = tmp.path().join("plain-file");
    std::fs::write(&file, b"").unwrap();
    let e = seal(&file, p, &recs).unwrap_err().to_string();
    assert!(e.contains("not a directory"), "{e}");
}

#[test]
fn nothing_is_sealed_without_recipients_records_or_a_password() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, public) = age_key(tmp.path(), "key.txt");
    let dir = tmp.path().join("escrow");
    let rec = record("srv-1", "Some-Pw-00001!", Utc::now());
    assert!(matches!(
        seal(&dir, &[], std::slice::from_ref(&rec)),
        Err(EscrowError::NoRecipients)
    ));
    assert!(matches!(
        seal(&dir, std::slice::from_ref(&public), &[]),
        Err(EscrowError::NoRecords)
    ));
    let empty = record("srv-2", "", Utc::now());
    let e = seal(&dir, std::slice::from_ref(&public), &[rec.clone(), empty]).unwrap_err();
    assert!(
        e.to_string().contains("record 1 has an empty password"),
        "{e}"
    );
    let no_id = record(" ", "Some-Pw-00002!", Utc::now());
    let e = seal(&dir, &[public], &[no_id]).unwrap_err();
    assert!(e.to_string().contains("empty server id"), "{e}");
    assert!(!dir.exists(), "refused before anything was created");
}

#[test]
fn reveal_explains_a_missing_directory_and_a_key_that_is_not_one() {
    let tmp = tempfile::tempdir().unwrap();
    let (key, public) = age_key(tmp.path(), "key.txt");
    let dir = tmp.path().join("escrow");
    let e = reveal_pw(&dir, "srv-1", &key).unwrap_err().to_string();
    assert!(
        e.contains("no sealed passwords in") && e.contains("escrow"),
        "{e}"
    );
    seal(
        &dir,
        std::slice::from_ref(&public),
        &[record("srv-1", "Some-Pw-00001!", Utc::now())],
    )
    .unwrap();

    let cases = [
        ("pub.txt", public.to_string(), "is a public key"),
        (
            "garbage.txt",
            "hello\n".to_owned(),
            "neither an age identity file",
        ),
        (
            "bad-line.txt",
            format!(
                "{}\nAGE-SECRET-KEY-1NOTAKEY\n",
                age::x25519::Identity::generate()
                    .to_string()
                    .expose_secret()
            ),
            "line 2 is not an age secret key",
        ),
        (
            "bad-ssh",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
                .to_owned(),
            "not an SSH private key that age can read",
        ),
    ];
    for (name, text, want) in cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, &text).unwrap();
        let e = reveal_pw(&dir, "srv-1", &path).unwrap_err().to_string();
        assert!(e.contains(want) && e.contains(name), "{name}: {e}");
        assert!(
            !e.contains("AGE-SECRET-KEY-1Q"),
            "a key line is never quoted: {e}"
        );
    }
    let e = reveal_pw(&dir, "srv-1", &tmp.path().join("missing"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing") && e.contains("cannot open it"), "{e}");
}

#[test]
fn generated_records_differ_and_pass_the_rules_of_their_os() {
    let mut seen = std::collections::HashSet::new();
    for (i, os) in [OsKind::Linux, OsKind::Windows, OsKind::Unknown]
        .iter()
        .cycle()
        .take(30)
        .enumerate()
    {
        let r = Record::generate(&format!("srv-{i}"), "n", "p", "r", *os);
        assert!(password::check(r.password.expose(), *os).passed());
        assert!(
            seen.insert(r.password.expose().to_owned()),
            "a password repeated"
        );
    }
}

#[test]
fn a_record_debug_never_shows_the_password() {
    let r = record("srv-1", "Hidden-Pw-0001!", Utc::now());
    let shown = format!("{r:?}");
    assert!(shown.contains("srv-1") && shown.contains("***"), "{shown}");
    assert!(!shown.contains("Hidden"), "{shown}");
}

const ED25519_PK: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN alice@rust";

#[test]
fn recipients_parse_and_compare_without_comments() {
    let a = Recipient::parse(ED25519_PK).unwrap();
    let b = Recipient::parse(&format!("  {} bob@elsewhere ", &ED25519_PK[..80])).unwrap();
    assert_eq!(a, b, "the comment is not part of the key");
    assert_eq!(a.to_string(), &ED25519_PK[..80]);
    let x = age::x25519::Identity::generate().to_public().to_string();
    assert_eq!(Recipient::parse(&x).unwrap().to_string(), x);
}

#[test]
fn a_bad_recipient_says_what_is_wrong_without_quoting_it() {
    let secret = age::x25519::Identity::generate();
    let secret = secret.to_string();
    let secret = secret.expose_secret();
    let x = age::x25519::Identity::generate().to_public().to_string();
    let cases: Vec<(String, &str)> = vec![
        (secret.to_owned(), "is an age private key"),
        (secret.to_lowercase(), "is an age private key"),
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA".to_owned(),
            "is a private key",
        ),
        (
            // Another last character (the checksum's): the same one would leave it valid.
            format!("{}{}", &x[..61], if x.ends_with('q') { 'p' } else { 'q' }),
            "not a valid age X25519 public key",
        ),
        ("age1yubikey1qwerty".to_owned(), "age plugin recipient"),
        (
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW".to_owned(),
            "not a valid ssh-ed25519 public key",
        ),
        (
            "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=".to_owned(),
            "ecdsa-sha2-nistp256 key, which age cannot encrypt to",
        ),
        ("hunter2".to_owned(), "is not an age public key"),
        (String::new(), "is empty"),
    ];
    for (text, want) in cases {
        let e = Recipient::parse(&text).unwrap_err().to_string();
        assert!(e.contains(want), "{text:?}: {e}");
        if text.len() > 12 {
            assert!(!e.contains(&text[8..]), "quoted the value: {e}");
        }
    }
}
