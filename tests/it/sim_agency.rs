//! IAM agencies against the in-process simulator: an agency profile gets temporary keys
//! from `POST /v3.0/OS-CREDENTIAL/securitytokens` (signed with its source profile's keys),
//! uses them, renews them before they end (one renewal for many calls), and a refused agency
//! fails that profile only. The simulator's side: the answer's shape, its refusals, and
//! temporary keys rejected once they have expired.

use crate::support::*;
use chrono::Utc;
use ecsreset::cloud::sign::{SignInput, sign};
use ecsreset::cloud::{self, Cloud};
use ecsreset::commands::context;
use ecsreset::config::{self, Config};
use ecsreset::sim::{Fleet, Sim, SimAgency, SimConfig};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const AGENCY: &str = "ecsreset-ops";
const DOMAIN: &str = "customer-account";

async fn sim_with(ttl: Option<Duration>) -> (Sim, Fleet) {
    let fleet = Fleet::generate(2, 4, 77);
    let mut cfg: SimConfig = sim_config(fleet.clone());
    cfg.agencies = vec![SimAgency {
        name: AGENCY.into(),
        domain: DOMAIN.into(),
    }];
    cfg.token_ttl = ttl;
    (start(cfg).await, fleet)
}

/// Profile `ops` holds the simulator's keys and the first project; `customer` reaches the
/// second through agency `agency`.
fn config_text(sim: &Sim, fleet: &Fleet, agency: &str) -> String {
    let c = &sim.credentials()[0];
    let p = regional(fleet);
    format!(
        "[tuning]\nretries = 0\nrate_per_second = 1000.0\n\
         [profiles.ops.credentials]\naccess_key = {}\nsecret_key = {}\n\
         [profiles.ops.endpoints]\necs = {url}\niam = {url}\n\
         [[profiles.ops.projects]]\nregion = {}\nid = {}\n\
         [profiles.customer.agency]\nsource = \"ops\"\nagency_name = {}\ndomain_name = {}\n\
         duration_seconds = 900\n\
         [profiles.customer.endpoints]\necs = {url}\niam = {url}\n\
         [[profiles.customer.projects]]\nregion = {}\nid = {}\n",
        q(&c.access_key),
        q(c.secret_key.expose()),
        q(&p[0].region),
        q(&p[0].id),
        q(agency),
        q(DOMAIN),
        q(&p[1].region),
        q(&p[1].id),
        url = q(&sim.base_url()),
    )
}

fn load(dir: &tempfile::TempDir, text: &str) -> Config {
    let path = dir.path().join("config.toml");
    write_private(&path, text);
    config::load(&config::LoadOptions::with_process_env(Some(path))).unwrap()
}

type Renewals = Arc<Mutex<Vec<(String, chrono::DateTime<Utc>)>>>;

fn client(config: &Config) -> (Cloud, Renewals) {
    client_recorded(config, &Recorder::default())
}

fn client_recorded(config: &Config, rec: &Recorder) -> (Cloud, Renewals) {
    let seen: Renewals = Arc::default();
    let kept = seen.clone();
    let on_renew: cloud::RenewObserver = Arc::new(move |profile, until| {
        kept.lock().unwrap().push((profile.to_owned(), until));
    });
    let cloud =
        context::client_observed(config, Some(rec.observer(|_| {})), Some(on_renew)).unwrap();
    for p in &config.projects {
        cloud
            .bind(p.id.as_deref().unwrap(), p.profile.as_deref())
            .unwrap();
    }
    (cloud, seen)
}

const TOKENS_ROUTE: &str = "POST /v3.0/OS-CREDENTIAL/securitytokens";

#[tokio::test]
async fn an_agency_profile_lists_with_temporary_keys_and_many_calls_share_one_renewal() {
    let (sim, fleet) = sim_with(None).await;
    let dir = tempfile::tempdir().unwrap();
    let config = load(&dir, &config_text(&sim, &fleet, AGENCY));
    let rec = Recorder::default();
    let (cloud, renewals) = client_recorded(&config, &rec);
    let p = regional(&fleet);
    let calls = (0..8).map(|_| cloud.list_servers(&p[1], 100));
    for listed in futures::future::join_all(calls).await {
        assert_eq!(listed.unwrap().len(), fleet.projects[1].servers.len());
    }
    assert_eq!(sim.issued_tokens(), 1, "eight calls, one assume_role");
    assert_eq!(route_count(&sim, TOKENS_ROUTE), 1);
    assert_eq!(sim.stats().auth_failures, 0);
    let seen = renewals.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, "customer");
    let left = seen[0].1 - Utc::now();
    assert!(
        left > chrono::TimeDelta::seconds(850) && left <= chrono::TimeDelta::seconds(900),
        "duration_seconds = 900 was asked for: {left}"
    );
    let account = cloud.account(Some("customer")).unwrap();
    assert_eq!(account.agency_expires_at().await, Some(seen[0].1));
    // The log pane's records name the call, never the keys it got.
    let records = format!("{:?}", rec.take());
    assert!(
        records.contains("/v3.0/OS-CREDENTIAL/securitytokens"),
        "{records}"
    );
    for c in sim.issued_credentials() {
        assert!(!records.contains(c.secret_key.expose()));
        assert!(!records.contains(c.security_token.as_ref().unwrap().expose()));
    }
    // The source profile keeps its own permanent keys.
    cloud.list_servers(&p[0], 100).await.unwrap();
    assert_eq!(sim.issued_tokens(), 1);
    assert!(
        cloud
            .account(Some("ops"))
            .unwrap()
            .agency_expires_at()
            .await
            .is_none()
    );
}

#[tokio::test]
async fn keys_are_renewed_before_they_expire_and_no_call_is_refused() {
    let (sim, fleet) = sim_with(Some(Duration::from_secs(2))).await;
    let dir = tempfile::tempdir().unwrap();
    let config = load(&dir, &config_text(&sim, &fleet, AGENCY));
    let (cloud, renewals) = client(&config);
    let p = regional(&fleet);
    cloud.list_servers(&p[1], 100).await.unwrap();
    assert_eq!(sim.issued_tokens(), 1);
    let first = renewals.lock().unwrap()[0].1;
    // 2 s keys are renewed a tenth of their life early: past 1.8 s a call asks again.
    tokio::time::sleep(Duration::from_millis(1900)).await;
    cloud.list_servers(&p[1], 100).await.unwrap();
    assert_eq!(sim.issued_tokens(), 2, "renewed before the end");
    let seen = renewals.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].1 > first, "{seen:?}");
    assert_eq!(sim.stats().auth_failures, 0, "no call carried ended keys");
    assert_eq!(
        cloud
            .account(Some("customer"))
            .unwrap()
            .agency_expires_at()
            .await,
        Some(seen[1].1)
    );
}

/// The TUI's worker renews keys that are due while nothing else is called, and tells the
/// header: an idle session's keys never lapse.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_worker_renews_keys_before_they_end() {
    use ecsreset::tui::{msg::Event, worker};
    let (sim, fleet) = sim_with(Some(Duration::from_secs(2))).await;
    let dir = tempfile::tempdir().unwrap();
    let config = load(&dir, &config_text(&sim, &fleet, AGENCY));
    let (cloud, renewals) = client(&config);
    cloud.list_servers(&regional(&fleet)[1], 100).await.unwrap();
    assert_eq!(sim.issued_tokens(), 1);
    let lists = route_count(&sim, LIST_ROUTE);
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let (_requests, rx) = tokio::sync::mpsc::channel(1);
    let opts = worker::WorkerOptions {
        agency_check: Duration::from_millis(50),
        ..Default::default()
    };
    let running = worker::spawn(cloud.clone(), opts, rx, tx);
    // The simulator counts the token when it issues it; the client tells the header only once
    // the answer is read, so both are waited for (CI once saw the first without the second).
    wait_until(
        "the idle worker renews the keys and tells the header",
        async || sim.issued_tokens() >= 2 && renewals.lock().unwrap().len() >= 2,
    )
    .await;
    running.stop();
    assert_eq!(route_count(&sim, LIST_ROUTE), lists, "no request was sent");
    assert_eq!(sim.stats().auth_failures, 0);
    while let Ok(e) = events.try_recv() {
        assert!(!matches!(e, Event::Warning(_)), "{e:?}");
    }
    // Keys never issued (not granted) are not asked for in the background.
    let (sim, fleet) = sim_with(None).await;
    let config = load(&dir, &config_text(&sim, &fleet, "not-granted"));
    let (cloud, _) = client(&config);
    let (tx, _events) = tokio::sync::mpsc::unbounded_channel();
    let (_requests, rx) = tokio::sync::mpsc::channel(1);
    let opts = worker::WorkerOptions {
        agency_check: Duration::from_millis(20),
        ..Default::default()
    };
    let running = worker::spawn(cloud, opts, rx, tx);
    tokio::time::sleep(Duration::from_millis(300)).await; // the absence of calls is the point
    running.stop();
    assert_eq!(route_count(&sim, TOKENS_ROUTE), 0);
}

#[tokio::test]
async fn a_refused_agency_fails_its_profile_only_and_names_it() {
    let (sim, fleet) = sim_with(None).await;
    let dir = tempfile::tempdir().unwrap();
    let config = load(&dir, &config_text(&sim, &fleet, "not-granted"));
    let (cloud, renewals) = client(&config);
    let p = regional(&fleet);
    let e = cloud.list_servers(&p[1], 100).await.unwrap_err();
    let api = e.api().unwrap_or_else(|| panic!("{e:?}"));
    assert_eq!(api.status, 403);
    assert!(
        api.message.starts_with(
            "profile customer: agency \"not-granted\" of account customer-account refused by IAM: "
        ),
        "{}",
        api.message
    );
    assert_eq!(
        route_count(&sim, LIST_ROUTE),
        0,
        "nothing sent without keys"
    );
    assert!(renewals.lock().unwrap().is_empty());
    let ops = cloud.list_servers(&p[0], 100).await.unwrap();
    assert_eq!(ops.len(), fleet.projects[0].servers.len());

    // Headless: the audit reports the other profile and names the refused one.
    let path = dir.path().join("config.toml");
    let cli = <ecsreset::cli::Cli as clap::Parser>::try_parse_from([
        "ecsreset",
        "--config",
        &path.display().to_string(),
        "--data-dir",
        &dir.path().join("data").display().to_string(),
        "audit",
        "--format",
        "json",
    ])
    .unwrap();
    let mut cap = Captured::default();
    let result = ecsreset::commands::run(&cli, &mut cap.io()).await;
    let run = cap.finish(result);
    assert_ne!(run.code(), 0, "a project could not be listed");
    let groups = run.json();
    let ops = groups["ops"].as_array().unwrap();
    assert_eq!(ops.len(), fleet.projects[0].servers.len(), "{groups}");
    assert!(
        run.err.contains("profile customer: agency \"not-granted\""),
        "{}",
        run.err
    );

    // `list` too: the other profile's servers are listed, the refused one is named, exit 2.
    let cli = <ecsreset::cli::Cli as clap::Parser>::try_parse_from([
        "ecsreset",
        "--config",
        &path.display().to_string(),
        "--data-dir",
        &dir.path().join("data").display().to_string(),
        "list",
        "--format",
        "json",
    ])
    .unwrap();
    let mut cap = Captured::default();
    let result = ecsreset::commands::run(&cli, &mut cap.io()).await;
    let run = cap.finish(result);
    assert_eq!(run.code(), 2, "{}", run.err);
    let rows = run.json();
    assert_eq!(
        rows.as_array().unwrap().len(),
        fleet.projects[0].servers.len(),
        "{rows}"
    );
    assert!(
        run.err.contains("could not be listed")
            && run.err.contains("profile customer: agency \"not-granted\""),
        "{}",
        run.err
    );
    assert!(!run.err.contains("HTTP 403 403"), "{}", run.err);
}

#[tokio::test]
async fn a_wrong_source_key_is_refused_like_any_bad_signature() {
    let (sim, fleet) = sim_with(None).await;
    let dir = tempfile::tempdir().unwrap();
    let text = config_text(&sim, &fleet, AGENCY).replace(
        sim.credentials()[0].secret_key.expose(),
        "not-the-secret-key",
    );
    let (cloud, _) = client(&load(&dir, &text));
    let e = cloud
        .list_servers(&regional(&fleet)[1], 100)
        .await
        .unwrap_err();
    let api = e.api().unwrap_or_else(|| panic!("{e:?}"));
    assert_eq!((api.status, api.code.as_str()), (401, "APIGW.0301"));
    assert!(
        api.message.contains("profile customer: agency"),
        "{}",
        api.message
    );
    assert!(!e.to_string().contains("not-the-secret-key"));
}

// ------------------------------------------------------------------------------------------
// The endpoint itself, signed by hand.

async fn post_tokens(
    sim: &Sim,
    ak: &str,
    sk: &str,
    token: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let bytes = serde_json::to_vec(body).unwrap();
    let host = sim.addr().to_string();
    let mut headers = vec![(
        "Content-Type".to_owned(),
        "application/json;charset=utf-8".to_owned(),
    )];
    if let Some(t) = token {
        headers.push(("X-Security-Token".into(), t.into()));
    }
    let signed = sign(
        SignInput {
            method: "POST",
            host: &host,
            path: "/v3.0/OS-CREDENTIAL/securitytokens",
            query: &[],
            headers,
            body: Some(&bytes),
        },
        ak,
        sk,
        Utc::now(),
    )
    .unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut req = client.post(format!("{}{}", sim.base_url(), signed.request_uri));
    for (n, v) in &signed.headers {
        req = req.header(n, v);
    }
    let resp = req.body(bytes).send().await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn assume(agency: &str, domain: Value, seconds: u64) -> Value {
    let mut role = json!({"agency_name": agency, "duration_seconds": seconds});
    role.as_object_mut()
        .unwrap()
        .extend(domain.as_object().unwrap().clone());
    json!({"auth": {"identity": {"methods": ["assume_role"], "assume_role": role}}})
}

#[tokio::test]
async fn the_endpoint_issues_keys_the_gateway_accepts_until_they_expire() {
    let (sim, fleet) = sim_with(Some(Duration::from_secs(1))).await;
    let c = &sim.credentials()[0];
    let (ak, sk) = (c.access_key.clone(), c.secret_key.expose().to_owned());
    let (status, body) = post_tokens(
        &sim,
        &ak,
        &sk,
        None,
        &assume(AGENCY, json!({"domain_name": DOMAIN}), 3600),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let cred = &body["credential"];
    for field in ["access", "secret", "securitytoken", "expires_at"] {
        assert!(
            cred[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {body}"
        );
    }
    let expires =
        ecsreset::cloud::agency::parse_expiry(cred["expires_at"].as_str().unwrap()).unwrap();
    assert!(
        expires - Utc::now() <= chrono::TimeDelta::seconds(1),
        "--token-ttl caps the 3600 asked"
    );
    let temp = cloud::Credentials {
        access_key: cred["access"].as_str().unwrap().into(),
        secret_key: cred["secret"].as_str().unwrap().into(),
        security_token: Some(cred["securitytoken"].as_str().unwrap().into()),
    };
    let mut s = settings(&sim);
    s.credentials = temp.clone();
    s.retry = fast_retry(0);
    let with_temp = Cloud::new(s).unwrap();
    let p = &regional(&fleet)[0];
    with_temp.list_servers(p, 100).await.unwrap();
    // Temporary keys cannot assume an agency themselves.
    let (status, body) = post_tokens(
        &sim,
        &temp.access_key,
        temp.secret_key.expose(),
        temp.security_token
            .as_ref()
            .map(ecsreset::secret::Secret::expose),
        &assume(AGENCY, json!({"domain_name": DOMAIN}), 900),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["title"], "Forbidden");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let e = with_temp.list_servers(p, 100).await.unwrap_err();
    let api = e.api().unwrap_or_else(|| panic!("{e:?}"));
    assert_eq!((api.status, api.code.as_str()), (401, "APIGW.0301"));
    assert!(api.message.contains("expired"), "{}", api.message);
}

#[tokio::test]
async fn the_endpoint_refuses_unknown_agencies_and_bad_bodies_in_iam_shape() {
    let (sim, _) = sim_with(None).await;
    let c = &sim.credentials()[0];
    let (ak, sk) = (c.access_key.clone(), c.secret_key.expose().to_owned());
    let cases = [
        (
            assume("nope", json!({"domain_name": DOMAIN}), 900),
            403,
            "nope",
        ),
        (
            assume(AGENCY, json!({"domain_name": "other"}), 900),
            403,
            "other",
        ),
        (
            assume(AGENCY, json!({"domain_id": DOMAIN}), 899),
            400,
            "between 900 and 86400",
        ),
        (
            assume(AGENCY, json!({}), 900),
            400,
            "domain_id or domain_name",
        ),
        (
            json!({"auth": {"identity": {"methods": ["token"]}}}),
            400,
            "assume_role",
        ),
    ];
    for (body, status, says) in cases {
        let (got, answer) = post_tokens(&sim, &ak, &sk, None, &body).await;
        assert_eq!(got, status, "{body} => {answer}");
        assert_eq!(answer["error"]["code"], status, "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{message}");
    }
    // By id works as well as by name.
    let (got, answer) = post_tokens(
        &sim,
        &ak,
        &sk,
        None,
        &assume(AGENCY, json!({"domain_id": DOMAIN}), 900),
    )
    .await;
    assert_eq!(got, 201, "{answer}");
    assert_eq!(sim.issued_tokens(), 1);
}
