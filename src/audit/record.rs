//! Audit results as rows: what `--format json|csv|table` prints and `--save` keeps.

use super::AuditEvent;
use crate::cloud::ProjectRef;
use crate::cloud::wire::ServerDetail;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One server's flag. `reset_supported` is `None` when it could not be determined, and then
/// `error` says why (with the API error code); a flag is never guessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub project_id: String,
    pub region: String,
    pub server_id: String,
    pub name: String,
    pub status: String,
    pub os_type: Option<String>,
    pub reset_supported: Option<bool>,
    pub error: Option<String>,
}

/// Folds [`AuditEvent`]s into records, in a stable order (project, then server name and id).
#[derive(Debug, Default)]
pub struct Collector {
    records: BTreeMap<(ProjectRef, String), AuditRecord>,
    pub failed_projects: Vec<(ProjectRef, String)>,
}

impl Collector {
    pub fn apply(&mut self, event: AuditEvent) {
        match event {
            AuditEvent::Listed { project, servers } => {
                for s in &servers {
                    self.records
                        .insert((project.clone(), s.id.clone()), pending(&project, s));
                }
            }
            AuditEvent::ListFailed { project, error } => {
                self.failed_projects
                    .push((project, format!("{}: {error}", error.code())));
            }
            AuditEvent::Flag {
                project,
                server_id,
                outcome,
                ..
            } => {
                if let Some(r) = self.records.get_mut(&(project, server_id)) {
                    match outcome {
                        Ok(flag) => (r.reset_supported, r.error) = (Some(flag), None),
                        Err(e) => {
                            (r.reset_supported, r.error) =
                                (None, Some(format!("{}: {e}", e.code())))
                        }
                    }
                }
            }
        }
    }

    pub fn into_records(self) -> (Vec<AuditRecord>, Vec<(ProjectRef, String)>) {
        let mut records: Vec<AuditRecord> = self.records.into_values().collect();
        records.sort_by(|a, b| {
            (&a.region, &a.project_id, &a.name, &a.server_id).cmp(&(
                &b.region,
                &b.project_id,
                &b.name,
                &b.server_id,
            ))
        });
        (records, self.failed_projects)
    }
}

/// What a listed server's record says until its flag arrives.
pub(crate) const NOT_CHECKED: &str = "not checked";

pub(crate) fn pending(project: &ProjectRef, s: &ServerDetail) -> AuditRecord {
    AuditRecord {
        project_id: project.id.clone(),
        region: project.region.clone(),
        server_id: s.id.clone(),
        name: s.name.clone().unwrap_or_default(),
        status: s.status.clone().unwrap_or_default(),
        os_type: s.os_type().map(str::to_owned),
        reset_supported: None,
        error: Some(NOT_CHECKED.into()),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub supported: usize,
    pub unsupported: usize,
    pub unknown: usize,
}

impl Counts {
    pub fn add(&mut self, flag: Option<bool>) {
        match flag {
            Some(true) => self.supported += 1,
            Some(false) => self.unsupported += 1,
            None => self.unknown += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.supported + self.unsupported + self.unknown
    }
}

/// Per-project counts, keyed by (region, project id).
pub type PerProject = BTreeMap<(String, String), Counts>;

/// Per-project counts plus the grand total.
pub fn summarize(records: &[AuditRecord]) -> (PerProject, Counts) {
    let mut per = BTreeMap::new();
    let mut total = Counts::default();
    for r in records {
        tally(&mut per, &mut total, r);
    }
    (per, total)
}

/// Counts one record into [`summarize`]'s figures, for records that are not kept.
pub fn tally(per: &mut PerProject, total: &mut Counts, r: &AuditRecord) {
    if let Some(c) = per.get_mut(&(r.region.clone(), r.project_id.clone())) {
        c.add(r.reset_supported);
    } else {
        let mut c = Counts::default();
        c.add(r.reset_supported);
        per.insert((r.region.clone(), r.project_id.clone()), c);
    }
    total.add(r.reset_supported);
}

/// What a record needs of a listed server; the rest of it (addresses, flavor, metadata
/// other than the OS) is dropped as each page arrives.
pub fn for_record(d: ServerDetail) -> ServerDetail {
    let os = d.os_type().map(str::to_owned);
    ServerDetail {
        id: d.id,
        name: d.name,
        status: d.status,
        metadata: os.map(|os| BTreeMap::from([("os_type".to_owned(), os)])),
        ..Default::default()
    }
}

/// Exit status of `ecsreset audit`: 0 all determined, 2 some unknown (or a project could not
/// be listed), 3 unsupported servers found with `--fail-on-unsupported` (wins over 2).
pub fn exit_code(total: &Counts, failed_projects: usize, fail_on_unsupported: bool) -> i32 {
    if fail_on_unsupported && total.unsupported > 0 {
        3
    } else if total.unknown > 0 || failed_projects > 0 {
        2
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::CloudError;

    fn server(id: &str, name: &str) -> ServerDetail {
        ServerDetail {
            id: id.into(),
            name: Some(name.into()),
            status: Some("ACTIVE".into()),
            ..Default::default()
        }
    }

    #[test]
    fn events_fold_into_sorted_records_and_errors_stay_unknown() {
        let p = ProjectRef {
            id: "p1".into(),
            region: "cn-north-4".into(),
        };
        let mut c = Collector::default();
        c.apply(AuditEvent::Listed {
            project: p.clone(),
            servers: vec![server("b", "web"), server("a", "db")],
        });
        let at = chrono::Utc::now();
        c.apply(AuditEvent::Flag {
            project: p.clone(),
            server_id: "b".into(),
            outcome: Ok(true),
            at,
        });
        let err = CloudError::Transport {
            message: "no answer before the timeout".into(),
            timeout: true,
        };
        c.apply(AuditEvent::Flag {
            project: p.clone(),
            server_id: "a".into(),
            outcome: Err(err),
            at,
        });
        let (records, failed) = c.into_records();
        assert!(failed.is_empty());
        assert_eq!(records[0].name, "db");
        assert_eq!(records[0].reset_supported, None);
        assert_eq!(
            records[0].error.as_deref(),
            Some("timeout: no answer before the timeout")
        );
        assert_eq!(records[1].reset_supported, Some(true));
        let (per, total) = summarize(&records);
        assert_eq!(per.len(), 1);
        assert_eq!((total.supported, total.unknown), (1, 1));
    }

    #[test]
    fn exit_codes() {
        let c = |s, u, k| Counts {
            supported: s,
            unsupported: u,
            unknown: k,
        };
        assert_eq!(exit_code(&c(3, 1, 0), 0, false), 0);
        assert_eq!(exit_code(&c(3, 1, 1), 0, false), 2);
        assert_eq!(exit_code(&c(3, 0, 0), 1, false), 2);
        assert_eq!(exit_code(&c(3, 1, 1), 0, true), 3);
        assert_eq!(exit_code(&c(3, 0, 1), 0, true), 2);
    }
}
