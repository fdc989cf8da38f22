//! Exponential back-off with full jitter, bounded attempts and total wait, `Retry-After` honoured.
//!
//! Sans-IO like the rest of the engine: no clock, no sleeping, no random number generator in
//! here. The caller passes the current time (unix milliseconds) and a random fraction in `[0, 1)`,
//! and gets back the unix-millisecond time at which the next attempt may be made. That time is
//! also what a UI shows as "you can resend at …" ([`Backoff::retry_at`]).
//!
//! Written by hand rather than taken from a crate: the maintained ones (backon, tokio-retry; `backoff`
//! is unmaintained) own the sleeping and the RNG themselves, which a sans-IO engine cannot use.
//!
//! All arithmetic saturates: huge policies, huge `Retry-After` values and clocks near `u64::MAX`
//! give large answers or `None`, never an overflow or a panic.

/// Limits of a [`Backoff`]. Times in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total tries, the first one included (default 5). `0` behaves like `1`: the first try is
    /// the caller's, only retries are counted against the policy.
    pub max_attempts: u32,
    /// Ceiling of the first retry's delay (default 500).
    pub base_delay_ms: u64,
    /// Upper bound of any jittered delay (default 30 000). `Retry-After` may exceed it.
    pub max_delay_ms: u64,
    /// No retry is scheduled later than this long after the first failure (default 120 000).
    pub max_total_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay_ms: 500,
            max_delay_ms: 30_000,
            max_total_ms: 120_000,
        }
    }
}

/// A parsed `Retry-After` header (RFC 9110 §10.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    /// `delay-seconds`, relative to when the response was received.
    Seconds(u64),
    /// An HTTP-date, as unix milliseconds.
    At(u64),
}

impl RetryAfter {
    /// The absolute unix-millisecond time this header points to, for a response received at
    /// `now_ms` (saturating).
    pub fn until(&self, now_ms: u64) -> u64 {
        match *self {
            RetryAfter::Seconds(s) => now_ms.saturating_add(s.saturating_mul(1000)),
            RetryAfter::At(ms) => ms,
        }
    }
}

/// Parses a `Retry-After` value: delta-seconds (digits only) or an HTTP-date (IMF-fixdate, and
/// the obsolete RFC 850 and asctime forms that RFC 9110 asks recipients to accept).
///
/// Surrounding whitespace is ignored. Anything else (negative, fractional, empty, garbage) is
/// `None`, i.e. "no header". A delta too large for `u64` saturates to `u64::MAX` seconds rather
/// than being dropped: ignoring it would retry earlier than the server asked.
pub fn parse_retry_after(header_value: &str) -> Option<RetryAfter> {
    let v = header_value.trim();
    if v.is_empty() {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: parsing can only fail on overflow.
        return Some(RetryAfter::Seconds(v.parse().unwrap_or(u64::MAX)));
    }
    http_date_unix_seconds(v.as_bytes()).map(|s| RetryAfter::At(s.saturating_mul(1000)))
}

/// An HTTP-date (RFC 9110 §5.6.7) as unix seconds: IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`,
/// RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` (two-digit years below 70 are 20xx) and asctime
/// `Sun Nov  6 08:49:37 1994`; years 1970 to 9999, and the weekday must be the date's.
///
/// By hand rather than with the `httpdate` crate: it converts through `SystemTime` both ways
/// and cost 4.2 KB of the wasm for three fixed layouts. The tests and the `retry_after` fuzz
/// target check it against `httpdate`, which the accepted set and the times are the same as.
fn http_date_unix_seconds(s: &[u8]) -> Option<u64> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let num = |b: &[u8]| -> Option<u64> {
        b.iter().try_fold(0u64, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u64::from(d - b'0'))
        })
    };
    let month = |b: &[u8]| {
        MONTHS
            .iter()
            .position(|m| m[..] == *b)
            .map(|i| i as u64 + 1)
    };
    // `hh:mm:ss` as seconds of the day.
    let clock = |b: &[u8]| -> Option<u64> {
        if b.len() != 8 || b[2] != b':' || b[5] != b':' {
            return None;
        }
        let (h, m, sec) = (num(&b[0..2])?, num(&b[3..5])?, num(&b[6..8])?);
        (h < 24 && m < 60 && sec < 60).then_some(h * 3600 + m * 60 + sec)
    };
    let short_day = |b: &[u8]| DAYS.iter().position(|d| d.as_bytes()[..3] == *b);
    let (weekday, year, mon, day, time) = if s.len() == 29 && s[3] == b',' {
        // IMF-fixdate
        if s[4] != b' ' || s[7] != b' ' || s[11] != b' ' || s[16] != b' ' || &s[25..] != b" GMT" {
            return None;
        }
        let day = num(&s[5..7])?;
        (
            short_day(&s[..3])?,
            num(&s[12..16])?,
            month(&s[8..11])?,
            day,
            clock(&s[17..25])?,
        )
    } else if s.len() == 24 && s[3] == b' ' {
        // asctime: the day is space-padded
        if s[7] != b' ' || s[10] != b' ' || s[19] != b' ' {
            return None;
        }
        let day = match s[8] {
            b' ' => num(&s[9..10])?,
            _ => num(&s[8..10])?,
        };
        (
            short_day(&s[..3])?,
            num(&s[20..24])?,
            month(&s[4..7])?,
            day,
            clock(&s[11..19])?,
        )
    } else {
        // RFC 850: `Weekday, dd-Mon-yy hh:mm:ss GMT`
        let weekday = DAYS.iter().position(|d| s.starts_with(d.as_bytes()))?;
        let r = &s[DAYS[weekday].len()..];
        if r.len() != 24 || &r[..2] != b", " || r[4] != b'-' || r[8] != b'-' {
            return None;
        }
        if &r[20..] != b" GMT" {
            return None;
        }
        let yy = num(&r[9..11])?;
        let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
        (
            weekday,
            year,
            month(&r[5..8])?,
            num(&r[2..4])?,
            clock(&r[12..20])?,
        )
    };
    if !(1970..=9999).contains(&year) || day == 0 {
        return None;
    }
    let is_leap = |y: u64| y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let leap = is_leap(year);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day > month_days[(mon - 1) as usize] {
        return None;
    }
    // Days since 1970-01-01: whole years, then whole months, then the day.
    let days = (1970..year)
        .map(|y| if is_leap(y) { 366 } else { 365 })
        .sum::<u64>()
        + month_days[..(mon - 1) as usize].iter().sum::<u64>()
        + day
        - 1;
    // 1970-01-01 was a Thursday (3, counting Monday as 0).
    if (days + 3) % 7 != weekday as u64 {
        return None;
    }
    Some(days * 86_400 + time)
}

/// Maps 64 random bits to a fraction in `[0, 1)` (the top 53 bits, exactly representable), for
/// drivers whose RNG yields integers (e.g. `crypto.getRandomValues`).
pub fn unit_fraction(random_bits: u64) -> f64 {
    (random_bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Back-off state for one operation (e.g. one `sms:send`). Create it fresh or [`reset`] it after
/// a success.
///
/// [`reset`]: Backoff::reset
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    policy: RetryPolicy,
    /// Failed attempts recorded (at most `max(max_attempts, 1)`).
    attempts: u32,
    first_failure_at: Option<u64>,
    retry_at: Option<u64>,
    exhausted: bool,
}

impl Backoff {
    pub fn new(policy: RetryPolicy) -> Self {
        Backoff {
            policy,
            attempts: 0,
            first_failure_at: None,
            retry_at: None,
            exhausted: false,
        }
    }

    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// A back-off in the state a saved flow recorded (see [`crate::flow::FlowSnapshot`]):
    /// `attempts` is bounded by the policy, as [`next_retry_at`](Self::next_retry_at) keeps it.
    pub fn resume(
        policy: RetryPolicy,
        attempts: u32,
        first_failure_at: Option<u64>,
        retry_at: Option<u64>,
        exhausted: bool,
    ) -> Self {
        Backoff {
            policy,
            attempts: attempts.min(policy.max_attempts.max(1)),
            first_failure_at,
            retry_at,
            exhausted,
        }
    }

    /// When the first failure since creation or [`reset`](Self::reset) happened.
    pub fn first_failure_at(&self) -> Option<u64> {
        self.first_failure_at
    }

    /// Failed attempts recorded so far (each [`next_retry_at`](Self::next_retry_at) call until
    /// exhaustion records one). Never more than `max(max_attempts, 1)`.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The time (unix ms) the last [`next_retry_at`](Self::next_retry_at) returned: when the
    /// next attempt (e.g. a resend) becomes possible. `None` before any failure and once exhausted.
    pub fn retry_at(&self) -> Option<u64> {
        self.retry_at
    }

    /// Whether a call to [`next_retry_at`](Self::next_retry_at) returned `None`; it then keeps
    /// returning `None` until [`reset`](Self::reset).
    pub fn is_exhausted(&self) -> bool {
        self.exhausted
    }

    /// Records a failed attempt that ended at `now_ms` and says when to try again.
    ///
    /// Exactly, with `n` the number of failures recorded including this one and `first` the
    /// `now_ms` of the first failure since creation or [`reset`](Self::reset):
    /// 1. `n >= max_attempts` → `None` (that many tries were made);
    /// 2. `deadline = first + max_total_ms`; `now_ms > deadline` → `None`;
    /// 3. `ceiling = min(max_delay_ms, base_delay_ms * 2^(n-1))`,
    ///    `delay = floor(random_fraction * ceiling)` (full jitter; the fraction is clamped to
    ///    `[0, 1]`, NaN counts as 0), `at = min(now_ms + delay, deadline)`;
    /// 4. with `retry_after`: if `retry_after.until(now_ms) > deadline` → `None` (the server asks
    ///    for a wait beyond the budget), else `at = max(at, retry_after.until(now_ms))`, so the
    ///    server's time wins even beyond `max_delay_ms`;
    /// 5. `Some(at)`, with `now_ms <= at <= deadline` and `at >= retry_after.until(now_ms)`.
    ///
    /// Once `None` has been returned the state is exhausted: later calls return `None` and record
    /// nothing. All sums and products saturate at `u64::MAX`.
    pub fn next_retry_at(
        &mut self,
        now_ms: u64,
        retry_after: Option<RetryAfter>,
        random_fraction: f64,
    ) -> Option<u64> {
        if self.exhausted {
            return None;
        }
        self.attempts = self.attempts.saturating_add(1);
        let first = *self.first_failure_at.get_or_insert(now_ms);
        if self.attempts >= self.policy.max_attempts {
            return self.exhaust();
        }
        let deadline = first.saturating_add(self.policy.max_total_ms);
        if now_ms > deadline {
            return self.exhaust();
        }
        let delay = jitter(self.ceiling(self.attempts), random_fraction);
        let mut at = now_ms.saturating_add(delay).min(deadline);
        if let Some(retry_after) = retry_after {
            let floor = retry_after.until(now_ms);
            if floor > deadline {
                return self.exhaust();
            }
            at = at.max(floor);
        }
        self.retry_at = Some(at);
        Some(at)
    }

    /// Forgets all failures (call after a success, or to start the operation over).
    pub fn reset(&mut self) {
        *self = Backoff::new(self.policy);
    }

    fn exhaust(&mut self) -> Option<u64> {
        self.exhausted = true;
        self.retry_at = None;
        None
    }

    /// `min(max_delay, base * 2^(n-1))` for the `n`-th failure, saturating.
    fn ceiling(&self, n: u32) -> u64 {
        // A shift of 64 or more would overflow: the factor then saturates.
        let factor = 1u64.checked_shl(n.saturating_sub(1)).unwrap_or(u64::MAX);
        self.policy
            .base_delay_ms
            .saturating_mul(factor)
            .min(self.policy.max_delay_ms)
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(RetryPolicy::default())
    }
}

/// `floor(fraction * ceiling)`, with the fraction clamped to `[0, 1]` (NaN → 0).
fn jitter(ceiling: u64, fraction: f64) -> u64 {
    let fraction = if fraction > 0.0 {
        fraction.min(1.0)
    } else {
        0.0
    };
    // `as` saturates float → int; `min` absorbs the rounding of large ceilings to f64.
    ((ceiling as f64 * fraction) as u64).min(ceiling)
}

#[cfg(test)]
mod tests {
    /// The hand-written HTTP-date reader agrees with the `httpdate` crate.
    fn oracle(text: &str) -> Option<u64> {
        let at = httpdate::parse_http_date(text).ok()?;
        Some(at.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs())
    }

    #[test]
    fn http_dates_agree_with_httpdate() {
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Tue, 29 Feb 2028 12:00:00 GMT",
            "Wed, 29 Feb 2100 12:00:00 GMT",
            "Mon, 29 Feb 2000 12:00:00 GMT",
            "Tuesday, 29-Feb-28 12:00:00 GMT",
            "Thursday, 01-Jan-70 00:00:00 GMT",
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:37 GMT",
            "Sun, 06 Nov 1994 08:49:60 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Wed, 31 Dec 1969 23:59:59 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun,  6 Nov 1994 08:49:37 GMT",
            "Sun Nov 06 08:49:37 1994",
            "Sun Nov 6 08:49:37 1994 ",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sunday, 06-Nov-94X08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT\u{0}",
        ] {
            assert_eq!(
                http_date_unix_seconds(text.as_bytes()),
                oracle(text),
                "{text:?}"
            );
        }
        assert_eq!(
            http_date_unix_seconds(b"Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
    }

    #[cfg(not(target_arch = "wasm32"))] // proptest is a native-only dev-dependency
    proptest::proptest! {
        #[test]
        fn http_dates_agree_with_httpdate_on_any_date(secs in 0u64..253_402_300_800, form in 0u8..3) {
            let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
            let imf = httpdate::fmt_http_date(at);
            // The other two forms, rebuilt from the IMF-fixdate's fields.
            let (wd, d, m, y, t) = (&imf[..3], &imf[5..7], &imf[8..11], &imf[12..16], &imf[17..25]);
            let long = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
                .into_iter().find(|n| n.starts_with(wd)).unwrap();
            let text = match form {
                0 => imf.clone(),
                1 => format!("{long}, {d}-{m}-{} {t} GMT", &y[2..]),
                _ => format!("{wd} {m} {:>2} {t} {y}", d.trim_start_matches('0')),
            };
            proptest::prop_assert_eq!(http_date_unix_seconds(text.as_bytes()), oracle(&text));
            if form == 0 {
                proptest::prop_assert_eq!(http_date_unix_seconds(text.as_bytes()), Some(secs));
            }
        }

        #[test]
        fn any_text_agrees_with_httpdate(text in "[A-Za-z0-9 ,:-]{20,34}") {
            proptest::prop_assert_eq!(http_date_unix_seconds(text.as_bytes()), oracle(&text));
        }
    }

    use super::*;

    const ALMOST_ONE: f64 = 0.999_999_999;

    /// Retries made at exactly the scheduled time, failing instantly.
    fn schedule(policy: RetryPolicy, start: u64, fraction: f64) -> Vec<u64> {
        let mut b = Backoff::new(policy);
        let mut now = start;
        let mut out = Vec::new();
        while let Some(at) = b.next_retry_at(now, None, fraction) {
            out.push(at);
            now = at;
        }
        out
    }

    fn delays(times: &[u64], start: u64) -> Vec<u64> {
        let mut prev = start;
        times
            .iter()
            .map(|&t| {
                let d = t - prev;
                prev = t;
                d
            })
            .collect()
    }

    #[test]
    fn default_policy() {
        assert_eq!(
            RetryPolicy::default(),
            RetryPolicy {
                max_attempts: 5,
                base_delay_ms: 500,
                max_delay_ms: 30_000,
                max_total_ms: 120_000
            }
        );
    }

    #[test]
    fn deterministic_sequences() {
        let p = RetryPolicy::default();
        let t0 = 1_700_000_000_000;
        // 5 tries in all: 4 retries.
        assert_eq!(delays(&schedule(p, t0, 0.0), t0), vec![0, 0, 0, 0]);
        assert_eq!(
            delays(&schedule(p, t0, 0.5), t0),
            vec![250, 500, 1000, 2000]
        );
        assert_eq!(
            delays(&schedule(p, t0, ALMOST_ONE), t0),
            vec![499, 999, 1999, 3999]
        );
        assert_eq!(
            delays(&schedule(p, t0, 1.0), t0),
            vec![500, 1000, 2000, 4000]
        );
        assert_eq!(
            schedule(p, t0, 0.5),
            vec![t0 + 250, t0 + 750, t0 + 1750, t0 + 3750]
        );
    }

    #[test]
    fn fraction_is_clamped() {
        let p = RetryPolicy::default();
        for f in [-1.0, f64::NAN, f64::NEG_INFINITY] {
            assert_eq!(delays(&schedule(p, 0, f), 0), vec![0, 0, 0, 0]);
        }
        for f in [1.5, f64::INFINITY] {
            assert_eq!(delays(&schedule(p, 0, f), 0), vec![500, 1000, 2000, 4000]);
        }
    }

    #[test]
    fn unit_fraction_range() {
        assert_eq!(unit_fraction(0), 0.0);
        assert!(unit_fraction(u64::MAX) < 1.0);
        assert_eq!(unit_fraction(1 << 63), 0.5);
    }

    #[test]
    fn delay_is_capped_at_max_delay() {
        let p = RetryPolicy {
            max_attempts: 12,
            max_total_ms: u64::MAX,
            ..RetryPolicy::default()
        };
        assert_eq!(
            delays(&schedule(p, 0, 1.0), 0),
            vec![
                500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000, 30_000
            ]
        );
    }

    #[test]
    fn attempts_exhausted() {
        let mut b = Backoff::new(RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        });
        assert_eq!(b.attempts(), 0);
        assert_eq!(b.retry_at(), None);
        assert_eq!(b.next_retry_at(0, None, 0.5), Some(250));
        assert_eq!(b.retry_at(), Some(250));
        assert_eq!(b.next_retry_at(250, None, 0.5), Some(750));
        assert_eq!(b.attempts(), 2);
        assert_eq!(b.next_retry_at(750, None, 0.5), None);
        assert_eq!(b.attempts(), 3);
        assert!(b.is_exhausted());
        assert_eq!(b.retry_at(), None);
        // Sticky, and nothing more is counted.
        assert_eq!(b.next_retry_at(10_000, None, 0.5), None);
        assert_eq!(b.attempts(), 3);
        b.reset();
        assert_eq!(
            (b.attempts(), b.is_exhausted(), b.retry_at()),
            (0, false, None)
        );
        assert_eq!(b.next_retry_at(20_000, None, 0.5), Some(20_250));
    }

    #[test]
    fn zero_or_one_attempt_means_no_retry() {
        for max_attempts in [0, 1] {
            let mut b = Backoff::new(RetryPolicy {
                max_attempts,
                ..RetryPolicy::default()
            });
            assert_eq!(b.next_retry_at(0, None, 0.5), None);
            assert_eq!(b.attempts(), 1);
        }
    }

    #[test]
    fn total_wait_exhausted() {
        let p = RetryPolicy {
            max_attempts: 100,
            base_delay_ms: 1000,
            max_delay_ms: 30_000,
            max_total_ms: 5000,
        };
        let mut b = Backoff::new(p);
        assert_eq!(b.next_retry_at(0, None, 1.0), Some(1000));
        assert_eq!(b.next_retry_at(1000, None, 1.0), Some(3000));
        // 3000 + 4000 would pass the deadline: the jittered delay is cut to it.
        assert_eq!(b.next_retry_at(3000, None, 1.0), Some(5000));
        // The attempt itself took time: past the deadline, no more retries.
        assert_eq!(b.next_retry_at(5001, None, 0.0), None);
        assert!(b.is_exhausted());
    }

    #[test]
    fn retry_after_seconds_is_honoured() {
        let mut b = Backoff::default();
        // Jitter would say 250 ms; the server says 3 s.
        assert_eq!(
            b.next_retry_at(10_000, Some(RetryAfter::Seconds(3)), 0.5),
            Some(13_000)
        );
        // Jitter beyond Retry-After wins (never earlier than the server says, but may be later).
        assert_eq!(
            b.next_retry_at(13_000, Some(RetryAfter::Seconds(0)), ALMOST_ONE),
            Some(13_999)
        );
        // Retry-After above max_delay still wins when it fits the total budget.
        let mut b = Backoff::default();
        assert_eq!(
            b.next_retry_at(0, Some(RetryAfter::Seconds(60)), 0.5),
            Some(60_000)
        );
    }

    #[test]
    fn retry_after_beyond_total_gives_up() {
        let mut b = Backoff::default();
        assert_eq!(
            b.next_retry_at(0, Some(RetryAfter::Seconds(121)), 0.0),
            None
        );
        assert!(b.is_exhausted());
        let mut b = Backoff::default();
        assert_eq!(
            b.next_retry_at(0, Some(RetryAfter::Seconds(120)), 0.0),
            Some(120_000)
        );
    }

    #[test]
    fn retry_after_http_date_is_honoured() {
        // RFC 9110's example date.
        let ra = parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(ra, Some(RetryAfter::At(784_111_777_000)));
        let now = 784_111_770_000; // 7 s before it
        let mut b = Backoff::default();
        assert_eq!(b.next_retry_at(now, ra, 0.5), Some(784_111_777_000));
        // A date already past imposes nothing.
        let mut b = Backoff::default();
        assert_eq!(
            b.next_retry_at(784_111_777_000 + 5000, ra, 0.5),
            Some(784_111_777_000 + 5250)
        );
        // The obsolete forms RFC 9110 asks recipients to accept.
        assert_eq!(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT"), ra);
        assert_eq!(parse_retry_after("Sun Nov  6 08:49:37 1994"), ra);
    }

    #[test]
    fn parse_retry_after_values() {
        assert_eq!(parse_retry_after("120"), Some(RetryAfter::Seconds(120)));
        assert_eq!(parse_retry_after(" 0 "), Some(RetryAfter::Seconds(0)));
        assert_eq!(parse_retry_after("007"), Some(RetryAfter::Seconds(7)));
        assert_eq!(
            parse_retry_after("99999999999999999999999999999"),
            Some(RetryAfter::Seconds(u64::MAX))
        );
        for garbage in [
            "",
            "  ",
            "-5",
            "+5",
            "1.5",
            "1e3",
            "soon",
            "12 s",
            "Sun, 06 Nov 1994",
            "Sun, 32 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_retry_after(garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn garbage_retry_after_is_ignored() {
        let mut b = Backoff::default();
        assert_eq!(
            b.next_retry_at(1000, parse_retry_after("later please"), 0.5),
            Some(1250)
        );
    }

    #[test]
    fn huge_values_do_not_overflow() {
        let huge = RetryPolicy {
            max_attempts: u32::MAX,
            base_delay_ms: u64::MAX,
            max_delay_ms: u64::MAX,
            max_total_ms: u64::MAX,
        };
        let mut b = Backoff::new(huge);
        assert_eq!(b.next_retry_at(u64::MAX - 1, None, 1.0), Some(u64::MAX));
        assert_eq!(
            b.next_retry_at(u64::MAX, Some(RetryAfter::Seconds(u64::MAX)), 1.0),
            Some(u64::MAX)
        );
        // Shifts far beyond 64 bits.
        let mut b = Backoff::new(RetryPolicy {
            max_total_ms: u64::MAX,
            ..huge
        });
        for _ in 0..200 {
            assert!(b.next_retry_at(0, None, 0.5).is_some());
        }
        assert_eq!(b.attempts(), 200);
        assert_eq!(RetryAfter::Seconds(u64::MAX).until(u64::MAX), u64::MAX);
        assert_eq!(RetryAfter::Seconds(u64::MAX / 999).until(5), u64::MAX);
        // A huge Retry-After under a normal policy: give up rather than retry early.
        let mut b = Backoff::default();
        assert_eq!(
            b.next_retry_at(0, parse_retry_after("18446744073709551616"), 0.5),
            None
        );
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Hint {
        Seconds(u64),
        /// Relative to the failure time, may be in the past.
        AtOffset(i64),
    }

    fn hint() -> impl Strategy<Value = Option<Hint>> {
        prop_oneof![
            Just(None),
            (0u64..400).prop_map(|s| Some(Hint::Seconds(s))),
            (-100_000i64..400_000).prop_map(|o| Some(Hint::AtOffset(o))),
            any::<u64>().prop_map(|s| Some(Hint::Seconds(s))),
        ]
    }

    fn policy() -> impl Strategy<Value = RetryPolicy> {
        (0u32..12, 0u64..5_000, 0u64..60_000, 0u64..300_000).prop_map(
            |(max_attempts, base_delay_ms, max_delay_ms, max_total_ms)| RetryPolicy {
                max_attempts,
                base_delay_ms,
                max_delay_ms,
                max_total_ms,
            },
        )
    }

    /// Runs a whole retry loop: each retry starts at the time given and fails `took` ms later.
    fn run(
        policy: RetryPolicy,
        start: u64,
        steps: &[(u64, Option<Hint>, f64)],
    ) -> Result<(), TestCaseError> {
        let mut b = Backoff::new(policy);
        let mut tries: u32 = 1;
        let mut failed_at = start;
        let first = start;
        for (took, hint, fraction) in steps {
            let ra = hint.as_ref().map(|h| match *h {
                Hint::Seconds(s) => RetryAfter::Seconds(s),
                Hint::AtOffset(o) => RetryAfter::At(failed_at.saturating_add_signed(o)),
            });
            match b.next_retry_at(failed_at, ra, *fraction) {
                Some(at) => {
                    prop_assert!(at >= failed_at, "retry before the failure");
                    if let Some(ra) = ra {
                        prop_assert!(at >= ra.until(failed_at), "earlier than Retry-After");
                    }
                    prop_assert!(
                        at <= first.saturating_add(policy.max_total_ms),
                        "beyond max_total"
                    );
                    prop_assert_eq!(b.retry_at(), Some(at));
                    tries += 1;
                    failed_at = at.saturating_add(*took);
                }
                None => {
                    prop_assert!(b.is_exhausted());
                    prop_assert_eq!(b.next_retry_at(failed_at, None, 0.5), None);
                    break;
                }
            }
            prop_assert!(tries <= policy.max_attempts.max(1), "too many tries");
            prop_assert!(b.attempts() <= policy.max_attempts.max(1));
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn invariants_hold(
            policy in policy(),
            start in 0u64..4_000_000_000_000,
            steps in prop::collection::vec((0u64..20_000, hint(), 0.0f64..1.0), 0..16),
        ) {
            run(policy, start, &steps)?;
        }

        #[test]
        fn no_overflow_anywhere(
            max_attempts in any::<u32>(),
            base_delay_ms in any::<u64>(),
            max_delay_ms in any::<u64>(),
            max_total_ms in any::<u64>(),
            start in any::<u64>(),
            steps in prop::collection::vec((any::<u64>(), hint(), any::<f64>()), 0..16),
        ) {
            let policy = RetryPolicy { max_attempts, base_delay_ms, max_delay_ms, max_total_ms };
            run(policy, start, &steps)?;
        }

        #[test]
        fn parse_never_panics(s in ".{0,40}") {
            let _ = parse_retry_after(&s);
        }

        #[test]
        fn digits_parse_as_seconds(n in any::<u64>()) {
            prop_assert_eq!(parse_retry_after(&n.to_string()), Some(RetryAfter::Seconds(n)));
        }
    }
}
