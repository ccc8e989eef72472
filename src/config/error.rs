//! Config errors: one sentence naming the file, line (and column) and key, plus the fix.
//!
//! Messages never carry a secret: toml's own `Display` (which quotes the offending source
//! line) is never used, and type errors under `[credentials]` drop the value they found.

use std::fmt::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("config file {} not found (named by {named_by}); check the path or create it from config.example.toml", file.display())]
    NotFound {
        file: PathBuf,
        /// `--config` or `ECSRESET_CONFIG`.
        named_by: &'static str,
    },

    /// The I/O error is part of the message (and deliberately not a `source()`, so that
    /// error reporters do not print it twice).
    #[error("config file {}: cannot read it: {error}", file.display())]
    Io {
        file: PathBuf,
        error: std::io::Error,
    },

    /// Syntax, unknown key, wrong type, missing key, out-of-range value, bad key binding.
    #[error("config file {}: {}{message}", file.display(), at_prefix(*at))]
    Invalid {
        file: PathBuf,
        at: Option<Location>,
        /// Dotted path of the key, e.g. `tuning.concurrency`, `projects[1].region`.
        key: Option<String>,
        message: String,
    },

    #[error("config file {0} is {access} by group or others (mode {mode:04o}) and holds a secret key; run: chmod 600 {0}", file.display())]
    Permissions {
        file: PathBuf,
        mode: u32,
        /// "readable" or "writable".
        access: &'static str,
    },

    /// Whoever can write the file can point the endpoints (and the signed requests) elsewhere.
    #[error("config file {0} is writable by group or others (mode {mode:04o}); whoever can write it can send the signed requests elsewhere; run: chmod go-w {0}", file.display())]
    Writable { file: PathBuf, mode: u32 },

    /// Only one of access key and secret key was found, or a token without either.
    #[error("{message}")]
    IncompleteCredentials { message: String },

    /// The environment replaced only part of the file's credentials.
    #[error("{message}")]
    MixedCredentials { message: String },

    #[error("environment variable {var} {problem}")]
    Env { var: &'static str, problem: String },

    #[error(
        "no profile named {name:?} in the config (from --profile or ECSRESET_PROFILE); known: {known}"
    )]
    UnknownProfile { name: String, known: String },

    /// A KooCLI config (`~/.hcloud/config.json`) that cannot give the keys.
    #[error("KooCLI config {}: {message}", file.display())]
    Koocli { file: PathBuf, message: String },

    #[error("no Huawei Cloud credentials: set {ak} and {sk} in the environment, or add access_key and secret_key to the [credentials] table of {} (then chmod 600 it)", file_hint(file.as_deref()), ak = super::ENV_AK, sk = super::ENV_SK)]
    MissingCredentials { file: Option<PathBuf> },
}

fn at_prefix(at: Option<Location>) -> String {
    at.map(|l| format!("{l}: ")).unwrap_or_default()
}

pub(super) fn file_hint(file: Option<&Path>) -> String {
    match file {
        Some(f) => f.display().to_string(),
        None => "your config file (see --config)".to_owned(),
    }
}

/// A 1-based position in the config file. Column counts characters; `None` when the whole
/// line is meant (missing keys, out-of-range values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: Option<usize>,
}

impl Location {
    pub fn at(text: &str, offset: usize) -> Self {
        let offset = offset.min(text.len());
        let before = text.get(..offset).unwrap_or(text);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Self {
            line: before.matches('\n').count() + 1,
            column: Some(before[line_start..].chars().count() + 1),
        }
    }

    pub fn line_of(text: &str, offset: usize) -> Self {
        Self {
            column: None,
            ..Self::at(text, offset)
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(c) => write!(f, "line {}, column {c}", self.line),
            None => write!(f, "line {}", self.line),
        }
    }
}

/// Values under `[credentials]` may be secrets (or a secret typed in the wrong place): a type
/// error there never echoes what it found.
fn is_credentials(key: &str) -> bool {
    key == "credentials"
        || key.starts_with("credentials.")
        || key.split('.').nth(2) == Some("credentials")
}

/// Turns a toml parse or deserialize error into a [`ConfigError::Invalid`].
pub(super) fn from_toml(file: &Path, text: &str, err: &toml::de::Error) -> ConfigError {
    let span = err.span();
    let path = span
        .as_ref()
        .map(|s| path_at(text, s.start))
        .unwrap_or_default();
    let mut key = (!path.is_empty()).then(|| render(&path));
    let mut at = span.as_ref().map(|s| Location::at(text, s.start));
    let msg = err.message();
    let message = if let Some(rest) = msg.strip_prefix("unknown field `") {
        unknown_key(rest, &path)
    } else if let Some(rest) = msg.strip_prefix("missing field `") {
        let (full, message) = missing_key(rest, &path);
        key = Some(full);
        at = at.map(|l| Location { column: None, ..l });
        message
    } else if let Some((got, expected)) = type_mismatch(msg) {
        let shown = key.as_deref().unwrap_or("the document");
        if key.as_deref().is_some_and(is_credentials) {
            format!("{shown}: expected {expected}")
        } else {
            format!("{shown}: expected {expected}, got {got}")
        }
    } else if msg == "duplicate key" {
        // The span is the repeated key itself, never a value.
        let name = span.and_then(|s| text.get(s)).unwrap_or("");
        format!("duplicate key \"{}\"", name.trim())
    } else {
        format!("TOML syntax error: {msg}")
    };
    ConfigError::Invalid {
        file: file.to_owned(),
        at,
        key,
        message,
    }
}

/// From serde's "unknown field `x`, expected one of `a`, `b`" (after the first backtick).
fn unknown_key(rest: &str, path: &[Seg]) -> String {
    let (name, tail) = rest.split_once('`').unwrap_or((rest, ""));
    let parent = match path.last() {
        Some(Seg::Key(last)) if last == name => &path[..path.len() - 1],
        _ => path,
    };
    let expected = backticked(tail).join(", ");
    format!(
        "unknown key \"{name}\" {} (expected one of: {expected})",
        describe_table(parent)
    )
}

/// From serde's "missing field `x`" (after the first backtick), where `path` is the table:
/// the full key and the message.
fn missing_key(rest: &str, path: &[Seg]) -> (String, String) {
    let name = rest.split('`').next().unwrap_or(rest);
    let full = if path.is_empty() {
        name.to_owned()
    } else {
        format!("{}.{name}", render(path))
    };
    let message = format!("{full}: missing required key \"{name}\"");
    (full, message)
}

/// "invalid type: string \"x\", expected u32" -> ("string \"x\"", "an integer").
fn type_mismatch(msg: &str) -> Option<(String, String)> {
    let rest = msg
        .strip_prefix("invalid type: ")
        .or_else(|| msg.strip_prefix("invalid value: "))?;
    let (got, expected) = rest.rsplit_once(", expected ")?;
    let expected = match expected {
        e if e.starts_with("struct ") || e == "a map" => "a table",
        "a sequence" => "an array",
        "i64" | "u64" | "i32" | "u32" | "usize" => "an integer",
        "f64" | "f32" => "a number",
        "a boolean" => "true or false",
        e => e,
    };
    Some((got.replace('`', ""), expected.to_owned()))
}

/// The names between backticks: ``expected one of `a`, `b` `` gives `["a", "b"]`.
fn backticked(s: &str) -> Vec<&str> {
    s.split('`').skip(1).step_by(2).collect()
}

/// A step in a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
}

/// `tuning.concurrency`, `projects[1].region`, `keys."ctrl-r"`.
pub(super) fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    out.push_str(k);
                } else {
                    let _ = write!(out, "{k:?}");
                }
            }
            Seg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

fn describe_table(path: &[Seg]) -> String {
    match path.last() {
        None => "at the top level".to_owned(),
        Some(Seg::Index(_)) => format!("in {}", render(path)),
        Some(Seg::Key(_)) => format!("in [{}]", render(path)),
    }
}

/// The key path of the smallest key or value whose span holds `offset`.
pub(super) fn path_at(text: &str, offset: usize) -> Vec<Seg> {
    let (root, _errors) = DeTable::parse_recoverable(text);
    let mut best = None;
    walk_table(root.get_ref(), offset, &mut Vec::new(), &mut best);
    best.map(|(_, path)| path).unwrap_or_default()
}

type Best = Option<(usize, Vec<Seg>)>;

fn consider(span: Range<usize>, offset: usize, path: &[Seg], best: &mut Best) {
    let holds =
        span.start <= offset && (offset < span.end || span.is_empty() && offset == span.start);
    if !holds {
        return;
    }
    let len = span.len();
    let better = match best {
        None => true,
        Some((l, p)) => len < *l || (len == *l && path.len() > p.len()),
    };
    if better {
        *best = Some((len, path.to_vec()));
    }
}

fn walk_table(table: &DeTable<'_>, offset: usize, path: &mut Vec<Seg>, best: &mut Best) {
    for (k, v) in table {
        path.push(Seg::Key(k.get_ref().to_string()));
        consider(k.span(), offset, path, best);
        consider(v.span(), offset, path, best);
        walk_value(v.get_ref(), offset, path, best);
        path.pop();
    }
}

fn walk_value(value: &DeValue<'_>, offset: usize, path: &mut Vec<Seg>, best: &mut Best) {
    match value {
        DeValue::Table(t) => walk_table(t, offset, path, best),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                consider(item.span(), offset, path, best);
                walk_value(item.get_ref(), offset, path, best);
                path.pop();
            }
        }
        _ => {}
    }
}
