//! `Retry-After` parsing and the back-off that honours it.
//!
//! Invariants: digits-only values are delta-seconds, everything else an HTTP-date (the same
//! ones, at the same times, as the `httpdate` crate reads) or nothing;
//! `next_retry_at` keeps the contract of its docs (`now <= at <= deadline`, never before the
//! server's time, bounded attempts, exhaustion sticks), with every sum saturating.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ratio_auth::backoff::{Backoff, RetryAfter, RetryPolicy, parse_retry_after};

/// The back-off half of the input, built by `arbitrary` from the bytes after the first line.
#[derive(Arbitrary, Debug)]
struct Failures {
    policy: (u32, u64, u64, u64),
    /// Time since the last failure, the `Retry-After` of this one, the random bits.
    failures: Vec<(u64, Option<String>, u64)>,
}

fuzz_target!(|data: &[u8]| {
    // The first line is a header value as a server sends it (the seeds are real ones).
    let (header, rest) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    check_parse(&String::from_utf8_lossy(header));
    let Ok(input) = Failures::arbitrary_take_rest(arbitrary::Unstructured::new(rest)) else {
        return;
    };

    let (max_attempts, base_delay_ms, max_delay_ms, max_total_ms) = input.policy;
    let policy = RetryPolicy {
        max_attempts: max_attempts % 12,
        base_delay_ms,
        max_delay_ms,
        max_total_ms,
    };
    let mut backoff = Backoff::new(policy);
    let mut now = 0u64;
    let mut first = None;
    let mut exhausted = false;
    for (step, header, bits) in input.failures.iter().take(64) {
        now = now.saturating_add(*step);
        let retry_after = header.as_deref().and_then(check_parse);
        let fraction = ratio_auth::backoff::unit_fraction(*bits);
        assert!((0.0..1.0).contains(&fraction));
        let first_failure = *first.get_or_insert(now);
        let at = backoff.next_retry_at(now, retry_after, fraction);
        if exhausted {
            assert_eq!(at, None, "exhaustion must stick");
        }
        match at {
            Some(at) => {
                let deadline = first_failure.saturating_add(policy.max_total_ms);
                assert!(now <= at && at <= deadline, "{now} <= {at} <= {deadline}");
                if let Some(ra) = retry_after {
                    assert!(at >= ra.until(now), "retried before Retry-After");
                }
                assert!(backoff.attempts() < policy.max_attempts.max(1));
                assert_eq!(backoff.retry_at(), Some(at));
            }
            None => {
                exhausted = true;
                assert!(backoff.is_exhausted());
                assert_eq!(backoff.retry_at(), None);
            }
        }
        assert!(backoff.attempts() <= policy.max_attempts.max(1));
    }
});

fn check_parse(header: &str) -> Option<RetryAfter> {
    let parsed = parse_retry_after(header);
    let trimmed = header.trim();
    let digits = !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit());
    match parsed {
        Some(RetryAfter::Seconds(s)) => {
            assert!(digits, "seconds from a non-digit value {header:?}");
            // Overflow saturates rather than dropping the header.
            let expected = trimmed.parse::<u64>().unwrap_or(u64::MAX);
            assert_eq!(s, expected);
            assert!(RetryAfter::Seconds(s).until(12_345) >= 12_345);
        }
        Some(RetryAfter::At(_)) => assert!(!digits),
        None => assert!(!digits, "digits dropped: {header:?}"),
    }
    // The hand-written HTTP-date reader accepts exactly what the `httpdate` crate does, at the
    // same instant.
    if !digits {
        let oracle = httpdate::parse_http_date(trimmed).ok().map(|at| {
            let ms = at.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
            RetryAfter::At(u64::try_from(ms).unwrap_or(u64::MAX))
        });
        assert_eq!(parsed, oracle, "{header:?}");
    }
    parsed
}
