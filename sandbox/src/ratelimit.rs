//! Per-destination send limits and the cool-down after a contact conflict.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime};

use crate::clock::until;

/// A sliding-window counter per key: at most `max` events within `window`.
#[derive(Debug, Default)]
pub struct SlidingWindow {
    events: HashMap<String, VecDeque<SystemTime>>,
}

impl SlidingWindow {
    /// `Err(wait)` when another event now would exceed the limit; `wait` is how long until the
    /// oldest counted event leaves the window.
    pub fn check(
        &mut self,
        key: &str,
        now: SystemTime,
        max: usize,
        window: Duration,
    ) -> Result<(), Duration> {
        let Some(events) = self.events.get_mut(key) else {
            return if max == 0 { Err(window) } else { Ok(()) };
        };
        while events.front().is_some_and(|&t| t + window <= now) {
            events.pop_front();
        }
        if events.is_empty() {
            self.events.remove(key);
            return if max == 0 { Err(window) } else { Ok(()) };
        }
        if events.len() >= max {
            let oldest = events.front().copied().unwrap_or(now);
            return Err(until(now, oldest + window));
        }
        Ok(())
    }

    pub fn contains(&self, key: &str) -> bool {
        self.events.contains_key(key)
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Forgets keys with no event left in the window.
    pub fn sweep(&mut self, now: SystemTime, window: Duration) {
        self.events.retain(|_, events| {
            while events.front().is_some_and(|&t| t + window <= now) {
                events.pop_front();
            }
            !events.is_empty()
        });
    }

    pub fn record(&mut self, key: &str, now: SystemTime) {
        self.events
            .entry(key.to_string())
            .or_default()
            .push_back(now);
    }
}

/// Keys blocked until a deadline.
#[derive(Debug, Default)]
pub struct Cooldowns {
    until: HashMap<String, SystemTime>,
}

impl Cooldowns {
    /// Starts a cool-down, unless one is already running: repeating the conflict must not
    /// extend it forever.
    pub fn start(&mut self, key: &str, deadline: SystemTime, now: SystemTime) {
        match self.until.get(key) {
            Some(&running) if running > now => {}
            _ => {
                self.until.insert(key.to_string(), deadline);
            }
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        self.until.contains_key(key)
    }

    pub fn len(&self) -> usize {
        self.until.len()
    }

    /// Forgets cool-downs that have ended.
    pub fn sweep(&mut self, now: SystemTime) {
        self.until.retain(|_, deadline| *deadline > now);
    }

    /// `Err(wait)` while `key` is cooling down.
    pub fn check(&mut self, key: &str, now: SystemTime) -> Result<(), Duration> {
        match self.until.get(key) {
            Some(&deadline) if deadline > now => Err(until(now, deadline)),
            Some(_) => {
                self.until.remove(key);
                Ok(())
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_limits_and_tells_the_wait() {
        let mut w = SlidingWindow::default();
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let minute = Duration::from_secs(60);
        for i in 0..5 {
            let t = t0 + Duration::from_secs(i * 10);
            assert!(w.check("k", t, 5, minute).is_ok());
            w.record("k", t);
        }
        let t = t0 + Duration::from_secs(45);
        assert_eq!(w.check("k", t, 5, minute), Err(Duration::from_secs(15)));
        assert!(w.check("other", t, 5, minute).is_ok());
        assert!(w.check("k", t0 + minute, 5, minute).is_ok());
    }

    #[test]
    fn cooldown_expires() {
        let mut c = Cooldowns::default();
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        c.start("k", t0 + Duration::from_millis(300), t0);
        // A repeat during the cool-down does not push the deadline out.
        c.start(
            "k",
            t0 + Duration::from_millis(500),
            t0 + Duration::from_millis(200),
        );
        assert_eq!(c.check("k", t0), Err(Duration::from_millis(300)));
        assert!(c.check("k", t0 + Duration::from_millis(300)).is_ok());
    }
}
