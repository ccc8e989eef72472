//! Pure planning of a change: which servers, in which project, refused or not, and what an
//! answer proves about each. No I/O and no clock, so every rule here has a unit test.

use super::{Project, Status};
use crate::cloud::capability::FlagError;
use crate::cloud::wire::{JobResponse, ServerDetail, SubJob};
use std::collections::BTreeMap;

/// A named server found in exactly one project, with its detail as last read.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub project: Project,
    pub server: ServerDetail,
}

impl Located {
    pub fn id(&self) -> &str {
        &self.server.id
    }

    pub fn name(&self) -> &str {
        self.server.name.as_deref().unwrap_or_default()
    }
}

/// A server pre-flight refused, with the reason in the operator's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub server_id: String,
    pub name: String,
    pub project: String,
    pub reason: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = crate::report::clean(&self.name);
        if name.is_empty() {
            write!(f, "{} in {}: {}", self.server_id, self.project, self.reason)
        } else {
            write!(
                f,
                "{name} ({}) in {}: {}",
                self.server_id, self.project, self.reason
            )
        }
    }
}

/// The ids as asked, trimmed, empty ones dropped, each once, in first-seen order.
pub fn dedupe(ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        if !out.iter().any(|o| o == id) {
            out.push(id.to_owned());
        }
    }
    out
}

/// The same project configured twice (by id, and by region through IAM) is one project;
/// `protected` on either entry protects it.
pub fn merge_projects(projects: Vec<Project>) -> Vec<Project> {
    let mut out: Vec<Project> = Vec::with_capacity(projects.len());
    for p in projects {
        match out.iter_mut().find(|o| o.project == p.project) {
            Some(o) => o.protected |= p.protected,
            None => out.push(p),
        }
    }
    out
}

/// Keeps the servers of a list answer that were asked for, each once, whatever the endpoint
/// did with its filter. Returns the kept servers and the ids it dropped.
pub fn keep_asked(asked: &[String], answer: Vec<ServerDetail>) -> (Vec<ServerDetail>, Vec<String>) {
    let mut kept: Vec<ServerDetail> = Vec::new();
    let mut dropped = Vec::new();
    for s in answer {
        if asked.contains(&s.id) && !kept.iter().any(|k| k.id == s.id) {
            kept.push(s);
        } else {
            dropped.push(s.id);
        }
    }
    (kept, dropped)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocateError {
    #[error("server(s) not found in the configured projects ({searched}): {}", ids.join(", "))]
    NotFound { ids: Vec<String>, searched: String },
    #[error("server {id} was found in more than one project ({}); name the project with --project", projects.join(" and "))]
    Ambiguous { id: String, projects: Vec<String> },
    /// A name or short id that matches no server, or several.
    #[error("{0}")]
    Unresolved(String),
}

/// Gives every asked id exactly one project, from what each project answered (already
/// intersected with the ids). Keeps the order of `asked`.
pub fn assign(
    asked: &[String],
    found: Vec<(Project, ServerDetail)>,
    searched: &[Project],
) -> Result<Vec<Located>, LocateError> {
    let mut by_id: BTreeMap<&str, Vec<&(Project, ServerDetail)>> = BTreeMap::new();
    for f in &found {
        by_id.entry(f.1.id.as_str()).or_default().push(f);
    }
    let mut out = Vec::with_capacity(asked.len());
    let mut missing = Vec::new();
    for id in asked {
        match by_id.get(id.as_str()).map(Vec::as_slice) {
            None | Some([]) => missing.push(id.clone()),
            Some([one]) => out.push(Located {
                project: one.0.clone(),
                server: one.1.clone(),
            }),
            Some(many) => {
                return Err(LocateError::Ambiguous {
                    id: id.clone(),
                    projects: many
                        .iter()
                        .map(|(p, _)| format!("{} ({})", p.label, p.project.id))
                        .collect(),
                });
            }
        }
    }
    if !missing.is_empty() {
        return Err(LocateError::NotFound {
            ids: missing,
            searched: searched
                .iter()
                .map(|p| p.label.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(out)
}

/// What a change asks of a server before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Reset,
    Reboot,
    Start,
}

/// Why `check` may not go ahead on this server now, if it may not. `flag` is the reset flag
/// read just now (resets only): `Ok(supported)` or the error that left it unknown.
pub fn refusal(
    check: Check,
    s: &ServerDetail,
    protected: bool,
    flag: Option<&Result<bool, FlagError>>,
) -> Option<String> {
    if protected {
        return Some("project is protected (protected = true in the config)".into());
    }
    if s.kind.is_bms() && check != Check::Reset {
        return Some(
            "bare-metal server: ecsreset reboots and starts ECS servers only (no BMS power API)"
                .into(),
        );
    }
    let status = s.status.as_deref().unwrap_or("UNKNOWN");
    if s.locked == Some(true) {
        return Some("locked".into());
    }
    if let Some(task) = s.task_state.as_deref().filter(|t| !t.is_empty()) {
        return Some(format!("task {task} in progress"));
    }
    let status_ok = match check {
        Check::Reset => matches!(status, "ACTIVE" | "SHUTOFF"),
        Check::Reboot => status == "ACTIVE",
        Check::Start => status == "SHUTOFF",
    };
    if !status_ok {
        return Some(match (check, status) {
            (Check::Reboot, "SHUTOFF") => {
                "status SHUTOFF: start it instead (the new password applies when it starts)".into()
            }
            (Check::Start, "ACTIVE") => "status ACTIVE: already running".into(),
            _ => format!("status {status}"),
        });
    }
    match (check, flag) {
        (Check::Reset, Some(Ok(true))) => None,
        (Check::Reset, Some(Ok(false))) => {
            Some("one-click reset is not supported (flag False: the plug-in is missing)".into())
        }
        (Check::Reset, Some(Err(FlagError::NotOffered(cap)))) => Some(format!(
            "one-click reset is not offered here (the {} answered 404 APIGW.0101 in this project)",
            cap.name()
        )),
        (Check::Reset, Some(Err(e))) => Some(format!("reset flag could not be read ({e})")),
        (Check::Reset, None) => Some("reset flag not read".into()),
        _ => None,
    }
}

/// What a batch answer says of each asked server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judged {
    /// Asked and named by the answer.
    pub named: Vec<String>,
    /// Asked, but the answer does not name them: outcome unknown.
    pub omitted: Vec<String>,
    /// Named by the answer, never asked for: a claim about another server, unknown.
    pub strangers: Vec<String>,
}

pub fn judge(asked: &[String], answered: &[String]) -> Judged {
    let mut j = Judged::default();
    for id in asked {
        if answered.contains(id) {
            j.named.push(id.clone());
        } else {
            j.omitted.push(id.clone());
        }
    }
    for id in answered {
        if !asked.contains(id) && !j.strangers.contains(id) {
            j.strangers.push(id.clone());
        }
    }
    j
}

/// A dry run lets the batch go only when it names exactly the asked servers. Otherwise every
/// asked server gets its reason, and nothing of the project is sent.
pub fn dry_run_refusals(asked: &[String], answered: &[String]) -> Option<Vec<(String, String)>> {
    let j = judge(asked, answered);
    if j.omitted.is_empty() && j.strangers.is_empty() {
        return None;
    }
    let others = if j.strangers.is_empty() {
        String::new()
    } else {
        format!(
            "; its answer also named server(s) not asked for: {}",
            j.strangers.join(", ")
        )
    };
    Some(
        asked
            .iter()
            .map(|id| {
                let why = if j.omitted.contains(id) {
                    format!("the dry run did not accept this server{others}")
                } else {
                    format!("not sent: the dry run did not accept the whole project{others}")
                };
                (id.clone(), why)
            })
            .collect(),
    )
}

fn sub_job<'a>(job: &'a JobResponse, sid: &str) -> Option<&'a SubJob> {
    job.entities
        .as_ref()?
        .sub_jobs
        .as_ref()?
        .iter()
        .find(|s| s.entities.as_ref().and_then(|e| e.server_id.as_deref()) == Some(sid))
}

/// The servers a job's sub-jobs name that were never asked for.
pub fn job_strangers(job: &JobResponse, asked: &[String]) -> Vec<String> {
    let subs = job.entities.as_ref().and_then(|e| e.sub_jobs.as_ref());
    let mut out: Vec<String> = Vec::new();
    for s in subs.into_iter().flatten() {
        if let Some(id) = s.entities.as_ref().and_then(|e| e.server_id.as_deref())
            && !asked.iter().any(|a| a == id)
            && !out.iter().any(|o| o == id)
        {
            out.push(id.to_owned());
        }
    }
    out
}

pub fn job_finished(job: &JobResponse) -> bool {
    matches!(job.status.as_deref(), Some("SUCCESS" | "FAIL"))
}

/// One server's view of a reboot or start job, from its own sub-job only: a finished job
/// without a sub-job for this server proves nothing about it.
pub fn job_status(job: &JobResponse, job_id: &str, sid: &str, start: bool) -> Status {
    let sub = sub_job(job, sid);
    let finished = job_finished(job);
    let status = match sub.and_then(|s| s.status.as_deref()) {
        Some(s) => s,
        None if finished => {
            return Status::RebootUnknown(format!(
                "job {job_id} ended without a sub-job for this server; check the server"
            ));
        }
        None => job.status.as_deref().unwrap_or("UNKNOWN"),
    };
    match status {
        "SUCCESS" if start => Status::Started,
        "SUCCESS" => Status::Rebooted,
        "FAIL" => {
            let reason = sub
                .and_then(|s| {
                    s.fail_reason.clone().or_else(|| {
                        s.entities
                            .as_ref()
                            .and_then(|e| e.errorcode_message.clone())
                    })
                })
                .or_else(|| sub.and_then(|s| s.error_code.clone()))
                .unwrap_or_else(|| "the sub-job failed with no reason given".into());
            Status::RebootFailed(crate::report::clean(&reason).into_owned())
        }
        // A finished job with this sub-job still open: nothing proves it either way.
        _ if finished => Status::RebootUnknown(format!(
            "job {job_id} ended with this server's sub-job still {status}; check the server"
        )),
        other if start => Status::Starting {
            job_id: job_id.to_owned(),
            status: other.to_owned(),
        },
        other => Status::Rebooting {
            job_id: job_id.to_owned(),
            status: other.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::ProjectRef;
    use crate::cloud::capability::Capability;
    use crate::cloud::wire::{JobEntities, SubJobEntities};

    fn project(id: &str, label: &str, protected: bool) -> Project {
        Project {
            profile: None,
            project: ProjectRef {
                id: id.into(),
                region: "cn-north-4".into(),
            },
            label: label.into(),
            protected,
        }
    }

    fn server(id: &str, status: &str) -> ServerDetail {
        ServerDetail {
            id: id.into(),
            status: Some(status.into()),
            locked: Some(false),
            ..ServerDetail::default()
        }
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn repeated_ids_count_once() {
        assert_eq!(dedupe(&s(&["a", " a", "b", "a", ""])), s(&["a", "b"]));
    }

    #[test]
    fn a_list_answer_is_cut_to_the_asked_ids() {
        let answer = vec![
            server("a", "ACTIVE"),
            server("x", "ACTIVE"),
            server("a", "ACTIVE"),
        ];
        let (kept, dropped) = keep_asked(&s(&["a"]), answer);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].id, "a");
        assert_eq!(dropped, s(&["x", "a"]));
    }

    #[test]
    fn an_id_in_two_projects_is_an_error_naming_both() {
        let (p1, p2) = (project("p1", "one", false), project("p2", "two", false));
        let found = vec![
            (p1.clone(), server("a", "ACTIVE")),
            (p2.clone(), server("a", "ACTIVE")),
        ];
        let e = assign(&s(&["a"]), found, &[p1, p2]).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("one (p1)") && text.contains("two (p2)"),
            "{text}"
        );
    }

    #[test]
    fn an_id_not_found_is_named() {
        let p1 = project("p1", "one", false);
        let e = assign(
            &s(&["a", "b"]),
            vec![(p1.clone(), server("a", "ACTIVE"))],
            &[p1],
        )
        .unwrap_err();
        assert_eq!(
            e,
            LocateError::NotFound {
                ids: s(&["b"]),
                searched: "one".into()
            }
        );
    }

    #[test]
    fn the_same_project_twice_is_one_protected_if_either_is() {
        let merged = merge_projects(vec![
            project("p1", "by id", false),
            project("p1", "by region", true),
            project("p2", "other", false),
        ]);
        assert_eq!(merged.len(), 2);
        assert!(merged[0].protected);
        assert_eq!(merged[0].label, "by id");
    }

    #[test]
    fn reset_preflight_names_each_reason() {
        let ok = Ok(true);
        let r = |d: &ServerDetail, f: Option<&Result<bool, FlagError>>| {
            refusal(Check::Reset, d, false, f)
        };
        assert_eq!(r(&server("a", "ACTIVE"), Some(&ok)), None);
        assert_eq!(r(&server("a", "SHUTOFF"), Some(&ok)), None);
        assert_eq!(r(&server("a", "ERROR"), Some(&ok)).unwrap(), "status ERROR");
        let mut locked = server("a", "ACTIVE");
        locked.locked = Some(true);
        assert_eq!(r(&locked, Some(&ok)).unwrap(), "locked");
        let mut busy = server("a", "ACTIVE");
        busy.task_state = Some("resize_prep".into());
        assert_eq!(r(&busy, Some(&ok)).unwrap(), "task resize_prep in progress");
        assert!(
            r(&server("a", "ACTIVE"), Some(&Ok(false)))
                .unwrap()
                .contains("not supported")
        );
        assert!(r(&server("a", "ACTIVE"), None).is_some());
        let failed = Err(FlagError::Failed("timeout: no answer".into()));
        assert_eq!(
            r(&server("a", "ACTIVE"), Some(&failed)).unwrap(),
            "reset flag could not be read (timeout: no answer)"
        );
        let missing = Err(FlagError::NotOffered(Capability::ResetPassword));
        assert_eq!(
            r(&server("a", "ACTIVE"), Some(&missing)).unwrap(),
            "one-click reset is not offered here (the reset API (os-reset-password) answered \
             404 APIGW.0101 in this project)"
        );
        assert!(
            refusal(Check::Reset, &server("a", "ACTIVE"), true, Some(&ok))
                .unwrap()
                .contains("protected")
        );
    }

    #[test]
    fn bare_metal_servers_are_reset_but_never_rebooted_or_started() {
        let mut s = server("b", "ACTIVE");
        s.kind = crate::cloud::ServerKind::Bms;
        assert_eq!(refusal(Check::Reset, &s, false, Some(&Ok(true))), None);
        for check in [Check::Reboot, Check::Start] {
            let why = refusal(check, &s, false, None).unwrap();
            assert!(why.contains("bare-metal"), "{why}");
        }
    }

    #[test]
    fn reboot_only_active_and_start_only_shutoff() {
        assert_eq!(
            refusal(Check::Reboot, &server("a", "ACTIVE"), false, None),
            None
        );
        assert!(
            refusal(Check::Reboot, &server("a", "SHUTOFF"), false, None)
                .unwrap()
                .contains("start it instead")
        );
        assert_eq!(
            refusal(Check::Start, &server("a", "SHUTOFF"), false, None),
            None
        );
        assert!(refusal(Check::Start, &server("a", "ACTIVE"), false, None).is_some());
    }

    #[test]
    fn a_dry_run_must_name_exactly_the_asked_servers() {
        assert_eq!(dry_run_refusals(&s(&["a", "b"]), &s(&["b", "a"])), None);
        let partial = dry_run_refusals(&s(&["a", "b"]), &s(&["a"])).unwrap();
        assert_eq!(partial.len(), 2);
        assert!(partial[1].1.contains("did not accept this server"));
        assert!(partial[0].1.contains("whole project"));
        let extra = dry_run_refusals(&s(&["a"]), &s(&["a", "z"])).unwrap();
        assert!(extra[0].1.contains('z'));
    }

    #[test]
    fn judge_splits_named_omitted_and_strangers() {
        let j = judge(&s(&["a", "b"]), &s(&["a", "z", "z"]));
        assert_eq!(j.named, s(&["a"]));
        assert_eq!(j.omitted, s(&["b"]));
        assert_eq!(j.strangers, s(&["z"]));
    }

    fn job(status: &str, subs: &[(&str, &str)]) -> JobResponse {
        JobResponse {
            status: Some(status.into()),
            entities: Some(JobEntities {
                server_id: None,
                sub_jobs_total: Some(subs.len() as u64),
                sub_jobs: Some(
                    subs.iter()
                        .map(|(sid, st)| SubJob {
                            status: Some((*st).into()),
                            entities: Some(SubJobEntities {
                                server_id: Some((*sid).into()),
                                errorcode_message: None,
                            }),
                            ..SubJob::default()
                        })
                        .collect(),
                ),
            }),
            ..JobResponse::default()
        }
    }

    #[test]
    fn a_job_without_a_sub_job_for_a_server_does_not_reboot_it() {
        let j = job("SUCCESS", &[("a", "SUCCESS")]);
        assert_eq!(job_status(&j, "j", "a", false), Status::Rebooted);
        assert!(matches!(
            job_status(&j, "j", "b", false),
            Status::RebootUnknown(_)
        ));
        assert_eq!(job_status(&j, "j", "a", true), Status::Started);
        let running = job("RUNNING", &[]);
        assert!(matches!(
            job_status(&running, "j", "b", false),
            Status::Rebooting { .. }
        ));
        assert_eq!(
            job_strangers(
                &job("SUCCESS", &[("a", "SUCCESS"), ("z", "SUCCESS")]),
                &s(&["a"])
            ),
            s(&["z"])
        );
    }

    #[test]
    fn a_failed_sub_job_gives_its_reason() {
        let mut j = job("FAIL", &[("a", "FAIL")]);
        j.entities.as_mut().unwrap().sub_jobs.as_mut().unwrap()[0].fail_reason =
            Some("busy".into());
        assert_eq!(
            job_status(&j, "j", "a", false),
            Status::RebootFailed("busy".into())
        );
    }
}
