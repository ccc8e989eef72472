//! The app's own client (`ecsreset::cloud`) against the simulator: the cross-check that the
//! two sides, built on the same signer and wire types, agree on the wire.

use crate::support::{eventually, fast_retry, settings, start};
use ecsreset::cloud::wire::RebootType;
use ecsreset::cloud::{Cloud, CloudError};
use ecsreset::secret::Secret;
use ecsreset::sim::{Faults, Fleet, Sim, SimConfig};
use std::time::Duration;

const PASSWORD: &str = "Qx7-Lm2.Rt9@vb";

/// A simulator and a client that never retries: every fault reaches the test as it came.
async fn setup(cfg: SimConfig) -> (Sim, Cloud) {
    let sim = start(cfg).await;
    let mut s = settings(&sim);
    s.retry = fast_retry(0);
    let cloud = Cloud::new(s).unwrap();
    (sim, cloud)
}

#[tokio::test]
async fn audit_reset_and_reboot_through_the_app_client() {
    let mut cfg = SimConfig::new(Fleet::demo());
    cfg.reboot_duration = Duration::from_millis(300);
    let (sim, cloud) = setup(cfg).await;
    let projects = cloud.region_projects("cn-north-4").await.unwrap();
    assert_eq!(
        projects.len(),
        3,
        "MOS and the disabled project are skipped"
    );
    let p = projects
        .iter()
        .find(|p| p.id == Fleet::demo().projects[0].id)
        .unwrap();
    let servers = cloud.list_servers(p, 5).await.unwrap();
    assert_eq!(servers.len(), Fleet::demo().projects[0].servers.len());
    let mut supported = Vec::new();
    for s in &servers {
        if cloud.reset_flag(p, &s.id).await.unwrap() && s.status.as_deref() == Some("ACTIVE") {
            supported.push(s.id.clone());
        }
    }
    let target = supported[0].clone();
    let secret = Secret::new(PASSWORD);
    cloud
        .reset_password(p, &target, &secret, true)
        .await
        .unwrap();
    let dry = cloud
        .batch_reset_password(p, &supported[1..3], Some(&secret), true)
        .await
        .unwrap();
    assert_eq!(dry, supported[1..3]);
    let job = cloud
        .batch_reboot(p, std::slice::from_ref(&target), RebootType::Soft)
        .await
        .unwrap();
    let ended = eventually("the reboot job to end", async || {
        let status = cloud.job(p, &job).await.unwrap().status;
        status.filter(|s| s == "SUCCESS" || s == "FAIL")
    })
    .await;
    assert_eq!(ended, "SUCCESS");
    let truth = sim
        .truth()
        .into_iter()
        .find(|t| t.server_id == target)
        .unwrap();
    assert_eq!(truth.applied_password.unwrap().expose(), PASSWORD);
    assert!(
        sim.received_passwords(&supported[1]).is_empty(),
        "dry run applied nothing"
    );
}

#[tokio::test]
async fn errors_reach_the_client_typed() {
    let (sim, cloud) = setup(SimConfig::new(Fleet::demo())).await;
    let fleet = Fleet::demo();
    let projects = cloud.region_projects("cn-north-4").await.unwrap();
    let p = projects
        .iter()
        .find(|p| p.id == fleet.projects[0].id)
        .unwrap();
    let gone = cloud.reset_flag(p, "no-such-server").await.unwrap_err();
    assert_eq!(gone.code(), "Ecs.0114");
    let target = fleet.projects[0]
        .servers
        .iter()
        .find(|s| s.reset_supported)
        .unwrap();
    sim.set_faults(Faults {
        drop_after_apply_rate: 1.0,
        ..Faults::none()
    });
    let err = cloud
        .reset_password(p, &target.id, &Secret::new(PASSWORD), false)
        .await
        .unwrap_err();
    assert!(matches!(err, CloudError::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(sim.received_passwords(&target.id).len(), 1, "it did apply");
    sim.set_faults(Faults::none());
    let mut wrong = settings(&sim);
    wrong.credentials.secret_key = Secret::new("wrong");
    wrong.retry = fast_retry(0);
    let denied = Cloud::new(wrong)
        .unwrap()
        .auth_projects("cn-north-4")
        .await
        .unwrap_err();
    assert_eq!(denied.code(), "APIGW.0301");
}
