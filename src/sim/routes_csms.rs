//! CSMS secrets (section 9.8): create a secret, add a version, list versions, show one, over
//! the client's own [`crate::cloud::csms`] types. Values are kept in [`Secret`]s per project
//! and name, versions `v1`, `v2`, … with the stages `SYSCURRENT` / `SYSPREVIOUS` moving as
//! the API documents.
//!
//! Error bodies are flat `error_code` / `error_msg` [ASSUMED shape]. Codes are the documented
//! ones (`CSMS.0106` no such secret, `CSMS.0107` pending deletion, `CSMS.0002`/`CSMS.0004`
//! bad parameter or body); "already exists" has no documented code, so it answers
//! `CSMS.0002` [ASSUMED]. An unknown project answers `CSMS.0003` [ASSUMED], never a 404 a
//! client would take for a missing secret.

use super::gateway::Shared;
use super::lock;
use super::reply::json;
use crate::cloud::csms::{
    CreateSecretRequest, CreateSecretResponse, CreateSecretVersionRequest,
    CreateSecretVersionResponse, ListSecretVersionsResponse, SecretInfo, VersionMetadata,
};
use crate::cloud::wire::GatewayErrorBody;
use crate::escrow::csms::is_secret_name;
use crate::secret::Secret;
use axum::response::Response;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;

/// The largest value, in bytes (`secret_string` ≤ 32K per the SDK docstring).
const MAX_VALUE: usize = 32 * 1024;
const CURRENT: &str = "SYSCURRENT";
const PREVIOUS: &str = "SYSPREVIOUS";
const DEFAULT_KEY: &str = "csms/default";

/// Every secret, by (project id, name).
#[derive(Default)]
pub(crate) struct Store {
    secrets: Mutex<HashMap<(String, String), Stored>>,
}

struct Stored {
    id: String,
    state: &'static str,
    description: Option<String>,
    create_time: i64,
    versions: Vec<Version>,
}

struct Version {
    id: String,
    value: Secret,
    create_time: i64,
    stages: Vec<String>,
}

impl Store {
    /// The values of a secret's versions, oldest first; empty when there is no such secret.
    pub(crate) fn values(&self, project: &str, name: &str) -> Vec<Secret> {
        lock(&self.secrets)
            .get(&(project.to_owned(), name.to_owned()))
            .map(|s| s.versions.iter().map(|v| v.value.clone()).collect())
            .unwrap_or_default()
    }

    /// Every secret name of a project, sorted.
    pub(crate) fn names(&self, project: &str) -> Vec<String> {
        let mut n: Vec<String> = lock(&self.secrets)
            .keys()
            .filter(|(p, _)| p == project)
            .map(|(_, n)| n.clone())
            .collect();
        n.sort();
        n
    }

    /// What `DeleteSecretForSchedule` leaves: the secret in `PENDING_DELETE`, refusing use.
    pub(crate) fn schedule_deletion(&self, project: &str, name: &str) -> bool {
        match lock(&self.secrets).get_mut(&(project.to_owned(), name.to_owned())) {
            Some(s) => {
                s.state = "PENDING_DELETE";
                true
            }
            None => false,
        }
    }
}

fn error(status: u16, code: &str, msg: impl Into<String>) -> Response {
    json(
        status,
        &GatewayErrorBody {
            error_code: code.to_owned(),
            error_msg: msg.into(),
            request_id: None,
        },
    )
}

fn missing(name: &str) -> Response {
    error(
        400,
        "CSMS.0106",
        format!("The secret name not found int the db: {name}."),
    )
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The project must be one of the fleet's.
fn known_project(shared: &Shared, project: &str) -> Option<Response> {
    let unknown = lock(&shared.world).project(project).is_none();
    unknown.then(|| error(400, "CSMS.0003", format!("project {project} is not valid.")))
}

/// Exactly one of text and binary, within the size limit.
fn value_of(text: Option<&str>, binary: Option<&str>) -> Result<Secret, Box<Response>> {
    let v = match (text, binary) {
        (Some(t), None) => t,
        (None, Some(b)) => b,
        _ => {
            return Err(Box::new(error(
                400,
                "CSMS.0002",
                "The value of parameter is invalid: exactly one of secret_string and secret_binary.",
            )));
        }
    };
    if v.is_empty() || v.len() > MAX_VALUE {
        return Err(Box::new(error(
            400,
            "CSMS.0002",
            "The value of parameter is invalid: the secret value must hold 1 to 32768 bytes.",
        )));
    }
    Ok(Secret::new(v))
}

fn metadata(name: &str, v: &Version) -> VersionMetadata {
    VersionMetadata {
        id: v.id.clone(),
        create_time: Some(v.create_time),
        expire_time: None,
        kms_key_id: Some(DEFAULT_KEY.to_owned()),
        secret_name: Some(name.to_owned()),
        version_stages: v.stages.clone(),
    }
}

/// `POST /v1/{project_id}/secrets`: the value becomes version `v1`, stage `SYSCURRENT`.
pub(crate) fn create(shared: &Shared, project: &str, body: &[u8]) -> Response {
    if let Some(r) = known_project(shared, project) {
        return r;
    }
    let Ok(req) = serde_json::from_slice::<CreateSecretRequest>(body) else {
        return error(400, "CSMS.0004", "The requested body format is wrong.");
    };
    if !is_secret_name(&req.name) {
        return error(
            400,
            "CSMS.0002",
            "The value of parameter is invalid: name must match ^[a-zA-Z0-9_-]{1,64}$.",
        );
    }
    let value = match value_of(req.secret_string.as_deref(), req.secret_binary.as_deref()) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let mut secrets = lock(&shared.secrets.secrets);
    let key = (project.to_owned(), req.name.clone().into_owned());
    if secrets.contains_key(&key) {
        return error(400, "CSMS.0002", "The secret already exists.");
    }
    let t = now();
    let stored = Stored {
        id: uuid_like(),
        state: "ENABLED",
        description: req.description.map(std::borrow::Cow::into_owned),
        create_time: t,
        versions: vec![Version {
            id: "v1".into(),
            value,
            create_time: t,
            stages: vec![CURRENT.into()],
        }],
    };
    let info = info(&key.1, &stored);
    secrets.insert(key, stored);
    json(200, &CreateSecretResponse { secret: info })
}

fn info(name: &str, s: &Stored) -> SecretInfo {
    SecretInfo {
        id: Some(s.id.clone()),
        name: name.to_owned(),
        state: Some(s.state.to_owned()),
        kms_key_id: Some(DEFAULT_KEY.to_owned()),
        description: s.description.clone(),
        create_time: Some(s.create_time),
        update_time: Some(s.versions.last().map_or(s.create_time, |v| v.create_time)),
        secret_type: Some("COMMON".into()),
    }
}

/// `POST .../secrets/{secret_name}/versions`: a new version takes its stages (default
/// `SYSCURRENT`) from the others; the one that was current becomes `SYSPREVIOUS`.
pub(crate) fn create_version(shared: &Shared, project: &str, name: &str, body: &[u8]) -> Response {
    if let Some(r) = known_project(shared, project) {
        return r;
    }
    let Ok(req) = serde_json::from_slice::<CreateSecretVersionRequest>(body) else {
        return error(400, "CSMS.0004", "The requested body format is wrong.");
    };
    let value = match value_of(req.secret_string.as_deref(), req.secret_binary.as_deref()) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let stages = req.version_stages.unwrap_or_else(|| vec![CURRENT.into()]);
    if stages.is_empty() || stages.len() > 12 || stages.iter().any(|s| s.is_empty() || s.len() > 64)
    {
        return error(
            400,
            "CSMS.0002",
            "The value of parameter is invalid: version_stages.",
        );
    }
    let mut secrets = lock(&shared.secrets.secrets);
    let Some(s) = secrets.get_mut(&(project.to_owned(), name.to_owned())) else {
        return missing(name);
    };
    if s.state == "PENDING_DELETE" {
        return error(400, "CSMS.0107", "The secret is in schedule delete state.");
    }
    let becomes_current = stages.iter().any(|st| st == CURRENT);
    for v in &mut s.versions {
        if becomes_current {
            v.stages.retain(|st| st != PREVIOUS);
            if v.stages.iter().any(|st| st == CURRENT) {
                v.stages.retain(|st| st != CURRENT);
                v.stages.push(PREVIOUS.into());
            }
        }
        v.stages.retain(|st| !stages.contains(st) || st == PREVIOUS);
    }
    let v = Version {
        id: format!("v{}", s.versions.len() + 1),
        value,
        create_time: now(),
        stages,
    };
    let meta = metadata(name, &v);
    s.versions.push(v);
    json(
        200,
        &CreateSecretVersionResponse {
            version_metadata: meta,
        },
    )
}

/// `GET .../secrets/{secret_name}/versions`: metadata of every version, never a value.
pub(crate) fn list_versions(shared: &Shared, project: &str, name: &str) -> Response {
    if let Some(r) = known_project(shared, project) {
        return r;
    }
    let secrets = lock(&shared.secrets.secrets);
    let Some(s) = secrets.get(&(project.to_owned(), name.to_owned())) else {
        return missing(name);
    };
    json(
        200,
        &ListSecretVersionsResponse {
            version_metadatas: s.versions.iter().map(|v| metadata(name, v)).collect(),
        },
    )
}

#[derive(Serialize)]
struct ShowVersion<'a> {
    version: VersionBody<'a>,
}

#[derive(Serialize)]
struct VersionBody<'a> {
    version_metadata: VersionMetadata,
    secret_string: &'a str,
}

/// `GET .../secrets/{secret_name}/versions/{version_id}`; `latest` is the newest version.
/// Only an `ENABLED` secret shows a value.
pub(crate) fn show_version(shared: &Shared, project: &str, name: &str, version: &str) -> Response {
    if let Some(r) = known_project(shared, project) {
        return r;
    }
    let secrets = lock(&shared.secrets.secrets);
    let Some(s) = secrets.get(&(project.to_owned(), name.to_owned())) else {
        return missing(name);
    };
    if s.state != "ENABLED" {
        return error(400, "CSMS.0107", "The secret is in schedule delete state.");
    }
    let found = if version == "latest" {
        s.versions.last()
    } else {
        s.versions.iter().find(|v| v.id == version)
    };
    let Some(v) = found else {
        return error(400, "CSMS.0005", "The resource does not exist.");
    };
    json(
        200,
        &ShowVersion {
            version: VersionBody {
                version_metadata: metadata(name, v),
                secret_string: v.value.expose(),
            },
        },
    )
}

fn uuid_like() -> String {
    let b: [u8; 16] = rand::random();
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}
