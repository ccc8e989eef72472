//! The cloud client against the signature-checking simulator: typed results for every call,
//! typed errors for every error style (ECS, gateway, decode, transport, outcome unknown), what
//! is retried and what never is, and what the observer sees.

use crate::support::*;
use ecsreset::cloud::wire::RebootType;
use ecsreset::cloud::{Cloud, CloudError, ProjectRef};
use ecsreset::secret::Secret;
use ecsreset::sim::{Faults, Fleet, SimConfig};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

fn api(e: &CloudError) -> &ecsreset::cloud::ApiError {
    e.api()
        .unwrap_or_else(|| panic!("expected an API error, got {e:?}"))
}

#[tokio::test]
async fn list_page_offset_is_a_page_number_and_count_is_the_total() {
    let fleet = Fleet::generate(1, 120, 11);
    let p = regional(&fleet).remove(0);
    let sim = start(sim_config(fleet)).await;
    let cloud = client(&sim);
    let mut seen = Vec::new();
    for (page, want) in [(1, 50), (2, 50), (3, 20), (4, 0)] {
        let r = cloud.list_servers_page(&p, page, 50).await.unwrap();
        assert_eq!(r.count, Some(120), "count is the total, page {page}");
        assert_eq!(r.servers.len(), want, "page {page}");
        seen.extend(r.servers.into_iter().map(|s| s.id));
    }
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 120, "no overlap");
    // Page 0 is sent as page 1, not as an item offset of 0.
    let zero = cloud.list_servers_page(&p, 0, 50).await.unwrap();
    assert_eq!(zero.servers[0].id, seen[0]);
}

#[tokio::test]
async fn list_servers_walks_every_page_and_stops_at_count() {
    let fleet = Fleet::generate(2, 120, 12);
    let projects = regional(&fleet);
    let sim = start(sim_config(fleet.clone())).await;
    let cloud = client(&sim);

    let all = cloud.list_servers(&projects[0], 50).await.unwrap();
    assert_eq!(
        route_count(&sim, LIST_ROUTE),
        3,
        "120 servers / 50 = 3 pages"
    );
    let want: Vec<String> = fleet.projects[0]
        .servers
        .iter()
        .map(|s| s.id.clone())
        .collect();
    assert_eq!(
        all.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        want,
        "every server once, in order"
    );
    let first = &all[0];
    assert!(first.status.is_some() && first.name.is_some() && first.os_type().is_some());

    // An exact multiple: `count` ends the walk without asking for an empty page.
    let before = route_count(&sim, LIST_ROUTE);
    let all = cloud.list_servers(&projects[1], 60).await.unwrap();
    assert_eq!(all.len(), 120);
    assert_eq!(route_count(&sim, LIST_ROUTE) - before, 2);
}

#[tokio::test]
async fn servers_by_id_finds_known_ids_and_drops_unknown_stubs() {
    let fleet = Fleet::generate(2, 8, 13);
    let projects = regional(&fleet);
    let sim = start(sim_config(fleet.clone())).await;
    let cloud = client(&sim);
    let mine: Vec<String> = fleet.projects[0].servers[..3]
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let other = fleet.projects[1].servers[0].id.clone();
    let mut ask = mine.clone();
    ask.push(other.clone());
    ask.push("00000000-0000-4000-8000-000000000000".into());
    let found = cloud.servers_by_id(&projects[0], &ask).await.unwrap();
    let ids: Vec<&str> = found.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, mine, "only this project's servers, stubs dropped");
    assert!(found.iter().all(|s| s.status.is_some()));
    let elsewhere = cloud
        .servers_by_id(&projects[1], std::slice::from_ref(&other))
        .await
        .unwrap();
    assert_eq!(elsewhere.len(), 1);
}

#[tokio::test]
async fn reset_flags_match_the_simulators_truth() {
    let fleet = Fleet::generate(2, 20, 14);
    let sim = start(sim_config(fleet.clone())).await;
    let cloud = client(&sim);
    let projects = regional(&fleet);
    let truth = sim.truth();
    let (mut yes, mut no) = (0, 0);
    for t in &truth {
        let p = projects.iter().find(|p| p.id == t.project_id).unwrap();
        let flag = cloud.reset_flag(p, &t.server_id).await.unwrap();
        assert_eq!(flag, t.reset_supported, "{}", t.server_id);
        if flag { yes += 1 } else { no += 1 }
    }
    assert!(yes > 0 && no > 0, "the fleet has both kinds ({yes}/{no})");
}

#[tokio::test]
async fn an_unknown_server_is_a_typed_not_found() {
    let fleet = Fleet::generate(1, 2, 15);
    let p = regional(&fleet).remove(0);
    let sim = start(sim_config(fleet)).await;
    let cloud = client(&sim);
    let e = cloud
        .reset_flag(&p, "00000000-0000-4000-8000-00000000dead")
        .await
        .unwrap_err();
    let a = api(&e);
    assert_eq!((a.status, a.code.as_str()), (404, "Ecs.0114"));
    assert!(a.is_not_found() && !a.is_throttled() && !a.is_auth());
    assert!(a.message.contains("00000000-0000-4000-8000-00000000dead"));
    assert!(a.request_id.is_some(), "request id from X-Request-Id");
    assert_eq!(e.code(), "Ecs.0114");
    assert_eq!(route_count(&sim, FLAG_ROUTE), 1, "a 404 is not retried");
}

#[tokio::test]
async fn a_reset_is_accepted_with_204_and_reaches_the_server() {
    let fleet = Fleet::generate(1, 10, 16);
    let (p, s) = pick(&fleet, |s| s.reset_supported);
    let sim = start(sim_config(fleet)).await;
    let cloud = client(&sim);
    let accepted = cloud
        .reset_password(&p, &s.id, &Secret::new(SENTINEL), true)
        .await
        .unwrap();
    assert!(accepted.request_id.is_some());
    assert_eq!(received(&sim, &s.id), [SENTINEL]);
    let t = truth_of(&sim, &s.id);
    assert!(t.password_pending, "applies at the next (re)start");
    assert_eq!(t.applied_password, None);
}

#[tokio::test]
async fn a_weak_password_is_refused_without_echoing_it() {
    let fleet = Fleet::generate(1, 10, 17);
    let (p, s) = pick(&fleet, |s| s.reset_supported);
    let (_, unsupported) = pick(&fleet, |s| !s.reset_supported);
    let sim = start(sim_config(fleet)).await;
    let cloud = client(&sim);
    let weak = Secret::new("weakpass1");
    let e = cloud
        .reset_password(&p, &s.id, &weak, true)
        .await
        .unwrap_err();
    let a = api(&e);
    assert_eq!((a.status, a.code.as_str()), (400, "Ecs.0005"));
    assert!(!a.message.contains("weakpass1") && !e.to_string().contains("weakpass1"));
    assert!(received(&sim, &s.id).is_empty());
    assert_eq!(route_count(&sim, RESET_ROUTE), 1, "a 400 is not retried");

    // Without is_check_password the API checks nothing.
    cloud.reset_password(&p, &s.id, &weak, false).await.unwrap();
    assert_eq!(received(&sim, &s.id), ["weakpass1"]);

    // A server without the plug-in refuses, typed.
    let e = cloud
        .reset_password(&p, &unsupported.id, &Secret::new(SENTINEL), true)
        .await
        .unwrap_err();
    assert_eq!(api(&e).status, 400);
    assert!(received(&sim, &unsupported.id).is_empty());
}

#[tokio::test]
async fn batch_reset_dry_run_applies_nothing_and_the_real_run_applies_to_all() {
    let fleet = Fleet::generate(1, 12, 18);
    let p = regional(&fleet).remove(0);
    let ids: Vec<String> = fleet.projects[0]
        .servers
        .iter()
        .filter(|s| s.reset_supported)
        .take(4)
        .map(|s| s.id.clone())
        .collect();
    assert_eq!(ids.len(), 4);
    let sim = start(sim_config(fleet)).await;
    let cloud = client(&sim);
    let pw = Secret::new(SENTINEL);
    let checked = cloud
        .batch_reset_password(&p, &ids, Some(&pw), true)
        .await
        .unwrap();
    assert_eq!(checked, ids);
    assert!(
        ids.iter().all(|id| received(&sim, id).is_empty()),
        "dry run"
    );
    let done = cloud
        .batch_reset_password(&p, &ids, Some(&pw), false)
        .await
        .unwrap();
    assert_eq!(done, ids);
    for id in &ids {
        assert_eq!(received(&sim, id), [SENTINEL], "{id}");
    }
}

#[tokio::test]
async fn batch_reboot_job_reaches_success_and_applies_the_pending_password() {
    let fleet = Fleet::generate(1, 12, 19);
    let p = regional(&fleet).remove(0);
    let ids: Vec<String> = fleet.projects[0]
        .servers
        .iter()
        .filter(|s| s.reset_supported && s.status == "ACTIVE")
        .take(2)
        .map(|s| s.id.clone())
        .collect();
    let sim = start(sim_config(fleet)).await;
    let cloud = client(&sim);
    cloud
        .reset_password(&p, &ids[0], &Secret::new(SENTINEL), true)
        .await
        .unwrap();
    let job_id = cloud
        .batch_reboot(&p, &ids, RebootType::Soft)
        .await
        .unwrap();
    assert!(!job_id.is_empty());
    assert_eq!(truth_of(&sim, &ids[0]).status, "REBOOT");
    let job = eventually("the reboot job to end", async || {
        let job = cloud.job(&p, &job_id).await.unwrap();
        matches!(job.status.as_deref(), Some("SUCCESS" | "FAIL")).then_some(job)
    })
    .await;
    assert_eq!(job.status.as_deref(), Some("SUCCESS"), "{job:?}");
    assert_eq!(job.job_id.as_deref(), Some(job_id.as_str()));
    let subs = job.entities.unwrap().sub_jobs.unwrap();
    let mut servers: Vec<String> = subs
        .iter()
        .map(|s| {
            assert_eq!(s.status.as_deref(), Some("SUCCESS"));
            s.entities.clone().unwrap().server_id.unwrap()
        })
        .collect();
    servers.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(servers, want);
    let t = truth_of(&sim, &ids[0]);
    assert_eq!(t.status, "ACTIVE");
    assert_eq!(
        t.applied_password.as_ref().map(Secret::expose),
        Some(SENTINEL)
    );

    let e = cloud
        .job(&p, "ffffffffffffffffffffffffffffffff")
        .await
        .unwrap_err();
    assert!(e.api().is_some_and(|a| a.status == 404), "{e:?}");
}

#[tokio::test]
async fn iam_projects_skip_mos_and_disabled_and_name_the_region_project() {
    let fleet = Fleet::generate(3, 1, 20);
    let sim = start(sim_config(fleet.clone())).await;
    let cloud = client(&sim);
    let all = cloud.auth_projects("cn-north-4").await.unwrap();
    assert_eq!(all.len(), fleet.projects.len(), "IAM lists every project");
    assert!(all.iter().any(|p| p.name == "MOS"));
    assert!(all.iter().any(|p| !p.enabled));

    let usable = cloud.region_projects("cn-north-4").await.unwrap();
    let mut want = regional(&fleet);
    want.sort();
    assert_eq!(usable, want);
    assert!(usable.iter().all(|p| p.region != "MOS"));

    assert_eq!(
        cloud.project_id_for("cn-east-3").await.unwrap(),
        fleet.projects[1].id
    );
    // The generated fleet's disabled project is named after an otherwise unused region.
    let disabled = fleet.projects.iter().find(|p| !p.enabled).unwrap();
    let e = cloud.project_id_for(&disabled.name).await.unwrap_err();
    assert!(matches!(e, CloudError::Setup(_)), "{e:?}");
    assert!(e.to_string().contains(&disabled.name));
}

#[tokio::test]
async fn a_wrong_secret_key_is_a_gateway_401_and_not_retried() {
    let fleet = Fleet::generate(1, 2, 21);
    let p = regional(&fleet).remove(0);
    let sim = start(sim_config(fleet)).await;
    let mut s = settings(&sim);
    s.credentials.secret_key = Secret::new("not-the-secret-key-0000000000000000000000");
    let cloud = Cloud::new(s).unwrap();
    let e = cloud.list_servers_page(&p, 1, 10).await.unwrap_err();
    let a = api(&e);
    assert_eq!((a.status, a.code.as_str()), (401, "APIGW.0301"));
    assert!(a.is_auth());
    assert!(a.request_id.is_some());
    let e = cloud.auth_projects("cn-north-4").await.unwrap_err();
    assert_eq!(api(&e).code, "APIGW.0301");
    assert_eq!(sim.stats().auth_failures, 2, "one attempt each");
}

#[tokio::test]
async fn throttled_reads_are_retried_until_they_pass() {
    let fleet = Fleet::generate(1, 20, 22);
    let p = regional(&fleet).remove(0);
    let ids: Vec<String> = fleet.projects[0]
        .servers
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let mut cfg = sim_config(fleet);
    cfg.throttle = Some(10.0);
    let sim = start(cfg).await;
    let mut s = settings(&sim);
    // Enough retries to outlast a 100 ms refill; the client's own rate is not the limit.
    s.retry = ecsreset::cloud::RetryPolicy {
        retries: 10,
        base: Duration::from_millis(10),
        cap: Duration::from_millis(200),
    };
    let cloud = Cloud::new(s).unwrap();
    for id in &ids {
        cloud.reset_flag(&p, id).await.unwrap();
    }
    let stats = sim.stats();
    assert!(stats.throttled > 0, "429s happened: {stats:?}");
    assert_eq!(
        route_count(&sim, FLAG_ROUTE),
        ids.len() as u64 + stats.throttled,
        "every 429 was followed by a retry"
    );
    let rate = cloud
        .limiter()
        .rate(ecsreset::cloud::limiter::ApiClass::EcsFlag);
    assert!(rate.unwrap() < 1000.0, "the client slowed down");
}

#[tokio::test]
async fn without_retries_throttling_is_a_typed_error() {
    let fleet = Fleet::generate(1, 5, 23);
    let p = regional(&fleet).remove(0);
    let id = fleet.projects[0].servers[0].id.clone();
    let mut cfg = sim_config(fleet);
    cfg.throttle = Some(0.1);
    let sim = start(cfg).await;
    let mut s = settings(&sim);
    s.retry = fast_retry(0);
    let cloud = Cloud::new(s).unwrap();
    cloud.reset_flag(&p, &id).await.unwrap();
    let e = cloud.reset_flag(&p, &id).await.unwrap_err();
    let a = api(&e);
    assert!(a.is_throttled());
    assert_eq!((a.status, a.code.as_str()), (429, "APIGW.0308"));
    assert!(a.message.contains("throttling threshold"));
    assert_eq!(route_count(&sim, FLAG_ROUTE), 2);
}

#[tokio::test]
async fn server_errors_on_reads_are_retried() {
    let fleet = Fleet::generate(1, 5, 24);
    let p = regional(&fleet).remove(0);
    let id = fleet.projects[0].servers[0].id.clone();
    let sim = Arc::new(start(sim_config(fleet)).await);
    sim.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::none()
    });
    let cloud = client(&sim);
    // Always failing: 1 + 3 retries, then the last answer as a typed error.
    let e = cloud.reset_flag(&p, &id).await.unwrap_err();
    let a = api(&e);
    assert!((500..600).contains(&a.status), "{a:?}");
    assert!(a.code == "Ecs.0000" || a.code == "APIGW.0201", "{a:?}");
    assert_eq!(route_count(&sim, FLAG_ROUTE), 4);

    // Failing once, then healthy: the caller sees only the success.
    let rec = Recorder::default();
    let heal = sim.clone();
    let mut s = settings(&sim);
    s.observer = Some(rec.observer(move |r| {
        if r.status.is_some_and(|s| s >= 500) {
            heal.set_faults(Faults::none());
        }
    }));
    let cloud = Cloud::new(s).unwrap();
    let flag = cloud.reset_flag(&p, &id).await.unwrap();
    assert_eq!(flag, truth_of(&sim, &id).reset_supported);
    let records = rec.take();
    assert_eq!(records.len(), 2);
    assert!(records[0].will_retry && records[0].status.unwrap() >= 500);
    assert_eq!((records[1].attempt, records[1].status), (2, Some(200)));
}

#[tokio::test]
async fn a_reset_that_meets_a_server_error_is_sent_once_and_reported() {
    let fleet = Fleet::generate(1, 10, 25);
    let (p, s) = pick(&fleet, |s| s.reset_supported);
    let sim = start(sim_config(fleet)).await;
    sim.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::none()
    });
    let cloud = client(&sim);
    let e = cloud
        .reset_password(&p, &s.id, &Secret::new(SENTINEL), true)
        .await
        .unwrap_err();
    assert!(api(&e).status >= 500, "{e:?}");
    assert!(!e.to_string().contains(SENTINEL));
    assert_eq!(route_count(&sim, RESET_ROUTE), 1, "never retried");
    assert!(received(&sim, &s.id).is_empty());
}

#[tokio::test]
async fn garbage_bodies_are_decode_errors() {
    let fleet = Fleet::generate(1, 5, 26);
    let p = regional(&fleet).remove(0);
    let id = fleet.projects[0].servers[0].id.clone();
    let sim = start(sim_config(fleet)).await;
    sim.set_faults(Faults {
        garbage_rate: 1.0,
        ..Faults::none()
    });
    let cloud = client(&sim);
    // Each garbage answer is, at random, truncated JSON or an HTML page: try both often.
    for _ in 0..6 {
        let e = cloud.list_servers_page(&p, 1, 10).await.unwrap_err();
        assert!(matches!(e, CloudError::Decode { status: 200, .. }), "{e:?}");
        assert!(e.request_id().is_some());
        assert_eq!(e.code(), "bad-response");
        let e = cloud.reset_flag(&p, &id).await.unwrap_err();
        assert!(matches!(e, CloudError::Decode { .. }), "{e:?}");
        let e = cloud.auth_projects("cn-north-4").await.unwrap_err();
        assert!(matches!(e, CloudError::Decode { .. }), "{e:?}");
    }
}

/// Pages are read server by server as they arrive; a page cut short after whole servers is
/// read again from scratch, so none of its servers is kept twice or kept from the cut body.
#[tokio::test]
async fn a_list_cut_short_is_read_again_from_scratch() {
    let fleet = Fleet::generate(1, 40, 28);
    let p = regional(&fleet).remove(0);
    let mut want: Vec<String> = fleet.projects[0]
        .servers
        .iter()
        .map(|s| s.id.clone())
        .collect();
    want.sort();
    let sim = start(sim_config(fleet)).await;
    sim.set_faults(Faults {
        garbage_rate: 0.5,
        ..Faults::none()
    });
    let mut s = settings(&sim);
    s.retry = fast_retry(30);
    let cloud = Cloud::new(s).unwrap();
    for _ in 0..4 {
        let mut got: Vec<String> = cloud
            .list_servers(&p, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        got.sort();
        assert_eq!(got, want);
    }
    assert!(sim.stats().injected_faults > 0, "{:?}", sim.stats());
}

#[tokio::test]
async fn dropped_connections_on_reads_are_retried_then_transport_errors() {
    let fleet = Fleet::generate(1, 5, 27);
    let p = regional(&fleet).remove(0);
    let sim = Arc::new(start(sim_config(fleet)).await);
    sim.set_faults(Faults {
        drop_rate: 1.0,
        ..Faults::none()
    });
    let cloud = client(&sim);
    let e = cloud.list_servers_page(&p, 1, 10).await.unwrap_err();
    assert!(
        matches!(e, CloudError::Transport { timeout: false, .. }),
        "{e:?}"
    );
    assert_eq!(sim.stats().dropped, 4, "1 + 3 retries");

    let rec = Recorder::default();
    let heal = sim.clone();
    let mut s = settings(&sim);
    s.observer = Some(rec.observer(move |r| {
        if r.status.is_none() {
            heal.set_faults(Faults::none());
        }
    }));
    let cloud = Cloud::new(s).unwrap();
    let page = cloud.list_servers_page(&p, 1, 10).await.unwrap();
    assert_eq!(page.servers.len(), 5);
    let records = rec.take();
    assert_eq!(records.len(), 2);
    assert!(records[0].error.is_some() && records[0].will_retry);
}

#[tokio::test]
async fn a_reset_whose_answer_is_lost_is_outcome_unknown_never_success() {
    let fleet = Fleet::generate(1, 10, 28);
    let (p, s) = pick(&fleet, |s| s.reset_supported);
    let sim = start(sim_config(fleet)).await;
    let cloud = client(&sim);

    // Applied, then the connection dropped.
    sim.set_faults(Faults {
        drop_after_apply_rate: 1.0,
        ..Faults::none()
    });
    let e = cloud
        .reset_password(&p, &s.id, &Secret::new(SENTINEL), true)
        .await
        .unwrap_err();
    assert!(matches!(e, CloudError::OutcomeUnknown { .. }), "{e:?}");
    assert_eq!(e.code(), "unknown-outcome");
    assert_eq!(
        received(&sim, &s.id),
        [SENTINEL],
        "the simulator did apply it"
    );
    assert_eq!(route_count(&sim, RESET_ROUTE), 1, "never retried");

    // Dropped before any effect: the client cannot tell the difference, so also unknown.
    sim.set_faults(Faults {
        drop_rate: 1.0,
        ..Faults::none()
    });
    let e = cloud
        .reset_password(&p, &s.id, &Secret::new("Other@Passw0rd-9"), true)
        .await
        .unwrap_err();
    assert!(matches!(e, CloudError::OutcomeUnknown { .. }), "{e:?}");
    assert_eq!(received(&sim, &s.id), [SENTINEL]);
    assert_eq!(route_count(&sim, RESET_ROUTE), 2);
}

#[tokio::test]
async fn a_batch_reboot_whose_answer_is_lost_is_outcome_unknown() {
    let fleet = Fleet::generate(1, 10, 29);
    let (p, s) = pick(&fleet, |s| s.status == "ACTIVE");
    let sim = start(sim_config(fleet)).await;
    sim.set_faults(Faults {
        drop_after_apply_rate: 1.0,
        ..Faults::none()
    });
    let cloud = client(&sim);
    let e = cloud
        .batch_reboot(&p, std::slice::from_ref(&s.id), RebootType::Hard)
        .await
        .unwrap_err();
    assert!(matches!(e, CloudError::OutcomeUnknown { .. }), "{e:?}");
    assert_eq!(route_count(&sim, ACTION_ROUTE), 1);
    assert_eq!(truth_of(&sim, &s.id).status, "HARD_REBOOT", "it did start");
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_at_construction() {
    let sim = start(sim_config(Fleet::generate(1, 1, 30))).await;
    for bad in [
        "http://10.1.2.3:8800",
        "http://ecs.{region}.myhuaweicloud.com",
    ] {
        let mut s = settings(&sim);
        s.ecs_endpoint = bad.into();
        let e = Cloud::new(s).err().expect("refused");
        assert!(matches!(e, CloudError::Endpoint { .. }), "{e:?}");
        assert!(e.to_string().contains("loopback"), "{e}");
    }
    let mut s = settings(&sim);
    s.iam_endpoint = "http://192.168.0.1".into();
    assert!(matches!(Cloud::new(s), Err(CloudError::Endpoint { .. })));
    let mut s = settings(&sim);
    s.ecs_endpoint = "https://ecs.{region}.myhuaweicloud.com".into();
    assert!(Cloud::new(s).is_ok(), "https is fine (nothing is sent)");
}

#[tokio::test]
async fn the_observer_sees_every_attempt_and_never_a_password() {
    let fleet = Fleet::generate(1, 10, 31);
    let (p, s) = pick(&fleet, |s| s.reset_supported);
    let sim = Arc::new(start(sim_config(fleet)).await);
    let rec = Recorder::default();
    let heal = sim.clone();
    let mut settings = settings(&sim);
    settings.observer = Some(rec.observer(move |r| {
        if r.status.is_some_and(|s| s >= 500) {
            heal.set_faults(Faults::none());
        }
    }));
    let cloud = Cloud::new(settings).unwrap();

    cloud.list_servers(&p, 4).await.unwrap();
    cloud
        .reset_password(&p, &s.id, &Secret::new(SENTINEL), true)
        .await
        .unwrap();
    let weak = "weaksentinel";
    cloud
        .reset_password(&p, &s.id, &Secret::new(weak), true)
        .await
        .unwrap_err();
    sim.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::none()
    });
    cloud.reset_flag(&p, &s.id).await.unwrap();
    let batch = vec![s.id.clone()];
    cloud
        .batch_reset_password(&p, &batch, Some(&Secret::new(SENTINEL)), true)
        .await
        .unwrap();
    sim.set_faults(Faults {
        drop_after_apply_rate: 1.0,
        ..Faults::none()
    });
    cloud
        .reset_password(&p, &s.id, &Secret::new(SENTINEL), true)
        .await
        .unwrap_err();

    let records = rec.take();
    assert_eq!(
        records.len() as u64,
        sim.stats().total_requests,
        "one record per attempt: {records:#?}"
    );
    // 3 list pages, reset, weak reset, flag (500 then 200), batch, lost reset.
    let kinds: Vec<(&str, Option<u16>, u32)> = records
        .iter()
        .map(|r| (r.method, r.status, r.attempt))
        .collect();
    assert_eq!(kinds.len(), 9, "{kinds:?}");
    assert_eq!(kinds[3], ("PUT", Some(204), 1));
    assert_eq!(kinds[4], ("PUT", Some(400), 1));
    assert!(kinds[5].1.unwrap() >= 500 && records[5].will_retry);
    assert_eq!(kinds[6], ("GET", Some(200), 2));
    assert_eq!(kinds[8], ("PUT", None, 1));
    for r in &records {
        assert!(r.latency > Duration::ZERO);
        if r.status.is_some() {
            assert!(r.request_id.is_some(), "{r:?}");
        }
        assert!(r.path.starts_with(&format!("/v1/{}", p.id)));
    }
    assert!(records[4].error.as_deref().unwrap().contains("Ecs.0005"));
    assert!(records[8].error.is_some() && !records[8].will_retry);
    let text = format!("{records:?}");
    assert!(!text.contains(SENTINEL) && !text.contains(weak), "{text}");
    let sk = sim.credentials()[0].secret_key.expose().to_owned();
    assert!(!text.contains(&sk));
}

#[tokio::test]
async fn a_missing_project_is_not_mistaken_for_a_missing_server() {
    let fleet = Fleet::generate(1, 2, 32);
    let sim = start(SimConfig::new(fleet.clone())).await;
    let cloud = client(&sim);
    let ghost = ProjectRef {
        id: "0123456789abcdef0123456789abcdef".into(),
        region: "cn-north-4".into(),
    };
    let e = cloud.list_servers(&ghost, 10).await.unwrap_err();
    let a = api(&e);
    assert_eq!(a.status, 404);
    assert_ne!(a.code, "Ecs.0114");
}

#[tokio::test]
async fn a_change_answered_with_garbage_is_never_reported_as_done() {
    let fleet = Fleet::generate(1, 10, 33);
    let p = regional(&fleet).remove(0);
    let ids: Vec<String> = fleet.projects[0]
        .servers
        .iter()
        .filter(|s| s.reset_supported && s.status == "ACTIVE")
        .take(2)
        .map(|s| s.id.clone())
        .collect();
    let sim = start(sim_config(fleet)).await;
    sim.set_faults(Faults {
        garbage_rate: 1.0,
        ..Faults::none()
    });
    let cloud = client(&sim);
    let pw = Secret::new(SENTINEL);
    // A 200 with an HTML gateway page or cut-off JSON is not the documented empty 204: the
    // reset may or may not have reached the server (here it did not), so never "accepted".
    for _ in 0..4 {
        let e = cloud
            .reset_password(&p, &ids[0], &pw, true)
            .await
            .expect_err("garbage is not an acceptance");
        assert!(matches!(e, CloudError::OutcomeUnknown { .. }), "{e:?}");
        assert!(!e.to_string().contains(SENTINEL));
        let e = cloud
            .batch_reset_password(&p, &ids, Some(&pw), false)
            .await
            .unwrap_err();
        assert!(matches!(e, CloudError::OutcomeUnknown { .. }), "{e:?}");
        let e = cloud
            .batch_reboot(&p, &ids, RebootType::Soft)
            .await
            .unwrap_err();
        assert!(matches!(e, CloudError::OutcomeUnknown { .. }), "{e:?}");
        // A dry run changes nothing: its garbage is an ordinary decode error.
        let e = cloud
            .batch_reset_password(&p, &ids, Some(&pw), true)
            .await
            .unwrap_err();
        assert!(matches!(e, CloudError::Decode { .. }), "{e:?}");
    }
    assert!(received(&sim, &ids[0]).is_empty());
}

#[tokio::test]
async fn a_timeout_is_typed_and_a_timed_out_reset_is_outcome_unknown() {
    let fleet = Fleet::generate(1, 10, 34);
    let (p, s) = pick(&fleet, |s| s.reset_supported);
    let sim = start(sim_config(fleet)).await;
    sim.set_faults(Faults {
        latency: Duration::from_millis(400),
        ..Faults::none()
    });
    let mut settings = settings(&sim);
    settings.request_timeout = Duration::from_millis(100);
    settings.retry = fast_retry(1);
    let cloud = Cloud::new(settings).unwrap();
    let e = cloud.reset_flag(&p, &s.id).await.unwrap_err();
    assert!(
        matches!(e, CloudError::Transport { timeout: true, .. }),
        "{e:?}"
    );
    assert_eq!(e.code(), "timeout");
    let e = cloud
        .reset_password(&p, &s.id, &Secret::new(SENTINEL), true)
        .await
        .unwrap_err();
    assert!(matches!(e, CloudError::OutcomeUnknown { .. }), "{e:?}");
    // The simulator's latency comes before its handler, and the client gave up first (the
    // simulator dropped the abandoned request); the client cannot know that, hence unknown.
    assert!(received(&sim, &s.id).is_empty());
}

// ------------------------------------------------------------------------------ bad input

#[tokio::test]
async fn a_garbage_answer_to_a_read_is_retried_like_a_5xx() {
    let fleet = Fleet::generate(1, 5, 35);
    let p = regional(&fleet).remove(0);
    let sim = Arc::new(start(sim_config(fleet)).await);
    sim.set_faults(Faults {
        garbage_rate: 1.0,
        ..Faults::none()
    });
    let rec = Recorder::default();
    let heal = sim.clone();
    let mut s = settings(&sim);
    s.observer = Some(rec.observer(move |r| {
        if r.error
            .as_deref()
            .is_some_and(|e| e.starts_with("bad-response"))
        {
            heal.set_faults(Faults::none());
        }
    }));
    let cloud = Cloud::new(s).unwrap();
    let page = cloud.list_servers_page(&p, 1, 10).await.unwrap();
    assert_eq!(page.servers.len(), 5);
    let records = rec.take();
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[0].status, Some(200));
    assert!(records[0].will_retry);
}

/// The project the canned-answer tests ask about (the canned server ignores it).
fn cp() -> ProjectRef {
    ProjectRef {
        id: "0a1b2c3d4e5f47a8b9c0d1e2f3a4b5c6".into(),
        region: "cn-north-4".into(),
    }
}

#[tokio::test]
async fn an_answer_past_the_size_cap_is_a_typed_error_and_not_buffered() {
    use ecsreset::cloud::http::MAX_BODY;
    let canned = Canned::start(CannedAnswer {
        status: 200,
        body: CannedBody::Streamed(MAX_BODY + (1 << 20)),
    })
    .await;
    let cloud = canned.client(0);
    let pw = Secret::new(SENTINEL);
    // Chunked, no Content-Length: the cap is met while reading.
    let e = cloud.list_servers_page(&cp(), 1, 10).await.unwrap_err();
    assert!(
        matches!(&e, CloudError::Decode { status: 200, message, .. } if message.contains("larger than")),
        "{e:?}"
    );
    assert_eq!(e.request_id(), Some("canned"));
    // A change answered 2xx past the cap may have been applied: unknown, never "failed".
    let e = cloud
        .reset_password(&cp(), "s1", &pw, true)
        .await
        .unwrap_err();
    assert!(matches!(e, CloudError::OutcomeUnknown { .. }), "{e:?}");
    // With a Content-Length past the cap: refused before reading the body.
    canned.set(CannedAnswer::new(200, vec![b' '; MAX_BODY + 1]));
    let e = cloud.reset_flag(&cp(), "s1").await.unwrap_err();
    assert!(
        matches!(&e, CloudError::Decode { message, .. } if message.contains("larger than")),
        "{e:?}"
    );
    let e = cloud
        .batch_reboot(&cp(), &["s1".into()], RebootType::Soft)
        .await
        .unwrap_err();
    assert!(matches!(e, CloudError::OutcomeUnknown { .. }), "{e:?}");
    // An error status past the cap is still an error: the change was refused.
    canned.set(CannedAnswer::new(400, vec![b' '; MAX_BODY + 1]));
    let e = cloud
        .reset_password(&cp(), "s1", &pw, true)
        .await
        .unwrap_err();
    assert!(matches!(e, CloudError::Decode { status: 400, .. }), "{e:?}");
    assert!(!format!("{e:?}").contains(SENTINEL));
}

#[tokio::test]
async fn malformed_and_incomplete_bodies_are_typed_decode_errors() {
    let canned = Canned::start(CannedAnswer::new(200, "")).await;
    let cloud = canned.client(0);
    let decode_err = |e: CloudError, body: &str| {
        assert!(
            matches!(e, CloudError::Decode { status: 200, .. }),
            "{body}: {e:?}"
        );
        assert_eq!(e.code(), "bad-response");
    };
    for body in [
        "",
        "null",
        // Serde reads a struct from an array too: `[]` must not pass for "no servers".
        "[]",
        "[null, []]",
        "{\"servers\":{}}",
        "{\"servers\":[{\"name\":\"no id\"}]}",
        "{\"servers\":[{\"id\":7}]}",
        "{\"count\":\"3\",\"servers\":[]}",
        "{\"servers\":[{\"id\":\"a\",\"addresses\":{\"net\":[{\"version\":\"4\"}]}}]}",
        "{\"servers\":[{\"id\":\"a\",\"metadata\":{\"os_type\":1}}]}",
        "\u{feff}{\"servers\":[]}",
        "{\"servers\":[]}{\"servers\":[]}",
    ] {
        canned.set(CannedAnswer::new(200, body));
        decode_err(
            cloud.list_servers_page(&cp(), 1, 10).await.unwrap_err(),
            body,
        );
    }
    for body in [
        "{}",
        "{\"resetpwd_flag\":true}",
        "{\"resetpwd_flag\":null}",
        "{\"resetpwd_flag\":\"yes\"}",
        "{\"resetpwd_flag\":\"\"}",
        "\"True\"",
        "[\"True\"]",
    ] {
        canned.set(CannedAnswer::new(200, body));
        decode_err(cloud.reset_flag(&cp(), "s1").await.unwrap_err(), body);
    }
    for body in [
        "{\"projects\":[{\"id\":\"x\"}]}",
        "{\"projects\":[{\"name\":\"cn-north-4\"}]}",
        "{\"projects\":[{\"id\":\"x\",\"name\":\"cn-north-4\",\"enabled\":\"yes\"}]}",
        "{\"projects\":null}",
    ] {
        canned.set(CannedAnswer::new(200, body));
        decode_err(cloud.auth_projects("cn-north-4").await.unwrap_err(), body);
    }
    for body in ["{\"status\":5}", "{\"entities\":{\"sub_jobs\":{}}}"] {
        canned.set(CannedAnswer::new(200, body));
        decode_err(cloud.job(&cp(), "j1").await.unwrap_err(), body);
    }
    canned.set(CannedAnswer::new(200, "{\"response\":[{}]}"));
    decode_err(
        cloud
            .batch_reset_password(&cp(), &["s1".into()], None, true)
            .await
            .unwrap_err(),
        "dry run",
    );
    // Changes: the same bodies make the outcome unknown, never a decode "failure".
    canned.set(CannedAnswer::new(200, "{\"response\":[{}]}"));
    let e = cloud
        .batch_reset_password(&cp(), &["s1".into()], Some(&Secret::new(SENTINEL)), false)
        .await
        .unwrap_err();
    assert!(matches!(e, CloudError::OutcomeUnknown { .. }), "{e:?}");
    canned.set(CannedAnswer::new(202, "{\"job\":\"x\"}"));
    let e = cloud
        .batch_reboot(&cp(), &["s1".into()], RebootType::Hard)
        .await
        .unwrap_err();
    assert!(matches!(e, CloudError::OutcomeUnknown { .. }), "{e:?}");
    // Error bodies of any shape are API errors keyed on the status.
    for (status, body, code) in [
        (400, "{\"error\":{\"code\":\"Ecs.0005\"}}", Some("400")),
        (401, "", Some("401")),
        (403, "<html>Forbidden</html>", Some("403")),
        (404, "{\"error_code\":null,\"error_msg\":\"m\"}", None),
        (
            500,
            "{\"code\":500,\"message\":{\"deep\":[1]}}",
            Some("500"),
        ),
        (503, "\u{0}\u{1}binary\u{ff}", Some("503")),
    ] {
        canned.set(CannedAnswer::new(status, body));
        let e = cloud.reset_flag(&cp(), "s1").await.unwrap_err();
        let a = api(&e);
        assert_eq!(a.status, status, "{body}");
        assert!(code.is_none_or(|c| a.code == c), "{body}: {a:?}");
        assert!(!a.code.is_empty(), "{body}: {a:?}");
        assert_eq!(a.request_id.as_deref(), Some("canned"));
        assert!(!a.message.is_empty());
    }
}

#[tokio::test]
async fn unknown_fields_are_ignored_at_every_level() {
    let canned = Canned::start(CannedAnswer::new(200, "")).await;
    let cloud = canned.client(0);
    canned.set(CannedAnswer::new(
        200,
        r#"{"count":1,"next":{"a":[1]},"servers":[{"id":"s1","name":"web","new_field":true,
            "addresses":{"net":[{"addr":"10.0.0.1","version":"4","future":{}}]},
            "flavor":{"id":"f","gpu":"none"},"metadata":{"os_type":"Linux","x":"y"},
            "OS-EXT-NEW:thing":[null]}]}"#,
    ));
    let page = cloud.list_servers_page(&cp(), 1, 10).await.unwrap();
    assert_eq!(page.servers.len(), 1);
    let s = &page.servers[0];
    assert_eq!(
        (s.id.as_str(), s.os_type(), s.private_ip()),
        ("s1", Some("Linux"), Some("10.0.0.1"))
    );
    canned.set(CannedAnswer::new(
        200,
        r#"{"resetpwd_flag":"True","extra":{"x":[1,2]},"resetpwd_flag_v2":false}"#,
    ));
    assert!(cloud.reset_flag(&cp(), "s1").await.unwrap());
    canned.set(CannedAnswer::new(
        200,
        r#"{"projects":[{"id":"p","name":"cn-north-4","tags":[],"enabled":true}],"links":{"self":"x"},"extra":1}"#,
    ));
    assert_eq!(
        cloud.auth_projects("cn-north-4").await.unwrap()[0].name,
        "cn-north-4"
    );
    canned.set(CannedAnswer::new(
        200,
        r#"{"status":"SUCCESS","entities":{"sub_jobs":[{"status":"SUCCESS","x":1}],"y":2},"z":3}"#,
    ));
    assert_eq!(
        cloud.job(&cp(), "j").await.unwrap().status.as_deref(),
        Some("SUCCESS")
    );
    canned.set(CannedAnswer::new(200, r#"{"job_id":"j9","extra":[]}"#));
    assert_eq!(
        cloud
            .batch_reboot(&cp(), &["s1".into()], RebootType::Soft)
            .await
            .unwrap(),
        "j9"
    );
    canned.set(CannedAnswer::new(
        429,
        r#"{"error_code":"APIGW.0308","error_msg":"slow down","request_id":"r","extra":{}}"#,
    ));
    let e = cloud.reset_flag(&cp(), "s1").await.unwrap_err();
    assert!(api(&e).is_throttled(), "{e:?}");
}
