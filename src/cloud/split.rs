//! Splits one array of a JSON object (a list page's `servers`) into its elements as the body
//! arrives. A page of 1,000 servers is 2-3 MB of JSON; with 16 projects listing at once the
//! whole bodies and their fully decoded records were most of the TUI's peak memory. Split,
//! a page holds one element's bytes at a time and whatever the caller keeps of each.
//!
//! The splitter only finds boundaries: every element and the rest of the body (the array
//! replaced by `[]`, the "skeleton") are parsed by serde_json afterwards, strictly, so a body
//! that is not valid JSON is still refused, whatever the splitter let through.

/// Where the splitter is, as it walks the bytes outside strings.
#[derive(Debug)]
pub struct Splitter {
    key: &'static [u8],
    skeleton: Vec<u8>,
    element: Vec<u8>,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// At depth 1 the next string is a key (after `{` or `,`).
    key_next: bool,
    reading_key: bool,
    key_buf: Vec<u8>,
    /// The key just read is the array's, and its `:` was seen.
    matched: bool,
    colon: bool,
    in_array: bool,
    /// Elements emitted from the array; a second array of the same key is left in place.
    elements: usize,
    split_once: bool,
}

/// Why the bytes cannot be a JSON body: they close more than they open, or end inside a
/// value, or separate elements with nothing between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken(pub &'static str);

impl Splitter {
    pub fn new(key: &'static str) -> Self {
        Self {
            key: key.as_bytes(),
            skeleton: Vec::new(),
            element: Vec::new(),
            depth: 0,
            in_string: false,
            escaped: false,
            key_next: false,
            reading_key: false,
            key_buf: Vec::new(),
            matched: false,
            colon: false,
            in_array: false,
            elements: 0,
            split_once: false,
        }
    }

    /// Feeds the next bytes; `element` gets each complete element of the array, in order.
    pub fn feed<E>(
        &mut self,
        bytes: &[u8],
        element: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), Fault<E>> {
        for &b in bytes {
            if self.in_array {
                self.array_byte(b, element)?;
            } else {
                self.outside_byte(b).map_err(Fault::Broken)?;
            }
        }
        Ok(())
    }

    /// The body without the array's elements, once every byte is in.
    pub fn finish(self) -> Result<Vec<u8>, Broken> {
        if self.in_string || self.in_array || self.depth != 0 {
            return Err(Broken("the body ends inside a value"));
        }
        Ok(self.skeleton)
    }

    fn string_byte(&mut self, b: u8) {
        if self.escaped {
            self.escaped = false;
        } else if b == b'\\' {
            self.escaped = true;
        } else if b == b'"' {
            self.in_string = false;
        }
    }

    fn outside_byte(&mut self, b: u8) -> Result<(), Broken> {
        if self.in_string {
            self.string_byte(b);
            if self.reading_key {
                if self.in_string {
                    if self.key_buf.len() <= self.key.len() {
                        self.key_buf.push(b);
                    }
                } else {
                    self.reading_key = false;
                    self.matched = self.key_buf == self.key;
                }
            }
            self.skeleton.push(b);
            return Ok(());
        }
        match b {
            b'"' => {
                self.in_string = true;
                if self.depth == 1 && self.key_next {
                    self.key_next = false;
                    self.reading_key = true;
                    self.key_buf.clear();
                } else {
                    self.value_started();
                }
            }
            b'[' if self.depth == 1 && self.matched && self.colon && !self.split_once => {
                self.value_started();
                self.in_array = true;
                self.split_once = true;
                self.depth = 2;
                self.element.clear();
                // The skeleton gets `[]` when the array closes.
                return Ok(());
            }
            b'{' | b'[' => {
                self.value_started();
                self.depth += 1;
                self.key_next = self.depth == 1 && b == b'{';
            }
            b'}' | b']' => {
                self.depth = self
                    .depth
                    .checked_sub(1)
                    .ok_or(Broken("the body closes more than it opens"))?;
            }
            b',' => self.key_next = self.depth == 1,
            b':' => self.colon = self.depth == 1 && self.matched,
            b' ' | b'\t' | b'\n' | b'\r' => {}
            _ => self.value_started(),
        }
        self.skeleton.push(b);
        Ok(())
    }

    fn value_started(&mut self) {
        self.matched = false;
        self.colon = false;
    }

    fn array_byte<E>(
        &mut self,
        b: u8,
        element: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), Fault<E>> {
        if self.in_string {
            self.string_byte(b);
            self.element.push(b);
            return Ok(());
        }
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' if self.depth > 2 => self.depth -= 1,
            b']' => {
                let empty = self.element.iter().all(u8::is_ascii_whitespace);
                if empty && self.elements > 0 {
                    return Err(Fault::Broken(Broken("an element is missing before `]`")));
                }
                if !empty {
                    self.emit(element)?;
                }
                self.in_array = false;
                self.depth = 1;
                self.skeleton.extend_from_slice(b"[]");
                return Ok(());
            }
            b'}' => return Err(Fault::Broken(Broken("`}` closes an array"))),
            b',' if self.depth == 2 => {
                if self.element.iter().all(u8::is_ascii_whitespace) {
                    return Err(Fault::Broken(Broken("an element is missing before `,`")));
                }
                return self.emit(element);
            }
            _ => {}
        }
        self.element.push(b);
        Ok(())
    }

    fn emit<E>(
        &mut self,
        element: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), Fault<E>> {
        self.elements += 1;
        let r = element(&self.element).map_err(Fault::Element);
        self.element.clear();
        r
    }
}

/// A body the splitter cannot walk, or an element the caller refused.
#[derive(Debug)]
pub enum Fault<E> {
    Broken(Broken),
    Element(E),
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// Splits `body` fed in pieces of `chunk` bytes; the elements and the skeleton.
    fn split(body: &[u8], chunk: usize) -> Result<(Vec<Value>, Vec<u8>), String> {
        let mut s = Splitter::new("servers");
        let mut out = Vec::new();
        let mut each = |e: &[u8]| -> Result<(), String> {
            out.push(serde_json::from_slice::<Value>(e).map_err(|e| e.to_string())?);
            Ok(())
        };
        for piece in body.chunks(chunk.max(1)) {
            s.feed(piece, &mut each).map_err(|f| format!("{f:?}"))?;
        }
        let skeleton = s.finish().map_err(|b| b.0.to_owned())?;
        Ok((out, skeleton))
    }

    /// What parsing the split pieces gives: the body with its `servers` put back.
    fn rejoin(elements: Vec<Value>, skeleton: &[u8]) -> Result<Value, String> {
        let mut v: Value = serde_json::from_slice(skeleton).map_err(|e| e.to_string())?;
        if let Some(Value::Array(a)) = v.get_mut("servers") {
            assert!(a.is_empty(), "the skeleton keeps no element");
            *a = elements;
        } else {
            assert!(elements.is_empty());
        }
        Ok(v)
    }

    #[test]
    fn a_page_splits_into_its_servers_and_a_skeleton() {
        let body = br#" {"count": 2, "servers": [ {"id":"a","name":"x]\"},"} , {"id":"b","m":{"k":[1,{}]}} ], "servers_links": [{"rel":"next"}]} "#;
        let (els, skeleton) = split(body, 7).unwrap();
        assert_eq!(
            els,
            vec![
                json!({"id":"a","name":"x]\"},"}),
                json!({"id":"b","m":{"k":[1,{}]}})
            ]
        );
        assert_eq!(
            String::from_utf8(skeleton).unwrap(),
            r#" {"count": 2, "servers": [], "servers_links": [{"rel":"next"}]} "#
        );
    }

    #[test]
    fn only_the_top_level_key_is_split() {
        let body = br#"{"other":{"servers":[1,2]},"list":["servers",[3]],"servers":[]}"#;
        let (els, skeleton) = split(body, 1).unwrap();
        assert!(els.is_empty());
        assert_eq!(skeleton, body.to_vec());
        // A value that is a string named like the key is not the key.
        let body = br#"{"a":"servers","servers":[{"id":"s"}]}"#;
        let (els, _) = split(body, 3).unwrap();
        assert_eq!(els, vec![json!({"id":"s"})]);
    }

    #[test]
    fn broken_bodies_are_refused_by_the_splitter_or_by_serde() {
        for bad in [
            &br#"{"servers":[{"id":"a"},]}"#[..],
            br#"{"servers":[,{"id":"a"}]}"#,
            br#"{"servers":[{"id":"a"}"#,
            br#"{"servers":[{"id":"a"}}"#,
            br#"{"servers":[{"id":"a"} {"id":"b"}]}"#,
            br#"{"count":1,"servers":[{"id":"a"}]"#,
            br#"{"count":1}}"#,
            br#"{"servers":[{"id":"a\"}]}"#,
            b"<html>",
        ] {
            let whole = split(bad, 4).and_then(|(els, sk)| rejoin(els, &sk));
            assert!(whole.is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn a_refused_element_stops_the_split() {
        let mut s = Splitter::new("servers");
        let mut n = 0;
        let r = s.feed(br#"{"servers":[1,2,3]}"#, &mut |_: &[u8]| {
            n += 1;
            if n == 2 { Err("no") } else { Ok(()) }
        });
        assert!(matches!(r, Err(Fault::Element("no"))));
        assert_eq!(n, 2);
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            "[a-z\\\\\"\\]\\[{},: ]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("(servers|[a-z]{1,3})", inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whatever the body and however it is cut into chunks, the pieces parse back to
        /// what serde reads from the whole body.
        #[test]
        fn split_and_rejoined_is_the_body(
            servers in prop::collection::vec(json_value(), 0..5),
            rest in prop::collection::vec(("[a-z]{1,3}", json_value()), 0..3),
            pretty in any::<bool>(),
            chunk in 1usize..40,
        ) {
            let mut map: serde_json::Map<String, Value> = rest.into_iter().collect();
            map.insert("servers".into(), Value::Array(servers));
            let body = Value::Object(map);
            let bytes = if pretty {
                serde_json::to_vec_pretty(&body).unwrap()
            } else {
                serde_json::to_vec(&body).unwrap()
            };
            let (els, skeleton) = split(&bytes, chunk).unwrap();
            prop_assert_eq!(rejoin(els, &skeleton).unwrap(), body);
        }

        /// A body cut short anywhere is never taken for a whole one.
        #[test]
        fn a_body_cut_short_is_refused(
            servers in prop::collection::vec(json_value(), 1..4),
            cut in 0usize..10_000,
        ) {
            let body = serde_json::to_vec(&json!({"count": 1, "servers": servers})).unwrap();
            let at = cut % body.len();
            let whole = split(&body[..at], 5).and_then(|(els, sk)| rejoin(els, &sk));
            prop_assert!(whole.is_err());
        }
    }
}
