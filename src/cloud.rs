//! The Huawei Cloud client: endpoints per region, credentials, limits, retries and typed errors.
//!
//! [`Cloud`] is cheap to clone and shared by every task; all calls go through one
//! [`http::Transport`], so the concurrency bound and each API's adaptive rate apply to the
//! whole app.

pub mod accounts;
pub mod agency;
pub mod agency_keys;
pub mod bms;
pub mod by_kind;
pub mod capability;
pub mod csms;
pub mod ecs;
pub mod error;
pub mod http;
pub mod iam;
pub mod kind;
pub mod limiter;
pub mod regions;
pub mod retry;
pub mod server_password;
pub mod sign;
pub mod split;
pub mod wire;

pub use agency::AgencySpec;
pub use agency_keys::RenewObserver;
pub use error::{ApiError, CloudError, ErrorKind};
pub use http::{CallRecord, Credentials, Observer};
pub use kind::ServerKind;
pub use retry::RetryPolicy;

use std::path::PathBuf;

/// Idle connections kept for list calls (see [`Cloud::new`]).
const LIST_CONNECTIONS: usize = 4;
use std::sync::Arc;
use std::time::Duration;

/// Everything needed to build a client; `config` fills it from the user's file.
#[derive(Clone)]
pub struct Settings {
    /// URL templates that may contain `{region}`.
    pub ecs_endpoint: String,
    pub iam_endpoint: String,
    /// CSMS (`[escrow] csms`); defaults to Huawei's `kms.{region}` host.
    pub csms_endpoint: String,
    /// Bare-metal endpoint template; `None` derives it from the ECS one
    /// ([`bms::bms_template`]).
    pub bms_endpoint: Option<String>,
    pub ca_bundle: Option<PathBuf>,
    /// Proxy for https endpoints, from `[endpoints] proxy`; `HTTPS_PROXY` / `ALL_PROXY` apply
    /// when it is unset. Plain http (the loopback simulator) never goes through a proxy.
    pub proxy: Option<String>,
    pub credentials: Credentials,
    /// Hard ceiling on calls in flight across all APIs.
    pub concurrency: usize,
    /// Hard ceiling on calls per second across all APIs; `f64::INFINITY` for none.
    pub rate_per_second: f64,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    pub observer: Option<Observer>,
    /// Set for an agency profile: `credentials` (the source's keys) only assume it.
    pub agency: Option<AgencySpec>,
    pub on_renew: Option<RenewObserver>,
}

impl Settings {
    pub fn new(
        ecs_endpoint: impl Into<String>,
        iam_endpoint: impl Into<String>,
        credentials: Credentials,
    ) -> Self {
        Self {
            ecs_endpoint: ecs_endpoint.into(),
            iam_endpoint: iam_endpoint.into(),
            csms_endpoint: crate::config::DEFAULT_CSMS_ENDPOINT.to_owned(),
            bms_endpoint: None,
            ca_bundle: None,
            proxy: None,
            credentials,
            concurrency: 256,
            rate_per_second: f64::INFINITY,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            observer: None,
            agency: None,
            on_renew: None,
        }
    }
}

/// A project the client works in: the id goes in the path, the region picks the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectRef {
    pub id: String,
    pub region: String,
}

#[derive(Clone)]
pub struct Cloud {
    transport: Arc<http::Transport>,
    ecs: Arc<str>,
    iam: Arc<str>,
    csms: Arc<str>,
    bms: Arc<str>,
    /// APIs this endpoint answered `404 APIGW.0101` for, per project.
    missing: Arc<capability::Missing>,
    /// Several profiles joined in one client: see [`accounts`].
    accounts: Arc<accounts::Accounts>,
}

impl Cloud {
    pub fn new(settings: Settings) -> Result<Self, CloudError> {
        // Fail at start-up, not on the first call, when an endpoint is unusable.
        check_template(&settings.ecs_endpoint)?;
        check_template(&settings.iam_endpoint)?;
        check_template(&settings.csms_endpoint)?;
        let bms = settings
            .bms_endpoint
            .clone()
            .unwrap_or_else(|| bms::bms_template(&settings.ecs_endpoint));
        check_template(&bms)?;
        if let Some(a) = &settings.agency {
            check_template(&a.iam_endpoint)?;
        }
        // List pages are large: a pooled connection keeps a read buffer as large as the
        // largest body it read, so lists get a small pool of their own and the many flag
        // connections never inherit a page's buffer.
        let client = |idle: usize| -> Result<reqwest::Client, CloudError> {
            let mut builder = reqwest::Client::builder()
                .connect_timeout(settings.connect_timeout)
                .timeout(settings.request_timeout)
                .pool_max_idle_per_host(idle)
                .tcp_nodelay(true)
                .user_agent(concat!("ecsreset/", env!("CARGO_PKG_VERSION")))
                .https_only(false)
                // A followed redirect would re-send the body and token to an unchecked host.
                .redirect(reqwest::redirect::Policy::none())
                // reqwest's own environment proxies include HTTP_PROXY for plain http, which
                // would show a proxy the loopback simulator's signed requests in clear.
                .no_proxy();
            let env = |name: &str| std::env::var(name).ok();
            if let Some(proxy) = https_proxy(settings.proxy.as_deref(), &env) {
                let proxy = reqwest::Proxy::https(proxy.as_str())
                    .map_err(|e| CloudError::Setup(format!("proxy is not usable: {e}")))?
                    .no_proxy(reqwest::NoProxy::from_env());
                builder = builder.proxy(proxy);
            }
            if let Some(path) = &settings.ca_bundle {
                for cert in ca_certificates(path).map_err(CloudError::Setup)? {
                    builder = builder.add_root_certificate(cert);
                }
            }
            builder
                .build()
                .map_err(|e| CloudError::Setup(format!("cannot start the HTTP client: {e}")))
        };
        let http = client(settings.concurrency.max(1))?;
        let lists = client(LIST_CONNECTIONS)?;
        let transport = http::Transport {
            http,
            lists,
            credentials: settings.credentials,
            agency: settings
                .agency
                .map(|spec| Arc::new(agency_keys::AgencyKeys::new(spec, settings.on_renew))),
            limiter: limiter::Limiter::new(settings.concurrency, settings.rate_per_second),
            retry: settings.retry,
            observer: settings.observer,
        };
        Ok(Self {
            transport: Arc::new(transport),
            ecs: settings.ecs_endpoint.into(),
            iam: settings.iam_endpoint.into(),
            csms: settings.csms_endpoint.into(),
            bms: bms.into(),
            missing: Arc::default(),
            accounts: Arc::default(),
        })
    }

    pub fn limiter(&self) -> &limiter::Limiter {
        &self.transport.limiter
    }

    /// The (project id, API) pairs found not offered so far.
    pub fn not_offered(&self) -> Vec<(String, capability::Capability)> {
        self.missing.all()
    }

    /// The remembered `404 APIGW.0101`, when `cap` is known not offered in `p`.
    pub fn known_missing(&self, p: &ProjectRef, cap: capability::Capability) -> Option<CloudError> {
        self.missing.get(p, cap)
    }

    /// When the temporary keys of this client's agency end (`None`: not an agency profile,
    /// or none issued yet).
    pub async fn agency_expires_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        match &self.transport.agency {
            Some(keys) => keys.expires_at().await,
            None => None,
        }
    }

    /// Whether any profile of this client acts through an agency.
    pub fn has_agencies(&self) -> bool {
        self.each_account()
            .iter()
            .any(|c| c.transport.agency.is_some())
    }

    /// Renews the due temporary keys of every agency profile in this client (see
    /// [`agency_keys::AgencyKeys::renew_if_due`]); the errors name their profile.
    pub async fn renew_agency_keys(&self) -> Vec<CloudError> {
        let mut errors = Vec::new();
        for c in self.each_account() {
            if let Some(keys) = &c.transport.agency
                && let Err(e) = keys.renew_if_due(&c.transport).await
            {
                errors.push(e);
            }
        }
        errors
    }

    pub fn access_key(&self) -> &str {
        &self.transport.credentials.access_key
    }

    pub(crate) fn ecs_base(&self, region: &str) -> Result<reqwest::Url, CloudError> {
        endpoint(&self.ecs, region)
    }

    pub(crate) fn bms_base(&self, region: &str) -> Result<reqwest::Url, CloudError> {
        endpoint(&self.bms, region)
    }

    /// The ECS base of the profile that holds project `p`.
    pub(crate) fn ecs_base_of(&self, p: &ProjectRef) -> Result<reqwest::Url, CloudError> {
        self.route(&p.id).ecs_base(&p.region)
    }

    pub(crate) fn iam_base(&self, region: &str) -> Result<reqwest::Url, CloudError> {
        endpoint(&self.iam, region)
    }

    pub(crate) fn csms_base(&self, region: &str) -> Result<reqwest::Url, CloudError> {
        endpoint(&self.csms, region)
    }

    /// Sends through the transport (credentials, limiter) of the profile that holds the
    /// call's project; calls without one (IAM) use this client's own.
    pub(crate) async fn send(&self, call: &http::Call) -> Result<http::Answer, CloudError> {
        let client = call.project_id.as_deref().map_or(self, |id| self.route(id));
        client.transport.send(call).await
    }

    /// [`Cloud::send`], with one array's elements handed over as they are read.
    pub(crate) async fn send_streamed(
        &self,
        call: &http::Call,
        elements: &mut dyn http::Elements,
    ) -> Result<http::Answer, CloudError> {
        let client = call.project_id.as_deref().map_or(self, |id| self.route(id));
        client.transport.send_streamed(call, elements).await
    }
}

/// The proxy for https requests: the configured one, else `HTTPS_PROXY` / `ALL_PROXY` (and
/// their lowercase forms), the variables curl and reqwest read for https. Empty means unset.
pub fn https_proxy(
    configured: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let set = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    set(configured.map(str::to_owned)).or_else(|| {
        ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
            .into_iter()
            .find_map(|name| set(env(name)))
    })
}

/// The certificates of a PEM bundle; a bundle without any is an error naming the file, since
/// silently trusting only the default roots would hide a mistyped or truncated file.
pub fn ca_certificates(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path)
        .map_err(|e| format!("cannot read CA bundle {}: {e}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("CA bundle {} is not valid PEM: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "CA bundle {} holds no certificate (no \"-----BEGIN CERTIFICATE-----\" block)",
            path.display()
        ));
    }
    Ok(certs)
}

fn check_template(template: &str) -> Result<(), CloudError> {
    endpoint(template, "cn-north-4").map(|_| ())
}

/// Resolves a template for a region and enforces the transport rule: plain `http://` only to
/// loopback (the simulator), everything else `https://` with certificate checks.
pub fn endpoint(template: &str, region: &str) -> Result<reqwest::Url, CloudError> {
    let text = template.replace("{region}", region);
    let text = if text.contains("://") {
        text
    } else {
        format!("https://{text}")
    };
    let refuse = |reason: &str| CloudError::Endpoint {
        url: text.clone(),
        reason: reason.to_owned(),
    };
    let url = reqwest::Url::parse(&text).map_err(|e| refuse(&format!("not a valid URL ({e})")))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("an endpoint must not have a query or fragment"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(refuse(
            "plain http is allowed only for loopback addresses (127.0.0.1, ::1, localhost); use https",
        )),
        other => Err(refuse(&format!("unsupported scheme {other:?}; use https"))),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_resolve_per_region_and_default_to_https() {
        let u = endpoint("https://ecs.{region}.myhuaweicloud.com", "ap-southeast-1").unwrap();
        assert_eq!(u.as_str(), "https://ecs.ap-southeast-1.myhuaweicloud.com/");
        let u = endpoint("iam.myhuaweicloud.com", "x").unwrap();
        assert_eq!(u.scheme(), "https");
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:8800",
            "http://localhost:1",
            "http://[::1]:9",
            "http://127.8.9.1",
        ] {
            assert!(endpoint(ok, "r").is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1:80",
            "http://ecs.{region}.myhuaweicloud.com",
            "http://192.168.1.1",
            "ftp://127.0.0.1",
        ] {
            let e = endpoint(bad, "r").unwrap_err().to_string();
            assert!(e.contains("refused"), "{bad}: {e}");
        }
        assert!(endpoint("https://h/x?y=1", "r").is_err());
    }
}
