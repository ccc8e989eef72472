//! `ecsreset sim` as a library call: banner, written client config (0600), keys that work.

use ecsreset::sim::probe::Probe;
use ecsreset::sim::{SimCliArgs, SimCredential, SimError, run_cli_until};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// A `Write` the test can read while `run_cli_until` still holds it.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn serves_until_told_and_writes_a_private_working_client_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("client.toml");
    let args = SimCliArgs {
        listen: "127.0.0.1:0".parse().unwrap(),
        projects: 2,
        servers: 4,
        write_config: Some(path.clone()),
        access_key: Some("AKCLITEST".into()),
        ..SimCliArgs::default()
    };
    let out = Shared::default();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut writer = out.clone();
    let server = run_cli_until(args, &mut writer, async {
        let _ = stopped.await;
    });
    let client = async {
        crate::support::wait_until("the simulator to say it serves", async || {
            out.text().contains("Serving until")
        })
        .await;
        let text = std::fs::read_to_string(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let doc: toml::Table = text.parse().unwrap();
        let url = doc["endpoints"]["ecs"].as_str().unwrap().to_owned();
        assert_eq!(doc["endpoints"]["iam"].as_str(), Some(url.as_str()));
        assert!(url.starts_with("http://127.0.0.1:"));
        let creds = &doc["credentials"];
        assert_eq!(creds["access_key"].as_str(), Some("AKCLITEST"));
        let sk = creds["secret_key"].as_str().unwrap();
        assert!(out.text().contains(sk), "a generated key is shown");
        let projects = doc["projects"].as_array().unwrap();
        assert_eq!(projects.len(), 2);
        // The app's own loader accepts the file as written (schema, 0600 check, projects).
        let env = |_: &str| None;
        let opts = ecsreset::config::LoadOptions {
            path: Some(path.clone()),
            env: &env,
        };
        let loaded = ecsreset::config::load(&opts).unwrap();
        assert_eq!(loaded.endpoints.ecs, url);
        assert_eq!(loaded.credentials().unwrap().access_key, "AKCLITEST");
        let ids: Vec<_> = loaded
            .projects
            .iter()
            .map(|p| p.id.clone().unwrap())
            .collect();
        assert_eq!(
            ids,
            projects
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        );
        let probe = Probe::with_credential(&url, SimCredential::new("AKCLITEST", sk));
        let pid = projects[0]["id"].as_str().unwrap();
        let list = probe
            .get(&format!("/v1/{pid}/cloudservers/detail"), &[])
            .await
            .unwrap();
        assert_eq!((list.status, list.json()["count"].as_u64()), (200, Some(4)));
        stop.send(()).unwrap();
        url
    };
    let (result, url) = tokio::join!(server, client);
    result.unwrap();
    let banner = out.text();
    assert!(banner.contains(&format!("listening on {url}")), "{banner}");
    assert!(banner.contains("access key: AKCLITEST"));
    assert!(banner.contains("[[projects]]"));
    let gone = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(&url)
        .send()
        .await;
    assert!(gone.is_err(), "stopped after the signal");
}

#[tokio::test]
async fn refuses_non_loopback_and_bad_fleet_files_naming_them() {
    let mut sink = Vec::new();
    let wide = SimCliArgs {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..SimCliArgs::default()
    };
    let err = run_cli_until(wide, &mut sink, async {}).await.unwrap_err();
    assert!(matches!(err, SimError::NotLoopback(_)));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("fleet.json");
    std::fs::write(&bad, r#"{"projects": [{"id": "p"}]}"#).unwrap();
    let args = SimCliArgs {
        listen: "127.0.0.1:0".parse().unwrap(),
        fleet: Some(bad.clone()),
        ..SimCliArgs::default()
    };
    let err = run_cli_until(args, &mut sink, async {}).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&bad.display().to_string()) && text.contains("name"),
        "{text}"
    );
}

#[tokio::test]
async fn serves_the_demo_fleet_on_request() {
    let mut sink = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.toml");
    let args = SimCliArgs {
        listen: "127.0.0.1:0".parse().unwrap(),
        demo_fleet: true,
        write_config: Some(path.clone()),
        ..SimCliArgs::default()
    };
    run_cli_until(args, &mut sink, async {}).await.unwrap();
    let text = String::from_utf8(sink).unwrap();
    assert!(
        text.contains("demo fleet; 3 regional projects (+2 IAM-only or disabled), 38 servers"),
        "{text}"
    );
    assert!(text.contains("region = \"ap-southeast-1\""));
    // Two projects in cn-north-4 (the region's and cn-north-4_prod) load as two entries.
    let env = |_: &str| None;
    let opts = ecsreset::config::LoadOptions {
        path: Some(path),
        env: &env,
    };
    let regions: Vec<String> = ecsreset::config::load(&opts)
        .unwrap()
        .projects
        .into_iter()
        .map(|p| p.region)
        .collect();
    assert_eq!(regions, ["cn-north-4", "cn-north-4", "ap-southeast-1"]);
}
