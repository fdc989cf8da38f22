//! The EIP-1193 bridge: any JS provider object with `request({method, params})`
//! (`window.ethereum`, an EIP-6963 provider, wagmi's connector provider, a test double).
//!
//! Every request races the wallet timeout and the flow's `AbortSignal`: a wallet that never
//! answers (a closed popup, a locked extension) ends in a typed error instead of a hung flow.
//! Checking *who* signed is the engine's job ([`crate::eip191::check_signer`]), not this one's.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use js_sys::{Array, Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::errors::{ErrorKind, RatioAuthError, sanitize_external_text};
use super::js::{
    ArrayError, array_items, find_text, follow, function_property, integer_property, property,
    set_property, string_property, thrown_message,
};
use super::time::{Interrupted, race};
use crate::eip191::{Address, challenge_hex};

/// EIP-1193 and JSON-RPC error codes this bridge tells apart.
pub mod codes {
    pub const USER_REJECTED: i64 = 4001;
    pub const UNAUTHORIZED: i64 = 4100;
    pub const UNSUPPORTED_METHOD: i64 = 4200;
    pub const DISCONNECTED: i64 = 4900;
    pub const CHAIN_DISCONNECTED: i64 = 4901;
    pub const INTERNAL_ERROR: i64 = -32603;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const REQUEST_PENDING: i64 = -32002;
}

/// What a wallet request can end in, besides its result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WalletError {
    /// The object given as `provider` has no `request` function.
    NotAProvider,
    /// 4001, or `-32603` whose message or data says the user denied it (older MetaMask builds).
    UserRejected { code: i64, message: String },
    /// 4100: the account or method is not authorised by the user.
    Unauthorized { message: String },
    /// 4200 / -32601: the wallet does not implement the method.
    UnsupportedMethod { method: String, message: String },
    /// 4900 (`chain_only = false`) or 4901 (`chain_only = true`).
    Disconnected { chain_only: bool, message: String },
    /// -32002: a request of this kind is already open in the wallet (e.g. an unanswered popup).
    RequestPending { message: String },
    /// The wallet returned no account.
    NoAccounts,
    /// The account asked for is not among the wallet's accounts.
    AccountNotAvailable { requested: String },
    /// The wallet answered with something EIP-1193 does not allow (e.g. a number for a signature).
    BadResponse { method: String, detail: String },
    /// The wallet switched accounts during the flow.
    AccountsChanged,
    /// No answer within the wallet timeout.
    Timeout,
    /// The flow's signal fired.
    Aborted,
    /// Any other wallet error; `code` when it had a numeric one.
    Other { code: Option<i64>, message: String },
}

impl WalletError {
    /// The SDK's own line, without the wallet's message.
    pub fn summary(&self) -> String {
        match self {
            WalletError::NotAProvider => {
                "the provider has no request() function (not an EIP-1193 provider)".to_owned()
            }
            WalletError::UserRejected { .. } => {
                "the user rejected the request in the wallet".to_owned()
            }
            WalletError::Unauthorized { .. } => {
                "the wallet has not authorised this account or method".to_owned()
            }
            WalletError::UnsupportedMethod { method, .. } => {
                format!("the wallet does not support {method}")
            }
            WalletError::Disconnected {
                chain_only: false, ..
            } => "the wallet is disconnected".to_owned(),
            WalletError::Disconnected {
                chain_only: true, ..
            } => "the wallet is not connected to the chain".to_owned(),
            WalletError::RequestPending { .. } => {
                "a request is already pending in the wallet; open the wallet to finish it"
                    .to_owned()
            }
            WalletError::NoAccounts => "the wallet returned no account".to_owned(),
            WalletError::AccountNotAvailable { requested } => {
                format!("account {requested} is not among the wallet's accounts")
            }
            WalletError::BadResponse { method, detail } => {
                format!("the wallet answered {method} with {detail}")
            }
            WalletError::AccountsChanged => {
                "the wallet switched accounts during sign-in".to_owned()
            }
            WalletError::Timeout => "the wallet did not answer in time".to_owned(),
            WalletError::Aborted => "the wallet request was aborted".to_owned(),
            WalletError::Other {
                code: Some(code), ..
            } => format!("wallet error {code}"),
            WalletError::Other { code: None, .. } => "wallet error".to_owned(),
        }
    }

    /// The wallet's own message (already sanitised), for the kinds that carry one.
    pub fn wallet_message(&self) -> Option<&str> {
        match self {
            WalletError::UserRejected { message, .. }
            | WalletError::Unauthorized { message }
            | WalletError::UnsupportedMethod { message, .. }
            | WalletError::Disconnected { message, .. }
            | WalletError::RequestPending { message }
            | WalletError::Other { message, .. } => Some(message),
            _ => None,
        }
    }
}

impl fmt::Display for WalletError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())?;
        match self.wallet_message() {
            Some(message) => write!(f, ": {message}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for WalletError {}

impl From<WalletError> for RatioAuthError {
    fn from(error: WalletError) -> RatioAuthError {
        let (kind, reason, code) = match &error {
            WalletError::UserRejected { code, .. } => (ErrorKind::UserRejected, None, Some(*code)),
            WalletError::Timeout => (ErrorKind::Timeout, None, None),
            WalletError::Aborted => (ErrorKind::Aborted, None, None),
            WalletError::NotAProvider => (ErrorKind::Wallet, Some("notAProvider"), None),
            WalletError::Unauthorized { .. } => (
                ErrorKind::Wallet,
                Some("unauthorized"),
                Some(codes::UNAUTHORIZED),
            ),
            WalletError::UnsupportedMethod { .. } => (
                ErrorKind::Wallet,
                Some("unsupportedMethod"),
                Some(codes::UNSUPPORTED_METHOD),
            ),
            WalletError::Disconnected {
                chain_only: false, ..
            } => (
                ErrorKind::Wallet,
                Some("disconnected"),
                Some(codes::DISCONNECTED),
            ),
            WalletError::Disconnected {
                chain_only: true, ..
            } => (
                ErrorKind::Wallet,
                Some("chainDisconnected"),
                Some(codes::CHAIN_DISCONNECTED),
            ),
            WalletError::RequestPending { .. } => (
                ErrorKind::Wallet,
                Some("requestPending"),
                Some(codes::REQUEST_PENDING),
            ),
            WalletError::NoAccounts => (ErrorKind::Wallet, Some("noAccounts"), None),
            WalletError::AccountNotAvailable { .. } => {
                (ErrorKind::Wallet, Some("accountNotAvailable"), None)
            }
            WalletError::BadResponse { .. } => (ErrorKind::Wallet, Some("badResponse"), None),
            WalletError::AccountsChanged => (ErrorKind::Wallet, Some("accountsChanged"), None),
            WalletError::Other { code, .. } => (ErrorKind::Wallet, Some("other"), *code),
        };
        let mut out = RatioAuthError::detailed(
            kind,
            error.summary(),
            error.wallet_message().unwrap_or_default(),
            false,
        );
        if let Some(reason) = reason {
            out = out.with_reason(reason);
        }
        match code {
            Some(code) => out.with_wallet_code(code),
            None => out,
        }
    }
}

/// Maps whatever a provider threw or rejected with to a [`WalletError`].
pub fn map_provider_error(method: &str, thrown: &JsValue) -> WalletError {
    let code = integer_property(thrown, "code");
    let message = sanitize_external_text(&thrown_message(thrown));
    match code {
        Some(codes::USER_REJECTED) => WalletError::UserRejected {
            code: codes::USER_REJECTED,
            message,
        },
        Some(codes::INTERNAL_ERROR) if is_user_denial_quirk(thrown) => WalletError::UserRejected {
            code: codes::INTERNAL_ERROR,
            message,
        },
        Some(codes::UNAUTHORIZED) => WalletError::Unauthorized { message },
        Some(codes::UNSUPPORTED_METHOD | codes::METHOD_NOT_FOUND) => {
            WalletError::UnsupportedMethod {
                method: method.to_owned(),
                message,
            }
        }
        Some(codes::DISCONNECTED) => WalletError::Disconnected {
            chain_only: false,
            message,
        },
        Some(codes::CHAIN_DISCONNECTED) => WalletError::Disconnected {
            chain_only: true,
            message,
        },
        Some(codes::REQUEST_PENDING) => WalletError::RequestPending { message },
        code => WalletError::Other { code, message },
    }
}

/// Some wallets report a rejection as `-32603 Internal JSON-RPC error`, with "User denied …" in
/// the message or a 4001 nested in `data` (`data.code`, `data.originalError.code`).
fn is_user_denial_quirk(thrown: &JsValue) -> bool {
    let says_denied = |value: &JsValue| {
        string_property(value, "message").is_some_and(|message| {
            let message = message.to_ascii_lowercase();
            find_text(&message, "user denied").is_some()
                || find_text(&message, "user rejected").is_some()
        })
    };
    let data = property(thrown, "data");
    let original = property(&data, "originalError");
    says_denied(thrown)
        || says_denied(&data)
        || says_denied(&original)
        || integer_property(&data, "code") == Some(codes::USER_REJECTED)
        || integer_property(&original, "code") == Some(codes::USER_REJECTED)
}

/// An EIP-1193 provider, checked to have a `request` function.
#[derive(Clone, Debug)]
pub struct Wallet {
    provider: JsValue,
    request_fn: Function,
    timeout_ms: Option<u64>,
    /// What the last failed request threw or rejected with (see [`Wallet::take_thrown`]).
    thrown: RefCell<Option<JsValue>>,
}

impl Wallet {
    /// `timeout_ms` bounds every request (a human answers these: give it tens of seconds).
    pub fn new(provider: JsValue, timeout_ms: Option<u64>) -> Result<Wallet, WalletError> {
        let request_fn =
            function_property(&provider, "request").ok_or(WalletError::NotAProvider)?;
        Ok(Wallet {
            provider,
            request_fn,
            timeout_ms,
            thrown: RefCell::new(None),
        })
    }

    /// The JS value the last failed request threw or rejected with (the wallet's own error
    /// object, kept as a `RatioAuthError`'s `cause`), taken; `None` when the last request did
    /// not fail that way (it succeeded, timed out, was aborted, or answered badly).
    pub fn take_thrown(&self) -> Option<JsValue> {
        self.thrown.try_borrow_mut().ok()?.take()
    }

    fn keep_thrown(&self, thrown: Option<JsValue>) {
        if let Ok(mut slot) = self.thrown.try_borrow_mut() {
            *slot = thrown;
        }
    }

    pub fn provider(&self) -> &JsValue {
        &self.provider
    }

    /// `provider.request({method, params})`, raced against the timeout and `signal`.
    /// `params` is left out of the call when `None` (some wallets refuse `[]` for `eth_accounts`).
    pub async fn request(
        &self,
        method: &str,
        params: Option<&Array>,
        signal: Option<&AbortSignal>,
    ) -> Result<JsValue, WalletError> {
        self.keep_thrown(None);
        // Checked first: an aborted flow must not open a wallet popup.
        if signal.is_some_and(AbortSignal::aborted) {
            return Err(WalletError::Aborted);
        }
        let arguments = Object::new();
        set_property(&arguments, "method", &JsValue::from_str(method));
        if let Some(params) = params {
            set_property(&arguments, "params", params);
        }
        // `call1` with the provider as `this`: providers are classes that use their own state.
        let failed = |thrown: JsValue| {
            let error = map_provider_error(method, &thrown);
            self.keep_thrown(Some(thrown));
            error
        };
        let returned = self
            .request_fn
            .call1(&self.provider, &arguments)
            .map_err(failed)?;
        // Any thenable, and a provider that answers synchronously; a throwing `then` rejects.
        let answer = JsFuture::from(follow(&returned));
        match race(answer, self.timeout_ms, signal).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(thrown)) => Err(failed(thrown)),
            Err(Interrupted::TimedOut) => Err(WalletError::Timeout),
            Err(Interrupted::Aborted) => Err(WalletError::Aborted),
        }
    }

    /// The wallet's accounts, asking the user to connect if needed: `eth_requestAccounts`, and
    /// `eth_accounts` when the wallet does not implement it (older and embedded wallets) or
    /// returns no account. The order is the wallet's: the first is the selected account.
    pub async fn request_accounts(
        &self,
        signal: Option<&AbortSignal>,
    ) -> Result<Vec<Address>, WalletError> {
        let requested = match self.request("eth_requestAccounts", None, signal).await {
            Ok(value) => parse_accounts("eth_requestAccounts", &value)?,
            Err(WalletError::UnsupportedMethod { .. }) => Vec::new(),
            Err(other) => return Err(other),
        };
        if !requested.is_empty() {
            return Ok(requested);
        }
        let value = self.request("eth_accounts", None, signal).await?;
        let accounts = parse_accounts("eth_accounts", &value)?;
        if accounts.is_empty() {
            return Err(WalletError::NoAccounts);
        }
        Ok(accounts)
    }

    /// `personal_sign` of the challenge by `address`: params `[0x-hex of the UTF-8 challenge,
    /// address]` (the order MetaMask and EIP-1474 wallets use). Returns the signature as the
    /// wallet gave it; the engine recovers the signer before using it.
    pub async fn personal_sign(
        &self,
        challenge: &str,
        address: &Address,
        signal: Option<&AbortSignal>,
    ) -> Result<String, WalletError> {
        let params = Array::new();
        params.push(&JsValue::from_str(&challenge_hex(challenge)));
        params.push(&JsValue::from_str(&address.to_lower_hex()));
        let value = self.request("personal_sign", Some(&params), signal).await?;
        match value.as_string() {
            Some(signature) if !signature.is_empty() => Ok(signature),
            _ => Err(WalletError::BadResponse {
                method: "personal_sign".to_owned(),
                detail: "something that is not a signature string".to_owned(),
            }),
        }
    }

    /// Whether `address` holds contract code: `eth_getCode(address, "latest")`. Any hex string
    /// other than `0x` / `0x0` (or an empty one) is code; anything that is not a hex string is
    /// a [`WalletError::BadResponse`].
    pub async fn has_code(
        &self,
        address: &Address,
        signal: Option<&AbortSignal>,
    ) -> Result<bool, WalletError> {
        let params = Array::new();
        params.push(&JsValue::from_str(&address.to_lower_hex()));
        params.push(&JsValue::from_str("latest"));
        let value = self.request("eth_getCode", Some(&params), signal).await?;
        match value.as_string().as_deref().and_then(code_is_present) {
            Some(present) => Ok(present),
            None => Err(WalletError::BadResponse {
                method: "eth_getCode".to_owned(),
                detail: "something that is not a hex string".to_owned(),
            }),
        }
    }

    /// Calls `on_change` with the new accounts on every `accountsChanged` event, until the
    /// returned watch is dropped. A provider without `on` gives a watch that never fires.
    pub fn watch_accounts(&self, on_change: impl FnMut(Vec<Address>) + 'static) -> AccountsWatch {
        AccountsWatch::new(&self.provider, on_change)
    }
}

/// Whether `eth_getCode`'s answer holds code: not empty, not `0x`, not all zero digits (some
/// nodes answer `0x0` for an EOA). `None` when it is not hex.
pub fn code_is_present(code: &str) -> Option<bool> {
    let code = code.trim();
    let digits = code
        .strip_prefix("0x")
        .or_else(|| code.strip_prefix("0X"))
        .unwrap_or(code);
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(digits.bytes().any(|b| b != b'0'))
}

/// The account to sign in with: `wanted` when given (compared as addresses, so case does not
/// matter) and the wallet has it, else the wallet's first account.
pub fn select_account(accounts: &[Address], wanted: Option<&str>) -> Result<Address, WalletError> {
    match wanted {
        None => accounts.first().copied().ok_or(WalletError::NoAccounts),
        Some(wanted) => {
            let not_available = || WalletError::AccountNotAvailable {
                requested: wanted.to_owned(),
            };
            let wanted = parse_wallet_address(wanted).ok_or_else(not_available)?;
            accounts
                .iter()
                .copied()
                .find(|account| *account == wanted)
                .ok_or_else(not_available)
        }
    }
}

/// Whether an `accountsChanged` to `new_accounts` ends a flow signing as `account`: it was the
/// selected account and is not anymore, or it is gone from the list (a disconnect gives `[]`).
pub fn accounts_change_ends_flow(
    account: &Address,
    was_selected: bool,
    new_accounts: &[Address],
) -> bool {
    if was_selected {
        new_accounts.first() != Some(account)
    } else {
        !new_accounts.contains(account)
    }
}

/// Wallets disagree on case (lowercase, EIP-55, sometimes upper); an address they return is
/// trusted as bytes, so a checksum mismatch in *their* spelling is not an error.
fn parse_wallet_address(text: &str) -> Option<Address> {
    Address::parse(&text.trim().to_ascii_lowercase()).ok()
}

/// More accounts than any wallet has; a bound for `Proxy` arrays that claim a huge length.
const MAX_ACCOUNTS: u32 = 1_000;

fn parse_accounts(method: &str, value: &JsValue) -> Result<Vec<Address>, WalletError> {
    let bad = |detail: &str| WalletError::BadResponse {
        method: method.to_owned(),
        detail: detail.to_owned(),
    };
    let items = array_items(value, MAX_ACCOUNTS).map_err(|error| match error {
        ArrayError::NotAnArray => bad("something that is not an array of accounts"),
        ArrayError::TooLong => bad("an array longer than any list of accounts"),
        ArrayError::Threw => bad("an array that threw when read"),
    })?;
    items
        .iter()
        .map(|item| item.as_string().as_deref().and_then(parse_wallet_address))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| bad("an entry that is not an account address"))
}

/// The accounts of an `accountsChanged` event; `None` when the event carries no readable array
/// (a broken emitter), which is ignored rather than read as a disconnect.
fn parse_event_accounts(value: &JsValue) -> Option<Vec<Address>> {
    let items = array_items(value, MAX_ACCOUNTS).ok()?;
    Some(
        items
            .iter()
            .filter_map(|item| item.as_string().as_deref().and_then(parse_wallet_address))
            .collect(),
    )
}

/// A registered `accountsChanged` listener; removed on drop.
pub struct AccountsWatch {
    provider: JsValue,
    listener: Option<Closure<dyn FnMut(JsValue)>>,
    active: Rc<Cell<bool>>,
}

impl AccountsWatch {
    fn new(provider: &JsValue, mut on_change: impl FnMut(Vec<Address>) + 'static) -> AccountsWatch {
        let active = Rc::new(Cell::new(true));
        let Some(on) = function_property(provider, "on") else {
            return AccountsWatch {
                provider: provider.clone(),
                listener: None,
                active,
            };
        };
        let still_active = active.clone();
        let listener = Closure::<dyn FnMut(JsValue)>::new(move |accounts: JsValue| {
            if let (true, Some(accounts)) = (still_active.get(), parse_event_accounts(&accounts)) {
                on_change(accounts);
            }
        });
        let registered = on
            .call2(
                provider,
                &JsValue::from_str("accountsChanged"),
                listener.as_ref(),
            )
            .is_ok();
        AccountsWatch {
            provider: provider.clone(),
            listener: registered.then_some(listener),
            active,
        }
    }

    /// Whether the provider accepted the listener (it has a working `on`).
    pub fn is_listening(&self) -> bool {
        self.listener.is_some()
    }
}

impl Drop for AccountsWatch {
    fn drop(&mut self) {
        self.active.set(false);
        let Some(listener) = self.listener.take() else {
            return;
        };
        let removed = ["removeListener", "off"].iter().any(|name| {
            function_property(&self.provider, name).is_some_and(|remove| {
                remove
                    .call2(
                        &self.provider,
                        &JsValue::from_str("accountsChanged"),
                        listener.as_ref(),
                    )
                    .is_ok()
            })
        });
        if !removed {
            // The provider keeps calling it: a dropped closure would throw inside the provider's
            // event loop, so leak this small, now inert one instead.
            listener.forget();
        }
    }
}
