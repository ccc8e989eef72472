//! Table, JSON and CSV writers over `impl Write`, for every headless command.
//!
//! Cells come from the API, so the table and CSV writers neutralise control characters
//! (a server name must not be able to move the cursor or recolour a terminal) and CSV guards
//! against spreadsheet formula injection.

use std::borrow::Cow;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

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
    let headers: Vec<String> = t.headers.iter().map(|h| h.to_string()).collect();
    writeln!(out, "{}", line(&headers))?;
    for r in &rows {
        writeln!(out, "{}", line(r))?;
    }
    Ok(())
}

pub fn write_csv(out: &mut dyn Write, t: &Table) -> io::Result<()> {
    let headers: Vec<String> = t.headers.iter().map(|h| h.to_string()).collect();
    writeln!(out, "{}", csv_line(&headers))?;
    for r in &t.rows {
        writeln!(out, "{}", csv_line(r))?;
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
