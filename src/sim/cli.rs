//! `ecsreset sim`: start a simulator, tell the user how to point a client at it, serve until
//! Ctrl-C or SIGTERM.
//!
//! The secret key never comes from argv (it would show in `ps` and shell history): it is
//! read from `ECSRESET_SIM_SK` when set, otherwise generated. A generated key is printed,
//! being a throw-away simulator key; a key from the environment is not echoed.

use super::{Faults, Fleet, Sim, SimConfig, SimCredential, SimError, random_access_key};
use crate::secret::Secret;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Environment variable holding the simulator's secret key.
pub const SK_ENV: &str = "ECSRESET_SIM_SK";

/// `ecsreset sim`'s options: parsed by clap as they are, built field by field in tests.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct SimCliArgs {
    /// Loopback address to listen on; port 0 picks a free one (printed)
    #[arg(long, default_value = "127.0.0.1:8800")]
    pub listen: SocketAddr,
    /// Fleet JSON file (default: generated, see --projects/--servers/--seed)
    #[arg(long, value_name = "PATH")]
    pub fleet: Option<PathBuf>,
    /// Serve the demo fleet from assets/
    #[arg(long, conflicts_with = "fleet")]
    pub demo_fleet: bool,
    /// Projects in a generated fleet
    #[arg(long = "projects", id = "sim_projects", default_value_t = 3)]
    pub projects: usize,
    /// Servers per project in a generated fleet
    #[arg(long, default_value_t = 50)]
    pub servers: usize,
    /// Bare-metal servers added to every regional project (any fleet)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub bms: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Added latency per request, milliseconds
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Uniform random extra latency, milliseconds
    #[arg(long, default_value_t = 0)]
    pub jitter_ms: u64,
    /// Share of requests answered with a 5xx (0..1)
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Share of requests answered 429 at random (0..1)
    #[arg(long, default_value_t = 0.0)]
    pub throttle_rate: f64,
    /// Token-bucket limit per access key and API, calls per --rate-limit-window
    #[arg(long)]
    pub rate_limit: Option<f64>,
    /// The window --rate-limit counts over
    #[arg(long, value_enum, default_value_t = super::ThrottleWindow::Second)]
    pub rate_limit_window: super::ThrottleWindow,
    /// Leave the policy ("limit:N,time:1 second") out of 429 messages, so a client must
    /// find the limit itself
    #[arg(long)]
    pub rate_limit_quiet: bool,
    /// Share of connections dropped without an answer (0..1)
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Share of answers with a truncated or non-JSON body (0..1)
    #[arg(long, default_value_t = 0.0)]
    pub garbage_rate: f64,
    /// Write a ready-to-use client config (mode 0600) pointing at this simulator
    #[arg(long, value_name = "PATH")]
    pub write_config: Option<PathBuf>,
    /// Access key to accept (the secret key comes from $ECSRESET_SIM_SK or is generated)
    #[arg(long)]
    pub access_key: Option<String>,
    /// Ignore the list API's server_id filter and answer with every server, as older and
    /// private deployments do
    #[arg(long)]
    pub ignore_server_filter: bool,
    /// RSA key (PEM, public or private) that Windows servers with a key pair had their
    /// initial password encrypted to (served by os-server-password)
    #[arg(long, value_name = "PATH")]
    pub windows_key: Option<PathBuf>,
    /// Answer an API with 404 APIGW.0101 (not published), as clouds and regions without
    /// one-click reset do: flag, reset or batch-reset, optionally @REGION; repeatable
    #[arg(long, value_name = "API[@REGION]")]
    pub withhold: Vec<super::Withhold>,
    /// Grant an IAM agency that assume_role may assume: its name and the account (domain
    /// name or id) that created it; repeatable. Others are refused with 403
    #[arg(long = "agency", value_name = "NAME:DOMAIN")]
    pub agencies: Vec<super::SimAgency>,
    /// Longest lifetime of temporary (agency) keys, in seconds, below the duration asked
    /// for; short values show renewal and expiry
    #[arg(long, value_name = "SECS", value_parser = positive_secs)]
    pub token_ttl: Option<Duration>,
}

fn positive_secs(s: &str) -> Result<Duration, String> {
    match s.parse::<u64>() {
        Ok(n) if n > 0 => Ok(Duration::from_secs(n)),
        _ => Err(format!("{s:?} is not a whole number of seconds above 0")),
    }
}

impl Default for SimCliArgs {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8800)),
            fleet: None,
            demo_fleet: false,
            projects: 3,
            servers: 50,
            seed: 1,
            latency_ms: 0,
            jitter_ms: 0,
            error_rate: 0.0,
            throttle_rate: 0.0,
            rate_limit: None,
            rate_limit_window: super::ThrottleWindow::Second,
            rate_limit_quiet: false,
            drop_rate: 0.0,
            garbage_rate: 0.0,
            write_config: None,
            access_key: None,
            ignore_server_filter: false,
            windows_key: None,
            bms: 0,
            withhold: Vec::new(),
            agencies: Vec::new(),
            token_ttl: None,
        }
    }
}

impl SimCliArgs {
    pub fn throttle_style(&self) -> super::ThrottleStyle {
        super::ThrottleStyle {
            window: self.rate_limit_window,
            policy_in_message: !self.rate_limit_quiet,
        }
    }
}

/// Runs until Ctrl-C or SIGTERM.
pub async fn run_cli(args: SimCliArgs, out: &mut dyn Write) -> Result<(), SimError> {
    run_cli_until(args, out, shutdown_signal()).await
}

/// [`run_cli`] with the stop condition given by the caller (tests pass a channel).
pub async fn run_cli_until(
    args: SimCliArgs,
    out: &mut dyn Write,
    until: impl Future<Output = ()>,
) -> Result<(), SimError> {
    let sk_env = std::env::var(SK_ENV).ok().filter(|s| !s.is_empty());
    let from_env = sk_env.is_some();
    let (cfg, origin) = build_config(&args, sk_env.map(Secret::from))?;
    let cred = cfg.credentials[0].clone();
    let fleet = cfg.fleet.clone();
    let sim = Sim::start(cfg, args.listen).await?;
    let io = |e: std::io::Error| SimError::Io {
        context: "cannot write to the terminal".into(),
        source: e,
    };
    let shown_sk = if from_env {
        format!("<value of ${SK_ENV}>")
    } else {
        cred.secret_key.expose().to_owned()
    };
    writeln!(out, "ecsreset simulator listening on {}", sim.base_url()).map_err(io)?;
    writeln!(out, "  fleet: {origin}; {}", fleet_summary(&fleet)).map_err(io)?;
    if let Some(limit) = args.rate_limit {
        let style = args.throttle_style();
        let stated = if style.policy_in_message {
            "stated in each 429"
        } else {
            "not stated in 429s"
        };
        writeln!(
            out,
            "  throttle: {limit} calls per {} per access key and API, {stated}",
            style.window.unit()
        )
        .map_err(io)?;
    }
    for a in &args.agencies {
        writeln!(
            out,
            "  agency: {} of account {} (assume_role){}",
            a.name,
            a.domain,
            args.token_ttl
                .map(|t| format!(", keys live at most {} s", t.as_secs()))
                .unwrap_or_default()
        )
        .map_err(io)?;
    }
    writeln!(out, "  access key: {}", cred.access_key).map_err(io)?;
    if from_env {
        writeln!(out, "  secret key: from ${SK_ENV} (not shown)").map_err(io)?;
    } else {
        writeln!(out, "  secret key: {shown_sk}  (throw-away simulator key)").map_err(io)?;
    }
    writeln!(out, "\nClient configuration:\n").map_err(io)?;
    write!(
        out,
        "{}",
        client_config(&sim.base_url(), &cred.access_key, &shown_sk, &fleet)
    )
    .map_err(io)?;
    if let Some(path) = &args.write_config {
        let text = client_config(
            &sim.base_url(),
            &cred.access_key,
            cred.secret_key.expose(),
            &fleet,
        );
        write_private(path, &text)?;
        writeln!(
            out,
            "\nWrote this configuration to {} (mode 0600).",
            path.display()
        )
        .map_err(io)?;
    }
    writeln!(out, "\nServing until Ctrl-C.").map_err(io)?;
    out.flush().map_err(io)?;
    until.await;
    sim.shutdown().await;
    Ok(())
}

/// "3 regional projects (+2 IAM-only or disabled), 150 servers": `--projects` counts the
/// regional ones, which hold the servers; IAM lists the others too.
fn fleet_summary(fleet: &Fleet) -> String {
    let regional = fleet
        .projects
        .iter()
        .filter(|p| p.enabled && p.region.is_some())
        .count();
    let others = fleet.projects.len() - regional;
    let noun = if regional == 1 { "project" } else { "projects" };
    let extra = if others > 0 {
        format!(" (+{others} IAM-only or disabled)")
    } else {
        String::new()
    };
    format!(
        "{regional} regional {noun}{extra}, {} servers",
        fleet.server_count()
    )
}

/// The simulator configuration the arguments describe, and a description of the fleet.
fn build_config(args: &SimCliArgs, sk: Option<Secret>) -> Result<(SimConfig, String), SimError> {
    let rates = [
        args.error_rate,
        args.throttle_rate,
        args.drop_rate,
        args.garbage_rate,
    ];
    if rates.iter().sum::<f64>() > 1.0 {
        return Err(SimError::Config(
            "the fault rates add up to more than 1".into(),
        ));
    }
    let (fleet, origin) = match (&args.fleet, args.demo_fleet) {
        (Some(path), _) => (Fleet::load(path)?, format!("file {}", path.display())),
        (None, true) => (Fleet::demo(), "demo fleet".to_owned()),
        (None, false) => (
            Fleet::generate(args.projects, args.servers, args.seed),
            format!("generated with seed {}", args.seed),
        ),
    };
    let (fleet, origin) = if args.bms > 0 {
        let fleet = fleet.with_bare_metal(args.bms, args.seed);
        (
            fleet,
            format!("{origin}, {} bare-metal per project", args.bms),
        )
    } else {
        (fleet, origin)
    };
    let mut cfg = SimConfig::new(fleet);
    let access_key = args.access_key.clone().unwrap_or_else(random_access_key);
    if access_key.trim().is_empty() {
        return Err(SimError::Config("the access key is empty".into()));
    }
    let mut cred = SimCredential::generate();
    cred.access_key = access_key;
    if let Some(sk) = sk {
        cred.secret_key = sk;
    }
    cfg.credentials = vec![cred];
    cfg.throttle = args.rate_limit;
    cfg.throttle_style = args.throttle_style();
    cfg.quirks.ignore_server_filter = args.ignore_server_filter;
    cfg.withheld = args.withhold.clone();
    cfg.agencies = args.agencies.clone();
    cfg.token_ttl = args.token_ttl;
    cfg.faults = Faults {
        latency: Duration::from_millis(args.latency_ms),
        jitter: Duration::from_millis(args.jitter_ms),
        error_rate: args.error_rate,
        throttle_rate: args.throttle_rate,
        drop_rate: args.drop_rate,
        garbage_rate: args.garbage_rate,
        drop_after_apply_rate: 0.0,
    };
    cfg.faults.validate()?;
    if let Some(path) = &args.windows_key {
        let text = std::fs::read_to_string(path).map_err(|source| SimError::Io {
            context: format!("cannot read the Windows key {}", path.display()),
            source,
        })?;
        let key = crate::winpw::parse_public_key(&text)
            .map_err(|e| SimError::Config(format!("--windows-key {}: {e}", path.display())))?;
        cfg.windows_key = Some(key);
    }
    Ok((cfg, origin))
}

/// A client config for this simulator: both endpoints, the keys, every regional, enabled
/// project with its id.
pub fn client_config(base_url: &str, access_key: &str, secret_key: &str, fleet: &Fleet) -> String {
    let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let mut text = format!(
        "[endpoints]\necs = {url}\niam = {url}\ncsms = {url}\n\n[credentials]\naccess_key = {}\nsecret_key = {}\n",
        q(access_key),
        q(secret_key),
        url = q(base_url),
    );
    for p in fleet.projects.iter().filter(|p| p.enabled) {
        if let Some(region) = &p.region {
            text.push_str(&format!(
                "\n[[projects]]\nregion = {}\nid = {}\n",
                q(region),
                q(&p.id)
            ));
        }
    }
    text
}

/// Writes a file only its owner can read, also when it already existed.
fn write_private(path: &Path, text: &str) -> Result<(), SimError> {
    let err = |source| SimError::Io {
        context: format!("cannot write client config {}", path.display()),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options.open(path).map_err(err)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(err)?;
        file.write_all(text.as_bytes()).map_err(err)
    }
    #[cfg(not(unix))]
    {
        let mut file = options.open(path).map_err(err)?;
        file.write_all(text.as_bytes()).map_err(err)
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests build the arguments from `Default`; the binary parses them: both must agree.
    #[test]
    fn defaults_are_what_a_bare_sim_command_parses_to() {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from(["ecsreset", "sim"]).unwrap();
        let Some(crate::cli::Command::Sim(parsed)) = cli.command else {
            panic!("not the sim command");
        };
        assert_eq!(*parsed, SimCliArgs::default());
        let quiet = crate::cli::Cli::try_parse_from([
            "ecsreset",
            "sim",
            "--rate-limit-window",
            "minute",
            "--rate-limit-quiet",
        ])
        .unwrap();
        let Some(crate::cli::Command::Sim(parsed)) = quiet.command else {
            panic!("not the sim command");
        };
        assert_eq!(
            parsed.throttle_style(),
            super::super::ThrottleStyle {
                window: super::super::ThrottleWindow::Minute,
                policy_in_message: false,
            }
        );
    }

    #[test]
    fn secret_key_from_env_wins_and_rates_are_checked() {
        let args = SimCliArgs {
            access_key: Some("AKFIXED".into()),
            projects: 2,
            servers: 3,
            ..SimCliArgs::default()
        };
        let (cfg, origin) = build_config(&args, Some(Secret::from("from-env"))).unwrap();
        assert_eq!(cfg.credentials[0].access_key, "AKFIXED");
        assert_eq!(cfg.credentials[0].secret_key.expose(), "from-env");
        assert!(origin.contains("seed 1"));
        let (generated, _) = build_config(&args, None).unwrap();
        assert_eq!(generated.credentials[0].secret_key.len(), 40);
        let bad = SimCliArgs {
            error_rate: 0.7,
            drop_rate: 0.7,
            ..args
        };
        assert!(build_config(&bad, None).is_err());
        let bms = SimCliArgs {
            bms: 2,
            projects: 2,
            servers: 3,
            ..SimCliArgs::default()
        };
        let (cfg, origin) = build_config(&bms, None).unwrap();
        assert!(origin.contains("2 bare-metal"), "{origin}");
        let kinds = cfg.fleet.projects[0].servers.iter().map(|s| s.kind);
        assert_eq!(kinds.filter(|k| k.is_bms()).count(), 2);
    }

    #[test]
    fn agencies_are_name_colon_domain_and_reach_the_config() {
        let a: super::super::SimAgency = "ecsreset-ops:customer-account".parse().unwrap();
        assert_eq!(
            (a.name.as_str(), a.domain.as_str()),
            ("ecsreset-ops", "customer-account")
        );
        for bad in ["ecsreset-ops", ":d", "n:", " : "] {
            let e = bad.parse::<super::super::SimAgency>().unwrap_err();
            assert!(e.contains("is not NAME:DOMAIN"), "{bad}: {e}");
        }
        let args = SimCliArgs {
            agencies: vec![a.clone()],
            token_ttl: Some(Duration::from_secs(30)),
            projects: 1,
            servers: 1,
            ..SimCliArgs::default()
        };
        let (cfg, _) = build_config(&args, None).unwrap();
        assert_eq!(cfg.agencies, [a]);
        assert_eq!(cfg.token_ttl, Some(Duration::from_secs(30)));
    }

    #[test]
    fn the_summary_counts_the_projects_asked_for() {
        let fleet = Fleet::generate(3, 2, 1);
        assert_eq!(
            fleet_summary(&fleet),
            "3 regional projects (+2 IAM-only or disabled), 6 servers"
        );
    }

    #[test]
    fn client_config_lists_regional_enabled_projects() {
        let fleet = Fleet::generate(2, 1, 3);
        let text = client_config("http://127.0.0.1:1", "AK", "S\"K", &fleet);
        let doc: toml::Table = text.parse().unwrap();
        assert_eq!(doc["endpoints"]["ecs"].as_str(), Some("http://127.0.0.1:1"));
        assert_eq!(doc["credentials"]["secret_key"].as_str(), Some("S\"K"));
        let projects = doc["projects"].as_array().unwrap();
        assert_eq!(
            projects.len(),
            2,
            "MOS and the disabled project are left out"
        );
        assert_eq!(projects[0]["region"].as_str(), Some("cn-north-4"));
        assert_eq!(
            projects[0]["id"].as_str(),
            Some(fleet.projects[0].id.as_str())
        );
    }
}
