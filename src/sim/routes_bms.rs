//! Bare-metal handlers under `/v1/{project_id}/baremetalservers`: the paged list
//! (`ListBareMetalServersRequest`), and the reset flag and one-click reset, which behave as
//! their ECS twins (the same handlers, asked for [`ServerKind::Bms`]). A bare-metal server is
//! unknown to every ECS path and an ECS server to every BMS path.

use super::detail;
use super::gateway::Shared;
use super::lock;
use super::reply::{ecs_error, json, project_not_found};
use super::routes_ecs::{filter_matches, int_param, params};
use crate::cloud::ServerKind;
use axum::response::Response;
use serde_json::Value;
use std::time::Instant;

const MAX_LIMIT: i64 = 1000;

/// `GET .../baremetalservers/detail`: `offset` is a page number from 1, `limit` 25 by
/// default and at most 1000; `name`, `status` and `flavor` filter as on ECS.
pub(crate) fn list(shared: &Shared, project: &str, raw_query: &str) -> Response {
    let q = params(raw_query);
    let limit = match int_param(&q, "limit", 25) {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => n.unsigned_abs() as usize,
        Ok(n) => {
            let m = format!("Invalid parameter limit: {n} is not within 1..{MAX_LIMIT}.");
            return ecs_error(400, "Ecs.0005", m);
        }
        Err(m) => return ecs_error(400, "Ecs.0005", m),
    };
    let page = match int_param(&q, "offset", 1) {
        Ok(n) if n >= 0 => n.max(1).unsigned_abs() as usize,
        Ok(n) => return ecs_error(400, "Ecs.0005", format!("Invalid parameter offset: {n}.")),
        Err(m) => return ecs_error(400, "Ecs.0005", m),
    };
    let mut world = lock(&shared.world);
    if world.servers_mut(project, Instant::now()).is_none() {
        return project_not_found(project);
    }
    let p = world.project(project).expect("checked above");
    let selected: Vec<_> = p
        .servers
        .iter()
        .filter(|s| s.spec.kind == ServerKind::Bms && filter_matches(&q, s))
        .collect();
    let servers: Vec<Value> = selected
        .iter()
        .skip((page - 1) * limit)
        .take(limit)
        .map(|s| detail::render_bms(&p.meta, s))
        .collect();
    json(
        200,
        &serde_json::json!({"count": selected.len(), "servers": servers}),
    )
}
