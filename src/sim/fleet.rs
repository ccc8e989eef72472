//! The simulated fleet: projects (as IAM lists them) and their servers (as ECS holds them).
//!
//! # JSON format (`--fleet FILE`, `assets/demo-fleet.json`)
//!
//! ```json
//! { "projects": [
//!     { "id": "0a1b…(32 hex)", "name": "cn-north-4", "region": "cn-north-4",
//!       "domain_id": "9f8e…(32 hex)", "enabled": true,
//!       "parent_id": null, "description": "",
//!       "servers": [
//!         { "id": "6a3f1c2e-8b7d-4e5f-9a0b-1c2d3e4f5a6b", "name": "web-01",
//!           "status": "ACTIVE", "os_type": "Linux", "reset_supported": true,
//!           "flavor": "s6.large.2", "availability_zone": "cn-north-4a",
//!           "private_ip": "192.168.0.21", "floating_ip": null,
//!           "image_name": "Ubuntu 22.04 server 64bit", "created": "2024-11-04T08:12:45Z",
//!           "description": "", "tags": ["env=prod"], "key_name": null } ] } ] }
//! ```
//!
//! Required: project `id`, `name`, `domain_id`; server `id`, `name`, `os_type` (`Linux` or
//! `Windows`), `private_ip` (IPv4). Everything else has a default: `enabled` true, `region`
//! the part of `name` before the first `_` when that is a known region id (else none: an
//! IAM-only project such as `MOS`), `parent_id` the region's project for `region_suffix`
//! sub-projects (else the domain), `status` `ACTIVE`, `reset_supported` true, `flavor`
//! `s6.large.2` (sizes are derived from the name: `large` = 2 vCPUs, `.2` = 2 GiB per vCPU),
//! `availability_zone` region + `a`, `image_name` a stock image of the OS. Unknown keys are
//! rejected so typos surface. Server ids must be unique across the whole fleet.
//! `"kind": "BMS"` makes a bare-metal server, served under `baremetalservers` only, with a
//! `physical.<family>.<size>` flavor (default `physical.s4.3xlarge`).

use super::SimError;
use crate::cloud::ServerKind;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::path::Path;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fleet {
    pub projects: Vec<SimProject>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimProject {
    pub id: String,
    /// A region id (`cn-north-4`), `region_suffix` (`cn-north-4_prod`) or e.g. `MOS`.
    pub name: String,
    /// `None` for a project that is not tied to a region (IAM only, no ECS endpoint).
    #[serde(default)]
    pub region: Option<String>,
    pub domain_id: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub parent_id: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub servers: Vec<SimServer>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimServer {
    pub id: String,
    pub name: String,
    #[serde(default = "active")]
    pub status: String,
    pub os_type: String,
    #[serde(default = "yes")]
    pub reset_supported: bool,
    #[serde(default = "default_flavor")]
    pub flavor: String,
    #[serde(default)]
    pub availability_zone: String,
    pub private_ip: String,
    #[serde(default)]
    pub floating_ip: Option<String>,
    #[serde(default)]
    pub image_name: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub key_name: Option<String>,
    /// Locked against changes (ECS `locked`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub locked: bool,
    /// `"BMS"` for a bare-metal server, served under `baremetalservers` only; default ECS.
    #[serde(default, skip_serializing_if = "is_ecs")]
    pub kind: ServerKind,
}

// serde's skip_serializing_if hands a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_ecs(k: &ServerKind) -> bool {
    *k == ServerKind::Ecs
}

fn yes() -> bool {
    true
}

fn active() -> String {
    "ACTIVE".into()
}

fn default_flavor() -> String {
    "s6.large.2".into()
}

/// Region ids of section 1 of the API doc, in the order generated fleets use them.
pub const REGIONS: &[&str] = &[
    "cn-north-4",
    "cn-east-3",
    "ap-southeast-1",
    "cn-south-1",
    "ap-southeast-3",
    "cn-southwest-2",
    "af-south-1",
    "la-north-2",
    "sa-brazil-1",
    "tr-west-1",
    "me-east-1",
    "ap-southeast-2",
    "cn-north-1",
    "cn-east-2",
    "ap-southeast-4",
    "la-south-2",
    "na-mexico-1",
    "eu-west-101",
    "eu-west-0",
    "ru-moscow-1",
];

impl Fleet {
    /// Reads and validates a fleet file; every error names the file.
    pub fn load(path: &Path) -> Result<Fleet, SimError> {
        let err = |message: String| SimError::Fleet {
            path: path.to_owned(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        Fleet::parse(&text).map_err(err)
    }

    /// The bundled demo fleet (`assets/demo-fleet.json`).
    pub fn demo() -> Fleet {
        Fleet::parse(include_str!("../../assets/demo-fleet.json"))
            .expect("assets/demo-fleet.json is valid (checked by a unit test)")
    }

    /// Parses JSON text, fills defaults and checks consistency.
    pub fn parse(text: &str) -> Result<Fleet, String> {
        let mut fleet: Fleet = serde_json::from_str(text).map_err(|e| e.to_string())?;
        fleet.normalize()?;
        Ok(fleet)
    }

    pub fn server_count(&self) -> usize {
        self.projects.iter().map(|p| p.servers.len()).sum()
    }

    /// Fills derived defaults and rejects duplicates and malformed values.
    pub fn normalize(&mut self) -> Result<(), String> {
        let mut project_ids = HashSet::new();
        let mut server_ids = HashSet::new();
        let by_name: Vec<(String, String)> = self
            .projects
            .iter()
            .map(|p| (p.name.clone(), p.id.clone()))
            .collect();
        for p in &mut self.projects {
            if p.id.is_empty() || !project_ids.insert(p.id.clone()) {
                return Err(format!("project id {:?} is empty or repeated", p.id));
            }
            let prefix = p.name.split('_').next().unwrap_or_default().to_owned();
            if p.region.is_none() && REGIONS.contains(&prefix.as_str()) {
                p.region = Some(prefix.clone());
            }
            if p.parent_id.is_none() {
                let parent = by_name.iter().find(|(n, _)| *n == prefix && *n != p.name);
                p.parent_id = Some(parent.map_or(p.domain_id.clone(), |(_, id)| id.clone()));
            }
            for s in &mut p.servers {
                check_server(s, p.region.as_deref())
                    .map_err(|m| format!("project {:?}, server {:?}: {m}", p.name, s.id))?;
                if !server_ids.insert(s.id.clone()) {
                    return Err(format!("server id {:?} appears twice", s.id));
                }
            }
        }
        Ok(())
    }
}

fn check_server(s: &mut SimServer, region: Option<&str>) -> Result<(), String> {
    if s.id.is_empty() || s.id.contains('/') {
        return Err("id must be non-empty and contain no '/'".into());
    }
    if s.os_type != "Linux" && s.os_type != "Windows" {
        return Err(format!("os_type {:?} is not Linux or Windows", s.os_type));
    }
    if s.status.is_empty() || s.status != s.status.to_ascii_uppercase() {
        return Err(format!("status {:?} must be upper-case", s.status));
    }
    s.private_ip
        .parse::<Ipv4Addr>()
        .map_err(|_| format!("private_ip {:?} is not an IPv4 address", s.private_ip))?;
    if s.kind == ServerKind::Bms {
        if s.flavor == default_flavor() {
            s.flavor = BMS_FLAVOR.into();
        }
        bms_flavor_size(&s.flavor)
            .ok_or_else(|| format!("flavor {:?} is not like {BMS_FLAVOR}", s.flavor))?;
    } else {
        flavor_size(&s.flavor)
            .ok_or_else(|| format!("flavor {:?} is not like s6.large.2", s.flavor))?;
    }
    if s.availability_zone.is_empty() {
        s.availability_zone = format!("{}a", region.unwrap_or("az1"));
    }
    if s.image_name.is_none() {
        s.image_name = Some(if s.os_type == "Windows" {
            "Windows Server 2019 Datacenter 64bit English".into()
        } else {
            "Ubuntu 22.04 server 64bit".into()
        });
    }
    Ok(())
}

/// The flavor a bare-metal server gets when the fleet names none.
pub const BMS_FLAVOR: &str = "physical.s4.3xlarge";

/// `(vcpus, ram MiB)` of a bare-metal flavor `physical.<family>.<size>`: `physical.` and the
/// ECS size words, one whole host, so 12 vCPUs and 8 GiB per vCPU for each `xlarge`.
pub fn bms_flavor_size(flavor: &str) -> Option<(u32, u32)> {
    let rest = flavor.strip_prefix("physical.")?;
    let (_family, size) = rest.split_once('.')?;
    let (vcpus, _) = flavor_size(&format!("x.{size}.1"))?;
    Some((vcpus * 3, vcpus * 3 * 8 * 1024))
}

/// `(vcpus, ram MiB)` from a flavor name like `c7.2xlarge.4` (size, then GiB per vCPU).
pub fn flavor_size(flavor: &str) -> Option<(u32, u32)> {
    let mut parts = flavor.split('.');
    let (_family, size, ratio) = (parts.next()?, parts.next()?, parts.next()?);
    let vcpus = match size {
        "small" | "medium" => 1,
        "large" => 2,
        "xlarge" => 4,
        other => other.strip_suffix("xlarge")?.parse::<u32>().ok()? * 4,
    };
    let ratio: u32 = ratio.parse().ok()?;
    Some((vcpus, vcpus * ratio * 1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_fleet_parses_and_is_varied() {
        let f = Fleet::demo();
        assert!(f.projects.len() >= 3);
        let servers: Vec<&SimServer> = f.projects.iter().flat_map(|p| &p.servers).collect();
        assert!((35..=50).contains(&servers.len()));
        assert!(servers.iter().any(|s| s.os_type == "Windows"));
        assert!(servers.iter().any(|s| s.status == "SHUTOFF"));
        assert!(servers.iter().any(|s| !s.reset_supported));
        assert!(servers.iter().any(|s| s.name.len() > 40));
    }

    #[test]
    fn defaults_are_derived() {
        let f = Fleet::parse(
            r#"{"projects":[{"id":"p1","name":"cn-north-4","domain_id":"d"},
            {"id":"p2","name":"cn-north-4_prod","domain_id":"d","servers":[
              {"id":"s1","name":"web","os_type":"Linux","private_ip":"10.0.0.1"}]},
            {"id":"p3","name":"MOS","domain_id":"d"}]}"#,
        )
        .unwrap();
        let p2 = &f.projects[1];
        assert_eq!(p2.region.as_deref(), Some("cn-north-4"));
        assert_eq!(p2.parent_id.as_deref(), Some("p1"));
        assert_eq!(p2.servers[0].availability_zone, "cn-north-4a");
        assert_eq!(f.projects[2].region, None);
        assert_eq!(f.projects[2].parent_id.as_deref(), Some("d"));
    }

    #[test]
    fn errors_name_the_problem() {
        let dup = r#"{"projects":[{"id":"p","name":"x","domain_id":"d","servers":[
            {"id":"s","name":"a","os_type":"Linux","private_ip":"10.0.0.1"},
            {"id":"s","name":"b","os_type":"Linux","private_ip":"10.0.0.2"}]}]}"#;
        assert!(Fleet::parse(dup).unwrap_err().contains("appears twice"));
        let bad_os = r#"{"projects":[{"id":"p","name":"x","domain_id":"d","servers":[
            {"id":"s","name":"a","os_type":"BSD","private_ip":"10.0.0.1"}]}]}"#;
        assert!(Fleet::parse(bad_os).unwrap_err().contains("BSD"));
        assert!(Fleet::parse(r#"{"projects":[],"x":1}"#).is_err());
        let e = Fleet::load(Path::new("/nonexistent/fleet.json")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/fleet.json"));
    }

    #[test]
    fn flavor_sizes() {
        assert_eq!(flavor_size("s6.large.2"), Some((2, 4096)));
        assert_eq!(flavor_size("s6.medium.2"), Some((1, 2048)));
        assert_eq!(flavor_size("c7.2xlarge.4"), Some((8, 32768)));
        assert_eq!(flavor_size("bogus"), None);
        assert_eq!(bms_flavor_size("physical.s4.3xlarge"), Some((36, 294_912)));
        assert_eq!(bms_flavor_size("s6.large.2"), None);
    }

    #[test]
    fn bare_metal_servers_are_marked_and_get_a_physical_flavor() {
        let f = Fleet::parse(
            r#"{"projects":[{"id":"p","name":"cn-north-4","domain_id":"d","servers":[
              {"id":"b","name":"bms","os_type":"Linux","private_ip":"10.0.0.1","kind":"BMS"},
              {"id":"e","name":"ecs","os_type":"Linux","private_ip":"10.0.0.2"}]}]}"#,
        )
        .unwrap();
        let s = &f.projects[0].servers;
        assert_eq!(
            (s[0].kind, s[0].flavor.as_str()),
            (ServerKind::Bms, BMS_FLAVOR)
        );
        assert_eq!(s[1].kind, ServerKind::Ecs);
        let bad = r#"{"projects":[{"id":"p","name":"x","domain_id":"d","servers":[
            {"id":"b","name":"a","os_type":"Linux","private_ip":"10.0.0.1","kind":"BMS",
             "flavor":"s6.large.2x"}]}]}"#;
        assert!(Fleet::parse(bad).unwrap_err().contains("physical."));
    }
}
