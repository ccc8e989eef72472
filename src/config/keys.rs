//! Key bindings as data: `"ctrl-r" = "refresh"` in the `[keys]` table of the config file.
//!
//! A [`KeyChord`] is normalised so that the chord parsed from the config file and the chord
//! built from a real crossterm event compare equal: terminals report `G` as `Char('G')` with
//! SHIFT and `?` as `Char('?')` with or without SHIFT, so SHIFT is dropped for characters and
//! folded into the character itself (`"shift-g"` is `"G"`). Shift+Tab arrives as `BackTab`.
//!
//! Bindings live in two scopes. [`Scope::Main`] holds the actions of the server list and its
//! dialogs. [`Scope::Form`] holds the actions of the reset form, where plain characters are
//! typed into the password field: so the form falls back to main bindings only for keys that
//! do not type a character (esc, ctrl-c, arrows), and a form action may not be bound to a
//! plain character at all. That is how `tab` can mean `focus_next` in the list and
//! `next_field` in the form.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;
use std::fmt;

/// Something a key can make the app do. Carries no data (no secrets), so it can be logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Help,
    Refresh,
    Filter,
    Sort,
    Mark,
    MarkAll,
    MarkSupported,
    Copy,
    Details,
    Reset,
    Audit,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    ToggleLog,
    Cancel,
    Submit,
    Reveal,
    Generate,
    NextField,
    ToggleProject,
    ToggleProfile,
    ReloadConfig,
    Palette,
    SaveCsv,
    WindowsPassword,
    LastMessage,
}

/// Where a binding applies; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Main,
    Form,
}

/// The name that `[keys]` uses to remove a binding, e.g. `"q" = "none"`.
pub const UNBIND: &str = "none";

/// (action, config name, help text); the single source for names and descriptions.
const TABLE: &[(Action, &str, &str)] = &[
    (Action::Quit, "quit", "quit ecsreset"),
    (Action::Help, "help", "show or hide this help"),
    (
        Action::Refresh,
        "refresh",
        "reload the server list from the cloud",
    ),
    (
        Action::Filter,
        "filter",
        "filter: words, flag: status: os: project: profile: az: name: tag:, !not",
    ),
    (Action::Sort, "sort", "cycle the sort column"),
    (
        Action::Mark,
        "mark",
        "mark or unmark the server under the cursor",
    ),
    (
        Action::MarkAll,
        "mark_all",
        "mark or unmark all visible servers",
    ),
    (
        Action::MarkSupported,
        "mark_supported",
        "mark or unmark every visible server that supports one-click reset",
    ),
    (
        Action::Copy,
        "copy",
        "copy the id to the clipboard (OSC 52); again: name, then address",
    ),
    (
        Action::Details,
        "details",
        "show the details of the server under the cursor",
    ),
    (
        Action::Reset,
        "reset",
        "reset the password of the marked servers",
    ),
    (
        Action::Audit,
        "audit",
        "check which servers support one-click reset",
    ),
    (
        Action::FocusNext,
        "focus_next",
        "move focus to the next pane",
    ),
    (
        Action::FocusPrev,
        "focus_prev",
        "move focus to the previous pane",
    ),
    (Action::Up, "up", "move the cursor up"),
    (Action::Down, "down", "move the cursor down"),
    (Action::PageUp, "page_up", "move the cursor one page up"),
    (
        Action::PageDown,
        "page_down",
        "move the cursor one page down",
    ),
    (Action::Top, "top", "jump to the first row"),
    (Action::Bottom, "bottom", "jump to the last row"),
    (
        Action::ToggleLog,
        "toggle_log",
        "show or hide the request log",
    ),
    (Action::Cancel, "cancel", "close the dialog, form or filter"),
    (Action::Submit, "submit", "submit the reset form"),
    (Action::Reveal, "reveal", "show or hide the typed password"),
    (Action::Generate, "generate", "generate a strong password"),
    (
        Action::NextField,
        "next_field",
        "move to the next form field",
    ),
    (
        Action::ToggleProject,
        "toggle_project",
        "switch to the next project",
    ),
    (
        Action::ToggleProfile,
        "toggle_profile",
        "show the next profile (account) only, then all",
    ),
    (
        Action::ReloadConfig,
        "reload_config",
        "read the config file again (credentials, endpoints, projects)",
    ),
    (
        Action::Palette,
        "palette",
        "command palette: every action, :project :columns :theme :view",
    ),
    (
        Action::SaveCsv,
        "save_csv",
        "save the visible table as CSV in the data directory",
    ),
    (
        Action::WindowsPassword,
        "windows_password",
        "show a Windows server's stored initial password (key pair)",
    ),
    (
        Action::LastMessage,
        "last_message",
        "the whole last message of the status line, wrapped",
    ),
];

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::Quit,
        Action::Help,
        Action::Refresh,
        Action::Filter,
        Action::Sort,
        Action::Mark,
        Action::MarkAll,
        Action::MarkSupported,
        Action::Copy,
        Action::Details,
        Action::Reset,
        Action::Audit,
        Action::FocusNext,
        Action::FocusPrev,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::ToggleLog,
        Action::Cancel,
        Action::Submit,
        Action::Reveal,
        Action::Generate,
        Action::NextField,
        Action::ToggleProject,
        Action::ToggleProfile,
        Action::ReloadConfig,
        Action::Palette,
        Action::SaveCsv,
        Action::WindowsPassword,
        Action::LastMessage,
    ];

    fn row(self) -> &'static (Action, &'static str, &'static str) {
        TABLE
            .iter()
            .find(|row| row.0 == self)
            .expect("every action has a row in TABLE")
    }

    /// The `snake_case` name used in the `[keys]` table, e.g. `"page_down"`.
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// Accepts the `snake_case` name; `-` is taken as `_` and case is ignored.
    pub fn from_name(s: &str) -> Option<Self> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        TABLE.iter().find(|row| row.1 == wanted).map(|row| row.0)
    }

    /// One line of help text.
    pub fn describe(self) -> &'static str {
        self.row().2
    }

    /// The form actions only make sense while the reset form is open.
    pub fn scope(self) -> Scope {
        match self {
            Action::Submit | Action::Reveal | Action::Generate | Action::NextField => Scope::Form,
            _ => Scope::Main,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A key plus modifiers, normalised (see the module documentation). Only CONTROL, ALT and
/// SHIFT are kept; SHIFT survives only on keys that do not type a character (`shift-up`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

/// Named keys: (config name, code). The first name of a code is the one displayed.
const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("return", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("escape", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("space", KeyCode::Char(' ')),
    ("backspace", KeyCode::Backspace),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pgup", KeyCode::PageUp),
    ("pageup", KeyCode::PageUp),
    ("pgdn", KeyCode::PageDown),
    ("pagedown", KeyCode::PageDown),
    ("delete", KeyCode::Delete),
    ("del", KeyCode::Delete),
    ("insert", KeyCode::Insert),
];

const KEY_NAMES_HELP: &str = "a single character or one of: enter, esc, tab, backtab, space, \
    backspace, up, down, left, right, home, end, pgup, pgdn, delete, insert, f1..f12";

impl KeyChord {
    /// Builds a normalised chord, so `new(Char('g'), SHIFT) == new(Char('G'), NONE)`.
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> Self {
        let mut mods =
            modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let shift = mods.contains(KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(if shift { upper(c) } else { c })
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::Tab if shift => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Self {
            code,
            modifiers: mods,
        }
    }

    /// Parses `"ctrl-r"`, `"shift-tab"`, `"f5"`, `"G"`, `"?"`, `"ctrl--"`. Modifier and key
    /// names ignore case; a single character is taken literally (`"g"` is not `"G"`).
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut rest = s;
        let mut mods = KeyModifiers::NONE;
        while let Some((modifier, len)) = leading_modifier(rest) {
            if rest.len() == len {
                return Err(format!("key chord \"{s}\" has no key after the modifier"));
            }
            if mods.contains(modifier) {
                return Err(format!("key chord \"{s}\" repeats a modifier"));
            }
            mods |= modifier;
            rest = &rest[len..];
        }
        let code = key_code(rest).ok_or_else(|| {
            if s.is_empty() {
                format!("empty key chord (expected {KEY_NAMES_HELP})")
            } else if rest == s {
                format!("unknown key \"{s}\" (expected {KEY_NAMES_HELP})")
            } else {
                format!("unknown key \"{rest}\" in \"{s}\" (expected {KEY_NAMES_HELP})")
            }
        })?;
        if mods.contains(KeyModifiers::SHIFT)
            && let KeyCode::Char(c) = code
            && upper(c) == c
            && lower(c) == c
        {
            return Err(format!(
                "key chord \"{s}\": shift- combines only with letters and named keys; \
                 write the shifted character itself, e.g. \"?\" or \"!\""
            ));
        }
        Ok(Self::new(code, mods))
    }

    /// The chord of a crossterm key event (its kind is ignored; filter presses yourself).
    pub fn from_event(ev: &KeyEvent) -> Self {
        Self::new(ev.code, ev.modifiers)
    }

    /// True when a text field would take this key as typed input: a character without
    /// ctrl or alt. Such keys go to the field before any binding is considered.
    pub fn types_text(&self) -> bool {
        matches!(self.code, KeyCode::Char(_))
            && !self
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }
}

fn leading_modifier(s: &str) -> Option<(KeyModifiers, usize)> {
    let starts = |prefix: &str| {
        s.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    if starts("ctrl-") {
        Some((KeyModifiers::CONTROL, 5))
    } else if starts("alt-") {
        Some((KeyModifiers::ALT, 4))
    } else if starts("shift-") {
        Some((KeyModifiers::SHIFT, 6))
    } else {
        None
    }
}

fn key_code(s: &str) -> Option<KeyCode> {
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return (!c.is_control()).then_some(KeyCode::Char(c));
    }
    let lower = s.to_ascii_lowercase();
    if let Some((_, code)) = NAMED.iter().find(|(name, _)| *name == lower) {
        return Some(*code);
    }
    let n: u8 = lower.strip_prefix('f')?.parse().ok()?;
    (1..=12).contains(&n).then_some(KeyCode::F(n))
}

fn upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

fn lower(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (flag, prefix) in [
            (KeyModifiers::CONTROL, "ctrl-"),
            (KeyModifiers::ALT, "alt-"),
            (KeyModifiers::SHIFT, "shift-"),
        ] {
            if self.modifiers.contains(flag) {
                f.write_str(prefix)?;
            }
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            code => match NAMED.iter().find(|(_, named)| *named == code) {
                Some((name, _)) => f.write_str(name),
                None => write!(f, "{}", format!("{code:?}").to_lowercase()),
            },
        }
    }
}

/// The bindings of both scopes. Each chord maps to at most one action per scope.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyMap {
    main: HashMap<KeyChord, Action>,
    form: HashMap<KeyChord, Action>,
}

/// Sorted and spelled as in the config file, so `Debug` of a whole `Config` stays readable.
impl fmt::Debug for KeyMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.bindings()
                    .iter()
                    .map(|(a, k)| (k.to_string(), a.name())),
            )
            .finish()
    }
}

/// The built-in bindings, as the config file would spell them.
const DEFAULTS: &[(&str, Action)] = &[
    ("q", Action::Quit),
    ("ctrl-c", Action::Quit),
    ("?", Action::Help),
    ("ctrl-r", Action::Refresh),
    ("f5", Action::Refresh),
    ("/", Action::Filter),
    ("s", Action::Sort),
    ("space", Action::Mark),
    ("a", Action::MarkAll),
    ("m", Action::MarkSupported),
    ("y", Action::Copy),
    ("enter", Action::Details),
    ("r", Action::Reset),
    ("A", Action::Audit),
    ("tab", Action::FocusNext),
    ("backtab", Action::FocusPrev),
    ("up", Action::Up),
    ("k", Action::Up),
    ("down", Action::Down),
    ("j", Action::Down),
    ("pgup", Action::PageUp),
    ("pgdn", Action::PageDown),
    ("home", Action::Top),
    ("g", Action::Top),
    ("end", Action::Bottom),
    ("G", Action::Bottom),
    ("l", Action::ToggleLog),
    ("esc", Action::Cancel),
    ("ctrl-s", Action::Submit),
    ("ctrl-v", Action::Reveal),
    ("ctrl-g", Action::Generate),
    ("tab", Action::NextField),
    ("p", Action::ToggleProject),
    ("P", Action::ToggleProfile),
    ("R", Action::ReloadConfig),
    (":", Action::Palette),
    // The form's ctrl-s (submit) is looked up first, so this acts only outside the form.
    ("ctrl-s", Action::SaveCsv),
    ("w", Action::WindowsPassword),
    ("!", Action::LastMessage),
];

fn unknown_action(name: &str) -> String {
    let names: Vec<&str> = TABLE.iter().map(|row| row.1).collect();
    if name.trim().eq_ignore_ascii_case(UNBIND) {
        return format!("\"{UNBIND}\" cannot be combined with actions");
    }
    format!(
        "unknown action \"{name}\" (expected one of: {}, or \"{UNBIND}\" to remove the key)",
        names.join(", ")
    )
}

/// Actions that must keep a key, or the user could not leave the app or a dialog.
const ESSENTIAL: &[Action] = &[Action::Quit, Action::Cancel];

impl Default for KeyMap {
    fn default() -> Self {
        Self::defaults()
    }
}

impl KeyMap {
    pub fn defaults() -> Self {
        let mut map = Self {
            main: HashMap::new(),
            form: HashMap::new(),
        };
        for (chord, action) in DEFAULTS {
            let chord = KeyChord::parse(chord).expect("default chords parse");
            map.bind(chord, *action);
        }
        map
    }

    fn scope_map(&self, scope: Scope) -> &HashMap<KeyChord, Action> {
        match scope {
            Scope::Main => &self.main,
            Scope::Form => &self.form,
        }
    }

    /// The action of a chord in the server list and its dialogs.
    pub fn lookup(&self, chord: &KeyChord) -> Option<Action> {
        self.main.get(chord).copied()
    }

    /// The action of a chord while the reset form is open: a form binding, else a main
    /// binding unless the chord types text (then the caller types it into the field).
    pub fn lookup_form(&self, chord: &KeyChord) -> Option<Action> {
        self.form
            .get(chord)
            .or_else(|| {
                (!chord.types_text())
                    .then(|| self.main.get(chord))
                    .flatten()
            })
            .copied()
    }

    /// The chords bound to an action, in a stable order for help screens: plain keys first.
    pub fn keys_for(&self, a: Action) -> Vec<KeyChord> {
        let mut keys: Vec<KeyChord> = self
            .scope_map(a.scope())
            .iter()
            .filter(|(_, bound)| **bound == a)
            .map(|(chord, _)| *chord)
            .collect();
        keys.sort_by_key(|k| (k.modifiers.bits(), k.to_string()));
        keys
    }

    /// Every binding, ordered by action then chord; for the help screen.
    pub fn bindings(&self) -> Vec<(Action, KeyChord)> {
        Action::ALL
            .iter()
            .flat_map(|a| self.keys_for(*a).into_iter().map(move |k| (*a, k)))
            .collect()
    }

    /// Binds a chord to an action in the action's scope, replacing what it did there before.
    pub fn bind(&mut self, chord: KeyChord, action: Action) {
        match action.scope() {
            Scope::Main => self.main.insert(chord, action),
            Scope::Form => self.form.insert(chord, action),
        };
    }

    /// Removes a chord from both scopes.
    pub fn unbind(&mut self, chord: &KeyChord) {
        self.main.remove(chord);
        self.form.remove(chord);
    }

    /// Applies one `[keys]` entry: `chord = action name`, or `chord = "none"` to unbind.
    /// The error reads well after the entry's name, e.g. `keys."x": unknown action ...`.
    pub fn apply_override(&mut self, chord: &str, action: &str) -> Result<(), String> {
        self.apply_entry(chord, &[action])
    }

    /// Applies one `[keys]` entry whose value may list one action per scope, e.g.
    /// `"tab" = ["focus_next", "next_field"]` (TOML allows each chord only once per table).
    pub fn apply_entry(&mut self, chord: &str, actions: &[&str]) -> Result<(), String> {
        let parsed = KeyChord::parse(chord)?;
        match actions {
            [] => {
                return Err(format!(
                    "lists no action; use \"{UNBIND}\" to remove the key"
                ));
            }
            [one] if one.trim().eq_ignore_ascii_case(UNBIND) => {
                self.unbind(&parsed);
                return Ok(());
            }
            _ => {}
        }
        let mut resolved: Vec<Action> = Vec::with_capacity(actions.len());
        for name in actions {
            let a = Action::from_name(name).ok_or_else(|| unknown_action(name))?;
            if a.scope() == Scope::Form && parsed.types_text() {
                return Err(format!(
                    "\"{a}\" is a form action and \"{parsed}\" types a character into the \
                     password field; use a key like ctrl-{} or f2",
                    lower(a.name().chars().next().unwrap_or('x'))
                ));
            }
            if let Some(other) = resolved.iter().find(|b| b.scope() == a.scope()) {
                return Err(format!(
                    "binds both \"{other}\" and \"{a}\", which act in the same place; a key \
                     can hold one action in the list and one in the reset form"
                ));
            }
            resolved.push(a);
        }
        for a in resolved {
            self.bind(parsed, a);
        }
        Ok(())
    }

    /// Applies `[keys]` entries in order. Two spellings of one chord (`"G"`, `"shift-g"`) are
    /// an error, as is leaving quit or cancel without a key.
    pub fn apply_overrides(&mut self, overrides: &[(String, String)]) -> Result<(), String> {
        let mut seen: HashMap<KeyChord, &str> = HashMap::new();
        for (chord, action) in overrides {
            self.apply_override(chord, action)
                .map_err(|e| format!("\"{chord}\": {e}"))?;
            let parsed = KeyChord::parse(chord)?;
            if let Some(first) = seen.insert(parsed, chord) {
                return Err(format!("\"{chord}\" is the same key as \"{first}\""));
            }
        }
        self.check_essentials()
    }

    /// Errors when quit or cancel has no key left.
    pub fn check_essentials(&self) -> Result<(), String> {
        match ESSENTIAL.iter().find(|a| self.keys_for(**a).is_empty()) {
            Some(a) => Err(format!(
                "no key is left for \"{a}\"; bind one, e.g. \"{}\" = \"{a}\"",
                if *a == Action::Quit { "ctrl-q" } else { "esc" }
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
