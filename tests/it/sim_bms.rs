//! Bare-metal servers end to end: the simulator's `baremetalservers` routes (paged list,
//! flag, one-click reset, stored Windows password) with signature checks, the client's BMS
//! calls, and the change engine and audit picking the BMS path for BMS servers only.

use crate::support::*;
use ecsreset::cloud::{CloudError, ProjectRef, ServerKind};
use ecsreset::ops::engine::{After, Engine, Options, Passwords, ResetPlan};
use ecsreset::ops::{Progress, Project, Status};
use ecsreset::secret::Secret;
use ecsreset::sim::{Fleet, SimServer};
use std::sync::{Arc, Mutex};

const BMS_LIST: &str = "GET /v1/{project_id}/baremetalservers/detail";
const BMS_FLAG: &str = "GET /v1/{project_id}/baremetalservers/{server_id}/os-resetpwd-flag";
const BMS_RESET: &str = "PUT /v1/{project_id}/baremetalservers/{server_id}/os-reset-password";

/// One project: 5 ECS servers and 7 bare-metal ones.
fn fleet() -> Fleet {
    Fleet::generate(1, 5, 41).with_bare_metal(7, 41)
}

fn bms(s: &SimServer) -> bool {
    s.kind == ServerKind::Bms
}

fn project_of(f: &Fleet) -> ProjectRef {
    regional(f)[0].clone()
}

fn api_code(e: &CloudError) -> String {
    e.api().map(|a| a.code.clone()).unwrap_or_default()
}

#[tokio::test]
async fn the_bms_list_pages_by_page_number_and_holds_only_bare_metal() {
    let f = fleet();
    let sim = start(sim_config(f.clone())).await;
    let cloud = client(&sim);
    let p = project_of(&f);
    let first = cloud.list_bare_metal_page(&p, 1, 3).await.unwrap();
    let third = cloud.list_bare_metal_page(&p, 3, 3).await.unwrap();
    assert_eq!((first.count, first.servers.len()), (Some(7), 3));
    assert_eq!(third.servers.len(), 1, "7 = 3 + 3 + 1");
    let all = cloud.list_bare_metal(&p, 3).await.unwrap();
    let want: Vec<&str> = f.projects[0]
        .servers
        .iter()
        .filter(|s| bms(s))
        .map(|s| s.id.as_str())
        .collect();
    let got: Vec<&str> = all.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(got, want);
    assert!(all.iter().all(|s| s.kind == ServerKind::Bms));
    assert!(
        all.iter()
            .all(|s| s.flavor.as_ref().unwrap().id.starts_with("physical."))
    );
    assert!(all[0].private_ip().is_some() && all[0].os_type().is_some());
    let ecs = cloud.list_servers(&p, 100).await.unwrap();
    assert_eq!(ecs.len(), 5, "the ECS list does not know bare metal");
    assert!(ecs.iter().all(|s| s.kind == ServerKind::Ecs));
    assert_eq!(
        route_count(&sim, BMS_LIST),
        5,
        "2 pages, then 3 for the whole list"
    );
}

#[tokio::test]
async fn flag_and_reset_go_to_the_bms_paths_and_nowhere_else() {
    let mut f = fleet();
    f.projects[0]
        .servers
        .iter_mut()
        .filter(|s| bms(s))
        .nth(1)
        .unwrap()
        .reset_supported = false;
    let sim = start(sim_config(f.clone())).await;
    let cloud = client(&sim);
    let p = project_of(&f);
    let b: Vec<&SimServer> = f.projects[0].servers.iter().filter(|s| bms(s)).collect();
    let e = f.projects[0].servers.iter().find(|s| !bms(s)).unwrap();
    assert!(cloud.bms_reset_flag(&p, &b[0].id).await.unwrap());
    assert!(!cloud.bms_reset_flag(&p, &b[1].id).await.unwrap());
    let wrong = cloud.reset_flag(&p, &b[0].id).await.unwrap_err();
    assert_eq!(api_code(&wrong), "Ecs.0114", "ECS does not know a BMS id");
    let wrong = cloud.bms_reset_flag(&p, &e.id).await.unwrap_err();
    assert_eq!(api_code(&wrong), "Ecs.0114", "BMS does not know an ECS id");

    cloud
        .bms_reset_password(&p, &b[0].id, &Secret::from(SENTINEL))
        .await
        .unwrap();
    assert_eq!(received(&sim, &b[0].id), [SENTINEL]);
    assert!(truth_of(&sim, &b[0].id).password_pending);
    let refused = cloud
        .bms_reset_password(&p, &b[1].id, &Secret::from(SENTINEL))
        .await
        .unwrap_err();
    assert_eq!(api_code(&refused), "Ecs.0025");
    let refused = cloud
        .reset_password(&p, &b[2].id, &Secret::from(SENTINEL), true)
        .await
        .unwrap_err();
    assert_eq!(api_code(&refused), "Ecs.0114");
    assert!(received(&sim, &b[2].id).is_empty());
    assert_eq!(route_count(&sim, BMS_RESET), 2);
    assert_eq!(route_count(&sim, BMS_FLAG), 3);
}

#[tokio::test]
async fn the_stored_windows_password_of_a_bare_metal_server() {
    let f = fleet();
    let mut cfg = sim_config(f.clone());
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
    cfg.windows_key = Some(key.to_public_key());
    let sim = start(cfg).await;
    let cloud = client(&sim);
    let p = project_of(&f);
    let win = f.projects[0]
        .servers
        .iter()
        .find(|s| bms(s) && s.os_type == "Windows" && s.key_name.is_some())
        .expect("the generated bare metal has a Windows server with a key pair");
    let stored = cloud
        .bms_show_server_password(&p, &win.id)
        .await
        .unwrap()
        .expect("a password is stored");
    let plain = ecsreset::winpw::decrypt(&key, &stored).unwrap();
    assert_eq!(
        Some(plain.expose()),
        sim.stored_windows_password(&win.id)
            .as_ref()
            .map(Secret::expose)
    );
    let ecs_path = cloud.show_server_password(&p, &win.id).await.unwrap_err();
    assert_eq!(api_code(&ecs_path), "Ecs.0114");
    cloud.bms_delete_server_password(&p, &win.id).await.unwrap();
    assert_eq!(
        cloud.bms_show_server_password(&p, &win.id).await.unwrap(),
        None
    );
    assert!(sim.stored_windows_password(&win.id).is_none());
}

#[tokio::test]
async fn bms_requests_are_signed_and_checked() {
    let f = fleet();
    let sim = start(sim_config(f.clone())).await;
    let mut s = settings(&sim);
    s.credentials.secret_key = Secret::from("not-the-simulator-key-0123456789abcdefgh");
    s.retry = fast_retry(0);
    let wrong = ecsreset::cloud::Cloud::new(s).unwrap();
    let e = wrong
        .list_bare_metal(&project_of(&f), 10)
        .await
        .unwrap_err();
    assert_eq!(api_code(&e), "APIGW.0301");
    assert_eq!(sim.stats().auth_failures, 1);
}

#[tokio::test]
async fn the_bms_endpoint_can_be_set_apart_from_ecs() {
    let f = fleet();
    let sim = start(sim_config(f.clone())).await;
    let mut s = settings(&sim);
    s.bms_endpoint = Some("http://127.0.0.1:9".into());
    s.retry = fast_retry(0);
    let cloud = ecsreset::cloud::Cloud::new(s).unwrap();
    let p = project_of(&f);
    assert_eq!(cloud.list_servers(&p, 100).await.unwrap().len(), 5);
    let e = cloud.list_bare_metal(&p, 100).await.unwrap_err();
    assert!(matches!(e, CloudError::Transport { .. }), "{e:?}");
    assert_eq!(
        route_count(&sim, BMS_LIST),
        0,
        "nothing reached the ECS address"
    );
}

fn engine(
    sim: &ecsreset::sim::Sim,
    trail: &std::path::Path,
) -> (Engine, Arc<Mutex<Vec<Progress>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let seen = seen.clone();
        Arc::new(move |p: Progress| seen.lock().unwrap().push(p))
    };
    let opts = Options {
        trail_dir: Some(trail.to_owned()),
        poll_interval: std::time::Duration::from_millis(20),
        ..Options::default()
    };
    (Engine::new(client(sim), opts, sink), seen)
}

#[tokio::test]
async fn the_engine_resets_bare_metal_singly_and_ecs_by_batch() {
    let mut f = fleet();
    for s in &mut f.projects[0].servers {
        (s.status, s.reset_supported) = ("ACTIVE".into(), true);
    }
    let sim = start(sim_config(f.clone())).await;
    let dir = tempfile::tempdir().unwrap();
    let (e, seen) = engine(&sim, dir.path());
    let project = Project {
        project: project_of(&f),
        label: "cn-north-4".into(),
        protected: false,
        profile: None,
    };
    let pick = |want_bms: bool, n: usize| -> Vec<String> {
        f.projects[0]
            .servers
            .iter()
            .filter(|s| bms(s) == want_bms && s.reset_supported && s.status == "ACTIVE")
            .take(n)
            .map(|s| s.id.clone())
            .collect()
    };
    let (ecs, bare) = (pick(false, 2), pick(true, 2));
    assert_eq!(
        (ecs.len(), bare.len()),
        (2, 2),
        "the seed gives enough servers"
    );
    let ids: Vec<String> = [
        bare[0].clone(),
        ecs[0].clone(),
        bare[1].clone(),
        ecs[1].clone(),
    ]
    .into();
    let located = e
        .locate(std::slice::from_ref(&project), &ids)
        .await
        .unwrap();
    let kinds: Vec<ServerKind> = located.iter().map(|l| l.server.kind).collect();
    assert_eq!(
        kinds,
        [
            ServerKind::Bms,
            ServerKind::Ecs,
            ServerKind::Bms,
            ServerKind::Ecs
        ]
    );
    let (ok, refused) = e
        .preflight(ecsreset::ops::plan::Check::Reset, located)
        .await;
    assert!(refused.is_empty(), "{refused:?}");
    let reports = e
        .reset(ResetPlan {
            servers: ok,
            passwords: Passwords::Same(Secret::from(SENTINEL)),
            check_password: true,
            after: Some(After {
                reboot: ecsreset::cloud::wire::RebootType::Soft,
                wait: true,
            }),
            escrow: None,
            csms: None,
        })
        .await;
    for r in &reports {
        assert_eq!(r.status, Status::Accepted, "{}", r.located.id());
        assert_eq!(received(&sim, r.located.id()), [SENTINEL]);
    }
    assert_eq!(
        route_count(&sim, BMS_RESET),
        2,
        "one single reset per bare-metal server"
    );
    assert_eq!(
        route_count(&sim, BATCH_RESET_ROUTE),
        2,
        "dry run + batch for the ECS pair"
    );
    assert_eq!(route_count(&sim, RESET_ROUTE), 0);
    // Only ECS servers are rebooted; the bare-metal ones are named in a warning.
    for id in &ecs {
        let r = reports.iter().find(|r| r.located.id() == id).unwrap();
        assert_eq!(r.after, Some(Status::Rebooted), "{id}");
    }
    for id in &bare {
        let r = reports.iter().find(|r| r.located.id() == id).unwrap();
        assert_eq!(r.after, None, "{id}");
        assert!(truth_of(&sim, id).password_pending, "not restarted");
    }
    let warned = seen.lock().unwrap().iter().any(
        |p| matches!(p, Progress::Warning(w) if w.contains(&bare[0]) && w.contains("restart")),
    );
    assert!(warned);
    let trail = std::fs::read_to_string(dir.path().join("trail.jsonl")).unwrap();
    for id in &bare {
        let intents = trail
            .lines()
            .filter(|l| l.contains(id.as_str()) && l.contains("\"intent\""))
            .count();
        assert_eq!(intents, 1, "{id}: written ahead once\n{trail}");
    }
    assert!(!trail.contains(SENTINEL));
}

#[tokio::test]
async fn an_ecs_only_locate_never_calls_bms_and_bms_is_never_rebooted() {
    let f = fleet();
    let sim = start(sim_config(f.clone())).await;
    let dir = tempfile::tempdir().unwrap();
    let (e, _) = engine(&sim, dir.path());
    let project = Project {
        project: project_of(&f),
        label: "p".into(),
        protected: false,
        profile: None,
    };
    let ecs_id = f.projects[0]
        .servers
        .iter()
        .find(|s| !bms(s))
        .unwrap()
        .id
        .clone();
    e.locate(std::slice::from_ref(&project), &[ecs_id])
        .await
        .unwrap();
    assert_eq!(route_count(&sim, BMS_LIST), 0);
    let bms_id = f.projects[0]
        .servers
        .iter()
        .find(|s| bms(s))
        .unwrap()
        .id
        .clone();
    let located = e
        .locate(
            std::slice::from_ref(&project),
            std::slice::from_ref(&bms_id),
        )
        .await
        .unwrap();
    let (ok, refused) = e
        .preflight(ecsreset::ops::plan::Check::Reboot, located)
        .await;
    assert!(ok.is_empty());
    assert!(refused[0].reason.contains("bare-metal"), "{:?}", refused[0]);
    assert_eq!(route_count(&sim, ACTION_ROUTE), 0);
}

#[tokio::test]
async fn audit_and_list_show_both_kinds() {
    let f = fleet();
    let env = CliEnv::new(f.clone()).await;
    let run = env.run(&["audit", "--format", "json"]).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    let records = run.json();
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 12);
    let kind_of = |id: &str| {
        records
            .iter()
            .find(|r| r["server_id"] == id)
            .map(|r| r["kind"].as_str().unwrap().to_owned())
    };
    for s in &f.projects[0].servers {
        assert_eq!(kind_of(&s.id).as_deref(), Some(s.kind.word()), "{}", s.id);
        let r = records
            .iter()
            .find(|r| r["server_id"] == s.id.as_str())
            .unwrap();
        assert_eq!(r["reset_supported"], s.reset_supported, "{}", s.id);
    }
    let csv = env.run(&["audit", "--format", "csv"]).await;
    let header = csv.out.lines().next().unwrap();
    assert!(
        header.starts_with("project_id,region,server_id,kind,name"),
        "{header}"
    );
    assert_eq!(csv.out.lines().filter(|l| l.contains(",BMS,")).count(), 7);
    let list = env.run(&["list", "--format", "json"]).await;
    assert_eq!(list.code(), 0);
    let rows = list.json();
    let bms_rows = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "BMS");
    assert_eq!(bms_rows.count(), 7);
}

#[tokio::test]
async fn a_headless_reset_of_a_bare_metal_server() {
    let f = fleet();
    let env = CliEnv::new(f.clone()).await;
    let id = f.projects[0]
        .servers
        .iter()
        .find(|s| bms(s) && s.reset_supported && s.status == "ACTIVE")
        .unwrap()
        .id
        .clone();
    let run = env
        .run(&["reset", &id, "--generate", "--yes", "--format", "json"])
        .await;
    assert_eq!(run.code(), 0, "{}\n{}", run.out, run.err);
    let got = received(&env.sim, &id);
    assert_eq!(got.len(), 1);
    assert_eq!(route_count(&env.sim, BMS_RESET), 1);
    assert!(env.trail().contains(&id) && !env.trail().contains(&got[0]));
    let flag = env.run(&["flag", &id, "--format", "json"]).await;
    assert_eq!(flag.code(), 0);
    assert_eq!(flag.json()[0]["kind"], "BMS");
}
