//! The public keys a run is sealed to: age X25519 keys (`age1…`) and SSH `ssh-ed25519` /
//! `ssh-rsa` public keys, parsed by the `age` crate.
//!
//! A parse error never quotes the value: an operator who pastes a private key (an
//! `AGE-SECRET-KEY-1…` line, an OpenSSH key) into the recipients list must not see it echoed
//! into a terminal or a CI log. Only the key type word is named, and only when it is one of
//! the SSH type names listed here or the type age itself reports.

use std::fmt;
use std::str::FromStr;

use age::ssh::ParseRecipientKeyError;

/// One recipient; equal when the public keys are equal (an SSH key's comment is dropped).
#[derive(Clone)]
pub struct Recipient {
    /// `age1…` or `ssh-ed25519 AAAA…`, without comment: what `Display` shows.
    canonical: String,
    key: Key,
}

#[derive(Clone)]
enum Key {
    X25519(age::x25519::Recipient),
    Ssh(age::ssh::Recipient),
}

/// Why a string is not a recipient: a sentence that can follow "`escrow.recipients[0]` ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RecipientError(String);

/// SSH key types that age cannot encrypt to; named in the error so the fix is obvious.
const OTHER_SSH_TYPES: &[&str] = &[
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

const EXPECTED: &str = "an age public key (age1…) or an SSH public key (ssh-ed25519 AAAA… or \
                        ssh-rsa AAAA…, as in a .pub file)";

impl Recipient {
    pub fn parse(text: &str) -> Result<Self, RecipientError> {
        let text = text.trim();
        let fail = |why: String| Err(RecipientError(why));
        if text.is_empty() {
            return fail(format!("is empty; expected {EXPECTED}"));
        }
        if text.to_ascii_uppercase().starts_with("AGE-SECRET-KEY-") {
            return fail(
                "is an age private key, not a recipient: put its public key here (`age-keygen \
                 -y FILE` prints it) and keep the private key out of the config"
                    .into(),
            );
        }
        if text.contains("PRIVATE KEY") {
            return fail(
                "is a private key, not a recipient: put the public key (the .pub file) here and \
                 keep the private key out of the config"
                    .into(),
            );
        }
        if text.starts_with("age1") {
            return Self::x25519(text);
        }
        let word = text.split_whitespace().next().unwrap_or("");
        if word == "ssh-ed25519" || word == "ssh-rsa" {
            return Self::ssh(text, word);
        }
        if let Some(t) = OTHER_SSH_TYPES.iter().find(|t| **t == word) {
            return fail(format!(
                "is an {t} key, which age cannot encrypt to; use an ssh-ed25519 or ssh-rsa key, \
                 or an age1… key"
            ));
        }
        fail(format!("is not {EXPECTED}"))
    }

    fn x25519(text: &str) -> Result<Self, RecipientError> {
        match age::x25519::Recipient::from_str(text) {
            Ok(r) => Ok(Self {
                canonical: r.to_string(),
                key: Key::X25519(r),
            }),
            // Plugin recipients are `age1<plugin>1…`; the X25519 form has no second `1`
            // before its data part (bech32 separates at the last `1`, and age1 keys are 62
            // characters).
            Err(_) if text.len() != 62 && text[4..].contains('1') => Err(RecipientError(
                "looks like an age plugin recipient (age1<plugin>1…), which ecsreset cannot \
                 encrypt to; use an age1… X25519 key or an SSH key"
                    .into(),
            )),
            Err(why) => Err(RecipientError(format!(
                "is not a valid age X25519 public key ({why}); it should be the 62 characters \
                 `age-keygen` prints after \"public key:\""
            ))),
        }
    }

    fn ssh(text: &str, word: &str) -> Result<Self, RecipientError> {
        let why = match age::ssh::Recipient::from_str(text) {
            Ok(r) => {
                return Ok(Self {
                    canonical: r.to_string(),
                    key: Key::Ssh(r),
                });
            }
            Err(ParseRecipientKeyError::RsaModulusTooSmall) => {
                "is an ssh-rsa key shorter than 2048 bits, which age refuses; use a longer key or \
                 an ssh-ed25519 key"
                    .to_owned()
            }
            Err(ParseRecipientKeyError::RsaModulusTooLarge) => {
                "is an ssh-rsa key longer than age accepts (16384 bits); use a shorter key or an \
                 ssh-ed25519 key"
                    .to_owned()
            }
            Err(ParseRecipientKeyError::Unsupported(t)) => format!(
                "is an SSH key of type {}, which age cannot encrypt to",
                printable(&t)
            ),
            Err(_) => format!(
                "is not a valid {word} public key (the base64 part is damaged or belongs to \
                 another key type); copy the whole line of the .pub file"
            ),
        };
        Err(RecipientError(why))
    }

    /// The key for the `age` encryptor.
    pub fn as_age(&self) -> &dyn age::Recipient {
        match &self.key {
            Key::X25519(r) => r,
            Key::Ssh(r) => r,
        }
    }

    /// `age X25519`, `ssh-ed25519` or `ssh-rsa`.
    pub fn kind(&self) -> &'static str {
        match &self.key {
            Key::X25519(_) => "age X25519",
            Key::Ssh(age::ssh::Recipient::SshEd25519(..)) => "ssh-ed25519",
            Key::Ssh(age::ssh::Recipient::SshRsa(..)) => "ssh-rsa",
        }
    }
}

/// A type name from a key blob, reduced to characters that cannot move the cursor.
fn printable(s: &str) -> String {
    s.chars().filter(char::is_ascii_graphic).take(40).collect()
}

impl FromStr for Recipient {
    type Err = RecipientError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl PartialEq for Recipient {
    fn eq(&self, other: &Self) -> bool {
        self.canonical == other.canonical
    }
}

impl Eq for Recipient {}

/// Public keys are not secret: `Debug` shows the key like `Display`.
impl fmt::Debug for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Recipient({})", self.canonical)
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical)
    }
}
