//! `POST /v3.0/OS-CREDENTIAL/securitytokens` with `assume_role`: temporary AK/SK/token for an
//! agency the simulated account was granted (`SimConfig::agencies`).
//!
//! The gateway has already checked the signature; here the caller must hold a permanent key
//! (temporary keys cannot assume an agency [ASSUMED]), the body must be the SDK's shape, and
//! the agency must exist for the named account. Refusals are Keystone-style IAM bodies:
//! 400 for a malformed body, 403 for an agency that is not granted (IAM does not tell a
//! missing agency from one the caller may not use) [ASSUMED, see docs/huawei-api.md 9.7].
//! The keys work on the same fleet (the agency's account is simulated by the same world)
//! until they expire, then the gateway answers 401.

use super::gateway::Shared;
use super::reply::{iam_error, json};
use super::{SimCredential, random_access_key, random_secret_key};
use chrono::{SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// `duration_seconds` IAM accepts, and its default (the SDK's model: 15 min to 24 h, 15 min).
const DURATION: std::ops::RangeInclusive<u64> = 900..=86_400;
const DEFAULT_DURATION: u64 = 900;

#[derive(Deserialize)]
struct Body {
    auth: Auth,
}

#[derive(Deserialize)]
struct Auth {
    identity: Identity,
}

#[derive(Deserialize)]
struct Identity {
    methods: Vec<String>,
    assume_role: Option<AssumeRole>,
    #[serde(default)]
    #[allow(dead_code)] // accepted as the SDK sends it; the simulator grants no less
    policy: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct AssumeRole {
    agency_name: String,
    domain_id: Option<String>,
    domain_name: Option<String>,
    duration_seconds: Option<u64>,
    #[serde(default)]
    #[allow(dead_code)]
    session_user: Option<serde_json::Value>,
}

pub(crate) fn security_tokens(shared: &Shared, ak: &str, body: &[u8]) -> axum::response::Response {
    let bad = |m: String| iam_error(400, "Bad Request", m);
    let forbidden = |m: String| iam_error(403, "Forbidden", m);
    if shared.verifier.is_temporary(ak) {
        return forbidden("temporary credentials cannot assume an agency".into());
    }
    let b: Body = match serde_json::from_slice(body) {
        Ok(b) => b,
        Err(e) => return bad(format!("the request body is invalid: {e}")),
    };
    let identity = b.auth.identity;
    if identity.methods != ["assume_role"] {
        return bad(format!(
            "auth.identity.methods must be [\"assume_role\"], not {:?} (the token variant is not \
             simulated)",
            identity.methods
        ));
    }
    let Some(role) = identity.assume_role else {
        return bad("auth.identity.assume_role is required".into());
    };
    let seconds = role.duration_seconds.unwrap_or(DEFAULT_DURATION);
    if !DURATION.contains(&seconds) {
        return bad(format!(
            "duration_seconds must be between {} and {}, not {seconds}",
            DURATION.start(),
            DURATION.end()
        ));
    }
    let domain = match (&role.domain_name, &role.domain_id) {
        (None, None) => return bad("domain_id or domain_name is required".into()),
        (Some(n), _) => n,
        (None, Some(id)) => id,
    };
    let granted = shared.agencies.iter().any(|a| {
        a.name == role.agency_name
            && (role.domain_name.as_ref() == Some(&a.domain)
                || role.domain_id.as_ref() == Some(&a.domain))
    });
    if !granted {
        return forbidden(format!(
            "You are not authorized to assume agency {:?} of domain {domain:?}: no such agency \
             is granted to this account",
            role.agency_name
        ));
    }
    let mut life = Duration::from_secs(seconds);
    if let Some(cap) = shared.token_ttl {
        life = life.min(cap);
    }
    let expires_at = Utc::now() + chrono::TimeDelta::from_std(life).expect("at most a day");
    let token = crate::secret::Secret::new(format!(
        "{}{}",
        random_secret_key().expose(),
        random_secret_key().expose()
    ));
    let cred = SimCredential {
        access_key: random_access_key(),
        secret_key: random_secret_key(),
        security_token: Some(token),
    };
    let answer = json!({"credential": {
        "access": cred.access_key,
        "secret": cred.secret_key.expose(),
        "securitytoken": cred.security_token.as_ref().map(super::super::secret::Secret::expose),
        "expires_at": expires_at.to_rfc3339_opts(SecondsFormat::Micros, true),
    }});
    tracing::debug!(agency = %role.agency_name, ttl = life.as_secs(), "agency keys issued");
    shared.verifier.issue(cred, expires_at);
    json(201, &answer)
}
