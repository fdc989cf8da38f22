//! Abort-signal plumbing.
//!
//! - [`AbortListener`]: runs a callback when a signal aborts; removed on drop.
//! - [`FlowAbort`]: one `AbortSignal` for a whole sign-in, aborted by the caller's signal or by
//!   the wallet switching accounts. Every fetch, wallet prompt and sleep of the flow takes
//!   [`FlowAbort::signal`]; when one of them reports "aborted", [`FlowAbort::error`] says why.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{AbortController, AbortSignal};

use super::errors::{ErrorKind, RatioAuthError};
use super::js::try_property;
use super::wallet::{AccountsWatch, Wallet, accounts_change_ends_flow};
use crate::eip191::Address;

/// `AbortSignal.prototype`'s own getter `name` applied to `value`. The caller's signal is read only
/// this way: a `Proxy` of a signal passes `instanceof` but makes web-sys' plain `signal.aborted`
/// throw ("Illegal invocation"), and own properties may shadow the real getters. The getter's
/// brand check throws for anything that is not a real `AbortSignal`.
fn intrinsic(value: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    let class = try_property(&js_sys::global(), "AbortSignal")?;
    let prototype = try_property(&class, "prototype")?;
    if !prototype.is_object() {
        return Err(JsValue::UNDEFINED);
    }
    let descriptor = Reflect::get_own_property_descriptor::<JsValue>(
        prototype.unchecked_ref(),
        &JsValue::from_str(name),
    )?;
    let getter = try_property(&descriptor, "get")?
        .dyn_into::<Function>()
        .map_err(|_| JsValue::UNDEFINED)?;
    getter.call0(value)
}

/// `value` as an `AbortSignal` when it really is one (not a `Proxy`, not a look-alike).
pub fn caller_signal(value: &JsValue) -> Option<AbortSignal> {
    intrinsic(value, "aborted").ok()?.as_bool()?;
    Some(value.clone().unchecked_into())
}

fn signal_aborted(signal: &AbortSignal) -> bool {
    intrinsic(signal, "aborted")
        .ok()
        .and_then(|aborted| aborted.as_bool())
        .unwrap_or(false)
}

/// `signal.reason`, read through the intrinsic getter; `undefined` when it cannot be read.
pub(crate) fn signal_reason(signal: &AbortSignal) -> JsValue {
    intrinsic(signal, "reason").unwrap_or(JsValue::UNDEFINED)
}

/// Calls a callback once when `signal` aborts, unless dropped first.
pub struct AbortListener {
    signal: AbortSignal,
    callback: Option<Closure<dyn FnMut()>>,
}

impl AbortListener {
    /// If `signal` has already aborted, `on_abort` runs at once (an `abort` event would never come).
    pub fn new(signal: &AbortSignal, on_abort: impl FnOnce() + 'static) -> AbortListener {
        if signal_aborted(signal) {
            on_abort();
            return AbortListener {
                signal: signal.clone(),
                callback: None,
            };
        }
        let mut pending = Some(on_abort);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(on_abort) = pending.take() {
                on_abort();
            }
        });
        let _ = signal.add_event_listener_with_callback("abort", callback.as_ref().unchecked_ref());
        AbortListener {
            signal: signal.clone(),
            callback: Some(callback),
        }
    }
}

impl Drop for AbortListener {
    fn drop(&mut self) {
        if let Some(callback) = &self.callback {
            let _ = self
                .signal
                .remove_event_listener_with_callback("abort", callback.as_ref().unchecked_ref());
        }
    }
}

/// Why a [`FlowAbort`] fired.
#[derive(Clone, Debug)]
pub enum AbortCause {
    /// The caller's `AbortSignal` fired; its `reason`.
    Caller(JsValue),
    /// The wallet's accounts changed so that the signing account is no longer the one in use.
    AccountsChanged(Vec<Address>),
}

/// One abort signal for a whole flow. See the [module docs](self).
pub struct FlowAbort {
    controller: AbortController,
    cause: Rc<Cell<Option<AbortCause>>>,
    _caller_link: Option<AbortListener>,
    accounts_watch: Option<AccountsWatch>,
}

impl FlowAbort {
    /// Linked to `caller` (the `signal` of `signIn`) when there is one.
    pub fn new(caller: Option<&AbortSignal>) -> Result<FlowAbort, RatioAuthError> {
        let controller = AbortController::new().map_err(|error| {
            RatioAuthError::config("this JavaScript environment has no AbortController")
                .with_cause(error)
        })?;
        let cause = Rc::new(Cell::new(None));
        let caller_link = caller.map(|signal| {
            let controller = controller.clone();
            let cause = cause.clone();
            let caller_signal = signal.clone();
            AbortListener::new(signal, move || {
                abort_once(
                    &controller,
                    &cause,
                    AbortCause::Caller(signal_reason(&caller_signal)),
                );
            })
        });
        Ok(FlowAbort {
            controller,
            cause,
            _caller_link: caller_link,
            accounts_watch: None,
        })
    }

    /// The signal to hand to every operation of the flow.
    pub fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }

    pub fn is_aborted(&self) -> bool {
        self.controller.signal().aborted()
    }

    /// Whether the caller's signal (not the wallet switching accounts) stopped the flow.
    pub fn aborted_by_caller(&self) -> bool {
        matches!(self.cause(), Some(AbortCause::Caller(_)))
    }

    /// Aborts the flow when the wallet's accounts change away from `account`: when it was the
    /// wallet's selected (first) account in `accounts_now` and no longer is, or when it leaves
    /// the list. Replaces any earlier watch.
    pub fn watch_accounts(&mut self, wallet: &Wallet, account: Address, accounts_now: &[Address]) {
        let was_selected = accounts_now.first() == Some(&account);
        let controller = self.controller.clone();
        let cause = self.cause.clone();
        self.accounts_watch = None;
        self.accounts_watch = Some(wallet.watch_accounts(move |new_accounts| {
            if accounts_change_ends_flow(&account, was_selected, &new_accounts) {
                abort_once(
                    &controller,
                    &cause,
                    AbortCause::AccountsChanged(new_accounts),
                );
            }
        }));
    }

    /// Stops listening to the wallet's `accountsChanged` (e.g. once the signature is in).
    pub fn unwatch_accounts(&mut self) {
        self.accounts_watch = None;
    }

    pub fn cause(&self) -> Option<AbortCause> {
        let cause = self.cause.take();
        self.cause.set(cause.clone());
        cause
    }

    /// The error to throw for an operation that ended because this flow aborted.
    pub fn error(&self) -> RatioAuthError {
        match self.cause() {
            Some(AbortCause::AccountsChanged(_)) => accounts_changed_error(),
            Some(AbortCause::Caller(reason)) => RatioAuthError::aborted(Some(reason)),
            None => RatioAuthError::aborted(None),
        }
    }
}

fn accounts_changed_error() -> RatioAuthError {
    RatioAuthError::new(
        ErrorKind::Wallet,
        "the wallet switched accounts during sign-in",
    )
    .with_reason("accountsChanged")
}

fn abort_once(
    controller: &AbortController,
    cause: &Cell<Option<AbortCause>>,
    new_cause: AbortCause,
) {
    let current = cause.take();
    if current.is_some() {
        cause.set(current);
        return;
    }
    let reason = match &new_cause {
        AbortCause::Caller(reason) => reason.clone(),
        AbortCause::AccountsChanged(_) => accounts_changed_error().into_js(),
    };
    cause.set(Some(new_cause));
    controller.abort_with_reason(&reason);
}
