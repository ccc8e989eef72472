//! Chaos: a large simulated fleet behind a gateway that misbehaves in every way it can at
//! once, and the two promises that must survive it:
//!
//! * an audit finishes, reports every server the simulator holds, and every flag it reports
//!   is the truth; what it cannot determine is `null` with a reason, never a guess;
//! * a reset whose answer is lost after it was applied is reported as outcome unknown, never
//!   as success, and is never silently sent again.
//!
//! The client-level half of the second promise (`Cloud::reset_password` and `batch_reboot`
//! under `drop_after_apply_rate`) is covered in `cloud_client.rs`; here it is the `reset`
//! command's verdict, exit status and audit trail.

use crate::support::*;
use ecsreset::cli::Command;
use ecsreset::sim::{Faults, Fleet};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Everything at once: ~10% 5xx, ~10% random 429, dropped connections, ~2% garbage bodies,
/// a few ms of latency and jitter on every request.
fn chaos() -> Faults {
    Faults {
        latency: Duration::from_millis(1),
        jitter: Duration::from_millis(3),
        error_rate: 0.10,
        throttle_rate: 0.10,
        drop_rate: 0.03,
        garbage_rate: 0.02,
        drop_after_apply_rate: 0.0,
    }
}

/// What one audit under chaos came to, after every record was checked against the truth.
#[derive(Debug)]
struct Verdict {
    servers: usize,
    reported: usize,
    unknown: usize,
    /// Unknown flags by error code (`APIGW.0308`, `bad-response`, `network`, ...).
    reasons: BTreeMap<String, usize>,
    /// Projects the audit said it could not list, with their server counts.
    unlisted: BTreeMap<String, usize>,
    code: i32,
}

/// Checks an `audit --format json` run against the simulator: every record is a server of
/// the simulator, reported once, with the true flag or `null` and a reason; every server is
/// reported unless its whole project is named on stderr as not listed. Panics on a wrong flag.
fn verdict(env: &CliEnv, run: &Outcome) -> Verdict {
    let code = run.code();
    let truth = env.sim.truth();
    let flags: BTreeMap<&str, bool> = truth
        .iter()
        .map(|t| (t.server_id.as_str(), t.reset_supported))
        .collect();
    let records = run.json();
    let records = records.as_array().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let (mut unknown, mut wrong) = (0usize, Vec::new());
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for r in records {
        let id = r["server_id"].as_str().unwrap();
        assert!(seen.insert(id), "{id} reported twice");
        let Some(&expected) = flags.get(id) else {
            panic!("{id} is not a server of the simulator: {r}");
        };
        match &r["reset_supported"] {
            Value::Bool(b) => {
                if *b != expected {
                    wrong.push(id.to_owned());
                }
                assert!(r["error"].is_null(), "a determined flag has no error: {r}");
            }
            Value::Null => {
                unknown += 1;
                let e = r["error"].as_str().unwrap_or_default();
                assert!(!e.is_empty(), "an unknown flag says why: {r}");
                let code = e.split(':').next().unwrap_or_default().to_owned();
                *reasons.entry(code).or_default() += 1;
            }
            other => panic!("reset_supported is {other}: {r}"),
        }
    }
    assert!(wrong.is_empty(), "wrong flags, never acceptable: {wrong:?}");
    let mut unlisted = BTreeMap::new();
    for t in &truth {
        if seen.contains(t.server_id.as_str()) {
            continue;
        }
        let named = format!("error: project {} (", t.project_id);
        assert!(
            run.err.contains(&named),
            "{} was never reported, and its project {} is not named as unlisted:\n{}",
            t.server_id,
            t.project_id,
            run.err
        );
        *unlisted.entry(t.project_id.clone()).or_default() += 1;
    }
    let expected_code = if unknown > 0 || !unlisted.is_empty() {
        2
    } else {
        0
    };
    assert_eq!(code, expected_code, "{}", run.err);
    assert!(
        run.err
            .contains(&format!("total: {} servers", records.len())),
        "{}",
        run.err
    );
    Verdict {
        servers: truth.len(),
        reported: records.len(),
        unknown,
        reasons,
        unlisted,
        code,
    }
}

async fn chaotic_audit(fleet: Fleet, seed: u64, retries: u32) -> (CliEnv, Verdict) {
    let mut cfg = sim_config(fleet);
    cfg.seed = Some(seed);
    cfg.faults = chaos();
    // The random 429s state the gateway's default policy (200/s): the limiter settles under
    // it, and a 429 far under that policy does not cut its rate (see the limiter's tests), so
    // 10% of answers throttled at random cannot drag the audit to a crawl. The ceiling only
    // sets where the rate starts.
    let tuning = Tuning {
        page_size: 200,
        retries,
        retry_base_ms: 5,
        concurrency: 48,
        rate_per_second: 20_000.0,
    };
    let env = CliEnv::with(cfg, tuning, &[]).await;
    let started = Instant::now();
    let run = env.run(&["audit", "--format", "json"]).await;
    let took = started.elapsed();
    let v = verdict(&env, &run);
    let stats = env.sim.stats();
    println!(
        "chaos audit (retries {retries}): {} servers, {} reported, {} unknown {:?}, \
         unlisted projects {:?}, 0 wrong, exit {}, {:.1} s ({:.0} flags/s); simulator: \
         {} requests, {} injected faults ({} dropped)",
        v.servers,
        v.reported,
        v.unknown,
        v.reasons,
        v.unlisted,
        v.code,
        took.as_secs_f64(),
        v.reported as f64 / took.as_secs_f64(),
        stats.total_requests,
        stats.injected_faults,
        stats.dropped,
    );
    // The faults really happened.
    assert!(
        stats.injected_faults * 10 > stats.total_requests,
        "{stats:?}"
    );
    assert!(stats.dropped > 0, "{stats:?}");
    (env, v)
}

/// 5,000 servers, a quarter of all requests faulted. With enough retries every project is
/// listed and nothing is left unknown, or almost nothing; either way nothing is wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chaotic_gateway_never_makes_the_audit_guess() {
    let fleet = Fleet::generate(10, 500, 4242);
    assert_eq!(fleet.server_count(), 5000);
    let (_env, v) = chaotic_audit(fleet, 4242, 8).await;
    assert_eq!(v.reported, v.servers, "every server is reported: {v:?}");
    assert!(v.unlisted.is_empty(), "{v:?}");
}

/// The same chaos with a single retry: flags stay unknown (and a project may go unlisted),
/// and each of them is `null` with the reason, never a guess.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_few_retries_the_chaos_leaves_unknowns_but_no_wrong_flag() {
    let (_env, v) = chaotic_audit(Fleet::generate(2, 500, 4244), 4244, 1).await;
    assert!(v.unknown > 0, "a 25% fault rate and one retry: {v:?}");
    assert_eq!(v.code, 2);
}

/// Runs `reset ... --generate --yes --format json` in-process, switching the simulator to
/// drop-after-apply once `arm` says the calls before the reset itself are done.
async fn reset_with_lost_answer(
    env: &CliEnv,
    ids: &[&str],
    arm: impl Fn(&ecsreset::cloud::CallRecord) -> bool + Send + Sync + 'static,
) -> Outcome {
    let sim = env.sim.clone();
    let rec = Recorder::default();
    let ctx = env
        .context(rec.observer(move |r| {
            if arm(r) {
                sim.set_faults(Faults {
                    drop_after_apply_rate: 1.0,
                    ..Faults::none()
                });
            }
        }))
        .await;
    let mut argv = vec!["reset"];
    argv.extend_from_slice(ids);
    argv.extend_from_slice(&["--generate", "--same-password", "--yes", "--format", "json"]);
    let Command::Reset(args) = command(env.parse(&argv)) else {
        unreachable!()
    };
    let mut cap = Captured::default();
    let result = ecsreset::commands::reset::run(&ctx, &args, &mut cap.io()).await;
    cap.finish(result)
}

#[tokio::test]
async fn a_reset_whose_answer_is_lost_is_reported_unknown_and_sent_once() {
    let env = CliEnv::new(Fleet::generate(1, 10, 4243)).await;
    let ok: Vec<String> = env.fleet.projects[0]
        .servers
        .iter()
        .filter(|s| s.reset_supported)
        .map(|s| s.id.clone())
        .collect();

    // One server: the single API. The flag check is the last call before the reset.
    let run = reset_with_lost_answer(&env, &[&ok[0]], |r| {
        r.path.ends_with("/os-resetpwd-flag") && r.status == Some(200)
    })
    .await;
    assert_eq!(run.code(), 1, "unknown is not success\n{}", run.err);
    let out = run.json();
    let result = &out["results"][0];
    assert_eq!(result["outcome"], "unknown", "{out}");
    assert!(
        result["detail"]
            .as_str()
            .unwrap()
            .starts_with("outcome unknown"),
        "{out}"
    );
    // It may have been applied, so the operator must still learn the password.
    let pw = out["generated_password"].as_str().unwrap();
    assert_eq!(
        received(&env.sim, &ok[0]),
        [pw],
        "applied once, never resent"
    );
    assert_eq!(route_count(&env.sim, RESET_ROUTE), 1);

    // Two servers: the batch API. The dry run passes; the real batch loses its answer.
    env.sim.set_faults(Faults::none());
    let run = reset_with_lost_answer(&env, &[&ok[1], &ok[2]], |r| {
        r.path.ends_with("/os-reset-passwords") && r.status == Some(200)
    })
    .await;
    assert_eq!(run.code(), 1, "{}", run.err);
    let out = run.json();
    let pw = out["generated_password"].as_str().unwrap();
    for (r, id) in out["results"].as_array().unwrap().iter().zip(&ok[1..3]) {
        assert_eq!(r["server_id"], id.as_str());
        assert_eq!(r["outcome"], "unknown", "{out}");
        assert_eq!(received(&env.sim, id), [pw], "{id}: applied once");
    }
    assert_eq!(
        route_count(&env.sim, BATCH_RESET_ROUTE),
        2,
        "dry run + one real batch, no retry"
    );

    let trail = env.trail();
    let outcomes: Vec<String> = trail
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["phase"] == "outcome")
        .map(|l| l["outcome"].to_string())
        .collect();
    assert_eq!(outcomes, ["\"unknown\""; 3], "{trail}");
}

// --------------------------------------------------------------- an answer that says less

/// A canned service for two servers of one project: it lists them, says both support reset,
/// accepts both in a batch dry run, and answers the real batch 200 with the given body.
async fn canned_project(batch_answer: &str) -> (Canned, ecsreset::cloud::ProjectRef, [String; 2]) {
    let ids = [
        "0a000000-0000-4000-8000-000000000001".to_owned(),
        "0a000000-0000-4000-8000-000000000002".to_owned(),
    ];
    let canned = Canned::start(CannedAnswer::new(500, "{}")).await;
    let servers: Vec<Value> = ids
        .iter()
        .map(|id| {
            serde_json::json!({"id": id, "name": "web", "status": "ACTIVE",
                               "metadata": {"os_type": "Linux"}})
        })
        .collect();
    let list = serde_json::json!({"count": 2, "servers": servers}).to_string();
    canned.route("/cloudservers/detail", CannedAnswer::new(200, list));
    canned.route(
        "/os-resetpwd-flag",
        CannedAnswer::new(200, r#"{"resetpwd_flag":"True"}"#),
    );
    let both = serde_json::json!({"response": [{"id": ids[0]}, {"id": ids[1]}]}).to_string();
    canned.route("\"dry_run\":true", CannedAnswer::new(200, both));
    canned.route(
        "\"dry_run\":false",
        CannedAnswer::new(200, batch_answer.to_owned()),
    );
    let p = ecsreset::cloud::ProjectRef {
        id: "0b1c2d3e4f5a4b6c8d9e0f1a2b3c4d5e".into(),
        region: "cn-north-4".into(),
    };
    (canned, p, ids)
}

/// A batch reset answered 200 without naming the servers was accepted for something: it is
/// unknown for each server, never "failed" (which would also withhold a generated password
/// that may now be in effect).
#[tokio::test]
async fn a_batch_answer_that_names_no_server_is_unknown_not_failed() {
    for answer in [
        "{}",
        r#"{"response":[]}"#,
        r#"{"response":[{"id":"other"}]}"#,
    ] {
        let (canned, p, ids) = canned_project(answer).await;
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        write_private(
            &config,
            &format!(
                "[endpoints]\necs = \"{url}\"\niam = \"{url}\"\n\n[credentials]\n\
                 access_key = \"CANNEDAK\"\nsecret_key = \"canned-sk\"\n\n[tuning]\nretries = 0\n\n\
                 [[projects]]\nregion = \"{}\"\nid = \"{}\"\n",
                p.region,
                p.id,
                url = canned.url
            ),
        );
        let data = dir.path().join("data");
        let cli = <ecsreset::cli::Cli as clap::Parser>::try_parse_from([
            "ecsreset",
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
            "reset",
            &ids[0],
            &ids[1],
            "--generate",
            "--same-password",
            "--yes",
            "--format",
            "json",
        ])
        .unwrap();
        let mut cap = Captured::default();
        let result = ecsreset::commands::run(&cli, &mut cap.io()).await;
        let run = cap.finish(result);
        assert_eq!(run.code(), 1, "{answer}: {}", run.err);
        let out = run.json();
        for r in out["results"].as_array().unwrap() {
            assert_eq!(r["outcome"], "unknown", "{answer}: {out}");
            assert_eq!(r["request_id"], "canned", "the answer's id is kept: {out}");
        }
        assert!(
            out["generated_password"].is_string(),
            "it may be in effect, so it is shown: {out}"
        );
    }
}

/// The same answer through the TUI's worker.
#[tokio::test]
async fn the_tui_worker_also_calls_an_unnamed_server_unknown() {
    use ecsreset::tui::msg::{Event, Request, RequestId, ResetStatus, Target};
    let (canned, p, ids) = canned_project("{}").await;
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let (requests, rx) = tokio::sync::mpsc::channel(4);
    let trail = tempfile::tempdir().unwrap();
    let opts = ecsreset::tui::worker::WorkerOptions {
        trail_dir: Some(trail.path().to_owned()),
        ..Default::default()
    };
    ecsreset::tui::worker::spawn(canned.client(0), opts, rx, tx);
    let targets = ids
        .iter()
        .map(|sid| Target {
            project: 0,
            project_id: p.id.clone(),
            region: p.region.clone(),
            server_id: sid.clone(),
            name: "web".into(),
            label: "canned".into(),
            protected: false,
            kind: Default::default(),
        })
        .collect();
    requests
        .send(Request::Reset {
            id: RequestId(1),
            targets,
            password: ecsreset::tui::msg::NewPassword::Same(ecsreset::secret::Secret::new(
                "Tq7!canned-2",
            )),
            check_password: true,
            reboot: None,
        })
        .await
        .unwrap();
    let mut last: BTreeMap<String, ResetStatus> = BTreeMap::new();
    while last.len() < 2 || last.values().any(|s| matches!(s, ResetStatus::Sending)) {
        let e = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("the worker answers")
            .expect("the worker is alive");
        if let Event::Reset {
            server_id, status, ..
        } = e
        {
            last.insert(server_id, status);
        }
    }
    for (sid, status) in &last {
        assert!(
            matches!(status, ResetStatus::OutcomeUnknown(_)),
            "{sid}: {status:?}"
        );
    }
    let text = std::fs::read_to_string(trail.path().join("trail.jsonl")).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["phase"], "intent", "written ahead: {text}");
    let outcomes: Vec<String> = lines
        .iter()
        .filter(|l| l["phase"] == "outcome")
        .map(|l| l["outcome"].to_string())
        .collect();
    assert_eq!(outcomes, ["\"unknown\""; 2], "{text}");
}

/// A throttling gateway, the limit stated in each 429 or not at all, and a client without a
/// rate ceiling: every flag is right, and the flag API's limiter ends near the gateway's
/// limit, under a stated one, without having been told anything beforehand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_finds_a_gateway_limit_stated_or_not() {
    use ecsreset::audit::{self, AuditEvent, AuditOptions};
    use ecsreset::cloud::limiter::ApiClass;
    use ecsreset::sim::{ThrottleStyle, ThrottleWindow};
    const LIMIT: f64 = 25.0;
    for stated in [true, false] {
        let fleet = Fleet::generate(2, 60, 77);
        let projects = regional(&fleet);
        let mut cfg = sim_config(fleet);
        cfg.throttle = Some(LIMIT);
        cfg.throttle_style = ThrottleStyle {
            window: ThrottleWindow::Second,
            policy_in_message: stated,
        };
        let sim = start(cfg).await;
        let mut s = settings(&sim);
        s.rate_per_second = f64::INFINITY;
        s.concurrency = 256;
        s.retry = fast_retry(4);
        let cloud = ecsreset::cloud::Cloud::new(s).unwrap();
        let flags = std::sync::Mutex::new(Vec::new());
        let sink = |e: AuditEvent| {
            if let AuditEvent::Flag {
                server_id, outcome, ..
            } = e
            {
                flags.lock().unwrap().push((server_id, outcome.ok()));
            }
        };
        let opts = AuditOptions {
            page_size: 1000,
            concurrency: 256,
        };
        audit::run(&cloud, &projects, opts, &sink).await;
        let flags = flags.into_inner().unwrap();
        assert_eq!(flags.len(), 120);
        for (id, flag) in &flags {
            let truth = truth_of(&sim, id).reset_supported;
            assert_eq!(*flag, Some(truth), "{id}, policy stated {stated}");
        }
        let stats = sim.stats();
        assert!(stats.throttled > 0, "the gateway throttled: {stats:?}");
        let lane = cloud
            .limiter()
            .report()
            .into_iter()
            .find(|r| r.api == ApiClass::EcsFlag)
            .unwrap();
        println!("policy stated {stated}: {lane:?}, {stats:?}");
        if stated {
            assert_eq!(lane.policy.map(|p| p.limit), Some(25));
            assert!(lane.rate <= LIMIT, "{lane:?}");
        } else {
            assert_eq!(lane.policy, None);
        }
        assert!(
            lane.rate > 0.5 * LIMIT && lane.rate < 1.6 * LIMIT,
            "{lane:?}"
        );
    }
}
