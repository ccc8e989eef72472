//! The worker against the in-process simulator, driven through the real `update`: the list
//! and flags fill the table, a reset typed into the form reaches the simulator, and the
//! reboot job is polled to SUCCESS.

use crossterm::event::KeyCode;
use ecsreset::cloud::{Cloud, Observer, ProjectRef};
use ecsreset::commands::context::{demo_config, demo_projects};
use ecsreset::secret::Secret;
use ecsreset::sim::{Fleet, Sim, SimConfig};
use ecsreset::tui::fixture::{ch, feed, key, type_str};
use ecsreset::tui::msg::{Effect, Event, Msg, Request, RequestId, ResetStatus, Target};
use ecsreset::tui::state::table::Flag;
use ecsreset::tui::state::{Mode, State};
use ecsreset::tui::update::{start, update};
use ecsreset::tui::{settings, worker};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

struct Harness {
    sim: Sim,
    state: State,
    requests: mpsc::Sender<Request>,
    events: mpsc::UnboundedReceiver<Event>,
    trail: tempfile::TempDir,
}

impl Harness {
    async fn new() -> Self {
        Self::with(|_| {}).await
    }

    async fn with(edit: impl FnOnce(&mut ecsreset::config::Config)) -> Self {
        Self::build(SimConfig::new(Fleet::demo()), edit, None).await
    }

    async fn with_sim(cfg: SimConfig) -> Self {
        Self::build(cfg, |_| {}, None).await
    }

    async fn build(
        mut cfg: SimConfig,
        edit: impl FnOnce(&mut ecsreset::config::Config),
        escrow: Option<worker::Escrow>,
    ) -> Self {
        cfg.reboot_duration = Duration::from_millis(300);
        let fleet = cfg.fleet.clone();
        let sim = Sim::start(cfg, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let mut config = demo_config(&sim, demo_projects(&fleet));
        // The first project names only its region: the worker must look its id up in IAM.
        config.projects[0].id = None;
        edit(&mut config);
        let (tx, events) = mpsc::unbounded_channel();
        let obs_tx = tx.clone();
        let observer: Observer = Arc::new(move |r| {
            let _ = obs_tx.send(Event::Call(r));
        });
        let cloud = Cloud::new(settings(&config, observer).unwrap()).unwrap();
        let (requests, rx) = mpsc::channel(8);
        let trail = tempfile::tempdir().unwrap();
        let opts = worker::WorkerOptions {
            poll_interval: Duration::from_millis(100),
            trail_dir: Some(trail.path().to_path_buf()),
            escrow: escrow.clone(),
            ..Default::default()
        };
        worker::spawn(cloud, opts, rx, tx);
        let mut state = State::from_config(&config, false, StdRng::seed_from_u64(3));
        state.escrow = escrow.map(|e| ecsreset::tui::state::SealTo {
            recipients: e.recipients.len(),
            dir: e.dir.display().to_string(),
        });
        Self {
            sim,
            state,
            requests,
            events,
            trail,
        }
    }

    async fn run(&mut self, effects: Vec<Effect>) {
        for e in effects {
            if let Effect::Api(r) = e {
                self.requests.send(r).await.unwrap();
            }
        }
    }

    /// Feeds worker events through `update` until nothing is pending.
    async fn settle(&mut self) {
        while !self.state.pending.is_empty() {
            let e = tokio::time::timeout(Duration::from_secs(20), self.events.recv())
                .await
                .expect("worker went quiet")
                .expect("worker gone");
            let effects = update(&mut self.state, Msg::Worker(e));
            self.run(effects).await;
        }
    }

    fn select(&mut self, name: &str) -> String {
        let pos = self
            .state
            .table
            .view()
            .iter()
            .position(|&i| self.state.table.rows()[i].name() == name)
            .unwrap();
        feed(&mut self.state, [key(KeyCode::Home)]);
        for _ in 0..pos {
            update(&mut self.state, key(KeyCode::Down));
        }
        self.state.table.selected().unwrap().id().to_owned()
    }

    fn id_of(&self, name: &str) -> String {
        self.state
            .table
            .rows()
            .iter()
            .find(|r| r.name() == name)
            .unwrap()
            .id()
            .to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_flags_reset_and_reboot_against_the_simulator() {
    let mut h = Harness::new().await;
    let effects = start(&mut h.state);
    h.run(effects).await;
    h.settle().await;

    let truth = h.sim.truth();
    assert_eq!(h.state.table.rows().len(), truth.len());
    assert_eq!(
        h.state.projects[0].id.as_deref(),
        Some(Fleet::demo().projects[0].id.as_str())
    );
    for t in &truth {
        let row = h.state.table.get(&t.server_id).expect("listed");
        let want = if t.reset_supported {
            Flag::Supported
        } else {
            Flag::Unsupported
        };
        assert_eq!(row.flag, want, "{}", t.name);
    }
    assert!(h.state.log.len() > truth.len(), "every call is logged");

    // A single server, soft reboot: typed into the form, confirmed, sent once.
    let id = h.select("web-01");
    feed(&mut h.state, [ch('r')]);
    type_str(&mut h.state, "Tq7!worker-1");
    feed(&mut h.state, [key(KeyCode::Enter)]);
    type_str(&mut h.state, "Tq7!worker-1");
    feed(
        &mut h.state,
        [key(KeyCode::Enter), key(KeyCode::Down), key(KeyCode::Right)],
    );
    let effects = feed(&mut h.state, [key(KeyCode::Enter), key(KeyCode::Enter)]);
    assert_eq!(effects.len(), 1);
    h.run(effects).await;
    h.settle().await;
    let got: Vec<String> = h
        .sim
        .received_passwords(&id)
        .iter()
        .map(|s| s.expose().to_owned())
        .collect();
    assert_eq!(got, ["Tq7!worker-1"]);
    assert_eq!(h.state.resets.get(&id), Some(&ResetStatus::Rebooted));
    assert!(matches!(&h.state.mode, Mode::Results(r) if r.finished));
    feed(&mut h.state, [key(KeyCode::Esc)]);

    // Marked servers in two projects, hard reboot: batch per project after a dry run.
    let names = ["web-02", "win-ad-01", "k8s-node-01"];
    for n in names {
        h.select(n);
        feed(&mut h.state, [ch(' ')]);
    }
    feed(&mut h.state, [ch('r'), ctrl_g()]);
    feed(
        &mut h.state,
        [key(KeyCode::Enter), key(KeyCode::Up), key(KeyCode::Left)],
    );
    type_str(&mut h.state, "3");
    let effects = feed(&mut h.state, [key(KeyCode::Enter)]);
    assert_eq!(effects.len(), 1, "{:?}", h.state.notice);
    h.run(effects).await;
    h.settle().await;
    for n in names {
        let sid = h.id_of(n);
        assert_eq!(h.sim.received_passwords(&sid).len(), 1, "{n}");
        assert_eq!(
            h.state.resets.get(&sid),
            Some(&ResetStatus::Rebooted),
            "{n}"
        );
    }
    let logged: String = h
        .state
        .log
        .lines()
        .iter()
        .map(|r| format!("{r:?}"))
        .collect();
    assert!(!logged.contains("Tq7!worker-1"));

    trail_has_every_step(&h, &id);
    h.sim.shutdown().await;
}

/// The audit trail of [`list_flags_reset_and_reboot_against_the_simulator`]: one reset and
/// one reboot line per server, every intent before its outcome, no password.
fn trail_has_every_step(h: &Harness, id: &str) {
    // The audit trail: one reset and one reboot line per server, no password.
    let trail = std::fs::read_to_string(h.trail.path().join("trail.jsonl")).unwrap();
    assert!(!trail.contains("Tq7!worker-1"));
    let lines: Vec<serde_json::Value> = trail
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let count = |action: &str, outcome: &str| {
        lines
            .iter()
            .filter(|l| {
                l["outcome"] == outcome && l["action"].as_str().unwrap().starts_with(action)
            })
            .count()
    };
    assert_eq!(count("reset-password", "accepted"), 4, "{trail}");
    assert_eq!(count("reboot-", "job-started"), 4, "{trail}");
    assert_eq!(count("reboot-", "done"), 4, "{trail}");
    // Every request's intent is on disk before its outcomes.
    let intents = lines.iter().filter(|l| l["phase"] == "intent").count();
    assert_eq!(
        intents, 6,
        "3 resets (one a batch) and 3 reboot requests (one per project): {trail}"
    );
    for (i, l) in lines.iter().enumerate() {
        if l["phase"] == "outcome" {
            let op = &l["op"];
            assert!(
                lines[..i]
                    .iter()
                    .any(|p| p["phase"] == "intent" && &p["op"] == op),
                "an outcome before its intent: {l}"
            );
        }
    }
    let web01 = lines.iter().find(|l| l["phase"] == "outcome").unwrap();
    assert_eq!(web01["server_id"], id);
    assert_eq!(web01["server_name"], "web-01");
    assert!(web01["request_id"].is_string(), "{web01}");
    for l in lines.iter().filter(|l| l["phase"] == "outcome") {
        assert!(
            l["request_id"].is_string() || l["job_id"].is_string(),
            "resets keep their request id, reboots their job id: {l}"
        );
    }
}

fn ctrl_g() -> Msg {
    ecsreset::tui::fixture::ctrl('g')
}

fn target_in(p: &ecsreset::sim::SimProject, sid: &str) -> Target {
    Target {
        project: 0,
        project_id: p.id.clone(),
        region: "cn-north-4".into(),
        server_id: sid.to_owned(),
        name: String::new(),
        label: p.name.clone(),
        protected: false,
        kind: Default::default(),
    }
}

async fn send_reset(h: &mut Harness, id: RequestId, targets: Vec<Target>) {
    h.state
        .pending
        .insert(id, ecsreset::tui::state::Pending::Reset);
    h.requests
        .send(Request::Reset {
            id,
            targets,
            password: ecsreset::tui::msg::NewPassword::Same(Secret::new("Tq7!worker-2")),
            check_password: true,
            reboot: None,
        })
        .await
        .unwrap();
    h.settle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_that_omits_a_server_stops_the_whole_project() {
    let mut h = Harness::new().await;
    let effects = start(&mut h.state);
    h.run(effects).await;
    h.settle().await;
    let fleet = Fleet::demo();
    let p = &fleet.projects[0];
    let ok: Vec<&ecsreset::sim::SimServer> = p
        .servers
        .iter()
        .filter(|s| s.reset_supported && s.status == "ACTIVE")
        .take(2)
        .collect();
    h.sim.set_quirks(ecsreset::sim::Quirks {
        batch_omits_last: true,
        ..Default::default()
    });
    let targets = ok.iter().map(|s| target_in(p, &s.id)).collect();
    send_reset(&mut h, RequestId(10_000), targets).await;
    for s in &ok {
        assert!(h.sim.received_passwords(&s.id).is_empty());
        assert!(
            matches!(
                h.state.resets.get(s.id.as_str()),
                Some(ResetStatus::DryRunRejected(_))
            ),
            "{:?}",
            h.state.resets.get(s.id.as_str())
        );
    }
    h.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_refuses_an_unsupported_server_and_the_other_goes_ahead() {
    let mut h = Harness::new().await;
    let effects = start(&mut h.state);
    h.run(effects).await;
    h.settle().await;
    let fleet = Fleet::demo();
    let p = &fleet.projects[0];
    let ok = p
        .servers
        .iter()
        .find(|s| s.reset_supported && s.status == "ACTIVE")
        .unwrap();
    let bad = p.servers.iter().find(|s| !s.reset_supported).unwrap();
    let targets = vec![target_in(p, &ok.id), target_in(p, &bad.id)];
    send_reset(&mut h, RequestId(10_001), targets).await;
    assert!(h.sim.received_passwords(&bad.id).is_empty());
    assert_eq!(h.sim.received_passwords(&ok.id).len(), 1);
    match h.state.resets.get(bad.id.as_str()) {
        Some(ResetStatus::Refused(why)) => assert!(why.contains("not supported"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        h.state.resets.get(ok.id.as_str()),
        Some(&ResetStatus::Accepted)
    );
    let _ = ProjectRef {
        id: p.id.clone(),
        region: "cn-north-4".into(),
    };
    h.sim.shutdown().await;
}

/// The same project configured twice, once by region (resolved through IAM) and once by id
/// with `protected = true`: it is listed once, and the protection of the second entry holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_project_twice_is_listed_once_and_protected_by_either_entry() {
    let mut h = Harness::with(|c| {
        let mut again = c.projects[0].clone();
        again.id = Some(Fleet::demo().projects[0].id.clone());
        again.name = Some("again".into());
        again.protected = true;
        c.projects.push(again);
    })
    .await;
    assert!(
        !h.state.projects[0].protected,
        "the first entry alone is not protected"
    );
    let effects = start(&mut h.state);
    h.run(effects).await;
    h.settle().await;

    assert_eq!(
        h.state.table.rows().len(),
        h.sim.truth().len(),
        "listed once"
    );
    assert!(h.state.projects[0].protected);
    let first = h
        .state
        .table
        .rows()
        .iter()
        .find(|r| r.project == 0 && r.flag == Flag::Supported)
        .map(|r| r.name().to_owned())
        .expect("a supported server in the first project");
    h.select(&first);
    feed(&mut h.state, [ch('r')]);
    assert!(
        !matches!(h.state.mode, Mode::Form(_)),
        "the reset form opened for a protected project"
    );
    let notice = format!("{:?}", h.state.notice);
    assert!(notice.contains("protected"), "{notice}");
}

/// A list API that ignores `server_id` answers every server of the project to the TUI's
/// pre-flight: the reset still reaches only the one server marked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_server_filter_ignored_the_tui_resets_only_the_named_server() {
    let mut h = Harness::new().await;
    h.sim.set_quirks(ecsreset::sim::Quirks {
        ignore_server_filter: true,
        ..Default::default()
    });
    let effects = start(&mut h.state);
    h.run(effects).await;
    h.settle().await;

    let id = h.select("web-01");
    feed(&mut h.state, [ch('r')]);
    type_str(&mut h.state, "Tq7!filter-ign");
    feed(&mut h.state, [key(KeyCode::Enter)]);
    type_str(&mut h.state, "Tq7!filter-ign");
    let effects = feed(&mut h.state, [key(KeyCode::Enter)]);
    h.run(effects).await;
    h.settle().await;
    let effects = feed(&mut h.state, [key(KeyCode::Right), key(KeyCode::Enter)]);
    assert_eq!(effects.len(), 1, "{:?}", h.state.notice);
    h.run(effects).await;
    h.settle().await;

    for t in h.sim.truth() {
        let n = h.sim.received_passwords(&t.server_id).len();
        let want = usize::from(t.server_id == id);
        assert_eq!(n, want, "{} received {n} reset(s)", t.name);
    }
    assert_eq!(h.state.resets.get(&id), Some(&ResetStatus::Accepted));
}

/// With an escrow, ctrl-g on several marked servers gives each a unique password, sealed
/// before the first request: the sealed file holds exactly what each server received, all
/// differ, and none reaches the state, the log pane or the trail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_g_with_an_escrow_seals_a_unique_password_per_server() {
    use age::secrecy::ExposeSecret;
    let keys = tempfile::tempdir().unwrap();
    let id = age::x25519::Identity::generate();
    let identity = keys.path().join("me.age");
    std::fs::write(&identity, format!("{}\n", id.to_string().expose_secret())).unwrap();
    let recipient = ecsreset::escrow::Recipient::parse(&id.to_public().to_string()).unwrap();
    let dir = keys.path().join("escrow");
    let escrow = worker::Escrow {
        recipients: vec![recipient],
        dir: dir.clone(),
        csms: Some(ecsreset::escrow::CsmsConfig {
            region: None,
            name: ecsreset::escrow::NameTemplate::parse("ecs-{server_id}").unwrap(),
        }),
    };
    let mut h = Harness::build(SimConfig::new(Fleet::demo()), |_| {}, Some(escrow)).await;
    let effects = start(&mut h.state);
    h.run(effects).await;
    h.settle().await;

    let names = ["web-01", "web-02", "k8s-node-01"];
    for n in names {
        h.select(n);
        feed(&mut h.state, [ch(' ')]);
    }
    feed(&mut h.state, [ch('r'), ctrl_g()]);
    let Mode::Form(form) = &h.state.mode else {
        panic!("no form: {:?}", h.state.notice);
    };
    assert!(form.sealed && form.password.is_empty());
    let effects = feed(&mut h.state, [key(KeyCode::Enter)]);
    h.run(effects).await;
    h.settle().await;
    type_str(&mut h.state, "3");
    let effects = feed(&mut h.state, [key(KeyCode::Right), key(KeyCode::Enter)]);
    assert_eq!(effects.len(), 1, "{:?}", h.state.notice);
    h.run(effects).await;
    h.settle().await;

    let Mode::Results(r) = &h.state.mode else {
        panic!("no results");
    };
    let ecsreset::tui::state::Sealing::Done { path, count } = &r.sealed else {
        panic!("not sealed: {:?}", r.sealed);
    };
    assert_eq!(*count, 3);
    assert!(path.starts_with(dir.to_str().unwrap()), "{path}");
    let mut seen = Vec::new();
    for n in names {
        let sid = h.id_of(n);
        let got = h.sim.received_passwords(&sid);
        assert_eq!(got.len(), 1, "{n}");
        let revealed =
            ecsreset::escrow::reveal_with(&dir, &sid, &identity, &|_| None).expect("sealed");
        assert_eq!(revealed.record.password.expose(), got[0].expose(), "{n}");
        // `[escrow] csms` in the TUI too: the server's secret holds what it received.
        let row = h.state.table.get(&sid).unwrap();
        let project = h.state.projects[row.project].id.clone().unwrap();
        let stored = h.sim.csms_values(&project, &format!("ecs-{sid}"));
        assert_eq!(stored.len(), 1, "{n}: one CSMS version");
        assert_eq!(stored[0].expose(), got[0].expose(), "{n}");
        assert_eq!(
            h.state.resets.get(&sid),
            Some(&ResetStatus::Accepted),
            "{n}"
        );
        seen.push(got[0].expose().to_owned());
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3, "every password differs");
    let trail = std::fs::read_to_string(h.trail.path().join("trail.jsonl")).unwrap();
    let logged: String = h
        .state
        .log
        .lines()
        .iter()
        .map(|r| format!("{r:?}"))
        .collect();
    let state = format!("{:?}", h.state.mode);
    for p in &seen {
        assert!(!trail.contains(p.as_str()) && !logged.contains(p.as_str()));
        assert!(!state.contains(p.as_str()));
    }
    assert!(
        trail.contains(path.as_str()),
        "the trail names the sealed file"
    );
}

/// Bare-metal servers list into the same table with their kind and flags; the Windows
/// password of a bare-metal server is fetched on its path, decrypted by the worker, shown in
/// the dialog only, and its clear goes through the engine's trail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_metal_rows_and_a_windows_password_shown_then_cleared() {
    use ecsreset::cloud::ServerKind;
    use ecsreset::tui::state::winpw::{Clear, Stage};
    use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
    let key_pair = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
    let mut cfg = SimConfig::new(Fleet::demo().with_bare_metal(4, 9));
    cfg.windows_key = Some(key_pair.to_public_key());
    let mut h = Harness::with_sim(cfg).await;
    let effects = start(&mut h.state);
    h.run(effects).await;
    h.settle().await;

    let truth = h.sim.truth();
    assert_eq!(h.state.table.rows().len(), truth.len());
    let bare: Vec<_> = truth.iter().filter(|t| t.kind == ServerKind::Bms).collect();
    assert!(!bare.is_empty());
    for t in &bare {
        let row = h.state.table.get(&t.server_id).unwrap();
        assert_eq!(row.kind(), ServerKind::Bms, "{}", t.name);
        let want = if t.reset_supported {
            Flag::Supported
        } else {
            Flag::Unsupported
        };
        assert_eq!(row.flag, want, "{}", t.name);
    }

    let win = bare
        .iter()
        .find(|t| t.os_type == "Windows" && h.sim.stored_windows_password(&t.server_id).is_some())
        .expect("a bare-metal Windows server with a stored password");
    let stored = h.sim.stored_windows_password(&win.server_id).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("kp-bms.pem");
    std::fs::write(
        &pem,
        key_pair.to_pkcs1_pem(LineEnding::LF).unwrap().as_bytes(),
    )
    .unwrap();
    // Readable by others first: refused, as the config would be, and nothing fetched.
    std::fs::set_permissions(
        &pem,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o644),
    )
    .unwrap();
    let name = win.name.clone();
    h.select(&name);
    let effects = feed(&mut h.state, [ch('w')]);
    h.run(effects).await;
    let effects = type_str(&mut h.state, &pem.display().to_string());
    h.run(effects).await;
    let effects = feed(&mut h.state, [key(KeyCode::Enter)]);
    h.run(effects).await;
    h.settle().await;
    let Mode::WindowsPassword(d) = &h.state.mode else {
        panic!("dialog closed: {:?}", h.state.mode);
    };
    assert!(
        matches!(&d.stage, Stage::Failed(w) if w.contains("chmod 600")),
        "{:?}",
        d.stage
    );
    std::fs::set_permissions(
        &pem,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600),
    )
    .unwrap();
    let effects = feed(
        &mut h.state,
        [key(KeyCode::Esc), ch('w'), key(KeyCode::Enter)],
    );
    h.run(effects).await;
    h.settle().await;
    let Mode::WindowsPassword(d) = &h.state.mode else {
        panic!("dialog closed: {:?}", h.state.mode);
    };
    let Stage::Shown { password, clear } = &d.stage else {
        panic!("not shown: {:?}", d.stage);
    };
    assert_eq!(password.expose(), stored.expose());
    assert_eq!(clear, &Clear::Offered);
    let plain = stored.expose().to_owned();
    let logged = format!("{:?}", h.state.log.lines());
    assert!(
        logged.contains("/baremetalservers/"),
        "the BMS path was called"
    );
    assert!(!logged.contains(&plain), "the log pane never holds it");

    clear_is_done_and_trailed(&mut h, &win.server_id, &plain).await;
    feed(&mut h.state, [ch('q')]);
    assert!(!matches!(h.state.mode, Mode::WindowsPassword(_)));
}

/// `y` in the Windows password dialog: the stored password is cleared on the simulator,
/// through the engine's trail (intent, then outcome), which never holds the password.
async fn clear_is_done_and_trailed(h: &mut Harness, server_id: &str, plain: &str) {
    use ecsreset::tui::state::winpw::{Clear, Stage};
    let effects = feed(&mut h.state, [ch('y')]);
    h.run(effects).await;
    h.settle().await;
    let Mode::WindowsPassword(d) = &h.state.mode else {
        panic!("dialog closed");
    };
    assert!(
        matches!(
            &d.stage,
            Stage::Shown {
                clear: Clear::Cleared(_),
                ..
            }
        ),
        "{:?}",
        d.stage
    );
    assert!(h.sim.stored_windows_password(server_id).is_none());
    let trail = std::fs::read_to_string(h.trail.path().join("trail.jsonl")).unwrap();
    let ours: Vec<&str> = trail
        .lines()
        .filter(|l| l.contains("clear-server-password") && l.contains(server_id))
        .collect();
    assert_eq!(ours.len(), 2, "intent, then outcome:\n{trail}");
    assert!(
        ours[0].contains("\"intent\"") && ours[1].contains("\"done\""),
        "{trail}"
    );
    assert!(!trail.contains(plain));
}

/// A reload or a quit stops the worker: the listing it spawned must stop with it, not go on
/// asking the cloud for a session that is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_worker_takes_its_listing_with_it() {
    let mut cfg = SimConfig::new(Fleet::generate(3, 120, 31));
    cfg.faults.latency = Duration::from_millis(10);
    let fleet = cfg.fleet.clone();
    let sim = Sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let config = demo_config(&sim, demo_projects(&fleet));
    let (tx, mut events) = mpsc::unbounded_channel();
    let cloud = Cloud::new(settings(&config, Arc::new(|_| {})).unwrap()).unwrap();
    let (requests, rx) = mpsc::channel(8);
    let opts = worker::WorkerOptions {
        // Many small pages, one at a time: the listing outlasts the test by far.
        page_size: 5,
        concurrency: 1,
        ..Default::default()
    };
    let running = worker::spawn(cloud, opts, rx, tx);
    let projects = State::from_config(&config, false, StdRng::seed_from_u64(3)).project_specs();
    requests
        .send(Request::Load {
            id: RequestId(1),
            projects,
        })
        .await
        .unwrap();
    loop {
        let e = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("the listing starts")
            .expect("the worker is alive");
        if matches!(e, Event::Page { .. }) {
            break;
        }
    }
    running.stop();
    // A request already on the wire may still land; nothing after it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = sim.stats().total_requests;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sim.stats().total_requests, before, "the listing went on");
    assert!(running.is_finished());
    while let Ok(e) = events.try_recv() {
        assert!(
            !matches!(e, Event::Done { .. }),
            "the listing finished: {e:?}"
        );
    }
}
