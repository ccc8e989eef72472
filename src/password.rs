//! Password rules per OS (section 6 of the API doc) and a generator. Pure.
//!
//! The API rules and the OS user guide disagree on the allowed special characters, so this
//! module checks the doc's recommended *intersection*: a password that passes [`check`] is
//! accepted by the `is_check_password` API check and by both Linux and Windows guests.
//!
//! The checker never copies the password: [`check`] first reduces it to `facts::Facts`
//! (counts and flags only) and every [`RuleStatus::detail`] is rendered from those facts, so
//! no character of the password can reach the screen, a log or a `Debug` dump through it.

mod facts;
mod generate;
#[cfg(test)]
mod tests;

use facts::{Class, Facts};

pub use generate::{generate, generate_with_len};

/// Fewest characters the API accepts.
pub const MIN_LEN: usize = 8;
/// Most characters the API accepts.
pub const MAX_LEN: usize = 26;
/// The 13 specials allowed by the API; also a subset of both OS lists.
pub const ALLOWED_SPECIALS: &str = "!@%-_=+[]:./?";

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

    /// The rules shown for this OS, in checklist order. Only Windows forbids a leading `/`,
    /// but an unknown OS might be Windows, so it gets the stricter list.
    pub fn rules(self) -> &'static [Rule] {
        match self {
            Self::Linux => &Rule::ALL[..5],
            Self::Windows | Self::Unknown => &Rule::ALL,
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

    /// Short checklist text, short enough for an 80-column form.
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleStatus {
    pub rule: Rule,
    pub passed: bool,
    pub detail: Option<String>,
}

/// Every rule that applies to one OS, in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    pub os: OsKind,
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

/// The checklist that applies to a server of this OS.
///
/// An empty password fails `Length` and `ThreeClasses`; the "must not contain" rules and
/// `AllowedCharacters` are vacuously true and pass, and the overall verdict is a failure.
#[must_use]
pub fn check(password: &str, os: OsKind) -> Checklist {
    let facts = Facts::of(password);
    let items = os.rules().iter().map(|&rule| judge(rule, &facts)).collect();
    Checklist { os, items }
}

/// One rule's verdict, computed from facts only, so the detail cannot echo the password.
fn judge(rule: Rule, facts: &Facts) -> RuleStatus {
    let (passed, detail) = match rule {
        Rule::Length => {
            let ok = (MIN_LEN..=MAX_LEN).contains(&facts.chars);
            (ok, Some(length_detail(facts.chars)))
        }
        Rule::AllowedCharacters => {
            let bad = facts.disallowed;
            (bad == 0, (bad > 0).then(|| disallowed_detail(bad)))
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
    }
}

/// A "must not" rule: fails with a fixed hint when the forbidden thing was found.
fn flag(found: bool, hint: &str) -> (bool, Option<String>) {
    (!found, found.then(|| hint.to_owned()))
}

fn length_detail(chars: usize) -> String {
    format!("{chars} of {MIN_LEN}–{MAX_LEN} characters")
}

fn disallowed_detail(bad: usize) -> String {
    let noun = if bad == 1 { "character" } else { "characters" };
    format!("{bad} {noun} not allowed (allowed: A–Z a–z 0–9 {ALLOWED_SPECIALS})")
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
