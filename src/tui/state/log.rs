//! The request log: the last few thousand API calls, as the observer reported them.

use crate::cloud::CallRecord;
use std::collections::VecDeque;

/// Lines kept in memory; older ones are dropped.
pub const LOG_CAP: usize = 2000;

#[derive(Debug, Default)]
pub struct LogRing {
    lines: VecDeque<CallRecord>,
    /// Lines scrolled up from the newest; 0 follows the tail.
    pub scroll: usize,
    pub errors: usize,
}

impl LogRing {
    pub fn push(&mut self, record: CallRecord) {
        if record.error.is_some() {
            self.errors += 1;
        }
        if self.lines.len() == LOG_CAP {
            self.lines.pop_front();
        }
        self.lines.push_back(record);
        // Keep a scrolled-up view on the same lines while new ones arrive.
        if self.scroll > 0 && self.scroll < self.lines.len().saturating_sub(1) {
            self.scroll += 1;
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn lines(&self) -> &VecDeque<CallRecord> {
        &self.lines
    }

    /// Scrolls by `delta` lines in a pane `page` lines tall: at the top the oldest line is
    /// the first of a full page, not the only line shown.
    pub fn scroll_by(&mut self, delta: isize, page: usize) {
        let max = self.lines.len().saturating_sub(page.max(1));
        self.scroll = self.scroll.saturating_add_signed(delta).min(max);
    }
}
