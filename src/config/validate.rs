//! Raw file sections to validated config sections. Every error names the line of the value.

use std::collections::HashMap;
use std::ops::{Range, RangeInclusive};
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::error::{ConfigError, Location, Seg, render};
use super::keys::{Action, KeyChord, KeyMap};
use super::schema::{
    Field, RawCsms, RawEndpoints, RawEscrow, RawKeys, RawLog, RawProject, RawTuning,
};
use super::{
    DEFAULT_BMS_ENDPOINT, DEFAULT_CSMS_ENDPOINT, DEFAULT_ECS_ENDPOINT, DEFAULT_IAM_ENDPOINT,
    Endpoints, EscrowConfig, LogConfig, ProjectConfig, Tuning,
};
use crate::escrow::{CsmsConfig, NameTemplate, Recipient};

/// What validation needs to know about the file: its name, its text (for line numbers) and
/// its directory (for relative paths).
pub(super) struct Ctx<'a> {
    pub file: &'a Path,
    pub text: &'a str,
    pub dir: Option<&'a Path>,
}

impl Ctx<'_> {
    pub fn invalid(&self, span: Range<usize>, key: &str, message: String) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.to_owned(),
            at: Some(Location::line_of(self.text, span.start)),
            key: Some(key.to_owned()),
            message,
        }
    }

    /// `~/x` is in the home directory; a relative path is next to the config file.
    pub(super) fn path(&self, raw: &str) -> PathBuf {
        if let Some(rest) = raw.strip_prefix("~/")
            && let Some(home) = directories::BaseDirs::new()
        {
            return home.home_dir().join(rest);
        }
        let p = PathBuf::from(raw);
        match self.dir {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p,
        }
    }
}

/// The value when present and within `range`; the range is in the message otherwise.
fn int_in(
    field: Field<i64>,
    key: &str,
    range: RangeInclusive<i64>,
    cx: &Ctx,
) -> Result<Option<i64>, ConfigError> {
    let Some(v) = field else { return Ok(None) };
    if range.contains(v.get_ref()) {
        return Ok(Some(*v.get_ref()));
    }
    let message = format!(
        "{key} must be between {} and {}, got {}",
        range.start(),
        range.end(),
        v.get_ref()
    );
    Err(cx.invalid(v.span(), key, message))
}

pub(super) fn tuning(raw: Option<RawTuning>, cx: &Ctx) -> Result<Tuning, ConfigError> {
    let r = raw.unwrap_or_default();
    let d = Tuning::default();
    let rate_per_second = match r.rate_per_second {
        None => d.rate_per_second,
        Some(v) if v.get_ref().is_finite() && *v.get_ref() > 0.0 => *v.get_ref(),
        Some(v) => {
            let key = "tuning.rate_per_second";
            let message = format!("{key} must be a number greater than 0, got {}", v.get_ref());
            return Err(cx.invalid(v.span(), key, message));
        }
    };
    let concurrency = int_in(r.concurrency, "tuning.concurrency", 1..=256, cx)?;
    let connect = int_in(
        r.connect_timeout_secs,
        "tuning.connect_timeout_secs",
        1..=300,
        cx,
    )?;
    let request = int_in(
        r.request_timeout_secs,
        "tuning.request_timeout_secs",
        1..=3600,
        cx,
    )?;
    let retries = int_in(r.retries, "tuning.retries", 0..=10, cx)?;
    let retry_base_ms = int_in(r.retry_base_ms, "tuning.retry_base_ms", 1..=60_000, cx)?;
    let page_size = int_in(r.page_size, "tuning.page_size", 1..=1000, cx)?;
    // The ranges checked above make every conversion below lossless.
    let secs = |v: Option<i64>, d: Duration| v.map_or(d, |s| Duration::from_secs(s.unsigned_abs()));
    Ok(Tuning {
        concurrency: concurrency
            .and_then(|v| usize::try_from(v).ok())
            .unwrap_or(d.concurrency),
        rate_per_second,
        connect_timeout: secs(connect, d.connect_timeout),
        request_timeout: secs(request, d.request_timeout),
        retries: retries
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(d.retries),
        retry_base: retry_base_ms
            .map_or(d.retry_base, |ms| Duration::from_millis(ms.unsigned_abs())),
        page_size: page_size
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(d.page_size),
    })
}

pub(super) fn endpoints(raw: Option<RawEndpoints>, cx: &Ctx) -> Result<Endpoints, ConfigError> {
    let r = raw.unwrap_or_default();
    let ecs = url(r.ecs, "endpoints.ecs", DEFAULT_ECS_ENDPOINT, cx)?;
    let iam = url(r.iam, "endpoints.iam", DEFAULT_IAM_ENDPOINT, cx)?;
    let csms = url(r.csms, "endpoints.csms", DEFAULT_CSMS_ENDPOINT, cx)?;
    let bms = match r.bms {
        None => None,
        some => Some(url(some, "endpoints.bms", DEFAULT_BMS_ENDPOINT, cx)?),
    };
    let ca_bundle = match r.ca_bundle {
        None => None,
        Some(v) => {
            let path = cx.path(v.get_ref());
            let key = "endpoints.ca_bundle";
            if !path.is_file() {
                let message = format!("{key}: no such file {}", path.display());
                return Err(cx.invalid(v.span(), key, message));
            }
            if let Err(why) = crate::cloud::ca_certificates(&path) {
                return Err(cx.invalid(v.span(), key, format!("{key}: {why}")));
            }
            Some(path)
        }
    };
    let proxy = match r.proxy {
        None => None,
        Some(v) => Some(proxy_url(v.get_ref()).map_err(|why| {
            let key = "endpoints.proxy";
            let message = format!(
                "{key} must be a proxy URL such as \"http://proxy.example.com:3128\" ({why})"
            );
            cx.invalid(v.span(), key, message)
        })?),
    };
    Ok(Endpoints {
        ecs,
        iam,
        csms,
        bms,
        ca_bundle,
        proxy,
    })
}

/// The value is not echoed back: a malformed proxy URL may still carry a password.
fn proxy_url(raw: &str) -> Result<String, &'static str> {
    let url = url::Url::parse(raw.trim()).map_err(|_| "not a valid URL")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the scheme must be http or https");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the host is missing");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("credentials do not belong in the config; set HTTPS_PROXY instead");
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err("a proxy URL has no path, query or fragment");
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn url(field: Field<String>, key: &str, default: &str, cx: &Ctx) -> Result<String, ConfigError> {
    let Some(v) = field else {
        return Ok(default.to_owned());
    };
    normalize_url(v.get_ref()).map_err(|why| {
        let message = format!(
            "{key} must be an http(s) URL such as \"{default}\" ({why}), got {:?}",
            v.get_ref()
        );
        cx.invalid(v.span(), key, message)
    })
}

/// Mirrors the SDK: no scheme means https. Only `{region}` may appear in braces. The
/// result has no trailing slash. The client decides whether plain http is acceptable.
pub(super) fn normalize_url(raw: &str) -> Result<String, &'static str> {
    let raw = raw.trim();
    let (scheme, rest) = raw.split_once("://").unwrap_or(("https", raw));
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err("the scheme must be http or https");
    }
    let rest = rest.trim_end_matches('/');
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = authority.replace("{region}", "r");
    if host.is_empty() {
        return Err("the host is missing");
    }
    let host_ok = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    if !host_ok {
        return Err("the host may hold only letters, digits, '.', '-', a :port and {region}");
    }
    if let Some((_, port)) = host.rsplit_once(':').filter(|_| !host.ends_with(']'))
        && port.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err("the port must be a number from 1 to 65535");
    }
    let path_ok = path
        .replace("{region}", "r")
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~/%".contains(c));
    if !path_ok {
        return Err("the path may not hold a query, a fragment or braces other than {region}");
    }
    Ok(format!("{scheme}://{rest}"))
}

pub(super) fn projects(
    raw: Vec<Spanned<RawProject>>,
    cx: &Ctx,
) -> Result<Vec<ProjectConfig>, ConfigError> {
    let mut out: Vec<ProjectConfig> = Vec::with_capacity(raw.len());
    for (i, entry) in raw.into_iter().enumerate() {
        let span = entry.span();
        let project = project(i, entry.into_inner(), cx)?;
        if let Some(j) = out.iter().position(|q| same_project(q, &project)) {
            let k = format!("projects[{i}]");
            let what = match &project.id {
                Some(id) => format!("project id {id:?}"),
                None => format!("region {:?} without an id", project.region),
            };
            let message = format!("{k} repeats projects[{j}] ({what}); remove one of them");
            return Err(cx.invalid(span, &k, message));
        }
        out.push(project);
    }
    Ok(out)
}

/// One `[[projects]]` entry, the `i`th.
fn project(i: usize, p: RawProject, cx: &Ctx) -> Result<ProjectConfig, ConfigError> {
    let key = |field: &str| format!("projects[{i}].{field}");
    let region = p.region.get_ref();
    if !is_region_id(region) {
        let k = key("region");
        let message = format!(
            "{k} must be a region id such as \"cn-north-4\" (lowercase letters, digits and \
             single dashes), got {region:?}"
        );
        return Err(cx.invalid(p.region.span(), &k, message));
    }
    if let Some(id) = &p.id
        && !is_project_id(id.get_ref())
    {
        let k = key("id");
        let message = format!(
            "{k} must be a project id (letters, digits, '-' or '_'), got {:?}",
            id.get_ref()
        );
        return Err(cx.invalid(id.span(), &k, message));
    }
    if let Some(name) = &p.name
        && (name.get_ref().trim().is_empty() || name.get_ref().chars().any(char::is_control))
    {
        let k = key("name");
        let message = format!("{k} must be a non-empty label without control characters");
        return Err(cx.invalid(name.span(), &k, message));
    }
    Ok(ProjectConfig {
        region: region.clone(),
        id: p.id.map(Spanned::into_inner),
        name: p.name.map(Spanned::into_inner),
        protected: p.protected.is_some_and(|v| *v.get_ref()),
        profile: None,
    })
}

fn same_project(a: &ProjectConfig, b: &ProjectConfig) -> bool {
    match (&a.id, &b.id) {
        (Some(x), Some(y)) => x == y,
        (None, None) => a.region == b.region,
        _ => false,
    }
}

/// `cn-north-4`, `ap-southeast-1`, `eu-west-101`: lowercase words joined by single dashes.
pub(super) fn is_region_id(s: &str) -> bool {
    s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Safe to put in a URL path: letters, digits, `-`, `_`.
pub(super) fn is_project_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

const LEVELS: &[&str] = &["off", "error", "warn", "info", "debug", "trace"];

pub(super) fn log(raw: Option<RawLog>, cx: &Ctx) -> Result<LogConfig, ConfigError> {
    let r = raw.unwrap_or_default();
    let level = match r.level {
        None => LogConfig::default().level,
        Some(v) => {
            check_level(v.get_ref())
                .map_err(|why| cx.invalid(v.span(), "log.level", format!("log.level: {why}")))?;
            v.into_inner()
        }
    };
    let file = match r.file {
        Some(f) if f.get_ref().trim().is_empty() => {
            let message = "log.file must not be empty; remove it to use the default".to_owned();
            return Err(cx.invalid(f.span(), "log.file", message));
        }
        other => other.map(|f| cx.path(f.get_ref())),
    };
    Ok(LogConfig { file, level })
}

/// A tracing filter. A bare word must be a level: `debgu` would otherwise silently be taken
/// as a target name and log nothing.
fn check_level(filter: &str) -> Result<(), String> {
    for directive in filter.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let bare = !directive.contains(['=', '[', ':']);
        if bare && !LEVELS.iter().any(|l| l.eq_ignore_ascii_case(directive)) {
            return Err(format!(
                "{directive:?} is not a level (one of: {}); to set a module's level write \
                 module=level, e.g. \"info,ecsreset=debug\"",
                LEVELS.join(", ")
            ));
        }
    }
    tracing_subscriber::EnvFilter::builder()
        .parse(filter)
        .map(drop)
        .map_err(|e| format!("{filter:?} is not a valid tracing filter ({e})"))
}

pub(super) fn keys(raw: RawKeys, cx: &Ctx) -> Result<KeyMap, ConfigError> {
    let mut map = KeyMap::defaults();
    let mut seen: HashMap<KeyChord, (String, Range<usize>)> = HashMap::new();
    let mut took_last: HashMap<Action, (String, Range<usize>)> = HashMap::new();
    for (chord, action) in raw.0 {
        let key = render(&[Seg::Key("keys".into()), Seg::Key(chord.get_ref().clone())]);
        let fail = |why: String| cx.invalid(chord.span(), &key, format!("{key}: {why}"));
        let parsed = KeyChord::parse(chord.get_ref()).map_err(&fail)?;
        let before = map.lookup(&parsed);
        let names: Vec<&str> = action.get_ref().0.iter().map(String::as_str).collect();
        map.apply_entry(chord.get_ref(), &names).map_err(&fail)?;
        if let Some((first, span)) = seen.insert(parsed, (chord.get_ref().clone(), chord.span())) {
            let line = Location::line_of(cx.text, span.start).line;
            return Err(fail(format!(
                "this is the same key as {first:?} on line {line}; keep one of them"
            )));
        }
        if let Some(a) = before.filter(|a| map.lookup(&parsed) != Some(*a)) {
            took_last.insert(a, (key.clone(), chord.span()));
        }
    }
    if let Err(why) = map.check_essentials() {
        let blamed = Action::ALL
            .iter()
            .filter(|a| map.keys_for(**a).is_empty())
            .find_map(|a| took_last.get(a));
        return Err(match blamed {
            Some((key, span)) => cx.invalid(span.clone(), key, format!("{key}: {why}")),
            None => ConfigError::Invalid {
                file: cx.file.to_owned(),
                at: None,
                key: Some("keys".to_owned()),
                message: format!("keys: {why}"),
            },
        });
    }
    Ok(map)
}

/// `[escrow]`: every recipient parses (the error names its index and line, never its text,
/// which might be a private key pasted by mistake), none repeats, at least one is given.
pub(super) fn escrow(
    raw: Option<RawEscrow>,
    cx: &Ctx,
) -> Result<Option<EscrowConfig>, ConfigError> {
    let Some(r) = raw else { return Ok(None) };
    let list_span = r.recipients.span();
    let mut recipients: Vec<Recipient> = Vec::new();
    for (i, entry) in r.recipients.into_inner().into_iter().enumerate() {
        let key = format!("escrow.recipients[{i}]");
        let parsed = Recipient::parse(entry.get_ref())
            .map_err(|why| cx.invalid(entry.span(), &key, format!("{key} {why}")))?;
        if let Some(j) = recipients.iter().position(|q| *q == parsed) {
            let message = format!("{key} is the same key as escrow.recipients[{j}]; keep one");
            return Err(cx.invalid(entry.span(), &key, message));
        }
        recipients.push(parsed);
    }
    if recipients.is_empty() {
        let key = "escrow.recipients";
        let message = format!(
            "{key} is empty: list at least one public key (age1… or ssh-ed25519 …), or remove \
             the [escrow] section"
        );
        return Err(cx.invalid(list_span, key, message));
    }
    let dir = match r.dir {
        Some(d) if d.get_ref().trim().is_empty() => {
            let message = "escrow.dir must not be empty; remove it to use the default".to_owned();
            return Err(cx.invalid(d.span(), "escrow.dir", message));
        }
        other => other.map(|d| cx.path(d.get_ref())),
    };
    let csms = r.csms.map(|c| csms(c, cx)).transpose()?;
    Ok(Some(EscrowConfig {
        recipients,
        dir,
        csms,
    }))
}

/// `[escrow] csms`: a region id if given, a secret-name template CSMS can accept.
fn csms(raw: Spanned<RawCsms>, cx: &Ctx) -> Result<CsmsConfig, ConfigError> {
    let RawCsms { region, name } = raw.into_inner();
    let region = match region {
        None => None,
        Some(r) if is_region_id(r.get_ref()) => Some(r.into_inner()),
        Some(r) => {
            let key = "escrow.csms.region";
            let message = format!(
                "{key} must be a region id such as \"cn-north-4\" (lowercase letters, digits and \
                 single dashes), got {:?}",
                r.get_ref()
            );
            return Err(cx.invalid(r.span(), key, message));
        }
    };
    let name = match name {
        None => NameTemplate::default(),
        Some(n) => NameTemplate::parse(n.get_ref()).map_err(|why| {
            let key = "escrow.csms.name";
            cx.invalid(n.span(), key, format!("{key} {:?} {why}", n.get_ref()))
        })?,
    };
    Ok(CsmsConfig { region, name })
}
