//! What every headless command needs: a client and the resolved list of projects.

use super::AppError;
use crate::cli::{GlobalArgs, TuningArgs};
use crate::cloud::{self, Cloud, ProjectRef, RetryPolicy};
use crate::config::{self, Config, LoadOptions};
use crate::sim::{Fleet, Sim, SimConfig};
use std::time::Duration;

/// A configured project, as the change engine sees it.
pub type Target = crate::ops::Project;

pub struct Context {
    pub cloud: Cloud,
    pub config: Config,
    pub targets: Vec<Target>,
    pub read_only: bool,
    pub data_dir: Option<std::path::PathBuf>,
    /// Keeps the in-process simulator alive for `--demo`.
    pub demo: Option<Sim>,
    /// The `--project` values, for narrowing projects found later (`audit --all-projects`).
    pub only: Vec<String>,
}

impl Context {
    /// Loads the config, starts the client, and resolves the configured projects narrowed
    /// by `--project`.
    pub async fn build(global: &GlobalArgs) -> Result<Self, AppError> {
        Self::build_for(global, true).await
    }

    /// Like [`Context::build`]; with `narrow` false, `targets` keeps every configured project
    /// and `--project` is left in [`Context::only`] for the caller to apply, e.g. to the
    /// projects IAM discovers (which may not be configured at all).
    pub async fn build_for(global: &GlobalArgs, narrow: bool) -> Result<Self, AppError> {
        Self::build_tuned(global, narrow, TuningArgs::default()).await
    }

    /// [`Context::build_for`] with `--concurrency` / `--rate` applied over `[tuning]`.
    pub async fn build_tuned(
        global: &GlobalArgs,
        narrow: bool,
        tuning: TuningArgs,
    ) -> Result<Self, AppError> {
        let (mut config, demo) = if global.demo {
            let base = demo_base(global.config.as_deref())?;
            let (sim, projects) = start_demo_sim(Fleet::demo()).await?;
            (demo_over(base, &sim, projects), Some(sim))
        } else {
            let config = config::load(&LoadOptions::with_process_env(global.config.clone()))?;
            let chosen = config::profiles::chosen(&global.profiles, &config::process_env);
            (config::profiles::select(config, &chosen)?, None)
        };
        if let Some(n) = tuning.concurrency {
            config.tuning.concurrency = usize::from(n);
        }
        if let Some(rate) = tuning.rate {
            config.tuning.rate_per_second = rate;
        }
        let cloud = client(&config, None)?;
        let only: &[String] = if narrow { &global.projects } else { &[] };
        let targets = resolve(&cloud, &config, only).await?;
        let read_only = global.read_only || config.ui.read_only;
        Ok(Self {
            cloud,
            config,
            targets,
            read_only,
            data_dir: global.data_dir.clone(),
            demo,
            only: global.projects.clone(),
        })
    }

    pub fn data_dir(&self) -> std::io::Result<std::path::PathBuf> {
        super::saved::data_dir(self.data_dir.as_deref())
    }

    /// Where changes are recorded: the data directory, except in a demo given none (a demo
    /// never writes the real trail). A real run with no data directory refuses to change.
    pub fn trail_dir(&self) -> Result<Option<std::path::PathBuf>, AppError> {
        if self.demo.is_some() && self.data_dir.is_none() {
            return Ok(None);
        }
        self.data_dir().map(Some).map_err(|e| {
            AppError::Refused(format!(
                "no audit trail can be written ({e}); changes are recorded before they are sent, \
                 so pass --data-dir"
            ))
        })
    }

    pub fn page_size(&self) -> u32 {
        self.config.tuning.page_size
    }

    pub fn concurrency(&self) -> usize {
        self.config.tuning.concurrency
    }
}

/// The data directory from the arguments alone, for commands that need no cloud.
pub fn data_dir_only(global: &GlobalArgs) -> Result<std::path::PathBuf, AppError> {
    Ok(super::saved::data_dir(global.data_dir.as_deref())?)
}

/// One client per loaded profile (own credentials, endpoints, limiter), joined into one that
/// routes each project's calls to its profile.
pub fn client(config: &Config, observer: Option<cloud::Observer>) -> Result<Cloud, AppError> {
    client_observed(config, observer, None)
}

/// [`client`], with `on_renew` told each new expiry of an agency profile's keys.
pub fn client_observed(
    config: &Config,
    observer: Option<cloud::Observer>,
    on_renew: Option<cloud::RenewObserver>,
) -> Result<Cloud, AppError> {
    let mut clients = Vec::new();
    let names = config.profile_names();
    let default_loaded =
        config.profiles.is_empty() || config.projects.iter().any(|p| p.profile.is_none());
    if default_loaded {
        clients.push((None, Cloud::new(settings(config, observer.clone())?)?));
    }
    for p in config.profiles.iter().filter(|p| names.contains(&p.name)) {
        let mut one = config.clone();
        one.credentials = Some(p.credentials.clone());
        one.endpoints = p.endpoints.clone();
        let mut s = settings(&one, observer.clone())?;
        s.agency = p.agency.as_ref().map(|a| agency_spec(config, &p.name, a));
        s.on_renew.clone_from(&on_renew);
        clients.push((Some(p.name.clone()), Cloud::new(s)?));
    }
    Cloud::join(clients).ok_or_else(|| AppError::Usage("no profile is loaded".into()))
}

/// What an agency profile assumes; IAM is asked in the region of its first project (the
/// endpoint template may name one).
fn agency_spec(config: &Config, profile: &str, a: &config::Agency) -> cloud::AgencySpec {
    let region = config
        .projects
        .iter()
        .find(|p| p.profile.as_deref() == Some(profile))
        .map_or_else(|| "cn-north-4".to_owned(), |p| p.region.clone());
    cloud::AgencySpec {
        profile: profile.to_owned(),
        agency_name: a.agency_name.clone(),
        domain: a.domain.clone(),
        duration: a.duration,
        iam_endpoint: a.source_iam.clone(),
        iam_region: region,
    }
}

/// Client settings from a config; the observer (log pane) is the TUI's business.
pub fn settings(
    config: &Config,
    observer: Option<cloud::Observer>,
) -> Result<cloud::Settings, AppError> {
    let c = config.credentials()?;
    let creds = cloud::Credentials {
        access_key: c.access_key.clone(),
        secret_key: c.secret_key.clone(),
        security_token: c.security_token.clone(),
    };
    let mut s = cloud::Settings::new(
        config.endpoints.ecs.clone(),
        config.endpoints.iam.clone(),
        creds,
    );
    s.csms_endpoint = config.endpoints.csms.clone();
    s.bms_endpoint = config.endpoints.bms.clone();
    s.ca_bundle = config.endpoints.ca_bundle.clone();
    s.proxy = config.endpoints.proxy.clone();
    s.concurrency = config.tuning.concurrency;
    s.rate_per_second = config.tuning.rate_per_second;
    s.connect_timeout = config.tuning.connect_timeout;
    s.request_timeout = config.tuning.request_timeout;
    s.retry = RetryPolicy {
        retries: config.tuning.retries,
        base: config.tuning.retry_base,
        ..RetryPolicy::default()
    };
    s.observer = observer;
    Ok(s)
}

/// The projects a config aimed at a simulator serving `fleet` should list: every enabled
/// project in a known region.
pub fn demo_projects(fleet: &Fleet) -> Vec<config::ProjectConfig> {
    fleet
        .projects
        .iter()
        .filter(|p| p.enabled)
        .filter_map(|p| {
            let region = p.region.clone().filter(|r| cloud::regions::is_known(r))?;
            Some(config::ProjectConfig {
                region,
                id: Some(p.id.clone()),
                name: Some(p.name.clone()),
                protected: false,
                profile: None,
            })
        })
        .collect()
}

/// Starts an in-process simulator on loopback; returns it with the projects a config should list.
pub async fn start_demo_sim(fleet: Fleet) -> Result<(Sim, Vec<config::ProjectConfig>), AppError> {
    let projects = demo_projects(&fleet);
    let sim = Sim::start(
        SimConfig::new(fleet),
        "127.0.0.1:0".parse().expect("literal"),
    )
    .await?;
    Ok((sim, projects))
}

/// A config that points at an in-process simulator: its endpoint, keys and projects.
pub fn demo_config(sim: &Sim, projects: Vec<config::ProjectConfig>) -> Config {
    demo_over(Config::default(), sim, projects)
}

/// The operator's own config for `--demo --config PATH`: its `[ui]`, `[keys]` and
/// `[escrow]` apply, while the cloud side (credentials, endpoints, projects, tuning) is the
/// demo's. Without an explicit path there is none: a demo never depends on a real config.
pub fn demo_base(path: Option<&std::path::Path>) -> Result<Config, config::ConfigError> {
    let explicit = path
        .map(std::path::Path::to_path_buf)
        .or_else(|| std::env::var_os("ECSRESET_CONFIG").map(Into::into));
    match explicit {
        Some(p) => config::load(&LoadOptions::with_process_env(Some(p))),
        None => Ok(Config::default()),
    }
}

/// `base` pointed at the demo simulator: its endpoints, keys and projects replace the
/// base's; the rest (keys, ui, escrow) stays.
pub fn demo_over(base: Config, sim: &Sim, projects: Vec<config::ProjectConfig>) -> Config {
    let defaults = Config::default();
    let mut config = base;
    config.tuning = defaults.tuning;
    config.endpoints = defaults.endpoints;
    config.endpoints.ecs = sim.base_url();
    config.endpoints.iam = sim.base_url();
    config.endpoints.csms = sim.base_url();
    let cred = &sim.credentials()[0];
    config.credentials = Some(config::Credentials {
        access_key: cred.access_key.clone(),
        secret_key: cred.secret_key.clone(),
        security_token: cred.security_token.clone(),
        project_id: None,
    });
    config.projects = projects;
    // The simulator answers at once: a higher rate, and a short back-off keeps demo retries
    // snappy.
    config.tuning.rate_per_second = config.tuning.rate_per_second.max(200.0);
    config.tuning.connect_timeout = Duration::from_secs(5);
    config.tuning.retry_base = Duration::from_millis(100);
    config
}

/// Configured projects (ids looked up through IAM when absent), narrowed by `--project`.
pub async fn resolve(
    cloud: &Cloud,
    config: &Config,
    only: &[String],
) -> Result<Vec<Target>, AppError> {
    if config.projects.is_empty() {
        return Err(AppError::Usage(format!(
            "no projects configured: add a [[projects]] entry with a region to {}",
            config
                .source
                .as_ref()
                .map_or_else(|| "your config file".into(), |p| p.display().to_string())
        )));
    }
    let mut targets = Vec::new();
    for p in &config.projects {
        let account = cloud.account(p.profile.as_deref()).unwrap_or(cloud);
        let id = match &p.id {
            Some(id) => id.clone(),
            None => account.project_id_for(&p.region).await?,
        };
        cloud
            .bind(&id, p.profile.as_deref())
            .map_err(AppError::Usage)?;
        let label = p.name.clone().unwrap_or_else(|| p.region.clone());
        targets.push(Target {
            project: ProjectRef {
                id,
                region: p.region.clone(),
            },
            label,
            protected: p.protected,
            profile: p.profile.clone(),
        });
    }
    narrow(crate::ops::plan::merge_projects(targets), only)
}

/// Keeps the targets matching any `--project` value (region, id or label).
pub fn narrow(targets: Vec<Target>, only: &[String]) -> Result<Vec<Target>, AppError> {
    if only.is_empty() {
        return Ok(targets);
    }
    let hit =
        |t: &Target, o: &String| &t.project.region == o || &t.project.id == o || &t.label == o;
    if let Some(missing) = only.iter().find(|o| !targets.iter().any(|t| hit(t, o))) {
        let known: Vec<String> = targets
            .iter()
            .map(|t| format!("{} ({})", t.label, t.project.region))
            .collect();
        return Err(AppError::Usage(format!(
            "--project {missing:?} matches no configured project; known: {}",
            known.join(", ")
        )));
    }
    Ok(targets
        .into_iter()
        .filter(|t| only.iter().any(|o| hit(t, o)))
        .collect())
}
