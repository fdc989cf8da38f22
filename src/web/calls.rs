//! `auth.api`: one typed call per Ratio endpoint, for apps that run their own flow.
//!
//! Each call is the engine's request model ([`ApiCall::to_http`] and [`ApiCall::decode`]) sent
//! once through the same fetch as `signIn` (same `baseUrl`, credentials and `timeoutMs`; no
//! retries: those are the flow's business). A 2xx resolves to the camelCase body, plus
//! `refreshJwt` when Ratio sent `ratio-authentication-refresh` (use it from then on); anything
//! else rejects with a `RatioAuthError`.
//!
//! Every call takes a last, optional `signal` (an `AbortSignal`, `null` or `undefined`; anything
//! else is a `config` error). Its abort, before or during the request, aborts the `fetch` and
//! rejects with kind `aborted`, the signal's `reason` as `cause`.

use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

use super::abort::{caller_signal, signal_reason};
use super::auth::{Shared, to_js};
use super::errors::{ErrorKind, RatioAuthError};
use super::http::TransportError;
use super::js::{plain_copy, set_property, string_property};
use super::time::now_ms;
use crate::api::{
    AddToUserRequest, ApiCall, ApiError, AuthResponse, CreateUserRequest, EmailAuthenticateRequest,
    EmailSendRequest, EmailSendResponse, EmptyResponse, ErrorCode, GetUserRequest, HttpRequest,
    HttpResponse, SmsAuthenticateRequest, SmsSendRequest, SmsSendResponse, User,
    WalletAuthenticateRequest, WalletStartRequest, WalletStartResponse,
};
use crate::backoff::parse_retry_after;
use crate::eip191::Address;
use crate::json::{self, FromJson};
use crate::secret::Secret;

/// The low-level calls of one `RatioAuth` (its `api` getter).
#[wasm_bindgen]
pub struct RatioApi {
    shared: Rc<Shared>,
}

impl RatioApi {
    pub(crate) fn new(shared: Rc<Shared>) -> RatioApi {
        RatioApi { shared }
    }

    /// Only the request building and the decoding are generic: the async part (one
    /// `future_to_promise` instance for all nine calls) is not, which keeps the bundle small.
    fn run<C>(
        &self,
        name: &'static str,
        build: impl FnOnce() -> Result<C, RatioAuthError>,
        jwt: Jwt,
        signal: JsValue,
    ) -> Promise
    where
        C: ApiCall,
        C::Response: BodyToJs,
    {
        let signal = read_signal(name, &signal);
        let bearer = signal.and_then(|signal| jwt.read(name).map(|bearer| (signal, bearer)));
        let request =
            bearer.and_then(|(signal, bearer)| build().map(|call| (call, bearer, signal)));
        let request = request.and_then(|(call, bearer, signal)| {
            call.to_http(&self.shared.config.client(), bearer.as_ref())
                .map(|request| (request, signal))
                .map_err(|_| {
                    RatioAuthError::config(format!("api.{name}: the request could not be encoded"))
                })
        });
        send(self.shared.clone(), name, request, decode_to_js::<C>)
    }
}

#[wasm_bindgen]
impl RatioApi {
    /// `POST /v1/auth/cryptoWallet:start`.
    #[wasm_bindgen(js_name = walletStart, unchecked_return_type = "Promise<RatioApiWalletStartResponse>")]
    pub fn wallet_start(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RatioApiWalletRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AbortSignal | null")] signal: JsValue,
    ) -> Promise {
        self.run(
            "walletStart",
            move || wallet_address("walletStart", &request).map(WalletStartRequest::new),
            Jwt::Optional(JsValue::UNDEFINED),
            signal,
        )
    }

    /// `POST /v1/auth/cryptoWallet:authenticate`; `jwt` links the wallet to that session's user.
    #[wasm_bindgen(js_name = walletAuthenticate, unchecked_return_type = "Promise<RatioApiAuthResponse>")]
    pub fn wallet_authenticate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RatioApiWalletAuthenticateRequest")]
        request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] jwt: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AbortSignal | null")] signal: JsValue,
    ) -> Promise {
        self.run(
            "walletAuthenticate",
            move || {
                let address = wallet_address("walletAuthenticate", &request)?;
                let signature = string_property(&request, "signature").ok_or_else(|| {
                    bad_argument(
                        "walletAuthenticate",
                        "{ walletAddress: string, signature: string }",
                    )
                })?;
                Ok(WalletAuthenticateRequest::new(address, signature))
            },
            Jwt::Optional(jwt),
            signal,
        )
    }

    /// `POST /v1/auth/cryptoWallet:addToUser` (needs a two-factor `jwt`).
    #[wasm_bindgen(js_name = walletAddToUser, unchecked_return_type = "Promise<RatioApiEmptyResponse>")]
    pub fn wallet_add_to_user(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RatioApiWalletRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] jwt: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AbortSignal | null")] signal: JsValue,
    ) -> Promise {
        self.run(
            "walletAddToUser",
            move || wallet_address("walletAddToUser", &request).map(AddToUserRequest::new),
            Jwt::Required(jwt),
            signal,
        )
    }

    /// `POST /v1/auth/otp/sms:send`; with `jwt`, SMS becomes that session's next factor.
    #[wasm_bindgen(js_name = smsSend, unchecked_return_type = "Promise<RatioApiSmsSendResponse>")]
    pub fn sms_send(
        &self,
        #[wasm_bindgen(unchecked_param_type = "{ phoneNumber: string }")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] jwt: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AbortSignal | null")] signal: JsValue,
    ) -> Promise {
        self.run(
            "smsSend",
            move || read::<SmsSendRequest>("smsSend", "{ phoneNumber: string }", request),
            Jwt::Optional(jwt),
            signal,
        )
    }

    /// `POST /v1/auth/otp/sms:authenticate`.
    #[wasm_bindgen(js_name = smsAuthenticate, unchecked_return_type = "Promise<RatioApiAuthResponse>")]
    pub fn sms_authenticate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "{ phoneId: string, otp: string }")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] jwt: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AbortSignal | null")] signal: JsValue,
    ) -> Promise {
        self.run(
            "smsAuthenticate",
            move || {
                read::<SmsAuthenticateRequest>(
                    "smsAuthenticate",
                    "{ phoneId: string, otp: string }",
                    request,
                )
            },
            Jwt::Optional(jwt),
            signal,
        )
    }

    /// `POST /v1/auth/otp/email:send`; with `jwt`, email becomes that session's next factor.
    #[wasm_bindgen(js_name = emailSend, unchecked_return_type = "Promise<RatioApiEmailSendResponse>")]
    pub fn email_send(
        &self,
        #[wasm_bindgen(unchecked_param_type = "{ emailAddress: string }")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] jwt: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AbortSignal | null")] signal: JsValue,
    ) -> Promise {
        self.run(
            "emailSend",
            move || read::<EmailSendRequest>("emailSend", "{ emailAddress: string }", request),
            Jwt::Optional(jwt),
            signal,
        )
    }

    /// `POST /v1/auth/otp/email:authenticate`.
    #[wasm_bindgen(js_name = emailAuthenticate, unchecked_return_type = "Promise<RatioApiAuthResponse>")]
    pub fn email_authenticate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "{ emailId: string, otp: string }")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] jwt: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AbortSignal | null")] signal: JsValue,
    ) -> Promise {
        self.run(
            "emailAuthenticate",
            move || {
                read::<EmailAuthenticateRequest>(
                    "emailAuthenticate",
                    "{ emailId: string, otp: string }",
                    request,
                )
            },
            Jwt::Optional(jwt),
            signal,
        )
    }

    /// `POST /v1/users` (needs a two-factor `jwt` with SMS among its factors).
    #[wasm_bindgen(js_name = createUser, unchecked_return_type = "Promise<RatioApiUser>")]
    pub fn create_user(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RatioApiCreateUserRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] jwt: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AbortSignal | null")] signal: JsValue,
    ) -> Promise {
        self.run(
            "createUser",
            move || {
                read::<CreateUserRequest>(
                    "createUser",
                    "{ firstName, lastName, email, country, phone: string, acceptedTerms: boolean, middleName?: string }",
                    request,
                )
            },
            Jwt::Required(jwt),
            signal,
        )
    }

    /// `GET /v1/users/{userId}`.
    #[wasm_bindgen(js_name = getUser, unchecked_return_type = "Promise<RatioApiUser>")]
    pub fn get_user(
        &self,
        #[wasm_bindgen(js_name = userId, unchecked_param_type = "string")] user_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] jwt: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AbortSignal | null")] signal: JsValue,
    ) -> Promise {
        self.run(
            "getUser",
            move || match user_id.as_string() {
                Some(user_id) if !user_id.trim().is_empty() => Ok(GetUserRequest { user_id }),
                _ => Err(bad_argument("getUser", "a non-empty userId")),
            },
            Jwt::Required(jwt),
            signal,
        )
    }
}

/// The session JWT argument of a call, taken as any JS value: a string parameter would make
/// wasm-bindgen's glue convert it, and a `toString` or a Proxy trap that throws would then throw
/// out of the call instead of rejecting its promise.
enum Jwt {
    Optional(JsValue),
    Required(JsValue),
}

impl Jwt {
    /// The bearer to send; an empty string sends none (Ratio answers 401, as for no JWT).
    #[inline(never)] // shared by the nine calls, not copied into each
    fn read(&self, name: &str) -> Result<Option<Secret>, RatioAuthError> {
        let (value, required) = match self {
            Jwt::Optional(value) => (value, false),
            Jwt::Required(value) => (value, true),
        };
        match value.as_string() {
            Some(jwt) => Ok((!jwt.trim().is_empty()).then(|| Secret::new(jwt))),
            None if !required && (value.is_undefined() || value.is_null()) => Ok(None),
            None => Err(bad_argument(
                name,
                if required {
                    "the session jwt as a string"
                } else {
                    "the session jwt, when given, as a string"
                },
            )),
        }
    }
}

fn decode_to_js<C>(response: &HttpResponse) -> Result<JsValue, ApiError>
where
    C: ApiCall,
    C::Response: BodyToJs,
{
    C::decode(response).map(|body| body.body_to_js())
}

/// The call's `signal`: `None` for `undefined` and `null`, a `config` error for anything that
/// is not a real `AbortSignal` (read as `signIn` reads its own, see [`caller_signal`]).
#[inline(never)] // shared by the nine calls, not copied into each
fn read_signal(name: &str, signal: &JsValue) -> Result<Option<AbortSignal>, RatioAuthError> {
    if signal.is_undefined() || signal.is_null() {
        return Ok(None);
    }
    caller_signal(signal)
        .map(Some)
        .ok_or_else(|| bad_argument(name, "signal, when given, as an AbortSignal"))
}

#[inline(never)] // shared by the nine calls, not copied into each
fn send(
    shared: Rc<Shared>,
    name: &'static str,
    request: Result<(HttpRequest, Option<AbortSignal>), RatioAuthError>,
    decode: fn(&HttpResponse) -> Result<JsValue, ApiError>,
) -> Promise {
    future_to_promise(async move {
        let (request, signal) = request.map_err(RatioAuthError::into_js)?;
        let response = shared
            .send(&request, signal.as_ref())
            .await
            .map_err(|failure| {
                match (&failure.error, &signal) {
                    // The signal's own reason, as `signIn` gives it.
                    (TransportError::Aborted, Some(signal)) => {
                        RatioAuthError::aborted(Some(signal_reason(signal)))
                    }
                    (error, _) => error
                        .to_js_error(&format!("api.{name}: "))
                        .or_cause(failure.thrown),
                }
                .into_js()
            })?;
        match decode(&response) {
            Ok(value) => {
                if let Some(refresh) = &response.refresh_jwt {
                    set_property(&value, "refreshJwt", &JsValue::from_str(refresh.expose()));
                }
                Ok(value)
            }
            Err(error) => Err(api_error(name, &error, response.retry_after.as_deref()).into_js()),
        }
    })
}

/// Non-2xx and unreadable answers, with the kinds the engine gives the same answers in a flow.
fn api_error(name: &str, error: &ApiError, retry_after: Option<&str>) -> RatioAuthError {
    match error {
        ApiError::Status { status, body } => {
            let code = body.as_ref().and_then(|body| body.code.as_ref());
            let server = body.as_ref().map_or("", |body| body.message.as_str());
            let mut out = RatioAuthError::detailed(
                status_kind(*status, code),
                format!("api.{name}: {error}"),
                server,
                true,
            )
            .with_status(*status);
            if let Some(code) = code {
                out = out.with_code(code.as_str());
            }
            match retry_after.and_then(parse_retry_after) {
                Some(after) if *status == 429 => out.with_retry_at(after.until(now_ms())),
                _ => out,
            }
        }
        ApiError::Malformed { status, .. } => {
            RatioAuthError::new(ErrorKind::BadResponse, format!("api.{name}: {error}"))
                .with_status(*status)
        }
        ApiError::Encode { .. } => RatioAuthError::config(format!("api.{name}: {error}")),
    }
}

/// The engine's table, so `auth.api` and `signIn` give a status the same kind.
fn status_kind(status: u16, code: Option<&ErrorCode>) -> ErrorKind {
    ErrorKind::from(&crate::flow::kind_for_status(status, code))
}

#[inline(never)] // shared by the nine calls, not copied into each
fn bad_argument(name: &str, expected: &str) -> RatioAuthError {
    // Never echo the argument: it may hold a code or personal data.
    RatioAuthError::config(format!("api.{name} expects {expected}"))
}

#[inline(never)] // shared by the nine calls, not copied into each
fn wallet_address(name: &str, request: &JsValue) -> Result<Address, RatioAuthError> {
    string_property(request, "walletAddress")
        .and_then(|text| Address::parse(text.trim()).ok())
        .ok_or_else(|| {
            bad_argument(
                name,
                "{ walletAddress } with a 0x-address (EIP-55 when mixed case)",
            )
        })
}

fn read<T: FromJson>(name: &str, expected: &str, value: JsValue) -> Result<T, RatioAuthError> {
    read_tree(name, expected, value)
        .and_then(|tree| T::from_json(&tree).map_err(|_| bad_argument(name, expected)))
}

/// The app's request as a JSON tree. The app's object may be a Proxy or have throwing getters
/// (or a `toJSON`): a plain copy is read, as the browser's JSON text, with the engine's reader.
#[inline(never)] // shared by the typed readers above
fn read_tree(name: &str, expected: &str, value: JsValue) -> Result<json::Value, RatioAuthError> {
    let plain = plain_copy(&value, 4, 64).ok_or_else(|| bad_argument(name, expected))?;
    js_sys::JSON::stringify(&plain)
        .ok()
        .and_then(|text| text.as_string())
        .and_then(|text| json::parse(&text).ok())
        .ok_or_else(|| bad_argument(name, expected))
}

/// A response body as the JS object the call resolves to.
trait BodyToJs {
    fn body_to_js(&self) -> JsValue;
}

macro_rules! serialised_body {
    ($($ty:ty),*) => {$(
        impl BodyToJs for $ty {
            fn body_to_js(&self) -> JsValue {
                let value = to_js(self);
                // `{}` bodies serialise to an object too; anything else would be a bug, but
                // the caller still gets an object to put `refreshJwt` on.
                if value.is_object() { value } else { js_sys::Object::new().into() }
            }
        }
    )*};
}

serialised_body!(
    WalletStartResponse,
    EmptyResponse,
    SmsSendResponse,
    EmailSendResponse,
    User
);

impl BodyToJs for AuthResponse {
    // No `Serialize` on purpose (it holds the JWT): written out here, where the app asked for it.
    fn body_to_js(&self) -> JsValue {
        let value: JsValue = js_sys::Object::new().into();
        set_property(
            &value,
            "sessionJwt",
            &JsValue::from_str(self.session_jwt.expose()),
        );
        if let Some(mask) = &self.user_mask {
            set_property(&value, "userMask", &to_js(mask));
        }
        if let Some(user) = &self.user {
            set_property(&value, "user", &to_js(user));
        }
        value
    }
}
