//! The private key that opens sealed files: an age identity file (`AGE-SECRET-KEY-1…` lines,
//! as `age-keygen` writes them) or an OpenSSH private key (ed25519 or rsa). A
//! passphrase-protected SSH key is unlocked once, with a passphrase from the caller.
//!
//! The file is read into a buffer zeroized on drop; errors name the file and the line, never
//! a line's content.

use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use super::EscrowError;
use crate::secret::Secret;

/// Identity files are a few lines; anything bigger is not one.
const MAX_LEN: u64 = 1 << 20;

pub(super) type Identities = Vec<Box<dyn age::Identity>>;

/// Asks for the passphrase of an encrypted SSH key; `None` = the user gave none.
pub type Passphrase<'a> = &'a dyn Fn(&str) -> Option<Secret>;

pub(super) fn load(file: &Path, passphrase: Passphrase<'_>) -> Result<Identities, EscrowError> {
    let fail = |why: String| EscrowError::Identity {
        file: file.to_owned(),
        why,
    };
    let bytes = read(file).map_err(fail)?;
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Err(fail(
            "is not text; expected an age identity file or an SSH private key".into(),
        ));
    };
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    if first.starts_with("-----BEGIN") {
        return ssh(text, file, passphrase).map_err(fail);
    }
    if first.starts_with("AGE-SECRET-KEY-") {
        return age_lines(text).map_err(fail);
    }
    if first.starts_with("age1") || first.starts_with("ssh-") {
        return Err(fail(
            "is a public key; pass the private key (for SSH the file without .pub, for age the \
             file age-keygen wrote)"
                .into(),
        ));
    }
    Err(fail(
        "is neither an age identity file (AGE-SECRET-KEY-1… lines) nor an SSH private key \
         (-----BEGIN OPENSSH PRIVATE KEY-----)"
            .into(),
    ))
}

fn read(file: &Path) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut f = std::fs::File::open(file).map_err(|e| format!("cannot open it: {e}"))?;
    let meta = f.metadata().map_err(|e| format!("cannot read it: {e}"))?;
    if !meta.is_file() {
        return Err("is not a regular file".into());
    }
    if meta.len() > MAX_LEN {
        return Err("is too large to be a key".into());
    }
    // Sized up front: a growing buffer would leave parts of the key behind.
    let len = usize::try_from(meta.len()).unwrap_or(0);
    let mut buf = Zeroizing::new(vec![0u8; len]);
    let mut filled = 0;
    while filled < len {
        match f.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("cannot read it: {e}")),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

fn age_lines(text: &str) -> Result<Identities, String> {
    let mut out: Identities = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let id = age::x25519::Identity::from_str(line).map_err(|_| {
            format!(
                "line {} is not an age secret key (AGE-SECRET-KEY-1…); the file must hold only \
                 such lines and # comments",
                i + 1
            )
        })?;
        out.push(Box::new(id));
    }
    Ok(out)
}

fn ssh(text: &str, file: &Path, passphrase: Passphrase<'_>) -> Result<Identities, String> {
    use age::ssh::{Identity, UnsupportedKey};
    let name = file.display().to_string();
    let id = Identity::from_buffer(text.as_bytes(), Some(name.clone())).map_err(|_| {
        "is not an SSH private key that age can read (ed25519 or rsa, OpenSSH or PEM format)"
            .to_owned()
    })?;
    let key = match id {
        Identity::Unencrypted(k) => k,
        Identity::Encrypted(enc) => {
            let Some(p) = passphrase(&format!("Passphrase for {name}: ")) else {
                return Err(
                    "is protected by a passphrase and none was given (reveal asks for it on the \
                     terminal)"
                        .into(),
                );
            };
            enc.decrypt(SecretString::from(p.expose().to_owned()))
                .map_err(|_| "could not be unlocked: wrong passphrase".to_owned())?
        }
        Identity::Unsupported(u) => {
            return Err(match u {
                UnsupportedKey::EncryptedPem => {
                    "is an encrypted PEM key, which age cannot read; convert it with \
                     `ssh-keygen -p -f FILE` (OpenSSH format)"
                        .to_owned()
                }
                UnsupportedKey::EncryptedSsh(cipher) => format!(
                    "is encrypted with a cipher age cannot read ({}); re-encrypt it with \
                     `ssh-keygen -p -f FILE`",
                    printable(&cipher)
                ),
                UnsupportedKey::Hardware(t) | UnsupportedKey::Type(t) => format!(
                    "is an SSH key of type {}; only ssh-ed25519 and ssh-rsa keys can open \
                     sealed files",
                    printable(&t)
                ),
            });
        }
    };
    Ok(vec![Box::new(Identity::Unencrypted(key))])
}

fn printable(s: &str) -> String {
    s.chars().filter(char::is_ascii_graphic).take(40).collect()
}
