//! Configuration: the TOML schema, the load order, and errors that name file, line and key.
//!
//! Load order, later wins: built-in defaults < config file < environment < command-line flags.
//! [`load`] does the first three; the caller applies flags to the returned [`Config`].
//!
//! The environment supplies credentials only, under the official SDK's variable names
//! ([`ENV_AK`], [`ENV_SK`], [`ENV_SECURITY_TOKEN`], [`ENV_PROJECT_ID`]); each one that is set
//! (and not empty) replaces the file's value of the same key. Two guards keep the sources
//! from mixing halves of different credentials: when the file holds both keys, the
//! environment must replace both or neither, and a file's `security_token` is refused once
//! the environment replaced the keys it belonged to.
//!
//! Which file: `--config`, else [`ENV_CONFIG`], else [`default_path`]. A file named by the
//! first two must exist; a missing default file just means "defaults and environment".
//! A file holding `secret_key` or `security_token` must not be group/other accessible
//! (unix), as ssh insists for private keys.
//!
//! Paths inside the file (`ca_bundle`, `log.file`) may start with `~/` and are otherwise
//! taken relative to the directory of the config file.

pub mod agency;
pub mod columns;
mod credentials;
mod error;
pub mod keys;
pub mod koocli;
pub mod presets;
pub mod profiles;
mod schema;
mod source;
mod validate;
mod validate_ui;

use std::path::PathBuf;
use std::time::Duration;

use crate::secret::Secret;

pub use agency::{Agency, AgencyDomain};
pub use columns::Column;
pub use error::{ConfigError, Location};
pub use keys::{Action, KeyChord, KeyMap, Scope};
pub use profiles::{DEFAULT_PROFILE, ENV_PROFILE, Profile};

/// Names the config file when `--config` is not given.
pub const ENV_CONFIG: &str = "ECSRESET_CONFIG";
/// Access key id, as the official SDK names it.
pub const ENV_AK: &str = "HUAWEICLOUD_SDK_AK";
/// Secret access key, as the official SDK names it.
pub const ENV_SK: &str = "HUAWEICLOUD_SDK_SK";
/// STS token for temporary credentials.
pub const ENV_SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// Project id; kept in [`Credentials::project_id`], it never creates a project by itself.
pub const ENV_PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";

/// Huawei's public ECS host pattern; `{region}` is replaced per project.
pub const DEFAULT_ECS_ENDPOINT: &str = "https://ecs.{region}.myhuaweicloud.com";
/// Huawei's CSMS host pattern (the SDK's `CsmsRegion`: prefix `kms`, not `csms`).
pub const DEFAULT_CSMS_ENDPOINT: &str = "https://kms.{region}.myhuaweicloud.com";
/// Huawei's public bare-metal host pattern, what an unset `endpoints.bms` amounts to for the
/// default ECS endpoint.
pub const DEFAULT_BMS_ENDPOINT: &str = "https://bms.{region}.myhuaweicloud.com";
/// Huawei's global IAM host.
pub const DEFAULT_IAM_ENDPOINT: &str = "https://iam.myhuaweicloud.com";

/// The fully resolved and validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file it came from (None = defaults and environment only).
    pub source: Option<PathBuf>,
    /// None when neither the file nor the environment supplies any credentials.
    pub credentials: Option<Credentials>,
    pub endpoints: Endpoints,
    pub projects: Vec<ProjectConfig>,
    pub tuning: Tuning,
    pub ui: Ui,
    pub log: LogConfig,
    pub keys: KeyMap,
    /// `[escrow]`: None when the file has no such section.
    pub escrow: Option<EscrowConfig>,
    /// `[[views]]`: named filter + sort + columns, chosen from the palette.
    pub views: Vec<View>,
    /// `[profiles.NAME]` accounts; their projects are in `projects`, naming them.
    pub profiles: Vec<Profile>,
}

/// AK/SK credentials; `Debug` shows the secret parts as `***`.
#[derive(Debug, Clone, PartialEq)]
pub struct Credentials {
    pub access_key: String,
    pub secret_key: Secret,
    /// STS token of temporary credentials.
    pub security_token: Option<Secret>,
    /// From [`ENV_PROJECT_ID`].
    pub project_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Endpoints {
    /// Base URL of ECS, may contain `{region}`; no trailing slash.
    pub ecs: String,
    /// Base URL of IAM, may contain `{region}`; no trailing slash.
    pub iam: String,
    /// Base URL of CSMS (`[escrow] csms`), may contain `{region}`; no trailing slash.
    pub csms: String,
    /// Base URL of BMS; None = the ECS one with `ecs.` turned into `bms.` (the simulator
    /// and proxies serve both on one address).
    pub bms: Option<String>,
    /// Extra PEM roots for private clouds.
    pub ca_bundle: Option<PathBuf>,
    /// `http(s)://host:port` of a proxy for https endpoints; never used for plain http.
    pub proxy: Option<String>,
}

impl Endpoints {
    pub fn ecs_for(&self, region: &str) -> String {
        self.ecs.replace("{region}", region)
    }

    pub fn iam_for(&self, region: &str) -> String {
        self.iam.replace("{region}", region)
    }
}

impl Default for Endpoints {
    fn default() -> Self {
        Self {
            ecs: DEFAULT_ECS_ENDPOINT.to_owned(),
            iam: DEFAULT_IAM_ENDPOINT.to_owned(),
            csms: DEFAULT_CSMS_ENDPOINT.to_owned(),
            bms: None,
            ca_bundle: None,
            proxy: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectConfig {
    /// Region id such as `cn-north-4`.
    pub region: String,
    /// Project id; None = look it up in IAM by region name.
    pub id: Option<String>,
    /// Display label.
    pub name: Option<String>,
    /// Resets are refused in this project.
    pub protected: bool,
    /// The `[profiles.NAME]` it belongs to; None = the top-level (default) profile.
    pub profile: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tuning {
    /// Most requests in flight at once, 1..=256; below it, each API's limiter keeps about
    /// its rate times the round trip in flight.
    pub concurrency: usize,
    /// Hard ceiling on the request rate of all projects and APIs together, > 0. The default,
    /// `f64::INFINITY`, is none: each API's limiter finds the gateway's limit itself.
    pub rate_per_second: f64,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Retries of reads (never of resets), 0..=10.
    pub retries: u32,
    /// First back-off delay before a retry (doubled each time, with jitter), 1 ms..=60 s.
    pub retry_base: Duration,
    /// Servers per list page, 1..=1000.
    pub page_size: u32,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            concurrency: 256,
            rate_per_second: f64::INFINITY,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            retries: 4,
            retry_base: Duration::from_secs(1),
            page_size: 1000,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ui {
    /// No resets at all: browse and audit only.
    pub read_only: bool,
    pub theme: Theme,
    /// The table's columns in order; None = every column that fits, in the built-in order.
    pub columns: Option<Vec<Column>>,
    /// Mouse clicks and the wheel act (opt-in: capturing the mouse stops the terminal's own
    /// text selection).
    pub mouse: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Theme {
    /// The terminal's own 16 colours, so its palette decides how they look.
    #[default]
    Terminal,
    /// Fixed colours picked for a dark background.
    Dark,
    /// Fixed colours picked for a light background.
    Light,
    /// No colours; status is carried by glyphs and words anyway.
    Mono,
}

impl Theme {
    pub const ALL: [Theme; 4] = [Theme::Terminal, Theme::Dark, Theme::Light, Theme::Mono];

    pub fn name(self) -> &'static str {
        match self {
            Theme::Terminal => "terminal",
            Theme::Dark => "dark",
            Theme::Light => "light",
            Theme::Mono => "mono",
        }
    }

    /// `default` is the older name of `terminal`.
    pub fn from_name(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "default" => Some(Theme::Terminal),
            other => Self::ALL.into_iter().find(|t| t.name() == other),
        }
    }
}

/// A saved view: what the palette's `:view NAME` applies. Unset parts stay as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub name: String,
    pub filter: Option<String>,
    /// Column and descending.
    pub sort: Option<(Column, bool)>,
    pub columns: Option<Vec<Column>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    /// As configured; None = the default location, see [`LogConfig::resolved_file`].
    pub file: Option<PathBuf>,
    /// A tracing filter such as `info` or `info,ecsreset=debug`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            file: None,
            level: "info".to_owned(),
        }
    }
}

impl LogConfig {
    /// The configured file, else `ecsreset.log` in [`data_dir`].
    pub fn resolved_file(&self) -> Option<PathBuf> {
        self.file
            .clone()
            .or_else(|| data_dir().map(|d| d.join("ecsreset.log")))
    }
}

/// Where generated passwords are sealed, and to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscrowConfig {
    /// At least one, no two equal.
    pub recipients: Vec<crate::escrow::Recipient>,
    /// As configured; None = [`crate::escrow::DEFAULT_DIR`] in the data directory.
    pub dir: Option<PathBuf>,
    /// `csms = { … }`: also store each password as a CSMS secret.
    pub csms: Option<crate::escrow::CsmsConfig>,
}

impl EscrowConfig {
    /// The directory sealed files go to, given the data directory in use.
    pub fn dir_in(&self, data_dir: &std::path::Path) -> PathBuf {
        crate::escrow::dir_in(self.dir.as_deref(), data_dir)
    }
}

impl Default for Config {
    /// Huawei's public endpoints, no projects, no credentials, default keys.
    fn default() -> Self {
        Self {
            source: None,
            credentials: None,
            endpoints: Endpoints::default(),
            projects: Vec::new(),
            tuning: Tuning::default(),
            ui: Ui::default(),
            log: LogConfig::default(),
            keys: KeyMap::defaults(),
            escrow: None,
            views: Vec::new(),
            profiles: Vec::new(),
        }
    }
}

impl Config {
    /// The credentials, or an error that explains both ways to provide them.
    pub fn credentials(&self) -> Result<&Credentials, ConfigError> {
        self.credentials
            .as_ref()
            .ok_or_else(|| ConfigError::MissingCredentials {
                file: self.source.clone().or_else(default_path),
            })
    }
}

/// Where [`load`] looks; the environment is injected so tests never touch the real one.
pub struct LoadOptions<'a> {
    /// From `--config`.
    pub path: Option<PathBuf>,
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

impl LoadOptions<'static> {
    /// Options reading the real process environment.
    pub fn with_process_env(path: Option<PathBuf>) -> Self {
        Self {
            path,
            env: &process_env,
        }
    }
}

/// The real environment, for [`LoadOptions::env`]; not-unicode values count as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Loads defaults < file < environment; see the module documentation.
pub fn load(opts: &LoadOptions) -> Result<Config, ConfigError> {
    source::load_with_default(opts, default_path())
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "ecsreset")
}

/// `config.toml` in the platform's config directory (e.g. `~/.config/ecsreset/`).
pub fn default_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// The platform's data directory (e.g. `~/.local/share/ecsreset/`): audit trail, saved
/// audits, the default log file.
pub fn data_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().to_owned())
}

#[cfg(test)]
mod tests;
