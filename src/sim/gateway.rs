//! The request pipeline, in the order the real API gateway applies its checks:
//! latency → API lookup (404 `APIGW.0101`) → body limit (413) → signature (401
//! `APIGW.0301`) → throttle (429 `APIGW.0308`) → injected fault → handler → optional
//! drop-after-apply. Every answer gets an `X-Request-Id`; gateway error bodies repeat it.

use super::api::Api;
use super::auth::{Received, Verifier};
use super::faults::{Faults, Injected, Redirect};
use super::reply::{self, ecs_error, gateway_error, not_found_api, raw, throttled};
use super::state::World;
use super::throttle::Throttle;
use super::{
    SimConfig, SimStats, jobs, lock, routes_bms, routes_csms, routes_ecs, routes_iam,
    routes_password, routes_sts,
};
use crate::cloud::ServerKind::{Bms, Ecs};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::response::Response;
use http_body_util::BodyExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Largest accepted request body.
pub(crate) const MAX_BODY: usize = 1 << 20;
/// Past this, an oversized body is no longer drained before the 413 is sent.
const DRAIN_CAP: usize = 16 << 20;

/// State shared by every connection of one simulator.
pub(crate) struct Shared {
    pub(crate) world: Mutex<World>,
    pub(crate) verifier: Verifier,
    pub(crate) throttle: Throttle,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) redirect_changes: Mutex<Option<Redirect>>,
    pub(crate) rng: Mutex<StdRng>,
    pub(crate) stats: Mutex<SimStats>,
    pub(crate) reboot_duration: Duration,
    pub(crate) quirks: Mutex<super::Quirks>,
    pub(crate) windows_passwords: routes_password::Store,
    pub(crate) secrets: routes_csms::Store,
    pub(crate) withheld: Mutex<Vec<super::Withhold>>,
    /// Agencies `assume_role` may assume, and the longest lifetime their keys get.
    pub(crate) agencies: Vec<super::SimAgency>,
    pub(crate) token_ttl: Option<Duration>,
}

/// Put into each request by the accept loop: notifying it closes the connection unanswered.
#[derive(Clone)]
pub(crate) struct ConnCtl(pub(crate) Arc<Notify>);

impl Shared {
    pub(crate) fn new(cfg: SimConfig) -> Self {
        let windows_passwords = routes_password::Store::new(&cfg.fleet, cfg.windows_key.as_ref());
        Self {
            windows_passwords,
            secrets: routes_csms::Store::default(),
            world: Mutex::new(World::new(cfg.fleet)),
            verifier: Verifier::new(
                cfg.credentials,
                cfg.max_skew,
                cfg.lockout_threshold,
                cfg.lockout_duration,
            ),
            throttle: Throttle::new(cfg.throttle, cfg.throttle_style),
            faults: Mutex::new(cfg.faults),
            redirect_changes: Mutex::new(None),
            rng: Mutex::new(match cfg.seed {
                Some(seed) => StdRng::seed_from_u64(seed),
                None => StdRng::from_os_rng(),
            }),
            stats: Mutex::new(SimStats::default()),
            reboot_duration: cfg.reboot_duration,
            quirks: Mutex::new(cfg.quirks),
            withheld: Mutex::new(cfg.withheld),
            agencies: cfg.agencies,
            token_ttl: cfg.token_ttl,
        }
    }

    fn count(&self, f: impl FnOnce(&mut SimStats)) {
        f(&mut lock(&self.stats));
    }
}

/// The one handler behind the axum router: runs the pipeline and stamps the request id.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let rid = hex::encode(rand::rng().random::<[u8; 16]>());
    let mut resp = pipeline(&shared, req, &rid).await;
    let value = HeaderValue::from_str(&rid).expect("hex is a valid header value");
    resp.headers_mut().insert("x-request-id", value);
    resp
}

async fn pipeline(shared: &Shared, req: Request, rid: &str) -> Response {
    let faults = lock(&shared.faults).clone();
    let delay = faults.delay(&mut *lock(&shared.rng));
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let (parts, body) = req.into_parts();
    let api = Api::classify(parts.method.as_str(), parts.uri.path());
    let key = api.as_ref().map_or("unknown", Api::key);
    shared.count(|s| {
        s.total_requests += 1;
        *s.per_route.entry(key.to_owned()).or_default() += 1;
    });
    tracing::debug!(method = %parts.method, path = parts.uri.path(), api = key, rid, "request");
    let Some(api) = api else {
        return not_found_api(rid);
    };
    if is_withheld(shared, &api) {
        return not_found_api(rid);
    }
    let Some(body) = read_body(body).await else {
        return gateway_error(413, "APIGW.0201", "Request entity too large", rid);
    };
    let received = Received {
        method: parts.method.as_str(),
        raw_path: parts.uri.path(),
        raw_query: parts.uri.query(),
        headers: &parts.headers,
        body: &body,
    };
    let ak = match shared.verifier.check(&received, chrono::Utc::now()) {
        Ok(ak) => ak,
        Err(msg) => {
            shared.count(|s| s.auth_failures += 1);
            tracing::debug!(rid, reason = %msg, "authentication failed");
            return gateway_error(401, "APIGW.0301", msg, rid);
        }
    };
    if let Err(stated) = shared.throttle.admit(&ak, api.key(), Instant::now()) {
        shared.count(|s| s.throttled += 1);
        return throttled(stated, rid);
    }
    let (fault, drop_after) = {
        let mut rng = lock(&shared.rng);
        (faults.pick(&mut *rng), faults.drop_after_apply(&mut *rng))
    };
    if let Some(fault) = fault {
        shared.count(|s| {
            s.injected_faults += 1;
            s.dropped += u64::from(fault == Injected::Drop);
        });
        tracing::debug!(rid, ?fault, "injecting fault");
        return inject(shared, fault, &parts, rid).await;
    }
    if let Some(redirect) = lock(&shared.redirect_changes)
        .as_ref()
        .filter(|_| api.is_change())
    {
        return redirect.response();
    }
    let resp = dispatch(shared, &api, &parts, &body, &ak);
    tracing::debug!(rid, status = resp.status().as_u16(), "response");
    if drop_after {
        shared.count(|s| {
            s.injected_faults += 1;
            s.dropped += 1;
        });
        tracing::debug!(rid, "dropping the connection after applying the request");
        return drop_connection(&parts).await;
    }
    resp
}

/// Whether this region's gateway does not publish the API (checked before auth, as for any
/// unknown API).
fn is_withheld(shared: &Shared, api: &Api) -> bool {
    let list = lock(&shared.withheld);
    super::withhold::withheld(&list, api, |project| {
        lock(&shared.world)
            .project(project)
            .and_then(|p| p.meta.region.clone())
    })
}

/// Reads at most [`MAX_BODY`] bytes; `None` when the body is larger (drained up to a cap so
/// the client reads the 413 instead of a reset connection) or unreadable.
async fn read_body(mut body: Body) -> Option<Bytes> {
    let mut kept = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { return None };
        if let Ok(data) = frame.into_data() {
            total += data.len();
            if total <= MAX_BODY {
                kept.extend_from_slice(&data);
            } else if total > DRAIN_CAP {
                return None;
            }
        }
    }
    (total <= MAX_BODY).then(|| Bytes::from(kept))
}

fn dispatch(shared: &Shared, api: &Api, parts: &Parts, body: &[u8], ak: &str) -> Response {
    let query = parts.uri.query().unwrap_or_default();
    let host = parts
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let base = format!("http://{host}");
    match api {
        Api::ListServers { project } => routes_ecs::list(shared, project, query),
        Api::ResetFlag { project, server } => routes_ecs::flag(shared, Ecs, project, server),
        Api::ResetPassword { project, server } => {
            routes_ecs::reset(shared, Ecs, project, server, body)
        }
        Api::BatchResetPassword { project } => routes_ecs::batch_reset(shared, project, body),
        Api::Action { project } => jobs::action(shared, project, body),
        Api::ShowJob { project, job } => jobs::show(shared, project, job),
        Api::ShowServerPassword { project, server } => {
            routes_password::show(shared, Ecs, project, server)
        }
        Api::DeleteServerPassword { project, server } => {
            routes_password::delete(shared, Ecs, project, server)
        }
        Api::BmsList { project } => routes_bms::list(shared, project, query),
        Api::BmsResetFlag { project, server } => routes_ecs::flag(shared, Bms, project, server),
        Api::BmsResetPassword { project, server } => {
            routes_ecs::reset(shared, Bms, project, server, body)
        }
        Api::BmsShowServerPassword { project, server } => {
            routes_password::show(shared, Bms, project, server)
        }
        Api::BmsDeleteServerPassword { project, server } => {
            routes_password::delete(shared, Bms, project, server)
        }
        Api::CreateSecret { project } => routes_csms::create(shared, project, body),
        Api::CreateSecretVersion { project, name } => {
            routes_csms::create_version(shared, project, name, body)
        }
        Api::ListSecretVersions { project, name } => {
            routes_csms::list_versions(shared, project, name)
        }
        Api::ShowSecretVersion {
            project,
            name,
            version,
        } => routes_csms::show_version(shared, project, name, version),
        Api::AuthProjects => routes_iam::auth_projects(shared, &base),
        Api::Projects => routes_iam::projects(shared, &base, query),
        Api::AuthDomains => routes_iam::auth_domains(shared, &base),
        Api::SecurityTokens => routes_sts::security_tokens(shared, ak, body),
    }
}

/// The answer for an injected fault; 5xx bodies mix the ECS and the gateway styles
/// [ASSUMED codes: `Ecs.0000` for service errors, `APIGW.0201` for backend failures].
async fn inject(shared: &Shared, fault: Injected, parts: &Parts, rid: &str) -> Response {
    match fault {
        Injected::Drop => drop_connection(parts).await,
        Injected::Error(500) => ecs_error(500, "Ecs.0000", "Internal server error."),
        Injected::Error(502) => gateway_error(502, "APIGW.0201", "Backend unavailable", rid),
        Injected::Error(504) => gateway_error(504, "APIGW.0201", "Backend timeout", rid),
        Injected::Error(_) => ecs_error(
            503,
            "Ecs.0000",
            "Service unavailable, please try again later.",
        ),
        Injected::Throttle => throttled(shared.throttle.injected(), rid),
        Injected::Garbage(true) => raw(
            200,
            reply::JSON,
            // Cut after a whole server, as a dropped proxy connection cuts a page: a client
            // that reads pages as they arrive must not keep that server when it retries.
            r#"{"count": 3, "servers": [{"id": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "name": "web-00"}, {"id": "6a3f1c2e-8b7d-4e5f-9a0b-1c2d3e4f5a6b", "name": "web-"#,
        ),
        Injected::Garbage(false) => raw(
            200,
            "text/html",
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n",
        ),
    }
}

/// Closes the connection without an answer. Outside the accept loop (no [`ConnCtl`]) there
/// is no connection to close, so a 502 stands in.
async fn drop_connection(parts: &Parts) -> Response {
    match parts.extensions.get::<ConnCtl>() {
        Some(ctl) => {
            ctl.0.notify_one();
            std::future::pending().await
        }
        None => gateway_error(502, "APIGW.0201", "Backend unavailable", ""),
    }
}
