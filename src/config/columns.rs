//! The server table's columns by name, as `[ui] columns`, `[[views]]` and the palette's
//! `:columns` spell them. Pure: parsing and naming only; the table decides widths.

use std::fmt;

/// A column the operator can choose. The mark column is always first and is not named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Name,
    Id,
    Status,
    Os,
    Ip,
    Az,
    Project,
    Flag,
    Age,
}

impl Column {
    /// Every column, in the order the table shows them when none is chosen.
    pub const ALL: [Column; 9] = [
        Column::Name,
        Column::Id,
        Column::Status,
        Column::Os,
        Column::Ip,
        Column::Az,
        Column::Project,
        Column::Flag,
        Column::Age,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Id => "id",
            Column::Status => "status",
            Column::Os => "os",
            Column::Ip => "ip",
            Column::Az => "az",
            Column::Project => "project",
            Column::Flag => "flag",
            Column::Age => "age",
        }
    }

    /// Case is ignored; `checked` is the age column's other name (it sorts by check time).
    pub fn from_name(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        if s == "checked" {
            return Some(Column::Age);
        }
        Self::ALL.into_iter().find(|c| c.name() == s)
    }

    /// Whether the table can sort on it (ids and zones have no useful order).
    pub fn sortable(self) -> bool {
        !matches!(self, Column::Id | Column::Az)
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn known() -> String {
    Column::ALL.map(Column::name).join(", ")
}

/// A chosen list: at least one column, each known and named once. The error says which
/// entry (0-based, as `ui.columns[N]`) is wrong and why.
pub fn parse_list<S: AsRef<str>>(names: &[S]) -> Result<Vec<Column>, (Option<usize>, String)> {
    if names.is_empty() {
        return Err((None, format!("lists no column; name some of: {}", known())));
    }
    let mut out = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let name = name.as_ref();
        let col = Column::from_name(name).ok_or_else(|| {
            (
                Some(i),
                format!("unknown column {name:?} (expected one of: {})", known()),
            )
        })?;
        if out.contains(&col) {
            return Err((Some(i), format!("names the column \"{col}\" twice")));
        }
        out.push(col);
    }
    Ok(out)
}

/// `name,id flag` (commas or spaces), as typed after `:columns`.
pub fn parse_typed(text: &str) -> Result<Vec<Column>, String> {
    let names: Vec<&str> = text
        .split([',', ' '])
        .filter(|w| !w.trim().is_empty())
        .collect();
    parse_list(&names).map_err(|(_, e)| e)
}

/// A sort as `[[views]] sort` spells it: a column name, `-name` or `name desc` for descending.
pub fn parse_sort(text: &str) -> Result<(Column, bool), String> {
    let t = text.trim();
    let (name, desc) = if let Some(rest) = t.strip_prefix('-') {
        (rest, true)
    } else if let Some(rest) = t.strip_suffix(" desc") {
        (rest, true)
    } else if let Some(rest) = t.strip_suffix(" asc") {
        (rest, false)
    } else {
        (t, false)
    };
    let col = Column::from_name(name)
        .ok_or_else(|| format!("unknown column {name:?} (expected one of: {})", known()))?;
    if !col.sortable() {
        return Err(format!("the table cannot sort by \"{col}\""));
    }
    Ok((col, desc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_in_order_and_refuse_unknown_or_repeated_names() {
        assert_eq!(
            parse_list(&["Flag", "name", "checked"]).unwrap(),
            [Column::Flag, Column::Name, Column::Age]
        );
        let (at, e) = parse_list(&["name", "nmae"]).unwrap_err();
        assert_eq!(at, Some(1));
        assert!(
            e.starts_with("unknown column \"nmae\" (expected one of: name, id,"),
            "{e}"
        );
        let (at, e) = parse_list(&["id", "age", "checked"]).unwrap_err();
        assert_eq!(
            (at, e.as_str()),
            (Some(2), "names the column \"age\" twice")
        );
        assert_eq!(parse_list::<&str>(&[]).unwrap_err().0, None);
    }

    #[test]
    fn typed_lists_take_commas_or_spaces() {
        assert_eq!(
            parse_typed(" name, flag ip").unwrap(),
            [Column::Name, Column::Flag, Column::Ip]
        );
        assert!(parse_typed("  ").is_err());
    }

    #[test]
    fn sorts_name_a_sortable_column_and_a_direction() {
        assert_eq!(parse_sort("name").unwrap(), (Column::Name, false));
        assert_eq!(parse_sort("-flag").unwrap(), (Column::Flag, true));
        assert_eq!(parse_sort("checked desc").unwrap(), (Column::Age, true));
        assert_eq!(parse_sort("ip asc").unwrap(), (Column::Ip, false));
        assert_eq!(
            parse_sort("id").unwrap_err(),
            "the table cannot sort by \"id\""
        );
        assert!(
            parse_sort("size")
                .unwrap_err()
                .starts_with("unknown column")
        );
    }
}
