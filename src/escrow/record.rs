//! One sealed password and the JSON line it becomes inside the encryption (never outside).
//!
//! Plaintext lives only in buffers that are zeroized on drop and sized up front, so that no
//! reallocation leaves a copy behind in the allocator.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::password::{self, OsKind};
use crate::secret::Secret;

/// The format of the lines; a newer ecsreset may add fields, never change these.
const VERSION: u32 = 1;

/// A server's new password and where it belongs. `Debug` shows the password as `***`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub server_id: String,
    pub name: String,
    pub project_id: String,
    pub region: String,
    /// When the password was generated (just before it was sealed).
    pub time: DateTime<Utc>,
    pub password: Secret,
}

impl Record {
    /// A record with a fresh password that satisfies the rules of `os`.
    pub fn generate(
        server_id: &str,
        name: &str,
        project_id: &str,
        region: &str,
        os: OsKind,
    ) -> Self {
        let mut rng = rand::rng();
        let password = loop {
            // The generator satisfies every OS already; the check keeps that promise explicit
            // per server, so a change of rules cannot seal a password the API would refuse.
            let p = password::generate(&mut rng);
            if password::check(p.expose(), os).passed() {
                break p;
            }
        };
        Self {
            server_id: server_id.to_owned(),
            name: name.to_owned(),
            project_id: project_id.to_owned(),
            region: region.to_owned(),
            time: Utc::now(),
            password,
        }
    }

    /// What must hold before a record may be sealed.
    pub(super) fn problem(&self) -> Option<&'static str> {
        if self.server_id.trim().is_empty() {
            Some("an empty server id")
        } else if self.password.is_empty() {
            Some("an empty password")
        } else {
            None
        }
    }
}

#[derive(Serialize)]
struct LineOut<'a> {
    v: u32,
    server_id: &'a str,
    name: &'a str,
    project_id: &'a str,
    region: &'a str,
    time: DateTime<Utc>,
    password: &'a str,
}

#[derive(Deserialize)]
struct LineIn {
    v: u32,
    server_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    project_id: String,
    #[serde(default)]
    region: String,
    time: DateTime<Utc>,
    password: Secret,
}

impl<'a> LineOut<'a> {
    fn of(r: &'a Record) -> Self {
        Self {
            v: VERSION,
            server_id: &r.server_id,
            name: &r.name,
            project_id: &r.project_id,
            region: &r.region,
            time: r.time,
            password: r.password.expose(),
        }
    }
}

/// Counts bytes, so the plaintext buffer can be allocated once at its final size.
struct Count(usize);

impl std::io::Write for Count {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The records as JSON lines, in a buffer zeroized on drop that never reallocated.
pub(super) fn encode(records: &[Record]) -> Zeroizing<Vec<u8>> {
    let mut count = Count(0);
    for r in records {
        serde_json::to_writer(&mut count, &LineOut::of(r)).expect("a record always serializes");
        count.0 += 1;
    }
    let mut buf = Zeroizing::new(Vec::with_capacity(count.0));
    for r in records {
        serde_json::to_writer(&mut *buf, &LineOut::of(r)).expect("a record always serializes");
        buf.push(b'\n');
    }
    debug_assert_eq!(buf.capacity(), count.0, "the plaintext buffer grew");
    buf
}

/// The records of one decrypted file, or the first line that is not one (1-based) and why.
/// The reason never quotes the line: it holds a password.
pub(super) fn decode(plain: &[u8]) -> Result<Vec<Record>, (usize, String)> {
    let mut out = Vec::new();
    for (i, line) in plain.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let line_no = i + 1;
        let r: LineIn = serde_json::from_slice(line).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Data => "a field is missing or has the wrong type",
                serde_json::error::Category::Eof => "it is cut short",
                _ => "it is not JSON",
            };
            (line_no, format!("{what} (column {})", e.column()))
        })?;
        if r.v != VERSION {
            return Err((
                line_no,
                format!(
                    "format version {} is not one this ecsreset reads ({VERSION}); use a newer ecsreset",
                    r.v
                ),
            ));
        }
        out.push(Record {
            server_id: r.server_id,
            name: r.name,
            project_id: r.project_id,
            region: r.region,
            time: r.time,
            password: r.password,
        });
    }
    Ok(out)
}

/// A fresh password per server, each by that server's OS rules: the records one reset
/// seals, whichever front end it started in.
pub fn generate_for(servers: &[crate::ops::plan::Located]) -> Vec<Record> {
    servers
        .iter()
        .map(|l| {
            let p = &l.project.project;
            let os = OsKind::from_metadata(l.server.os_type());
            Record::generate(l.id(), l.name(), &p.id, &p.region, os)
        })
        .collect()
}
