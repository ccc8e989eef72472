//! IAM handlers: the projects the caller may use (`/v3/auth/projects`), the filtered and
//! paged project list (`/v3/projects`), and the caller's account (`/v3/auth/domains`, which
//! the SDK's `GlobalCredentials` calls when it is not given a domain id).
//!
//! Every project of the fleet is listed, including IAM-only ones (`MOS`) and disabled ones,
//! as a real account shows them; the client must skip those itself.

use super::fleet::SimProject;
use super::gateway::Shared;
use super::lock;
use super::reply::{iam_error, json};
use crate::cloud::wire::{Project, ProjectsResponse};
use axum::response::Response;
use serde_json::{Value, json};

fn wire(p: &SimProject) -> Project {
    Project {
        id: p.id.clone(),
        name: p.name.clone(),
        description: Some(p.description.clone()),
        domain_id: Some(p.domain_id.clone()),
        parent_id: p.parent_id.clone(),
        is_domain: Some(false),
        enabled: p.enabled,
    }
}

/// Serializes through the shared wire type, then adds the `links` the SDK model carries.
fn body(projects: Vec<Project>, links: Value, base: &str, paged_links: bool) -> Value {
    let mut v = serde_json::to_value(ProjectsResponse {
        projects,
        links: Some(links),
    })
    .expect("wire types serialize");
    for p in v["projects"].as_array_mut().into_iter().flatten() {
        let own = format!(
            "{base}/v3/projects/{}",
            p["id"].as_str().unwrap_or_default()
        );
        p["links"] = if paged_links {
            json!({"self": own, "previous": null, "next": null})
        } else {
            json!({"self": own})
        };
    }
    v
}

pub(crate) fn auth_projects(shared: &Shared, base: &str) -> Response {
    let world = lock(&shared.world);
    let projects = world.projects.iter().map(|p| wire(&p.meta)).collect();
    let links = json!({"self": format!("{base}/v3/auth/projects")});
    json(200, &body(projects, links, base, false))
}

/// `GET /v3/projects` with `name`, `domain_id`, `parent_id`, `enabled`, `is_domain`, and
/// `page`+`per_page` (both or neither; 1.. and 1..=5000).
pub(crate) fn projects(shared: &Shared, base: &str, raw_query: &str) -> Response {
    let q: std::collections::HashMap<String, String> = super::auth::query_pairs(raw_query)
        .into_iter()
        .map(|(k, v)| {
            (
                k,
                match v {
                    crate::cloud::sign::QueryValue::Str(s) => s,
                    other => format!("{other:?}"),
                },
            )
        })
        .collect();
    let flag = |name: &str| -> Result<Option<bool>, String> {
        match q.get(name).map(|v| v.to_ascii_lowercase()) {
            None => Ok(None),
            Some(v) if v == "true" => Ok(Some(true)),
            Some(v) if v == "false" => Ok(Some(false)),
            Some(v) => Err(format!("{name} must be true or false, not {v:?}")),
        }
    };
    let (enabled, is_domain) = match (flag("enabled"), flag("is_domain")) {
        (Ok(e), Ok(d)) => (e, d),
        (Err(m), _) | (_, Err(m)) => return bad_request(m),
    };
    let paging = match (q.get("page"), q.get("per_page")) {
        (None, None) => None,
        (Some(p), Some(n)) => match (p.parse::<usize>(), n.parse::<usize>()) {
            (Ok(p), Ok(n)) if p >= 1 && (1..=5000).contains(&n) => Some((p, n)),
            _ => return bad_request("page must be >= 1 and per_page within 1..5000".into()),
        },
        _ => return bad_request("page and per_page must be given together".into()),
    };
    let world = lock(&shared.world);
    let matching: Vec<Project> = world
        .projects
        .iter()
        .map(|p| wire(&p.meta))
        .filter(|p| q.get("name").is_none_or(|n| &p.name == n))
        .filter(|p| {
            q.get("domain_id")
                .is_none_or(|d| p.domain_id.as_ref() == Some(d))
        })
        .filter(|p| {
            q.get("parent_id")
                .is_none_or(|d| p.parent_id.as_ref() == Some(d))
        })
        .filter(|p| enabled.is_none_or(|e| p.enabled == e))
        .filter(|_| is_domain.is_none_or(|d| !d))
        .collect();
    let url = |page: usize, per: usize| {
        let mut rest: Vec<(String, String)> = q
            .iter()
            .filter(|(k, _)| *k != "page" && *k != "per_page")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        rest.sort();
        rest.push(("page".into(), page.to_string()));
        rest.push(("per_page".into(), per.to_string()));
        let qs: Vec<String> = rest.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{base}/v3/projects?{}", qs.join("&"))
    };
    let (page_items, links) = match paging {
        None => (
            matching,
            json!({"self": format!("{base}/v3/projects"), "previous": null, "next": null}),
        ),
        Some((page, per)) => {
            let total = matching.len();
            let items: Vec<Project> = matching
                .into_iter()
                .skip((page - 1) * per)
                .take(per)
                .collect();
            let prev = (page > 1).then(|| url(page - 1, per));
            let next = (page * per < total).then(|| url(page + 1, per));
            (
                items,
                json!({"self": url(page, per), "previous": prev, "next": next}),
            )
        }
    };
    json(200, &body(page_items, links, base, true))
}

pub(crate) fn auth_domains(shared: &Shared, base: &str) -> Response {
    let world = lock(&shared.world);
    let domain = world
        .projects
        .first()
        .map(|p| p.meta.domain_id.clone())
        .unwrap_or_default();
    json(
        200,
        &json!({
            "domains": [{"id": domain, "name": "simulated-account", "enabled": true,
                         "description": "", "links": {"self": format!("{base}/v3/domains/{domain}")}}],
            "links": {"self": format!("{base}/v3/auth/domains")}
        }),
    )
}

fn bad_request(message: String) -> Response {
    iam_error(400, "Bad Request", message)
}
