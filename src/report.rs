//! Table, JSON and CSV writers over `impl Write`, for every headless command.
//!
//! Cells come from the API, so the table and CSV writers neutralise control characters
//! (a server name must not be able to move the cursor or recolour a terminal) and CSV guards
//! against spreadsheet formula injection.

use std::borrow::Cow;
use std::io::{self, Write};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// A rectangular result: the same rows serve table and CSV; JSON is written by the caller from
/// its own serde type so that types (booleans, nulls) survive.
pub struct Table {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// Shown in place of an unsafe character, so its presence stays visible.
pub const REPLACEMENT: char = '\u{FFFD}';

/// True for characters that must never be written to a terminal: C0 and C1 controls (ESC,
/// BEL, CR, LF, TAB ...), DEL, bidi embeddings/overrides/isolates and directional marks.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The one sanitizer for text that came from the network (names, tags, error messages,
/// headers) on its way to a table, a confirmation, an error line or the TUI: every unsafe
/// character (see [`is_unsafe`]) becomes [`REPLACEMENT`]. Borrows when nothing is replaced.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| if is_unsafe(c) { REPLACEMENT } else { c })
            .collect(),
    )
}

/// [`clean`] line by line, for messages of our own that span lines (a config error quoting
/// its line) but may embed network text: only `\n` survives.
pub fn clean_lines(s: &str) -> String {
    s.split('\n').map(clean).collect::<Vec<_>>().join("\n")
}

/// [`clean`], then cut to `width` display columns with a trailing `…` when it was longer.
/// Wide (CJK, emoji) characters count as two columns and are never split.
pub fn fit(s: &str, width: usize) -> String {
    let s = clean(s);
    if s.width() <= width {
        return s.into_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    // Char widths can undercount a sequence (an emoji with a presentation selector is two
    // columns as a string, one and zero as chars): trim until the string itself fits.
    while out.width() > width - 1 {
        out.pop();
    }
    out.push('…');
    out
}

pub fn write_table(out: &mut dyn Write, t: &Table) -> io::Result<()> {
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| r.iter().map(|c| clean(c).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = t.headers.iter().map(|h| h.width()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.width());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(w - c.width() + 2));
            }
        }
        s
    };
    let headers: Vec<String> = t
        .headers
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    writeln!(out, "{}", line(&headers))?;
    for r in &rows {
        writeln!(out, "{}", line(r))?;
    }
    Ok(())
}

pub fn write_csv(out: &mut dyn Write, t: &Table) -> io::Result<()> {
    write_csv_header(out, &t.headers)?;
    for r in &t.rows {
        write_csv_row(out, r)?;
    }
    Ok(())
}

fn csv_line(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| csv_cell(c))
        .collect::<Vec<_>>()
        .join(",")
}

/// RFC 4180 quoting, plus a leading `'` on cells a spreadsheet would run as a formula.
fn csv_cell(c: &str) -> String {
    let c = clean(c).into_owned();
    let c = if c.starts_with(['=', '+', '-', '@']) && c.parse::<f64>().is_err() {
        format!("'{c}")
    } else {
        c
    };
    if c.contains([',', '"', '\n', '\r']) || c.starts_with(' ') || c.ends_with(' ') {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c
    }
}

pub fn write_json<T: serde::Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
    writeln!(out)
}

/// A JSON array written one element at a time, byte for byte what [`write_json`] writes for
/// the whole array: a long report goes out as it is made instead of being held to the end.
#[derive(Debug, Default)]
pub struct JsonArray {
    started: bool,
}

impl JsonArray {
    pub fn push<T: serde::Serialize>(&mut self, out: &mut dyn Write, value: &T) -> io::Result<()> {
        // The pretty printer nests an element two spaces deeper; it never writes a raw
        // newline inside a string, so indenting every line is that nesting.
        let body = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
        out.write_all(if self.started { b",\n" } else { b"[\n" })?;
        self.started = true;
        for (i, line) in body.split(|&b| b == b'\n').enumerate() {
            out.write_all(if i == 0 { b"  " } else { b"\n  " })?;
            out.write_all(line)?;
        }
        Ok(())
    }

    pub fn end(self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(if self.started { b"\n]\n" } else { b"[]\n" })
    }
}

/// A JSON object of arrays (`{"group": [elements…], …}`) written one element at a time, byte
/// for byte what [`write_json`] writes for the whole map; the groups must come in key order,
/// each once, as a `BTreeMap` has them, and a group appears with its first element.
#[derive(Debug, Default)]
pub struct JsonGroups {
    current: Option<String>,
}

impl JsonGroups {
    pub fn push<T: serde::Serialize>(
        &mut self,
        out: &mut dyn Write,
        group: &str,
        value: &T,
    ) -> io::Result<()> {
        let body = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
        if self.current.as_deref() == Some(group) {
            out.write_all(b",\n")?;
        } else {
            out.write_all(if self.current.is_some() {
                b"\n  ],\n  "
            } else {
                b"{\n  "
            })?;
            serde_json::to_writer(&mut *out, group).map_err(io::Error::other)?;
            out.write_all(b": [\n")?;
            self.current = Some(group.to_owned());
        }
        for (i, line) in body.split(|&b| b == b'\n').enumerate() {
            out.write_all(if i == 0 { b"    " } else { b"\n    " })?;
            out.write_all(line)?;
        }
        Ok(())
    }

    pub fn end(self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(if self.current.is_some() {
            b"\n  ]\n}\n"
        } else {
            b"{}\n"
        })
    }
}

/// The header line of [`write_csv`], for a CSV written row by row with [`write_csv_row`].
pub fn write_csv_header(out: &mut dyn Write, headers: &[&str]) -> io::Result<()> {
    let headers: Vec<String> = headers
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    writeln!(out, "{}", csv_line(&headers))
}

pub fn write_csv_row(out: &mut dyn Write, cells: &[String]) -> io::Result<()> {
    writeln!(out, "{}", csv_line(cells))
}

/// `true`/`false`/empty, as CSV and tables show an optional flag.
pub fn flag_word(flag: Option<bool>) -> &'static str {
    match flag {
        Some(true) => "supported",
        Some(false) => "unsupported",
        None => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        Table {
            headers: vec!["name", "flag"],
            rows: vec![
                vec!["web,1".into(), "supported".into()],
                vec!["=HYPERLINK(\"x\")".into(), "unknown".into()],
                vec!["evil\x1b[31mred".into(), "x".into()],
            ],
        }
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let mut out = Vec::new();
        write_csv(&mut out, &sample()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "name,flag\n\"web,1\",supported\n\"'=HYPERLINK(\"\"x\"\")\",unknown\nevil\u{FFFD}[31mred,x\n"
        );
    }

    #[test]
    fn a_json_array_written_element_by_element_is_the_whole_array() {
        let values = [
            serde_json::json!({"name": "a\nb \"q\"", "n": null, "tags": [], "x": {"y": [1, 2]}}),
            serde_json::json!({"name": "数据库", "ok": true}),
        ];
        for n in 0..=values.len() {
            let mut whole = Vec::new();
            write_json(&mut whole, &&values[..n]).unwrap();
            let mut parts = Vec::new();
            let mut array = JsonArray::default();
            for v in &values[..n] {
                array.push(&mut parts, v).unwrap();
            }
            array.end(&mut parts).unwrap();
            assert_eq!(
                String::from_utf8(parts).unwrap(),
                String::from_utf8(whole).unwrap()
            );
        }
    }

    #[test]
    fn json_groups_written_element_by_element_are_the_whole_map() {
        use std::collections::BTreeMap;
        let a = serde_json::json!({"name": "a\nb \"q\"", "n": null, "tags": [], "x": {"y": [1]}});
        let b = serde_json::json!({"name": "数据库", "ok": true});
        let maps: Vec<BTreeMap<&str, Vec<&serde_json::Value>>> = vec![
            BTreeMap::new(),
            [("default", vec![&a])].into(),
            [("a \"x\"", vec![&a, &b]), ("b", vec![&b]), ("c", vec![&a])].into(),
        ];
        for map in maps {
            let mut whole = Vec::new();
            write_json(&mut whole, &map).unwrap();
            let mut parts = Vec::new();
            let mut groups = JsonGroups::default();
            for (g, values) in &map {
                for v in values {
                    groups.push(&mut parts, g, v).unwrap();
                }
            }
            groups.end(&mut parts).unwrap();
            assert_eq!(
                String::from_utf8(parts).unwrap(),
                String::from_utf8(whole).unwrap()
            );
        }
    }

    #[test]
    fn table_aligns_by_display_width_and_strips_escapes() {
        let t = Table {
            headers: vec!["name", "id"],
            rows: vec![
                vec!["数据库".into(), "1".into()],
                vec!["a\u{202e}b".into(), "2".into()],
            ],
        };
        let mut out = Vec::new();
        write_table(&mut out, &t).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "name    id\n数据库  1\na\u{FFFD}b     2\n");
        assert!(!text.contains('\x1b'));
    }
}
