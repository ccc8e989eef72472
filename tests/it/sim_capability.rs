//! Capability probing: an API the gateway answers `404 APIGW.0101` for is not offered in that
//! project. The simulator withholds it per region (`--withhold flag@REGION`); the client
//! remembers it per project, the audit counts it apart from unknowns, and pre-flight refuses
//! resets there with the reason.

use crate::support::*;
use ecsreset::cloud::capability::{Capability, is_not_offered};
use ecsreset::ops::Project;
use ecsreset::ops::engine::{Engine, Options};
use ecsreset::ops::plan::Check;
use ecsreset::sim::{Fleet, Withhold};
use std::sync::Arc;

fn withheld(spec: &str) -> Vec<Withhold> {
    vec![spec.parse().unwrap()]
}

fn fleet_and_region() -> (Fleet, String) {
    let fleet = Fleet::generate(2, 25, 303);
    let region = fleet.projects[1].region.clone().unwrap();
    assert_ne!(fleet.projects[0].region.as_deref(), Some(region.as_str()));
    (fleet, region)
}

#[tokio::test]
async fn a_withheld_flag_api_is_not_offered_in_its_region_only_and_remembered() {
    let (fleet, region) = fleet_and_region();
    let mut cfg = sim_config(fleet.clone());
    cfg.withheld = withheld(&format!("flag@{region}"));
    let sim = start(cfg).await;
    let cloud = client(&sim);
    let projects = regional(&fleet);
    let (here, there) = (&projects[0], &projects[1]);
    let s0 = &fleet.projects[0].servers[0].id;
    let s1 = &fleet.projects[1].servers[0].id;

    assert!(cloud.reset_flag(here, s0).await.is_ok());
    let e = cloud.reset_flag(there, s1).await.unwrap_err();
    assert!(is_not_offered(&e), "{e}");
    assert_eq!(route_count(&sim, FLAG_ROUTE), 2);
    // The gateway says so before authentication, as for any API it does not publish.
    let url = format!(
        "{}/v1/{}/cloudservers/{s1}/os-resetpwd-flag",
        sim.base_url(),
        there.id
    );
    let unsigned = reqwest::get(&url).await.unwrap();
    assert_eq!(unsigned.status(), 404);
    let body: serde_json::Value = serde_json::from_str(&unsigned.text().await.unwrap()).unwrap();
    assert_eq!(body["error_code"], "APIGW.0101");
    assert_eq!(sim.stats().auth_failures, 0);

    // Known now: the next flag of that project is not sent, other projects still are.
    let before = route_count(&sim, FLAG_ROUTE);
    let again = cloud
        .reset_flag(there, &fleet.projects[1].servers[1].id)
        .await
        .unwrap_err();
    assert!(is_not_offered(&again));
    assert_eq!(route_count(&sim, FLAG_ROUTE), before);
    assert!(cloud.reset_flag(here, s0).await.is_ok());
    assert_eq!(
        cloud.not_offered(),
        vec![(there.id.clone(), Capability::ResetFlag)]
    );
}

#[tokio::test]
async fn a_withheld_reset_api_applies_nothing_and_pre_flight_then_refuses_with_the_reason() {
    let (fleet, region) = fleet_and_region();
    let mut cfg = sim_config(fleet.clone());
    cfg.withheld = withheld(&format!("reset@{region}"));
    let sim = start(cfg).await;
    let cloud = client(&sim);
    let there = regional(&fleet)[1].clone();
    let ok: Vec<String> = fleet.projects[1]
        .servers
        .iter()
        .filter(|s| s.reset_supported && s.status == "ACTIVE")
        .map(|s| s.id.clone())
        .collect();
    let password = ecsreset::secret::Secret::from(SENTINEL);

    let e = cloud
        .reset_password(&there, &ok[0], &password, true)
        .await
        .unwrap_err();
    assert!(is_not_offered(&e), "{e}");
    assert!(received(&sim, &ok[0]).is_empty());
    assert!(
        cloud
            .known_missing(&there, Capability::ResetPassword)
            .is_some()
    );

    let engine = Engine::new(cloud, Options::default(), Arc::new(|_| {}));
    let project = Project {
        project: there,
        label: region.clone(),
        protected: false,
        profile: None,
    };
    let named = vec![ecsreset::ops::engine::Named {
        project,
        id: ok[1].clone(),
        name: String::new(),
        kind: ecsreset::cloud::ServerKind::Ecs,
    }];
    let (go, refused) = engine.check(Check::Reset, named).await;
    assert!(go.is_empty());
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0].reason.contains("not offered here")
            && refused[0].reason.contains("os-reset-password"),
        "{}",
        refused[0].reason
    );
}

async fn withheld_env() -> (CliEnv, String) {
    let (fleet, region) = fleet_and_region();
    let mut cfg = sim_config(fleet);
    cfg.withheld = withheld(&format!("flag@{region}"));
    (CliEnv::with(cfg, Tuning::default(), &[]).await, region)
}

#[tokio::test]
async fn the_audit_reports_not_offered_apart_from_unknowns_in_json_csv_and_summary() {
    let (env, region) = withheld_env().await;
    let run = env.run(&["audit", "--format", "json"]).await;
    assert_eq!(run.code(), 0, "not offered is no unknown: {}", run.err);
    let records = run.json();
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 50);
    for r in records {
        let there = r["region"] == region.as_str();
        assert_eq!(r["not_offered"].as_bool().unwrap_or(false), there, "{r}");
        if there {
            assert!(r["reset_supported"].is_null());
            assert!(r["error"].as_str().unwrap().starts_with("not offered here"));
        } else {
            assert!(r["reset_supported"].is_boolean(), "{r}");
        }
    }
    assert!(run.err.contains(", 25 not offered here"), "{}", run.err);
    // At most one request per slot of the concurrency, then the answer is remembered.
    let sent = route_count(&env.sim, FLAG_ROUTE);
    assert!(sent <= 25 + env.tuning.concurrency as u64, "{sent}");

    let csv = env.run(&["audit", "--format", "csv"]).await;
    let rows: Vec<&str> = csv.out.lines().skip(1).collect();
    let offered_not = rows.iter().filter(|l| l.ends_with(",true,")).count();
    assert_eq!(offered_not, 25, "{}", csv.out);

    let strict = env.run(&["audit", "--fail-on-unsupported"]).await;
    assert_eq!(
        strict.code(),
        3,
        "servers that cannot be reset fail the strict audit"
    );
}

#[tokio::test]
async fn a_reset_where_the_flag_api_is_not_offered_is_refused_before_sending() {
    let (env, _) = withheld_env().await;
    let id = env.fleet.projects[1]
        .servers
        .iter()
        .find(|s| s.reset_supported && s.status == "ACTIVE")
        .unwrap()
        .id
        .clone();
    let run = env.run(&["reset", &id, "--generate", "--yes"]).await;
    let e = run.error();
    assert!(e.contains(&id) && e.contains("not offered here"), "{e}");
    assert!(received(&env.sim, &id).is_empty());
    assert_eq!(route_count(&env.sim, RESET_ROUTE), 0);
    assert_eq!(route_count(&env.sim, BATCH_RESET_ROUTE), 0);
}
