//! How far an audit is, how fast it goes and how long it should take: one line for the TUI's
//! gauge and for headless `audit` on a terminal. Pure: the caller measures the time.

use std::time::Duration;

/// `done` flags of `total` listed so far, after `elapsed`. `listing_done` says whether every
/// project is listed: before that, the total still grows and the time left is a lower bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub elapsed: Duration,
    pub listing_done: bool,
}

impl Progress {
    /// Flags checked per second; `None` until there is anything to measure.
    pub fn rate(&self) -> Option<f64> {
        let secs = self.elapsed.as_secs_f64();
        (self.done > 0 && secs >= 0.1).then(|| self.done as f64 / secs)
    }

    /// Time left at the rate so far.
    pub fn left(&self) -> Option<Duration> {
        let rate = self.rate()?;
        let rest = self.total.saturating_sub(self.done) as f64;
        Some(Duration::from_secs_f64(rest / rate))
    }

    /// `12.5/s · ~40s left` (`≥` while projects are still listed), or "" before any rate.
    pub fn speed(&self) -> String {
        let (Some(rate), Some(left)) = (self.rate(), self.left()) else {
            return String::new();
        };
        let rate = if rate >= 100.0 {
            format!("{rate:.0}/s")
        } else {
            format!("{rate:.1}/s")
        };
        if left < Duration::from_secs(1) && self.listing_done {
            return format!("{rate} · <1s left");
        }
        let bound = if self.listing_done { "~" } else { "≥" };
        format!("{rate} · {bound}{} left", duration(left))
    }

    /// `in 4.2s · 71.4/s`, for the line that ends a finished audit.
    pub fn finished(&self) -> String {
        let secs = self.elapsed.as_secs_f64();
        let took = if secs < 60.0 {
            format!("{secs:.1}s")
        } else {
            duration(self.elapsed)
        };
        match self.rate() {
            Some(rate) => format!("in {took} · {rate:.1}/s"),
            None => format!("in {took}"),
        }
    }
}

/// `45s`, `3m05s`, `1h02m`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs() + u64::from(d.subsec_millis() >= 500);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(done: usize, total: usize, ms: u64, listing_done: bool) -> Progress {
        Progress {
            done,
            total,
            elapsed: Duration::from_millis(ms),
            listing_done,
        }
    }

    #[test]
    fn rate_and_time_left_follow_the_counts() {
        assert_eq!(p(50, 200, 2000, true).speed(), "25.0/s · ~6s left");
        assert_eq!(p(50, 200, 2000, false).speed(), "25.0/s · ≥6s left");
        assert_eq!(p(1000, 61_000, 2000, true).speed(), "500/s · ~2m00s left");
        assert_eq!(p(200, 200, 4000, true).speed(), "50.0/s · <1s left");
        assert_eq!(p(190, 200, 4000, false).speed(), "47.5/s · ≥0s left");
        assert_eq!(
            p(0, 200, 4000, true).speed(),
            "",
            "nothing done: no rate yet"
        );
        assert_eq!(p(5, 200, 0, true).speed(), "", "no time passed");
    }

    #[test]
    fn a_finished_audit_says_how_long_it_took() {
        assert_eq!(p(300, 300, 4200, true).finished(), "in 4.2s · 71.4/s");
        assert_eq!(p(0, 0, 50, true).finished(), "in 0.1s");
        assert_eq!(p(6000, 6000, 125_000, true).finished(), "in 2m05s · 48.0/s");
    }

    #[test]
    fn durations_read_as_a_person_would_say_them() {
        assert_eq!(duration(Duration::from_millis(44_600)), "45s");
        assert_eq!(duration(Duration::from_secs(185)), "3m05s");
        assert_eq!(duration(Duration::from_secs(3725)), "1h02m");
    }
}
