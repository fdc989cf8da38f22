//! The app's side of a flow: the `prompts` functions (`phoneNumber`, `email`, `otp`,
//! `confirmLink`) and the `onEvent` callback of `signIn`.
//!
//! A prompt waits for a person, so it has no timeout; only the flow's signal ends it early.
//! What a prompt throws or rejects with is the app cancelling: it ends the flow as `aborted`,
//! with the app's value kept as `cause`.

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::errors::{ErrorKind, RatioAuthError};
use super::js::{follow, property, try_property};
use super::time::{Interrupted, race};

/// The prompts every `signIn` needs; `confirmLink` is optional (default: yes).
pub const REQUIRED_PROMPTS: [&str; 3] = ["phoneNumber", "email", "otp"];

/// The answer of `prompts.otp`.
#[derive(Clone, PartialEq, Eq)]
pub enum OtpAnswer {
    Code(String),
    Resend,
}

/// How asking the app failed.
#[derive(Clone, Debug, PartialEq)]
pub enum PromptError {
    /// The prompt threw or its promise rejected; the value it rejected with.
    Cancelled { prompt: String, reason: JsValue },
    /// The answer is not of the type the prompt must return.
    BadAnswer {
        prompt: String,
        expected: &'static str,
    },
    /// The flow's signal fired.
    Aborted,
}

impl From<PromptError> for RatioAuthError {
    fn from(error: PromptError) -> RatioAuthError {
        match error {
            PromptError::Cancelled { prompt, reason } => RatioAuthError::new(
                ErrorKind::Aborted,
                format!("the {prompt} prompt was cancelled"),
            )
            .with_cause(reason),
            PromptError::BadAnswer { prompt, expected } => {
                RatioAuthError::config(format!("prompts.{prompt} must resolve to {expected}"))
            }
            PromptError::Aborted => RatioAuthError::aborted(None),
        }
    }
}

/// The `prompts` object, checked to have the required functions.
#[derive(Clone, Debug)]
pub struct Prompts {
    object: JsValue,
    /// Read once, when `signIn` starts: a getter read again at each prompt could answer
    /// differently, or throw, and a missing `confirmLink` means "yes".
    functions: Vec<(&'static str, Function)>,
}

impl Prompts {
    pub fn from_js(prompts: &JsValue) -> Result<Prompts, RatioAuthError> {
        if !prompts.is_object() {
            return Err(RatioAuthError::config(
                "signIn needs prompts: { phoneNumber, email, otp }",
            ));
        }
        let read = |name: &str| {
            try_property(prompts, name)
                .map_err(|_| RatioAuthError::config(format!("prompts: reading {name} threw")))
        };
        let mut functions = Vec::new();
        for name in REQUIRED_PROMPTS {
            let Ok(function) = read(name)?.dyn_into::<Function>() else {
                return Err(RatioAuthError::config(format!(
                    "prompts.{name} must be a function"
                )));
            };
            functions.push((name, function));
        }
        let confirm_link = read("confirmLink")?;
        if !confirm_link.is_undefined() && !confirm_link.is_null() {
            let Ok(function) = confirm_link.dyn_into::<Function>() else {
                return Err(RatioAuthError::config(
                    "prompts.confirmLink must be a function when given",
                ));
            };
            functions.push(("confirmLink", function));
        }
        Ok(Prompts {
            object: prompts.clone(),
            functions,
        })
    }

    fn function(&self, name: &str) -> Option<&Function> {
        self.functions
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, function)| function)
    }

    /// Calls `prompts[name](context)` and waits for a non-empty string (trimmed).
    pub async fn ask_text(
        &self,
        name: &str,
        context: &JsValue,
        signal: Option<&AbortSignal>,
    ) -> Result<String, PromptError> {
        let answer = self.call(name, context, signal).await?;
        match answer.as_string().map(|text| text.trim().to_owned()) {
            Some(text) if !text.is_empty() => Ok(text),
            _ => Err(PromptError::BadAnswer {
                prompt: name.to_owned(),
                expected: "a non-empty string",
            }),
        }
    }

    /// Calls `prompts[name](context)` and waits for a string, passed on as written (even empty):
    /// judging a phone number or an email address is the engine's job, and it asks again.
    pub async fn ask_string(
        &self,
        name: &str,
        context: &JsValue,
        signal: Option<&AbortSignal>,
    ) -> Result<String, PromptError> {
        let answer = self.call(name, context, signal).await?;
        answer.as_string().ok_or_else(|| PromptError::BadAnswer {
            prompt: name.to_owned(),
            expected: "a string",
        })
    }

    /// Calls `prompts.otp(context)`: a code (any string, judged by the engine: a string that is
    /// not six digits, `"resend"` included, is asked again with `problem: "notSixDigits"`), or
    /// `{ resend: true }` for a new code. Only the object means resend: a string is always what
    /// the user typed.
    pub async fn ask_otp(
        &self,
        context: &JsValue,
        signal: Option<&AbortSignal>,
    ) -> Result<OtpAnswer, PromptError> {
        let answer = self.call("otp", context, signal).await?;
        if let Some(text) = answer.as_string() {
            return Ok(OtpAnswer::Code(text));
        }
        if property(&answer, "resend").as_bool() == Some(true) {
            return Ok(OtpAnswer::Resend);
        }
        Err(PromptError::BadAnswer {
            prompt: "otp".to_owned(),
            expected: "a code string or { resend: true }",
        })
    }

    /// Calls `prompts[name](context)` for a yes/no; `default` when the app has no such prompt.
    pub async fn ask_yes_no(
        &self,
        name: &str,
        context: &JsValue,
        signal: Option<&AbortSignal>,
        default: bool,
    ) -> Result<bool, PromptError> {
        if self.function(name).is_none() {
            return Ok(default);
        }
        let answer = self.call(name, context, signal).await?;
        answer.as_bool().ok_or_else(|| PromptError::BadAnswer {
            prompt: name.to_owned(),
            expected: "a boolean",
        })
    }

    async fn call(
        &self,
        name: &str,
        context: &JsValue,
        signal: Option<&AbortSignal>,
    ) -> Result<JsValue, PromptError> {
        if signal.is_some_and(AbortSignal::aborted) {
            return Err(PromptError::Aborted);
        }
        let cancelled = |reason: JsValue| PromptError::Cancelled {
            prompt: name.to_owned(),
            reason,
        };
        let Some(prompt) = self.function(name) else {
            return Err(PromptError::BadAnswer {
                prompt: name.to_owned(),
                expected: "a function",
            });
        };
        let returned = prompt.call1(&self.object, context).map_err(cancelled)?;
        match race(JsFuture::from(follow(&returned)), None, signal).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(reason)) => Err(cancelled(reason)),
            Err(Interrupted::Aborted | Interrupted::TimedOut) => Err(PromptError::Aborted),
        }
    }
}

/// Calls the app's `onEvent(event)`. A throwing callback is the app's bug, not a reason to stop
/// signing in: its exception is reported asynchronously (like an event listener's) and ignored here.
pub fn emit_event(on_event: Option<&Function>, event: &JsValue) {
    let Some(on_event) = on_event else { return };
    if let Err(thrown) = on_event.call1(&JsValue::UNDEFINED, event) {
        report_later(&thrown);
    }
}

#[wasm_bindgen]
extern "C" {
    // `reportError` exists in modern browsers and Node 18+; where it does not, the exception is dropped.
    #[wasm_bindgen(js_name = reportError, catch)]
    fn report_error(thrown: &JsValue) -> Result<(), JsValue>;
}

fn report_later(thrown: &JsValue) {
    let _ = report_error(thrown);
}
