//! Pure planning of the CSMS sink (`[escrow] csms`): for each server, the secret its new
//! password is stored in, and the project and region that secret lives in.
//!
//! Which project: CSMS secrets belong to a project of the region whose CSMS holds them, and a
//! Huawei project id is valid in its own region only. So a server whose region is the CSMS
//! region uses its own project; any other server uses the project the caller names for that
//! region (the first configured project there, else the region's main project from IAM).

use super::plan::{Located, Refusal};
use crate::cloud::ProjectRef;
use crate::escrow::CsmsConfig;
use crate::escrow::csms::NameFields;
use std::collections::HashMap;

/// Where one server's password is written before its reset is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsmsTarget {
    pub project: ProjectRef,
    pub secret: String,
}

/// Every server's target, by server id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsmsPlan {
    pub targets: HashMap<String, CsmsTarget>,
}

/// The CSMS region of a server: the configured one, else its own.
pub fn region_for<'a>(cfg: &'a CsmsConfig, l: &'a Located) -> &'a str {
    cfg.region.as_deref().unwrap_or(&l.project.project.region)
}

/// Plans every server, or refuses the servers that cannot have a secret (all of them named,
/// so the operator fixes the config once). `project_in(region)` is the project id to use for
/// a region other than the server's own.
pub fn plan(
    located: &[Located],
    cfg: &CsmsConfig,
    project_in: &dyn Fn(&str) -> Option<String>,
) -> Result<CsmsPlan, Vec<Refusal>> {
    let mut targets = HashMap::new();
    let mut refused = Vec::new();
    let mut used: HashMap<(ProjectRef, String), &str> = HashMap::new();
    for l in located {
        let own = &l.project.project;
        let region = region_for(cfg, l);
        let project_id = if region == own.region {
            Some(own.id.clone())
        } else {
            project_in(region)
        };
        let refuse = |reason: String| Refusal {
            server_id: l.id().to_owned(),
            name: l.name().to_owned(),
            project: l.project.label.clone(),
            reason,
        };
        let Some(project_id) = project_id else {
            refused.push(refuse(format!(
                "no project in region {region} is known to hold its CSMS secret; add a \
                 [[projects]] entry for {region}, or set [escrow] csms.region"
            )));
            continue;
        };
        let fields = NameFields {
            server_id: l.id(),
            name: l.name(),
            region,
            project_id: &project_id,
        };
        let secret = match cfg.name.expand(&fields) {
            Ok(s) => s,
            Err(why) => {
                refused.push(refuse(why));
                continue;
            }
        };
        let project = ProjectRef {
            id: project_id,
            region: region.to_owned(),
        };
        if let Some(other) = used.insert((project.clone(), secret.clone()), l.id()) {
            refused.push(refuse(format!(
                "its CSMS secret {secret} would be the same as that of server {other}"
            )));
            continue;
        }
        targets.insert(l.id().to_owned(), CsmsTarget { project, secret });
    }
    if refused.is_empty() {
        Ok(CsmsPlan { targets })
    } else {
        Err(refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::wire::ServerDetail;
    use crate::escrow::NameTemplate;
    use crate::ops::Project;

    fn located(id: &str, name: &str, project: &str, region: &str) -> Located {
        Located {
            project: Project {
                project: ProjectRef {
                    id: project.into(),
                    region: region.into(),
                },
                label: region.into(),
                protected: false,
                profile: None,
            },
            server: ServerDetail {
                id: id.into(),
                name: Some(name.into()),
                ..ServerDetail::default()
            },
        }
    }

    fn cfg(region: Option<&str>, name: &str) -> CsmsConfig {
        CsmsConfig {
            region: region.map(str::to_owned),
            name: NameTemplate::parse(name).unwrap(),
        }
    }

    const A: &str = "6a3f1c2e-8b7d-4e5f-9a0b-1c2d3e4f5a6b";
    const B: &str = "7b4f1c2e-8b7d-4e5f-9a0b-1c2d3e4f5a6b";

    #[test]
    fn a_server_in_the_csms_region_uses_its_own_project_others_the_named_one() {
        let servers = [
            located(A, "web", "p-north", "cn-north-4"),
            located(B, "db", "p-south", "cn-south-1"),
        ];
        let main = |r: &str| (r == "cn-north-4").then(|| "p-main".to_owned());
        let p = plan(&servers, &cfg(Some("cn-north-4"), "ecs-{server_id}"), &main).unwrap();
        assert_eq!(p.targets[A].project.id, "p-north");
        assert_eq!(p.targets[B].project.id, "p-main");
        assert_eq!(p.targets[B].project.region, "cn-north-4");
        assert_eq!(p.targets[B].secret, format!("ecs-{B}"));
    }

    #[test]
    fn without_a_region_each_server_stays_in_its_own() {
        let servers = [located(A, "web", "p-south", "cn-south-1")];
        let none = |_: &str| None;
        let p = plan(&servers, &cfg(None, "{region}-{server_id}"), &none).unwrap();
        assert_eq!(
            p.targets[A],
            CsmsTarget {
                project: ProjectRef {
                    id: "p-south".into(),
                    region: "cn-south-1".into()
                },
                secret: format!("cn-south-1-{A}"),
            }
        );
    }

    #[test]
    fn every_server_that_cannot_have_a_secret_is_named() {
        let servers = [
            located(A, "web 1", "p1", "cn-north-4"),
            located(B, "db", "p2", "ap-southeast-1"),
        ];
        let none = |_: &str| None;
        let e = plan(
            &servers,
            &cfg(Some("cn-north-4"), "{name}-{server_id}"),
            &none,
        )
        .unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].server_id, A);
        assert!(e[0].reason.contains("does not allow"), "{}", e[0].reason);
        assert_eq!(e[1].server_id, B);
        assert!(
            e[1].reason.contains("no project in region cn-north-4"),
            "{}",
            e[1].reason
        );
    }

    #[test]
    fn two_servers_never_share_a_secret() {
        let servers = [
            located(A, "web", "p1", "cn-north-4"),
            located(A, "web", "p1", "cn-north-4"),
        ];
        let none = |_: &str| None;
        let e = plan(&servers, &cfg(None, "ecs-{server_id}"), &none).unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(
            e[0].reason.contains("the same as that of server"),
            "{}",
            e[0].reason
        );
    }
}
