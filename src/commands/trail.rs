//! The local audit trail: one JSON line per reset or reboot attempt, successful or not.
//! It holds who/what/when and the request id, never a password.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize)]
pub struct TrailEntry<'a> {
    pub time: DateTime<Utc>,
    pub action: &'a str,
    pub project_id: &'a str,
    pub region: &'a str,
    pub server_id: &'a str,
    pub server_name: &'a str,
    pub outcome: &'a str,
    pub request_id: Option<&'a str>,
    pub error: Option<&'a str>,
}

pub fn path(base: &Path) -> PathBuf {
    base.join("trail.jsonl")
}

/// Appends entries; the file is created private (0600) because it maps servers to actions.
pub fn append(base: &Path, entries: &[TrailEntry<'_>]) -> io::Result<()> {
    crate::fsx::private_dir(base)?;
    let mut file = crate::fsx::open_private_append(&path(base))?;
    let mut buf = Vec::new();
    for e in entries {
        serde_json::to_writer(&mut buf, e).map_err(io::Error::other)?;
        buf.push(b'\n');
    }
    file.write_all(&buf)
}
