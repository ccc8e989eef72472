//! The `:` command palette: what can be chosen, and fuzzy matching of what was typed. Pure.
//!
//! The candidates are every browse action of the keymap table (named as in `[keys]`, with its
//! help text and its keys), then `project NAME` per project, `theme NAME`, `view NAME` per
//! saved view, `profile NAME` per loaded profile (with more than one) and `columns LIST`.

use crate::config::{Action, Column, KeyMap, Scope, Theme, View, columns};

/// What choosing a candidate does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Action(Action),
    /// `None` shows every project.
    Project(Option<usize>),
    Theme(Theme),
    /// Index into the state's views.
    View(usize),
    /// `None` shows every profile.
    Profile(Option<String>),
    /// `None`: every column that fits, as without `[ui] columns`.
    Columns(Option<Vec<Column>>),
    /// `:columns` typed without a list: fill the input with the current list to edit.
    EditColumns,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// What is matched and shown first, e.g. `mark_all`, `project prod`, `theme dark`.
    pub label: String,
    pub help: String,
    /// The keys bound to an action, as the help shows them; empty for the rest.
    pub keys: String,
    pub command: Command,
    /// Why it cannot be chosen now (a bad column list), shown instead of acting.
    pub error: Option<String>,
}

/// The palette while it is open: the typed text and the highlighted match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Palette {
    pub input: String,
    pub selected: usize,
}

/// The actions a palette offers: those of the list (form actions act only in the form, and
/// the palette itself is already open).
pub fn offered(a: Action) -> bool {
    a.scope() == Scope::Main && a != Action::Palette
}

/// What the palette can offer: the context it is built from.
pub struct Context<'a> {
    pub keys: &'a KeyMap,
    /// `label [region]` per project.
    pub projects: Vec<String>,
    pub views: &'a [View],
    pub columns: Option<&'a [Column]>,
    /// The loaded profiles, in order; the palette offers them when there is more than one.
    pub profiles: Vec<String>,
}

/// Every candidate, unranked, in a fixed order.
pub fn candidates(cx: &Context, input: &str) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Action::ALL
        .iter()
        .filter(|a| offered(**a))
        .map(|&a| Candidate {
            label: a.name().to_owned(),
            help: a.describe().to_owned(),
            keys: cx
                .keys
                .keys_for(a)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" "),
            command: Command::Action(a),
            error: None,
        })
        .collect();
    let plain = |label: String, help: String, command| Candidate {
        label,
        help,
        keys: String::new(),
        command,
        error: None,
    };
    out.push(plain(
        "project all".into(),
        "show the servers of every project".into(),
        Command::Project(None),
    ));
    for (i, p) in cx.projects.iter().enumerate() {
        out.push(plain(
            format!("project {p}"),
            "show only this project's servers".into(),
            Command::Project(Some(i)),
        ));
    }
    if cx.profiles.len() > 1 {
        out.push(plain(
            "profile all".into(),
            "show the servers of every profile (account)".into(),
            Command::Profile(None),
        ));
        for name in &cx.profiles {
            out.push(plain(
                format!("profile {name}"),
                "show only this profile's (account's) servers".into(),
                Command::Profile(Some(name.clone())),
            ));
        }
    }
    for t in Theme::ALL {
        out.push(plain(
            format!("theme {}", t.name()),
            theme_help(t).into(),
            Command::Theme(t),
        ));
    }
    for (i, v) in cx.views.iter().enumerate() {
        out.push(plain(
            format!("view {}", v.name),
            view_help(v),
            Command::View(i),
        ));
    }
    out.push(columns_candidate(cx, input));
    out
}

fn theme_help(t: Theme) -> &'static str {
    match t {
        Theme::Terminal => "colours: the terminal's own palette",
        Theme::Dark => "colours for a dark background",
        Theme::Light => "colours for a light background",
        Theme::Mono => "no colours (glyphs and words only)",
    }
}

fn view_help(v: &View) -> String {
    let mut parts = Vec::new();
    if let Some(f) = &v.filter {
        parts.push(format!("filter /{f}"));
    }
    if let Some((c, desc)) = v.sort {
        parts.push(format!("sort {c}{}", if desc { " ▼" } else { " ▲" }));
    }
    if let Some(cols) = &v.columns {
        parts.push(format!("columns {}", list(cols)));
    }
    if parts.is_empty() {
        "saved view (sets nothing)".into()
    } else {
        parts.join(" · ")
    }
}

pub fn list(cols: &[Column]) -> String {
    cols.iter().map(|c| c.name()).collect::<Vec<_>>().join(",")
}

/// `columns` alone edits the current list; `columns a,b` sets one; `columns all` resets.
fn columns_candidate(cx: &Context, input: &str) -> Candidate {
    let current = cx.columns.map_or_else(|| "all that fit".to_owned(), list);
    let typed = input
        .trim_start()
        .strip_prefix("columns")
        .filter(|rest| rest.starts_with(' '))
        .map(str::trim)
        .filter(|rest| !rest.is_empty());
    let (label, command, error) = match typed {
        None => ("columns".to_owned(), Command::EditColumns, None),
        Some("all") => ("columns all".to_owned(), Command::Columns(None), None),
        Some(text) => match columns::parse_typed(text) {
            Ok(cols) => (
                format!("columns {}", list(&cols)),
                Command::Columns(Some(cols)),
                None,
            ),
            Err(e) => (format!("columns {text}"), Command::EditColumns, Some(e)),
        },
    };
    Candidate {
        label,
        help: format!("choose and order the table's columns (now: {current})"),
        keys: String::new(),
        command,
        error,
    }
}

/// The candidates that match `input`, best first; all of them, in order, for no input.
pub fn matches(cx: &Context, input: &str) -> Vec<Candidate> {
    let query = input.trim();
    let all = candidates(cx, input);
    if query.is_empty() {
        return all;
    }
    // A list after `columns` is an argument, not something to match.
    if input.trim_start().starts_with("columns ") {
        return all
            .into_iter()
            .filter(|c| matches!(c.command, Command::Columns(_) | Command::EditColumns))
            .collect();
    }
    let mut scored: Vec<(i32, usize, Candidate)> = all
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let s = score(query, &c.label)
                .map(|s| s + 1000)
                .or_else(|| contains_words(query, &c.help).then_some(0))?;
            Some((s, i, c))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, c)| c).collect()
}

/// Every word of the query appears in the text (for finding an action by what it does).
fn contains_words(query: &str, text: &str) -> bool {
    let text = text.to_lowercase();
    query
        .split_whitespace()
        .all(|w| w.chars().count() >= 3 && text.contains(&w.to_lowercase()))
}

/// A fuzzy score of `query` against `text`, or `None` when the query's characters do not all
/// appear in order. Case is ignored; a space in the query matches any separator. Matches at
/// the start, at word starts and in runs score higher, so `ma` ranks `mark_all` over
/// `audit` ... `toggle_...`, and an exact prefix beats everything.
pub fn score(query: &str, text: &str) -> Option<i32> {
    let q: Vec<char> = query.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let is_sep = |c: char| c == ' ' || c == '_' || c == '-' || c == ',' || c == '[';
    let mut total = 0;
    let mut ti = 0;
    let mut last: Option<usize> = None;
    for &qc in &q {
        let found = (ti..t.len()).find(|&i| if qc == ' ' { is_sep(t[i]) } else { t[i] == qc })?;
        let mut s = 1;
        if found == 0 {
            s += 8;
        } else if is_sep(t[found - 1]) {
            s += 6;
        }
        if last.is_some_and(|l| l + 1 == found) {
            s += 4;
        }
        // Skipped characters cost a little, so tighter matches win.
        s -= i32::try_from(found - ti).unwrap_or(i32::MAX).min(5);
        total += s;
        last = Some(found);
        ti = found + 1;
    }
    if t.starts_with(&q) {
        total += 50;
        if t.len() == q.len() {
            total += 50;
        }
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn views() -> Vec<View> {
        vec![View {
            name: "prod-web".into(),
            filter: Some("project:prod web".into()),
            sort: Some((Column::Name, true)),
            columns: None,
        }]
    }

    fn labels(input: &str) -> Vec<String> {
        let keys = KeyMap::defaults();
        let views = views();
        let cx = Context {
            keys: &keys,
            projects: vec!["prod [cn-north-4]".into(), "staging [cn-east-3]".into()],
            views: &views,
            columns: None,
            profiles: vec!["acme".into(), "lab".into()],
        };
        matches(&cx, input).into_iter().map(|c| c.label).collect()
    }

    #[test]
    fn profiles_are_offered_by_name_when_several_are_loaded() {
        let got = labels("profile");
        assert!(got.contains(&"profile lab".to_owned()), "{got:?}");
        assert!(got.contains(&"profile all".to_owned()), "{got:?}");
        assert_eq!(labels("profile lab")[0], "profile lab");
    }

    #[test]
    fn fuzzy_scores_need_every_character_in_order() {
        assert!(score("mka", "mark_all").is_some());
        assert!(score("amk", "mark_all").is_none());
        assert!(score("mark all", "mark_all").is_some(), "space matches _");
        assert!(score("", "x").is_some());
        // Prefix and word starts beat scattered letters.
        assert!(score("ref", "refresh") > score("ref", "reload_config"));
        assert!(score("ma", "mark_all") > score("ma", "toggle_mark"));
        assert!(score("quit", "quit") > score("quit", "quit_all"));
    }

    #[test]
    fn no_input_lists_every_offered_action_then_the_commands() {
        let all = labels("");
        let actions: Vec<&str> = Action::ALL
            .iter()
            .filter(|a| offered(**a))
            .map(|a| a.name())
            .collect();
        assert_eq!(&all[..actions.len()], actions.as_slice());
        assert!(
            !all.iter().any(|l| l == "submit" || l == "palette"),
            "{all:?}"
        );
        for want in [
            "project all",
            "project prod [cn-north-4]",
            "theme light",
            "view prod-web",
            "columns",
        ] {
            assert!(all.iter().any(|l| l == want), "{want} in {all:?}");
        }
    }

    #[test]
    fn typed_text_ranks_the_closest_match_first() {
        assert_eq!(labels("refr")[0], "refresh");
        assert_eq!(labels("mark_all")[0], "mark_all");
        assert_eq!(labels("proj stag")[0], "project staging [cn-east-3]");
        assert_eq!(labels("theme li")[0], "theme light");
        assert_eq!(labels("view")[0], "view prod-web");
        assert!(labels("zzzz").is_empty());
        // Found by what it does, after every label match.
        assert!(labels("clipboard").contains(&"copy".to_owned()));
    }

    #[test]
    fn columns_take_a_list_and_say_what_is_wrong_with_it() {
        let keys = KeyMap::defaults();
        let cx = Context {
            keys: &keys,
            projects: vec![],
            views: &[],
            columns: Some(&[Column::Name, Column::Flag]),
            profiles: Vec::new(),
        };
        let first = |input: &str| matches(&cx, input).remove(0);
        let c = first("columns flag, name ip");
        assert_eq!(c.label, "columns flag,name,ip");
        assert_eq!(
            c.command,
            Command::Columns(Some(vec![Column::Flag, Column::Name, Column::Ip]))
        );
        assert!(c.help.ends_with("(now: name,flag)"), "{}", c.help);
        assert_eq!(first("columns all").command, Command::Columns(None));
        assert_eq!(first("columns").command, Command::EditColumns);
        let bad = first("columns name size");
        assert!(
            bad.error.as_deref().is_some_and(|e| e.contains("\"size\"")),
            "{bad:?}"
        );
    }
}
