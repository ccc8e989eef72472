//! The `:` palette and the chosen columns on ratatui's TestBackend at the four sizes, with the
//! fixture fleet and clock; plus the themes' colours on real cells.

use crate::support::tui::{SIZES, render, snap};
use crossterm::event::KeyCode;
use ecsreset::config::{Column, Theme};
use ecsreset::tui::fixture::*;
use ecsreset::tui::state::State;
use ratatui::style::Color;

fn palette(typed: &str) -> State {
    let mut s = loaded();
    feed(&mut s, [ch(':')]);
    type_str(&mut s, typed);
    s
}

#[test]
fn the_palette_open_empty_typed_and_scrolled() {
    snap!("palette_empty", || palette(""));
    snap!("palette_project", || palette("proj"));
    snap!("palette_columns_error", || palette("columns name size"));
    snap!("palette_scrolled", || {
        let mut s = palette("");
        for _ in 0..20 {
            feed(&mut s, [key(KeyCode::Down)]);
        }
        s
    });
    snap!("palette_no_match", || palette("zzz"));
}

#[test]
fn chosen_columns_keep_their_order_and_drop_what_does_not_fit() {
    snap!("columns_chosen", || {
        let mut s = loaded();
        s.columns = Some(vec![
            Column::Flag,
            Column::Name,
            Column::Az,
            Column::Ip,
            Column::Project,
        ]);
        s
    });
}

/// Every line of the palette fits its box, and the highlighted line is the one enter runs.
#[test]
fn the_highlight_follows_the_arrows_at_every_size() {
    for (w, h) in SIZES {
        let mut s = palette("");
        feed(&mut s, [key(KeyCode::Down), key(KeyCode::Down)]);
        let t = render(&mut s, w, h);
        let screen: String = t
            .backend()
            .buffer()
            .content()
            .iter()
            .map(ratatui::buffer::Cell::symbol)
            .collect();
        assert!(screen.contains("› refresh"), "{w}x{h}");
        assert!(screen.contains(":▏"), "{w}x{h}");
        feed(&mut s, [key(KeyCode::Enter)]);
        assert!(s.pending.len() == 1, "enter ran refresh at {w}x{h}");
    }
}

#[test]
fn themes_colour_the_same_cells_differently_and_mono_not_at_all() {
    let colour_of = |theme: Theme| {
        let mut s = loaded();
        s.theme = theme;
        let t = render(&mut s, 120, 40);
        let buf = t.backend().buffer().clone();
        let (w, _) = (buf.area.width, buf.area.height);
        let cell = (0..buf.area.height)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .find(|&(x, y)| buf[(x, y)].symbol() == "✓")
            .expect("a supported flag");
        buf[cell].fg
    };
    assert_eq!(colour_of(Theme::Terminal), Color::Green);
    assert_eq!(colour_of(Theme::Dark), Color::Indexed(114));
    assert_eq!(colour_of(Theme::Light), Color::Indexed(28));
    assert_eq!(colour_of(Theme::Mono), Color::Reset);
}
