//! What the integration tests share: an in-process simulator, fast client settings, a
//! recording observer, a private config file, a way to run a command line in-process, a
//! canned HTTP server, and waits on a condition instead of fixed sleeps. [`pty`] runs the real
//! binary in a pseudo-terminal on top of these.
//!
//! Nothing in this module spawns the `ecsreset` binary (it is shared between worktrees); every
//! command goes through the library entry points.

pub mod pty;
pub mod tui;
mod wait;

pub use wait::{eventually, wait_until};

use clap::Parser;
use ecsreset::cli::{Cli, Command};
use ecsreset::cloud::{self, CallRecord, Cloud, ProjectRef, RetryPolicy};
use ecsreset::commands::context::{self, Context};
use ecsreset::commands::{self, AppError, Io};
use ecsreset::config::{self, Config};
use ecsreset::sim::probe::Probe;
use ecsreset::sim::{Fleet, ServerTruth, Sim, SimConfig, SimServer};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A password that passes every rule; tests grep outputs for it.
pub const SENTINEL: &str = "Zq8@Sentinel-Pw42";

pub const LIST_ROUTE: &str = "GET /v1/{project_id}/cloudservers/detail";
pub const FLAG_ROUTE: &str = "GET /v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag";
pub const RESET_ROUTE: &str = "PUT /v1/{project_id}/cloudservers/{server_id}/os-reset-password";
pub const BATCH_RESET_ROUTE: &str = "PUT /v1/{project_id}/cloudservers/os-reset-passwords";
pub const ACTION_ROUTE: &str = "POST /v1/{project_id}/cloudservers/action";
pub const SHOW: &str = "GET /v1/{project_id}/cloudservers/{server_id}/os-server-password";
pub const DELETE: &str = "DELETE /v1/{project_id}/cloudservers/{server_id}/os-server-password";

/// Fast retries: the default 1 s base would make every retried call cost a second.
pub fn fast_retry(retries: u32) -> RetryPolicy {
    RetryPolicy {
        retries,
        base: Duration::from_millis(10),
        cap: Duration::from_millis(50),
    }
}

pub async fn start(cfg: SimConfig) -> Sim {
    Sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts on loopback")
}

/// A simulator and a [`Probe`] signed with its first credential, for tests on the wire.
pub async fn start_probed(cfg: SimConfig) -> (Sim, Probe) {
    let sim = start(cfg).await;
    let probe = Probe::new(&sim);
    (sim, probe)
}

/// A documented API answer from `tests/data/fixtures`, as JSON.
pub fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/data/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// A simulator with a short reboot, so jobs finish quickly.
pub fn sim_config(fleet: Fleet) -> SimConfig {
    let mut cfg = SimConfig::new(fleet);
    cfg.reboot_duration = Duration::from_millis(150);
    cfg.seed = Some(7);
    cfg
}

/// Client settings for a simulator: its first credential, a high rate, fast retries.
pub fn settings(sim: &Sim) -> cloud::Settings {
    let c = &sim.credentials()[0];
    let mut s = cloud::Settings::new(
        sim.base_url(),
        sim.base_url(),
        cloud::Credentials {
            access_key: c.access_key.clone(),
            secret_key: c.secret_key.clone(),
            security_token: c.security_token.clone(),
        },
    );
    s.csms_endpoint = sim.base_url();
    s.rate_per_second = 1000.0;
    s.connect_timeout = Duration::from_secs(5);
    s.request_timeout = Duration::from_secs(10);
    s.retry = fast_retry(3);
    s
}

pub fn client(sim: &Sim) -> Cloud {
    Cloud::new(settings(sim)).unwrap()
}

/// The projects an audit covers: enabled, with a region (not `MOS`), in fleet order.
pub fn regional(fleet: &Fleet) -> Vec<ProjectRef> {
    fleet
        .projects
        .iter()
        .filter(|p| p.enabled)
        .filter_map(|p| {
            Some(ProjectRef {
                id: p.id.clone(),
                region: p.region.clone()?,
            })
        })
        .collect()
}

/// The first server of the fleet matching `pred`, with its project.
pub fn pick(fleet: &Fleet, pred: impl Fn(&SimServer) -> bool) -> (ProjectRef, SimServer) {
    for p in &fleet.projects {
        if let (Some(region), Some(s)) = (&p.region, p.servers.iter().find(|s| pred(s))) {
            return (
                ProjectRef {
                    id: p.id.clone(),
                    region: region.clone(),
                },
                s.clone(),
            );
        }
    }
    panic!("no server in the fleet matches");
}

pub fn truth_of(sim: &Sim, id: &str) -> ServerTruth {
    sim.truth()
        .into_iter()
        .find(|t| t.server_id == id)
        .unwrap_or_else(|| panic!("server {id} is not in the simulator"))
}

pub fn route_count(sim: &Sim, route: &str) -> u64 {
    sim.stats().per_route.get(route).copied().unwrap_or(0)
}

pub fn received(sim: &Sim, id: &str) -> Vec<String> {
    sim.received_passwords(id)
        .iter()
        .map(|s| s.expose().to_owned())
        .collect()
}

/// Collects every [`CallRecord`]; `then` runs inside the observer, after the record is kept
/// (it may change the simulator's faults to script "fails once, then recovers").
#[derive(Clone, Default)]
pub struct Recorder {
    pub records: Arc<Mutex<Vec<CallRecord>>>,
}

impl Recorder {
    pub fn observer(&self, then: impl Fn(&CallRecord) + Send + Sync + 'static) -> cloud::Observer {
        let records = self.records.clone();
        Arc::new(move |r: CallRecord| {
            then(&r);
            records.lock().unwrap().push(r);
        })
    }

    pub fn take(&self) -> Vec<CallRecord> {
        std::mem::take(&mut *self.records.lock().unwrap())
    }
}

// ------------------------------------------------------------------------------------------
// The headless commands.

/// A simulator, a private config file pointing at it, and a data directory.
pub struct CliEnv {
    pub sim: Arc<Sim>,
    pub fleet: Fleet,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub tuning: Tuning,
}

/// `[tuning]` of the test config; the CLI's defaults are tuned for the real cloud.
#[derive(Debug, Clone)]
pub struct Tuning {
    pub page_size: u32,
    pub retries: u32,
    pub retry_base_ms: u64,
    pub concurrency: usize,
    pub rate_per_second: f64,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            page_size: 200,
            retries: 3,
            retry_base_ms: 5,
            concurrency: 8,
            rate_per_second: 1000.0,
        }
    }
}

impl CliEnv {
    pub async fn new(fleet: Fleet) -> Self {
        Self::with(sim_config(fleet), Tuning::default(), &[]).await
    }

    /// `protected`: project ids written with `protected = true`.
    pub async fn with(cfg: SimConfig, tuning: Tuning, protected: &[&str]) -> Self {
        let fleet = cfg.fleet.clone();
        let sim = start(cfg).await;
        let dir = tempfile::tempdir().unwrap();
        let env = Self {
            sim: Arc::new(sim),
            fleet,
            config: dir.path().join("config.toml"),
            dir,
            tuning,
        };
        env.write_config(&env.secret_key(), protected, "");
        env
    }

    pub fn secret_key(&self) -> String {
        self.sim.credentials()[0].secret_key.expose().to_owned()
    }

    /// (Re)writes the config file: the simulator's endpoint and access key, `secret_key`,
    /// this env's tuning, every regional project of the fleet, then `extra` verbatim.
    pub fn write_config(&self, secret_key: &str, protected: &[&str], extra: &str) {
        let mut text = config_text(&self.sim, &self.fleet, secret_key, &self.tuning, protected);
        text.push_str(extra);
        write_private(&self.config, &text);
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn parse(&self, args: &[&str]) -> Cli {
        let mut argv: Vec<String> = vec![
            "ecsreset".into(),
            "--config".into(),
            self.config.display().to_string(),
            "--data-dir".into(),
            self.data_dir().display().to_string(),
        ];
        argv.extend(args.iter().map(std::string::ToString::to_string));
        Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{args:?} does not parse: {e}"))
    }

    /// Runs `ecsreset --config C --data-dir D ARGS...` in-process.
    pub async fn run(&self, args: &[&str]) -> Outcome {
        let cli = self.parse(args);
        let mut cap = Captured::default();
        let result = commands::run(&cli, &mut cap.io()).await;
        cap.finish(result)
    }

    /// The loaded config, as `Context::build` would load it.
    pub fn load_config(&self) -> Config {
        config::load(&config::LoadOptions::with_process_env(Some(
            self.config.clone(),
        )))
        .unwrap()
    }

    /// A [`Context`] like the commands build, but with an observer on the client, so a test
    /// can change the simulator between two calls of one command.
    pub async fn context(&self, observer: cloud::Observer) -> Context {
        let config = self.load_config();
        let cloud = Cloud::new(context::settings(&config, Some(observer)).unwrap()).unwrap();
        let targets = context::resolve(&cloud, &config, &[]).await.unwrap();
        Context {
            cloud,
            config,
            targets,
            read_only: false,
            data_dir: Some(self.data_dir()),
            demo: None,
            only: Vec::new(),
        }
    }

    /// The ids of the servers of the `project`-th project of the fleet that match `pred`.
    pub fn ids(&self, project: usize, pred: impl Fn(&SimServer) -> bool) -> Vec<String> {
        self.fleet.projects[project]
            .servers
            .iter()
            .filter(|s| pred(s))
            .map(|s| s.id.clone())
            .collect()
    }

    pub fn trail(&self) -> String {
        std::fs::read_to_string(self.data_dir().join("trail.jsonl")).unwrap_or_default()
    }
}

/// What one in-process command run left behind.
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<i32, AppError>,
    pub out: String,
    pub err: String,
}

impl Outcome {
    /// The exit status; panics (with stderr) when the command failed fatally.
    pub fn code(&self) -> i32 {
        match &self.result {
            Ok(c) => *c,
            Err(e) => panic!("command failed: {e}\nstderr:\n{}", self.err),
        }
    }

    /// Stdout as JSON. `reset --generate` writes the password as a document of its own before
    /// anything is sent, then the results: several object documents are merged into one.
    pub fn json(&self) -> serde_json::Value {
        let docs: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&self.out)
            .into_iter::<serde_json::Value>()
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.out));
        match docs.len() {
            0 => panic!("stdout holds no JSON:\n{}", self.out),
            1 => docs.into_iter().next().unwrap(),
            _ => {
                let mut merged = serde_json::Map::new();
                for d in docs {
                    let serde_json::Value::Object(m) = d else {
                        panic!(
                            "several JSON documents that are not all objects:\n{}",
                            self.out
                        )
                    };
                    for (k, v) in m {
                        assert!(!merged.contains_key(&k), "key {k} twice in:\n{}", self.out);
                        merged.insert(k, v);
                    }
                }
                serde_json::Value::Object(merged)
            }
        }
    }

    pub fn error(&self) -> String {
        match &self.result {
            Ok(c) => panic!(
                "expected an error, got exit {c}\nstdout:\n{}\nstderr:\n{}",
                self.out, self.err
            ),
            Err(e) => e.to_string(),
        }
    }
}

/// Captured stdout/stderr for one command; stderr is not a terminal (no progress line).
#[derive(Default)]
pub struct Captured {
    out: Vec<u8>,
    err: Vec<u8>,
}

impl Captured {
    pub fn io(&mut self) -> Io<'_> {
        Io {
            out: &mut self.out,
            err: &mut self.err,
            err_is_tty: false,
            out_is_tty: false,
        }
    }

    pub fn finish(self, result: Result<i32, AppError>) -> Outcome {
        Outcome {
            result,
            out: String::from_utf8(self.out).unwrap(),
            err: String::from_utf8(self.err).unwrap(),
        }
    }
}

/// The subcommand arguments of a parsed command line, for calling a command module directly.
pub fn command(cli: Cli) -> Command {
    cli.command.expect("a subcommand")
}

/// `s` as a TOML string, quoted and escaped.
pub fn q(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

pub fn config_text(
    sim: &Sim,
    fleet: &Fleet,
    secret_key: &str,
    t: &Tuning,
    protected: &[&str],
) -> String {
    let mut text = format!(
        "[endpoints]\necs = {url}\niam = {url}\ncsms = {url}\n\n[credentials]\naccess_key = {}\nsecret_key = {}\n\n\
         [tuning]\npage_size = {}\nretries = {}\nretry_base_ms = {}\nconcurrency = {}\n\
         rate_per_second = {:?}\nconnect_timeout_secs = 5\nrequest_timeout_secs = 10\n",
        q(&sim.credentials()[0].access_key),
        q(secret_key),
        t.page_size,
        t.retries,
        t.retry_base_ms,
        t.concurrency,
        t.rate_per_second,
        url = q(&sim.base_url()),
    );
    for p in regional(fleet) {
        text.push_str(&format!(
            "\n[[projects]]\nregion = {}\nid = {}\nprotected = {}\n",
            q(&p.region),
            q(&p.id),
            protected.contains(&p.id.as_str())
        ));
    }
    text
}

/// `[profiles.NAME]` with `extra` in its table: the simulator's first credential and
/// endpoints, and every regional project of `fleet`.
pub fn profile_text(name: &str, sim: &Sim, fleet: &Fleet, extra: &str) -> String {
    let c = &sim.credentials()[0];
    let mut t = format!(
        "\n[profiles.{name}]\n{extra}\n[profiles.{name}.credentials]\naccess_key = {}\nsecret_key = {}\n\
         [profiles.{name}.endpoints]\necs = {url}\niam = {url}\n",
        q(&c.access_key),
        q(c.secret_key.expose()),
        url = q(&sim.base_url())
    );
    for p in regional(fleet) {
        t.push_str(&format!(
            "[[profiles.{name}.projects]]\nregion = {}\nid = {}\n",
            q(&p.region),
            q(&p.id)
        ));
    }
    t
}

/// Writes a file only its owner may read (the config holds a secret key).
pub fn write_private(path: &Path, text: &(impl AsRef<[u8]> + ?Sized)) {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).unwrap();
    f.write_all(text.as_ref()).unwrap();
}

// ------------------------------------------------------------------------------------------
// A fake API for bodies the simulator never sends.

/// How a [`Canned`] server sends its body.
#[derive(Debug, Clone)]
pub enum CannedBody {
    /// With a `Content-Length`.
    Fixed(Vec<u8>),
    /// Chunked, no `Content-Length`: this many bytes of `{"servers":[` followed by filler.
    Streamed(usize),
}

/// What a [`Canned`] server answers to every request, whatever it was.
#[derive(Debug, Clone)]
pub struct CannedAnswer {
    pub status: u16,
    pub body: CannedBody,
}

impl CannedAnswer {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            body: CannedBody::Fixed(body.into()),
        }
    }
}

/// A loopback HTTP/1.1 server that reads each request and answers the [`CannedAnswer`] of
/// the first route whose text occurs in the request (`PUT /v1/...`, a header, the body),
/// else the default one, with `X-Request-Id: canned` and `Connection: close`. It checks no signature: it
/// stands for a gateway, proxy or service that answers something odd.
pub struct Canned {
    pub url: String,
    answers: Arc<Mutex<Answers>>,
    pub requests: Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Debug, Clone)]
struct Answers {
    default: CannedAnswer,
    routes: Vec<(String, CannedAnswer)>,
}

impl Drop for Canned {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Canned {
    pub async fn start(answer: CannedAnswer) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let answers = Arc::new(Mutex::new(Answers {
            default: answer,
            routes: Vec::new(),
        }));
        let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (a, n) = (answers.clone(), requests.clone());
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(serve_canned(conn, a.clone()));
            }
        });
        Self {
            url,
            answers,
            requests,
            task,
        }
    }

    /// Replaces the default answer.
    pub fn set(&self, answer: CannedAnswer) {
        self.answers.lock().unwrap().default = answer;
    }

    /// Answers requests that contain `part` (e.g. `"/os-resetpwd-flag"`, `"\"dry_run\":true"`).
    pub fn route(&self, part: &str, answer: CannedAnswer) {
        self.answers
            .lock()
            .unwrap()
            .routes
            .push((part.to_owned(), answer));
    }

    pub fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A client for this server: any keys, no retries unless asked, fast timeouts.
    pub fn client(&self, retries: u32) -> Cloud {
        let mut s = cloud::Settings::new(
            self.url.clone(),
            self.url.clone(),
            cloud::Credentials {
                access_key: "CANNEDAK".into(),
                secret_key: "canned-sk".into(),
                security_token: None,
            },
        );
        s.rate_per_second = 10_000.0;
        s.connect_timeout = Duration::from_secs(5);
        s.request_timeout = Duration::from_secs(20);
        s.retry = fast_retry(retries);
        Cloud::new(s).unwrap()
    }
}

async fn serve_canned(mut conn: tokio::net::TcpStream, answers: Arc<Mutex<Answers>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Read the head, then as much body as it announces; the request itself is ignored.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match conn.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match conn.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let answer = {
        let request = String::from_utf8_lossy(&buf);
        let answers = answers.lock().unwrap();
        answers
            .routes
            .iter()
            .find(|(part, _)| request.contains(part.as_str()))
            .map_or_else(|| answers.default.clone(), |(_, a)| a.clone())
    };
    let status_line = format!("HTTP/1.1 {} Canned\r\n", answer.status);
    let common = "X-Request-Id: canned\r\nConnection: close\r\nContent-Type: application/json\r\n";
    let _ = match answer.body {
        CannedBody::Fixed(body) => {
            let head = format!(
                "{status_line}{common}Content-Length: {}\r\n\r\n",
                body.len()
            );
            let mut all = head.into_bytes();
            all.extend_from_slice(&body);
            conn.write_all(&all).await
        }
        CannedBody::Streamed(total) => {
            let head = format!("{status_line}{common}Transfer-Encoding: chunked\r\n\r\n");
            if conn.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let piece = vec![b' '; 64 * 1024];
            let mut sent = 0;
            let mut first = true;
            while sent < total {
                let data: &[u8] = if first { b"{\"servers\":[" } else { &piece };
                first = false;
                let n = data.len().min(total - sent);
                let frame = [format!("{n:x}\r\n").as_bytes(), &data[..n], b"\r\n"].concat();
                if conn.write_all(&frame).await.is_err() {
                    return;
                }
                sent += n;
            }
            conn.write_all(b"0\r\n\r\n").await
        }
    };
    let _ = conn.shutdown().await;
}
