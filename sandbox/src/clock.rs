//! The sandbox's notion of "now": the system clock plus an offset that only moves forward.
//!
//! Every expiry (challenges, OTPs, JWTs, idle sessions, send windows) reads this clock, so a
//! test can jump past a five-minute TTL with [`Clock::advance`] (or `POST /sandbox/clock`)
//! instead of sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The furthest the clock may be moved forward in total: 100 years.
pub const MAX_OFFSET: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// A clock move past [`MAX_OFFSET`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooFar;

#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicU64,
}

impl Clock {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn now(&self) -> SystemTime {
        SystemTime::now() + Duration::from_millis(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the sandbox's time forward by `by` (millisecond resolution), at most up to
    /// [`MAX_OFFSET`] in total.
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let max = MAX_OFFSET.as_millis() as u64;
        let _ = self
            .offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| {
                Some(o.saturating_add(ms).min(max))
            });
    }

    /// Like [`Clock::advance`], but refuses (changing nothing) a move that would take the
    /// total offset past [`MAX_OFFSET`]: far-future times break JWT and date formatting.
    pub fn try_advance(&self, by: Duration) -> Result<(), TooFar> {
        let ms = u64::try_from(by.as_millis()).map_err(|_| TooFar)?;
        let max = MAX_OFFSET.as_millis() as u64;
        self.offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| {
                o.checked_add(ms).filter(|&total| total <= max)
            })
            .map(|_| ())
            .map_err(|_| TooFar)
    }

    /// How far the clock has been moved forward so far.
    pub fn offset(&self) -> Duration {
        Duration::from_millis(self.offset_ms.load(Ordering::Relaxed))
    }
}

/// Whole seconds since the Unix epoch (JWT `iat`/`exp`); times before 1970 read as 0.
pub fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// How long from `now` until `until`; zero when `until` has passed.
pub fn until(now: SystemTime, until: SystemTime) -> Duration {
    until.duration_since(now).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_forward() {
        let clock = Clock::new();
        let before = clock.now();
        clock.advance(Duration::from_secs(600));
        let after = clock.now();
        assert!(after.duration_since(before).unwrap_or_default() >= Duration::from_secs(600));
        assert_eq!(clock.offset(), Duration::from_secs(600));
    }
}
