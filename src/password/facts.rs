//! What the rules need to know about a password, as counts and flags only.
//!
//! Reducing the password to [`Facts`] in one place keeps its characters out of every detail
//! string, and the scan allocates nothing, so no unzeroized copy of the password is left in
//! the heap on each keystroke.

/// The Linux account name and its reverse.
pub(super) const LINUX_NAMES: &[&[u8]] = &[b"root", b"toor"];
/// The Windows account name and its reverse.
pub(super) const WINDOWS_NAMES: &[&[u8]] = &[b"administrator", b"rotartsinimda"];
/// Both, as the API check and an unknown OS forbid them.
pub(super) const ALL_NAMES: &[&[u8]] = &[b"root", b"administrator", b"toor", b"rotartsinimda"];

/// The Windows account name; no 3 of its consecutive letters may appear in a password.
const WINDOWS_USER: &[u8] = b"administrator";

/// How long a run of the Windows user name may not be.
const RUN: usize = 3;

/// A character class counted by the "3 of 4 classes" rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    Upper,
    Lower,
    Digit,
    Special,
}

impl Class {
    pub(super) const ALL: [Class; 4] = [Class::Upper, Class::Lower, Class::Digit, Class::Special];

    /// The word used in checklist details.
    pub(super) fn name(self) -> &'static str {
        match self {
            Class::Upper => "upper",
            Class::Lower => "lower",
            Class::Digit => "digit",
            Class::Special => "special",
        }
    }

    /// The class of an allowed character; `None` for anything outside the set in force.
    pub(super) fn of(c: char, specials: &str) -> Option<Class> {
        match c {
            'A'..='Z' => Some(Class::Upper),
            'a'..='z' => Some(Class::Lower),
            '0'..='9' => Some(Class::Digit),
            _ if specials.contains(c) => Some(Class::Special),
            _ => None,
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// Everything the rules look at. Holds no character of the password by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Facts {
    /// Length in Unicode scalar values, as the API counts "characters".
    pub chars: usize,
    /// How many characters are outside the allowed set.
    pub disallowed: usize,
    /// Bit set of the [`Class`]es present.
    classes: u8,
    pub has_username: bool,
    pub has_username_run: bool,
    pub leading_slash: bool,
}

impl Facts {
    /// `specials` are the special characters allowed, `names` the account names (and
    /// reverses) forbidden, both as the rules in force say.
    pub(super) fn of(password: &str, specials: &str, names: &[&[u8]]) -> Self {
        let mut facts = Facts {
            chars: 0,
            disallowed: 0,
            classes: 0,
            has_username: names.iter().any(|name| contains_ci(password, name)),
            has_username_run: WINDOWS_USER
                .windows(RUN)
                .any(|run| contains_ci(password, run)),
            leading_slash: password.starts_with('/'),
        };
        for c in password.chars() {
            facts.chars += 1;
            match Class::of(c, specials) {
                Some(class) => facts.classes |= class.bit(),
                None => facts.disallowed += 1,
            }
        }
        facts
    }

    pub(super) fn has(&self, class: Class) -> bool {
        self.classes & class.bit() != 0
    }

    pub(super) fn class_count(&self) -> usize {
        self.classes.count_ones() as usize
    }
}

/// ASCII case-insensitive substring test on bytes, without allocating.
///
/// Needles are ASCII, and in UTF-8 every byte of a non-ASCII character is >= 0x80, so a byte
/// window can only match whole ASCII characters. Non-ASCII look-alikes (e.g. the Kelvin sign
/// or a dotted capital I) are not folded: they already fail `AllowedCharacters`.
fn contains_ci(haystack: &str, needle: &[u8]) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle))
}
