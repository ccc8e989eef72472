use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::super::{Config, ConfigError, LoadOptions, source};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/config")
        .join(name)
}

/// An injected environment holding exactly these variables.
pub fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let vars: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| vars.get(name).cloned()
}

pub fn no_env(_: &str) -> Option<String> {
    None
}

pub fn load_path(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let opts = LoadOptions {
        path: Some(path.to_owned()),
        env,
    };
    source::load_with_default(&opts, None)
}

/// A config file in a fresh temp dir, private to its owner (mode 0600 on unix).
pub struct TempConfig {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl TempConfig {
    pub fn new(text: &str) -> Self {
        Self::with_mode(text, 0o600)
    }

    #[cfg_attr(not(unix), allow(unused_variables))]
    pub fn with_mode(text: &str, mode: u32) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).expect("write config");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        Self { dir, path }
    }

    pub fn load(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        load_path(&self.path, env)
    }

    /// The error message with the file's path replaced by `FILE`.
    pub fn error(&self, env: &dyn Fn(&str) -> Option<String>) -> String {
        redact_path(&self.load(env).expect_err("expected an error"), &self.path)
    }
}

pub fn redact_path(err: &ConfigError, path: &Path) -> String {
    err.to_string().replace(&path.display().to_string(), "FILE")
}

/// Loads text from a private temp file and returns the error message, path as `FILE`.
pub fn error_of(text: &str) -> String {
    TempConfig::new(text).error(&no_env)
}

/// Loads text from a private temp file; panics with the message on error.
pub fn config_of(text: &str) -> Config {
    TempConfig::new(text)
        .load(&no_env)
        .unwrap_or_else(|e| panic!("{e}"))
}
