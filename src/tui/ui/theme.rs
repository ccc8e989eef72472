//! Colours by meaning. Every status also has a glyph and a word, so the mono theme (chosen in
//! the config, or forced by a non-empty `NO_COLOR`) loses nothing but colour.
//!
//! `terminal` uses the 16 named colours, so the terminal's own palette decides how they look
//! (and a light or dark terminal scheme already fits them). `dark` and `light` use fixed
//! 256-colour shades chosen for contrast on that background, for terminals whose palette
//! makes the named colours hard to read.

use crate::config::Theme as Name;
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub mono: bool,
    name: Name,
}

/// True when the `NO_COLOR` convention asks for no colour (set and not empty).
pub fn no_color_requested(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

/// What a colour stands for.
#[derive(Debug, Clone, Copy)]
enum Role {
    Ok,
    Bad,
    Warn,
    Pending,
    Dim,
    Marked,
}

impl Theme {
    /// The terminal theme, or mono.
    pub fn new(mono: bool) -> Self {
        Self::named(Name::Terminal, mono)
    }

    /// `mono` (`NO_COLOR`) wins over any name.
    pub fn named(name: Name, mono: bool) -> Self {
        let mono = mono || name == Name::Mono;
        Self { mono, name }
    }

    pub fn name(self) -> Name {
        if self.mono { Name::Mono } else { self.name }
    }

    fn color(self, role: Role) -> Color {
        match (self.name, role) {
            (Name::Dark, Role::Ok) => Color::Indexed(114),
            (Name::Dark, Role::Bad) => Color::Indexed(203),
            (Name::Dark, Role::Warn) => Color::Indexed(221),
            (Name::Dark, Role::Pending) => Color::Indexed(81),
            (Name::Dark, Role::Dim) => Color::Indexed(245),
            (Name::Dark, Role::Marked) => Color::Indexed(213),
            (Name::Light, Role::Ok) => Color::Indexed(28),
            (Name::Light, Role::Bad) => Color::Indexed(160),
            (Name::Light, Role::Warn) => Color::Indexed(130),
            (Name::Light, Role::Pending) => Color::Indexed(25),
            (Name::Light, Role::Dim) => Color::Indexed(242),
            (Name::Light, Role::Marked) => Color::Indexed(90),
            (_, Role::Ok) => Color::Green,
            (_, Role::Bad) => Color::Red,
            (_, Role::Warn) => Color::Yellow,
            (_, Role::Pending) => Color::Cyan,
            (_, Role::Dim) => Color::DarkGray,
            (_, Role::Marked) => Color::Magenta,
        }
    }

    fn fg(self, role: Role) -> Style {
        if self.mono {
            Style::default()
        } else {
            Style::default().fg(self.color(role))
        }
    }

    pub fn ok(self) -> Style {
        self.fg(Role::Ok)
    }

    pub fn bad(self) -> Style {
        self.fg(Role::Bad).add_modifier(Modifier::BOLD)
    }

    pub fn warn(self) -> Style {
        self.fg(Role::Warn)
    }

    pub fn pending(self) -> Style {
        self.fg(Role::Pending)
    }

    pub fn dim(self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            self.fg(Role::Dim)
        }
    }

    pub fn accent(self) -> Style {
        self.fg(Role::Pending).add_modifier(Modifier::BOLD)
    }

    pub fn title(self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn selected(self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }

    pub fn marked(self) -> Style {
        self.fg(Role::Marked).add_modifier(Modifier::BOLD)
    }

    pub fn key(self) -> Style {
        self.fg(Role::Pending).add_modifier(Modifier::BOLD)
    }

    pub fn border(self, focused: bool) -> Style {
        if focused {
            self.fg(Role::Pending)
        } else {
            Style::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_theme_has_its_own_colours_and_mono_has_none() {
        let ok = |name| Theme::named(name, false).ok().fg;
        assert_eq!(ok(Name::Terminal), Some(Color::Green));
        assert_eq!(ok(Name::Dark), Some(Color::Indexed(114)));
        assert_eq!(ok(Name::Light), Some(Color::Indexed(28)));
        assert_eq!(ok(Name::Mono), None);
        // NO_COLOR wins over a named theme.
        let forced = Theme::named(Name::Dark, true);
        assert_eq!((forced.bad().fg, forced.name()), (None, Name::Mono));
        for name in Name::ALL {
            let t = Theme::named(name, false);
            let roles = [t.ok(), t.bad(), t.warn(), t.pending(), t.dim(), t.marked()];
            let fgs: std::collections::HashSet<_> = roles.iter().map(|s| s.fg).collect();
            let want = if name == Name::Mono { 1 } else { roles.len() };
            assert_eq!(fgs.len(), want, "{name:?}: every meaning its own colour");
        }
    }
}
