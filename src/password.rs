//! Password rules per OS (section 6 of the API doc) and a generator. Pure.
//!
//! Two sources of rules apply, each where it applies: the ECS user guide's rules for the
//! guest OS (6.2), always, and the API's rules (6.1), when the request sets
//! `is_check_password`. Every checklist item says which source it comes from. The API allows
//! fewer special characters than either OS, so with the API check the API's set is the one
//! in force; without it, the OS's own set (for an unknown OS, what both OSes allow). The
//! "3 letters in a row from Administrator" and "no leading /" rules are Windows rules: a
//! Linux server meets the first only through the API check, and never the second. An
//! unknown OS gets the Windows rules too, as it might be Windows. [`check`] is the checklist
//! with the API check, which a password passing it meets on every OS.
//!
//! The checker never copies the password: [`check`] first reduces it to `facts::Facts`
//! (counts and flags only) and every [`RuleStatus::detail`] is rendered from those facts, so
//! no character of the password can reach the screen, a log or a `Debug` dump through it.

mod facts;
mod generate;
#[cfg(test)]
mod tests;

use facts::{ALL_NAMES, Class, Facts, LINUX_NAMES, WINDOWS_NAMES};

pub use generate::{generate, generate_with_len};

/// Fewest characters the API accepts.
pub const MIN_LEN: usize = 8;
/// Most characters the API accepts.
pub const MAX_LEN: usize = 26;
/// The 13 specials allowed by the API; also a subset of both OS lists.
pub const ALLOWED_SPECIALS: &str = "!@%-_=+[]:./?";
/// The specials the user guide allows on Linux.
pub const LINUX_SPECIALS: &str = "!@%-_=+[]:./^,{}?";
/// The specials the user guide allows on Windows.
pub const WINDOWS_SPECIALS: &str = "$!@%-_=+[]:./,?";
/// What both OSes allow, for a server whose OS is not known.
pub const EITHER_OS_SPECIALS: &str = "!@%-_=+[]:./,?";

/// The guest OS of a server, which decides the user name and the leading-slash rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OsKind {
    Linux,
    Windows,
    Unknown,
}

impl OsKind {
    /// From ECS `metadata.os_type` ("Linux"/"Windows", case-insensitive; anything else or
    /// `None` is `Unknown`, which is checked as strictly as Windows).
    pub fn from_metadata(os_type: Option<&str>) -> Self {
        match os_type.map(str::trim) {
            Some(s) if s.eq_ignore_ascii_case("linux") => Self::Linux,
            Some(s) if s.eq_ignore_ascii_case("windows") => Self::Windows,
            _ => Self::Unknown,
        }
    }

    /// The account whose password a one-click reset changes.
    pub fn username(self) -> &'static str {
        match self {
            Self::Linux => "root",
            Self::Windows | Self::Unknown => "Administrator",
        }
    }

    /// The rules shown for this OS with the API check, in checklist order.
    pub fn rules(self) -> Vec<Rule> {
        Rule::ALL
            .into_iter()
            .filter(|r| r.source(self, true).is_some())
            .collect()
    }

    /// The special characters the user guide allows on this OS.
    pub fn specials(self) -> &'static str {
        match self {
            Self::Linux => LINUX_SPECIALS,
            Self::Windows => WINDOWS_SPECIALS,
            Self::Unknown => EITHER_OS_SPECIALS,
        }
    }
}

/// Where a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// The ECS user guide, for the guest OS.
    Os,
    /// The API, when the request sets `is_check_password`.
    Api,
    Both,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Os => "OS",
            Source::Api => "API",
            Source::Both => "OS+API",
        }
    }
}

/// One line of the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    Length,
    AllowedCharacters,
    ThreeClasses,
    NoUsername,
    NoUsernameRun,
    NoLeadingSlash,
}

impl Rule {
    /// Every rule, in checklist order.
    pub const ALL: [Rule; 6] = [
        Rule::Length,
        Rule::AllowedCharacters,
        Rule::ThreeClasses,
        Rule::NoUsername,
        Rule::NoUsernameRun,
        Rule::NoLeadingSlash,
    ];

    /// Which source has this rule for `os`; `None` when neither does and it does not apply.
    pub fn source(self, os: OsKind, api_check: bool) -> Option<Source> {
        let windows_rule = os != OsKind::Linux;
        let (by_os, by_api) = match self {
            Rule::Length | Rule::AllowedCharacters | Rule::ThreeClasses | Rule::NoUsername => {
                (true, api_check)
            }
            Rule::NoUsernameRun => (windows_rule, api_check),
            Rule::NoLeadingSlash => (windows_rule, false),
        };
        match (by_os, by_api) {
            (true, true) => Some(Source::Both),
            (true, false) => Some(Source::Os),
            (false, true) => Some(Source::Api),
            (false, false) => None,
        }
    }

    /// Short checklist text, short enough for an 80-column form; the one of the API check
    /// (see [`RuleStatus::label`] for the one in force).
    pub fn label(self) -> &'static str {
        match self {
            Rule::Length => "8 to 26 characters",
            Rule::AllowedCharacters => "only A–Z a–z 0–9 !@%-_=+[]:./?",
            Rule::ThreeClasses => "3 of: upper, lower, digit, special",
            Rule::NoUsername => "no root or Administrator, nor reversed",
            Rule::NoUsernameRun => "no 3 letters in a row from Administrator",
            Rule::NoLeadingSlash => "does not start with /",
        }
    }
}

/// The verdict on one rule, with an optional hint that never quotes the password.
#[derive(Clone, PartialEq, Eq)]
pub struct RuleStatus {
    pub rule: Rule,
    pub passed: bool,
    pub detail: Option<String>,
    pub source: Source,
    /// The rule as it applies here (the character set and account names in force).
    pub label: &'static str,
}

/// Without the label: its fixed text ("root", the specials) would make a `Debug` dump look
/// as if it held a password that happens to be such a word.
impl std::fmt::Debug for RuleStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleStatus")
            .field("rule", &self.rule)
            .field("passed", &self.passed)
            .field("detail", &self.detail)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// Every rule that applies to one OS, in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    pub os: OsKind,
    /// Whether the API's `is_check_password` rules are included.
    pub api_check: bool,
    pub items: Vec<RuleStatus>,
}

impl Checklist {
    /// True when every rule passed, i.e. the reset may be submitted.
    pub fn passed(&self) -> bool {
        self.items.iter().all(|item| item.passed)
    }

    /// The failure to show when there is room for one message only.
    pub fn first_failure(&self) -> Option<&RuleStatus> {
        self.items.iter().find(|item| !item.passed)
    }
}

/// The checklist of a server of this OS with the API check (`is_check_password: true`).
///
/// An empty password fails `Length` and `ThreeClasses`; the "must not contain" rules and
/// `AllowedCharacters` are vacuously true and pass, and the overall verdict is a failure.
#[must_use]
pub fn check(password: &str, os: OsKind) -> Checklist {
    check_with(password, os, true)
}

/// The checklist of a server of this OS, with or without the API's own check.
#[must_use]
pub fn check_with(password: &str, os: OsKind, api_check: bool) -> Checklist {
    let specials = if api_check {
        ALLOWED_SPECIALS
    } else {
        os.specials()
    };
    let names = match (os, api_check) {
        (OsKind::Linux, false) => LINUX_NAMES,
        (OsKind::Windows, false) => WINDOWS_NAMES,
        _ => ALL_NAMES,
    };
    let facts = Facts::of(password, specials, names);
    let items = Rule::ALL
        .into_iter()
        .filter_map(|rule| {
            let source = rule.source(os, api_check)?;
            let label = match rule {
                Rule::AllowedCharacters => chars_label(specials),
                Rule::NoUsername => names_label(names),
                r => r.label(),
            };
            Some(RuleStatus {
                source,
                label,
                ..judge(rule, &facts, specials)
            })
        })
        .collect();
    Checklist {
        os,
        api_check,
        items,
    }
}

fn chars_label(specials: &str) -> &'static str {
    match specials {
        LINUX_SPECIALS => "only A–Z a–z 0–9 !@%-_=+[]:./^,{}?",
        WINDOWS_SPECIALS => "only A–Z a–z 0–9 $!@%-_=+[]:./,?",
        EITHER_OS_SPECIALS => "only A–Z a–z 0–9 !@%-_=+[]:./,?",
        _ => Rule::AllowedCharacters.label(),
    }
}

fn names_label(names: &[&[u8]]) -> &'static str {
    if names == LINUX_NAMES {
        "no root, nor reversed"
    } else if names == WINDOWS_NAMES {
        "no Administrator, nor reversed"
    } else {
        Rule::NoUsername.label()
    }
}

/// One rule's verdict, computed from facts only, so the detail cannot echo the password.
fn judge(rule: Rule, facts: &Facts, specials: &str) -> RuleStatus {
    let (passed, detail) = match rule {
        Rule::Length => {
            let ok = (MIN_LEN..=MAX_LEN).contains(&facts.chars);
            (ok, Some(length_detail(facts.chars)))
        }
        Rule::AllowedCharacters => {
            let bad = facts.disallowed;
            (
                bad == 0,
                (bad > 0).then(|| disallowed_detail(bad, specials)),
            )
        }
        Rule::ThreeClasses => (facts.class_count() >= 3, Some(classes_detail(facts))),
        Rule::NoUsername => flag(facts.has_username, "contains a user name or its reverse"),
        // Deliberately not quoting "Administrator": a short password such as "Admin" would
        // otherwise appear verbatim inside its own hint. The label names the word instead.
        Rule::NoUsernameRun => flag(
            facts.has_username_run,
            "contains 3 letters in a row from the Windows user name",
        ),
        Rule::NoLeadingSlash => flag(facts.leading_slash, "starts with a slash"),
    };
    RuleStatus {
        rule,
        passed,
        detail,
        source: Source::Both,
        label: rule.label(),
    }
}

/// A "must not" rule: fails with a fixed hint when the forbidden thing was found.
fn flag(found: bool, hint: &str) -> (bool, Option<String>) {
    (!found, found.then(|| hint.to_owned()))
}

fn length_detail(chars: usize) -> String {
    format!("{chars} of {MIN_LEN}–{MAX_LEN} characters")
}

fn disallowed_detail(bad: usize, specials: &str) -> String {
    let noun = if bad == 1 { "character" } else { "characters" };
    format!("{bad} {noun} not allowed (allowed: A–Z a–z 0–9 {specials})")
}

fn classes_detail(facts: &Facts) -> String {
    let present: Vec<&str> = Class::ALL
        .iter()
        .filter(|&&class| facts.has(class))
        .map(|&class| class.name())
        .collect();
    let count = present.len();
    if count == 0 {
        format!("has 0 of {} classes", Class::ALL.len())
    } else {
        format!(
            "has {count} of {} classes: {}",
            Class::ALL.len(),
            present.join(", ")
        )
    }
}
