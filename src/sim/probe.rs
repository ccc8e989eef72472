//! Signed raw calls against a simulator, for integration tests and smoke checks.
//!
//! Deliberately minimal and independent of the app's client (`crate::cloud`): it signs with
//! [`crate::cloud::sign::sign`] exactly like the SDK (`Content-Type`, `X-Project-Id`-less,
//! `Host` with port) and returns status, headers and raw body, so tests can assert on the
//! wire rather than on typed results.

use super::{Sim, SimCredential};
use crate::cloud::sign::{QueryValue, SignInput, Signed, sign};
use chrono::{DateTime, Utc};

pub struct Probe {
    client: reqwest::Client,
    base: String,
    host: String,
    pub cred: SimCredential,
}

#[derive(Debug)]
pub struct ProbeResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl ProbeResponse {
    /// The body as JSON; panics with the body text when it is not (tests want that).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn request_id(&self) -> Option<&str> {
        self.headers.get("x-request-id")?.to_str().ok()
    }
}

impl Probe {
    /// A probe using the simulator's first credential.
    pub fn new(sim: &Sim) -> Self {
        Self::with_credential(&sim.base_url(), sim.credentials()[0].clone())
    }

    pub fn with_credential(base_url: &str, cred: SimCredential) -> Self {
        let base = base_url.trim_end_matches('/').to_owned();
        let host = base
            .split_once("://")
            .map_or(base.as_str(), |(_, rest)| rest)
            .to_owned();
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a plain HTTP client builds");
        Self {
            client,
            base,
            host,
            cred,
        }
    }

    /// Signs a request the SDK way at `now`, without sending it.
    pub fn sign(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&[u8]>,
        now: DateTime<Utc>,
    ) -> Signed {
        let query: Vec<(String, QueryValue)> = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), QueryValue::from(*v)))
            .collect();
        let content_type = if body.is_some() {
            "application/json;charset=utf-8"
        } else {
            "application/json"
        };
        let mut headers = vec![("Content-Type".to_owned(), content_type.to_owned())];
        if let Some(token) = &self.cred.security_token {
            headers.push(("X-Security-Token".into(), token.expose().to_owned()));
        }
        let input = SignInput {
            method,
            host: &self.host,
            path,
            query: &query,
            headers,
            body,
        };
        sign(
            input,
            &self.cred.access_key,
            self.cred.secret_key.expose(),
            now,
        )
        .expect("the signer only fails on a caller-supplied bad date")
    }

    /// Sends an already signed request, with `body` (which may differ from what was signed).
    pub async fn send_signed(
        &self,
        method: &str,
        signed: &Signed,
        body: Option<&[u8]>,
    ) -> Result<ProbeResponse, reqwest::Error> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("valid method");
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, signed.request_uri));
        for (name, value) in &signed.headers {
            req = req.header(name, value);
        }
        if let Some(body) = body {
            req = req.body(body.to_vec());
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await?.to_vec();
        Ok(ProbeResponse {
            status,
            headers,
            body,
        })
    }

    /// Signs now and sends.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<ProbeResponse, reqwest::Error> {
        let signed = self.sign(method, path, query, body, Utc::now());
        self.send_signed(method, &signed, body).await
    }

    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<ProbeResponse, reqwest::Error> {
        self.call("GET", path, query, None).await
    }

    /// Sends `body` serialized once, as the SDK does.
    pub async fn send_json(
        &self,
        method: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<ProbeResponse, reqwest::Error> {
        let bytes = serde_json::to_vec(body).expect("JSON values serialize");
        self.call(method, path, &[], Some(&bytes)).await
    }
}
