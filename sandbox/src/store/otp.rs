//! OTP sends and checks, for SMS and email alike.

use std::time::SystemTime;

use axum::http::StatusCode;

use super::{Authenticated, Fresh, OUTBOX_CAPACITY, PendingOtp, Store};
use crate::contact::Channel;
use crate::error::{ApiError, codes};
use crate::session::Factor;

/// What `sms:send` / `email:send` answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtpSent {
    pub contact_id: String,
    pub mask: String,
}

/// A code "delivered" by the sandbox, readable through `GET /sandbox/outbox`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub channel: Channel,
    pub to: String,
    pub otp: String,
    pub sent_at: SystemTime,
}

pub(super) fn limit_key(channel: Channel, key: &str) -> String {
    format!("{}:{key}", channel.name())
}

impl Store {
    /// Sends a code to `key` (already validated). `ctx` is the session of the request's JWT.
    pub fn send_otp(
        &mut self,
        channel: Channel,
        key: &str,
        ctx: Option<&str>,
        code: String,
        fresh: &Fresh,
        now: SystemTime,
    ) -> Result<OtpSent, ApiError> {
        let limit = limit_key(channel, key);
        if let Some(id) = ctx {
            let user = self.touch_session(id, now)?.user.clone();
            if let Err(e) = self.check_contact(channel, key, user.as_deref()) {
                let conflict = user.is_none() && e.status == StatusCode::CONFLICT;
                if !(conflict && self.rules.conflict_at_authenticate) {
                    if conflict {
                        self.conflict_cooldown(&limit, now);
                    }
                    return Err(e);
                }
            }
        } else if let Err(wait) = self.conflicts.check(&limit, now) {
            return Err(ApiError::too_many_requests(
                wait,
                format!(
                    "too many attempts for this {}; try again later",
                    channel.noun()
                ),
            ));
        }
        let limits = self.rules.limits.clone();
        if let Err(wait) =
            self.sends
                .check(&limit, now, limits.sends_per_window, limits.send_window)
        {
            return Err(ApiError::too_many_requests(
                wait,
                format!(
                    "at most {} codes a minute may be sent to one {}",
                    limits.sends_per_window,
                    channel.noun()
                ),
            ));
        }
        if !self.sends.contains(&limit) {
            let cap = self.rules.caps.rate_limit_keys;
            self.make_room(now, "send-limit entries", cap, |s| s.sends.len())?;
        }
        if !self.contact_ids.contains_key(&(channel, key.to_string())) {
            let cap = self.rules.caps.contacts;
            self.make_room(now, "contacts", cap, |s| s.contact_ids.len())?;
        }
        self.sends.record(&limit, now);
        let contact_id = self.contact_id(channel, key, fresh);
        let expires = now + limits.otp_ttl;
        // A new send replaces the code before it.
        self.otps.insert(
            contact_id.clone(),
            PendingOtp {
                code: code.clone(),
                expires,
                wrong_tries: 0,
            },
        );
        self.outbox.push_front(OutboxMessage {
            channel,
            to: key.to_string(),
            otp: code,
            sent_at: now,
        });
        self.outbox.truncate(OUTBOX_CAPACITY);
        Ok(OtpSent {
            contact_id,
            mask: channel.mask(key),
        })
    }

    /// Checks `otp` for `contact_id` and lands the factor: in the session of `ctx` when the
    /// request carried a JWT, else in a new session of the contact's user (or a new-user one).
    #[allow(clippy::too_many_arguments)]
    pub fn authenticate_otp(
        &mut self,
        channel: Channel,
        contact_id: &str,
        otp: &str,
        ctx: Option<&str>,
        client_session: Option<&str>,
        fresh: &Fresh,
        now: SystemTime,
    ) -> Result<Authenticated, ApiError> {
        let key = match self.contacts_by_id.get(contact_id) {
            Some((c, key)) if *c == channel => key.clone(),
            _ => {
                return Err(ApiError::unauthorized(
                    codes::INVALID_OTP,
                    format!("no code was ever sent for this {}", id_field(channel)),
                ));
            }
        };
        if let Some(id) = ctx {
            let user = self.touch_session(id, now)?.user.clone();
            if let Err(e) = self.check_contact(channel, &key, user.as_deref()) {
                if user.is_none() && e.status == StatusCode::CONFLICT {
                    self.conflict_cooldown(&limit_key(channel, &key), now);
                }
                return Err(e);
            }
        }
        self.check_code(contact_id, otp, now)?;
        let owner = self.owner_of(channel, &key).map(str::to_string);
        let factor = Factor::Otp {
            channel,
            contact_id: contact_id.to_string(),
            contact: key,
        };
        let session = self.session_for_factor(ctx, owner, fresh, client_session, now)?;
        session.add_factor(factor);
        let id = session.id.clone();
        self.authenticated(&id)
    }

    /// After a 409 to a new-user session: the link path's next step is a first-factor send to
    /// this very contact, which Ratio treats as suspicious for a moment.
    fn conflict_cooldown(&mut self, limit: &str, now: SystemTime) {
        let deadline = now + self.rules.conflict_cooldown;
        let cap = self.rules.caps.rate_limit_keys;
        // Full of live cool-downs: the 409 still answers, only its cool-down is lost.
        if self.conflicts.contains(limit)
            || self
                .make_room(now, "cool-downs", cap, |s| s.conflicts.len())
                .is_ok()
        {
            self.conflicts.start(limit, deadline, now);
        }
    }

    /// May a session of `user` (None: a new-user session) use this contact?
    fn check_contact(
        &self,
        channel: Channel,
        key: &str,
        user: Option<&str>,
    ) -> Result<(), ApiError> {
        let owner = self.owner_of(channel, key);
        match (user, owner) {
            (Some(u), Some(o)) if u == o => Ok(()),
            (Some(_), None) => Err(ApiError::bad_request(
                channel.invalid_code(),
                format!(
                    "this {} does not match the account of this session",
                    channel.noun()
                ),
            )),
            (_, Some(_)) => Err(ApiError::conflict(
                channel.conflict_code(),
                format!("this {} belongs to another user", channel.noun()),
            )),
            (None, None) => Ok(()),
        }
    }

    fn check_code(&mut self, contact_id: &str, otp: &str, now: SystemTime) -> Result<(), ApiError> {
        let max = self.rules.limits.otp_max_wrong_tries.max(1);
        let invalid = |message: String| ApiError::unauthorized(codes::INVALID_OTP, message);
        let Some(pending) = self.otps.get_mut(contact_id) else {
            return Err(invalid(
                "no code is pending (already used, expired or burnt by wrong tries); send a new one".into(),
            ));
        };
        if now >= pending.expires {
            self.otps.remove(contact_id);
            return Err(invalid("the code has expired; send a new one".into()));
        }
        if constant_time_eq(pending.code.as_bytes(), otp.as_bytes()) {
            self.otps.remove(contact_id);
            return Ok(());
        }
        pending.wrong_tries += 1;
        let left = max.saturating_sub(pending.wrong_tries);
        if left == 0 {
            self.otps.remove(contact_id);
            return Err(invalid(format!(
                "wrong code; after {max} wrong tries the code is void, send a new one"
            )));
        }
        Err(invalid(format!("wrong code; {left} tries left")))
    }

    /// The stable `phoneId` / `emailId` of a contact, made on first use.
    fn contact_id(&mut self, channel: Channel, key: &str, fresh: &Fresh) -> String {
        let entry = (channel, key.to_string());
        if let Some(id) = self.contact_ids.get(&entry) {
            return id.clone();
        }
        let id = format!("{}{}", channel.id_prefix(), fresh.contact_id);
        self.contact_ids.insert(entry.clone(), id.clone());
        self.contacts_by_id.insert(id.clone(), entry);
        id
    }

    /// Sent codes, newest first, optionally only those to `to`.
    pub fn outbox(&self, to: Option<&str>) -> Vec<OutboxMessage> {
        self.outbox
            .iter()
            .filter(|m| to.is_none_or(|to| m.to == to || m.to.eq_ignore_ascii_case(to)))
            .cloned()
            .collect()
    }
}

fn id_field(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "phoneId",
        Channel::Email => "emailId",
    }
}

/// Compares without an early exit, so timing does not leak how much of a code was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
