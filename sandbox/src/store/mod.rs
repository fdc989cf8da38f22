//! All sandbox state: users, sessions, challenges, OTPs, send limits, the outbox and client
//! sessions. A plain struct with no IO: handlers lock it, call one operation, and unlock, so
//! every rule is applied atomically. Times and random values come in as arguments.

mod client;
mod otp;
mod users;
mod wallet;

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime};

use ratio_auth::eip191::Address;

use crate::caps::{self, Caps};
use crate::config::Limits;
use crate::contact::Channel;
use crate::error::ApiError;
use crate::ratelimit::{Cooldowns, SlidingWindow};
use crate::session::Session;

pub use client::ClientSession;
pub use otp::{OtpSent, OutboxMessage};
pub use users::{NewUser, User, parse_address};

/// The rules the store applies that come from configuration.
#[derive(Debug, Clone)]
pub struct Rules {
    pub limits: Limits,
    pub conflict_cooldown: Duration,
    /// [`crate::Variants::conflict_at_authenticate`].
    pub conflict_at_authenticate: bool,
    pub caps: Caps,
}

/// Fresh random identifiers, made before the lock is taken; an operation uses what it needs.
#[derive(Debug, Clone)]
pub struct Fresh {
    pub session_id: String,
    pub new_user_sub: String,
    pub contact_id: String,
}

impl Fresh {
    pub fn generate() -> Result<Self, ApiError> {
        Ok(Fresh {
            session_id: crate::random::uuid()?,
            new_user_sub: format!("new-user-{}", crate::random::uuid()?),
            contact_id: crate::random::uuid()?,
        })
    }
}

/// The result of a successful authenticate: the session as it now is, and its user if any.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub session: Session,
    pub user: Option<User>,
}

#[derive(Debug)]
struct Challenge {
    message: String,
    expires: SystemTime,
}

#[derive(Debug)]
struct PendingOtp {
    code: String,
    expires: SystemTime,
    wrong_tries: u32,
}

#[derive(Debug)]
pub struct Store {
    rules: Rules,
    users: HashMap<String, User>,
    /// (channel, contact key) → user id.
    owners: HashMap<(Channel, String), String>,
    /// Wallet → the user it is attached to (verified or not).
    wallet_owners: HashMap<Address, String>,
    sessions: HashMap<String, Session>,
    challenges: HashMap<Address, Vec<Challenge>>,
    /// Bad signatures against a wallet's pending challenges; enough of them burn the lot.
    bad_signatures: HashMap<Address, u32>,
    /// (channel, contact key) → stable `phoneId` / `emailId`, and back.
    contact_ids: HashMap<(Channel, String), String>,
    contacts_by_id: HashMap<String, (Channel, String)>,
    /// Contact id → the code currently valid for it.
    otps: HashMap<String, PendingOtp>,
    sends: SlidingWindow,
    conflicts: Cooldowns,
    outbox: VecDeque<OutboxMessage>,
    client_sessions: HashMap<String, ClientSession>,
    /// Session count at which expired state is next swept out.
    sweep_at: usize,
    /// When the last full sweep ran (sandbox time), so a full table sweeps at most once a second.
    last_sweep: Option<SystemTime>,
}

/// Messages kept in the outbox; older ones fall off.
const OUTBOX_CAPACITY: usize = 10_000;

/// Expired sessions, challenges and codes are only dropped when next touched, so a long load
/// run would grow without bound; a sweep whenever the session count doubles keeps it amortised.
const SWEEP_MIN: usize = 1024;

impl Store {
    pub fn new(rules: Rules) -> Self {
        Store {
            rules,
            users: HashMap::new(),
            owners: HashMap::new(),
            wallet_owners: HashMap::new(),
            sessions: HashMap::new(),
            challenges: HashMap::new(),
            bad_signatures: HashMap::new(),
            contact_ids: HashMap::new(),
            contacts_by_id: HashMap::new(),
            otps: HashMap::new(),
            sends: SlidingWindow::default(),
            conflicts: Cooldowns::default(),
            outbox: VecDeque::new(),
            client_sessions: HashMap::new(),
            sweep_at: SWEEP_MIN,
            last_sweep: None,
        }
    }

    /// Forgets everything but the rules.
    pub fn reset(&mut self) {
        *self = Store::new(self.rules.clone());
    }

    /// The live session `id`, marked as used now. A missing or idle session is a 401
    /// `INVALID_JWT`: the token that named it can no longer be used.
    pub fn touch_session(&mut self, id: &str, now: SystemTime) -> Result<&mut Session, ApiError> {
        let idle = self.rules.limits.session_idle;
        let Some(last_seen) = self.sessions.get(id).map(|s| s.last_seen) else {
            return Err(ApiError::invalid_jwt(
                "the session of this JWT does not exist (ended or reset)",
            ));
        };
        if now >= last_seen + idle {
            self.sessions.remove(id);
            return Err(ApiError::invalid_jwt(
                "the session of this JWT ended after 10 minutes idle",
            ));
        }
        let session = self
            .sessions
            .get_mut(id)
            .ok_or_else(|| ApiError::invalid_jwt("the session of this JWT does not exist"))?;
        session.last_seen = session.last_seen.max(now);
        Ok(session)
    }

    /// A copy of a session, for minting a token outside the lock.
    pub fn session(&self, id: &str) -> Option<Session> {
        self.sessions.get(id).cloned()
    }

    /// Drops every expired entry of every table. Runs from the periodic sweeper, when the
    /// session count doubles, and (at most once a second) when a table is at its cap.
    pub fn sweep(&mut self, now: SystemTime) {
        let limits = &self.rules.limits;
        let idle = limits.session_idle;
        self.sessions.retain(|_, s| now < s.last_seen + idle);
        self.challenges.retain(|_, pending| {
            pending.retain(|c| c.expires > now);
            !pending.is_empty()
        });
        let challenges = &self.challenges;
        self.bad_signatures
            .retain(|a, _| challenges.contains_key(a));
        self.otps.retain(|_, otp| otp.expires > now);
        self.sends.sweep(now, limits.send_window);
        self.conflicts.sweep(now);
        let ttl = self.rules.caps.client_session_ttl;
        self.client_sessions.retain(|_, c| now < c.created + ttl);
        // A contact id is kept while it means something: an owner, a pending code, or sends
        // still counted against it. Otherwise a later send simply mints a new id.
        let (owners, otps, sends) = (&self.owners, &self.otps, &self.sends);
        self.contact_ids.retain(|(channel, key), id| {
            owners.contains_key(&(*channel, key.clone()))
                || otps.contains_key(id)
                || sends.contains(&otp::limit_key(*channel, key))
        });
        let ids = &self.contact_ids;
        self.contacts_by_id
            .retain(|_, entry| ids.contains_key(entry));
        self.sweep_at = (self.sessions.len() * 2).max(SWEEP_MIN);
        self.last_sweep = Some(now);
    }

    /// `Ok` when a table (of current size `len(self)`) may take one more entry; at its cap it
    /// sweeps (at most once a second) and, still full of live entries, answers 503.
    fn make_room(
        &mut self,
        now: SystemTime,
        what: &str,
        cap: usize,
        len: impl Fn(&Store) -> usize,
    ) -> Result<(), ApiError> {
        if len(self) < cap {
            return Ok(());
        }
        let due = self
            .last_sweep
            .is_none_or(|t| now < t || now >= t + Duration::from_secs(1));
        if due {
            self.sweep(now);
        }
        if len(self) < cap {
            Ok(())
        } else {
            Err(caps::full(what, cap))
        }
    }

    fn start_session(
        &mut self,
        fresh: &Fresh,
        user: Option<String>,
        client_session: Option<&str>,
        now: SystemTime,
    ) -> Result<&mut Session, ApiError> {
        if self.sessions.len() >= self.sweep_at {
            self.sweep(now);
        }
        let cap = self.rules.caps.sessions;
        self.make_room(now, "sessions", cap, |s| s.sessions.len())?;
        let mut session = Session::new(
            fresh.session_id.clone(),
            fresh.new_user_sub.clone(),
            user,
            now,
        );
        session.client_session = client_session.map(str::to_string);
        Ok(self
            .sessions
            .entry(fresh.session_id.clone())
            .or_insert(session))
    }

    /// The session named by the request's JWT, or a new one (of `user`) when there was none.
    fn session_for_factor(
        &mut self,
        ctx: Option<&str>,
        user: Option<String>,
        fresh: &Fresh,
        client_session: Option<&str>,
        now: SystemTime,
    ) -> Result<&mut Session, ApiError> {
        match ctx {
            Some(id) => self.touch_session(id, now),
            None => self.start_session(fresh, user, client_session, now),
        }
    }

    fn authenticated(&self, session_id: &str) -> Result<Authenticated, ApiError> {
        let session = self
            .sessions
            .get(session_id)
            .cloned()
            .ok_or_else(|| ApiError::internal("session vanished while authenticating"))?;
        let user = session
            .user
            .as_ref()
            .and_then(|u| self.users.get(u))
            .cloned();
        Ok(Authenticated { session, user })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(n: usize) -> Fresh {
        Fresh {
            session_id: format!("s{n}"),
            new_user_sub: format!("new-user-{n}"),
            contact_id: format!("c{n}"),
        }
    }

    #[test]
    fn idle_sessions_are_swept_as_sessions_grow() {
        let limits = Limits::default();
        let idle = limits.session_idle;
        let mut store = Store::new(Rules {
            limits,
            conflict_cooldown: Duration::from_secs(2),
            conflict_at_authenticate: false,
            caps: Caps::default(),
        });
        let t0 = SystemTime::now();
        for n in 0..SWEEP_MIN {
            store.start_session(&fresh(n), None, None, t0).unwrap();
        }
        store
            .add_challenge(
                Address::parse("0x0000000000000000000000000000000000000001").unwrap(),
                "c".into(),
                t0,
            )
            .unwrap();
        assert_eq!(store.sessions.len(), SWEEP_MIN);
        let later = t0 + idle;
        store
            .start_session(&fresh(SWEEP_MIN), None, None, later)
            .unwrap();
        assert_eq!(store.sessions.len(), 1, "idle ones gone, the new one kept");
        assert!(store.challenges.is_empty());
        assert_eq!(store.sweep_at, SWEEP_MIN);
    }
}
