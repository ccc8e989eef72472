//! `[ui]` and `[[views]]`: theme, columns, mouse and saved views. Every error names the line
//! and the key (`ui.columns[2]`, `views[1].sort`).

use std::ops::Range;

use toml::Spanned;

use super::columns::{self, Column};
use super::schema::{Field, RawUi, RawView};
use super::validate::Ctx;
use super::{ConfigError, Theme, Ui, View};

pub(super) fn ui(raw: Option<RawUi>, cx: &Ctx) -> Result<Ui, ConfigError> {
    let r = raw.unwrap_or_default();
    let theme = match r.theme {
        None => Theme::default(),
        Some(t) => Theme::from_name(t.get_ref()).ok_or_else(|| {
            let names = Theme::ALL.map(Theme::name).join("\", \"");
            let message = format!("ui.theme must be one of \"{names}\", got {:?}", t.get_ref());
            cx.invalid(t.span(), "ui.theme", message)
        })?,
    };
    Ok(Ui {
        read_only: r.read_only.is_some_and(|v| *v.get_ref()),
        theme,
        columns: column_list(r.columns, "ui.columns", cx)?,
        mouse: r.mouse.is_some_and(|v| *v.get_ref()),
    })
}

/// A column list; the error points at the bad entry, or at the list when it is empty.
fn column_list(
    raw: Field<Vec<Spanned<String>>>,
    key: &str,
    cx: &Ctx,
) -> Result<Option<Vec<Column>>, ConfigError> {
    let Some(list) = raw else { return Ok(None) };
    let list_span = list.span();
    let entries = list.into_inner();
    let names: Vec<&str> = entries.iter().map(|e| e.get_ref().as_str()).collect();
    match columns::parse_list(&names) {
        Ok(cols) => Ok(Some(cols)),
        Err((at, why)) => {
            let (span, key): (Range<usize>, String) = match at {
                Some(i) => (entries[i].span(), format!("{key}[{i}]")),
                None => (list_span, key.to_owned()),
            };
            Err(cx.invalid(span, &key, format!("{key} {why}")))
        }
    }
}

pub(super) fn views(raw: Vec<Spanned<RawView>>, cx: &Ctx) -> Result<Vec<View>, ConfigError> {
    let mut out: Vec<View> = Vec::with_capacity(raw.len());
    for (i, v) in raw.into_iter().enumerate() {
        let v = v.into_inner();
        let key = format!("views[{i}]");
        let name = v.name.get_ref().trim().to_owned();
        if name.is_empty() || name.contains(char::is_whitespace) {
            let message = format!("{key}.name must be one word (the palette's `:view NAME`)");
            return Err(cx.invalid(v.name.span(), &format!("{key}.name"), message));
        }
        if let Some(j) = out.iter().position(|o| o.name == name) {
            let message = format!("{key}.name repeats views[{j}] ({name:?}); rename one");
            return Err(cx.invalid(v.name.span(), &format!("{key}.name"), message));
        }
        let sort = match v.sort {
            None => None,
            Some(s) => Some(columns::parse_sort(s.get_ref()).map_err(|why| {
                cx.invalid(
                    s.span(),
                    &format!("{key}.sort"),
                    format!("{key}.sort: {why}"),
                )
            })?),
        };
        if let Some(f) = &v.filter
            && let Some(why) = crate::tui::state::filter::Filter::parse(f.get_ref())
                .errors
                .first()
        {
            let message = format!("{key}.filter: {why}");
            return Err(cx.invalid(f.span(), &format!("{key}.filter"), message));
        }
        out.push(View {
            name,
            filter: v.filter.map(Spanned::into_inner),
            sort,
            columns: column_list(v.columns, &format!("{key}.columns"), cx)?,
        });
    }
    Ok(out)
}
