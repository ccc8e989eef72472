//! The `/` filter language, pure: space-separated terms, all of which must match.
//!
//! A term is `field:value` (`flag:`, `status:`, `os:`, `project:`, `profile:`, `az:`, `name:`,
//! `tag:`) or a bare word, which matches the name, id, addresses, project label or zone. `!` in front
//! negates a term; `"…"` keeps spaces inside a value. `flag:` takes exactly one of its five
//! words, so `flag:supported` never matches an unsupported server; every other value is a
//! case-insensitive substring. A term that does not parse is reported and ignored, so a
//! half-typed `status:` hides nothing while the operator is still typing.

use std::fmt;

/// The five states of the reset flag, as `flag:` spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagWord {
    Supported,
    Unsupported,
    Checking,
    Unknown,
    /// The project's endpoint does not offer the flag or reset API.
    NotOffered,
}

impl FlagWord {
    pub const ALL: [FlagWord; 5] = [
        FlagWord::Supported,
        FlagWord::Unsupported,
        FlagWord::Checking,
        FlagWord::Unknown,
        FlagWord::NotOffered,
    ];

    pub fn word(self) -> &'static str {
        match self {
            FlagWord::Supported => "supported",
            FlagWord::Unsupported => "unsupported",
            FlagWord::Checking => "checking",
            FlagWord::Unknown => "unknown",
            FlagWord::NotOffered => "not-offered",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.word() == s)
    }
}

/// What a term looks at. `Any` is a bare word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Status,
    Os,
    Project,
    Profile,
    Az,
    Name,
    Tag,
    Any,
}

impl Field {
    const NAMED: [(&'static str, Field); 7] = [
        ("status", Field::Status),
        ("os", Field::Os),
        ("project", Field::Project),
        ("profile", Field::Profile),
        ("az", Field::Az),
        ("name", Field::Name),
        ("tag", Field::Tag),
    ];

    fn name(self) -> &'static str {
        Self::NAMED
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("any", |(n, _)| n)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    Flag(FlagWord),
    /// A lower-case substring of the field.
    Text(Field, String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub negated: bool,
    pub test: Test,
    /// The [`byte_mask`] of a text test's needle: a row whose bytes lack any of them cannot hold it.
    need: u64,
}

/// Set for a text with a byte outside ASCII, whose case folding bytes do not show.
pub const NON_ASCII: u64 = 1 << 63;

/// Which bytes a text holds, case-insensitively, one bit per letter and digit and the other
/// ASCII bytes folded onto the remaining bits. A row keeps this of its bare-word fields, so
/// the first key of a filter at 100,000 rows tests a word per row and reads the texts of the
/// few rows that could match; a shared bit only makes the test less sharp, never wrong.
pub fn byte_mask(text: &str) -> u64 {
    text.bytes().fold(0, |m, b| m | bit(b))
}

fn bit(b: u8) -> u64 {
    let b = b.to_ascii_lowercase();
    match b {
        b'a'..=b'z' => 1 << (b - b'a'),
        b'0'..=b'9' => 1 << (26 + b - b'0'),
        0..=0x7f => 1 << (36 + b % 27),
        _ => NON_ASCII,
    }
}

/// What a row offers the filter. Text is compared case-insensitively.
pub trait Subject {
    fn flag(&self) -> FlagWord;
    /// Every value of `field` (a row has several addresses and tags).
    fn values(&self, field: Field) -> Vec<&str>;

    /// Whether `hit` holds for any value of `field`; a subject that can walk its values
    /// without collecting them saves an allocation per row and term on every key.
    fn any_value(&self, field: Field, hit: &mut dyn FnMut(&str) -> bool) -> bool {
        self.values(field).into_iter().any(hit)
    }

    /// The [`byte_mask`] of every value of `field` together, when the subject keeps them.
    fn byte_mask(&self, _field: Field) -> Option<u64> {
        None
    }
}

/// A parsed filter: the terms that parsed, and why the others did not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub terms: Vec<Term>,
    pub errors: Vec<String>,
}

const FIELDS_HELP: &str = "flag:, status:, os:, project:, profile:, az:, name: or tag:";

impl Filter {
    pub fn parse(input: &str) -> Self {
        let mut filter = Filter::default();
        for word in split(input) {
            match term(&word) {
                Ok(Some(t)) => filter.terms.push(t),
                Ok(None) => {}
                Err(e) => filter.errors.push(e),
            }
        }
        filter
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn matches(&self, row: &impl Subject) -> bool {
        self.terms.iter().all(|t| t.matches(row))
    }

    /// Whether every row this filter matches is matched by `wider` too: each term of `wider`
    /// is implied by one of this filter's (a longer needle finds a shorter one inside it; a
    /// negated one the other way round). Typing a filter narrows it, so only the rows shown
    /// need testing again.
    pub fn narrows(&self, wider: &Filter) -> bool {
        wider
            .terms
            .iter()
            .all(|w| self.terms.iter().any(|t| t.implies(w)))
    }
}

impl Term {
    /// Whether a row this term matches always matches `other` too.
    fn implies(&self, other: &Term) -> bool {
        if self.negated != other.negated {
            return false;
        }
        match (&self.test, &other.test) {
            (Test::Flag(a), Test::Flag(b)) => a == b,
            (Test::Text(fa, a), Test::Text(fb, b)) if fa == fb => {
                // Needles are lower case; a row's value contains `a` (or lacks it).
                if self.negated {
                    b.contains(a.as_str())
                } else {
                    a.contains(b.as_str())
                }
            }
            _ => false,
        }
    }

    pub fn matches(&self, row: &impl Subject) -> bool {
        let hit = match &self.test {
            Test::Flag(w) => row.flag() == *w,
            Test::Text(field, needle) => {
                let lacks = row
                    .byte_mask(*field)
                    .is_some_and(|has| has & NON_ASCII == 0 && self.need & !has != 0);
                !lacks && row.any_value(*field, &mut |v| contains_ci(v, needle))
            }
        };
        hit != self.negated
    }
}

/// The filter as the table title shows it: `flag=supported and not name~web`.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(" and ")?;
            }
            if t.negated {
                f.write_str("not ")?;
            }
            match &t.test {
                Test::Flag(w) => write!(f, "flag={}", w.word())?,
                Test::Text(field, v) if v.contains(' ') => write!(f, "{}~\"{v}\"", field.name())?,
                Test::Text(field, v) => write!(f, "{}~{v}", field.name())?,
            }
        }
        Ok(())
    }
}

/// Words split at spaces outside double quotes; the quotes themselves are dropped.
fn split(input: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in input.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// One word as a term; `Ok(None)` for a lone `!`, which is still being typed.
fn term(word: &str) -> Result<Option<Term>, String> {
    let (negated, body) = match word.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, word),
    };
    if body.is_empty() {
        return Ok(None);
    }
    let lower = body.to_lowercase();
    // `fe80::1` or `10.0.0.1:22` is an address, not a field name.
    let field_like = |name: &str| !name.is_empty() && name.chars().all(char::is_alphabetic);
    let test = match lower.split_once(':').filter(|(name, _)| field_like(name)) {
        Some(("flag", v)) => Test::Flag(FlagWord::parse(v).ok_or_else(|| {
            format!(
                "flag:{v}: flag: takes supported, unsupported, checking, unknown or not-offered"
            )
        })?),
        Some((name, v)) => {
            let field = Field::NAMED
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| *f)
                .ok_or_else(|| format!("{name}: is not a filter field (use {FIELDS_HELP})"))?;
            if v.is_empty() {
                return Err(format!("{name}: needs a value, e.g. {name}:web"));
            }
            Test::Text(field, v.to_owned())
        }
        None => Test::Text(Field::Any, lower),
    };
    let need = match &test {
        Test::Text(_, needle) => byte_mask(needle),
        Test::Flag(_) => 0,
    };
    Ok(Some(Term {
        negated,
        test,
        need,
    }))
}

/// `needle` is already lower-case. ASCII text is compared without allocating, since the
/// filter runs over every row of a 10,000-server fleet on each key.
fn contains_ci(hay: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    let Some((&first, rest)) = n.split_first() else {
        return true;
    };
    if needle.is_ascii() {
        // The first byte in either case found by `memchr` (a word at a time), the rest tested
        // only there: a bare word is tested against every value of 100,000 rows on each key.
        let h = hay.as_bytes();
        let found = h.len() >= n.len()
            && memchr::memchr2_iter(first, first.to_ascii_uppercase(), &h[..=h.len() - n.len()])
                .any(|k| h[k + 1..k + n.len()].eq_ignore_ascii_case(rest));
        // Only a non-ASCII text can match in ways bytes do not show (case folding).
        if found || hay.is_ascii() {
            return found;
        }
    }
    hay.to_lowercase().contains(needle)
}

#[cfg(test)]
mod tests;
