//! Where each pane goes: the geometry lives in the state layer (`update` pages and hit-tests
//! with it too); only the popup placement is the view's own.

pub use crate::tui::state::geometry::{MIN_HEIGHT, MIN_WIDTH, areas, too_small};
use ratatui::layout::Rect;

/// A centred popup of at most `w` x `h` cells, never larger than `area` minus a margin.
pub fn popup(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2));
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
