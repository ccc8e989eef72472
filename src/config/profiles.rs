//! Named profiles: `[profiles.NAME]`, each an account of its own (credentials, endpoints,
//! projects, protection), all shown in one table.
//!
//! The single-account config (top-level `[credentials]`, `[endpoints]`, `[[projects]]`) is
//! the implicit profile [`DEFAULT_PROFILE`]; it exists when the file has top-level projects,
//! or no named profile at all, and only it reads the SDK's environment variables (one set of
//! variables cannot belong to several accounts). A named profile takes its keys from its
//! own `[profiles.NAME.credentials]` table only, and its endpoints default to Huawei's public
//! ones, never to the top-level `[endpoints]` (those may point at another cloud).
//!
//! The projects of every profile are flattened into [`Config::projects`], each naming its
//! profile; `protected` / `read_only` of a profile protect all of its projects.

use std::collections::BTreeMap;

use toml::Spanned;

use super::error::ConfigError;
use super::schema::{RawCredentials, RawProfile};
use super::validate::{self, Ctx};
use super::{Config, Credentials, Endpoints, ProjectConfig};

/// The name of the profile the top-level tables make.
pub const DEFAULT_PROFILE: &str = "default";
/// Chooses profiles like `--profile` (comma-separated) when no `--profile` is given.
pub const ENV_PROFILE: &str = "ECSRESET_PROFILE";

/// A named account; its projects are in [`Config::projects`] with `profile` = its name.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    /// For an agency profile, the source profile's permanent keys (they sign `assume_role`).
    pub credentials: Credentials,
    pub endpoints: Endpoints,
    /// `[profiles.NAME.agency]`: the keys used for this profile's calls are obtained from it.
    pub agency: Option<super::Agency>,
}

/// Validates `[profiles.*]` and appends their projects to `projects`.
pub(super) fn profiles(
    raw: BTreeMap<String, Spanned<RawProfile>>,
    projects: &mut Vec<ProjectConfig>,
    cx: &Ctx,
) -> Result<Vec<Profile>, ConfigError> {
    let top_level = !projects.is_empty();
    let mut out = Vec::with_capacity(raw.len());
    // (index in `out`, the source as written), resolved once every profile is known.
    let mut pending = Vec::new();
    for (name, entry) in raw {
        let span = entry.span();
        let key = format!("profiles.{name}");
        check_name(&name, top_level, span.clone(), cx)?;
        let p = entry.into_inner();
        let prefix = format!("{key}.");
        let explicit = super::schema::RawEndpoints::explicit(p.endpoints.as_ref());
        let mut endpoints =
            validate::endpoints(p.endpoints, cx).map_err(|e| prefixed(e, &prefix))?;
        super::presets::apply(
            p.cloud,
            &format!("{key}.cloud"),
            explicit,
            &mut endpoints,
            cx,
        )?;
        let mut own = validate::projects(p.projects, cx).map_err(|e| prefixed(e, &prefix))?;
        if own.is_empty() {
            let message =
                format!("{key} has no projects: add a [[{key}.projects]] entry with a region");
            return Err(cx.invalid(span, &key, message));
        }
        let agency = match p.agency {
            None => None,
            Some(a) => {
                let at = a.span();
                if p.koocli.is_some() || p.koocli_file.is_some() || p.credentials.is_some() {
                    let message = format!(
                        "{key} has an [{key}.agency] and its own keys (credentials or koocli): \
                         an agency profile uses the keys the agency gives; remove one"
                    );
                    return Err(cx.invalid(at, &format!("{key}.agency"), message));
                }
                let (agency, source) = super::agency::agency(a, &key, cx)?;
                pending.push((out.len(), source));
                Some(agency)
            }
        };
        let credentials = match (p.koocli, p.credentials) {
            _ if agency.is_some() => Credentials {
                access_key: String::new(),
                secret_key: crate::secret::Secret::default(),
                security_token: None,
                project_id: None,
            },
            (Some(name), None) => {
                let file = match &p.koocli_file {
                    Some(f) => cx.path(f.get_ref()),
                    None => super::koocli::default_file().ok_or_else(|| {
                        let message = format!(
                            "{key}.koocli: no home directory to find ~/.hcloud/config.json in; \
                             set {key}.koocli_file"
                        );
                        cx.invalid(name.span(), &key, message)
                    })?,
                };
                super::koocli::credentials(&file, name.get_ref(), &format!("{key}.koocli"))?
            }
            (Some(name), Some(_)) => {
                let message = format!(
                    "{key} has both koocli and a [{key}.credentials] table: keep one source of keys"
                );
                return Err(cx.invalid(name.span(), &format!("{key}.koocli"), message));
            }
            (None, raw) => {
                if let Some(f) = &p.koocli_file {
                    let message = format!(
                        "{key}.koocli_file is set without {key}.koocli (the KooCLI profile name)"
                    );
                    return Err(cx.invalid(f.span(), &format!("{key}.koocli_file"), message));
                }
                credentials(raw, &key, span.clone(), cx)?
            }
        };
        let shield =
            p.protected.is_some_and(|v| *v.get_ref()) || p.read_only.is_some_and(|v| *v.get_ref());
        for project in &mut own {
            project.protected |= shield;
            project.profile = Some(name.clone());
        }
        projects.extend(own);
        out.push(Profile {
            name,
            credentials,
            endpoints,
            agency,
        });
    }
    resolve_sources(&mut out, &pending, cx)?;
    Ok(out)
}

/// Gives each agency profile its source's keys and IAM endpoint.
fn resolve_sources(
    out: &mut [Profile],
    pending: &[(usize, Spanned<String>)],
    cx: &Ctx,
) -> Result<(), ConfigError> {
    let known: Vec<String> = out.iter().map(|p| p.name.clone()).collect();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let agencies: Vec<&str> = pending.iter().map(|(i, _)| known[*i]).collect();
    let mut filled = Vec::new();
    for (i, source) in pending {
        let key = format!("profiles.{}", known[*i]);
        super::agency::check_source(&key, source, &known, &agencies, cx)?;
        let from = out
            .iter()
            .find(|p| &p.name == source.get_ref())
            .expect("checked above");
        filled.push((*i, from.credentials.clone(), from.endpoints.iam.clone()));
    }
    for (i, credentials, iam) in filled {
        out[i].credentials = credentials;
        if let Some(a) = &mut out[i].agency {
            a.source_iam = iam;
        }
    }
    Ok(())
}

/// A name that can be typed after `--profile`, and not the top-level tables' own.
fn check_name(
    name: &str,
    top_level: bool,
    span: std::ops::Range<usize>,
    cx: &Ctx,
) -> Result<(), ConfigError> {
    let key = format!("profiles.{name}");
    if !is_profile_name(name) {
        let message = format!(
            "{key}: a profile name is 1-64 letters, digits, '-' or '_' (it is typed after \
             --profile and shown in the table)"
        );
        return Err(cx.invalid(span, &key, message));
    }
    if name == DEFAULT_PROFILE && top_level {
        let message = format!(
            "{key}: \"{DEFAULT_PROFILE}\" is the profile of the top-level [credentials] and \
             [[projects]]; rename this profile or move the top-level projects into it"
        );
        return Err(cx.invalid(span, &key, message));
    }
    Ok(())
}

fn is_profile_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// An error of a shared validator, renamed to the profile's key (`endpoints.ecs` →
/// `profiles.prod.endpoints.ecs`, also in the message).
fn prefixed(e: ConfigError, prefix: &str) -> ConfigError {
    match e {
        ConfigError::Invalid {
            file,
            at,
            key: Some(key),
            message,
        } => {
            let full = format!("{prefix}{key}");
            ConfigError::Invalid {
                file,
                at,
                message: message.replacen(&key, &full, 1),
                key: Some(full),
            }
        }
        other => other,
    }
}

/// A named profile's keys, from its own table only; never echoes a value.
fn credentials(
    raw: Option<RawCredentials>,
    key: &str,
    span: std::ops::Range<usize>,
    cx: &Ctx,
) -> Result<Credentials, ConfigError> {
    let Some(raw) = raw else {
        let message = format!(
            "{key} has no credentials: add a [{key}.credentials] table with access_key and \
             secret_key (then chmod 600 the file), or koocli = \"KOOCLI-PROFILE\""
        );
        return Err(cx.invalid(span, key, message));
    };
    let checked = |value: &str, span: std::ops::Range<usize>, field: &str| {
        let k = format!("{key}.credentials.{field}");
        let why = if value.is_empty() {
            "is empty"
        } else if !value.chars().all(|c| c.is_ascii_graphic()) {
            "holds spaces, control or non-ASCII characters"
        } else {
            return Ok(());
        };
        let message = format!("{k} {why}; fix the value (it is not shown here)");
        Err(cx.invalid(span, &k, message))
    };
    let (Some(ak), Some(sk)) = (raw.access_key, raw.secret_key) else {
        let message =
            format!("[{key}.credentials] needs both access_key and secret_key (one is missing)");
        return Err(cx.invalid(span, &format!("{key}.credentials"), message));
    };
    checked(ak.get_ref(), ak.span(), "access_key")?;
    checked(sk.get_ref().expose(), sk.span(), "secret_key")?;
    if let Some(t) = &raw.security_token {
        checked(t.get_ref().expose(), t.span(), "security_token")?;
    }
    Ok(Credentials {
        access_key: ak.into_inner(),
        secret_key: sk.into_inner(),
        security_token: raw.security_token.map(Spanned::into_inner),
        project_id: None,
    })
}

impl Config {
    /// The profile names its projects belong to, in order of first appearance.
    pub fn profile_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for p in &self.projects {
            let n = p.profile_name().to_owned();
            if !names.contains(&n) {
                names.push(n);
            }
        }
        names
    }

    /// The named profile, if `name` is one (the default profile is the top-level tables).
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }
}

impl ProjectConfig {
    pub fn profile_name(&self) -> &str {
        self.profile.as_deref().unwrap_or(DEFAULT_PROFILE)
    }
}

/// Keeps the projects of the chosen profiles (all when `chosen` is empty); an unknown name is
/// an error listing the known ones.
pub fn select(mut config: Config, chosen: &[String]) -> Result<Config, ConfigError> {
    if chosen.is_empty() {
        return Ok(config);
    }
    let known = config.profile_names();
    if let Some(missing) = chosen.iter().find(|c| !known.contains(c)) {
        return Err(ConfigError::UnknownProfile {
            name: missing.clone(),
            known: known.join(", "),
        });
    }
    config
        .projects
        .retain(|p| chosen.iter().any(|c| c == p.profile_name()));
    config.profiles.retain(|p| chosen.contains(&p.name));
    Ok(config)
}

/// `--profile` values, else [`ENV_PROFILE`] split at commas; blanks dropped.
pub fn chosen(flags: &[String], env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let from_env;
    let raw: &[String] = if flags.is_empty() {
        from_env = env(ENV_PROFILE)
            .map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>())
            .unwrap_or_default();
        &from_env
    } else {
        flags
    };
    raw.iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}
