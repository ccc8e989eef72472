//! Where audits are kept for `--diff`, and the data directory shared with the audit trail.

use crate::audit::record::AuditRecord;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, Serialize, Deserialize)]
pub struct SavedAudit {
    pub taken_at: DateTime<Utc>,
    pub records: Vec<AuditRecord>,
}

/// `--data-dir` / `$ECSRESET_DATA_DIR` when given, else the platform data directory.
pub fn data_dir(explicit: Option<&Path>) -> io::Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    crate::config::data_dir()
        .ok_or_else(|| io::Error::other("no data directory on this platform; pass --data-dir"))
}

fn audits_dir(base: &Path) -> PathBuf {
    base.join("audits")
}

/// Writes `audits/audit-<UTC time>.json` (0600, in 0700 directories) and returns its path.
pub fn save(base: &Path, audit: &SavedAudit) -> io::Result<PathBuf> {
    crate::fsx::private_dir(base)?;
    let dir = audits_dir(base);
    crate::fsx::private_dir(&dir)?;
    let path = dir.join(format!(
        "audit-{}.json",
        audit.taken_at.format("%Y%m%dT%H%M%S%.3fZ")
    ));
    let bytes = serde_json::to_vec_pretty(audit).map_err(io::Error::other)?;
    crate::fsx::write_private(&path, &bytes)?;
    Ok(path)
}

/// The newest saved audit, if any. A file that does not parse is an error naming it.
pub fn latest(base: &Path) -> io::Result<Option<(PathBuf, SavedAudit)>> {
    let dir = audits_dir(base);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(None);
    };
    let mut names: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    let Some(path) = names.pop() else {
        return Ok(None);
    };
    let text = std::fs::read(&path)?;
    let audit = serde_json::from_slice(&text).map_err(|e| {
        io::Error::other(format!(
            "saved audit {} is not readable: {e}",
            path.display()
        ))
    })?;
    Ok(Some((path, audit)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_then_latest_round_trips_and_picks_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        assert!(latest(dir.path()).unwrap().is_none());
        let t0 = Utc::now();
        save(
            dir.path(),
            &SavedAudit {
                taken_at: t0,
                records: vec![],
            },
        )
        .unwrap();
        let t1 = t0 + chrono::Duration::seconds(1);
        save(
            dir.path(),
            &SavedAudit {
                taken_at: t1,
                records: vec![],
            },
        )
        .unwrap();
        let (path, got) = latest(dir.path()).unwrap().unwrap();
        assert_eq!(got.taken_at, t1);
        let mode = |p: &Path| {
            std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(p).unwrap().permissions())
                & 0o777
        };
        assert_eq!(mode(&path), 0o600, "saved audits are private");
        assert_eq!(mode(&audits_dir(dir.path())), 0o700);
    }
}
