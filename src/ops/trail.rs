//! The write-ahead audit trail: `trail.jsonl` in the data directory.
//!
//! Every change writes an *intent* line (operation id, action, project, servers) and fsyncs it
//! before its request leaves, then one *outcome* line per server once the answer is in. A crash
//! at any moment leaves either no intent (nothing was sent) or an intent whose missing outcomes
//! say "this may have been applied". Lines never hold a password.

use super::{Action, Outcome};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

pub fn path(base: &Path) -> PathBuf {
    base.join("trail.jsonl")
}

/// A server named in an intent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailServer {
    pub id: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Intent,
    Outcome,
}

/// One line of the trail. Old lines (before operation ids) parse with `phase` and `op` absent
/// and count as finished outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// Kept as text so that lines of older versions, with other words, still read.
    pub action: String,
    pub project_id: String,
    pub region: String,
    /// Intent lines: every server the request names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<TrailServer>,
    /// Outcome lines: the one server this outcome is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The sealed file that holds this server's new password, when escrow is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escrow: Option<String>,
    /// The CSMS secret that holds this server's new password (`[escrow] csms`), and its
    /// version; never the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csms_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csms_version: Option<String>,
}

impl Line {
    pub fn intent(
        op: &str,
        action: Action,
        project_id: &str,
        region: &str,
        servers: Vec<TrailServer>,
    ) -> Self {
        Self {
            time: Utc::now(),
            op: Some(op.to_owned()),
            phase: Some(Phase::Intent),
            action: action.word().to_owned(),
            project_id: project_id.to_owned(),
            region: region.to_owned(),
            servers,
            server_id: None,
            server_name: None,
            outcome: None,
            request_id: None,
            job_id: None,
            error: None,
            escrow: None,
            csms_secret: None,
            csms_version: None,
        }
    }

    pub fn outcome(op: &str, action: Action, project_id: &str, region: &str) -> OutcomeLine {
        OutcomeLine(Self {
            phase: Some(Phase::Outcome),
            servers: Vec::new(),
            ..Self::intent(op, action, project_id, region, Vec::new())
        })
    }
}

/// Builder for an outcome line, so call sites name only what they know.
#[derive(Debug, Clone)]
pub struct OutcomeLine(pub Line);

impl OutcomeLine {
    pub fn server(mut self, id: &str, name: &str) -> Self {
        self.0.server_id = Some(id.to_owned());
        self.0.server_name = Some(name.to_owned());
        self
    }
    pub fn is(mut self, outcome: Outcome) -> Self {
        self.0.outcome = Some(outcome.word().to_owned());
        self
    }
    pub fn request_id(mut self, id: Option<&str>) -> Self {
        self.0.request_id = id.map(str::to_owned);
        self
    }
    pub fn job_id(mut self, id: Option<&str>) -> Self {
        self.0.job_id = id.map(str::to_owned);
        self
    }
    pub fn error(mut self, e: Option<&str>) -> Self {
        self.0.error = e.map(str::to_owned);
        self
    }
    pub fn escrow(mut self, file: Option<&str>) -> Self {
        self.0.escrow = file.map(str::to_owned);
        self
    }
    pub fn csms(mut self, secret: Option<&str>, version: Option<&str>) -> Self {
        self.0.csms_secret = secret.map(str::to_owned);
        self.0.csms_version = version.map(str::to_owned);
        self
    }
}

/// A fresh operation id: time-ordered and unique enough for one operator's trail.
pub fn new_op_id() -> String {
    let r: u32 = rand::random();
    format!("op-{}-{r:08x}", Utc::now().format("%Y%m%dT%H%M%S%3fZ"))
}

/// Appends lines and fsyncs them before returning: the write-ahead guarantee rests on this.
/// The file is created private (0600) and a symlink in its place is refused, not followed.
pub fn append(base: &Path, lines: &[Line]) -> io::Result<()> {
    let mut buf = Vec::new();
    for l in lines {
        serde_json::to_writer(&mut buf, l).map_err(io::Error::other)?;
        buf.push(b'\n');
    }
    let mut file = open_append(base)?;
    file.write_all(&buf)?;
    file.sync_data()
}

fn open_append(base: &Path) -> io::Result<std::fs::File> {
    create_private_dir(base)?;
    crate::fsx::open_private_append(&path(base))
}

/// The data directory: created 0700, refused when it is a link or someone else's.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    crate::fsx::private_dir(dir)
}

/// Every line of the trail; a missing file is an empty trail. Lines that do not parse are
/// counted, not fatal: the rest of the trail is still the operator's record.
pub fn read(base: &Path) -> io::Result<(Vec<Line>, usize)> {
    let file = match std::fs::File::open(path(base)) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(e),
    };
    let mut lines = Vec::new();
    let mut bad = 0;
    for raw in io::BufReader::new(file).lines() {
        let raw = raw?;
        if raw.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Line>(&raw) {
            Ok(l) => lines.push(l),
            Err(_) => bad += 1,
        }
    }
    Ok((lines, bad))
}

/// An operation whose intent is on disk and for which some server has no outcome line.
#[derive(Debug, Clone, PartialEq)]
pub struct Unfinished {
    pub intent: Line,
    /// The servers of the intent with no outcome recorded.
    pub missing: Vec<TrailServer>,
}

/// The operations that may or may not have been applied, oldest first. Pure over the lines.
pub fn unfinished(lines: &[Line]) -> Vec<Unfinished> {
    let mut answered: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for l in lines {
        // An interruption is recorded, but it says nothing about what the cloud did.
        if l.outcome.as_deref() == Some(Outcome::Interrupted.word()) {
            continue;
        }
        if let (Some(Phase::Outcome), Some(op), Some(sid)) = (l.phase, &l.op, &l.server_id) {
            answered.entry(op).or_default().push(sid);
        }
    }
    lines
        .iter()
        .filter(|l| l.phase == Some(Phase::Intent))
        .filter_map(|l| {
            let op = l.op.as_deref()?;
            let done = answered.get(op).map(Vec::as_slice).unwrap_or_default();
            let missing: Vec<TrailServer> = l
                .servers
                .iter()
                .filter(|s| !done.contains(&s.id.as_str()))
                .cloned()
                .collect();
            (!missing.is_empty()).then(|| Unfinished {
                intent: l.clone(),
                missing,
            })
        })
        .collect()
}

/// One sentence per unfinished operation, for start-up warnings in both front ends.
pub fn describe_unfinished(u: &Unfinished) -> String {
    let local = u.intent.time.with_timezone(&chrono::Local);
    let names: Vec<String> = u
        .missing
        .iter()
        .map(|s| {
            if s.name.is_empty() {
                s.id.clone()
            } else {
                format!("{} ({})", crate::report::clean(&s.name), s.id)
            }
        })
        .collect();
    format!(
        "{} sent at {} to {} in {}, outcome unknown: check the server ({})",
        u.intent.action,
        local.format("%Y-%m-%d %H:%M"),
        names.join(", "),
        u.intent.region,
        u.intent.op.as_deref().unwrap_or("?"),
    )
}

/// The start-up report: the unfinished operations of the trail in `base`, described.
pub fn startup_warnings(base: &Path) -> Vec<String> {
    match read(base) {
        Ok((lines, _)) => unfinished(&lines).iter().map(describe_unfinished).collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(op: &str, ids: &[&str]) -> Line {
        Line::intent(
            op,
            Action::ResetPassword,
            "p1",
            "cn-north-4",
            ids.iter()
                .map(|i| TrailServer {
                    id: (*i).into(),
                    name: String::new(),
                })
                .collect(),
        )
    }

    fn outcome(op: &str, id: &str) -> Line {
        Line::outcome(op, Action::ResetPassword, "p1", "cn-north-4")
            .server(id, "")
            .is(Outcome::Accepted)
            .0
    }

    #[test]
    fn an_intent_without_every_outcome_is_unfinished() {
        let lines = vec![
            intent("a", &["s1", "s2"]),
            outcome("a", "s1"),
            intent("b", &["s3"]),
            outcome("b", "s3"),
        ];
        let u = unfinished(&lines);
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].intent.op.as_deref(), Some("a"));
        assert_eq!(u[0].missing.len(), 1);
        assert_eq!(u[0].missing[0].id, "s2");
    }

    #[test]
    fn an_outcome_of_another_op_does_not_finish_an_intent() {
        let lines = vec![intent("a", &["s1"]), outcome("b", "s1")];
        assert_eq!(unfinished(&lines).len(), 1);
    }

    #[test]
    fn old_lines_read_as_finished_outcomes() {
        let old = r#"{"time":"2026-11-20T10:00:00Z","action":"reset-password","project_id":"p","region":"r","server_id":"s","server_name":"n","outcome":"accepted","request_id":null,"error":null}"#;
        let l: Line = serde_json::from_str(old).unwrap();
        assert_eq!(l.phase, None);
        assert!(unfinished(&[l]).is_empty());
    }

    #[test]
    fn append_is_private_and_refuses_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("data");
        append(&base, &[intent("a", &["s1"])]).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path(&base)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let dmode = std::fs::metadata(&base).unwrap().permissions().mode();
            assert_eq!(dmode & 0o777, 0o700);
            let other = dir.path().join("elsewhere");
            std::fs::write(&other, b"").unwrap();
            let base2 = dir.path().join("data2");
            std::fs::create_dir(&base2).unwrap();
            std::os::unix::fs::symlink(&other, path(&base2)).unwrap();
            let e = append(&base2, &[intent("b", &["s1"])]).unwrap_err();
            assert!(e.to_string().contains("trail.jsonl"), "{e}");
            assert_eq!(std::fs::read(&other).unwrap(), b"");
        }
        let (lines, bad) = read(&base).unwrap();
        assert_eq!((lines.len(), bad), (1, 0));
    }
}
