//! Finds which configured project holds each server id, so a bare id is enough on the
//! command line.

use super::AppError;
use super::context::{Context, Target};
use crate::cloud::wire::ServerDetail;

#[derive(Debug, Clone)]
pub struct Located {
    pub target: Target,
    pub server: ServerDetail,
}

/// Every id must be found in exactly one project; otherwise a usage error names the strays.
pub async fn locate(ctx: &Context, ids: &[String]) -> Result<Vec<Located>, AppError> {
    let mut found: Vec<Located> = Vec::new();
    for t in &ctx.targets {
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| !found.iter().any(|l| &l.server.id == *id))
            .cloned()
            .collect();
        if missing.is_empty() {
            break;
        }
        for server in ctx.cloud.servers_by_id(&t.project, &missing).await? {
            found.push(Located {
                target: t.clone(),
                server,
            });
        }
    }
    let strays: Vec<&String> = ids
        .iter()
        .filter(|id| !found.iter().any(|l| &l.server.id == *id))
        .collect();
    if !strays.is_empty() {
        let searched: Vec<&str> = ctx.targets.iter().map(|t| t.label.as_str()).collect();
        return Err(AppError::Usage(format!(
            "server(s) not found in the configured projects ({}): {}",
            searched.join(", "),
            strays
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    // Keep the order the user gave.
    found.sort_by_key(|l| ids.iter().position(|id| *id == l.server.id));
    Ok(found)
}
