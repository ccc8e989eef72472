//! ECS handlers: list servers, reset-support flag, single and batch password reset.
//!
//! Validation order for resets: body shape (400 `Ecs.0005`), project (404), server (404
//! `Ecs.0114`), one-click support (400 [`UNSUPPORTED`]), password rules (400 `Ecs.0005`,
//! the password is never echoed), then the effect.

use super::detail;
use super::gateway::Shared;
use super::lock;
use super::reply::{
    ecs_error, illegal_body, json, no_content, project_not_found, server_not_found,
};
use crate::cloud::ServerKind;
use crate::cloud::wire::{
    BatchResetPasswordRequest, BatchResetPasswordResponse, ResetFlagResponse, ResetPasswordRequest,
};
use crate::secret::Secret;
use axum::response::Response;
use std::collections::HashMap;
use std::time::Instant;

/// Code for "this server has no one-click reset plug-in" [ASSUMED: not confirmed in docs].
pub(crate) const UNSUPPORTED: &str = "Ecs.0025";
const WEAK: &str = "The new password does not meet the password complexity requirements.";
const MAX_LIMIT: i64 = 1000;

/// Section 6.1 rules, as `is_check_password: true` enforces them.
fn password_acceptable(pw: &str) -> bool {
    crate::password::check(pw, crate::password::OsKind::Linux).passed()
}

fn unsupported(id: &str) -> Response {
    ecs_error(
        400,
        UNSUPPORTED,
        format!(
            "Instance[{id}] does not support one-click password reset: the password reset plug-in is not installed."
        ),
    )
}

/// Decoded query parameters; a repeated name keeps its last value.
pub(crate) fn params(raw: &str) -> HashMap<String, String> {
    super::auth::query_pairs(raw)
        .into_iter()
        .map(|(k, v)| match v {
            crate::cloud::sign::QueryValue::Str(s) => (k, s),
            other => (k, format!("{other:?}")),
        })
        .collect()
}

/// An integer parameter, or the message of the 400 `Ecs.0005` it deserves.
pub(crate) fn int_param(
    q: &HashMap<String, String>,
    name: &str,
    default: i64,
) -> Result<i64, String> {
    match q.get(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("Invalid parameter {name}: {v:?} is not an integer.")),
    }
}

/// `GET /v1/{project_id}/cloudservers/detail`: `offset` is a page number (0 → 1).
pub(crate) fn list(shared: &Shared, project: &str, raw_query: &str) -> Response {
    let q = params(raw_query);
    let limit = match int_param(&q, "limit", 25) {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => n as usize,
        Ok(n) => {
            return ecs_error(
                400,
                "Ecs.0005",
                format!("Invalid parameter limit: {n} is not within 1..{MAX_LIMIT}."),
            );
        }
        Err(m) => return ecs_error(400, "Ecs.0005", m),
    };
    let page = match int_param(&q, "offset", 1) {
        Ok(n) if n >= 0 => n.max(1) as usize,
        Ok(n) => return ecs_error(400, "Ecs.0005", format!("Invalid parameter offset: {n}.")),
        Err(m) => return ecs_error(400, "Ecs.0005", m),
    };
    let mut world = lock(&shared.world);
    if world.servers_mut(project, Instant::now()).is_none() {
        return project_not_found(project);
    }
    let p = world.project(project).expect("checked above");
    let honour_ids = !lock(&shared.quirks).ignore_server_filter;
    let (count, page_items): (usize, Vec<serde_json::Value>) =
        if let Some(ids) = q.get("server_id").filter(|_| honour_ids) {
            let matched: Vec<_> = ids
                .split(',')
                .map(str::trim)
                .filter(|i| !i.is_empty())
                .map(
                    |id| match p.servers.iter().find(|s| s.spec.id == id && is_ecs(s)) {
                        Some(s) => detail::render(&p.meta, s),
                        None => detail::missing(id),
                    },
                )
                .collect();
            let count = matched.len();
            let page = matched.into_iter().skip((page - 1) * limit).take(limit);
            (count, page.collect())
        } else {
            let selected: Vec<_> = p
                .servers
                .iter()
                .filter(|s| is_ecs(s) && filter_matches(&q, s))
                .collect();
            let skip = match q.get("marker") {
                None => (page - 1) * limit,
                Some(marker) => match selected.iter().position(|s| &s.spec.id == marker) {
                    Some(i) => i + 1,
                    None => {
                        return ecs_error(
                            400,
                            "Ecs.0005",
                            format!("Invalid parameter marker: {marker}."),
                        );
                    }
                },
            };
            // Render only the requested page: rendering is the costly part and the world lock is
            // held meanwhile, so rendering every match would serialize all clients behind it.
            let page = selected.iter().skip(skip).take(limit);
            (
                selected.len(),
                page.map(|s| detail::render(&p.meta, s)).collect(),
            )
        };
    json(
        200,
        &serde_json::json!({"count": count, "servers": page_items}),
    )
}

fn is_ecs(s: &super::state::ServerState) -> bool {
    s.spec.kind == crate::cloud::ServerKind::Ecs
}

pub(crate) fn filter_matches(q: &HashMap<String, String>, s: &super::state::ServerState) -> bool {
    let spec = &s.spec;
    let contains = |hay: &str, needle: &str| hay.to_lowercase().contains(&needle.to_lowercase());
    let ips = || std::iter::once(spec.private_ip.as_str()).chain(spec.floating_ip.as_deref());
    q.get("name").is_none_or(|n| contains(&spec.name, n))
        && q.get("status")
            .is_none_or(|st| s.view().status.eq_ignore_ascii_case(st))
        && q.get("ip")
            .is_none_or(|ip| ips().any(|a| a.contains(ip.as_str())))
        && q.get("ip_eq").is_none_or(|ip| ips().any(|a| a == ip))
        && q.get("flavor").is_none_or(|f| &spec.flavor == f)
}

/// `GET .../os-resetpwd-flag`: the capitalised string the real API returns.
pub(crate) fn flag(shared: &Shared, kind: ServerKind, project: &str, server: &str) -> Response {
    let mut world = lock(&shared.world);
    if world.project(project).is_none() {
        return project_not_found(project);
    }
    match world.server_of(project, server, kind, Instant::now()) {
        None => server_not_found(server),
        Some(s) => json(
            200,
            &ResetFlagResponse {
                resetpwd_flag: if s.spec.reset_supported {
                    "True"
                } else {
                    "False"
                }
                .to_owned(),
            },
        ),
    }
}

/// `PUT .../os-reset-password`: 204 and a pending password, applied at the next (re)start.
/// The BMS body (`ResetPassword`) has no `is_check_password`, so nothing is checked there.
pub(crate) fn reset(
    shared: &Shared,
    kind: ServerKind,
    project: &str,
    server: &str,
    body: &[u8],
) -> Response {
    let Ok(req) = serde_json::from_slice::<ResetPasswordRequest>(body) else {
        return illegal_body();
    };
    let opt = req.reset_password;
    if opt.new_password.is_empty() {
        return illegal_body();
    }
    let mut world = lock(&shared.world);
    if world.project(project).is_none() {
        return project_not_found(project);
    }
    let Some(s) = world.server_of(project, server, kind, Instant::now()) else {
        return server_not_found(server);
    };
    if !s.spec.reset_supported {
        return unsupported(server);
    }
    if opt.is_check_password == Some(true) && !password_acceptable(&opt.new_password) {
        return ecs_error(400, "Ecs.0005", WEAK);
    }
    s.accept_password(Secret::new(opt.new_password.into_owned()));
    tracing::debug!(project, server, "password reset accepted");
    no_content()
}

/// `PUT .../os-reset-passwords`: validates everything first, then applies to all or none.
pub(crate) fn batch_reset(shared: &Shared, project: &str, body: &[u8]) -> Response {
    let Ok(req) = serde_json::from_slice::<BatchResetPasswordRequest>(body) else {
        return illegal_body();
    };
    let dry_run = req.dry_run.unwrap_or(false);
    if req.servers.is_empty() || req.servers.len() > MAX_LIMIT as usize {
        return ecs_error(400, "Ecs.0005", "servers must hold 1 to 1000 entries.");
    }
    match req.new_password.as_deref() {
        None | Some("") if !dry_run => {
            return ecs_error(
                400,
                "Ecs.0005",
                "new_password is required unless dry_run is true.",
            );
        }
        Some(pw) if !pw.is_empty() && !password_acceptable(pw) => {
            return ecs_error(400, "Ecs.0005", WEAK);
        }
        _ => {}
    }
    let mut world = lock(&shared.world);
    if world.project(project).is_none() {
        return project_not_found(project);
    }
    let now = Instant::now();
    for sid in &req.servers {
        match world.server_mut(project, &sid.id, now) {
            None => return server_not_found(&sid.id),
            Some(s) if !s.spec.reset_supported => return unsupported(&sid.id),
            Some(_) => {}
        }
    }
    if let (false, Some(pw)) = (dry_run, req.new_password.as_deref()) {
        let mut done = std::collections::HashSet::new();
        for sid in &req.servers {
            if done.insert(sid.id.as_str())
                && let Some(s) = world.server_mut(project, &sid.id, now)
            {
                s.accept_password(Secret::new(pw));
            }
        }
        tracing::debug!(
            project,
            servers = done.len(),
            "batch password reset accepted"
        );
    }
    let quirks = lock(&shared.quirks).clone();
    let mut response = req.servers;
    if quirks.batch_omits_last {
        response.pop();
    }
    if let Some(extra) = quirks.batch_adds {
        response.push(crate::cloud::wire::ServerId { id: extra });
    }
    json(200, &BatchResetPasswordResponse { response })
}
