//! Everything the screen shows, and nothing that does I/O. `update` changes it; the panes
//! only read it. Time comes in through `Msg::Tick`, so drawing is a pure function of it.

pub mod audit;
pub mod filter;
pub mod form;
pub mod geometry;
pub mod log;
pub mod palette;
pub mod row;
pub mod table;
pub mod winpw;

use crate::config::{Column, Config, KeyMap, Theme, View};
use crate::tui::msg::{ProjectSpec, RequestId, ResetStatus};
use audit::AuditProgress;
use chrono::{DateTime, Utc};
use form::{Confirm, Form};
use log::LogRing;
use rand::rngs::StdRng;
use std::collections::HashMap;
use table::Table;

/// Where a project's list stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectLoad {
    Loading,
    Listed(usize),
    Failed(String),
    /// The same project as another entry (index), listed there.
    SameAs(usize),
}

#[derive(Debug, Clone)]
pub struct ProjectState {
    pub label: String,
    pub region: String,
    /// `None` until the worker resolved it from the region name.
    pub id: Option<String>,
    /// Resets are refused in this project.
    pub protected: bool,
    pub load: ProjectLoad,
    /// An API this project's endpoint answered `404 APIGW.0101` for: said once, then resets
    /// are refused here with that reason.
    pub not_offered: Option<crate::cloud::capability::Capability>,
    /// The `[profiles.NAME]` it comes from; None = the top-level (default) profile.
    pub profile: Option<String>,
}

impl ProjectState {
    /// `label [region]`, or just the region when the project has no name of its own (the
    /// label then is the region, and saying it twice is noise).
    pub fn place(&self) -> String {
        if self.label == self.region {
            self.region.clone()
        } else {
            format!("{} [{}]", self.label, self.region)
        }
    }
}

impl ProjectState {
    pub fn new(region: &str, id: Option<&str>, name: Option<&str>, protected: bool) -> Self {
        Self {
            label: name.unwrap_or(region).to_owned(),
            region: region.to_owned(),
            id: id.map(str::to_owned),
            protected,
            load: ProjectLoad::Loading,
            not_offered: None,
            profile: None,
        }
    }
}

/// What has the keyboard.
#[derive(Debug)]
pub enum Mode {
    Browse,
    /// Typing into the `/` filter.
    Filter,
    Details,
    Help {
        scroll: usize,
    },
    Form(Box<Form>),
    Confirm(Box<Confirm>),
    Results(Results),
    /// Showing a Windows server's stored initial password.
    WindowsPassword(Box<winpw::WinPw>),
    AuditSummary,
    /// The `:` command palette.
    Palette(Box<palette::Palette>),
    /// Something too long for the status line, e.g. why the config could not be reloaded.
    Message {
        title: String,
        text: String,
    },
}

/// The progress popup of one reset request.
#[derive(Debug, Clone)]
pub struct Results {
    pub id: RequestId,
    pub servers: Vec<String>,
    pub finished: bool,
    /// Unique passwords: where they are sealed, once the worker says so.
    pub sealed: Sealing,
}

/// Where a reset's unique passwords stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sealing {
    /// One password for all (typed or generated in the form).
    None,
    /// Being generated and sealed; nothing has been sent yet.
    Pending,
    Done {
        path: String,
        count: usize,
    },
}

/// The `[escrow]` a session seals unique passwords to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealTo {
    pub recipients: usize,
    pub dir: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Servers,
    Log,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// The one-line message at the bottom: the answer to the last thing the operator did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    Load,
    Audit,
    /// Pre-flight for the confirmation.
    Check,
    Reset,
    /// Fetching and decrypting a stored Windows password.
    WindowsPassword,
    /// Clearing a stored Windows password (a change, like a reset).
    ClearPassword,
}

pub struct State {
    pub now: DateTime<Utc>,
    /// Terminal size in cells, from `Msg::Resize`.
    pub size: (u16, u16),
    /// No colour at all (`NO_COLOR`), whatever the theme.
    pub mono: bool,
    pub theme: Theme,
    /// The table's columns in order (`[ui] columns`, a view, `:columns`); None = all that fit.
    pub columns: Option<Vec<Column>>,
    /// `[[views]]` of the config, for the palette.
    pub views: Vec<View>,
    /// Mouse events act (`[ui] mouse`, `--mouse`); the runtime captures the mouse only then.
    pub mouse: bool,
    /// Where `ctrl-s` saves the table; None when there is no data directory.
    pub data_dir: Option<std::path::PathBuf>,
    pub keys: KeyMap,
    pub read_only: bool,
    /// Agency profiles and when their temporary keys end, as the worker last reported.
    pub agency_until: Vec<(String, DateTime<Utc>)>,
    /// With `[escrow]` configured, several servers can each get a unique sealed password.
    pub escrow: Option<SealTo>,
    pub projects: Vec<ProjectState>,
    pub table: Table,
    pub mode: Mode,
    pub focus: Focus,
    pub show_log: bool,
    /// Rows scrolled in the details, audit summary, message or results popup; zeroed when
    /// one opens.
    pub popup_scroll: usize,
    /// The server and field `y` copied last, so the next `y` copies the next field.
    pub copied: Option<(String, usize)>,
    pub log: LogRing,
    pub audit: Option<AuditProgress>,
    pub notice: Option<Notice>,
    pub last_error: Option<String>,
    /// The latest reset status per server id; survives refreshes.
    pub resets: HashMap<String, ResetStatus>,
    pub pending: HashMap<RequestId, Pending>,
    pub next_id: u64,
    /// For the password generator; seeded from the OS by the runtime, fixed in tests.
    pub rng: StdRng,
    /// `q` was pressed while a reset was in flight; the next `q` quits.
    pub quit_armed: bool,
    /// The key file last used to show a Windows password, offered again next time.
    pub windows_key_path: String,
}

impl State {
    pub fn new(projects: Vec<ProjectState>, keys: KeyMap, rng: StdRng) -> Self {
        let mut table = Table::default();
        table.set_project_names(
            projects
                .iter()
                .map(|p| format!("{} {}", p.label, p.region))
                .collect(),
        );
        table.set_profile_names(
            projects
                .iter()
                .map(|p| {
                    p.profile
                        .clone()
                        .unwrap_or_else(|| crate::config::DEFAULT_PROFILE.to_owned())
                })
                .collect(),
        );
        Self {
            now: DateTime::<Utc>::UNIX_EPOCH,
            size: (80, 24),
            mono: false,
            theme: Theme::default(),
            columns: None,
            views: Vec::new(),
            mouse: false,
            data_dir: None,
            keys,
            read_only: false,
            agency_until: Vec::new(),
            escrow: None,
            projects,
            table,
            mode: Mode::Browse,
            focus: Focus::Servers,
            show_log: false,
            popup_scroll: 0,
            copied: None,
            log: LogRing::default(),
            audit: None,
            notice: None,
            last_error: None,
            resets: HashMap::new(),
            pending: HashMap::new(),
            next_id: 1,
            rng,
            quit_armed: false,
            windows_key_path: String::new(),
        }
    }

    /// The projects, keys, read-only flag and theme of a resolved config.
    pub fn from_config(config: &Config, read_only: bool, rng: StdRng) -> Self {
        let projects = config
            .projects
            .iter()
            .map(|p| ProjectState {
                profile: p.profile.clone(),
                ..ProjectState::new(&p.region, p.id.as_deref(), p.name.as_deref(), p.protected)
            })
            .collect();
        let mut s = Self::new(projects, config.keys.clone(), rng);
        s.read_only = read_only || config.ui.read_only;
        s.theme = config.ui.theme;
        s.columns.clone_from(&config.ui.columns);
        s.views.clone_from(&config.views);
        s.mouse = config.ui.mouse;
        s
    }

    /// The first key bound to an action, as the help shows it.
    pub fn key_of(&self, action: crate::config::Action) -> String {
        self.keys
            .keys_for(action)
            .first()
            .map_or_else(|| "—".to_owned(), std::string::ToString::to_string)
    }

    pub fn fresh_id(&mut self) -> RequestId {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        id
    }

    pub fn project_specs(&self) -> Vec<ProjectSpec> {
        self.projects
            .iter()
            .enumerate()
            .map(|(index, p)| ProjectSpec {
                index,
                region: p.region.clone(),
                id: p.id.clone(),
                profile: p.profile.clone(),
            })
            .collect()
    }

    pub fn notice(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        if level == Level::Error {
            self.last_error = Some(text.clone());
        }
        self.notice = Some(Notice { level, text });
    }

    pub fn resets_in_flight(&self) -> bool {
        self.pending
            .values()
            .any(|p| matches!(p, Pending::Reset | Pending::ClearPassword))
    }

    /// What the palette offers in this state.
    pub fn palette_context(&self) -> palette::Context<'_> {
        palette::Context {
            keys: &self.keys,
            projects: self.projects.iter().map(ProjectState::place).collect(),
            views: &self.views,
            columns: self.columns.as_deref(),
            profiles: if self.many_profiles() {
                self.profile_names()
            } else {
                Vec::new()
            },
        }
    }

    /// The loaded profiles, each once, in the order of their first project.
    pub fn profile_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for i in 0..self.projects.len() {
            let n = self.profile_name(i);
            if !names.iter().any(|m| m == n) {
                names.push(n.to_owned());
            }
        }
        names
    }

    /// Whether projects of more than one profile are shown (then the table names them).
    /// Records the new expiry of a profile's agency keys (the header shows it).
    pub fn agency_renewed(&mut self, profile: String, until: DateTime<Utc>) {
        match self.agency_until.iter_mut().find(|(p, _)| *p == profile) {
            Some(entry) => entry.1 = until,
            None => self.agency_until.push((profile, until)),
        }
    }

    pub fn many_profiles(&self) -> bool {
        self.projects
            .iter()
            .any(|p| p.profile != self.projects[0].profile)
    }

    /// The profile name of a project, `default` for the top-level one.
    pub fn profile_name(&self, index: usize) -> &str {
        self.projects
            .get(index)
            .and_then(|p| p.profile.as_deref())
            .unwrap_or(crate::config::DEFAULT_PROFILE)
    }

    pub fn project_label(&self, index: usize) -> &str {
        self.projects.get(index).map_or("?", |p| p.label.as_str())
    }
}
