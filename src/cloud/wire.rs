//! JSON bodies of the ECS and IAM APIs, shared by the client and the simulator so the two
//! cannot drift apart. Shapes follow the official SDK's models (`huaweicloudsdkecs.v2`,
//! `huaweicloudsdkiam.v3`). Responses deserialize leniently: unknown fields are ignored and
//! nearly every field is optional, because the real API adds fields over time.
//!
//! Request bodies that carry a password borrow it as `&str` for the instant of serialization
//! and implement `Debug` by hand, so no derive can ever print it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// `GET /v1/{project_id}/cloudservers/detail`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ListServersResponse {
    #[serde(default)]
    pub count: Option<u64>,
    #[serde(default)]
    pub servers: Vec<ServerDetail>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ServerDetail {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(
        rename = "OS-EXT-AZ:availability_zone",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub availability_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses: Option<BTreeMap<String, Vec<Address>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flavor: Option<Flavor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_project_id: Option<String>,
    #[serde(
        rename = "OS-EXT-STS:vm_state",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub vm_state: Option<String>,
    #[serde(rename = "OS-EXT-STS:task_state", default)]
    pub task_state: Option<String>,
    #[serde(
        rename = "OS-EXT-STS:power_state",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub power_state: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<serde_json::Value>,
    /// Which API listed it; never on the wire. The BMS list answers this same shape (SDK
    /// `ServerDetails`), and [`crate::cloud::bms`] sets it, so one record serves both kinds.
    #[serde(skip)]
    pub kind: super::kind::ServerKind,
}

impl ServerDetail {
    /// `Linux`, `Windows`, or whatever the metadata says; `None` when absent.
    pub fn os_type(&self) -> Option<&str> {
        self.metadata.as_ref()?.get("os_type").map(String::as_str)
    }

    /// The primary fixed IPv4 address, else any fixed address, else any address.
    pub fn private_ip(&self) -> Option<&str> {
        private_ip(self.addresses.as_ref()?.values().flatten())
    }

    pub fn floating_ip(&self) -> Option<&str> {
        floating_ip(self.addresses.as_ref()?.values().flatten())
    }
}

/// [`ServerDetail::private_ip`] over any list of addresses.
pub fn private_ip<'a>(addresses: impl Iterator<Item = &'a Address>) -> Option<&'a str> {
    let all: Vec<&Address> = addresses.collect();
    let fixed = |a: &&Address| a.ip_type.as_deref() != Some("floating");
    all.iter()
        .copied()
        .find(|a| fixed(a) && a.version.as_deref() == Some("4") && a.primary.unwrap_or(false))
        .or_else(|| all.iter().copied().find(fixed))
        .or_else(|| all.first().copied())
        .map(|a| a.addr.as_str())
}

/// [`ServerDetail::floating_ip`] over any list of addresses.
pub fn floating_ip<'a>(mut addresses: impl Iterator<Item = &'a Address>) -> Option<&'a str> {
    addresses
        .find(|a| a.ip_type.as_deref() == Some("floating"))
        .map(|a| a.addr.as_str())
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub addr: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    #[serde(
        rename = "OS-EXT-IPS:type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ip_type: Option<String>,
    #[serde(
        rename = "OS-EXT-IPS-MAC:mac_addr",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mac_addr: Option<String>,
}

/// Flavor sizes are strings on the wire (`"4096"`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Flavor {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcpus: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ram: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ImageRef {
    pub id: String,
}

/// `GET .../os-resetpwd-flag`: the flag is the *string* `"True"` or `"False"`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResetFlagResponse {
    pub resetpwd_flag: String,
}

impl ResetFlagResponse {
    /// `Some(true/false)` for the documented values, `None` for anything else.
    pub fn supported(&self) -> Option<bool> {
        match self.resetpwd_flag.trim() {
            s if s.eq_ignore_ascii_case("true") => Some(true),
            s if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }
}

/// `PUT .../os-reset-password`.
#[derive(Serialize, Deserialize)]
pub struct ResetPasswordRequest<'a> {
    #[serde(rename = "reset-password", borrow)]
    pub reset_password: ResetPasswordOption<'a>,
}

#[derive(Serialize, Deserialize)]
pub struct ResetPasswordOption<'a> {
    #[serde(borrow)]
    pub new_password: std::borrow::Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_check_password: Option<bool>,
}

impl fmt::Debug for ResetPasswordOption<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResetPasswordOption")
            .field("new_password", &"***")
            .field("is_check_password", &self.is_check_password)
            .finish()
    }
}

impl fmt::Debug for ResetPasswordRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.reset_password.fmt(f)
    }
}

/// `PUT /v1/{project_id}/cloudservers/os-reset-passwords` (batch; flat body, no wrapper).
#[derive(Serialize, Deserialize)]
pub struct BatchResetPasswordRequest<'a> {
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub new_password: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    pub servers: Vec<ServerId>,
}

impl fmt::Debug for BatchResetPasswordRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchResetPasswordRequest")
            .field("new_password", &self.new_password.as_ref().map(|_| "***"))
            .field("dry_run", &self.dry_run)
            .field("servers", &self.servers)
            .finish()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct BatchResetPasswordResponse {
    #[serde(default)]
    pub response: Vec<ServerId>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ServerId {
    pub id: String,
}

/// `POST /v1/{project_id}/cloudservers/action` with a `reboot` key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BatchRebootRequest {
    pub reboot: RebootOption,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RebootOption {
    #[serde(rename = "type")]
    pub kind: RebootType,
    pub servers: Vec<ServerId>,
}

/// `POST /v1/{project_id}/cloudservers/action` with `os-start` (section 9.3).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BatchStartRequest {
    #[serde(rename = "os-start")]
    pub start: StartOption,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StartOption {
    pub servers: Vec<ServerId>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "UPPERCASE")]
pub enum RebootType {
    Soft,
    Hard,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JobCreated {
    pub job_id: String,
}

/// `GET /v1/{project_id}/jobs/{job_id}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct JobResponse {
    #[serde(default)]
    pub job_id: Option<String>,
    #[serde(default)]
    pub job_type: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub begin_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub fail_reason: Option<String>,
    #[serde(default)]
    pub entities: Option<JobEntities>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct JobEntities {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_jobs_total: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_jobs: Option<Vec<SubJob>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SubJob {
    #[serde(default)]
    pub job_id: Option<String>,
    #[serde(default)]
    pub job_type: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub begin_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub fail_reason: Option<String>,
    #[serde(default)]
    pub entities: Option<SubJobEntities>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SubJobEntities {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errorcode_message: Option<String>,
}

/// `GET /v3/auth/projects` and `GET /v3/projects`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ProjectsResponse {
    #[serde(default)]
    pub projects: Vec<Project>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Project {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_domain: Option<bool>,
    #[serde(default = "default_true")]
    pub enabled: bool,
}

fn default_true() -> bool {
    true
}

impl Project {
    /// The region a project belongs to: the part of its name before the first `_`.
    pub fn region(&self) -> &str {
        self.name.split('_').next().unwrap_or(&self.name)
    }
}

/// ECS service error: `{"error": {"code": "Ecs.0114", "message": "..."}}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EcsErrorBody {
    pub error: EcsError,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EcsError {
    pub code: String,
    pub message: String,
}

/// API gateway error: `{"error_code": "APIGW.0308", "error_msg": "...", "request_id": "..."}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GatewayErrorBody {
    pub error_code: String,
    pub error_msg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/tests/data/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn list_fixture_parses_with_os_and_addresses() {
        let list: ListServersResponse =
            serde_json::from_str(&fixture("ecs-list-servers-detail-page1.json")).unwrap();
        assert_eq!(list.count, Some(3));
        assert_eq!(list.servers.len(), 3);
        let win = &list.servers[0];
        assert_eq!(win.os_type(), Some("Windows"));
        assert_eq!(win.private_ip(), Some("192.168.0.21"));
        assert_eq!(win.floating_ip(), Some("121.36.45.210"));
        assert_eq!(win.availability_zone.as_deref(), Some("cn-north-4a"));
    }

    #[test]
    fn reset_flag_is_a_capitalised_string() {
        let t: ResetFlagResponse =
            serde_json::from_str(&fixture("ecs-reset-flag-true.json")).unwrap();
        let f: ResetFlagResponse =
            serde_json::from_str(&fixture("ecs-reset-flag-false.json")).unwrap();
        assert_eq!((t.supported(), f.supported()), (Some(true), Some(false)));
        let odd = ResetFlagResponse {
            resetpwd_flag: "maybe".into(),
        };
        assert_eq!(odd.supported(), None);
    }

    #[test]
    fn jobs_and_projects_parse() {
        let job: JobResponse = serde_json::from_str(&fixture("ecs-job-failed.json")).unwrap();
        assert_eq!(job.status.as_deref(), Some("FAIL"));
        assert_eq!(job.entities.unwrap().sub_jobs.unwrap().len(), 2);
        let p: ProjectsResponse = serde_json::from_str(&fixture("iam-auth-projects.json")).unwrap();
        assert!(
            p.projects
                .iter()
                .any(|p| p.name == "cn-north-4_prod" && p.region() == "cn-north-4")
        );
    }

    #[test]
    fn request_bodies_match_the_sdk_fixtures_and_hide_the_password() {
        let text = fixture("ecs-reset-password-request.json");
        let req: ResetPasswordRequest = serde_json::from_str(&text).unwrap();
        assert_eq!(req.reset_password.is_check_password, Some(true));
        assert!(!format!("{req:?}").contains(&*req.reset_password.new_password));
        let reboot: BatchRebootRequest =
            serde_json::from_str(&fixture("ecs-batch-reboot-request.json")).unwrap();
        assert_eq!(reboot.reboot.kind, RebootType::Soft);
        let again: serde_json::Value = serde_json::to_value(&reboot).unwrap();
        let orig: serde_json::Value =
            serde_json::from_str(&fixture("ecs-batch-reboot-request.json")).unwrap();
        assert_eq!(again, orig);
    }
}
