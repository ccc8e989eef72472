//! Audit results as rows: what `--format json|csv|table` prints and `--save` keeps.

use super::AuditEvent;
use crate::cloud::CloudError;
use crate::cloud::ProjectRef;
use crate::cloud::capability::{Capability, FlagError, is_not_offered};
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
    /// `ECS` or `BMS`; audits saved before bare-metal support hold ECS servers only.
    #[serde(default)]
    pub kind: crate::cloud::ServerKind,
    pub name: String,
    pub status: String,
    pub os_type: Option<String>,
    pub reset_supported: Option<bool>,
    pub error: Option<String>,
    /// The project's endpoint does not offer the flag API (`404 APIGW.0101`): counted apart
    /// from unknowns, since checking again will not change it. Absent in older saved audits.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_offered: bool,
    /// The `[profiles.NAME]` (account) of the project; absent for the top-level profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

impl AuditRecord {
    /// The record of a flag read: supported or not, not offered here, or unknown with why.
    pub fn set_outcome(&mut self, outcome: &Result<bool, CloudError>) {
        (self.reset_supported, self.error, self.not_offered) = outcome_fields(outcome);
    }

    /// `supported`, `unsupported`, `not offered` or `unknown`.
    pub fn flag_word(&self) -> &'static str {
        if self.not_offered {
            "not offered"
        } else {
            crate::report::flag_word(self.reset_supported)
        }
    }
}

/// `reset_supported`, `error` and `not_offered` of a record for a flag read.
pub fn outcome_fields(outcome: &Result<bool, CloudError>) -> (Option<bool>, Option<String>, bool) {
    match outcome {
        Ok(flag) => (Some(*flag), None, false),
        Err(e) if is_not_offered(e) => (
            None,
            Some(FlagError::NotOffered(Capability::ResetFlag).to_string()),
            true,
        ),
        Err(e) => (None, Some(format!("{}: {e}", e.code())), false),
    }
}

/// The error of a listed server whose flag never arrived.
pub const NOT_CHECKED: &str = "not checked";

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
                self.failed_projects.push((project, list_failure(&error)));
            }
            AuditEvent::BareMetalFailed { project, error } => {
                self.failed_projects
                    .push((project, bare_metal_failure(&error)));
            }
            AuditEvent::Flag {
                project,
                server_id,
                outcome,
                ..
            } => {
                if let Some(r) = self.records.get_mut(&(project, server_id)) {
                    r.set_outcome(&outcome);
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

fn pending(project: &ProjectRef, s: &ServerDetail) -> AuditRecord {
    AuditRecord {
        project_id: project.id.clone(),
        region: project.region.clone(),
        server_id: s.id.clone(),
        kind: s.kind,
        name: s.name.clone().unwrap_or_default(),
        status: s.status.clone().unwrap_or_default(),
        os_type: s.os_type().map(str::to_owned),
        reset_supported: None,
        error: Some(NOT_CHECKED.into()),
        not_offered: false,
        profile: None,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub supported: usize,
    pub unsupported: usize,
    pub unknown: usize,
    /// Servers in projects whose endpoint does not offer the flag API.
    pub not_offered: usize,
}

impl Counts {
    /// Counts one record: not offered apart, else by its flag.
    pub fn add_record(&mut self, r: &AuditRecord) {
        if r.not_offered {
            self.not_offered += 1;
        } else {
            self.add(r.reset_supported);
        }
    }

    pub fn add(&mut self, flag: Option<bool>) {
        match flag {
            Some(true) => self.supported += 1,
            Some(false) => self.unsupported += 1,
            None => self.unknown += 1,
        }
    }

    pub fn merge(&mut self, other: &Counts) {
        self.supported += other.supported;
        self.unsupported += other.unsupported;
        self.unknown += other.unknown;
        self.not_offered += other.not_offered;
    }

    pub fn total(&self) -> usize {
        self.supported + self.unsupported + self.unknown + self.not_offered
    }
}

/// Per-project counts, keyed by (region, project id), plus the grand total.
pub fn summarize(records: &[AuditRecord]) -> (BTreeMap<(String, String), Counts>, Counts) {
    let mut per = BTreeMap::new();
    let mut total = Counts::default();
    for r in records {
        per.entry((r.region.clone(), r.project_id.clone()))
            .or_insert_with(Counts::default)
            .add_record(r);
        total.add_record(r);
    }
    (per, total)
}

/// Exit status of `ecsreset audit`: 0 all determined, 2 some unknown (or a project could not
/// be listed), 3 unsupported servers found with `--fail-on-unsupported` (wins over 2). A
/// server where one-click reset is not offered is determined (it will not change on a retry),
/// and cannot be reset either: `--fail-on-unsupported` counts it.
pub fn exit_code(total: &Counts, failed_projects: usize, fail_on_unsupported: bool) -> i32 {
    if fail_on_unsupported && total.unsupported + total.not_offered > 0 {
        3
    } else if total.unknown > 0 || failed_projects > 0 {
        2
    } else {
        0
    }
}

/// How a project whose list failed is reported, by the collected and the streamed audit.
pub(crate) fn list_failure(error: &crate::cloud::CloudError) -> String {
    format!("{}: {error}", error.code())
}

/// How a project whose bare-metal list failed is reported (its ECS servers still are).
pub(crate) fn bare_metal_failure(error: &crate::cloud::CloudError) -> String {
    format!("bare-metal servers: {}: {error}", error.code())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_missing_flag_api_is_counted_apart_from_unknowns() {
        let p = ProjectRef {
            id: "p1".into(),
            region: "eu-west-101".into(),
        };
        let mut c = Collector::default();
        c.apply(AuditEvent::Listed {
            project: p.clone(),
            servers: vec![server("a", "db"), server("b", "web")],
        });
        let missing = CloudError::Api(crate::cloud::ApiError {
            status: 404,
            code: "APIGW.0101".into(),
            message: "The API does not exist or has not been published in the environment".into(),
            request_id: None,
        });
        let moved = CloudError::Api(crate::cloud::ApiError {
            status: 404,
            code: "Ecs.0114".into(),
            message: "Instance[b] could not be found.".into(),
            request_id: None,
        });
        let at = chrono::Utc::now();
        for (id, e) in [("a", missing), ("b", moved)] {
            c.apply(AuditEvent::Flag {
                project: p.clone(),
                server_id: id.into(),
                outcome: Err(e),
                at,
            });
        }
        let (records, _) = c.into_records();
        assert!(records[0].not_offered);
        assert_eq!(records[0].flag_word(), "not offered");
        assert!(
            records[0]
                .error
                .as_deref()
                .unwrap()
                .starts_with("not offered here")
        );
        assert!(!records[1].not_offered);
        assert_eq!(records[1].flag_word(), "unknown");
        let (_, total) = summarize(&records);
        assert_eq!((total.not_offered, total.unknown, total.total()), (1, 1, 2));
        let json = serde_json::to_value(&records).unwrap();
        assert_eq!(json[0]["not_offered"], true);
        assert!(json[1].get("not_offered").is_none());
    }

    #[test]
    fn exit_codes() {
        let c = |s, u, k| Counts {
            supported: s,
            unsupported: u,
            unknown: k,
            not_offered: 0,
        };
        let gone = Counts {
            not_offered: 2,
            ..c(3, 0, 0)
        };
        assert_eq!(exit_code(&gone, 0, false), 0);
        assert_eq!(exit_code(&gone, 0, true), 3);
        assert_eq!(exit_code(&c(3, 1, 0), 0, false), 0);
        assert_eq!(exit_code(&c(3, 1, 1), 0, false), 2);
        assert_eq!(exit_code(&c(3, 0, 0), 1, false), 2);
        assert_eq!(exit_code(&c(3, 1, 1), 0, true), 3);
        assert_eq!(exit_code(&c(3, 0, 1), 0, true), 2);
    }
}
