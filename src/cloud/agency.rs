//! IAM agencies (assume role), the pure half: the `assume_role` body, the answer, and when
//! temporary keys must be renewed. The renewal itself (one at a time, shared by every call
//! of the profile) is [`super::agency_keys`].
//!
//! Field names follow the SDK's models (`CreateTemporaryAccessKeyByAgencyRequestBody` →
//! `AgencyAuth` → `AgencyAuthIdentity` → `IdentityAssumerole`; answer
//! `CreateTemporaryAccessKeyByAgencyResponse.credential`), see docs/huawei-api.md 9.7.

use super::error::CloudError;
use crate::config::AgencyDomain;
use crate::secret::Secret;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde::Deserialize;
use std::time::Duration;
use zeroize::Zeroizing;

/// The IAM path of `create_temporary_access_key_by_agency` (note `/v3.0/`).
pub const PATH: &str = "/v3.0/OS-CREDENTIAL/securitytokens";
/// Keys are renewed at most this long before they expire, so a call (with its retries)
/// never carries a token that ends on the way.
pub const MAX_MARGIN: Duration = Duration::from_secs(5 * 60);

/// What a profile assumes: which agency, of which account, for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencySpec {
    /// The profile that acts through the agency (named in errors and in the header).
    pub profile: String,
    pub agency_name: String,
    pub domain: AgencyDomain,
    pub duration: Duration,
    /// The source profile's IAM endpoint template, and the region it is resolved for.
    pub iam_endpoint: String,
    pub iam_region: String,
}

/// Temporary keys as IAM issued them; `Debug` never shows the secret parts.
#[derive(Clone)]
pub struct TempKeys {
    pub access_key: String,
    pub secret_key: Secret,
    pub security_token: Secret,
    pub expires_at: DateTime<Utc>,
    /// When they were asked for, by the local clock: with `expires_at`, their lifetime.
    pub issued_at: DateTime<Utc>,
}

impl std::fmt::Debug for TempKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TempKeys")
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key)
            .field("security_token", &self.security_token)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl TempKeys {
    /// When to stop using these keys and ask for new ones: `expires_at` less a tenth of the
    /// lifetime, at most [`MAX_MARGIN`] (an hour's keys are renewed 5 minutes early).
    pub fn renew_at(&self) -> DateTime<Utc> {
        let lifetime = (self.expires_at - self.issued_at).max(TimeDelta::zero());
        let margin = (lifetime / 10).min(TimeDelta::from_std(MAX_MARGIN).expect("small"));
        self.expires_at - margin
    }

    /// Whether a call may still be signed with these keys at `now`.
    pub fn fresh(&self, now: DateTime<Utc>) -> bool {
        now < self.renew_at()
    }

    /// Whether they are still accepted at all (renewal failed, but they have not ended).
    pub fn valid(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }
}

/// The `assume_role` request body. Only `agency_name`, one of `domain_name` / `domain_id`
/// and `duration_seconds` are sent; the SDK's optional `session_user` and `policy` are not
/// used (no narrowing beyond what the agency grants).
pub fn request_body(spec: &AgencySpec) -> Zeroizing<Vec<u8>> {
    let mut role = serde_json::json!({
        "agency_name": spec.agency_name,
        "duration_seconds": spec.duration.as_secs(),
    });
    match &spec.domain {
        AgencyDomain::Name(n) => role["domain_name"] = n.as_str().into(),
        AgencyDomain::Id(id) => role["domain_id"] = id.as_str().into(),
    }
    let body = serde_json::json!({
        "auth": {"identity": {"methods": ["assume_role"], "assume_role": role}}
    });
    Zeroizing::new(serde_json::to_vec(&body).expect("a JSON value serializes"))
}

#[derive(Deserialize)]
struct Answer {
    credential: Credential,
}

#[derive(Deserialize)]
struct Credential {
    access: String,
    secret: Secret,
    securitytoken: Secret,
    expires_at: String,
}

/// Reads IAM's answer. A body that does not parse is described by position only: serde's
/// own message may quote a value, and these values are keys.
pub fn parse_answer(
    status: u16,
    body: &[u8],
    issued_at: DateTime<Utc>,
    request_id: Option<String>,
) -> Result<TempKeys, CloudError> {
    let bad = |message: String| CloudError::Decode {
        status,
        message,
        request_id: request_id.clone(),
    };
    let a: Answer = serde_json::from_slice(body).map_err(|e| {
        bad(format!(
            "the securitytokens answer is not {{\"credential\": {{access, secret, securitytoken, \
             expires_at}}}} (JSON {:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    let c = a.credential;
    if c.access.trim().is_empty() || c.secret.is_empty() || c.securitytoken.is_empty() {
        return Err(bad(
            "the securitytokens answer has an empty access, secret or securitytoken".into(),
        ));
    }
    let expires_at = parse_expiry(&c.expires_at).ok_or_else(|| {
        bad(format!(
            "credential.expires_at {:?} is not a date and time",
            crate::report::clean(&c.expires_at)
        ))
    })?;
    Ok(TempKeys {
        access_key: c.access,
        secret_key: c.secret,
        security_token: c.securitytoken,
        expires_at,
        issued_at,
    })
}

/// `2026-12-02T07:05:00.123000Z` as IAM writes it; an offset, or none (read as UTC), too.
pub fn parse_expiry(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc())
}

/// A failed `assume_role` as the profile's error: which profile, which agency, and IAM's
/// own code and status (kept, so a 401/403 reads as refused credentials everywhere).
pub fn refusal(spec: &AgencySpec, e: CloudError) -> CloudError {
    let what = format!(
        "profile {}: agency {:?} of {}",
        spec.profile, spec.agency_name, spec.domain
    );
    match e {
        CloudError::Api(mut a) => {
            a.message = format!("{what} refused by IAM: {}", a.message);
            CloudError::Api(a)
        }
        CloudError::Transport { message, timeout } => CloudError::Transport {
            message: format!("{what}: cannot reach IAM: {message}"),
            timeout,
        },
        CloudError::Decode {
            status,
            message,
            request_id,
        } => CloudError::Decode {
            status,
            message: format!("{what}: {message}"),
            request_id,
        },
        other => CloudError::Setup(format!("{what}: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::ApiError;

    fn spec(domain: AgencyDomain) -> AgencySpec {
        AgencySpec {
            profile: "customer".into(),
            agency_name: "ecsreset-ops".into(),
            domain,
            duration: Duration::from_secs(3600),
            iam_endpoint: "https://iam.myhuaweicloud.com".into(),
            iam_region: "cn-north-4".into(),
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        parse_expiry(s).unwrap()
    }

    #[test]
    fn the_body_is_the_sdk_shape_with_one_domain_field() {
        let body = request_body(&spec(AgencyDomain::Name("acme".into())));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"auth": {"identity": {
                "methods": ["assume_role"],
                "assume_role": {"agency_name": "ecsreset-ops", "domain_name": "acme",
                                "duration_seconds": 3600}}}})
        );
        let body = request_body(&spec(AgencyDomain::Id("d-1".into())));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let role = &v["auth"]["identity"]["assume_role"];
        assert_eq!(role["domain_id"], "d-1");
        assert!(role.get("domain_name").is_none());
    }

    #[test]
    fn the_answer_gives_keys_and_a_bad_one_never_quotes_them() {
        let issued = at("2026-12-02T06:00:00Z");
        let body = br#"{"credential": {"access": "TMPAK", "secret": "TMPSK-hidden",
            "securitytoken": "TOKEN-hidden", "expires_at": "2026-12-02T07:00:00.000000Z"}}"#;
        let k = parse_answer(201, body, issued, None).unwrap();
        assert_eq!(k.access_key, "TMPAK");
        assert_eq!(k.security_token.expose(), "TOKEN-hidden");
        assert_eq!(k.expires_at, at("2026-12-02T07:00:00Z"));
        let shown = format!("{k:?}");
        assert!(!shown.contains("hidden"), "{shown}");
        let wrong_type = br#"{"credential": {"access": "TMPAK", "secret": 7,
            "securitytoken": "TOKEN-hidden", "expires_at": "x"}}"#;
        let e = parse_answer(201, wrong_type, issued, None)
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hidden") && !e.contains("TMPAK"), "{e}");
        assert!(e.contains("securitytokens answer"), "{e}");
        let no_date = br#"{"credential": {"access": "A", "secret": "S", "securitytoken": "T",
            "expires_at": "tomorrow"}}"#;
        let e = parse_answer(201, no_date, issued, None).unwrap_err();
        assert!(e.to_string().contains("\"tomorrow\" is not a date"), "{e}");
        let empty = br#"{"credential": {"access": "A", "secret": "", "securitytoken": "T",
            "expires_at": "2026-12-02T07:00:00Z"}}"#;
        assert!(parse_answer(201, empty, issued, None).is_err());
    }

    #[test]
    fn expiry_formats() {
        assert_eq!(
            parse_expiry("2026-12-02T07:00:00+08:00"),
            Some(at("2026-12-01T23:00:00Z"))
        );
        assert_eq!(
            parse_expiry("2026-12-02T07:00:00.5"),
            Some(at("2026-12-02T07:00:00.5Z"))
        );
        assert_eq!(parse_expiry("07:00"), None);
    }

    fn keys(issued: &str, expires: &str) -> TempKeys {
        TempKeys {
            access_key: "A".into(),
            secret_key: "S".into(),
            security_token: "T".into(),
            expires_at: at(expires),
            issued_at: at(issued),
        }
    }

    #[test]
    fn renewal_starts_a_tenth_of_the_lifetime_early_at_most_five_minutes() {
        let hour = keys("2026-12-02T06:00:00Z", "2026-12-02T07:00:00Z");
        assert_eq!(hour.renew_at(), at("2026-12-02T06:55:00Z"));
        assert!(hour.fresh(at("2026-12-02T06:54:59Z")));
        assert!(!hour.fresh(at("2026-12-02T06:55:00Z")));
        assert!(hour.valid(at("2026-12-02T06:59:59Z")));
        assert!(!hour.valid(at("2026-12-02T07:00:00Z")));
        let short = keys("2026-12-02T06:00:00Z", "2026-12-02T06:00:20Z");
        assert_eq!(short.renew_at(), at("2026-12-02T06:00:18Z"));
        let quarter = keys("2026-12-02T06:00:00Z", "2026-12-02T06:15:00Z");
        assert_eq!(quarter.renew_at(), at("2026-12-02T06:13:30Z"));
        // Expiry before issue (a skewed clock): renew at once rather than trust them.
        let skewed = keys("2026-12-02T06:00:00Z", "2026-12-02T05:00:00Z");
        assert!(!skewed.fresh(at("2026-12-02T06:00:00Z")));
    }

    #[test]
    fn a_refusal_names_the_profile_and_agency_and_keeps_the_status() {
        let e = CloudError::Api(ApiError {
            status: 403,
            code: "403".into(),
            message: "agency not exist".into(),
            request_id: None,
        });
        let r = refusal(&spec(AgencyDomain::Name("acme".into())), e);
        let a = r.api().unwrap();
        assert_eq!(a.status, 403);
        assert_eq!(
            a.message,
            "profile customer: agency \"ecsreset-ops\" of account acme refused by IAM: agency not exist"
        );
    }
}
