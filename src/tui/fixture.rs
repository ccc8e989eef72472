//! Deterministic states for tests and snapshots: a fixed clock, a seeded generator and a small
//! fleet with every flag state, both OSes and a protected project. Built through `update`
//! with worker events, so the fixtures exercise the same path as a real session.

use super::msg::{Effect, Event, FlagResult, Msg, Request, RequestId};
use super::state::{ProjectState, State};
use super::update::{start, update};
use crate::cloud::capability::FlagError;
use crate::cloud::wire::{Address, Flavor, ImageRef, ServerDetail};
use crate::config::KeyMap;
use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::collections::BTreeMap;

/// 2024-05-01 12:00:00 UTC.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap()
}

pub fn projects() -> Vec<ProjectState> {
    vec![
        ProjectState::new("cn-north-4", Some("p-prod-0001"), Some("prod"), false),
        ProjectState::new("ap-southeast-1", Some("p-stg-0002"), Some("staging"), false),
        ProjectState::new("cn-east-3", Some("p-vault-0003"), Some("vault"), true),
    ]
}

/// A state with the fixture projects, nothing listed yet, at [`now`], 80x24.
pub fn empty() -> State {
    empty_with(projects())
}

fn empty_with(projects: Vec<ProjectState>) -> State {
    let mut s = State::new(projects, KeyMap::defaults(), StdRng::seed_from_u64(7));
    s.now = now();
    s.size = (80, 24);
    s
}

pub fn server(n: u32, name: &str, os: &str, status: &str, ip: &str) -> ServerDetail {
    let id = format!("{n:08x}-1111-4222-8333-{n:012x}");
    let mut metadata = BTreeMap::new();
    metadata.insert("os_type".to_owned(), os.to_owned());
    metadata.insert("image_name".to_owned(), format!("{os}-image"));
    let mut addrs = vec![Address {
        version: Some("4".into()),
        addr: ip.into(),
        primary: Some(true),
        ip_type: Some("fixed".into()),
        mac_addr: None,
    }];
    if n.is_multiple_of(3) {
        addrs.push(Address {
            version: Some("4".into()),
            addr: format!("121.36.0.{n}"),
            primary: None,
            ip_type: Some("floating".into()),
            mac_addr: None,
        });
    }
    ServerDetail {
        id,
        name: Some(name.into()),
        status: Some(status.into()),
        availability_zone: Some("cn-north-4a".into()),
        addresses: Some(BTreeMap::from([("subnet-a".to_owned(), addrs)])),
        flavor: Some(Flavor {
            id: "s6.large.2".into(),
            name: Some("s6.large.2".into()),
            vcpus: Some("2".into()),
            ram: Some("4096".into()),
            disk: None,
        }),
        image: Some(ImageRef {
            id: "img-0001".into(),
        }),
        metadata: Some(metadata),
        tags: Some(vec!["team=ops".into()]),
        created: Some("2024-01-02T03:04:05Z".into()),
        ..Default::default()
    }
}

pub type FleetEntry = (usize, ServerDetail, Option<Result<bool, String>>);

/// (project, server, flag) of the fixture fleet: `None` leaves the flag "checking",
/// `Some(Err)` makes it unknown.
pub fn fleet() -> Vec<FleetEntry> {
    let unknown = Err("APIGW.0308 (HTTP 429): request throttled".to_owned());
    vec![
        (
            0,
            server(1, "web-01", "Linux", "ACTIVE", "192.168.0.11"),
            Some(Ok(true)),
        ),
        (
            0,
            server(2, "web-02", "Linux", "ACTIVE", "192.168.0.12"),
            Some(Ok(true)),
        ),
        (
            0,
            server(3, "db-01", "Linux", "SHUTOFF", "192.168.0.13"),
            Some(Ok(false)),
        ),
        (
            0,
            server(4, "win-ad-01", "Windows", "ACTIVE", "192.168.0.14"),
            Some(Ok(true)),
        ),
        (
            0,
            server(5, "legacy-app", "Linux", "ERROR", "192.168.0.15"),
            Some(unknown),
        ),
        (
            0,
            server(6, "cache-01", "Linux", "REBOOT", "192.168.0.16"),
            None,
        ),
        (
            1,
            server(7, "stg-api-01", "Linux", "ACTIVE", "10.1.0.7"),
            Some(Ok(true)),
        ),
        (
            1,
            server(8, "stg-win-01", "Windows", "ACTIVE", "10.1.0.8"),
            Some(Ok(true)),
        ),
        (
            2,
            server(9, "vault-01", "Linux", "ACTIVE", "10.9.0.9"),
            Some(Ok(true)),
        ),
    ]
}

/// The load request `start` made, so events can answer it.
pub fn started(s: &mut State) -> RequestId {
    let effects = start(s);
    match effects.as_slice() {
        [Effect::Api(Request::Load { id, .. })] => *id,
        other => panic!("start made {other:?}"),
    }
}

/// [`fleet`] with two bare-metal servers in the first project, one of them Windows.
pub fn fleet_with_bare_metal() -> Vec<FleetEntry> {
    let bms = |n, name, os, ip| {
        let mut d = server(n, name, os, "ACTIVE", ip);
        d.kind = crate::cloud::ServerKind::Bms;
        d.flavor = Some(Flavor {
            id: "physical.s4.3xlarge".into(),
            name: Some("physical.s4.3xlarge".into()),
            vcpus: Some("36".into()),
            ram: Some("294912".into()),
            disk: Some("800".into()),
        });
        d
    };
    let mut f = fleet();
    f.insert(
        2,
        (
            0,
            bms(10, "bms-db-01", "Linux", "192.168.0.20"),
            Some(Ok(true)),
        ),
    );
    f.insert(
        5,
        (
            0,
            bms(11, "bms-win-01", "Windows", "192.168.0.21"),
            Some(Ok(false)),
        ),
    );
    f
}

/// The fixture fleet listed and its flags in, checked 12 s (project 0) or 3 min ago.
pub fn loaded() -> State {
    loaded_with(empty(), fleet())
}

/// [`loaded`] with [`fleet_with_bare_metal`].
pub fn loaded_with_bare_metal() -> State {
    loaded_with(empty(), fleet_with_bare_metal())
}

/// [`loaded`] with two accounts: prod and staging in profile `acme`, vault in `lab`.
pub fn two_profiles() -> State {
    let mut projects = projects();
    for (p, name) in projects.iter_mut().zip(["acme", "acme", "lab"]) {
        p.profile = Some(name.to_owned());
    }
    loaded_with(empty_with(projects), fleet())
}

fn loaded_with(mut s: State, fleet: Vec<FleetEntry>) -> State {
    let id = started(&mut s);
    for p in 0..3 {
        let servers = fleet
            .iter()
            .filter(|f| f.0 == p)
            .map(|f| f.1.clone())
            .collect();
        update(
            &mut s,
            Msg::Worker(Event::Listed {
                id,
                project: p,
                servers,
            }),
        );
    }
    let flags = fleet
        .iter()
        .filter_map(|(p, d, f)| {
            let ago = if *p == 0 { 12 } else { 180 };
            Some(FlagResult {
                project: *p,
                server_id: d.id.clone(),
                outcome: f.clone()?.map_err(FlagError::from),
                at: now() - Duration::seconds(ago),
            })
        })
        .collect();
    update(&mut s, Msg::Worker(Event::Flags { id, flags }));
    s
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn with_kind(code: KeyCode, kind: KeyEventKind) -> Msg {
    Msg::Key(KeyEvent::new_with_kind(code, KeyModifiers::NONE, kind))
}

/// The reset requests among some effects.
pub fn resets(effects: &[Effect]) -> Vec<&Request> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Api(r @ Request::Reset { .. }) => Some(r),
            _ => None,
        })
        .collect()
}

/// Feeds messages, collecting every effect. A pre-flight request is answered at once, as the
/// worker would from the table's own view (supported flag, project not protected), so the
/// reducer's tests see the confirmation as the operator does.
pub fn feed(s: &mut State, msgs: impl IntoIterator<Item = Msg>) -> Vec<Effect> {
    let mut out = Vec::new();
    for m in msgs {
        let effects = update(s, m);
        for e in &effects {
            if let Effect::Api(Request::Check { id, targets }) = e {
                let answer = preflight_answer(s, *id, targets);
                out.extend(update(s, Msg::Worker(answer)));
            }
        }
        out.extend(effects);
    }
    out
}

/// What the change engine's pre-flight would say of these servers, judged from the table.
pub fn preflight_answer(
    s: &State,
    id: crate::tui::msg::RequestId,
    targets: &[crate::tui::msg::Target],
) -> crate::tui::msg::Event {
    let (mut ok, mut refused, mut shutoff, mut bare_metal) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for t in targets {
        let row = s.table.get(&t.server_id);
        let supported = row.is_some_and(|r| r.flag == crate::tui::state::table::Flag::Supported);
        let reason = if t.protected {
            Some("project is protected (protected = true in the config)")
        } else if !supported {
            Some("one-click reset is not supported (flag False: the plug-in is missing)")
        } else {
            None
        };
        match reason {
            Some(r) => refused.push(crate::ops::Refusal {
                server_id: t.server_id.clone(),
                name: t.name.clone(),
                project: t.label.clone(),
                reason: r.into(),
            }),
            None => {
                if t.kind.is_bms() {
                    bare_metal.push(t.server_id.clone());
                } else if row.map(crate::tui::state::table::Row::status) == Some("SHUTOFF") {
                    shutoff.push(t.server_id.clone());
                }
                ok.push(t.server_id.clone());
            }
        }
    }
    crate::tui::msg::Event::Checked {
        id,
        ok,
        refused,
        shutoff,
        bare_metal,
    }
}

/// Types a string key by key.
pub fn type_str(s: &mut State, text: &str) -> Vec<Effect> {
    feed(s, text.chars().map(ch).collect::<Vec<_>>())
}

/// Moves the cursor onto the server with this name (via the filter, then clears it).
pub fn select(s: &mut State, name: &str) {
    let pos = s
        .table
        .view()
        .iter()
        .position(|&i| s.table.rows()[i].name() == name)
        .unwrap_or_else(|| panic!("{name} not visible"));
    feed(s, [key(KeyCode::Home)]);
    for _ in 0..pos {
        update(s, key(KeyCode::Down));
    }
    assert_eq!(
        s.table.selected().map(super::state::row::Row::name),
        Some(name)
    );
}
