//! The worker's half of "show Windows password": the key is read first (a bad key file
//! fails before any call, under the config's permission rule), then the stored copy is
//! fetched on the path of the server's kind and decrypted here. Clearing goes through the
//! change engine, written ahead to the trail.

use super::reset::{engine, project_of};
use super::{Events, WorkerOptions, describe};
use crate::cloud::wire::ServerDetail;
use crate::cloud::{Cloud, CloudError};
use crate::ops::Located;
use crate::ops::server_password::ClearError;
use crate::secret::Secret;
use crate::tui::msg::{Event, RequestId, Target};
use std::path::PathBuf;

pub async fn show(cloud: Cloud, id: RequestId, target: Target, key: PathBuf, tx: Events) {
    let outcome = fetch(&cloud, &target, key).await;
    let _ = tx.send(Event::WindowsPassword {
        id,
        server_id: target.server_id,
        outcome,
    });
}

async fn fetch(cloud: &Cloud, target: &Target, path: PathBuf) -> Result<Secret, String> {
    let shown = path.display().to_string();
    let key = tokio::task::spawn_blocking(move || crate::winpw::load_private_key(&path))
        .await
        .map_err(|e| format!("reading the key file stopped: {e}"))?
        .map_err(|e| e.to_string())?;
    let p = project_of(target).project;
    let stored = cloud
        .show_server_password_of(&p, &target.server_id, target.kind)
        .await
        .map_err(|e| format!("the stored copy could not be read: {}", describe(&e)))?
        .ok_or_else(|| {
            "no initial password is stored for this server: it was not created with a key \
             pair, or the stored copy was already cleared"
                .to_owned()
        })?;
    crate::winpw::decrypt(&key, &stored).map_err(|e| format!("key file {shown}: {e}"))
}

pub async fn clear(cloud: Cloud, opts: WorkerOptions, id: RequestId, target: Target, tx: Events) {
    let e = engine(&cloud, &opts, id, &tx);
    let located = Located {
        project: project_of(&target),
        server: ServerDetail {
            id: target.server_id.clone(),
            name: Some(target.name.clone()),
            kind: target.kind,
            ..ServerDetail::default()
        },
    };
    let outcome = match e.clear_server_password(&located).await {
        Ok(done) => Ok(done.request_id),
        Err(ClearError::NotSent(why)) => Err(format!("not sent, the stored copy is kept: {why}")),
        Err(ClearError::Cloud(c @ CloudError::OutcomeUnknown { .. })) => Err(format!(
            "it is unknown whether the stored copy was cleared: {}",
            describe(&c)
        )),
        Err(ClearError::Cloud(c)) => Err(format!(
            "the stored copy could not be cleared: {}",
            describe(&c)
        )),
    };
    let _ = tx.send(Event::ServerPasswordCleared {
        id,
        server_id: target.server_id,
        outcome,
    });
}
