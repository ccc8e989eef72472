//! One server row: its API detail, its flag, and how it sorts and filters.

use crate::cloud::kind::ServerKind;
use crate::cloud::wire::{self, Address, ServerDetail};
use chrono::{DateTime, Utc};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Arc;

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

/// The values of a row that many servers share (the status, the image and what it says,
/// the zone, the flavor, the kind): one per distinct combination in a page, so 100,000 rows
/// of a few images and flavors hold a few hundred of them rather than 100,000 copies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Shape {
    status: Option<Box<str>>,
    os: Option<Box<str>>,
    image_name: Option<Box<str>>,
    image_id: Option<Box<str>>,
    az: Option<Box<str>>,
    flavor: Option<FlavorView>,
    kind: ServerKind,
}

/// The flavor as the details popup shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FlavorView {
    pub id: Box<str>,
    pub name: Option<Box<str>>,
    pub vcpus: Option<Box<str>>,
    pub ram: Option<Box<str>>,
}

/// One address of a row, with the network it is on.
#[derive(Debug, Clone, PartialEq)]
pub struct Addr {
    pub network: Arc<str>,
    pub addr: Box<str>,
    pub ip_type: Option<Arc<str>>,
}

/// Hands out one shared copy of each shape and word of a page.
#[derive(Default)]
pub struct Interner {
    shapes: HashSet<Arc<Shape>>,
    words: HashSet<Arc<str>>,
}

impl Interner {
    fn shape(&mut self, shape: Shape) -> Arc<Shape> {
        if let Some(s) = self.shapes.get(&shape) {
            return s.clone();
        }
        let s = Arc::new(shape);
        self.shapes.insert(s.clone());
        s
    }

    fn word(&mut self, word: &str) -> Arc<str> {
        if let Some(w) = self.words.get(word) {
            return w.clone();
        }
        let w: Arc<str> = Arc::from(word);
        self.words.insert(w.clone());
        w
    }
}

fn boxed(s: Option<String>) -> Option<Box<str>> {
    s.map(String::into_boxed_str)
}

/// A server as the panes show it. At 100,000 servers the listed record (two dozen optional
/// strings and maps, each its own allocation) was most of the TUI's memory, so a row keeps
/// its own texts in one allocation and shares the rest through [`Shape`].
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub project: usize,
    /// Id, name, description and created, one after the other; `ends` says where each stops.
    texts: Box<str>,
    ends: [u32; 3],
    shape: Arc<Shape>,
    tags: Box<[Box<str>]>,
    addresses: Box<[Addr]>,
    pub flag: Flag,
    pub checked_at: Option<DateTime<Utc>>,
    /// The private address parsed once: parsing it in every comparison made the `ip` sort
    /// of 100,000 rows take most of a second.
    ipv4: Option<std::net::Ipv4Addr>,
    /// Which of `addresses` is the private one, and which the floating one, found once rather
    /// than on every frame and sort comparison.
    private: Option<u16>,
    floating: Option<u16>,
    /// The filter's [`byte_mask`](super::filter::byte_mask) of the name, id, zone and addresses.
    bare_bytes: u64,
}

impl Row {
    /// The rows of one page, each still checking its flag, sharing their repeated values.
    pub fn page(project: usize, details: Vec<ServerDetail>) -> Vec<Self> {
        let mut interner = Interner::default();
        details
            .into_iter()
            .map(|d| Self::of(project, d, &mut interner))
            .collect()
    }

    /// One server's row, sharing repeated values with the others `interner` has seen (a
    /// list page becomes rows as it is read). Only what the panes show is copied: at 10,000
    /// servers the record as listed (every metadata key, power and task states, MAC
    /// addresses, faults) was the bulk of the memory.
    pub fn of(project: usize, d: ServerDetail, interner: &mut Interner) -> Self {
        let mut meta = d.metadata.unwrap_or_default();
        let listed: Vec<(String, Address)> = d
            .addresses
            .unwrap_or_default()
            .into_iter()
            .flat_map(|(net, addrs)| addrs.into_iter().map(move |a| (net.clone(), a)))
            .collect();
        let ip = wire::private_ip(listed.iter().map(|(_, a)| a));
        let ipv4 = ip.and_then(|ip| ip.parse().ok());
        let position = |found: Option<&str>| {
            found
                .and_then(|ip| {
                    listed
                        .iter()
                        .position(|(_, a)| std::ptr::eq(a.addr.as_str(), ip))
                })
                .and_then(|i| u16::try_from(i).ok())
        };
        let private = position(ip);
        let floating = position(wire::floating_ip(listed.iter().map(|(_, a)| a)));
        let addresses: Box<[Addr]> = listed
            .into_iter()
            .map(|(net, a)| Addr {
                network: interner.word(&net),
                addr: a.addr.into_boxed_str(),
                ip_type: a.ip_type.as_deref().map(|t| interner.word(t)),
            })
            .collect();
        let shape = interner.shape(Shape {
            status: boxed(d.status),
            os: boxed(meta.remove("os_type")),
            image_name: boxed(meta.remove("image_name")),
            image_id: d.image.map(|i| i.id.into_boxed_str()),
            az: boxed(d.availability_zone),
            flavor: d.flavor.map(|f| FlavorView {
                id: f.id.into_boxed_str(),
                name: boxed(f.name),
                vcpus: boxed(f.vcpus),
                ram: boxed(f.ram),
            }),
            kind: d.kind,
        });
        let parts = [
            d.id.as_str(),
            d.name.as_deref().unwrap_or(""),
            d.description.as_deref().unwrap_or(""),
            d.created.as_deref().unwrap_or(""),
        ];
        let mut texts = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut ends = [0u32; 3];
        for (i, part) in parts.iter().enumerate() {
            texts.push_str(part);
            if let Some(end) = ends.get_mut(i) {
                *end = u32::try_from(texts.len()).unwrap_or(u32::MAX);
            }
        }
        let bare_bytes = [parts[0], parts[1], shape.az.as_deref().unwrap_or("")]
            .into_iter()
            .chain(addresses.iter().map(|a: &Addr| &*a.addr))
            .fold(0, |m, t| m | super::filter::byte_mask(t));
        Self {
            project,
            bare_bytes,
            texts: texts.into_boxed_str(),
            ends,
            shape,
            tags: d
                .tags
                .unwrap_or_default()
                .into_iter()
                .map(String::into_boxed_str)
                .collect(),
            addresses,
            flag: Flag::Checking,
            checked_at: None,
            ipv4,
            private,
            floating,
        }
    }

    /// Text `i` of `texts`: 0 id, 1 name, 2 description, 3 created.
    fn text(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends.get(i).map_or(self.texts.len(), |&e| e as usize);
        &self.texts[start..end]
    }

    pub fn id(&self) -> &str {
        self.text(0)
    }

    pub fn name(&self) -> &str {
        self.text(1)
    }

    pub fn description(&self) -> Option<&str> {
        Some(self.text(2)).filter(|s| !s.is_empty())
    }

    pub fn created(&self) -> Option<&str> {
        Some(self.text(3)).filter(|s| !s.is_empty())
    }

    pub fn status(&self) -> &str {
        self.shape.status.as_deref().unwrap_or("")
    }

    /// `Linux`, `Windows`, or whatever the metadata said.
    pub fn os(&self) -> Option<&str> {
        self.shape.os.as_deref()
    }

    pub fn image_name(&self) -> Option<&str> {
        self.shape.image_name.as_deref()
    }

    pub fn image_id(&self) -> Option<&str> {
        self.shape.image_id.as_deref()
    }

    /// The filter's [`byte_mask`](super::filter::byte_mask) of what a bare word searches in the row.
    pub fn bare_bytes(&self) -> u64 {
        self.bare_bytes
    }

    pub fn availability_zone(&self) -> Option<&str> {
        self.shape.az.as_deref()
    }

    pub fn flavor(&self) -> Option<&FlavorView> {
        self.shape.flavor.as_ref()
    }

    pub fn kind(&self) -> ServerKind {
        self.shape.kind
    }

    pub fn tags(&self) -> &[Box<str>] {
        &self.tags
    }

    /// Every address with the network it is on, in the API's order of networks.
    pub fn addresses(&self) -> &[Addr] {
        &self.addresses
    }

    pub fn private_ip(&self) -> Option<&str> {
        Some(&self.addresses.get(usize::from(self.private?))?.addr)
    }

    pub fn floating_ip(&self) -> Option<&str> {
        Some(&self.addresses.get(usize::from(self.floating?))?.addr)
    }

    /// The record as far as the row knows it, for the checks that read a [`ServerDetail`]
    /// (built for the one server a reset checks, never kept).
    pub fn to_detail(&self) -> ServerDetail {
        let own = |s: Option<&str>| s.map(str::to_owned);
        ServerDetail {
            id: self.id().to_owned(),
            name: Some(self.name().to_owned()),
            description: own(self.description()),
            status: own(self.shape.status.as_deref()),
            created: own(self.created()),
            availability_zone: own(self.availability_zone()),
            image: self
                .image_id()
                .map(|id| wire::ImageRef { id: id.to_owned() }),
            tags: (!self.tags.is_empty())
                .then(|| self.tags.iter().map(ToString::to_string).collect()),
            kind: self.kind(),
            ..ServerDetail::default()
        }
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
    use crate::tui::fixture::server;

    #[test]
    fn display_rows_keep_what_the_panes_show() {
        let mut d = server(3, "web-03", "Windows", "ACTIVE", "10.0.0.3");
        let meta = d.metadata.as_mut().unwrap();
        meta.insert("metering.imagetype".into(), "gold".into());
        meta.insert("vpc_id".into(), "vpc-1".into());
        d.fault = Some(serde_json::json!({"code": 500}));
        d.power_state = Some(1);
        let d2 = d.clone();
        let row = super::Row::page(0, vec![d]).remove(0);
        assert_eq!(row.os(), Some("Windows"));
        assert_eq!(row.image_name(), Some("Windows-image"));
        assert_eq!(row.private_ip(), d2.private_ip());
        assert_eq!(row.floating_ip(), d2.floating_ip());
        assert_eq!(row.addresses().len(), 2);
        assert_eq!(row.id(), d2.id);
        assert_eq!(row.name(), d2.name.as_deref().unwrap());
        assert_eq!(row.availability_zone(), d2.availability_zone.as_deref());
        assert_eq!(row.created(), d2.created.as_deref());
        assert_eq!(
            row.flavor().map(|f| &*f.id),
            d2.flavor.as_ref().map(|f| f.id.as_str())
        );
    }
}
