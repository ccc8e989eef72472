//! The built-in ECS+IAM(+CSMS) simulator.
//!
//! One loopback listener serves the ECS (`/v1/.../cloudservers`), bare-metal
//! (`/v1/.../baremetalservers`) and IAM (`/v3/...`) paths the app uses,
//! checks the SDK-HMAC-SHA256 signature of every request with the same [`crate::cloud::sign`]
//! code the client signs with, and answers with the same [`crate::cloud::wire`] types the
//! client parses, so the two cannot drift apart. It exists to keep the real client honest:
//! paging by page number, the `"True"`/`"False"` flag string, 204 resets, asynchronous reboot
//! jobs, gateway errors, throttling, lockout, and injected faults (latency, 5xx, 429, dropped
//! connections, garbage bodies) all behave as section 3-5 of `huawei-api.md` describe.
//!
//! Every request goes through one pipeline (`gateway.rs`), in the order the real API gateway
//! applies its checks: latency, route lookup (unknown → 404 `APIGW.0101`, before auth),
//! body limit (413), signature (401 `APIGW.0301`), throttle (429 `APIGW.0308`), injected
//! faults, then the handler. Choices that the documentation leaves open are marked
//! `[ASSUMED]` where they are made.

mod api;
mod auth;
mod cli;
mod detail;
mod faults;
mod fleet;
mod gateway;
mod generate;
mod jobs;
#[cfg(feature = "test-support")]
pub mod probe;
mod reply;
mod routes_bms;
mod routes_csms;
mod routes_ecs;
mod routes_iam;
mod routes_password;
mod routes_sts;
mod server;
mod state;
mod throttle;
mod withhold;

pub use cli::{SimCliArgs, run_cli, run_cli_until};
pub use faults::{Faults, Redirect};
pub use fleet::{Fleet, SimProject, SimServer};
pub use throttle::{ThrottleStyle, ThrottleWindow};
pub use withhold::{WithheldApi, Withhold};

use crate::secret::Secret;
use rand::Rng;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// One AK/SK pair the simulator accepts. With a `security_token`, requests must carry it in
/// a signed `X-Security-Token` header, like temporary (STS) credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimCredential {
    pub access_key: String,
    pub secret_key: Secret,
    pub security_token: Option<Secret>,
}

impl SimCredential {
    pub fn new(access_key: impl Into<String>, secret_key: impl Into<Secret>) -> Self {
        Self {
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            security_token: None,
        }
    }

    /// A throw-away pair shaped like Huawei's: 20 upper-case alphanumerics and 40 mixed.
    pub fn generate() -> Self {
        Self::new(random_access_key(), random_secret_key())
    }
}

/// A fresh simulator access key (`SIM` + 17 upper-case alphanumerics).
pub fn random_access_key() -> String {
    const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    let tail: String = (0..17)
        .map(|_| UPPER[rng.random_range(0..UPPER.len())] as char)
        .collect();
    format!("SIM{tail}")
}

/// A fresh 40-character secret key.
pub fn random_secret_key() -> Secret {
    let mut rng = rand::rng();
    let mut sk = Secret::default();
    for _ in 0..40 {
        sk.push(rng.sample(rand::distr::Alphanumeric) as char);
    }
    sk
}

/// Everything a simulator starts from. Fields are public so tests can tune any of them.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub fleet: Fleet,
    pub credentials: Vec<SimCredential>,
    pub faults: Faults,
    /// Token-bucket limit per (AK, API), calls per window of `throttle_style`; `None` =
    /// unlimited.
    pub throttle: Option<f64>,
    /// The window of that limit, and whether a 429 states it.
    pub throttle_style: ThrottleStyle,
    /// How long a reboot/start/stop keeps a server in its transitional state.
    pub reboot_duration: Duration,
    /// Largest accepted distance between `X-Sdk-Date` and the simulator's clock.
    pub max_skew: Duration,
    /// Consecutive authentication failures after which an AK is locked.
    pub lockout_threshold: u32,
    /// How long a locked AK stays locked (5 minutes on the real gateway).
    pub lockout_duration: Duration,
    /// Seed of the fault RNG; `None` seeds from the OS.
    pub seed: Option<u64>,
    /// The key pair Windows servers with a `key_name` had their initial password encrypted
    /// to (`os-server-password`); `None` stores none.
    pub windows_key: Option<rsa::RsaPublicKey>,
    /// Ways the simulator can answer like an older or misbehaving deployment.
    pub quirks: Quirks,
    /// APIs answered `404 APIGW.0101` (not published) in some or all regions.
    pub withheld: Vec<Withhold>,
    /// Agencies the simulated account may assume (`assume_role`); none = every one refused.
    pub agencies: Vec<SimAgency>,
    /// Caps the lifetime of temporary keys below the `duration_seconds` asked for, so tests
    /// and demos see them expire and renew.
    pub token_ttl: Option<Duration>,
}

/// An agency another account created for the simulated one: `assume_role` with this
/// `name` and a `domain_name` or `domain_id` equal to `domain` is granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimAgency {
    pub name: String,
    pub domain: String,
}

impl std::str::FromStr for SimAgency {
    type Err = String;

    /// `NAME:DOMAIN`, as `ecsreset sim --agency` takes it.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            Some((name, domain)) if !name.trim().is_empty() && !domain.trim().is_empty() => {
                Ok(Self {
                    name: name.trim().to_owned(),
                    domain: domain.trim().to_owned(),
                })
            }
            _ => Err(format!(
                "{s:?} is not NAME:DOMAIN (the agency's name and the account that created it)"
            )),
        }
    }
}

/// Deployment differences and answer defects the change engine must not trust.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quirks {
    /// The list API ignores the `server_id` filter and answers with every server, as older
    /// and private deployments do with filters they do not know.
    pub ignore_server_filter: bool,
    /// Batch reset answers (dry run too) leave out the last server asked for.
    pub batch_omits_last: bool,
    /// Batch reset answers (dry run too) also name this server, never asked for.
    pub batch_adds: Option<String>,
    /// Jobs are rendered without sub-jobs.
    pub jobs_without_sub_jobs: bool,
}

impl SimConfig {
    /// Real-gateway defaults, no faults, no throttle, one random AK/SK pair.
    pub fn new(fleet: Fleet) -> Self {
        Self {
            fleet,
            credentials: vec![SimCredential::generate()],
            faults: Faults::default(),
            throttle: None,
            throttle_style: ThrottleStyle::default(),
            reboot_duration: Duration::from_secs(3),
            max_skew: Duration::from_secs(15 * 60),
            lockout_threshold: 5,
            lockout_duration: Duration::from_secs(5 * 60),
            seed: None,
            quirks: Quirks::default(),
            windows_key: None,
            withheld: Vec::new(),
            agencies: Vec::new(),
            token_ttl: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(
        "refusing to listen on {0}: the simulator only listens on loopback addresses (127.0.0.0/8, ::1)"
    )]
    NotLoopback(SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("fleet file {path}: {message}")]
    Fleet { path: PathBuf, message: String },
    #[error("invalid simulator setting: {0}")]
    Config(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

/// Counters since start. `per_route` is keyed by `"METHOD /path/{template}"`, or `"unknown"`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimStats {
    pub total_requests: u64,
    pub per_route: BTreeMap<String, u64>,
    /// Answers 429 from the token bucket (not counting injected 429s).
    pub throttled: u64,
    pub auth_failures: u64,
    /// Every injected fault: 5xx, 429, drop, drop-after-apply, garbage.
    pub injected_faults: u64,
    /// Connections closed without an answer (subset of `injected_faults`).
    pub dropped: u64,
}

/// What the simulator holds for one server, at the moment of the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTruth {
    pub project_id: String,
    pub server_id: String,
    pub name: String,
    pub status: String,
    pub os_type: String,
    pub kind: crate::cloud::ServerKind,
    pub reset_supported: bool,
    /// A reset was accepted and waits for the next (re)start to take effect.
    pub password_pending: bool,
    /// The password in effect since the last (re)start that followed a reset.
    pub applied_password: Option<Secret>,
}

/// A running simulator. Dropping it stops the listener and closes every connection.
pub struct Sim {
    addr: SocketAddr,
    shared: Arc<gateway::Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Sim {
    /// Binds `listen` (loopback only; port 0 picks a free port) and starts serving.
    pub async fn start(cfg: SimConfig, listen: SocketAddr) -> Result<Sim, SimError> {
        if !listen.ip().is_loopback() {
            return Err(SimError::NotLoopback(listen));
        }
        cfg.faults.validate()?;
        if cfg.credentials.is_empty() {
            return Err(SimError::Config("at least one credential is needed".into()));
        }
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| SimError::Bind {
                addr: listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: listen,
            source,
        })?;
        let shared = Arc::new(gateway::Shared::new(cfg));
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(server::accept_loop(listener, shared.clone(), stopped));
        tracing::debug!(%addr, "simulator listening");
        Ok(Sim {
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, usable as both the ECS and the IAM endpoint.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn credentials(&self) -> &[SimCredential] {
        self.shared.verifier.credentials()
    }

    /// Temporary keys issued by `assume_role` so far (expired ones included).
    pub fn issued_tokens(&self) -> usize {
        self.shared.verifier.issued().len()
    }

    /// The temporary keys `assume_role` issued, for tests that check they leak nowhere.
    pub fn issued_credentials(&self) -> Vec<SimCredential> {
        self.shared.verifier.issued()
    }

    pub fn set_faults(&self, f: Faults) {
        *lock(&self.shared.faults) = f;
    }

    pub fn set_quirks(&self, q: Quirks) {
        *lock(&self.shared.quirks) = q;
    }

    /// Answers every change with `redirect` (unapplied) until set back to `None`.
    pub fn set_redirect_changes(&self, redirect: Option<Redirect>) {
        *lock(&self.shared.redirect_changes) = redirect;
    }

    /// Replaces the list of withheld APIs.
    pub fn set_withheld(&self, withheld: Vec<Withhold>) {
        *lock(&self.shared.withheld) = withheld;
    }

    pub fn set_throttle(&self, rate: Option<f64>) {
        self.shared.throttle.set_rate(rate);
    }

    pub fn set_throttle_style(&self, style: ThrottleStyle) {
        self.shared.throttle.set_style(style);
    }

    pub fn stats(&self) -> SimStats {
        lock(&self.shared.stats).clone()
    }

    pub fn truth(&self) -> Vec<ServerTruth> {
        lock(&self.shared.world).truth(std::time::Instant::now())
    }

    /// Every password a reset (single or batch, not dry-run) accepted for this server, in
    /// order, including one still waiting for a restart.
    pub fn received_passwords(&self, server_id: &str) -> Vec<Secret> {
        lock(&self.shared.world).received_passwords(server_id)
    }

    /// The initial Windows password still stored for a server, in clear (what
    /// `os-server-password` hands out encrypted).
    pub fn stored_windows_password(&self, server_id: &str) -> Option<Secret> {
        self.shared.windows_passwords.plain(server_id)
    }

    /// The values of a CSMS secret's versions, oldest first (the last is `latest`); empty
    /// when the project holds no such secret.
    pub fn csms_values(&self, project_id: &str, name: &str) -> Vec<Secret> {
        self.shared.secrets.values(project_id, name)
    }

    /// The names of a project's CSMS secrets, sorted.
    pub fn csms_names(&self, project_id: &str) -> Vec<String> {
        self.shared.secrets.names(project_id)
    }

    /// Puts a CSMS secret in `PENDING_DELETE`, as a scheduled deletion does: new versions and
    /// reads are refused. False when there is no such secret.
    pub fn csms_schedule_deletion(&self, project_id: &str, name: &str) -> bool {
        self.shared.secrets.schedule_deletion(project_id, name)
    }

    /// Deletes a server, e.g. to test one that vanished between listing and flag check.
    pub fn remove_server(&self, server_id: &str) -> bool {
        lock(&self.shared.world).remove_server(server_id)
    }

    /// Stops accepting, closes every open connection, and waits for the listener to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Locks a mutex, ignoring poisoning: every critical section leaves consistent state.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
