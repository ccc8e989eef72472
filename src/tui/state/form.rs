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
    /// Where typing goes in the focused secret field, in characters.
    pub cursor: usize,
    pub reveal: bool,
    /// A generated password is on screen; it is hidden again on the next key.
    pub generated: bool,
    pub check_password: bool,
    pub checklist: Checklist,
    /// Each server gets a unique generated password, sealed to the escrow before sending:
    /// nothing is typed, nothing is shown.
    pub sealed: bool,
}

impl Form {
    pub fn new(targets: Vec<String>, os: OsKind) -> Self {
        Self {
            targets,
            os,
            password: Secret::default(),
            confirm: Secret::default(),
            field: Field::Password,
            cursor: 0,
            reveal: false,
            generated: false,
            check_password: true,
            checklist: password::check_with("", os, true),
            sealed: false,
        }
    }

    /// Re-runs the rules; called after every change of the password or the API check.
    pub fn recheck(&mut self) {
        self.checklist = password::check_with(self.password.expose(), self.os, self.check_password);
    }

    /// Moves to a field, with the cursor at the end of what it holds.
    pub fn focus(&mut self, field: Field) {
        self.field = field;
        self.cursor = self.focused_secret().map_or(0, |s| s.len());
    }

    /// Types a character at the cursor; refused (false) once the field holds the API's
    /// maximum, since a longer password could never be sent.
    pub fn type_char(&mut self, c: char) -> bool {
        let at = self.cursor;
        let Some(secret) = self.focused_secret() else {
            return true;
        };
        if secret.len() >= password::MAX_LEN {
            return false;
        }
        secret.insert(at, c);
        self.cursor += 1;
        true
    }

    /// Editing keys of the focused secret field.
    pub fn edit(&mut self, edit: Edit) {
        let at = self.cursor;
        let Some(secret) = self.focused_secret() else {
            return;
        };
        let len = secret.len();
        let at = at.min(len);
        let (from, to, cursor) = match edit {
            Edit::Left => (0, 0, at.saturating_sub(1)),
            Edit::Right => (0, 0, (at + 1).min(len)),
            Edit::Home => (0, 0, 0),
            Edit::End => (0, 0, len),
            Edit::Backspace if at > 0 => (at - 1, at, at - 1),
            Edit::Delete => (at, at + 1, at),
            Edit::KillToStart => (0, at, 0),
            Edit::KillWord => {
                let start = word_start(secret.expose(), at);
                (start, at, start)
            }
            Edit::Backspace => (0, 0, at),
        };
        secret.remove_range(from, to);
        self.cursor = cursor;
    }

    pub fn confirmation_matches(&self) -> bool {
        !self.confirm.is_empty() && self.password.expose() == self.confirm.expose()
    }

    /// Every rule passes and the confirmation matches: the only state that may be submitted.
    pub fn ready(&self) -> bool {
        self.sealed || (self.checklist.passed() && self.confirmation_matches())
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
        self.cursor = 0;
        self.reveal = false;
        self.generated = false;
        self.recheck();
    }
}

/// A key that edits a secret field rather than typing into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Left,
    Right,
    Home,
    End,
    Backspace,
    Delete,
    /// ctrl-u: everything before the cursor.
    KillToStart,
    /// ctrl-w: the word before the cursor, as a shell's backward-kill-word does it
    /// (trailing punctuation, then the letters and digits before it).
    KillWord,
}

/// The character position where the word ending at `at` starts. Reads characters only to
/// classify them; nothing is copied.
fn word_start(s: &str, at: usize) -> usize {
    let before: Vec<bool> = s.chars().take(at).map(char::is_alphanumeric).collect();
    let mut i = before.len();
    while i > 0 && !before[i - 1] {
        i -= 1;
    }
    while i > 0 && before[i - 1] {
        i -= 1;
    }
    i
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
        /// Among `ok`, bare-metal: never restarted by ecsreset (the operator restarts them).
        bare_metal: Vec<String>,
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

    fn typed(text: &str) -> Form {
        let mut f = Form::new(vec!["x".into()], OsKind::Linux);
        for c in text.chars() {
            f.type_char(c);
        }
        f
    }

    #[test]
    fn the_cursor_moves_and_typing_inserts_at_it() {
        let mut f = typed("acd");
        f.edit(Edit::Left);
        f.edit(Edit::Left);
        f.type_char('b');
        assert_eq!((f.password.expose(), f.cursor), ("abcd", 2));
        f.edit(Edit::Home);
        f.edit(Edit::Delete);
        f.edit(Edit::End);
        f.edit(Edit::Backspace);
        f.edit(Edit::Right);
        assert_eq!((f.password.expose(), f.cursor), ("bc", 2));
    }

    #[test]
    fn ctrl_u_and_ctrl_w_kill_before_the_cursor() {
        let mut f = typed("Tq7!fix.ture");
        f.edit(Edit::KillWord);
        assert_eq!(f.password.expose(), "Tq7!fix.");
        f.edit(Edit::KillWord);
        assert_eq!(f.password.expose(), "Tq7!");
        f.edit(Edit::Left);
        f.edit(Edit::KillToStart);
        assert_eq!((f.password.expose(), f.cursor), ("!", 0));
    }

    #[test]
    fn the_field_stops_at_the_api_maximum() {
        let mut f = typed(&"a".repeat(password::MAX_LEN));
        assert!(!f.type_char('b'));
        assert_eq!(f.password.len(), password::MAX_LEN);
        f.focus(Field::Confirm);
        assert!(f.type_char('b'), "the other field is not full");
        assert_eq!(f.cursor, 1);
    }

    #[test]
    fn strictest_os_wins() {
        use OsKind::*;
        assert_eq!(strictest([Linux, Linux]), Linux);
        assert_eq!(strictest([Linux, Windows]), Windows);
        assert_eq!(strictest([Windows, Unknown, Linux]), Unknown);
        assert_eq!(strictest([]), Linux);
    }
}
