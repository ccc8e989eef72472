//! Throttling and injected faults as a client meets them: 429 bodies, 5xx in both styles,
//! dropped connections (before and after the effect), garbage bodies, latency, counters.

use crate::support::start_probed as start;
use ecsreset::sim::probe::Probe;
use ecsreset::sim::{Faults, Fleet, SimConfig};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn reset_target() -> (String, String) {
    let p = &Fleet::demo().projects[0];
    let s = p.servers.iter().find(|s| s.reset_supported).unwrap();
    (p.id.clone(), s.id.clone())
}

#[tokio::test]
async fn the_token_bucket_answers_429_per_key_and_api() {
    let mut cfg = SimConfig::new(Fleet::demo());
    cfg.throttle = Some(2.0);
    let (sim, probe) = start(cfg).await;
    let statuses = |n| {
        let probe = &probe;
        async move {
            let mut out = Vec::new();
            for _ in 0..n {
                out.push(probe.get("/v3/auth/projects", &[]).await.unwrap());
            }
            out
        }
    };
    let answers = statuses(3).await;
    assert_eq!(
        answers.iter().map(|r| r.status).collect::<Vec<_>>(),
        [200, 200, 429]
    );
    let body = answers[2].json();
    assert_eq!(body["error_code"], "APIGW.0308");
    assert_eq!(
        body["error_msg"],
        "The throttling threshold has been reached: policy user over ratelimit,limit:2,time:1 second"
    );
    assert_eq!(body["request_id"], answers[2].request_id().unwrap());
    let other_api = probe.get("/v3/projects", &[]).await.unwrap();
    assert_eq!(other_api.status, 200, "each API has its own bucket");
    assert_eq!(sim.stats().throttled, 1);
    // A fixed wait on purpose: the bucket's refill over time is what is tested.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        probe.get("/v3/auth/projects", &[]).await.unwrap().status,
        200,
        "refilled"
    );
    sim.set_throttle(None);
    assert!(statuses(10).await.iter().all(|r| r.status == 200));
}

#[tokio::test]
async fn a_random_429_share_uses_the_gateway_body() {
    let (sim, probe) = start(SimConfig::new(Fleet::demo())).await;
    sim.set_faults(Faults {
        throttle_rate: 1.0,
        ..Faults::none()
    });
    let r = probe.get("/v3/auth/projects", &[]).await.unwrap();
    assert_eq!(
        (r.status, r.json()["error_code"].clone()),
        (429, json!("APIGW.0308"))
    );
    assert_eq!(sim.stats().injected_faults, 1);
    assert_eq!(
        sim.stats().throttled,
        0,
        "injected 429s are counted as faults"
    );
}

#[tokio::test]
async fn server_errors_come_in_both_body_styles() {
    let mut cfg = SimConfig::new(Fleet::demo());
    cfg.seed = Some(3);
    cfg.faults = Faults {
        error_rate: 1.0,
        ..Faults::none()
    };
    let (_sim, probe) = start(cfg).await;
    let mut styles = (false, false);
    for _ in 0..30 {
        let r = probe.get("/v3/auth/projects", &[]).await.unwrap();
        assert!((500..=504).contains(&r.status), "{}", r.status);
        let body = r.json();
        if body["error_code"]
            .as_str()
            .is_some_and(|c| c.starts_with("APIGW."))
        {
            styles.0 = true;
        }
        if body["error"]["code"]
            .as_str()
            .is_some_and(|c| c.starts_with("Ecs."))
        {
            styles.1 = true;
        }
    }
    assert_eq!(styles, (true, true));
}

#[tokio::test]
async fn a_dropped_request_is_a_connection_error_and_is_not_applied() {
    let (sim, probe) = start(SimConfig::new(Fleet::demo())).await;
    let (pid, sid) = reset_target();
    let path = format!("/v1/{pid}/cloudservers/{sid}/os-reset-password");
    let body = json!({"reset-password": {"new_password": "Qx7-Lm2.Rt9@vb"}});
    sim.set_faults(Faults {
        drop_rate: 1.0,
        ..Faults::none()
    });
    let err = probe.send_json("PUT", &path, &body).await.unwrap_err();
    assert!(!err.is_status(), "no HTTP answer at all: {err}");
    assert!(sim.received_passwords(&sid).is_empty());
    sim.set_faults(Faults::none());
    assert_eq!(
        probe.send_json("PUT", &path, &body).await.unwrap().status,
        204
    );
    assert_eq!(sim.received_passwords(&sid).len(), 1);
    assert_eq!(sim.stats().dropped, 1);
}

#[tokio::test]
async fn drop_after_apply_loses_the_answer_but_keeps_the_effect() {
    let (sim, probe) = start(SimConfig::new(Fleet::demo())).await;
    let (pid, sid) = reset_target();
    let path = format!("/v1/{pid}/cloudservers/{sid}/os-reset-password");
    sim.set_faults(Faults {
        drop_after_apply_rate: 1.0,
        ..Faults::none()
    });
    let body = json!({"reset-password": {"new_password": "Qx7-Lm2.Rt9@vb"}});
    assert!(probe.send_json("PUT", &path, &body).await.is_err());
    let got: Vec<String> = sim
        .received_passwords(&sid)
        .iter()
        .map(|s| s.expose().to_owned())
        .collect();
    assert_eq!(
        got,
        ["Qx7-Lm2.Rt9@vb"],
        "outcome unknown to the client, but applied"
    );
}

#[tokio::test]
async fn garbage_answers_are_200_and_not_json() {
    let mut cfg = SimConfig::new(Fleet::demo());
    cfg.seed = Some(11);
    cfg.faults = Faults {
        garbage_rate: 1.0,
        ..Faults::none()
    };
    let (_sim, probe) = start(cfg).await;
    let mut kinds = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let r = probe.get("/v3/auth/projects", &[]).await.unwrap();
        assert_eq!(r.status, 200);
        assert!(
            serde_json::from_slice::<Value>(&r.body).is_err(),
            "{}",
            r.text()
        );
        kinds.insert(r.headers["content-type"].to_str().unwrap().to_owned());
    }
    assert_eq!(kinds.len(), 2, "truncated JSON and an HTML page: {kinds:?}");
}

#[tokio::test]
async fn latency_and_jitter_delay_every_answer() {
    let mut cfg = SimConfig::new(Fleet::demo());
    cfg.faults = Faults {
        latency: Duration::from_millis(150),
        jitter: Duration::from_millis(50),
        ..Faults::none()
    };
    let (sim, probe) = start(cfg).await;
    let t0 = Instant::now();
    assert_eq!(
        probe.get("/v3/auth/projects", &[]).await.unwrap().status,
        200
    );
    assert!(t0.elapsed() >= Duration::from_millis(150));
    let stats = sim.stats();
    assert_eq!(stats.total_requests, 1);
    assert_eq!(stats.per_route["GET /v3/auth/projects"], 1);
    assert_eq!(stats.injected_faults, 0);
}

/// Collects everything the subscriber writes, for the no-secrets-in-logs check.
#[derive(Clone, Default)]
struct LogSink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// Current-thread runtime: the thread-local subscriber also sees the simulator's tasks.
#[tokio::test(flavor = "current_thread")]
async fn debug_logs_never_show_passwords_keys_or_signatures() {
    let sink = LogSink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut cfg = SimConfig::new(Fleet::demo());
    let mut temp = ecsreset::sim::SimCredential::generate();
    temp.security_token = Some("TokenSentinel-42".into());
    cfg.credentials.push(temp.clone());
    let (sim, probe) = start(cfg).await;
    let (pid, sid) = reset_target();
    let path = format!("/v1/{pid}/cloudservers/{sid}/os-reset-password");
    for (password, check) in [("PwSentinel-7a.B", false), ("rootPwSentinel", true)] {
        let body =
            json!({"reset-password": {"new_password": password, "is_check_password": check}});
        probe.send_json("PUT", &path, &body).await.unwrap();
    }
    let batch = json!({"new_password": "PwSentinel-8a.B", "servers": [{"id": sid}]});
    let batch_path = format!("/v1/{pid}/cloudservers/os-reset-passwords");
    probe.send_json("PUT", &batch_path, &batch).await.unwrap();
    let mut wrong = temp.clone();
    wrong.secret_key = "SkSentinel-wrong".into();
    let wrong = Probe::with_credential(&sim.base_url(), wrong);
    assert_eq!(
        wrong.get("/v3/auth/projects", &[]).await.unwrap().status,
        401
    );
    sim.set_faults(Faults {
        drop_after_apply_rate: 1.0,
        ..Faults::none()
    });
    let body = json!({"reset-password": {"new_password": "PwSentinel-9a.B"}});
    assert!(probe.send_json("PUT", &path, &body).await.is_err());
    drop(sim);
    let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("signature mismatch"),
        "debug logging was captured: {logs}"
    );
    assert!(logs.contains("password reset accepted"));
    let sk = probe.cred.secret_key.expose().to_owned();
    for secret in [
        "Sentinel",
        "Signature=",
        "SDK-HMAC-SHA256 Access",
        sk.as_str(),
        temp.secret_key.expose(),
    ] {
        assert!(
            !logs.contains(secret),
            "{secret:?} leaked into the logs:\n{logs}"
        );
    }
}
