//! Finds which configured project holds each server id, so a bare id is enough on the
//! command line. The change engine's own lookup: each id in exactly one project, answers cut
//! to the ids asked for.

use super::AppError;
use super::context::Context;
pub use crate::ops::Located;
use crate::ops::engine::{Engine, Options};

/// Every id must be found in exactly one project; otherwise a locate error names the strays.
pub async fn locate(ctx: &Context, ids: &[String]) -> Result<Vec<Located>, AppError> {
    let engine = Engine::new(
        ctx.cloud.clone(),
        Options::default(),
        std::sync::Arc::new(|_| {}),
    );
    Ok(engine.locate(&ctx.targets, ids).await?)
}
