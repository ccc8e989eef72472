//! IAM: the projects the credentials may use (`GET /v3/auth/projects`, works without IAM
//! admin rights), and project-id discovery by region name.

use super::ecs::decode;
use super::http::Call;
use super::regions;
use super::wire::{Project, ProjectsResponse};
use super::{Cloud, CloudError, ProjectRef};
use reqwest::Method;

impl Cloud {
    /// Every project the caller may access, as IAM lists them (including non-region ones).
    /// `region` only matters when the IAM endpoint template contains `{region}`.
    pub async fn auth_projects(&self, region: &str) -> Result<Vec<Project>, CloudError> {
        let call = Call {
            method: Method::GET,
            base: self.iam_base(region)?,
            path: "/v3/auth/projects".into(),
            query: Vec::new(),
            body: None,
            project_id: None,
            idempotent: true,
            api: super::limiter::ApiClass::Iam,
        };
        let resp: ProjectsResponse = decode(self.send(&call).await?)?;
        Ok(resp.projects)
    }

    /// The projects an audit can cover: enabled, named after a known ECS region.
    pub async fn region_projects(&self, region_hint: &str) -> Result<Vec<ProjectRef>, CloudError> {
        let projects = self.auth_projects(region_hint).await?;
        Ok(usable(&projects))
    }

    /// The id of the region's default project (named exactly like the region).
    pub async fn project_id_for(&self, region: &str) -> Result<String, CloudError> {
        let projects = self.auth_projects(region).await?;
        pick_region_project(&projects, region)
    }
}

pub fn usable(projects: &[Project]) -> Vec<ProjectRef> {
    let mut out: Vec<ProjectRef> = projects
        .iter()
        .filter(|p| p.enabled && regions::is_known(p.region()))
        .map(|p| ProjectRef {
            id: p.id.clone(),
            region: p.region().to_owned(),
        })
        .collect();
    out.sort();
    out
}

pub fn pick_region_project(projects: &[Project], region: &str) -> Result<String, CloudError> {
    let matches: Vec<&Project> = projects
        .iter()
        .filter(|p| p.name == region && p.enabled)
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(CloudError::Setup(format!(
            "IAM lists no enabled project named {region:?} for these credentials; set `id` for this project in the config"
        ))),
        _ => Err(CloudError::Setup(format!(
            "IAM lists {} projects named {region:?}; set `id` for this project in the config",
            matches.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usable_projects_skip_mos_and_disabled() {
        let text = std::fs::read_to_string(format!(
            "{}/tests/data/fixtures/iam-auth-projects.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let resp: ProjectsResponse = serde_json::from_str(&text).unwrap();
        let got = usable(&resp.projects);
        assert!(got.iter().all(|p| p.region != "MOS"));
        assert!(
            got.iter()
                .any(|p| p.region == "cn-north-4" && p.id.starts_with("1b2c")),
            "sub-projects count"
        );
        let disabled: Vec<_> = resp
            .projects
            .iter()
            .filter(|p| !p.enabled)
            .map(|p| p.id.clone())
            .collect();
        assert!(!disabled.is_empty());
        assert!(got.iter().all(|p| !disabled.contains(&p.id)));
        assert_eq!(
            pick_region_project(&resp.projects, "cn-north-4").unwrap(),
            "0a1b2c3d4e5f47a8b9c0d1e2f3a4b5c6"
        );
        assert!(pick_region_project(&resp.projects, "eu-west-0").is_err());
    }
}
