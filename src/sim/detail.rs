//! Renders a simulated server as the full `ServerDetail` JSON of the list API.
//!
//! The body is built from [`crate::cloud::wire::ServerDetail`] so client and simulator share
//! one shape, then completed with the fields the SDK model has and the app ignores (volumes,
//! security groups, `sys_tags`…), so a strict SDK client sees a realistic object too. Ids
//! that the fleet file does not give (VPC, image, volume) are derived by hashing, so they are
//! stable across calls and runs.

use super::fleet::{SimProject, flavor_size};
use super::state::ServerState;
use crate::cloud::wire::{Address, Flavor, ImageRef, ServerDetail};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub(crate) fn render(project: &SimProject, s: &ServerState) -> Value {
    let spec = &s.spec;
    let view = s.view();
    let (vcpus, ram) = flavor_size(&spec.flavor).unwrap_or((2, 4096));
    let vpc = derived_uuid(&[&project.id, "vpc"]);
    let image_name = spec.image_name.clone().unwrap_or_default();
    let image_id = derived_uuid(&["image", &image_name]);
    let mac = mac_of(&spec.private_ip);
    let port = derived_uuid(&[&spec.id, "port"]);
    let mut nics = vec![address(&spec.private_ip, "fixed", &mac)];
    if let Some(fip) = &spec.floating_ip {
        nics.push(address(fip, "floating", &mac));
    }
    let os_suffix = if spec.os_type == "Windows" {
        "win"
    } else {
        "linux"
    };
    let metadata: BTreeMap<String, String> = [
        ("charging_mode", "0".to_owned()),
        ("vpc_id", vpc.clone()),
        ("os_type", spec.os_type.clone()),
        ("os_bit", "64".to_owned()),
        ("image_name", image_name),
        ("metering.image_id", image_id.clone()),
        ("metering.imagetype", "gold".to_owned()),
        (
            "metering.resourcespeccode",
            format!("{}.{os_suffix}", spec.flavor),
        ),
        ("metering.resourcetype", "1".to_owned()),
        ("__support_agent_list", "hss,ces".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let created = spec
        .created
        .clone()
        .unwrap_or_else(|| "2024-01-01T00:00:00Z".into());
    let detail = ServerDetail {
        id: spec.id.clone(),
        name: Some(spec.name.clone()),
        description: Some(spec.description.clone()),
        status: Some(view.status.to_owned()),
        created: Some(created.clone()),
        updated: Some(s.updated.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        tenant_id: Some(project.id.clone()),
        availability_zone: Some(spec.availability_zone.clone()),
        addresses: Some(BTreeMap::from([(vpc, nics)])),
        flavor: Some(Flavor {
            id: spec.flavor.clone(),
            name: Some(spec.flavor.clone()),
            disk: Some("0".into()),
            vcpus: Some(vcpus.to_string()),
            ram: Some(ram.to_string()),
        }),
        image: Some(ImageRef { id: image_id }),
        metadata: Some(metadata),
        tags: Some(spec.tags.clone()),
        enterprise_project_id: Some("0".into()),
        vm_state: Some(view.vm_state),
        task_state: view.task_state.map(str::to_owned),
        power_state: Some(view.power_state),
        locked: Some(spec.locked),
        fault: (view.status == "ERROR").then(
            || json!({"code": 500, "created": created, "message": "NoValidHost", "details": ""}),
        ),
        kind: spec.kind,
    };
    let mut value = serde_json::to_value(detail).expect("ServerDetail serializes");
    let extras = json!({
        "user_id": derived_hex(&[&project.domain_id, "user"]),
        "key_name": spec.key_name,
        "hostId": derived_hex(&[&spec.id, "host"]),
        "host_status": "UP",
        "progress": 0,
        "OS-DCF:diskConfig": "MANUAL",
        "OS-SRV-USG:launched_at": created.trim_end_matches('Z').to_owned() + ".000000",
        "OS-EXT-SRV-ATTR:hostname": spec.name,
        "OS-EXT-SRV-ATTR:instance_name": format!("instance-{}", &derived_hex(&[&spec.id])[..8]),
        "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
        "security_groups": [{"id": derived_uuid(&[&project.id, "sg"]), "name": "default"}],
        "os-extended-volumes:volumes_attached": [{
            "id": derived_uuid(&[&spec.id, "vol"]), "delete_on_termination": "true",
            "bootIndex": "0", "device": "/dev/vda"}],
        "sys_tags": [{"key": "_sys_enterprise_project_id", "value": "0"}],
        "hypervisor": {"hypervisor_type": "kvm", "csd_hypervisor": null},
    });
    if let (Some(obj), Value::Object(more)) = (value.as_object_mut(), extras) {
        obj.extend(more);
        if let Some(list) = obj.get_mut("addresses").and_then(Value::as_object_mut) {
            for nic in list
                .values_mut()
                .flat_map(|v| v.as_array_mut().into_iter().flatten())
            {
                nic["OS-EXT-IPS:port_id"] = Value::String(port.clone());
            }
        }
    }
    value
}

/// A bare-metal server as the BMS list answers it (SDK `ServerDetails`): the ECS record less
/// what bare metal has not (hypervisor, `primary` on addresses), its own metadata keys
/// (`MetadataList`: `chargingMode`, `__bms_support_evs`, `baremetalPortIDList`).
pub(crate) fn render_bms(project: &SimProject, s: &ServerState) -> Value {
    let mut value = render(project, s);
    let (vcpus, ram) = super::fleet::bms_flavor_size(&s.spec.flavor).unwrap_or((36, 294_912));
    if let Some(obj) = value.as_object_mut() {
        obj.remove("hypervisor");
        obj.remove("OS-EXT-SRV-ATTR:root_device_name");
        obj.insert(
            "OS-EXT-SRV-ATTR:hypervisor_hostname".into(),
            Value::String(derived_hex(&[&s.spec.id, "node"])),
        );
        if let Some(flavor) = obj.get_mut("flavor").and_then(Value::as_object_mut) {
            flavor.insert("vcpus".into(), Value::String(vcpus.to_string()));
            flavor.insert("ram".into(), Value::String(ram.to_string()));
            flavor.insert("disk".into(), Value::String("800".into()));
        }
        if let Some(list) = obj.get_mut("addresses").and_then(Value::as_object_mut) {
            for nic in list
                .values_mut()
                .flat_map(|v| v.as_array_mut().into_iter().flatten())
                .filter_map(Value::as_object_mut)
            {
                nic.remove("primary");
            }
        }
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            if let Some(mode) = meta.remove("charging_mode") {
                meta.insert("chargingMode".into(), mode);
            }
            meta.remove("__support_agent_list");
            meta.insert("__bms_support_evs".into(), Value::String("true".into()));
            meta.insert(
                "baremetalPortIDList".into(),
                Value::String(format!("[{}]", derived_uuid(&[&s.spec.id, "port"]))),
            );
        }
    }
    value
}

/// What the list API returns for an id in `server_id=` that does not exist [ASSUMED shape]:
/// only `id` and `fault` carry values.
pub(crate) fn missing(id: &str) -> Value {
    let d = ServerDetail {
        id: id.to_owned(),
        fault: Some(json!({"code": 404, "message": format!("Instance[{id}] could not be found.")})),
        ..ServerDetail::default()
    };
    serde_json::to_value(d).expect("ServerDetail serializes")
}

fn address(addr: &str, kind: &str, mac: &str) -> Address {
    Address {
        version: Some("4".into()),
        addr: addr.to_owned(),
        primary: Some(true),
        ip_type: Some(kind.to_owned()),
        mac_addr: Some(mac.to_owned()),
    }
}

fn mac_of(ip: &str) -> String {
    let octets: Vec<u8> = ip.split('.').filter_map(|o| o.parse().ok()).collect();
    let tail = octets.iter().rev().take(3).rev();
    let mut mac = String::from("fa:16:3e");
    for o in tail {
        mac.push_str(&format!(":{o:02x}"));
    }
    mac
}

fn derived_hex(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..16])
}

fn derived_uuid(parts: &[&str]) -> String {
    let h = derived_hex(parts);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}
