//! `[profiles.NAME.agency]`: a profile that acts through an IAM agency of another account.
//!
//! The agency is assumed (`POST /v3.0/OS-CREDENTIAL/securitytokens`, `assume_role`) with the
//! permanent keys of the `source` profile, at that profile's IAM endpoint; the temporary keys
//! it gives are used for this profile's own projects and endpoints. Chains are refused: a
//! source must hold keys of its own, so a cycle cannot be written either.

use std::ops::Range;
use std::time::Duration;

use toml::Spanned;

use super::error::ConfigError;
use super::schema::RawAgency;
use super::validate::Ctx;

/// Lifetimes IAM accepts for `duration_seconds` (15 min to 24 h, per the SDK's model).
pub const DURATION_RANGE: std::ops::RangeInclusive<i64> = 900..=86_400;
/// What a profile asks for when it does not say: an hour, renewed before it ends.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(3600);

/// The delegating account, by name or by id (IAM takes either).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgencyDomain {
    Name(String),
    Id(String),
}

impl std::fmt::Display for AgencyDomain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AgencyDomain::Name(n) => write!(f, "account {n}"),
            AgencyDomain::Id(id) => write!(f, "account id {id}"),
        }
    }
}

/// A validated agency; `source_iam` is the source profile's IAM endpoint template, filled
/// in once every profile is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub source: String,
    pub agency_name: String,
    pub domain: AgencyDomain,
    pub duration: Duration,
    pub source_iam: String,
}

/// The table's own checks (everything but the source profile, resolved later).
pub(super) fn agency(
    raw: Spanned<RawAgency>,
    key: &str,
    cx: &Ctx,
) -> Result<(Agency, Spanned<String>), ConfigError> {
    let span = raw.span();
    let raw = raw.into_inner();
    let key = format!("{key}.agency");
    let named = |v: Option<Spanned<String>>, field: &str, what: &str| {
        let k = format!("{key}.{field}");
        match v {
            None => Err(cx.invalid(span.clone(), &k, format!("[{key}] needs {field} ({what})"))),
            Some(v) if v.get_ref().trim().is_empty() => {
                Err(cx.invalid(v.span(), &k, format!("{k} is empty")))
            }
            Some(v) => Ok(v),
        }
    };
    let source = named(
        raw.source,
        "source",
        "the profile whose keys assume the agency",
    )?;
    let agency_name = named(raw.agency_name, "agency_name", "the agency's name in IAM")?;
    let domain = match (raw.domain_name, raw.domain_id) {
        (Some(n), None) => AgencyDomain::Name(named(Some(n), "domain_name", "")?.into_inner()),
        (None, Some(id)) => AgencyDomain::Id(named(Some(id), "domain_id", "")?.into_inner()),
        (Some(_), Some(id)) => {
            return Err(cx.invalid(
                id.span(),
                &format!("{key}.domain_id"),
                format!(
                    "[{key}] has both domain_name and domain_id: keep one (the account that \
                     created the agency)"
                ),
            ));
        }
        (None, None) => {
            return Err(cx.invalid(
                span,
                &key,
                format!(
                    "[{key}] needs domain_name or domain_id: the account that created the agency"
                ),
            ));
        }
    };
    let duration = match raw.duration_seconds {
        None => DEFAULT_DURATION,
        Some(d) if DURATION_RANGE.contains(d.get_ref()) => {
            Duration::from_secs(d.get_ref().unsigned_abs())
        }
        Some(d) => {
            let k = format!("{key}.duration_seconds");
            let message = format!(
                "{k} must be between {} and {} (15 minutes to 24 hours), not {}",
                DURATION_RANGE.start(),
                DURATION_RANGE.end(),
                d.get_ref()
            );
            return Err(cx.invalid(d.span(), &k, message));
        }
    };
    let agency = Agency {
        source: source.get_ref().clone(),
        agency_name: agency_name.into_inner(),
        domain,
        duration,
        source_iam: String::new(),
    };
    Ok((agency, source))
}

/// Why `source` cannot sign for `key`'s agency, if it cannot: it is no profile, or itself
/// an agency profile (which also covers naming the profile itself, and any cycle).
pub(super) fn check_source(
    key: &str,
    source: &Spanned<String>,
    known: &[&str],
    agencies: &[&str],
    cx: &Ctx,
) -> Result<(), ConfigError> {
    let k = format!("{key}.agency.source");
    let name = source.get_ref();
    let at: Range<usize> = source.span();
    if agencies.contains(&name.as_str()) {
        let message = format!(
            "{k}: profile {name:?} is itself an agency profile; an agency is assumed with a \
             profile's own keys (credentials or koocli), so point source at one of those"
        );
        return Err(cx.invalid(at, &k, message));
    }
    if !known.contains(&name.as_str()) {
        let with_keys: Vec<&str> = known
            .iter()
            .copied()
            .filter(|n| !agencies.contains(n))
            .collect();
        let message = format!(
            "{k}: there is no profile {name:?}; profiles with keys: {}",
            if with_keys.is_empty() {
                "none".to_owned()
            } else {
                with_keys.join(", ")
            }
        );
        return Err(cx.invalid(at, &k, message));
    }
    Ok(())
}
