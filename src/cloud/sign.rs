//! SDK-HMAC-SHA256 request signing, exactly as the official Huawei Cloud SDK does it.
//!
//! Pure: no clock, no I/O. The caller passes the time; the simulator reuses
//! [`canonical_request`] and [`signature`] to verify what it receives, so the client and the
//! server cannot drift apart. Every quirk here is pinned by a vector in
//! `tests/data/signing-vectors.json` (see `docs/huawei-api.md` section 2.2).

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
pub const DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Python's `quote(s, safe='~')`: everything but `A-Za-z0-9-_.~` is escaped.
const PCT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A query value as the SDK renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryValue {
    Str(String),
    Int(i64),
    Bool(bool),
    /// Expands to one `key=item` pair per item, items sorted.
    List(Vec<String>),
}

impl QueryValue {
    fn text(&self) -> String {
        match self {
            QueryValue::Str(s) => s.clone(),
            QueryValue::Int(i) => i.to_string(),
            QueryValue::Bool(b) => b.to_string(),
            QueryValue::List(items) => items.join(","),
        }
    }
}

impl From<&str> for QueryValue {
    fn from(s: &str) -> Self {
        QueryValue::Str(s.to_owned())
    }
}

impl From<String> for QueryValue {
    fn from(s: String) -> Self {
        QueryValue::Str(s)
    }
}

impl From<i64> for QueryValue {
    fn from(i: i64) -> Self {
        QueryValue::Int(i)
    }
}

impl From<bool> for QueryValue {
    fn from(b: bool) -> Self {
        QueryValue::Bool(b)
    }
}

/// What is handed to the signer: the request as it will be sent, minus the signature.
#[derive(Debug, Clone)]
pub struct SignInput<'a> {
    pub method: &'a str,
    /// `host[:port]` exactly as in the endpoint URL.
    pub host: &'a str,
    /// Already percent-encoded path, as it goes on the wire.
    pub path: &'a str,
    pub query: &'a [(String, QueryValue)],
    /// Ordered `(name, value)` pairs; names keep the caller's spelling.
    pub headers: Vec<(String, String)>,
    pub body: Option<&'a [u8]>,
}

/// Everything the signer derived. `headers` is the full set that goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    pub signed_headers: String,
    pub payload_hash: String,
    pub authorization: String,
    pub request_uri: String,
    pub headers: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("X-Sdk-Date header {0:?} is not in the form YYYYMMDDTHHMMSSZ")]
    BadDate(String),
}

/// Percent-encodes like Python's `quote(s, safe='~')`.
pub fn pct(s: &str) -> String {
    utf8_percent_encode(s, PCT).to_string()
}

/// Percent-decodes like Python's `unquote`: invalid escapes stay, bad UTF-8 becomes U+FFFD.
pub fn pct_decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The canonical URI: decoded, split on `/`, each segment re-encoded, with a trailing slash.
pub fn canonical_uri(path: &str) -> String {
    let decoded = pct_decode(path);
    let mut uri = decoded.split('/').map(pct).collect::<Vec<_>>().join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Sorted, encoded `k=v&...`; also the query string the SDK puts on the wire.
pub fn canonical_query(query: &[(String, QueryValue)]) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::with_capacity(query.len());
    for (key, value) in query {
        match value {
            QueryValue::List(items) => {
                pairs.extend(items.iter().map(|i| (key.as_str(), i.clone())));
            }
            other => pairs.push((key.as_str(), other.text())),
        }
    }
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Lower-cased names of the headers that get signed: all but those containing `_`, sorted.
pub fn signed_header_names(headers: &[(String, String)]) -> Vec<String> {
    let mut names: Vec<String> = headers
        .iter()
        .filter(|(name, _)| !name.contains('_'))
        .map(|(name, _)| name.to_ascii_lowercase())
        .collect();
    names.sort();
    names
}

/// Builds the six-part canonical request. `signed` holds `(lower-case name, value)` in
/// SignedHeaders order; values are trimmed here.
pub fn canonical_request(
    method: &str,
    path: &str,
    canonical_query: &str,
    signed: &[(String, String)],
    payload_hash: &str,
) -> String {
    let mut headers = String::new();
    for (name, value) in signed {
        headers.push_str(name);
        headers.push(':');
        headers.push_str(value.trim());
        headers.push('\n');
    }
    let names = signed
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        canonical_uri(path),
        canonical_query,
        headers,
        names,
        payload_hash
    )
}

pub fn string_to_sign(date: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{date}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// Lower-case hex HMAC-SHA256 of the string to sign, keyed with the SK's bytes as they are.
pub fn signature(sk: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(sk.as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The payload hash of step 6.6: empty body wins over UNSIGNED-PAYLOAD (an SDK quirk).
pub fn payload_hash(headers: &[(String, String)], body: Option<&[u8]>) -> String {
    let body = body.unwrap_or_default();
    if body.is_empty() {
        return EMPTY_SHA256.to_owned();
    }
    match header(headers, "x-sdk-content-sha256") {
        Some(v) if !v.is_empty() => v.to_owned(),
        _ => sha256_hex(body),
    }
}

pub fn format_date(now: DateTime<Utc>) -> String {
    now.format(DATE_FORMAT).to_string()
}

pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    if text.len() != 16 {
        return None;
    }
    NaiveDateTime::parse_from_str(text, DATE_FORMAT)
        .ok()
        .map(|d| d.and_utc())
}

/// Case-insensitive header lookup.
pub fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Signs a request the way `huaweicloudsdkcore.signer.Signer.sign` does.
pub fn sign(
    input: SignInput<'_>,
    ak: &str,
    sk: &str,
    now: DateTime<Utc>,
) -> Result<Signed, SignError> {
    let mut headers = input.headers;
    // The SDK's lookup of this one header is case-sensitive; so is ours.
    if let Some((_, ct)) = headers.iter().find(|(n, _)| n == "Content-Type")
        && !ct.starts_with("application/json")
        && !ct.starts_with("application/bson")
    {
        headers.push(("X-Sdk-Content-Sha256".into(), "UNSIGNED-PAYLOAD".into()));
    }
    let date = match header(&headers, "x-sdk-date") {
        Some(d) => {
            parse_date(d).ok_or_else(|| SignError::BadDate(d.to_owned()))?;
            d.to_owned()
        }
        None => {
            let d = format_date(now);
            headers.push(("X-Sdk-Date".into(), d.clone()));
            d
        }
    };
    if header(&headers, "host").is_none() {
        headers.push(("Host".into(), input.host.to_owned()));
    }
    for (_, value) in &mut headers {
        let trimmed = value.trim();
        if trimmed.len() != value.len() {
            *value = trimmed.to_owned();
        }
    }

    let names = signed_header_names(&headers);
    let signed: Vec<(String, String)> = names
        .iter()
        .map(|n| {
            (
                n.clone(),
                header(&headers, n).unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let payload_hash = payload_hash(&headers, input.body);
    let query = canonical_query(input.query);
    let canonical_request =
        canonical_request(input.method, input.path, &query, &signed, &payload_hash);
    let string_to_sign = string_to_sign(&date, &canonical_request);
    let signature = signature(sk, &string_to_sign);
    let signed_headers = names.join(";");
    let authorization =
        format!("{ALGORITHM} Access={ak}, SignedHeaders={signed_headers}, Signature={signature}");
    headers.push(("Authorization".into(), authorization.clone()));
    let request_uri = if query.is_empty() {
        input.path.to_owned()
    } else {
        format!("{}?{query}", input.path)
    };
    Ok(Signed {
        canonical_request,
        string_to_sign,
        signature,
        signed_headers,
        payload_hash,
        authorization,
        request_uri,
        headers,
    })
}

/// The three fields of an `Authorization: SDK-HMAC-SHA256 ...` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization<'a> {
    pub access: &'a str,
    pub signed_headers: Vec<&'a str>,
    pub signature: &'a str,
}

/// Parses `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`.
pub fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let (mut access, mut names, mut sig) = (None, None, None);
    for field in rest.split(", ") {
        let (k, v) = field.split_once('=')?;
        match k.trim() {
            "Access" => access = Some(v),
            "SignedHeaders" => names = Some(v),
            "Signature" => sig = Some(v),
            _ => return None,
        }
    }
    Some(Authorization {
        access: access?,
        signed_headers: names?.split(';').filter(|s| !s.is_empty()).collect(),
        signature: sig?,
    })
}
