use super::Ordered;
use crate::audit::AuditEvent;
use crate::audit::record::Collector;
use crate::cloud::wire::ServerDetail;
use crate::cloud::{CloudError, ProjectRef};

fn project(region: &str, id: &str) -> ProjectRef {
    ProjectRef {
        id: id.into(),
        region: region.into(),
    }
}

fn server(id: &str, name: &str) -> ServerDetail {
    ServerDetail {
        id: id.into(),
        name: Some(name.into()),
        status: Some("ACTIVE".into()),
        ..Default::default()
    }
}

fn listed(p: &ProjectRef, names: &[(&str, &str)]) -> AuditEvent {
    AuditEvent::Listed {
        project: p.clone(),
        servers: names.iter().map(|(id, n)| server(id, n)).collect(),
    }
}

fn flag(p: &ProjectRef, id: &str, ok: bool) -> AuditEvent {
    AuditEvent::Flag {
        project: p.clone(),
        server_id: id.into(),
        outcome: if ok {
            Ok(true)
        } else {
            Err(CloudError::Transport {
                message: "reset by peer".into(),
                timeout: false,
            })
        },
        at: chrono::Utc::now(),
    }
}

/// Projects given in an order that is not the report's (region, id) order, finishing in yet
/// another: nothing goes out before every project ahead of it is done, and what goes out in
/// the end is exactly the collected report.
#[test]
fn records_go_out_in_report_order_once_final_and_equal_the_collected_report() {
    let b = project("cn-north-4", "bbb");
    let a = project("cn-north-4", "aaa");
    let c = project("ap-southeast-1", "ccc");
    let gone = project("cn-east-3", "ddd");
    let events = vec![
        listed(&b, &[("b2", "web"), ("b1", "db")]),
        listed(&a, &[("a1", "zeta"), ("a2", "alpha")]),
        flag(&b, "b1", true),
        flag(&b, "b2", false),
        AuditEvent::ListFailed {
            project: gone.clone(),
            error: CloudError::Transport {
                message: "refused".into(),
                timeout: false,
            },
        },
        flag(&a, "a1", true),
        listed(&c, &[("c1", "only")]),
        flag(&a, "a2", true),
        flag(&c, "c1", true),
    ];
    let mut ordered = Ordered::new(&[b.clone(), a.clone(), c.clone(), gone.clone()]);
    let mut collector = Collector::default();
    let mut out = Vec::new();
    let mut released_after = Vec::new();
    for e in events {
        collector.apply(e.clone());
        ordered.apply(e);
        let ready = ordered.ready();
        released_after.push(ready.len());
        out.extend(ready);
    }
    // ap-southeast-1 sorts first and is listed only at event 7: nothing before it.
    assert_eq!(released_after, [0, 0, 0, 0, 0, 0, 0, 0, 5]);
    out.extend(ordered.rest());
    let (expected, failed) = collector.into_records();
    assert_eq!(out, expected);
    assert_eq!(failed, ordered.failed_projects);
    assert_eq!(out[0].server_id, "c1");
    assert_eq!(out[1].name, "alpha", "by name within a project");
}

#[test]
fn a_project_released_early_is_not_held_by_later_ones() {
    let a = project("r", "a");
    let b = project("r", "b");
    let mut ordered = Ordered::new(&[a.clone(), b.clone()]);
    ordered.apply(listed(&a, &[("a1", "x")]));
    ordered.apply(listed(&b, &[("b1", "y")]));
    assert!(ordered.ready().is_empty());
    ordered.apply(flag(&a, "a1", true));
    assert_eq!(ordered.ready().len(), 1, "a is done; b does not hold it");
    assert!(ordered.ready().is_empty(), "released once");
    // The audit ended without b's flag: it is reported unchecked, never guessed.
    let rest = ordered.rest();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].reset_supported, None);
    assert_eq!(rest[0].error.as_deref(), Some("not checked"));
}

#[test]
fn an_empty_project_is_done_once_listed() {
    let a = project("r", "a");
    let b = project("r", "b");
    let mut ordered = Ordered::new(&[a.clone(), b.clone()]);
    ordered.apply(listed(&b, &[("b1", "y")]));
    ordered.apply(flag(&b, "b1", true));
    assert!(ordered.ready().is_empty(), "a is not listed yet");
    ordered.apply(listed(&a, &[]));
    assert_eq!(ordered.ready().len(), 1);
}

/// Grouped by profile, the profiles come first (`default` for none) and every record carries
/// its project's profile; a bare-metal list failure is reported and the ECS servers stay.
#[test]
fn grouped_projects_go_out_by_profile_then_project_with_their_profile() {
    let a = project("cn-north-4", "aaa");
    let z = project("ap-southeast-1", "zzz");
    let d = project("af-south-1", "ddd");
    let mut ordered = Ordered::grouped(
        &[
            (a.clone(), Some("prod".into())),
            (z.clone(), Some("lab".into())),
            (d.clone(), None),
        ],
        true,
    );
    ordered.apply(listed(&a, &[("a1", "x")]));
    ordered.apply(AuditEvent::BareMetalFailed {
        project: z.clone(),
        error: CloudError::Transport {
            message: "refused".into(),
            timeout: false,
        },
    });
    ordered.apply(listed(&z, &[("z1", "y")]));
    ordered.apply(flag(&a, "a1", true));
    ordered.apply(flag(&z, "z1", true));
    assert!(
        ordered.ready().is_empty(),
        "default sorts first; not listed"
    );
    ordered.apply(listed(&d, &[("d1", "w")]));
    assert!(ordered.listed(&d) && ordered.listed(&a));
    ordered.apply(flag(&d, "d1", false));
    let out: Vec<(String, Option<String>)> = ordered
        .ready()
        .into_iter()
        .map(|r| (r.server_id, r.profile))
        .collect();
    assert_eq!(
        out,
        [
            ("d1".into(), None),
            ("z1".into(), Some("lab".into())),
            ("a1".into(), Some("prod".into())),
        ]
    );
    assert_eq!(ordered.failed_projects.len(), 1);
    assert!(
        ordered.failed_projects[0]
            .1
            .starts_with("bare-metal servers: ")
    );
}

/// A flag that arrives twice (a retried check) counts once towards the project being done.
#[test]
fn a_repeated_flag_does_not_finish_a_project_early() {
    let a = project("r", "a");
    let mut ordered = Ordered::new(std::slice::from_ref(&a));
    ordered.apply(listed(&a, &[("a1", "x"), ("a2", "y")]));
    ordered.apply(flag(&a, "a1", true));
    ordered.apply(flag(&a, "a1", false));
    assert!(ordered.ready().is_empty());
    ordered.apply(flag(&a, "a2", true));
    let out = ordered.ready();
    assert_eq!(out.len(), 2);
    assert!(
        out[0].error.as_deref().unwrap().starts_with("network: "),
        "the last outcome wins"
    );
}
