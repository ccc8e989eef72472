//! The headless commands in-process against the simulator: multi-page projects, several
//! projects, servers that vanish between list and flag (404), injected 5xx, throttling, the
//! exit codes, the JSON and CSV shapes, `--save`/`--diff`, and resets end to end.

use crate::support::*;
use ecsreset::audit::record::{Collector, exit_code, summarize};
use ecsreset::audit::{self, AuditEvent, AuditOptions};
use ecsreset::cli::Command;
use ecsreset::commands::AppError;
use ecsreset::ops::plan::LocateError;
use ecsreset::sim::{Faults, Fleet};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

const AUDIT_KEYS: [&str; 9] = [
    "project_id",
    "region",
    "server_id",
    "kind",
    "name",
    "status",
    "os_type",
    "reset_supported",
    "error",
];

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn truth_flags(env: &CliEnv) -> BTreeMap<String, bool> {
    env.sim
        .truth()
        .into_iter()
        .map(|t| (t.server_id, t.reset_supported))
        .collect()
}

/// Three projects of 25 servers, listed 10 at a time: every project takes three pages.
async fn paged_env() -> CliEnv {
    let tuning = Tuning {
        page_size: 10,
        ..Tuning::default()
    };
    CliEnv::with(sim_config(Fleet::generate(3, 25, 101)), tuning, &[]).await
}

// ---------------------------------------------------------------------------- list, audit

#[tokio::test]
async fn list_json_has_every_server_of_every_project_across_pages() {
    let env = paged_env().await;
    let run = env.run(&["list", "--format", "json"]).await;
    assert_eq!(run.code(), 0);
    let rows = run.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 75);
    assert_eq!(route_count(&env.sim, LIST_ROUTE), 9, "3 projects x 3 pages");
    let want: BTreeSet<&str> = [
        "project_id",
        "project",
        "region",
        "server_id",
        "kind",
        "name",
        "status",
        "os_type",
        "private_ip",
        "floating_ip",
        "availability_zone",
        "flavor",
    ]
    .into();
    let truth = env.sim.truth();
    for r in rows {
        assert_eq!(keys(r), want);
        let t = truth
            .iter()
            .find(|t| t.server_id == r["server_id"])
            .unwrap();
        assert_eq!(r["project_id"], t.project_id.as_str());
        assert_eq!(r["name"], t.name.as_str());
        assert_eq!(r["status"], t.status.as_str());
        assert_eq!(r["os_type"], t.os_type.as_str());
        assert_eq!(r["kind"], "ECS");
        assert!(r["private_ip"].is_string());
    }
    let listed: BTreeSet<&str> = rows
        .iter()
        .map(|r| r["server_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 75, "no server twice");

    let table = env.run(&["list"]).await;
    assert_eq!(table.code(), 0);
    let lines: Vec<&str> = table.out.lines().collect();
    assert!(lines[0].starts_with("project") && lines[0].contains("server_id"));
    assert_eq!(lines.len(), 76);
}

#[tokio::test]
async fn audit_json_is_one_flat_record_per_server_and_every_flag_is_the_truth() {
    let env = paged_env().await;
    let run = env.run(&["audit", "--format", "json"]).await;
    assert_eq!(run.code(), 0, "every flag known: {}", run.err);
    let records = run.json();
    let records = records.as_array().unwrap();
    let truth = truth_flags(&env);
    assert_eq!(records.len(), truth.len());
    assert_eq!(route_count(&env.sim, FLAG_ROUTE), 75);
    assert_eq!(route_count(&env.sim, LIST_ROUTE), 9);
    for r in records {
        assert_eq!(keys(r), AUDIT_KEYS.into());
        assert!(r["reset_supported"].is_boolean(), "{r}");
        assert!(r["error"].is_null(), "{r}");
        let id = r["server_id"].as_str().unwrap();
        assert_eq!(r["reset_supported"], truth[id], "{id}");
        assert!(r["region"].is_string() && r["os_type"].is_string());
    }
    assert!(truth.values().any(|f| !f) && truth.values().any(|f| *f));
    assert!(run.err.contains("total: 75 servers"), "{}", run.err);
    let unsupported = truth.values().filter(|f| !**f).count();
    assert!(
        run.err
            .contains(&format!("{unsupported} unsupported, 0 unknown"))
    );
}

#[tokio::test]
async fn audit_csv_has_the_header_and_one_row_per_server() {
    let env = paged_env().await;
    let run = env.run(&["audit", "--format", "csv"]).await;
    assert_eq!(run.code(), 0);
    let lines: Vec<&str> = run.out.lines().collect();
    assert_eq!(
        lines[0],
        "project_id,region,server_id,kind,name,status,os_type,reset_supported,error,not_offered,profile"
    );
    assert_eq!(lines.len(), 76);
    let truth = truth_flags(&env);
    for line in &lines[1..] {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 11, "{line}");
        assert_eq!(cells[3], "ECS", "{line}");
        assert_eq!(cells[7], truth[cells[2]].to_string(), "{line}");
        assert_eq!(cells[8], "", "{line}");
        assert_eq!(cells[9], "false", "{line}");
        assert_eq!(cells[10], "", "{line}");
    }
}

#[tokio::test]
async fn a_server_that_vanishes_between_list_and_flag_is_unknown_with_ecs_0114() {
    let fleet = Fleet::generate(2, 12, 102);
    let projects = regional(&fleet);
    let victim = fleet.projects[1].servers[3].id.clone();
    let sim = Arc::new(start(sim_config(fleet)).await);
    let cloud = client(&sim);
    let collector = Mutex::new(Collector::default());
    let sink = |e: AuditEvent| {
        // Flags of a project are checked only after its Listed event: remove one server now.
        if let AuditEvent::Listed { servers, .. } = &e
            && servers.iter().any(|s| s.id == victim)
        {
            assert!(sim.remove_server(&victim));
        }
        collector.lock().unwrap().apply(e);
    };
    let opts = AuditOptions {
        page_size: 5,
        concurrency: 4,
    };
    audit::run(&cloud, &projects, opts, &sink).await;
    let (records, failed) = collector.into_inner().unwrap().into_records();
    assert!(failed.is_empty());
    assert_eq!(records.len(), 24, "the vanished server was listed");
    let gone = records.iter().find(|r| r.server_id == victim).unwrap();
    assert_eq!(gone.reset_supported, None);
    let error = gone.error.as_deref().unwrap();
    assert!(error.contains("Ecs.0114"), "{error}");
    assert!(
        records
            .iter()
            .filter(|r| r.server_id != victim)
            .all(|r| r.reset_supported.is_some() && r.error.is_none())
    );
    let (_, total) = summarize(&records);
    assert_eq!(total.unknown, 1);
    assert_eq!(exit_code(&total, failed.len(), false), 2);
    let with_fail_on_unsupported = if total.unsupported > 0 { 3 } else { 2 };
    assert_eq!(
        exit_code(&total, failed.len(), true),
        with_fail_on_unsupported
    );
}

// ------------------------------------------------------------------------------ exit codes

#[tokio::test]
async fn fail_on_unsupported_exits_3_only_when_unsupported_servers_exist() {
    let env = CliEnv::new(Fleet::generate(2, 15, 103)).await;
    assert!(env.sim.truth().iter().any(|t| !t.reset_supported));
    let run = env.run(&["audit", "--fail-on-unsupported"]).await;
    assert_eq!(run.code(), 3);
    assert!(run.out.lines().next().unwrap().contains("reset_supported"));
    assert!(run.out.contains("unsupported"));

    let mut fleet = Fleet::generate(2, 15, 103);
    for s in fleet.projects.iter_mut().flat_map(|p| p.servers.iter_mut()) {
        s.reset_supported = true;
    }
    let env = CliEnv::new(fleet).await;
    let run = env.run(&["audit", "--fail-on-unsupported"]).await;
    assert_eq!(run.code(), 0, "{}", run.err);
}

#[tokio::test]
async fn a_project_that_cannot_be_listed_exits_2_and_the_others_are_reported() {
    let env = CliEnv::new(Fleet::generate(2, 6, 104)).await;
    let ghost = "0123456789abcdef0123456789abcdef";
    env.write_config(
        &env.secret_key(),
        &[],
        &format!("\n[[projects]]\nregion = \"cn-north-4\"\nid = \"{ghost}\"\n"),
    );
    let run = env.run(&["audit", "--format", "json"]).await;
    assert_eq!(run.code(), 2);
    assert_eq!(run.json().as_array().unwrap().len(), 12);
    assert!(
        run.err.contains(ghost) && run.err.contains("could not be listed"),
        "{}",
        run.err
    );
}

#[tokio::test]
async fn throttled_flags_without_retries_stay_unknown_and_exit_2() {
    let mut cfg = sim_config(Fleet::generate(1, 10, 105));
    // One token per API, refilled every 100 s (a slow machine must not earn a second one):
    // the list passes, the second flag does not.
    cfg.throttle = Some(0.01);
    let tuning = Tuning {
        retries: 0,
        ..Tuning::default()
    };
    let env = CliEnv::with(cfg, tuning, &[]).await;
    let run = env.run(&["audit", "--format", "json"]).await;
    assert_eq!(run.code(), 2, "{}", run.err);
    let records = run.json();
    let unknown: Vec<&Value> = records
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["reset_supported"].is_null())
        .collect();
    assert_eq!(unknown.len(), 9);
    for r in unknown {
        assert!(
            r["error"].as_str().unwrap().starts_with("APIGW.0308"),
            "{r}"
        );
    }
    assert!(env.sim.stats().throttled >= 9);
}

#[tokio::test]
async fn garbage_answers_to_flags_after_the_list_exit_2() {
    let env = CliEnv::new(Fleet::generate(2, 8, 106)).await;
    let sim = env.sim.clone();
    let rec = Recorder::default();
    // Every list page is in once a list call succeeds (one page per project here); from then
    // on the simulator answers garbage.
    let ctx = env
        .context(rec.observer(move |r| {
            if r.path.ends_with("/cloudservers/detail") && r.status == Some(200) {
                sim.set_faults(Faults {
                    garbage_rate: 1.0,
                    ..Faults::none()
                });
            }
        }))
        .await;
    let Command::Audit(args) = command(env.parse(&["audit", "--format", "json"])) else {
        unreachable!()
    };
    let mut cap = Captured::default();
    let result = ecsreset::commands::audit::run(&ctx, &args, &mut cap.io()).await;
    let run = cap.finish(result);
    // The second project's list may have met garbage too (it runs concurrently): either
    // way nothing is guessed and the exit status is 2.
    assert_eq!(run.code(), 2, "{}", run.err);
    for r in run.json().as_array().unwrap() {
        assert!(r["reset_supported"].is_null(), "{r}");
        assert!(
            r["error"].as_str().unwrap().starts_with("bad-response"),
            "{r}"
        );
    }
}

#[tokio::test]
async fn a_bad_config_or_no_projects_is_a_fatal_error() {
    let env = CliEnv::new(Fleet::generate(2, 4, 107)).await;
    env.write_config(&env.secret_key(), &[], "\n[tuning2]\nx = 1\n");
    let run = env.run(&["audit"]).await;
    let e = run.error();
    assert!(matches!(run.result, Err(AppError::Config(_))), "{e}");
    assert!(e.contains("config.toml") && e.contains("tuning2"), "{e}");

    let text = std::fs::read_to_string(&env.config).unwrap();
    let cut = text.find("[[projects]]").unwrap();
    write_private(&env.config, &text[..cut]);
    let e = env.run(&["audit"]).await.error();
    assert!(e.contains("no projects configured"), "{e}");
    assert_eq!(env.sim.stats().total_requests, 0);
}

#[tokio::test]
async fn a_rejected_secret_key_is_fatal_for_every_command() {
    let env = CliEnv::new(Fleet::generate(2, 4, 115)).await;
    env.write_config("wrong-secret-key-000000000000000000000000", &[], "");
    let id = env.fleet.projects[0].servers[0].id.clone();
    for cmd in [
        &["audit"][..],
        &["audit", "--format", "json", "--fail-on-unsupported"],
        &["list"],
        &["flag", &id],
    ] {
        let run = env.run(cmd).await;
        let e = run.error();
        assert!(e.contains("APIGW.0301"), "{cmd:?}: {e}");
        assert!(
            run.out.is_empty(),
            "{cmd:?}: no partial report: {}",
            run.out
        );
    }
}

#[tokio::test]
async fn all_projects_discovers_regional_projects_and_honours_project() {
    let env = CliEnv::new(Fleet::generate(3, 4, 117)).await;
    // Only the first project is configured; IAM knows three more (two usable, MOS, disabled).
    let text = std::fs::read_to_string(&env.config).unwrap();
    let first = text.find("[[projects]]").unwrap();
    let second = text[first + 1..].find("[[projects]]").unwrap() + first + 1;
    write_private(&env.config, &text[..second]);
    let projects_of = |run: &Outcome| -> BTreeSet<String> {
        run.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["region"].as_str().unwrap().to_owned())
            .collect()
    };

    let run = env.run(&["audit", "--format", "json"]).await;
    assert_eq!(projects_of(&run), ["cn-north-4".to_owned()].into());

    let run = env
        .run(&["audit", "--all-projects", "--format", "json"])
        .await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert_eq!(
        projects_of(&run),
        ["ap-southeast-1", "cn-east-3", "cn-north-4"]
            .map(String::from)
            .into()
    );
    assert_eq!(run.json().as_array().unwrap().len(), 12);

    let run = env
        .run(&[
            "audit",
            "--all-projects",
            "--project",
            "cn-east-3",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert_eq!(projects_of(&run), ["cn-east-3".to_owned()].into());

    let e = env
        .run(&["audit", "--all-projects", "--project", "MOS"])
        .await
        .error();
    assert!(e.contains("\"MOS\" matches no"), "{e}");
}

// ------------------------------------------------------------------------------ save, diff

#[tokio::test]
async fn save_then_diff_shows_vanished_appeared_and_changed() {
    let env = CliEnv::new(Fleet::generate(2, 6, 108)).await;
    let run = env.run(&["audit", "--diff"]).await;
    assert_eq!(run.code(), 0);
    assert!(run.err.contains("no saved audit"), "{}", run.err);

    let run = env.run(&["audit", "--save", "--format", "json"]).await;
    assert_eq!(run.code(), 0);
    assert!(run.err.contains("saved to"), "{}", run.err);
    let saved_dir = env.data_dir().join("audits");
    let files: Vec<_> = std::fs::read_dir(&saved_dir).unwrap().collect();
    assert_eq!(files.len(), 1);
    let path = files[0].as_ref().unwrap().path();

    // A server is deleted for real; the saved audit is edited to have missed one server and
    // to have seen another flag the other way.
    let gone = env.fleet.projects[0].servers[0].id.clone();
    assert!(env.sim.remove_server(&gone));
    let mut saved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let records = saved["records"].as_array_mut().unwrap();
    let appeared = env.fleet.projects[1].servers[0].id.clone();
    records.retain(|r| r["server_id"] != appeared.as_str());
    let flipped = env.fleet.projects[1].servers[1].id.clone();
    let r = records
        .iter_mut()
        .find(|r| r["server_id"] == flipped.as_str())
        .unwrap();
    let was = r["reset_supported"].as_bool().unwrap();
    r["reset_supported"] = Value::Bool(!was);
    std::fs::write(&path, serde_json::to_vec(&saved).unwrap()).unwrap();

    let run = env.run(&["audit", "--diff", "--format", "json"]).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    let d = run.json();
    assert_eq!(keys(&d), ["appeared", "changed", "vanished"].into());
    let ids = |k: &str| -> Vec<String> {
        d[k].as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let r = if k == "changed" { &r["record"] } else { r };
                assert_eq!(keys(r), AUDIT_KEYS.into());
                r["server_id"].as_str().unwrap().to_owned()
            })
            .collect()
    };
    assert_eq!(ids("vanished"), std::slice::from_ref(&gone));
    assert_eq!(ids("appeared"), [appeared]);
    assert_eq!(ids("changed"), [flipped]);
    assert_eq!(d["changed"][0]["before"], Value::Bool(!was));
    assert_eq!(
        d["changed"][0]["record"]["reset_supported"],
        Value::Bool(was)
    );
    assert!(run.err.contains("comparing with"), "{}", run.err);

    let table = env.run(&["audit", "--diff"]).await;
    let vanished_line = table.out.lines().find(|l| l.contains(&gone)).unwrap();
    assert!(vanished_line.starts_with("vanished"), "{}", table.out);
    // The old flag is the "before"; a vanished server has no "after".
    let csv = env.run(&["audit", "--diff", "--format", "csv"]).await;
    let line = csv.out.lines().find(|l| l.contains(&gone)).unwrap();
    let cells: Vec<&str> = line.split(',').collect();
    assert_eq!(cells.len(), 6, "{line}");
    assert!(!cells[4].is_empty() && cells[5].is_empty(), "{line}");
}

#[tokio::test]
async fn diff_compares_only_the_projects_this_run_could_list() {
    let tuning = Tuning {
        concurrency: 1, // projects one after the other, flags in order
        ..Tuning::default()
    };
    let env = CliEnv::with(sim_config(Fleet::generate(2, 6, 119)), tuning, &[]).await;
    assert_eq!(env.run(&["audit", "--save"]).await.code(), 0);

    // Narrowed by --project: the other project was not audited, so nothing of it vanished.
    let run = env
        .run(&[
            "audit",
            "--project",
            "cn-east-3",
            "--diff",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(run.code(), 0, "{}", run.err);
    let empty = serde_json::json!({"appeared": [], "vanished": [], "changed": []});
    assert_eq!(run.json(), empty);

    // The second project cannot be listed this time (5xx from its list call on): its
    // servers are not known to have vanished.
    let sim = env.sim.clone();
    let first_project = env.fleet.projects[0].servers.len();
    let flags = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let ctx = env
        .context(Recorder::default().observer(move |r| {
            if r.path.ends_with("/os-resetpwd-flag") && r.status == Some(200) {
                let n = flags.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                if n == first_project {
                    sim.set_faults(Faults {
                        error_rate: 1.0,
                        ..Faults::none()
                    });
                }
            }
        }))
        .await;
    let Command::Audit(args) = command(env.parse(&["audit", "--diff", "--format", "json"])) else {
        unreachable!()
    };
    let mut cap = Captured::default();
    let result = ecsreset::commands::audit::run(&ctx, &args, &mut cap.io()).await;
    let run = cap.finish(result);
    assert_eq!(run.code(), 2, "{}", run.err);
    assert!(run.err.contains("could not be listed"), "{}", run.err);
    assert_eq!(run.json(), empty, "{}", run.err);
}

// ------------------------------------------------------------------------------ flag

#[tokio::test]
async fn flag_reports_the_given_servers_in_order_and_refuses_unknown_ids() {
    let env = CliEnv::new(Fleet::generate(2, 6, 109)).await;
    let a = env.fleet.projects[1].servers[2].id.clone();
    let b = env.fleet.projects[0].servers[4].id.clone();
    let run = env.run(&["flag", &a, &b, "--format", "json"]).await;
    assert_eq!(run.code(), 0);
    let records = run.json();
    let truth = truth_flags(&env);
    let got: Vec<(&str, bool)> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(keys(r), AUDIT_KEYS.into());
            (
                r["server_id"].as_str().unwrap(),
                r["reset_supported"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [(a.as_str(), truth[&a]), (b.as_str(), truth[&b])]);

    let stray = "00000000-0000-4000-8000-0000000000aa";
    let run = env.run(&["flag", &a, stray]).await;
    assert!(matches!(
        run.result,
        Err(AppError::Locate(LocateError::NotFound { .. }))
    ));
    assert!(run.error().contains(stray));
}

// ------------------------------------------------------------------------------ reset

#[tokio::test]
async fn reset_generate_applies_the_printed_password_and_the_trail_never_holds_it() {
    let env = CliEnv::new(Fleet::generate(2, 10, 110)).await;
    let ok = env.ids(0, |s| s.reset_supported);
    let run = env
        .run(&["reset", &ok[0], "--generate", "--yes", "--format", "json"])
        .await;
    assert_eq!(run.code(), 0, "{}", run.err);
    let out = run.json();
    let pw = out["generated_password"].as_str().unwrap().to_owned();
    assert!(pw.len() >= 12);
    let results = out["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["server_id"], ok[0].as_str());
    assert_eq!(results[0]["outcome"], "accepted");
    assert!(results[0]["request_id"].is_string());
    assert_eq!(received(&env.sim, &ok[0]), std::slice::from_ref(&pw));
    assert!(!run.err.contains(&pw));

    // Two servers of one project with --same-password: the batch API, dry run first, one
    // password for both.
    let run = env
        .run(&[
            "reset",
            &ok[1],
            &ok[2],
            "--generate",
            "--same-password",
            "--yes",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(run.code(), 0, "{}", run.err);
    let out = run.json();
    let pw2 = out["generated_password"].as_str().unwrap().to_owned();
    assert_ne!(pw, pw2);
    for id in &ok[1..3] {
        assert_eq!(received(&env.sim, id), std::slice::from_ref(&pw2), "{id}");
    }
    assert_eq!(route_count(&env.sim, BATCH_RESET_ROUTE), 2, "dry run + run");

    let trail = env.trail();
    let all: Vec<Value> = trail
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Written ahead: an intent (one per request) before each outcome (one per server).
    let phases: Vec<&str> = all.iter().map(|l| l["phase"].as_str().unwrap()).collect();
    assert_eq!(
        phases,
        ["intent", "outcome", "intent", "outcome", "outcome"],
        "{trail}"
    );
    assert_eq!(all[2]["servers"].as_array().unwrap().len(), 2, "{trail}");
    let lines: Vec<&Value> = all.iter().filter(|l| l["phase"] == "outcome").collect();
    assert_eq!(lines.len(), 3, "one outcome per reset:\n{trail}");
    for (line, id) in lines.iter().zip(&ok) {
        assert_eq!(line["action"], "reset-password");
        assert_eq!(line["server_id"], id.as_str());
        assert_eq!(line["outcome"], "accepted");
        assert!(line["request_id"].is_string(), "{line}");
    }
    assert!(!trail.contains(&pw) && !trail.contains(&pw2));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.data_dir().join("trail.jsonl"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the trail is private");
    }
}

#[tokio::test]
async fn unique_generated_passwords_are_sealed_before_sending_and_differ_per_server() {
    let env = CliEnv::new(Fleet::generate(2, 8, 131)).await;
    let mut ids = env.ids(0, |s| s.reset_supported && s.status == "ACTIVE");
    ids.truncate(2);
    ids.push(
        env.ids(1, |s| s.reset_supported && s.status == "ACTIVE")
            .remove(0),
    );
    let identity = age::x25519::Identity::generate();
    let key = env.dir.path().join("operator.key");
    {
        use age::secrecy::ExposeSecret;
        write_private(&key, identity.to_string().expose_secret());
    }
    env.write_config(
        &env.secret_key(),
        &[],
        &format!("\n[escrow]\nrecipients = [\"{}\"]\n", identity.to_public()),
    );
    let mut argv = vec!["reset"];
    argv.extend(ids.iter().map(String::as_str));
    argv.extend(["--generate", "--yes", "--format", "json"]);
    let run = env.run(&argv).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert!(run.err.contains("sealed 3 password(s)"), "{}", run.err);
    let out = run.json();
    assert!(
        out.get("generated_password").is_none(),
        "nothing printed: {out}"
    );
    let dir = env.data_dir().join(ecsreset::escrow::DEFAULT_DIR);
    let mut seen = Vec::new();
    for id in &ids {
        let got = received(&env.sim, id);
        assert_eq!(got.len(), 1, "{id}: one single reset each");
        let (record, file) = ecsreset::escrow::reveal(&dir, id, &key).unwrap();
        assert_eq!(record.password.expose(), got[0], "{id}: sealed = sent");
        assert!(!run.out.contains(&got[0]) && !run.err.contains(&got[0]));
        seen.push(got[0].clone());
        let trail = env.trail();
        assert!(trail.contains(&file.display().to_string()), "{trail}");
        assert!(!trail.contains(&got[0]));
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3, "every server its own password");
    assert_eq!(route_count(&env.sim, BATCH_RESET_ROUTE), 0);
}

#[tokio::test]
async fn unique_passwords_without_escrow_are_refused_on_a_pipe() {
    let env = CliEnv::new(Fleet::generate(1, 8, 132)).await;
    let ok = env.ids(0, |s| s.reset_supported);
    let run = env
        .run(&[
            "reset",
            &ok[0],
            &ok[1],
            "--generate",
            "--yes",
            "--format",
            "json",
        ])
        .await;
    assert!(matches!(run.result, Err(AppError::Usage(_))));
    assert!(run.error().contains("[escrow]"), "{}", run.error());
    assert!(run.out.is_empty());
    for id in &ok[..2] {
        assert!(received(&env.sim, id).is_empty());
    }
}

#[tokio::test]
async fn reset_generate_refuses_csv_before_sending_anything() {
    let env = CliEnv::new(Fleet::generate(1, 5, 111)).await;
    let ok = env.ids(0, |s| s.reset_supported);
    let run = env
        .run(&["reset", &ok[0], "--generate", "--yes", "--format", "csv"])
        .await;
    assert!(matches!(run.result, Err(AppError::Usage(_))));
    assert!(run.error().contains("--format json"), "{}", run.error());
    assert!(run.out.is_empty());
    assert!(received(&env.sim, &ok[0]).is_empty());
}

#[tokio::test]
async fn a_reset_across_two_projects_uses_the_single_api_in_each() {
    let env = CliEnv::new(Fleet::generate(2, 8, 118)).await;
    let a = env.ids(0, |s| s.reset_supported).remove(0);
    let b = env.ids(1, |s| s.reset_supported).remove(0);
    let run = env
        .run(&[
            "reset",
            &b,
            &a,
            "--generate",
            "--same-password",
            "--yes",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(run.code(), 0, "{}", run.err);
    let out = run.json();
    let pw = out["generated_password"].as_str().unwrap();
    let results = out["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    // In the order named.
    for (r, id) in results.iter().zip([&b, &a]) {
        assert_eq!(r["server_id"], id.as_str());
        assert_eq!(r["outcome"], "accepted");
        assert_eq!(received(&env.sim, id), [pw]);
    }
    assert_eq!(route_count(&env.sim, RESET_ROUTE), 2);
    assert_eq!(route_count(&env.sim, BATCH_RESET_ROUTE), 0);
    let trail = env.trail();
    assert_eq!(trail.matches("\"phase\":\"intent\"").count(), 2, "{trail}");
    assert_eq!(trail.matches("\"phase\":\"outcome\"").count(), 2, "{trail}");
}

#[tokio::test]
async fn resets_are_refused_before_anything_is_sent() {
    let fleet = Fleet::generate(2, 10, 111);
    let protected = fleet.projects[1].id.clone();
    let env = CliEnv::with(sim_config(fleet), Tuning::default(), &[&protected]).await;
    let unsupported = env.ids(0, |s| !s.reset_supported);
    let ok = env.ids(0, |s| s.reset_supported);
    let in_protected = env.ids(1, |s| s.reset_supported);

    let run = env
        .run(&["reset", &unsupported[0], "--generate", "--yes"])
        .await;
    assert!(matches!(
        &run.result,
        Err(AppError::PreflightRefused { refused, others: false }) if refused.len() == 1
    ));
    let e = run.error();
    assert!(
        e.contains(&unsupported[0]) && e.contains("not supported"),
        "{e}"
    );

    let run = env
        .run(&["--read-only", "reset", &ok[0], "--generate", "--yes"])
        .await;
    assert!(matches!(run.result, Err(AppError::ReadOnly)));
    assert!(run.error().contains("read-only"));

    let run = env
        .run(&["reset", &ok[0], &in_protected[0], "--generate", "--yes"])
        .await;
    let e = run.error();
    assert!(
        e.contains("protected") && e.contains(&in_protected[0]),
        "{e}"
    );

    let run = env.run(&["--read-only", "reboot", &ok[0], "--yes"]).await;
    assert!(run.error().contains("read-only"));

    for id in [&unsupported[0], &ok[0], &in_protected[0]] {
        assert!(received(&env.sim, id).is_empty());
    }
    for route in [RESET_ROUTE, BATCH_RESET_ROUTE, ACTION_ROUTE] {
        assert_eq!(route_count(&env.sim, route), 0, "{route}");
    }
    assert!(run.out.is_empty());
    assert_eq!(env.trail(), "", "nothing was attempted");
}

#[tokio::test]
async fn reset_with_soft_reboot_applies_the_password() {
    let env = CliEnv::new(Fleet::generate(1, 10, 112)).await;
    let id = env
        .ids(0, |s| s.reset_supported && s.status == "ACTIVE")
        .remove(0);
    let run = env
        .run(&[
            "reset",
            &id,
            "--generate",
            "--yes",
            "--reboot",
            "soft",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(run.code(), 0, "{}", run.err);
    let out = run.json();
    let pw = out["generated_password"].as_str().unwrap();
    let r = &out["results"][0];
    assert_eq!(r["outcome"], "accepted");
    assert_eq!(r["reboot"], "rebooted");
    let t = truth_of(&env.sim, &id);
    assert_eq!(t.status, "ACTIVE");
    assert_eq!(
        t.applied_password
            .as_ref()
            .map(ecsreset::secret::Secret::expose),
        Some(pw)
    );
    let trail = env.trail();
    assert!(
        trail.contains("reboot-soft") && !trail.contains(pw),
        "{trail}"
    );
}

#[tokio::test]
async fn a_reset_whose_reboot_cannot_start_exits_1() {
    let env = CliEnv::new(Fleet::generate(1, 10, 113)).await;
    let id = env
        .ids(0, |s| s.reset_supported && s.status == "ACTIVE")
        .remove(0);
    let sim = env.sim.clone();
    // The reset goes through; from its answer on, the simulator fails every request.
    let ctx = env
        .context(Recorder::default().observer(move |r| {
            if r.method == "PUT" && r.status == Some(204) {
                sim.set_faults(Faults {
                    error_rate: 1.0,
                    ..Faults::none()
                });
            }
        }))
        .await;
    let Command::Reset(args) = command(env.parse(&[
        "reset",
        &id,
        "--generate",
        "--yes",
        "--reboot",
        "soft",
        "--format",
        "json",
    ])) else {
        unreachable!()
    };
    let mut cap = Captured::default();
    let result = ecsreset::commands::reset::run(&ctx, &args, &mut cap.io()).await;
    let run = cap.finish(result);
    let out = run.json();
    let r = &out["results"][0];
    assert_eq!(r["outcome"], "accepted");
    assert!(
        r["reboot"]
            .as_str()
            .unwrap()
            .starts_with("reboot not started"),
        "{r}"
    );
    assert_eq!(received(&env.sim, &id).len(), 1);
    assert_eq!(
        run.code(),
        1,
        "the password is not in effect: that is not a success"
    );
}

#[tokio::test]
async fn a_reboot_whose_answer_is_lost_is_reported_as_unknown_not_as_not_started() {
    let env = CliEnv::new(Fleet::generate(1, 10, 116)).await;
    let id = env.ids(0, |s| s.status == "ACTIVE").remove(0);
    let sim = env.sim.clone();
    // The lookup goes through; from then on every request is applied and its answer lost.
    let ctx = env
        .context(Recorder::default().observer(move |r| {
            if r.method == "GET" && r.status == Some(200) {
                sim.set_faults(Faults {
                    drop_after_apply_rate: 1.0,
                    ..Faults::none()
                });
            }
        }))
        .await;
    let Command::Reboot(args) = command(env.parse(&["reboot", &id, "--yes"])) else {
        unreachable!()
    };
    let mut cap = Captured::default();
    let result = ecsreset::commands::reboot::run(&ctx, &args, &mut cap.io()).await;
    let run = cap.finish(result);
    assert_eq!(run.code(), 1, "not confirmed: {}", run.out);
    assert_eq!(route_count(&env.sim, ACTION_ROUTE), 1, "sent once");
    assert_eq!(truth_of(&env.sim, &id).status, "REBOOT", "it did start");
    let line = run.out.lines().find(|l| l.contains(&id)).unwrap();
    assert!(!line.contains("not started"), "{line}");
    assert!(line.contains("unknown"), "{line}");
    let trail = env.trail();
    assert!(trail.contains("\"outcome\":\"unknown\""), "{trail}");
    assert!(trail.contains("\"action\":\"reboot-soft\""), "{trail}");
}

// ------------------------------------------------------------------------------ faults

#[tokio::test]
async fn throttling_and_injected_5xx_are_retried_to_a_complete_audit() {
    let mut cfg = sim_config(Fleet::generate(2, 20, 114));
    cfg.throttle = Some(20.0);
    let tuning = Tuning {
        retries: 10,
        page_size: 8,
        ..Tuning::default()
    };
    let env = CliEnv::with(cfg, tuning, &[]).await;
    let run = env.run(&["audit", "--format", "json"]).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    let truth = truth_flags(&env);
    let records = run.json();
    for r in records.as_array().unwrap() {
        assert_eq!(
            r["reset_supported"],
            truth[r["server_id"].as_str().unwrap()]
        );
    }
    assert!(env.sim.stats().throttled > 0, "{:?}", env.sim.stats());

    env.sim.set_throttle(None);
    env.sim.set_faults(Faults {
        error_rate: 0.3,
        ..Faults::none()
    });
    let run = env.run(&["audit", "--format", "json"]).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    let again = run.json();
    assert_eq!(again, records, "the same audit despite 5xx answers");
    assert!(env.sim.stats().injected_faults > 0);
}

// ------------------------------------------------------------- a filter the cloud ignores

/// Against a deployment whose list API ignores `server_id` (it answers with every server),
/// `reset`, `reboot` and `flag` still touch only the server named.
#[tokio::test]
async fn an_ignored_server_filter_never_widens_a_change() {
    let mut cfg = sim_config(Fleet::generate(2, 10, 151));
    cfg.quirks.ignore_server_filter = true;
    let env = CliEnv::with(cfg, Tuning::default(), &[]).await;
    let id = env
        .ids(0, |s| s.reset_supported && s.status == "ACTIVE")
        .remove(0);
    let all: Vec<String> = env
        .fleet
        .projects
        .iter()
        .flat_map(|p| p.servers.iter().map(|s| s.id.clone()))
        .collect();

    let run = env
        .run(&["reset", &id, "--generate", "--yes", "--format", "json"])
        .await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert_eq!(run.json()["results"].as_array().unwrap().len(), 1);
    for other in all.iter().filter(|o| **o != id) {
        assert!(
            received(&env.sim, other).is_empty(),
            "{other} was reset too"
        );
    }
    assert_eq!(received(&env.sim, &id).len(), 1);

    let before: Vec<(String, String)> = env
        .sim
        .truth()
        .into_iter()
        .map(|t| (t.server_id, t.status))
        .collect();
    let run = env.run(&["reboot", &id, "--yes", "--no-wait"]).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert_eq!(run.out.lines().count(), 1, "{}", run.out);
    for t in env.sim.truth() {
        let was = &before.iter().find(|(i, _)| *i == t.server_id).unwrap().1;
        if t.server_id != id {
            assert_eq!(&t.status, was, "{} was touched by the reboot", t.server_id);
        }
    }
    assert_eq!(truth_of(&env.sim, &id).status, "REBOOT");

    let run = env.run(&["flag", &id, "--format", "json"]).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert_eq!(run.json().as_array().unwrap().len(), 1);
}

// ------------------------------------------------------------- names and short ids

/// A server may be named by its name or the short id the TUI shows when exactly one server
/// matches; a name two servers share is refused with both named, and nothing is sent.
#[tokio::test]
async fn a_unique_name_or_short_id_names_a_server_and_an_ambiguous_one_is_refused() {
    let env = CliEnv::new(Fleet::generate(2, 10, 152)).await;
    let all: Vec<&ecsreset::sim::SimServer> = env
        .fleet
        .projects
        .iter()
        .flat_map(|p| p.servers.iter())
        .collect();
    let count = |name: &str| all.iter().filter(|s| s.name == name).count();
    let unique = all
        .iter()
        .find(|s| s.reset_supported && s.status == "ACTIVE" && count(&s.name) == 1)
        .expect("a server with a name of its own");
    let shared = all
        .iter()
        .find(|s| count(&s.name) > 1)
        .expect("a name two servers share");

    let run = env.run(&["flag", &unique.name, "--format", "json"]).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert_eq!(run.json()[0]["server_id"], unique.id.as_str());

    let short = &unique.id[..8];
    let run = env
        .run(&["reset", short, "--generate", "--yes", "--format", "json"])
        .await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert_eq!(received(&env.sim, &unique.id).len(), 1);

    let run = env
        .run(&[
            "reset",
            &shared.name,
            "--generate",
            "--yes",
            "--format",
            "json",
        ])
        .await;
    let err = run
        .result
        .as_ref()
        .expect_err("an ambiguous name ran")
        .to_string();
    assert!(err.contains("matches 2 servers"), "{err}");
    for s in all.iter().filter(|s| s.name == shared.name) {
        assert!(err.contains(&s.id), "{err}");
        assert!(received(&env.sim, &s.id).is_empty(), "{} was reset", s.id);
    }
}

// ------------------------------------------------------------------ --concurrency, --rate

/// One project of 10 servers, every request delayed: how long an audit takes shows how many
/// requests were in flight and how fast they were sent.
async fn slow_env(latency_ms: u64) -> CliEnv {
    let mut cfg = sim_config(Fleet::generate(1, 10, 5));
    cfg.faults.latency = std::time::Duration::from_millis(latency_ms);
    CliEnv::with(cfg, Tuning::default(), &[]).await
}

async fn timed(env: &CliEnv, args: &[&str]) -> std::time::Duration {
    let started = std::time::Instant::now();
    let run = env.run(args).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    started.elapsed()
}

#[tokio::test]
async fn concurrency_flag_overrides_the_tuning_table() {
    let env = slow_env(120).await;
    // The config allows 8 at once: ten flag checks of 120 ms take about two rounds.
    let wide = timed(&env, &["audit", "--format", "json"]).await;
    // One at a time: the list and ten flags one after the other, at least 11 x 120 ms.
    let one = timed(&env, &["audit", "--format", "json", "--concurrency", "1"]).await;
    assert!(one >= std::time::Duration::from_millis(1300), "{one:?}");
    assert!(one > wide, "one at a time {one:?} vs eight {wide:?}");
}

#[tokio::test]
async fn rate_flag_overrides_the_tuning_table() {
    let env = slow_env(0).await;
    // The config's ceiling is 1000/s; at 8/s the eleven requests need at least 10/8 s.
    let run_list = env.run(&["list", "--rate", "8", "--format", "json"]).await;
    assert_eq!(run_list.code(), 0);
    let slow = timed(&env, &["audit", "--rate", "8", "--format", "json"]).await;
    assert!(slow >= std::time::Duration::from_millis(1200), "{slow:?}");
    let fast = timed(&env, &["audit", "--format", "json"]).await;
    assert!(fast < slow, "{fast:?} vs {slow:?}");
}

#[test]
fn tuning_flags_refuse_values_out_of_range() {
    use clap::Parser;
    for bad in [
        ["list", "--concurrency", "0"],
        ["audit", "--concurrency", "257"],
        ["audit", "--rate", "0"],
        ["list", "--rate=-1", "--format=json"],
        ["audit", "--rate", "fast"],
    ] {
        let argv = std::iter::once("ecsreset").chain(bad);
        let e = ecsreset::cli::Cli::try_parse_from(argv).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation, "{bad:?}");
    }
    let argv = ["ecsreset", "audit", "--concurrency", "256", "--rate", "0.5"];
    let cli = ecsreset::cli::Cli::try_parse_from(argv).unwrap();
    let Some(Command::Audit(a)) = cli.command else {
        panic!()
    };
    assert_eq!(
        (a.tuning.concurrency, a.tuning.rate),
        (Some(256), Some(0.5))
    );
}

/// A bare-metal server is named by its short id too: the name lookup lists BMS as well.
#[tokio::test]
async fn a_bare_metal_server_is_found_by_its_short_id() {
    let env = CliEnv::new(Fleet::generate(1, 4, 153).with_bare_metal(3, 7)).await;
    let bms = env.fleet.projects[0]
        .servers
        .iter()
        .find(|s| s.kind.is_bms())
        .expect("a bare-metal server");
    let run = env.run(&["flag", &bms.id[..8], "--format", "json"]).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert_eq!(run.json()[0]["server_id"], bms.id.as_str());
    assert_eq!(run.json()[0]["kind"], "BMS");
}
