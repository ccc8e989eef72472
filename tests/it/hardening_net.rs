//! The client never hands a request to anyone but the configured endpoint: redirects are
//! not followed (a redirected change is *unknown*, a redirected read an error, both naming
//! the Location host), and plain http never goes through a proxy.

use crate::support::*;
use ecsreset::cloud::{self, Cloud, CloudError};
use ecsreset::secret::Secret;
use ecsreset::sim::{Fleet, Redirect};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `127.0.0.1:port` of a Canned server's URL.
fn host_of(url: &str) -> String {
    url.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn a_redirected_reset_is_outcome_unknown_and_the_other_host_gets_nothing() {
    let fleet = Fleet::generate(1, 10, 31);
    let (p, s) = pick(&fleet, |s| s.reset_supported);
    let sim = start(sim_config(fleet)).await;
    let other = Canned::start(CannedAnswer::new(200, "{}")).await;
    let cloud = client(&sim);
    for status in [307, 308, 303, 302, 301] {
        sim.set_redirect_changes(Some(Redirect {
            status,
            location: format!(
                "{}/v1/{}/cloudservers/{}/os-reset-password",
                other.url, p.id, s.id
            ),
        }));
        let e = cloud
            .reset_password(&p, &s.id, &Secret::new(SENTINEL), true)
            .await
            .unwrap_err();
        let text = e.to_string();
        assert!(
            matches!(e, CloudError::OutcomeUnknown { .. }),
            "{status}: {e:?}"
        );
        assert!(
            text.contains(&format!(
                "HTTP {status} redirect to host {}",
                host_of(&other.url)
            )),
            "{text}"
        );
        assert!(!text.contains(SENTINEL));
    }
    assert_eq!(other.requests(), 0, "the redirect target was contacted");
    // Sent once per attempt, never retried, and the simulator applied none of them.
    assert_eq!(route_count(&sim, RESET_ROUTE), 5);
    assert!(received(&sim, &s.id).is_empty());
}

#[tokio::test]
async fn a_redirected_reboot_is_outcome_unknown_too() {
    let fleet = Fleet::generate(1, 4, 32);
    let (p, s) = pick(&fleet, |_| true);
    let sim = start(sim_config(fleet)).await;
    let other = Canned::start(CannedAnswer::new(200, r#"{"job_id":"j"}"#)).await;
    sim.set_redirect_changes(Some(Redirect {
        status: 307,
        location: format!("{}/elsewhere", other.url),
    }));
    let e = client(&sim)
        .batch_reboot(
            &p,
            std::slice::from_ref(&s.id),
            ecsreset::cloud::wire::RebootType::Soft,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, CloudError::OutcomeUnknown { .. }), "{e:?}");
    assert!(e.to_string().contains(&host_of(&other.url)), "{e}");
    assert_eq!(other.requests(), 0);
}

/// A loopback server answering every request with `302 Location: <to>`.
async fn redirecting_server(
    to: String,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let n = count.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let to = to.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                let _ = conn.read(&mut buf).await;
                let answer = format!(
                    "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = conn.write_all(answer.as_bytes()).await;
                let _ = conn.shutdown().await;
            });
        }
    });
    (url, count)
}

#[tokio::test]
async fn a_redirected_read_is_an_error_naming_the_host_and_is_not_retried() {
    let other = Canned::start(CannedAnswer::new(200, r#"{"servers":[],"count":0}"#)).await;
    let (url, hits) = redirecting_server(format!("{}/v1/p/cloudservers/detail", other.url)).await;
    let mut s = cloud::Settings::new(
        url.clone(),
        url,
        cloud::Credentials {
            access_key: "AK".into(),
            secret_key: "sk".into(),
            security_token: Some("token-sentinel".into()),
        },
    );
    s.retry = fast_retry(3);
    let cloud = Cloud::new(s).unwrap();
    let p = cloud::ProjectRef {
        id: "p".into(),
        region: "cn-north-4".into(),
    };
    let e = cloud.reset_flag(&p, "s1").await.unwrap_err();
    assert!(matches!(e, CloudError::Decode { status: 302, .. }), "{e:?}");
    assert!(
        e.to_string().contains(&format!(
            "redirect to host {}, not followed",
            host_of(&other.url)
        )),
        "{e}"
    );
    assert_eq!(other.requests(), 0, "the token went to the redirect target");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn plain_http_never_goes_through_the_configured_proxy_but_https_does() {
    let fleet = Fleet::generate(1, 3, 33);
    let (p, s) = pick(&fleet, |_| true);
    let sim = start(sim_config(fleet)).await;
    let proxy = Canned::start(CannedAnswer::new(502, "{}")).await;
    let mut settings = settings(&sim);
    settings.proxy = Some(proxy.url.clone());
    let plain = Cloud::new(settings).unwrap();
    plain.reset_flag(&p, &s.id).await.unwrap();
    assert_eq!(proxy.requests(), 0, "the proxy saw a plain-http request");

    // The same setting is used for https: the proxy is asked to CONNECT (and here refuses).
    let mut https = cloud::Settings::new(
        "https://127.0.0.1:9",
        "https://127.0.0.1:9",
        cloud::Credentials {
            access_key: "AK".into(),
            secret_key: "sk".into(),
            security_token: None,
        },
    );
    https.proxy = Some(proxy.url.clone());
    https.retry = fast_retry(0);
    https.connect_timeout = Duration::from_secs(5);
    let e = Cloud::new(https)
        .unwrap()
        .reset_flag(&p, &s.id)
        .await
        .unwrap_err();
    assert!(proxy.requests() >= 1, "https did not use the proxy: {e}");
}

#[test]
fn https_proxy_prefers_the_config_then_https_proxy_then_all_proxy() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    let pick = cloud::https_proxy;
    let both = env(&[("HTTPS_PROXY", "http://a:1"), ("ALL_PROXY", "http://b:1")]);
    assert_eq!(
        pick(Some("http://c:1"), &both).as_deref(),
        Some("http://c:1")
    );
    assert_eq!(pick(None, &both).as_deref(), Some("http://a:1"));
    assert_eq!(pick(Some(" "), &both).as_deref(), Some("http://a:1"));
    let lower = env(&[("https_proxy", ""), ("all_proxy", "http://b:2")]);
    assert_eq!(pick(None, &lower).as_deref(), Some("http://b:2"));
    // HTTP_PROXY is for plain http, which never uses a proxy.
    let http_only = env(&[("HTTP_PROXY", "http://h:1"), ("http_proxy", "http://h:2")]);
    assert_eq!(pick(None, &http_only), None);
}

#[test]
fn a_ca_bundle_without_a_certificate_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cred = || cloud::Credentials {
        access_key: "AK".into(),
        secret_key: "sk".into(),
        security_token: None,
    };
    for (name, text) in [
        ("empty.pem", ""),
        (
            "key-only.pem",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ),
        ("text.pem", "not pem at all\n"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let mut s =
            cloud::Settings::new("https://ecs.example.com", "https://iam.example.com", cred());
        s.ca_bundle = Some(path.clone());
        let e = Cloud::new(s)
            .err()
            .expect("bundle without certificates accepted");
        assert_eq!(
            e.to_string(),
            format!(
                "CA bundle {} holds no certificate (no \"-----BEGIN CERTIFICATE-----\" block)",
                path.display()
            )
        );
    }
    let mut s = cloud::Settings::new("https://ecs.example.com", "https://iam.example.com", cred());
    s.ca_bundle =
        Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/certs/test-ca.pem"));
    assert!(Cloud::new(s).is_ok());
}
