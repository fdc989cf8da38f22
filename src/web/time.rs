//! Time and randomness from the browser, for an engine that has neither.
//!
//! - [`now_ms`]: `Date.now()` as unix milliseconds.
//! - [`sleep`] / [`sleep_until`]: a `setTimeout` future that an `AbortSignal` cancels.
//! - [`race`]: any future against a timeout and an `AbortSignal`.
//! - [`random_u64`] / [`random_fraction`]: `getrandom` (`crypto.getRandomValues`), for back-off jitter.
//!
//! Timers and listeners are removed when their guard is dropped, so a future that loses a race
//! (or is dropped mid-way) leaves nothing behind to fire later.

use std::cell::Cell;
use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::rc::Rc;
use std::task::{Poll, Waker};

use js_sys::Function;
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

use super::abort::AbortListener;

#[wasm_bindgen]
extern "C" {
    // The global functions rather than `window.setTimeout`: they exist in workers too.
    #[wasm_bindgen(js_name = setTimeout, catch)]
    fn set_timeout(handler: &Function, ms: i32) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_name = clearTimeout, catch)]
    fn clear_timeout(id: &JsValue) -> Result<(), JsValue>;
}

/// The current time, unix milliseconds (`Date.now()`).
pub fn now_ms() -> u64 {
    // `as` saturates: a negative or NaN clock reads as 0 rather than panicking.
    js_sys::Date::now() as u64
}

/// Why a [`race`] or a [`sleep`] ended early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupted {
    /// The timeout elapsed first.
    TimedOut,
    /// The `AbortSignal` fired first (or had already fired).
    Aborted,
}

/// The signal fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aborted;

/// Calls a callback once after a delay, unless dropped first (`clearTimeout`).
pub struct Timer {
    id: Option<JsValue>,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    /// Delays above `i32::MAX` ms (~24.8 days) are clamped: browsers treat them as 0.
    pub fn new(delay_ms: u64, on_fire: impl FnOnce() + 'static) -> Timer {
        let mut pending = Some(on_fire);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(on_fire) = pending.take() {
                on_fire();
            }
        });
        let delay = i32::try_from(delay_ms).unwrap_or(i32::MAX);
        let function: &Function = callback.as_ref().unchecked_ref();
        let id = match set_timeout(function, delay) {
            Ok(id) => Some(id),
            Err(_) => {
                // No timer in this environment: firing now beats waiting forever.
                let _ = function.call0(&JsValue::UNDEFINED);
                None
            }
        };
        Timer {
            id,
            _callback: callback,
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(id) = &self.id {
            let _ = clear_timeout(id);
        }
    }
}

/// A value set once (first writer wins) and awaited by one task. Cells only: it cannot panic
/// on re-entrant use the way a `RefCell` can.
pub(crate) struct OneShot<T> {
    value: Cell<Option<T>>,
    waker: Cell<Option<Waker>>,
}

impl<T> OneShot<T> {
    pub(crate) fn new() -> Rc<OneShot<T>> {
        Rc::new(OneShot {
            value: Cell::new(None),
            waker: Cell::new(None),
        })
    }

    pub(crate) fn fire(&self, value: T) {
        let current = self.value.take();
        self.value.set(Some(current.unwrap_or(value)));
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }

    pub(crate) fn poll_take(&self, waker: &Waker) -> Poll<T> {
        match self.value.take() {
            Some(value) => Poll::Ready(value),
            None => {
                self.waker.set(Some(waker.clone()));
                Poll::Pending
            }
        }
    }
}

/// Runs `future` until it completes, `timeout_ms` elapses, or `signal` aborts, whichever is
/// first. A result that is ready wins over an interruption that happened in the same tick.
///
/// When interrupted, `future` is dropped: for a JS promise that only means its result is
/// ignored; work that must really stop (a `fetch`) needs its own `AbortSignal`.
pub async fn race<F: Future>(
    future: F,
    timeout_ms: Option<u64>,
    signal: Option<&AbortSignal>,
) -> Result<F::Output, Interrupted> {
    if signal.is_some_and(AbortSignal::aborted) {
        return Err(Interrupted::Aborted);
    }
    let interrupt = OneShot::new();
    let _timer = timeout_ms.map(|ms| {
        let interrupt = interrupt.clone();
        Timer::new(ms, move || interrupt.fire(Interrupted::TimedOut))
    });
    let _abort = signal.map(|signal| {
        let interrupt = interrupt.clone();
        AbortListener::new(signal, move || interrupt.fire(Interrupted::Aborted))
    });
    let mut future = pin!(future);
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        interrupt.poll_take(cx.waker()).map(Err)
    })
    .await
}

/// Waits `ms` milliseconds; `Err(Aborted)` as soon as `signal` aborts.
pub async fn sleep(ms: u64, signal: Option<&AbortSignal>) -> Result<(), Aborted> {
    match race(std::future::pending::<Infallible>(), Some(ms), signal).await {
        Ok(never) => match never {},
        Err(Interrupted::TimedOut) => Ok(()),
        Err(Interrupted::Aborted) => Err(Aborted),
    }
}

/// Waits until the unix-millisecond time `deadline_ms` (at once if it has passed).
pub async fn sleep_until(deadline_ms: u64, signal: Option<&AbortSignal>) -> Result<(), Aborted> {
    sleep(deadline_ms.saturating_sub(now_ms()), signal).await
}

/// 64 random bits from `crypto.getRandomValues`, through `getrandom`'s `wasm_js` backend.
///
/// Used for back-off jitter, which needs spread rather than secrecy: where `crypto` is missing
/// (an old or stripped-down JS host), `Math.random()` is the fallback rather than a failure.
pub fn random_u64() -> u64 {
    if let Ok(bits) = getrandom::u64() {
        return bits;
    }
    let high = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let low = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    (high << 32) | low
}

/// A random fraction in `[0, 1)`, the form [`crate::backoff`] takes.
pub fn random_fraction() -> f64 {
    crate::backoff::unit_fraction(random_u64())
}
