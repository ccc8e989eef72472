//! Keys from KooCLI (`hcloud`): `koocli = "NAME"` in a `[profiles.*]` table takes that KooCLI
//! profile's AK/SK (and token) from `~/.hcloud/config.json`, or `koocli_file`.
//!
//! The file holds secret keys, so the rules of our own config apply to it: a regular file,
//! not readable or writable by group or others. KooCLI can store the keys encrypted
//! (`"authEncrypt": "true"`); only KooCLI can decrypt them, so such a file is refused with
//! the way out. No message here quotes a key.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use zeroize::Zeroize;

use super::Credentials;
use super::error::ConfigError;
use crate::secret::Secret;

/// Where KooCLI keeps its profiles, under the home directory.
pub const DEFAULT_FILE: &str = ".hcloud/config.json";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    #[serde(default)]
    profiles: Vec<KooProfile>,
    #[serde(default)]
    auth_encrypt: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KooProfile {
    name: String,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    access_key_id: Option<String>,
    #[serde(default)]
    secret_access_key: Option<Secret>,
    #[serde(default)]
    security_token: Option<Secret>,
    #[serde(default)]
    auth_encrypt: Option<serde_json::Value>,
}

fn is_true(v: Option<&serde_json::Value>) -> bool {
    match v {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The default KooCLI file of this user.
pub fn default_file() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.home_dir().join(DEFAULT_FILE))
}

/// The keys of KooCLI profile `name` in `path`; `key` names our config key for messages.
pub(super) fn credentials(path: &Path, name: &str, key: &str) -> Result<Credentials, ConfigError> {
    let fail = |message: String| ConfigError::Koocli {
        file: path.to_owned(),
        message,
    };
    if !path.exists() {
        return Err(fail(format!(
            "not found ({key}); KooCLI writes it when a profile is configured, or point \
             koocli_file at it"
        )));
    }
    let Some((mut text, meta)) = super::source::read(path, Some("a koocli key"))? else {
        return Err(fail("not found".into()));
    };
    super::source::check_private(path, &meta)?;
    let parsed = serde_json::from_str::<File>(&text);
    text.zeroize();
    let file = parsed.map_err(|e| {
        fail(format!(
            "is not a KooCLI config (line {}, column {}: {}); {key} needs the file `hcloud \
             configure` writes",
            e.line(),
            e.column(),
            format!("{:?} error", e.classify()).to_lowercase()
        ))
    })?;
    let known: Vec<&str> = file.profiles.iter().map(|p| p.name.as_str()).collect();
    let Some(p) = file.profiles.iter().find(|p| p.name == name) else {
        return Err(fail(format!(
            "has no profile named {name:?} ({key}); it has: {}",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )));
    };
    if is_true(file.auth_encrypt.as_ref()) || is_true(p.auth_encrypt.as_ref()) {
        return Err(fail(format!(
            "stores the keys encrypted (\"authEncrypt\": \"true\"), which only KooCLI can \
             read; store profile {name:?} unencrypted with: hcloud configure set \
             --cli-profile={name} --cli-auth-encrypt=false (then chmod 600 the file), or put \
             the keys in a [{}.credentials] table instead",
            key.trim_end_matches(".koocli")
        )));
    }
    if let Some(mode) = p
        .mode
        .as_deref()
        .filter(|m| !m.eq_ignore_ascii_case("AKSK"))
    {
        return Err(fail(format!(
            "profile {name:?} has mode {mode:?}; ecsreset signs with an access key: use a \
             KooCLI profile of mode AKSK"
        )));
    }
    let (Some(ak), Some(sk)) = (
        p.access_key_id.clone().filter(|v| !v.is_empty()),
        p.secret_access_key.clone().filter(|v| !v.is_empty()),
    ) else {
        return Err(fail(format!(
            "profile {name:?} lacks accessKeyId or secretAccessKey"
        )));
    };
    if !ak.chars().all(|c| c.is_ascii_graphic())
        || !sk.expose().chars().all(|c| c.is_ascii_graphic())
    {
        return Err(fail(format!(
            "profile {name:?}: a key holds spaces, control or non-ASCII characters (not shown)"
        )));
    }
    Ok(Credentials {
        access_key: ak,
        secret_key: sk,
        security_token: p.security_token.clone().filter(|t| !t.is_empty()),
        project_id: None,
    })
}
