//! Drawing the app's state on ratatui's TestBackend, for the snapshot tests.

use ecsreset::tui::msg::Msg;
use ecsreset::tui::state::State;
use ecsreset::tui::ui;
use ecsreset::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The stated minimum, the classic terminal, a roomy one and a wide one.
pub const SIZES: [(u16, u16); 4] = [(60, 15), (80, 24), (120, 40), (200, 60)];

/// `s` resized to `w`x`h` and drawn once.
pub fn render(s: &mut State, w: u16, h: u16) -> Terminal<TestBackend> {
    update(s, Msg::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, s)).unwrap();
    t
}

/// Snapshots the state `build` makes at every size of [`SIZES`], as `NAME_WxH`. A macro, not a
/// function: insta names a snapshot file after the module that asserts it.
macro_rules! snap {
    ($name:expr, $build:expr) => {
        for (w, h) in $crate::support::tui::SIZES {
            let mut s = ($build)();
            let t = $crate::support::tui::render(&mut s, w, h);
            insta::assert_snapshot!(format!("{}_{w}x{h}", $name), t.backend());
        }
    };
}
pub(crate) use snap;
