//! The one gate every API string passes before it reaches a cell: server names, tags, error
//! messages and the like are untrusted and may hold escape sequences or bidi overrides that
//! would repaint the terminal or reorder what the operator reads.

use std::borrow::Cow;

pub use crate::report::{REPLACEMENT, clean, fit, is_unsafe};

/// An optional API string, cleaned, or `-`.
pub fn or_dash(s: Option<&str>) -> Cow<'_, str> {
    match s {
        Some(s) if !s.is_empty() => clean(s),
        _ => Cow::Borrowed("-"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn escapes_bells_and_bidi_overrides_are_replaced() {
        let dirty = "web\x1b[31m-01\x07\u{202e}txt\u{2066}\u{9b}";
        let c = clean(dirty);
        assert!(!c.contains('\x1b') && !c.contains('\x07') && !c.contains('\u{202e}'));
        assert!(!c.contains('\u{2066}') && !c.contains('\u{9b}'));
        assert_eq!(c, "web�[31m-01��txt��");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn fit_respects_display_width() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        assert_eq!(fit("漢字漢字", 5), "漢字…");
        assert_eq!(fit("漢字漢字", 5).width(), 5);
        assert_eq!(fit("x", 0), "");
        // A heart with the emoji selector is two columns as a string, one without it.
        assert_eq!(fit("漢a❤\u{fe0f}a", 5), "漢a❤…");
        assert!(fit("❤\u{fe0f}❤\u{fe0f}❤\u{fe0f}", 4).width() <= 4);
    }

    fn hostile() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            "[a-z]{1,4}",
            proptest::sample::select(
                &[
                    "漢",
                    "👍",
                    "❤\u{fe0f}",
                    "👩\u{200d}💻",
                    "e\u{301}",
                    "\u{200b}",
                    "\u{2028}",
                    "\u{202e}",
                    "\u{2067}",
                    "\x1b[31m",
                    "\x1b]0;t\x07",
                    "\t",
                    "\r\n",
                    "\u{9b}",
                    "\u{fe0f}",
                    "🇨🇳",
                    "\u{ad}",
                    "שלום",
                    "مرحبا",
                    "\u{e0041}",
                    "\u{7f}"
                ][..]
            )
            .prop_map(str::to_owned),
            any::<char>().prop_map(|c| c.to_string()),
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        /// Whatever a server name holds, what reaches a cell has no unsafe character and
        /// is never wider than the cell.
        #[test]
        fn fit_is_safe_and_never_wider_than_asked(s in hostile(), w in 0usize..30) {
            let f = fit(&s, w);
            proptest::prop_assert!(f.width() <= w, "{:?} -> {:?}", s, f);
            proptest::prop_assert!(!f.chars().any(is_unsafe));
            proptest::prop_assert!(!clean(&s).chars().any(is_unsafe));
            proptest::prop_assert!(!or_dash(Some(&s)).chars().any(is_unsafe));
        }
    }
}
