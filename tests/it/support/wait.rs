//! Waits on a condition instead of fixed sleeps: on a loaded machine a fixed sleep is either
//! too short (the test flakes) or, to be safe, much longer than the usual case needs.

use std::time::{Duration, Instant};

/// How long a condition may take before the test fails: generous, the machine may be loaded.
const WAIT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(10);

/// Polls `probe` until it yields a value; panics naming `what` after [`WAIT`].
pub async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {WAIT:?} waiting for {what}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Polls `cond` until it holds; panics naming `what` after [`WAIT`].
pub async fn wait_until(what: &str, mut cond: impl AsyncFnMut() -> bool) {
    eventually(what, async || cond().await.then_some(())).await;
}
