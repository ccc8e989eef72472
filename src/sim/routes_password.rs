//! `GET`/`DELETE .../{cloudservers,baremetalservers}/{server_id}/os-server-password`: the
//! initial Windows password Cloudbase-init stored, encrypted to the server's key pair.
//!
//! A Windows server of the fleet that has a `key_name` gets one random password at start-up,
//! encrypted to [`super::SimConfig::windows_key`] (the simulator cannot know a real key pair's
//! public key, so it is given one). Without that key nothing is stored and GET answers an
//! empty password, as the API does for a server that never had one. DELETE clears it for good.

use super::gateway::Shared;
use super::lock;
use super::reply::{json, no_content, project_not_found, server_not_found};
use crate::cloud::ServerKind;
use crate::cloud::server_password::ServerPasswordResponse;
use crate::secret::Secret;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// The stored copies, by server id: the plain password (for tests to compare) and the
/// base64 ciphertext the API hands out.
#[derive(Default)]
pub(crate) struct Store {
    stored: Mutex<HashMap<String, (Secret, String)>>,
}

impl Store {
    pub(crate) fn new(fleet: &super::Fleet, key: Option<&rsa::RsaPublicKey>) -> Self {
        let Some(key) = key else {
            return Self::default();
        };
        let mut rng = rand::rng();
        let stored = fleet
            .projects
            .iter()
            .flat_map(|p| &p.servers)
            .filter(|s| s.os_type == "Windows" && s.key_name.is_some())
            .map(|s| {
                let plain = crate::password::generate(&mut rng);
                let cipher = crate::winpw::encrypt(key, &plain)
                    .expect("a generated password fits any RSA key of 1024 bits or more");
                (s.id.clone(), (plain, cipher))
            })
            .collect();
        Self {
            stored: Mutex::new(stored),
        }
    }

    /// The plain password still stored for a server.
    pub(crate) fn plain(&self, server: &str) -> Option<Secret> {
        lock(&self.stored).get(server).map(|(p, _)| p.clone())
    }
}

/// The 404 for an unknown project or server, as every other server-scoped ECS call answers.
fn unknown(
    shared: &Shared,
    kind: ServerKind,
    project: &str,
    server: &str,
) -> Option<axum::response::Response> {
    let mut world = lock(&shared.world);
    if world.project(project).is_none() {
        return Some(project_not_found(project));
    }
    match world.server_of(project, server, kind, Instant::now()) {
        None => Some(server_not_found(server)),
        Some(_) => None,
    }
}

/// `GET`: `{"password": "<base64>"}`, or `{"password": ""}` when nothing is stored.
pub(crate) fn show(
    shared: &Shared,
    kind: ServerKind,
    project: &str,
    server: &str,
) -> axum::response::Response {
    if let Some(r) = unknown(shared, kind, project, server) {
        return r;
    }
    let password = lock(&shared.windows_passwords.stored)
        .get(server)
        .map(|(_, c)| c.clone())
        .unwrap_or_default();
    json(
        200,
        &ServerPasswordResponse {
            password: Some(password),
        },
    )
}

/// `DELETE`: 204 whether or not a copy was stored [ASSUMED: the docs give no error for
/// clearing an empty record].
pub(crate) fn delete(
    shared: &Shared,
    kind: ServerKind,
    project: &str,
    server: &str,
) -> axum::response::Response {
    if let Some(r) = unknown(shared, kind, project, server) {
        return r;
    }
    if lock(&shared.windows_passwords.stored)
        .remove(server)
        .is_some()
    {
        tracing::debug!(project, server, "stored Windows password cleared");
    }
    no_content()
}
