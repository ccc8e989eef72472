//! Typed errors of the client, and the SDK's algorithm for reading error bodies.

use serde_json::Value;

/// An error answer from Huawei Cloud (gateway or service), decoded like the official SDK does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// From the `X-Request-Id` response header only, like the SDK.
    pub request_id: Option<String>,
}

impl ApiError {
    /// Keyed on status 429 first, code second (doc section 5).
    pub fn is_throttled(&self) -> bool {
        self.status == 429 || self.code == "APIGW.0308"
    }

    pub fn is_not_found(&self) -> bool {
        self.code == "Ecs.0114" || (self.status == 404 && !self.code.starts_with("APIGW"))
    }

    pub fn is_auth(&self) -> bool {
        matches!(
            self.code.as_str(),
            "APIGW.0301" | "APIGW.0303" | "APIGW.0302"
        ) || self.status == 401
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keystone-style IAM errors give the status again as their code.
        if self.code == self.status.to_string() {
            write!(f, "HTTP {}: {}", self.status, self.message)?;
        } else {
            write!(f, "HTTP {} {}: {}", self.status, self.code, self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    #[error("{0}")]
    Api(ApiError),
    /// The request never produced an answer, and for a read it is safe to say nothing happened.
    #[error("{message}")]
    Transport { message: String, timeout: bool },
    /// A change (reset, reboot) was sent but no answer came back: it may or may not have applied.
    #[error(
        "outcome unknown: {message}; the request may have reached the server. Check the server \
         (reset flag, status) before retrying"
    )]
    OutcomeUnknown { message: String },
    /// The answer arrived but its body was not what the API documents.
    #[error("unexpected response (HTTP {status}): {message}{}", request_id.as_ref().map(|r| format!(" (request id {r})")).unwrap_or_default())]
    Decode {
        status: u16,
        message: String,
        request_id: Option<String>,
    },
    #[error("endpoint {url:?} refused: {reason}")]
    Endpoint { url: String, reason: String },
    #[error("{0}")]
    Setup(String),
}

/// What a caller can do about an error, decided from its type rather than from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The keys were refused (HTTP 401 or 403, or a gateway authentication code): fixed in
    /// the config, not by retrying. A refused IAM agency assumption maps here too.
    CredentialsRefused,
    /// Rate-limited (429, `APIGW.0308`): the same request later may work.
    Throttled,
    /// No answer came (connection refused, reset, timed out).
    Network,
    Other,
}

impl CloudError {
    pub fn kind(&self) -> ErrorKind {
        let refused = |status: u16| matches!(status, 401 | 403);
        match self {
            CloudError::Api(e) if refused(e.status) || e.is_auth() => ErrorKind::CredentialsRefused,
            CloudError::Api(e) if e.is_throttled() => ErrorKind::Throttled,
            // A 401 with a body the API does not document (a gateway's HTML page) is still a
            // refusal of the keys.
            CloudError::Decode { status, .. } if refused(*status) => ErrorKind::CredentialsRefused,
            CloudError::Transport { .. } => ErrorKind::Network,
            _ => ErrorKind::Other,
        }
    }

    pub fn api(&self) -> Option<&ApiError> {
        match self {
            CloudError::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Short code for tables and logs: the API code, or a word for the kind of failure.
    pub fn code(&self) -> String {
        match self {
            CloudError::Api(e) => e.code.clone(),
            CloudError::Transport { timeout: true, .. } => "timeout".into(),
            CloudError::Transport { .. } => "network".into(),
            CloudError::OutcomeUnknown { .. } => "unknown-outcome".into(),
            CloudError::Decode { .. } => "bad-response".into(),
            CloudError::Endpoint { .. } => "endpoint".into(),
            CloudError::Setup(_) => "setup".into(),
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            CloudError::Api(e) => e.request_id.as_deref(),
            CloudError::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }
}

/// Reads code and message from an error body the way `huaweicloudsdkcore`'s exception handler
/// does: flat `error_code`/`error_msg`, then `errorCode`/`errorMsg`, then `code`/`message`, then
/// the same search one level down (last match wins); else the status and the raw body.
pub fn decode_error(status: u16, body: &[u8], request_id: Option<String>) -> ApiError {
    let found = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| find_code(&v));
    let (code, message) = found.unwrap_or_else(|| (status.to_string(), raw_message(body)));
    // Cleaned once here, so no table, log line or TUI cell can receive the server's escapes.
    let clean = |s: String| crate::report::clean(&s).into_owned();
    ApiError {
        status,
        code: clean(code),
        message: clean(message),
        request_id: request_id.map(clean),
    }
}

fn find_code(v: &Value) -> Option<(String, String)> {
    let obj = v.as_object()?;
    if let Some(pair) = pair_in(obj) {
        return Some(pair);
    }
    obj.values()
        .filter_map(|inner| inner.as_object().and_then(pair_in))
        .next_back()
}

fn pair_in(obj: &serde_json::Map<String, Value>) -> Option<(String, String)> {
    for (c, m) in [
        ("error_code", "error_msg"),
        ("errorCode", "errorMsg"),
        ("code", "message"),
    ] {
        if let (Some(code), Some(msg)) = (obj.get(c), obj.get(m)) {
            return Some((text(code), text(msg)));
        }
    }
    None
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A non-JSON body (an HTML gateway page, say) shortened to something a log line can hold.
fn raw_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = flat.chars().take(200).collect();
    if flat.chars().count() > 200 {
        out.push('…');
    }
    if out.is_empty() {
        "(empty body)".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/data/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn every_error_fixture_decodes_like_the_sdk() {
        let index: Value = serde_json::from_slice(&fixture("index.json")).unwrap();
        let mut seen = 0;
        for f in index["fixtures"].as_array().unwrap() {
            let Some(expected) = f.get("expected_sdk") else {
                continue;
            };
            let status = f["http_status"].as_u64().unwrap() as u16;
            let e = decode_error(status, &fixture(f["file"].as_str().unwrap()), None);
            assert_eq!(e.code, expected["error_code"].as_str().unwrap());
            assert_eq!(e.message, expected["error_msg"].as_str().unwrap());
            seen += 1;
        }
        assert_eq!(seen, 4);
    }

    #[test]
    fn other_shapes_and_garbage() {
        let e = decode_error(
            401,
            br#"{"error":{"code":401,"message":"bad","title":"Unauthorized"}}"#,
            None,
        );
        assert_eq!((e.code.as_str(), e.message.as_str()), ("401", "bad"));
        let e = decode_error(400, br#"{"errorCode":"X.1","errorMsg":"m"}"#, None);
        assert_eq!(e.code, "X.1");
        let e = decode_error(
            502,
            b"<html><body>Bad   Gateway</body></html>",
            Some("r1".into()),
        );
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("502", "<html><body>Bad Gateway</body></html>")
        );
        assert_eq!(e.request_id.as_deref(), Some("r1"));
        let e = decode_error(
            429,
            br#"{"status_code":429,"error_code":"APIGW.0308","error_message":"x"}"#,
            None,
        );
        assert!(e.is_throttled());
        assert_eq!(decode_error(500, b"", None).message, "(empty body)");
    }

    #[test]
    fn kinds_come_from_status_and_code_not_from_text() {
        let api = |status, code: &str| {
            CloudError::Api(ApiError {
                status,
                code: code.into(),
                // Text that would fool a search for "(HTTP 401)".
                message: "(HTTP 401)".into(),
                request_id: None,
            })
        };
        assert_eq!(api(401, "APIGW.0301").kind(), ErrorKind::CredentialsRefused);
        assert_eq!(api(403, "Ecs.0001").kind(), ErrorKind::CredentialsRefused);
        assert_eq!(api(400, "APIGW.0303").kind(), ErrorKind::CredentialsRefused);
        assert_eq!(api(429, "APIGW.0308").kind(), ErrorKind::Throttled);
        assert_eq!(api(500, "SYS.0500").kind(), ErrorKind::Other);
        let decode = |status| CloudError::Decode {
            status,
            message: "not JSON".into(),
            request_id: None,
        };
        assert_eq!(decode(401).kind(), ErrorKind::CredentialsRefused);
        assert_eq!(decode(200).kind(), ErrorKind::Other);
        let transport = CloudError::Transport {
            message: "connection refused".into(),
            timeout: false,
        };
        assert_eq!(transport.kind(), ErrorKind::Network);
        assert_eq!(
            CloudError::Setup("(HTTP 401)".into()).kind(),
            ErrorKind::Other
        );
    }
}
