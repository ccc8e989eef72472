//! A config reload as the reducer sees it: the runtime reads the file and starts a worker
//! on the fresh client; what the operator sees next is decided here.

use crate::config::Action;
use crate::tui::msg::{Effect, ReloadError, Reloaded};
use crate::tui::state::{Level, Mode, State};

/// The fresh session replaces this one, keeping what belongs to the screen and the
/// operator, and lists its projects.
pub fn reloaded(state: &mut State, fresh: Reloaded) -> Vec<Effect> {
    let Reloaded {
        state: mut next,
        source,
    } = fresh;
    carry_over(state, &mut next);
    *state = next;
    let effects = super::start(state);
    state.notice(
        Level::Info,
        format!(
            "config reloaded from {source}: {} project(s)",
            state.projects.len()
        ),
    );
    effects
}

pub fn reload_failed(state: &mut State, error: ReloadError) {
    match error {
        ReloadError::NoConfigFile => {
            state.notice(Level::Warn, "this session has no config file to reload");
        }
        ReloadError::Invalid(e) => {
            let keys = state.keys.keys_for(Action::ReloadConfig);
            let key = keys
                .first()
                .map_or("the reload key".into(), std::string::ToString::to_string);
            state.mode = Mode::Message {
                title: "Config not reloaded".into(),
                text: format!(
                    "{e}\n\nThe session goes on with the config it had. Fix the file, then \
                     press {key} again."
                ),
            };
            state.notice(Level::Error, format!("config not reloaded: {e}"));
        }
    }
}

/// The state that belongs to the screen and the operator rather than to the config: the
/// request log, the terminal size, the open log pane, the id counter (so answers still on
/// their way from the old worker can never match a new request).
pub(crate) fn carry_over(old: &mut State, new: &mut State) {
    new.size = old.size;
    new.now = old.now;
    new.mono |= old.mono;
    new.show_log = old.show_log;
    new.log = std::mem::take(&mut old.log);
    new.next_id = old.next_id;
    // What the operator was looking at: reloading credentials must not lose the filter.
    new.table.set_filter(old.table.filter().to_owned());
    let (key, desc) = old.table.sort();
    new.table.set_sort(key, desc);
}
