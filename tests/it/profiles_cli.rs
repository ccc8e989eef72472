//! Two accounts in one config: `[profiles.a]` and `[profiles.b]` point at two simulators with
//! different keys. Every call must go to its own profile's endpoint with its own keys (a
//! wrongly routed call is a 401 there), and the audit groups by profile.

use crate::support::*;
use clap::Parser;
use ecsreset::cli::Cli;
use ecsreset::commands;
use ecsreset::sim::{Fleet, Sim};
use serde_json::Value;
use std::path::PathBuf;

struct Two {
    a: Sim,
    b: Sim,
    fa: Fleet,
    fb: Fleet,
    dir: tempfile::TempDir,
    config: PathBuf,
}

async fn two(b_extra: &str) -> Two {
    let (fa, fb) = (Fleet::generate(2, 6, 501), Fleet::generate(1, 5, 502));
    let a = start(sim_config(fa.clone())).await;
    let b = start(sim_config(fb.clone())).await;
    assert_ne!(a.credentials()[0].access_key, b.credentials()[0].access_key);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let text = format!(
        "[tuning]\nretries = 0\nrate_per_second = 1000.0\n{}{}",
        profile_text("a", &a, &fa, ""),
        profile_text("b", &b, &fb, b_extra)
    );
    write_private(&config, &text);
    Two {
        a,
        b,
        fa,
        fb,
        dir,
        config,
    }
}

impl Two {
    async fn run(&self, args: &[&str]) -> Outcome {
        let mut argv: Vec<String> = vec![
            "ecsreset".into(),
            "--config".into(),
            self.config.display().to_string(),
            "--data-dir".into(),
            self.dir.path().join("data").display().to_string(),
        ];
        argv.extend(args.iter().map(std::string::ToString::to_string));
        let cli = Cli::try_parse_from(argv).unwrap();
        let mut cap = Captured::default();
        let result = commands::run(&cli, &mut cap.io()).await;
        cap.finish(result)
    }
}

#[tokio::test]
async fn an_audit_across_two_profiles_goes_to_each_account_and_groups_json_by_profile() {
    let t = two("").await;
    let run = t.run(&["audit", "--format", "json"]).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    let doc = run.json();
    let groups = doc.as_object().unwrap();
    assert_eq!(groups.keys().collect::<Vec<_>>(), ["a", "b"]);
    for (name, sim, fleet) in [("a", &t.a, &t.fa), ("b", &t.b, &t.fb)] {
        let records = groups[name].as_array().unwrap();
        assert_eq!(records.len(), fleet.server_count(), "{name}");
        let truth: std::collections::HashMap<String, bool> = sim
            .truth()
            .into_iter()
            .map(|s| (s.server_id, s.reset_supported))
            .collect();
        for r in records {
            assert_eq!(r["profile"], name);
            let id = r["server_id"].as_str().unwrap();
            assert_eq!(r["reset_supported"], Value::Bool(truth[id]), "{r}");
        }
        assert_eq!(
            sim.stats().auth_failures,
            0,
            "{name}: every call signed with its own keys"
        );
    }
    assert!(run.err.contains("profile a: "), "{}", run.err);
    assert!(run.err.contains("profile b: "), "{}", run.err);
    assert!(
        run.err.contains(&format!(
            "total: {} servers",
            t.fa.server_count() + t.fb.server_count()
        )),
        "{}",
        run.err
    );
}

#[tokio::test]
async fn profile_chooses_and_one_profile_prints_the_flat_shape() {
    let t = two("").await;
    let run = t
        .run(&["--profile", "b", "audit", "--format", "json"])
        .await;
    assert_eq!(run.code(), 0, "{}", run.err);
    let records = run.json();
    assert_eq!(records.as_array().unwrap().len(), t.fb.server_count());
    assert_eq!(route_count(&t.a, LIST_ROUTE), 0, "profile a not loaded");
    let bad = t.run(&["--profile", "c", "list"]).await;
    let e = bad.result.unwrap_err().to_string();
    assert!(
        e.contains("no profile named") && e.contains("known: a, b"),
        "{e}"
    );
}

#[tokio::test]
async fn a_reset_goes_to_the_profile_holding_the_server_and_protected_profiles_refuse() {
    let t = two("protected = true").await;
    let ok_in = |f: &Fleet| {
        f.projects
            .iter()
            .flat_map(|p| &p.servers)
            .find(|s| s.reset_supported && s.status == "ACTIVE")
            .unwrap()
            .id
            .clone()
    };
    let (in_a, in_b) = (ok_in(&t.fa), ok_in(&t.fb));
    let run = t.run(&["reset", &in_a, "--generate", "--yes"]).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert_eq!(received(&t.a, &in_a).len(), 1);
    assert_eq!(route_count(&t.b, RESET_ROUTE), 0);
    let run = t.run(&["reset", &in_b, "--generate", "--yes"]).await;
    assert!(run.error().contains("protected"), "{}", run.error());
    assert!(received(&t.b, &in_b).is_empty());
}

#[tokio::test]
async fn a_profile_signs_with_keys_imported_from_koocli() {
    let fleet = Fleet::generate(1, 4, 503);
    let sim = start(sim_config(fleet.clone())).await;
    let c = sim.credentials()[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let koo = dir.path().join("config.json");
    let json = serde_json::json!({
        "current": "ops",
        "profiles": [{"name": "ops", "mode": "AKSK", "accessKeyId": c.access_key,
                      "secretAccessKey": c.secret_key.expose(), "region": "cn-north-4",
                      "projectId": "", "domainId": ""}]
    });
    write_private(&koo, &json.to_string());
    let mut text = format!(
        "[profiles.koo]\nkoocli = \"ops\"\nkoocli_file = {}\n[profiles.koo.endpoints]\necs = {url}\niam = {url}\n",
        q(&koo.display().to_string()),
        url = q(&sim.base_url())
    );
    for p in regional(&fleet) {
        text.push_str(&format!(
            "[[profiles.koo.projects]]\nregion = {}\n",
            q(&p.region)
        ));
    }
    let config = dir.path().join("config.toml");
    write_private(&config, &text);
    let t = Two {
        a: start(sim_config(Fleet::generate(1, 1, 1))).await,
        b: sim,
        fa: Fleet::generate(1, 1, 1),
        fb: fleet.clone(),
        dir,
        config,
    };
    let run = t.run(&["audit", "--format", "json"]).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    let records = run.json();
    assert_eq!(records.as_array().unwrap().len(), fleet.server_count());
    assert_eq!(records[0]["profile"], "koo");
    assert_eq!(t.b.stats().auth_failures, 0);
    assert!(!run.err.contains(c.secret_key.expose()));
}

/// `audit --format json|csv` writes records while the audit runs; `--save` collects them
/// first. Both write the same bytes, grouped by profile or flat, and the same summary.
#[tokio::test]
async fn the_streamed_report_is_the_bytes_of_the_collected_one() {
    let t = two("").await;
    for format in ["json", "csv"] {
        let streamed = t.run(&["audit", "--format", format]).await;
        let collected = t.run(&["audit", "--save", "--format", format]).await;
        assert_eq!(streamed.code(), 0, "{}", streamed.err);
        assert_eq!(collected.code(), 0, "{}", collected.err);
        assert_eq!(streamed.out, collected.out, "{format}");
        let summary = |err: &str| -> Vec<String> {
            err.lines()
                .filter(|l| !l.starts_with("saved to"))
                .map(str::to_owned)
                .collect()
        };
        assert_eq!(summary(&streamed.err), summary(&collected.err), "{format}");
    }
    let doc = t.run(&["audit", "--format", "json"]).await.json();
    assert_eq!(
        doc.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["a", "b"]
    );
}

/// One profile's keys are rejected: the command fails and writes no report, even though the
/// other profile's projects are fine and would stream first.
#[tokio::test]
async fn a_profile_with_rejected_keys_stops_the_streamed_audit_with_no_report() {
    let t = two("").await;
    let secret = t.b.credentials()[0].secret_key.expose().to_owned();
    let text = std::fs::read_to_string(&t.config).unwrap();
    write_private(
        &t.config,
        &text.replace(&secret, "wrong-secret-key-000000000000000000000000"),
    );
    for format in ["json", "csv"] {
        let run = t.run(&["audit", "--format", format]).await;
        let e = run.error();
        assert!(e.contains("APIGW.0301"), "{format}: {e}");
        assert!(
            run.out.is_empty(),
            "{format}: no partial report: {}",
            run.out
        );
    }
}
