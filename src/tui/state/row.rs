//! One server row: its API detail, its flag, and how it sorts and filters.

use crate::cloud::wire::{self, Address, ServerDetail};
use chrono::{DateTime, Utc};
use std::cmp::Ordering;

/// What is known about a server's one-click reset flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    Checking,
    Supported,
    Unsupported,
    /// The check failed; the text is the error (`code: message`).
    Unknown(String),
    /// The project's endpoint does not offer this API (`404 APIGW.0101`): a fact about the
    /// region, not an error of this server.
    NotOffered(crate::cloud::capability::Capability),
}

impl Flag {
    pub fn glyph(&self) -> &'static str {
        match self {
            Flag::Checking => "…",
            Flag::Supported => "✓",
            Flag::Unsupported => "✗",
            Flag::Unknown(_) => "?",
            Flag::NotOffered(_) => "⊘",
        }
    }

    pub fn word(&self) -> &'static str {
        match self {
            Flag::Checking => "checking",
            Flag::Supported => "supported",
            Flag::Unsupported => "unsupported",
            Flag::Unknown(_) => "unknown",
            Flag::NotOffered(_) => "not offered",
        }
    }

    pub(super) fn rank(&self) -> u8 {
        match self {
            Flag::Supported => 0,
            Flag::Unsupported => 1,
            Flag::Unknown(_) => 2,
            Flag::NotOffered(_) => 3,
            Flag::Checking => 4,
        }
    }
}

/// Metadata keys a pane shows; the rest (billing, metering, agent lists) is dropped.
const SHOWN_METADATA: &[&str] = &["os_type", "image_name"];

/// Keeps what the panes show and nothing else: at 10,000 servers the record as listed (every
/// metadata key, power and task states, MAC addresses, faults) is the bulk of the memory.
pub fn for_display(mut d: ServerDetail) -> ServerDetail {
    if let Some(meta) = &mut d.metadata {
        meta.retain(|k, _| SHOWN_METADATA.contains(&k.as_str()));
    }
    if let Some(f) = &mut d.flavor {
        f.disk = None;
    }
    if let Some(nets) = &mut d.addresses {
        for addr in nets.values_mut().flatten() {
            addr.mac_addr = None;
        }
    }
    ServerDetail {
        updated: None,
        tenant_id: None,
        enterprise_project_id: None,
        vm_state: None,
        task_state: None,
        power_state: None,
        locked: None,
        fault: None,
        ..d
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub project: usize,
    /// The listed record, trimmed by [`for_display`], its metadata moved to `os` and `image`.
    /// Boxed: the rows' vector grows by doubling, and its spare room is then a few words a
    /// row instead of a whole record.
    pub detail: Box<ServerDetail>,
    os: Option<String>,
    image_name: Option<String>,
    /// (network, address), flattened out of the record's map for the same reason.
    addresses: Vec<(String, Address)>,
    pub flag: Flag,
    pub checked_at: Option<DateTime<Utc>>,
    /// The private address parsed once: parsing it in every comparison made the `ip` sort
    /// of 100,000 rows take most of a second.
    ipv4: Option<std::net::Ipv4Addr>,
    /// Which of `addresses` is the private one, found once rather than on every frame and
    /// sort comparison.
    private: Option<u32>,
}

impl Row {
    /// A row still checking its flag. The two metadata values a pane shows move out of the
    /// record's map: a map per server costs more than both strings together.
    pub fn new(project: usize, detail: ServerDetail) -> Self {
        let mut detail = for_display(detail);
        let mut meta = detail.metadata.take().unwrap_or_default();
        let mut addresses: Vec<(String, Address)> = detail
            .addresses
            .take()
            .unwrap_or_default()
            .into_iter()
            .flat_map(|(net, addrs)| addrs.into_iter().map(move |a| (net.clone(), a)))
            .collect();
        addresses.shrink_to_fit();
        let ip = wire::private_ip(addresses.iter().map(|(_, a)| a));
        let ipv4 = ip.and_then(|ip| ip.parse().ok());
        let private = ip
            .and_then(|ip| {
                addresses
                    .iter()
                    .position(|(_, a)| std::ptr::eq(a.addr.as_str(), ip))
            })
            .and_then(|i| u32::try_from(i).ok());
        Self {
            ipv4,
            private,
            project,
            os: meta.remove("os_type"),
            image_name: meta.remove("image_name"),
            addresses,
            detail: Box::new(detail),
            flag: Flag::Checking,
            checked_at: None,
        }
    }

    /// `Linux`, `Windows`, or whatever the metadata said.
    pub fn os(&self) -> Option<&str> {
        self.os.as_deref()
    }

    pub fn image_name(&self) -> Option<&str> {
        self.image_name.as_deref()
    }

    /// Every address with the network it is on, in the API's order of networks.
    pub fn addresses(&self) -> &[(String, Address)] {
        &self.addresses
    }

    pub fn private_ip(&self) -> Option<&str> {
        let (_, a) = self.addresses.get(self.private? as usize)?;
        Some(&a.addr)
    }

    pub fn floating_ip(&self) -> Option<&str> {
        wire::floating_ip(self.addresses.iter().map(|(_, a)| a))
    }

    pub fn name(&self) -> &str {
        self.detail.name.as_deref().unwrap_or("")
    }

    pub fn status(&self) -> &str {
        self.detail.status.as_deref().unwrap_or("")
    }
}

/// The columns `s` cycles through; each is sorted ascending, then descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Project,
    Name,
    Status,
    Os,
    Ip,
    Flag,
    Checked,
}

impl SortKey {
    pub const ALL: [SortKey; 7] = [
        SortKey::Project,
        SortKey::Name,
        SortKey::Status,
        SortKey::Os,
        SortKey::Ip,
        SortKey::Flag,
        SortKey::Checked,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Project => "project",
            SortKey::Name => "name",
            SortKey::Status => "status",
            SortKey::Os => "os",
            SortKey::Ip => "ip",
            SortKey::Flag => "flag",
            SortKey::Checked => "checked",
        }
    }

    pub(super) fn compare(self, a: &Row, b: &Row) -> Ordering {
        match self {
            SortKey::Project => a.project.cmp(&b.project),
            SortKey::Name => a.name().cmp(b.name()),
            SortKey::Status => a.status().cmp(b.status()),
            SortKey::Os => a.os().cmp(&b.os()),
            SortKey::Ip => ip_key(a).cmp(&ip_key(b)),
            SortKey::Flag => a.flag.rank().cmp(&b.flag.rank()),
            SortKey::Checked => a.checked_at.cmp(&b.checked_at),
        }
    }
}

/// Numeric order for IPv4 addresses, text order for anything else.
pub(super) fn ip_key(r: &Row) -> (Option<std::net::Ipv4Addr>, &str) {
    (r.ipv4, r.private_ip().unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::for_display;
    use crate::tui::fixture::server;

    #[test]
    fn display_rows_keep_what_the_panes_show() {
        let mut d = server(3, "web-03", "Windows", "ACTIVE", "10.0.0.3");
        let meta = d.metadata.as_mut().unwrap();
        meta.insert("metering.imagetype".into(), "gold".into());
        meta.insert("vpc_id".into(), "vpc-1".into());
        d.fault = Some(serde_json::json!({"code": 500}));
        d.power_state = Some(1);
        let kept = for_display(d.clone());
        for same in [
            (kept.os_type(), d.os_type()),
            (kept.private_ip(), d.private_ip()),
            (kept.floating_ip(), d.floating_ip()),
            (kept.name.as_deref(), d.name.as_deref()),
            (
                kept.availability_zone.as_deref(),
                d.availability_zone.as_deref(),
            ),
        ] {
            assert_eq!(same.0, same.1);
        }
        assert_eq!(
            (&kept.flavor, &kept.image, &kept.tags),
            (&d.flavor, &d.image, &d.tags)
        );
        let keys: Vec<&String> = kept.metadata.as_ref().unwrap().keys().collect();
        assert_eq!(keys, ["image_name", "os_type"]);
        assert!(kept.fault.is_none() && kept.power_state.is_none());

        let d2 = d.clone();
        let row = super::Row::new(0, d);
        assert_eq!(row.os(), Some("Windows"));
        assert_eq!(row.image_name(), Some("Windows-image"));
        assert!(row.detail.metadata.is_none() && row.detail.addresses.is_none());
        assert_eq!(row.private_ip(), d2.private_ip());
        assert_eq!(row.floating_ip(), d2.floating_ip());
        assert_eq!(row.addresses().len(), 2);
        assert!(row.detail.flavor.iter().all(|f| f.disk.is_none()));
    }
}
