//! The flow-control policy a 429 body may state: `policy user over ratelimit,limit:N,time:1
//! second` (or `minute`, `hour`, `day`, with an optional count before the unit).

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Calls allowed per window.
    pub limit: u64,
    pub window: Duration,
}

impl Policy {
    /// The policy in a gateway message, if it states one. Anything unexpected (no number, an
    /// unknown unit, a zero) yields `None`: a guessed policy would be worse than none.
    pub fn parse(text: &str) -> Option<Policy> {
        let lower = text.to_ascii_lowercase();
        let after_limit = &lower[lower.find("limit:")? + "limit:".len()..];
        let (limit, rest) = leading_number(after_limit.trim_start())?;
        let rest = rest.trim_start().strip_prefix(',')?.trim_start();
        let rest = rest.strip_prefix("time:")?.trim_start();
        let (count, rest) = leading_number(rest).unwrap_or((1, rest));
        let unit: String = rest
            .trim_start()
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect();
        let unit_secs = match unit.trim_end_matches('s') {
            "second" | "sec" => 1,
            "minute" | "min" => 60,
            "hour" => 3600,
            "day" => 86_400,
            _ => return None,
        };
        if limit == 0 || count == 0 {
            return None;
        }
        Some(Policy {
            limit,
            window: Duration::from_secs(count.checked_mul(unit_secs)?),
        })
    }

    /// The sustained rate the policy allows.
    pub fn per_second(&self) -> f64 {
        self.limit as f64 / self.window.as_secs_f64()
    }
}

fn leading_number(s: &str) -> Option<(u64, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    Some((s[..end].parse().ok()?, &s[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_read_from_the_gateway_message() {
        let second = Policy::parse(
            "The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 second",
        )
        .unwrap();
        assert_eq!(second.limit, 60);
        assert_eq!(second.window, Duration::from_secs(1));
        assert_eq!(second.per_second(), 60.0);
        let minute = Policy::parse("policy user over ratelimit,limit:600,time:1 minute").unwrap();
        assert_eq!(minute.per_second(), 10.0);
        let spaced =
            Policy::parse("Policy API over ratelimit, limit: 30, time: 2 Minutes").unwrap();
        assert_eq!(
            (spaced.limit, spaced.window),
            (30, Duration::from_secs(120))
        );
        let bare_unit = Policy::parse("limit:5,time:second").unwrap();
        assert_eq!(bare_unit.per_second(), 5.0);
    }

    #[test]
    fn messages_without_a_usable_policy_yield_none() {
        for text in [
            "The throttling threshold has been reached",
            "",
            "limit:,time:1 second",
            "limit:0,time:1 second",
            "limit:10,time:0 second",
            "limit:10,time:1 fortnight",
            "limit:10 time:1 second",
            "limit:99999999999999999999999,time:1 second",
        ] {
            assert_eq!(Policy::parse(text), None, "{text:?}");
        }
    }
}
