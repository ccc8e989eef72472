//! A string that must never be printed: passwords, secret keys, security tokens.
//!
//! `Debug` and `Display` print `***`, the bytes are zeroized on drop, and the only way to read
//! the value is [`Secret::expose`], which is called at the HTTP edge (signing, request bodies)
//! and nowhere else. `Secret` deliberately does not implement `Serialize`.

use std::fmt;
use zeroize::Zeroize;

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The plain value. Call sites are the HTTP edge and password checks; keep it that way.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    /// Appends a typed character in place, so a form never builds an unzeroized copy.
    pub fn push(&mut self, c: char) {
        self.room_for(c);
        self.0.push(c);
    }

    /// Inserts a typed character before the `at`-th character (or at the end), in place.
    pub fn insert(&mut self, at: usize, c: char) {
        self.room_for(c);
        let i = self.byte_index(at);
        self.0.insert(i, c);
    }

    /// Removes the characters `from..to` (character positions, clamped). The bytes move
    /// inside the buffer; what is left behind past the end is zeroized with the rest.
    pub fn remove_range(&mut self, from: usize, to: usize) {
        let (a, b) = (self.byte_index(from), self.byte_index(to));
        if a < b {
            self.0.replace_range(a..b, "");
        }
    }

    pub fn pop(&mut self) -> Option<char> {
        self.0.pop()
    }

    /// Growing would leave the old buffer unzeroized in the allocator, so move by hand.
    fn room_for(&mut self, c: char) {
        if self.0.len() + c.len_utf8() > self.0.capacity() {
            let mut bigger = String::with_capacity((self.0.capacity() * 2).max(32));
            bigger.push_str(&self.0);
            self.0.zeroize();
            self.0 = bigger;
        }
    }

    fn byte_index(&self, chars: usize) -> usize {
        self.0
            .char_indices()
            .nth(chars)
            .map_or(self.0.len(), |(i, _)| i)
    }

    pub fn clear(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("hunter2-Sentinel");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{:?}", Some(&s)), "Some(***)");
        assert_eq!(s.expose(), "hunter2-Sentinel");
    }

    #[test]
    fn push_pop_clear_keep_the_value_consistent() {
        let mut s = Secret::default();
        for c in "Ab1!é漢".chars() {
            s.push(c);
        }
        for _ in 0..100 {
            s.push('x');
        }
        assert_eq!(s.len(), 106);
        assert_eq!(s.pop(), Some('x'));
        s.clear();
        assert!(s.is_empty());
    }

    #[test]
    fn insert_and_remove_work_on_character_positions_in_place() {
        let mut s = Secret::default();
        for c in "aé漢".chars() {
            s.push(c);
        }
        let cap = s.0.capacity();
        s.insert(1, 'X');
        s.insert(99, 'Z');
        assert_eq!(s.expose(), "aXé漢Z");
        s.remove_range(1, 3);
        assert_eq!(s.expose(), "a漢Z");
        s.remove_range(2, 1);
        s.remove_range(0, 99);
        assert!(s.is_empty());
        assert_eq!(s.0.capacity(), cap, "no reallocation, so no stray copy");
    }

    #[test]
    fn deserializes_from_a_plain_string() {
        let s: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(s.expose(), "abc");
    }
}
