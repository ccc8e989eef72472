//! Deterministic generated fleets: believable names, OS mix, statuses and network data, so a
//! large simulated fleet looks like a real account in the TUI and exercises paging.

use super::fleet::{Fleet, REGIONS, SimProject, SimServer};
use crate::cloud::ServerKind;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const LINUX_ROLES: &[&str] = &[
    "web",
    "api",
    "db-primary",
    "db-replica",
    "cache",
    "bastion",
    "ci-runner",
    "k8s-node",
    "mq",
    "etl",
    "monitor",
    "log",
    "nginx-lb",
    "gitlab",
    "batch",
    "search",
    "gateway",
    "worker",
];
const WINDOWS_ROLES: &[&str] = &[
    "win-ad",
    "win-rdp",
    "win-iis",
    "win-sql",
    "win-file",
    "win-build",
];
const LINUX_IMAGES: &[&str] = &[
    "Ubuntu 22.04 server 64bit",
    "CentOS 7.9 64bit",
    "EulerOS 2.9 64bit",
    "Huawei Cloud EulerOS 2.0 Standard 64 bit",
    "Debian 12.0.0 64bit",
];
const WINDOWS_IMAGES: &[&str] = &[
    "Windows Server 2019 Datacenter 64bit English",
    "Windows Server 2022 Datacenter 64bit English",
];
const FLAVORS: &[&str] = &[
    "s6.medium.2",
    "s6.large.2",
    "s6.xlarge.2",
    "c7.large.2",
    "c7.xlarge.2",
    "c7.2xlarge.4",
    "m7.xlarge.8",
];
const SUFFIXES: &[&str] = &["prod", "dev", "test", "staging", "ops", "data", "sandbox"];

impl Fleet {
    /// A fleet of `projects` projects with `servers_per_project` servers each, the same for
    /// the same seed. Project names are real region ids, then `region_suffix` sub-projects
    /// once every region is used; an IAM-only `MOS` project and a disabled project (both
    /// without servers) are added, like a real account's project list.
    pub fn generate(projects: usize, servers_per_project: usize, seed: u64) -> Fleet {
        let mut rng = StdRng::seed_from_u64(seed);
        let domain_id = hex32(&mut rng);
        let mut out: Vec<SimProject> = Vec::with_capacity(projects + 2);
        for i in 0..projects {
            let region = REGIONS[i % REGIONS.len()];
            let name = match i / REGIONS.len() {
                0 => region.to_owned(),
                k => format!("{region}_{}", suffix(k - 1)),
            };
            let parent_id = out
                .iter()
                .find(|p| p.name == region)
                .map_or(domain_id.clone(), |p| p.id.clone());
            let id = hex32(&mut rng);
            let servers = (0..servers_per_project)
                .map(|j| server(&mut rng, region, i, j))
                .collect();
            let servers = unique_names(servers);
            out.push(SimProject {
                id,
                name,
                region: Some(region.to_owned()),
                domain_id: domain_id.clone(),
                enabled: true,
                parent_id: Some(parent_id),
                description: String::new(),
                servers,
            });
        }
        out.push(iam_only(&mut rng, "MOS", &domain_id, true));
        let unused = REGIONS
            .get(projects)
            .map_or_else(|| format!("{}_archived", REGIONS[0]), |r| (*r).to_owned());
        out.push(iam_only(&mut rng, &unused, &domain_id, false));
        let mut fleet = Fleet { projects: out };
        fleet
            .normalize()
            .expect("generated fleets are consistent by construction");
        fleet
    }
}

fn suffix(k: usize) -> String {
    match SUFFIXES.get(k) {
        Some(s) => (*s).to_owned(),
        None => format!("team{k}"),
    }
}

fn iam_only(rng: &mut StdRng, name: &str, domain_id: &str, enabled: bool) -> SimProject {
    SimProject {
        id: hex32(rng),
        name: name.to_owned(),
        region: None,
        domain_id: domain_id.to_owned(),
        enabled,
        parent_id: Some(domain_id.to_owned()),
        description: String::new(),
        servers: Vec::new(),
    }
}

fn server(rng: &mut StdRng, region: &str, project: usize, index: usize) -> SimServer {
    let windows = rng.random_bool(0.3);
    let (roles, images) = if windows {
        (WINDOWS_ROLES, WINDOWS_IMAGES)
    } else {
        (LINUX_ROLES, LINUX_IMAGES)
    };
    let role = roles[rng.random_range(0..roles.len())];
    let roll: f64 = rng.random();
    let status = if roll < 0.02 {
        "ERROR"
    } else if roll < 0.15 {
        "SHUTOFF"
    } else {
        "ACTIVE"
    };
    let public = role == "bastion" || role == "nginx-lb" || role == "win-rdp";
    let zone = ["a", "b", "c"][rng.random_range(0..3)];
    let env = ["prod", "dev", "test"][rng.random_range(0..3)];
    SimServer {
        id: uuid(rng),
        name: role.to_owned(),
        status: status.to_owned(),
        os_type: if windows { "Windows" } else { "Linux" }.to_owned(),
        reset_supported: rng.random_bool(0.85),
        flavor: FLAVORS[rng.random_range(0..FLAVORS.len())].to_owned(),
        availability_zone: format!("{region}{zone}"),
        private_ip: format!("10.{}.{}.{}", project % 250, index / 250, index % 250 + 2),
        floating_ip: public.then(|| {
            format!(
                "121.36.{}.{}",
                rng.random_range(1..255),
                rng.random_range(1..255)
            )
        }),
        image_name: Some(images[rng.random_range(0..images.len())].to_owned()),
        created: Some(format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            rng.random_range(2021..2026),
            rng.random_range(1..13),
            rng.random_range(1..29),
            rng.random_range(0..24),
            rng.random_range(0..60),
            rng.random_range(0..60)
        )),
        description: String::new(),
        tags: vec![format!("env={env}")],
        key_name: (!windows && rng.random_bool(0.5)).then(|| format!("kp-{env}")),
        locked: false,
        kind: ServerKind::Ecs,
    }
}

const BMS_ROLES: &[&str] = &["bms-db", "bms-win-sql", "bms-hpc", "bms-sap"];
const BMS_FLAVORS: &[&str] = &[
    "physical.s4.3xlarge",
    "physical.h2.large",
    "physical.io2.xlarge",
];

impl Fleet {
    /// Adds `per_project` bare-metal servers to every enabled project with a region, the same for
    /// the same seed. The second of every four runs Windows and was created with a key pair
    /// (so it has a stored initial password when the simulator is given a key).
    pub fn with_bare_metal(mut self, per_project: usize, seed: u64) -> Fleet {
        let mut rng = StdRng::seed_from_u64(seed ^ 0xb3_5eed);
        for (i, p) in self.projects.iter_mut().enumerate() {
            let Some(region) = p.region.clone().filter(|_| p.enabled) else {
                continue;
            };
            for j in 0..per_project {
                let role = BMS_ROLES[j % BMS_ROLES.len()];
                let windows = role.contains("win");
                let mut s = server(&mut rng, &region, i, 240 + j);
                s.name = format!("{role}-{:02}", j / BMS_ROLES.len() + 1);
                s.kind = ServerKind::Bms;
                s.flavor = BMS_FLAVORS[j % BMS_FLAVORS.len()].to_owned();
                s.os_type = if windows { "Windows" } else { "Linux" }.to_owned();
                s.image_name = None;
                s.key_name = windows.then(|| "kp-bms".to_owned());
                s.floating_ip = None;
                p.servers.push(s);
            }
        }
        self.normalize()
            .expect("bare-metal servers are consistent by construction");
        self
    }
}

/// Numbers every role within a project: `web-01`, `web-02`, `bastion-01`…
fn unique_names(mut servers: Vec<SimServer>) -> Vec<SimServer> {
    let mut counts = std::collections::HashMap::<String, usize>::new();
    for s in &mut servers {
        let n = counts.entry(s.name.clone()).or_default();
        *n += 1;
        s.name = format!("{}-{:02}", s.name, n);
    }
    servers
}

fn hex32(rng: &mut StdRng) -> String {
    let bytes: [u8; 16] = rng.random();
    hex::encode(bytes)
}

/// A version-4-shaped UUID from the seeded RNG.
pub(crate) fn uuid(rng: &mut impl Rng) -> String {
    let mut b: [u8; 16] = rng.random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_fleet_and_realistic_mix() {
        let a = Fleet::generate(3, 200, 7);
        assert_eq!(a, Fleet::generate(3, 200, 7));
        assert_ne!(a, Fleet::generate(3, 200, 8));
        let names: Vec<&str> = a.projects.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names[..3], ["cn-north-4", "cn-east-3", "ap-southeast-1"]);
        assert!(names.contains(&"MOS"));
        assert!(
            a.projects
                .iter()
                .any(|p| !p.enabled && p.servers.is_empty())
        );
        let all: Vec<&SimServer> = a.projects.iter().flat_map(|p| &p.servers).collect();
        let share = |f: &dyn Fn(&SimServer) -> bool| {
            all.iter().filter(|s| f(s)).count() as f64 / all.len() as f64
        };
        assert!((0.6..0.8).contains(&share(&|s| s.os_type == "Linux")));
        assert!((0.78..0.92).contains(&share(&|s| s.reset_supported)));
        assert!((0.75..0.95).contains(&share(&|s| s.status == "ACTIVE")));
        assert!(all.iter().any(|s| s.name == "web-01" || s.name == "api-01"));
    }

    #[test]
    fn bare_metal_servers_join_every_regional_project() {
        let f = Fleet::generate(2, 3, 1).with_bare_metal(2, 1);
        assert_eq!(f, Fleet::generate(2, 3, 1).with_bare_metal(2, 1));
        for p in &f.projects {
            let bms = p
                .servers
                .iter()
                .filter(|s| s.kind == ServerKind::Bms)
                .count();
            let regional = p.region.is_some() && p.enabled;
            assert_eq!(bms, if regional { 2 } else { 0 }, "{}", p.name);
        }
        let all: Vec<&SimServer> = f.projects.iter().flat_map(|p| &p.servers).collect();
        assert!(
            all.iter()
                .any(|s| s.kind == ServerKind::Bms && s.os_type == "Windows")
        );
        assert!(
            all.iter()
                .all(|s| s.kind == ServerKind::Ecs || s.flavor.starts_with("physical."))
        );
    }

    #[test]
    fn sub_projects_when_regions_run_out() {
        let f = Fleet::generate(REGIONS.len() + 2, 1, 1);
        let sub = f
            .projects
            .iter()
            .find(|p| p.name == "cn-north-4_prod")
            .unwrap();
        let parent = f.projects.iter().find(|p| p.name == "cn-north-4").unwrap();
        assert_eq!(sub.parent_id.as_deref(), Some(parent.id.as_str()));
        assert_eq!(sub.region.as_deref(), Some("cn-north-4"));
        assert!(f.projects.iter().any(|p| p.name == "cn-north-4_archived"));
    }
}
