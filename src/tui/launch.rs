//! From command-line flags to a running TUI: load the config (or start the demo simulator),
//! keep the projects `--project` names, and refuse early when there is no terminal to draw on.

use super::{TuiError, TuiOptions};
use crate::cli::GlobalArgs;
use crate::config::{self, Config, LoadOptions};
use std::io::IsTerminal;

pub async fn launch(global: &GlobalArgs) -> Result<super::runtime::Exit, TuiError> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(TuiError::Config(
            "the terminal UI needs a terminal on stdin and stdout; for scripts use a command \
             such as `ecsreset list` or `ecsreset audit --format json`"
                .into(),
        ));
    }
    if global.demo {
        // The demo's servers are not real: its resets stay out of the operator's trail
        // unless a data directory is given on purpose.
        let opts = TuiOptions {
            read_only: global.read_only,
            trail_dir: global.data_dir.clone(),
            data_dir: crate::commands::saved::data_dir(global.data_dir.as_deref()).ok(),
            mouse: global.mouse,
        };
        let base = crate::commands::context::demo_base(global.config.as_deref())
            .map_err(|e| TuiError::Config(e.to_string()))?;
        return super::run_demo(opts, base).await;
    }
    let trail_dir = crate::commands::saved::data_dir(global.data_dir.as_deref())
        .map_err(|e| TuiError::Config(e.to_string()))?;
    let opts = TuiOptions {
        read_only: global.read_only,
        trail_dir: Some(trail_dir.clone()),
        data_dir: Some(trail_dir),
        mouse: global.mouse,
    };
    let (path, only) = (global.config.clone(), global.projects.clone());
    let chosen = config::profiles::chosen(&global.profiles, &config::process_env);
    let load = move || {
        let config = config::load(&LoadOptions::with_process_env(path.clone()))
            .map_err(|e| e.to_string())?;
        let config = config::profiles::select(config, &chosen).map_err(|e| e.to_string())?;
        narrow(config, &only).map_err(|e| e.to_string())
    };
    let config = load().map_err(TuiError::Config)?;
    super::run(config, opts, Some(Box::new(load))).await
}

/// Keeps the configured projects matching any `--project` value (region, id or name); a
/// value that matches nothing is an error rather than an empty screen.
pub fn narrow(mut config: Config, only: &[String]) -> Result<Config, TuiError> {
    if only.is_empty() {
        return Ok(config);
    }
    let hit = |p: &config::ProjectConfig, o: &String| {
        &p.region == o || p.id.as_ref() == Some(o) || p.name.as_ref() == Some(o)
    };
    if let Some(missing) = only
        .iter()
        .find(|o| !config.projects.iter().any(|p| hit(p, o)))
    {
        let known: Vec<String> = config
            .projects
            .iter()
            .map(|p| p.name.clone().unwrap_or_else(|| p.region.clone()))
            .collect();
        return Err(TuiError::Config(format!(
            "--project {missing:?} matches no configured project; known: {}",
            known.join(", ")
        )));
    }
    config.projects.retain(|p| only.iter().any(|o| hit(p, o)));
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProjectConfig;

    fn config() -> Config {
        let mut c = Config::default();
        for (region, id, name) in [
            ("cn-north-4", "p1", "prod"),
            ("ap-southeast-1", "p2", "dev"),
        ] {
            c.projects.push(ProjectConfig {
                profile: None,
                region: region.into(),
                id: Some(id.into()),
                name: Some(name.into()),
                protected: false,
            });
        }
        c
    }

    #[test]
    fn narrows_by_region_id_or_name() {
        for key in ["cn-north-4", "p1", "prod"] {
            let c = narrow(config(), &[key.into()]).unwrap();
            assert_eq!(c.projects.len(), 1, "{key}");
            assert_eq!(c.projects[0].region, "cn-north-4");
        }
        assert_eq!(narrow(config(), &[]).unwrap().projects.len(), 2);
    }

    #[test]
    fn an_unknown_project_names_the_known_ones() {
        let err = narrow(config(), &["staging".into()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"staging\"") && err.contains("prod, dev"),
            "{err}"
        );
    }
}
