//! The reset form and its confirmation dialog. The two secret fields are [`Secret`]s that
//! are typed into in place and zeroized when the form is cancelled or dropped; nothing here
//! derives `Debug` over them in a way that could print them.

use crate::ops::Refusal;
use crate::password::{self, Checklist, OsKind};
use crate::secret::Secret;
use crate::tui::msg::RequestId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Password,
    Confirm,
    Check,
}

impl Field {
    pub fn next(self) -> Self {
        match self {
            Field::Password => Field::Confirm,
            Field::Confirm => Field::Check,
            Field::Check => Field::Password,
        }
    }

    pub fn prev(self) -> Self {
        self.next().next()
    }
}

#[derive(Debug)]
pub struct Form {
    /// Server ids, in the order the operator will read them.
    pub targets: Vec<String>,
    /// The strictest OS among the targets; its checklist applies.
    pub os: OsKind,
    pub password: Secret,
    pub confirm: Secret,
    pub field: Field,
    pub reveal: bool,
    /// A generated password is on screen; it is hidden again on the next key.
    pub generated: bool,
    pub check_password: bool,
    pub checklist: Checklist,
}

impl Form {
    pub fn new(targets: Vec<String>, os: OsKind) -> Self {
        Self {
            targets,
            os,
            password: Secret::default(),
            confirm: Secret::default(),
            field: Field::Password,
            reveal: false,
            generated: false,
            check_password: true,
            checklist: password::check("", os),
        }
    }

    /// Re-runs the rules; called after every change of the password field.
    pub fn recheck(&mut self) {
        self.checklist = password::check(self.password.expose(), self.os);
    }

    pub fn confirmation_matches(&self) -> bool {
        !self.confirm.is_empty() && self.password.expose() == self.confirm.expose()
    }

    /// Every rule passes and the confirmation matches: the only state that may be submitted.
    pub fn ready(&self) -> bool {
        self.checklist.passed() && self.confirmation_matches()
    }

    /// The secret field under the cursor, if the cursor is on one.
    pub fn focused_secret(&mut self) -> Option<&mut Secret> {
        match self.field {
            Field::Password => Some(&mut self.password),
            Field::Confirm => Some(&mut self.confirm),
            Field::Check => None,
        }
    }

    /// Zeroizes both fields.
    pub fn clear(&mut self) {
        self.password.clear();
        self.confirm.clear();
        self.reveal = false;
        self.generated = false;
        self.recheck();
    }
}

/// Linux only when every target is Linux; any Windows or unknown server makes the list as
/// strict as Windows (`Unknown` when an unknown one is among them).
pub fn strictest(oses: impl IntoIterator<Item = OsKind>) -> OsKind {
    oses.into_iter()
        .fold(OsKind::Linux, |acc, os| match (acc, os) {
            (OsKind::Unknown, _) | (_, OsKind::Unknown) => OsKind::Unknown,
            (OsKind::Windows, _) | (_, OsKind::Windows) => OsKind::Windows,
            _ => OsKind::Linux,
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebootChoice {
    None,
    Soft,
    Hard,
}

impl RebootChoice {
    pub const ALL: [RebootChoice; 3] = [RebootChoice::None, RebootChoice::Soft, RebootChoice::Hard];

    pub fn label(self) -> &'static str {
        match self {
            RebootChoice::None => "no reboot (applies at the next restart)",
            RebootChoice::Soft => "soft reboot after the reset",
            RebootChoice::Hard => "hard reboot after the reset",
        }
    }

    pub fn cycle(self, forward: bool) -> Self {
        let i = Self::ALL.iter().position(|c| *c == self).unwrap_or(0);
        let n = Self::ALL.len();
        Self::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Cancel,
    Proceed,
}

/// Pre-flight of the form's servers: asked, then answered by the change engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preflight {
    Pending(RequestId),
    Done {
        /// May go ahead.
        ok: Vec<String>,
        /// Refused, each with its reason; they are not sent.
        refused: Vec<Refusal>,
        /// Among `ok`, shut off: started rather than rebooted when a reboot is chosen.
        shutoff: Vec<String>,
    },
}

/// The last step before a reset is sent. Starts on Cancel.
#[derive(Debug)]
pub struct Confirm {
    pub form: Form,
    pub check: Preflight,
    /// With more than one server the operator types how many.
    pub count: String,
    pub reboot: RebootChoice,
    pub button: Button,
    /// First line of the server list shown (the list scrolls).
    pub scroll: usize,
}

impl Confirm {
    pub fn new(form: Form, check: RequestId) -> Self {
        Self {
            form,
            check: Preflight::Pending(check),
            count: String::new(),
            reboot: RebootChoice::None,
            button: Button::Cancel,
            scroll: 0,
        }
    }

    /// The servers that would be sent: those pre-flight let go ahead (none until it answers).
    pub fn sendable(&self) -> &[String] {
        match &self.check {
            Preflight::Done { ok, .. } => ok,
            Preflight::Pending(_) => &[],
        }
    }

    pub fn refused(&self) -> &[Refusal] {
        match &self.check {
            Preflight::Done { refused, .. } => refused,
            Preflight::Pending(_) => &[],
        }
    }

    pub fn needs_count(&self) -> bool {
        self.sendable().len() > 1
    }

    pub fn count_ok(&self) -> bool {
        !self.needs_count() || self.count.trim() == self.sendable().len().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictest_os_wins() {
        use OsKind::*;
        assert_eq!(strictest([Linux, Linux]), Linux);
        assert_eq!(strictest([Linux, Windows]), Windows);
        assert_eq!(strictest([Windows, Unknown, Linux]), Unknown);
        assert_eq!(strictest([]), Linux);
    }
}
