//! The HTTP edge: the one place where a request is signed, sent, retried and its answer read.
//! Secrets are exposed here (signing key, security token, request bodies) and nowhere else.

use super::error::{CloudError, decode_error};
use super::limiter::{ApiClass, Limiter, Outcome, Policy};
use super::retry::{Attempt, RetryPolicy, parse_retry_after, should_retry};
use super::sign::{self, QueryValue, SignInput};
use super::split;
use crate::report::clean;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zeroize::{Zeroize, Zeroizing};

/// Answers larger than this are refused rather than buffered (a full 1000-server page is ~5 MB).
pub const MAX_BODY: usize = 32 * 1024 * 1024;

#[derive(Clone)]
pub struct Credentials {
    pub access_key: String,
    pub secret_key: Secret,
    pub security_token: Option<Secret>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key)
            .field("security_token", &self.security_token)
            .finish()
    }
}

/// One API call as the log pane shows it. Never holds a body, a key or a token.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    pub at: DateTime<Utc>,
    pub method: &'static str,
    pub path: String,
    pub status: Option<u16>,
    pub latency: Duration,
    pub request_id: Option<String>,
    /// `code: message` when the call failed.
    pub error: Option<String>,
    pub attempt: u32,
    pub will_retry: bool,
}

pub type Observer = Arc<dyn Fn(CallRecord) + Send + Sync>;

/// A request before signing. `body` is zeroized when dropped because it may hold a password.
pub struct Call {
    pub method: reqwest::Method,
    pub base: reqwest::Url,
    pub path: String,
    pub query: Vec<(String, QueryValue)>,
    pub body: Option<Zeroizing<Vec<u8>>>,
    pub project_id: Option<String>,
    /// Reads may be retried after they were sent; changes may not.
    pub idempotent: bool,
    /// Which of the gateway's limits the call counts against.
    pub api: ApiClass,
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub request_id: Option<String>,
}

pub struct Transport {
    pub http: reqwest::Client,
    /// For list calls only: their connections hold page-sized read buffers.
    pub lists: reqwest::Client,
    /// The profile's keys; for an agency profile, the source's, which only sign `assume_role`.
    pub credentials: Credentials,
    /// Set for an agency profile: every other call is signed with the keys it holds.
    pub agency: Option<Arc<super::agency_keys::AgencyKeys>>,
    pub limiter: Limiter,
    pub retry: RetryPolicy,
    pub observer: Option<Observer>,
}

enum Failure {
    Api(Answer, Option<Duration>),
    /// A read answered 2xx with a body that is not JSON at all (a proxy's HTML page, a body
    /// cut short): a transient fault like a 5xx, so it is retried like one.
    BadBody(Answer, String),
    NoAnswer {
        sent: bool,
        timeout: bool,
        message: String,
    },
    Decode(CloudError),
}

impl Transport {
    fn client(&self, api: ApiClass) -> &reqwest::Client {
        match api {
            ApiClass::EcsList | ApiClass::BmsList => &self.lists,
            _ => &self.http,
        }
    }

    /// Sends with retries; a status of 400 or more becomes [`CloudError::Api`].
    pub async fn send(&self, call: &Call) -> Result<Answer, CloudError> {
        self.send_as(call, true, None).await
    }

    /// [`Transport::send`], with the elements of one array of a 2xx answer handed to
    /// `elements` as they are read: the answer's body is the rest (see [`split`]).
    pub async fn send_streamed(
        &self,
        call: &Call,
        elements: &mut dyn Elements,
    ) -> Result<Answer, CloudError> {
        self.send_as(call, true, Some(elements)).await
    }

    /// Sends signed with [`Transport::credentials`] even for an agency profile: the
    /// `assume_role` call itself.
    pub(crate) async fn send_signed_by_source(&self, call: &Call) -> Result<Answer, CloudError> {
        self.send_as(call, false, None).await
    }

    async fn send_as(
        &self,
        call: &Call,
        own: bool,
        mut elements: Option<&mut dyn Elements>,
    ) -> Result<Answer, CloudError> {
        let host = authority(&call.base);
        let mut attempt = 0;
        loop {
            attempt += 1;
            // Asked for before a slot is taken (a renewal needs one) and again on each retry,
            // so no attempt carries keys that have ended meanwhile.
            let credentials = match &self.agency {
                Some(keys) if own => keys.current(self).await?,
                _ => self.credentials.clone(),
            };
            // Latency in the log is the network's, not the time spent queueing for a slot.
            let permit = self.limiter.acquire(call.api, &host).await;
            let started = Instant::now();
            let at = Utc::now();
            if let Some(e) = elements.as_deref_mut() {
                e.restart();
            }
            let result = self
                .attempt(call, &credentials, elements.as_deref_mut())
                .await;
            permit.finish(outcome(&result));
            let (kind, retry_after) = match &result {
                Ok(_) => (None, None),
                Err(Failure::Api(a, ra)) => (Some(Attempt::Status(a.status)), *ra),
                Err(Failure::BadBody(..)) => (Some(Attempt::BadBody), None),
                Err(Failure::NoAnswer { sent: false, .. }) => (Some(Attempt::NotSent), None),
                Err(Failure::NoAnswer { sent: true, .. }) => (Some(Attempt::NoAnswer), None),
                Err(Failure::Decode(_)) => (None, None),
            };
            let retry = kind
                .is_some_and(|k| attempt <= self.retry.retries && should_retry(call.idempotent, k));
            self.observe(call, at, started.elapsed(), attempt, retry, &result);
            match result {
                Ok(answer) => return Ok(answer),
                Err(failure) if !retry => return Err(self.finish(call, failure)),
                Err(_) => {
                    let throttled = kind == Some(Attempt::Status(429));
                    let delay = if throttled && retry_after.is_none() && attempt == 1 {
                        // The limiter has already slowed this API down; its next slot is
                        // the pause. Repeated 429s back off as well.
                        Duration::ZERO
                    } else {
                        let n = if throttled { attempt - 1 } else { attempt };
                        self.retry.delay(n, retry_after, rand::random::<f64>())
                    };
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                }
            }
        }
    }

    fn finish(&self, call: &Call, failure: Failure) -> CloudError {
        match failure {
            Failure::Api(a, _) => CloudError::Api(decode_error(a.status, &a.body, a.request_id)),
            Failure::Decode(e) => e,
            Failure::BadBody(a, message) => CloudError::Decode {
                status: a.status,
                message,
                request_id: a.request_id,
            },
            Failure::NoAnswer {
                sent: true,
                message,
                ..
            } if !call.idempotent => CloudError::OutcomeUnknown { message },
            Failure::NoAnswer {
                timeout, message, ..
            } => CloudError::Transport { message, timeout },
        }
    }

    async fn attempt<'e>(
        &self,
        call: &Call,
        credentials: &Credentials,
        elements: Option<&mut (dyn Elements + 'e)>,
    ) -> Result<Answer, Failure> {
        let request = self.build(call, credentials).map_err(Failure::Decode)?;
        let response = self
            .client(call.api)
            .execute(request)
            .await
            .map_err(|e| no_answer(&e))?;
        let status = response.status().as_u16();
        let request_id = header_text(&response, "x-request-id").map(|r| clean(&r).into_owned());
        if (300..400).contains(&status) {
            return Err(Failure::Decode(redirected(
                call, status, &response, request_id,
            )));
        }
        let retry_after = header_text(&response, "retry-after").and_then(|v| parse_retry_after(&v));
        let body = match elements {
            Some(elements) if status < 300 => read_split(response, elements).await,
            _ => read_capped(response).await,
        };
        let bad_body = |message: String| {
            let answer = Answer {
                status,
                body: Vec::new(),
                request_id: request_id.clone(),
            };
            Failure::BadBody(answer, message)
        };
        let body = body.map_err(|e| match e {
            // A change accepted (2xx) with an answer too big to read may have been applied.
            ReadError::TooLarge if !call.idempotent && status < 400 => {
                Failure::Decode(CloudError::OutcomeUnknown {
                    message: format!(
                        "HTTP {status} with a body larger than {MAX_BODY} bytes{}",
                        request_id
                            .as_ref()
                            .map(|r| format!(" (request id {r})"))
                            .unwrap_or_default()
                    ),
                })
            }
            ReadError::TooLarge => Failure::Decode(CloudError::Decode {
                status,
                message: format!("body larger than {MAX_BODY} bytes"),
                request_id: request_id.clone(),
            }),
            ReadError::Net(e) => no_answer(&e),
            ReadError::Broken(b) => bad_body(format!("body is not the documented JSON ({})", b.0)),
            // Not JSON at all (cut short, garbage) is transient like any bad body; JSON of
            // another shape is the API's answer, and a retry would read the same.
            ReadError::Element(e) if e.is_syntax() || e.is_eof() => {
                bad_body(format!("body is not the documented JSON ({e})"))
            }
            ReadError::Element(e) => Failure::Decode(CloudError::Decode {
                status,
                message: format!("body is not the documented JSON ({e})"),
                request_id: request_id.clone(),
            }),
        })?;
        let answer = Answer {
            status,
            body,
            request_id,
        };
        if status >= 400 {
            return Err(Failure::Api(answer, retry_after));
        }
        // Every read of these APIs answers JSON; changes are judged by their callers, which
        // must not resend them (see `ecs::decode_change`).
        if call.idempotent
            && let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&answer.body)
        {
            let message = format!("body is not the documented JSON ({e})");
            return Err(Failure::BadBody(answer, message));
        }
        Ok(answer)
    }

    fn build(
        &self,
        call: &Call,
        credentials: &Credentials,
    ) -> Result<reqwest::Request, CloudError> {
        let host = authority(&call.base);
        let path = format!("{}{}", call.base.path().trim_end_matches('/'), call.path);
        let content_type = if call.body.is_some() {
            "application/json;charset=utf-8"
        } else {
            "application/json"
        };
        let mut headers = vec![("Content-Type".to_owned(), content_type.to_owned())];
        if let Some(pid) = &call.project_id {
            headers.push(("X-Project-Id".into(), pid.clone()));
        }
        if let Some(token) = &credentials.security_token {
            headers.push(("X-Security-Token".into(), token.expose().to_owned()));
        }
        let mut signed = sign::sign(
            SignInput {
                method: call.method.as_str(),
                host: &host,
                path: &path,
                query: &call.query,
                headers,
                body: call.body.as_deref().map(Vec::as_slice),
            },
            &credentials.access_key,
            credentials.secret_key.expose(),
            Utc::now(),
        )
        .map_err(|e| CloudError::Setup(e.to_string()))?;
        let url = format!("{}://{}{}", call.base.scheme(), host, signed.request_uri);
        let mut builder = self.client(call.api).request(call.method.clone(), &url);
        for (name, value) in &signed.headers {
            let mut value = reqwest::header::HeaderValue::from_str(value).map_err(|e| {
                CloudError::Setup(format!("header {name} is not valid for HTTP: {e}"))
            })?;
            // Kept out of Debug output and, over HTTP/2, out of the peers' header tables.
            value.set_sensitive(name.eq_ignore_ascii_case("x-security-token"));
            builder = builder.header(name.as_str(), value);
        }
        // The token is in clear in both; the header value reqwest now owns cannot be wiped.
        signed.canonical_request.zeroize();
        for (_, value) in &mut signed.headers {
            value.zeroize();
        }
        if let Some(body) = &call.body {
            // reqwest keeps the body as `Bytes`; owning a zeroizing copy makes the last drop
            // (after the send, or when the request is abandoned) wipe it. Copies that TLS or
            // the kernel make while sending are beyond reach.
            let copy = ZeroOnDrop(Zeroizing::new(body.to_vec()));
            builder = builder.body(bytes::Bytes::from_owner(copy));
        }
        builder
            .build()
            .map_err(|e| CloudError::Setup(format!("cannot build request for {}: {e}", call.path)))
    }

    fn observe(
        &self,
        call: &Call,
        at: DateTime<Utc>,
        latency: Duration,
        attempt: u32,
        will_retry: bool,
        result: &Result<Answer, Failure>,
    ) {
        let (status, request_id, error) = match result {
            Ok(a) => (Some(a.status), a.request_id.clone(), None),
            Err(Failure::Api(a, _)) => {
                let e = decode_error(a.status, &a.body, a.request_id.clone());
                (
                    Some(a.status),
                    a.request_id.clone(),
                    Some(format!("{}: {}", e.code, e.message)),
                )
            }
            Err(Failure::BadBody(a, message)) => (
                Some(a.status),
                a.request_id.clone(),
                Some(format!("bad-response: {message}")),
            ),
            Err(Failure::NoAnswer { message, .. }) => (None, None, Some(message.clone())),
            Err(Failure::Decode(e)) => {
                (None, e.request_id().map(str::to_owned), Some(e.to_string()))
            }
        };
        tracing::debug!(method = %call.method, path = %call.path, ?status, ?latency, ?request_id, ?error, attempt, "api call");
        if let Some(observer) = &self.observer {
            observer(CallRecord {
                at,
                method: method_name(&call.method),
                path: call.path.clone(),
                status,
                latency,
                request_id,
                error,
                attempt,
                will_retry,
            });
        }
    }
}

/// What an attempt says about the API's rate: a 429 (with the policy its body states), an
/// answer of any other kind, or nothing (no answer, a server fault, an unreadable body).
fn outcome(result: &Result<Answer, Failure>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(Failure::Api(a, _)) if a.status == 429 => {
            Outcome::Throttled(Policy::parse(&String::from_utf8_lossy(&a.body)))
        }
        Err(Failure::Api(a, _)) if a.status < 500 => Outcome::Ok,
        Err(_) => Outcome::Other,
    }
}

fn method_name(m: &reqwest::Method) -> &'static str {
    match *m {
        reqwest::Method::GET => "GET",
        reqwest::Method::PUT => "PUT",
        reqwest::Method::POST => "POST",
        reqwest::Method::DELETE => "DELETE",
        _ => "OTHER",
    }
}

/// `host[:port]` as written in the endpoint, which is what the signer must see.
pub fn authority(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// A request body that is wiped when reqwest lets go of it.
struct ZeroOnDrop(Zeroizing<Vec<u8>>);

impl AsRef<[u8]> for ZeroOnDrop {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Redirects are never followed (a followed redirect re-sends the body and the token to a
/// host nobody checked). A change that was redirected may still have been acted on before
/// the answer was written, so its outcome is unknown; a read simply failed.
fn redirected(
    call: &Call,
    status: u16,
    response: &reqwest::Response,
    request_id: Option<String>,
) -> CloudError {
    let target = match header_text(response, "location") {
        None => "no Location".to_owned(),
        Some(location) => match call
            .base
            .join(&location)
            .ok()
            .map(|u| authority(&u))
            .filter(|h| !h.is_empty())
        {
            Some(host) => format!("host {}", clean(&host)),
            None => "an unreadable Location".to_owned(),
        },
    };
    if call.idempotent {
        return CloudError::Decode {
            status,
            message: format!("redirect to {target}, not followed"),
            request_id,
        };
    }
    let id = request_id.map(|r| format!(" (request id {r})"));
    CloudError::OutcomeUnknown {
        message: format!(
            "HTTP {status} redirect to {target}, not followed: ecsreset never follows redirects{}",
            id.unwrap_or_default()
        ),
    }
}

fn header_text(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn no_answer(e: &reqwest::Error) -> Failure {
    let sent = !e.is_connect();
    let message = if e.is_connect() {
        format!("cannot connect: {}", root_cause(e))
    } else if e.is_timeout() {
        "no answer before the timeout".to_owned()
    } else {
        format!("connection lost: {}", root_cause(e))
    };
    Failure::NoAnswer {
        sent,
        timeout: e.is_timeout(),
        message,
    }
}

/// The innermost error text; reqwest's own Display repeats the URL, which is noise in a table.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

enum ReadError {
    TooLarge,
    Net(reqwest::Error),
    Broken(split::Broken),
    Element(serde_json::Error),
}

/// Takes the elements of one top-level array of a 2xx answer as they are read.
pub trait Elements: Send {
    /// The array's key in the answer's object.
    fn key(&self) -> &'static str;
    /// An attempt starts: whatever an earlier one handed over is dropped.
    fn restart(&mut self);
    fn element(&mut self, json: &[u8]) -> Result<(), serde_json::Error>;
}

/// The body without the array's elements, which went to `elements` as they came.
async fn read_split<'e>(
    mut r: reqwest::Response,
    elements: &mut (dyn Elements + 'e),
) -> Result<Vec<u8>, ReadError> {
    if r.content_length().is_some_and(|n| n as usize > MAX_BODY) {
        return Err(ReadError::TooLarge);
    }
    let mut splitter = split::Splitter::new(elements.key());
    let mut each = |json: &[u8]| elements.element(json);
    let mut read = 0;
    while let Some(chunk) = r.chunk().await.map_err(ReadError::Net)? {
        read += chunk.len();
        if read > MAX_BODY {
            return Err(ReadError::TooLarge);
        }
        splitter.feed(&chunk, &mut each).map_err(|f| match f {
            split::Fault::Broken(b) => ReadError::Broken(b),
            split::Fault::Element(e) => ReadError::Element(e),
        })?;
    }
    splitter.finish().map_err(ReadError::Broken)
}

async fn read_capped(mut r: reqwest::Response) -> Result<Vec<u8>, ReadError> {
    if r.content_length().is_some_and(|n| n as usize > MAX_BODY) {
        return Err(ReadError::TooLarge);
    }
    let mut body = Vec::with_capacity(r.content_length().unwrap_or(0) as usize);
    while let Some(chunk) = r.chunk().await.map_err(ReadError::Net)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
