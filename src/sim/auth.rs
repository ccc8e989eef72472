//! Signature verification as the API gateway does it (doc sections 2.2, 2.9 and 8).
//!
//! The canonical request is rebuilt from what was received, not from what the router
//! understood: the raw path, query pairs decoded from the raw query string (then sorted and
//! re-encoded by the shared [`canonical_query`]), each signed header's received value, and
//! the exact body bytes. Any drift in the client's signer therefore shows up as a 401 here.
//!
//! Clock skew is answered with `APIGW.0301` and an "signature expired" message [ASSUMED]:
//! the doc lists `APIGW.0303` for app authentication, while ECS APIs use IAM (AK/SK)
//! authentication, whose failures are `APIGW.0301`; the message still tells the user to
//! check the clock. After `lockout_threshold` consecutive failures an AK is locked for
//! `lockout_duration`; every request of a locked AK is refused, even a correct one.

use super::{SimCredential, lock};
use crate::cloud::sign::{
    QueryValue, canonical_query, canonical_request, format_date, parse_authorization, parse_date,
    payload_hash, pct_decode, signature, string_to_sign,
};
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

pub(crate) const SIGNATURE_FAIL: &str =
    "Incorrect IAM authentication information: verify aksk signature fail";
const PREFIX: &str = "Incorrect IAM authentication information";

/// The parts of a received request that the signature covers.
pub(crate) struct Received<'a> {
    pub method: &'a str,
    pub raw_path: &'a str,
    pub raw_query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

pub(crate) struct Verifier {
    credentials: Vec<SimCredential>,
    max_skew: Duration,
    threshold: u32,
    lock_for: Duration,
    failures: Mutex<HashMap<String, Failures>>,
    /// Keys issued by `assume_role`, each with its end; kept after it to say "expired".
    temporary: Mutex<HashMap<String, (SimCredential, DateTime<Utc>)>>,
}

#[derive(Default)]
struct Failures {
    consecutive: u32,
    locked_until: Option<Instant>,
}

impl Verifier {
    pub(crate) fn new(
        credentials: Vec<SimCredential>,
        max_skew: Duration,
        threshold: u32,
        lock_for: Duration,
    ) -> Self {
        Self {
            credentials,
            max_skew,
            threshold: threshold.max(1),
            lock_for,
            failures: Mutex::new(HashMap::new()),
            temporary: Mutex::new(HashMap::new()),
        }
    }

    /// Accepts `cred` (which carries a security token) until `expires_at`.
    pub(crate) fn issue(&self, cred: SimCredential, expires_at: DateTime<Utc>) {
        lock(&self.temporary).insert(cred.access_key.clone(), (cred, expires_at));
    }

    pub(crate) fn is_temporary(&self, ak: &str) -> bool {
        lock(&self.temporary).contains_key(ak)
    }

    pub(crate) fn issued(&self) -> Vec<SimCredential> {
        lock(&self.temporary)
            .values()
            .map(|(c, _)| c.clone())
            .collect()
    }

    /// A permanent key, or a temporary one that has not ended at `now`.
    fn find(&self, ak: &str, now: DateTime<Utc>) -> Result<SimCredential, String> {
        if let Some(c) = self.credentials.iter().find(|c| c.access_key == ak) {
            return Ok(c.clone());
        }
        match lock(&self.temporary).get(ak) {
            Some((c, until)) if now < *until => Ok(c.clone()),
            // [ASSUMED] wording; the status and code are those of any refused AK/SK.
            Some((_, until)) => Err(format!(
                "{PREFIX}: the temporary access key and security token expired at {}",
                until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )),
            None => Err(format!("{PREFIX}: the access key does not exist")),
        }
    }

    pub(crate) fn credentials(&self) -> &[SimCredential] {
        &self.credentials
    }

    /// The AK of a correctly signed request, or the 401 message. Keeps the lockout books.
    pub(crate) fn check(&self, req: &Received<'_>, now: DateTime<Utc>) -> Result<String, String> {
        let Some(value) = req.headers.get("authorization") else {
            return Err(if req.headers.contains_key("x-auth-token") {
                format!(
                    "{PREFIX}: token authentication (X-Auth-Token) is not supported by the simulator; sign requests with AK/SK"
                )
            } else {
                format!("{PREFIX}: x-auth-token not found")
            });
        };
        let text = String::from_utf8_lossy(value.as_bytes());
        let Some(auth) = parse_authorization(&text) else {
            return Err(format!(
                "{SIGNATURE_FAIL}: Authorization is not 'SDK-HMAC-SHA256 Access=.., SignedHeaders=.., Signature=..'"
            ));
        };
        let cred = self.find(auth.access, now)?;
        let ak = cred.access_key.clone();
        let instant = Instant::now();
        if let Some(until) = self.locked_until(&ak, instant) {
            let left = until.saturating_duration_since(instant).as_secs() + 1;
            return Err(format!(
                "{PREFIX}: the access key is locked for {left} s after too many failed authentications"
            ));
        }
        let outcome = verify(
            &cred,
            &auth.signed_headers,
            auth.signature,
            req,
            now,
            self.max_skew,
        );
        self.record(&ak, outcome.is_ok(), instant);
        outcome.map(|()| ak)
    }

    fn locked_until(&self, ak: &str, now: Instant) -> Option<Instant> {
        let books = lock(&self.failures);
        books
            .get(ak)
            .and_then(|f| f.locked_until)
            .filter(|until| *until > now)
    }

    fn record(&self, ak: &str, ok: bool, now: Instant) {
        let mut books = lock(&self.failures);
        let f = books.entry(ak.to_owned()).or_default();
        if ok {
            f.consecutive = 0;
            return;
        }
        f.consecutive += 1;
        if f.consecutive >= self.threshold {
            f.consecutive = 0;
            f.locked_until = Some(now + self.lock_for);
            tracing::debug!(
                ak,
                "access key locked after repeated authentication failures"
            );
        }
    }
}

/// The pure check: `Ok` when the request is signed with `cred` within the allowed skew.
fn verify(
    cred: &SimCredential,
    names: &[&str],
    claimed: &str,
    req: &Received<'_>,
    now: DateTime<Utc>,
    max_skew: Duration,
) -> Result<(), String> {
    let names: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    // The SDK never signs it, and its value must not reach the debug line below.
    if names.iter().any(|n| n == "authorization") {
        return Err(format!(
            "{SIGNATURE_FAIL}: authorization cannot be a signed header"
        ));
    }
    for required in ["host", "x-sdk-date"] {
        if !names.iter().any(|n| n == required) {
            return Err(format!("{SIGNATURE_FAIL}: header {required} is not signed"));
        }
    }
    let mut signed = Vec::with_capacity(names.len());
    for name in &names {
        let values: Vec<String> = req
            .headers
            .get_all(name.as_str())
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        if values.is_empty() {
            return Err(format!("{SIGNATURE_FAIL}: signed header {name} is missing"));
        }
        signed.push((name.clone(), values.join(",")));
    }
    let date_text = signed
        .iter()
        .find(|(n, _)| n == "x-sdk-date")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let date = parse_date(&date_text)
        .ok_or_else(|| format!("{SIGNATURE_FAIL}: X-Sdk-Date is not YYYYMMDDTHHMMSSZ"))?;
    let skew = (now - date).num_seconds().unsigned_abs();
    if skew > max_skew.as_secs() {
        return Err(format!(
            "{PREFIX}: signature expired, signature time:{date_text},server time:{}",
            format_date(now)
        ));
    }
    check_token(cred, &signed, req.headers)?;
    let all: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let payload = payload_hash(&all, Some(req.body));
    let query = canonical_query(&query_pairs(req.raw_query.unwrap_or_default()));
    let canonical = canonical_request(req.method, req.raw_path, &query, &signed, &payload);
    let expected = signature(
        cred.secret_key.expose(),
        &string_to_sign(&date_text, &canonical),
    );
    if bool::from(expected.as_bytes().ct_eq(claimed.as_bytes())) {
        return Ok(());
    }
    // What APIG echoes on a mismatch: the canonical request with '|' for LF. Signed header
    // values are not secret, except a security token, which is masked.
    let shown = match cred.security_token.as_ref() {
        Some(t) if !t.is_empty() => canonical.replace(t.expose(), "***"),
        _ => canonical,
    };
    tracing::debug!(canonical_request = %shown.replace('\n', "|"), "signature mismatch");
    Err(SIGNATURE_FAIL.to_owned())
}

fn check_token(
    cred: &SimCredential,
    signed: &[(String, String)],
    headers: &HeaderMap,
) -> Result<(), String> {
    let sent = signed.iter().find(|(n, _)| n == "x-security-token");
    match (&cred.security_token, sent) {
        (Some(want), Some((_, got)))
            if bool::from(want.expose().as_bytes().ct_eq(got.trim().as_bytes())) =>
        {
            Ok(())
        }
        (Some(_), _) => Err(format!(
            "{PREFIX}: a signed X-Security-Token matching the temporary access key is required"
        )),
        (None, _) if headers.contains_key("x-security-token") => Err(format!(
            "{PREFIX}: X-Security-Token sent with a permanent access key"
        )),
        (None, _) => Ok(()),
    }
}

/// Raw query → pairs: split on `&`, then on the first `=`, percent-decode both sides.
pub(crate) fn query_pairs(raw: &str) -> Vec<(String, QueryValue)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (pct_decode(k), QueryValue::Str(pct_decode(v)))
        })
        .collect()
}

#[cfg(test)]
mod tests;
