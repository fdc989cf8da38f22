//! Users and the wallets attached to them.

use std::time::SystemTime;

use ratio_auth::eip191::Address;

use super::Store;
use crate::config::SeedUser;
use crate::contact::Channel;
use crate::error::{ApiError, codes};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletLink {
    pub address: Address,
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    /// E.164.
    pub phone: String,
    /// Lower case.
    pub email: String,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub country: Option<String>,
    pub wallets: Vec<WalletLink>,
    pub created: SystemTime,
    pub updated: SystemTime,
}

/// A user to create; contacts already parsed into their keys.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub phone: String,
    pub email: String,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub country: Option<String>,
    pub wallets: Vec<(Address, bool)>,
}

impl Store {
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.get(id)
    }

    pub fn owner_of(&self, channel: Channel, key: &str) -> Option<&str> {
        self.owners
            .get(&(channel, key.to_string()))
            .map(String::as_str)
    }

    pub fn wallet_owner(&self, address: &Address) -> Option<(&str, bool)> {
        let owner = self.wallet_owners.get(address)?;
        let verified = self
            .users
            .get(owner)
            .and_then(|u| u.wallets.iter().find(|w| w.address == *address))
            .is_some_and(|w| w.verified);
        Some((owner.as_str(), verified))
    }

    /// Creates a user with id `id`. Phone, email and verified wallets must be free; an
    /// unverified wallet of another user is moved.
    pub fn create_user(
        &mut self,
        id: &str,
        new: NewUser,
        now: SystemTime,
    ) -> Result<&User, ApiError> {
        // Users never expire, so a full table stays full until /sandbox/reset.
        let cap = self.rules.caps.users;
        if self.users.len() >= cap {
            return Err(crate::caps::full("users", cap));
        }
        for (channel, key) in [(Channel::Sms, &new.phone), (Channel::Email, &new.email)] {
            if self.owner_of(channel, key).is_some() {
                return Err(ApiError::conflict(
                    channel.conflict_code(),
                    format!("the {} {key} belongs to another user", channel.noun()),
                ));
            }
        }
        for (address, _) in &new.wallets {
            self.check_wallet_free(address, id)?;
        }
        if self.users.contains_key(id) {
            return Err(ApiError::internal("user id collision"));
        }
        let user = User {
            id: id.to_string(),
            phone: new.phone.clone(),
            email: new.email.clone(),
            first_name: new.first_name,
            middle_name: new.middle_name,
            last_name: new.last_name,
            country: new.country,
            wallets: Vec::new(),
            created: now,
            updated: now,
        };
        self.users.insert(id.to_string(), user);
        self.owners
            .insert((Channel::Sms, new.phone), id.to_string());
        self.owners
            .insert((Channel::Email, new.email), id.to_string());
        for (address, verified) in new.wallets {
            self.attach_wallet(id, address, verified, now)?;
        }
        self.users
            .get(id)
            .ok_or_else(|| ApiError::internal("user vanished"))
    }

    /// Creates a user from a `POST /sandbox/users` body / seed entry.
    pub fn create_seed_user(
        &mut self,
        id: &str,
        seed: &SeedUser,
        now: SystemTime,
    ) -> Result<&User, ApiError> {
        let phone = Channel::Sms.parse(&seed.phone_number)?;
        let email = Channel::Email.parse(&seed.email_address)?;
        let mut wallets = Vec::new();
        if let Some(w) = &seed.wallet_address {
            wallets.push((parse_address(w)?, true));
        }
        for w in &seed.wallets {
            wallets.push((parse_address(&w.address)?, w.verified));
        }
        let new = NewUser {
            phone,
            email,
            first_name: seed.first_name.clone(),
            middle_name: None,
            last_name: seed.last_name.clone(),
            country: seed.country.clone(),
            wallets,
        };
        self.create_user(id, new, now)
    }

    /// `POST /v1/users`: makes the new-user session `ctx` (whose JWT the caller has checked is
    /// two-factor with SMS) a user, with the session's verified phone, email and wallet.
    pub fn register_user(
        &mut self,
        ctx: &str,
        id: &str,
        mut new: NewUser,
        now: SystemTime,
    ) -> Result<User, ApiError> {
        let session = self.touch_session(ctx, now)?;
        if session.user.is_some() {
            return Err(ApiError::conflict(
                codes::ALREADY_EXISTS_USER,
                "this session already belongs to a user",
            ));
        }
        if session.otp_contact(Channel::Sms) != Some(new.phone.as_str()) {
            return Err(ApiError::bad_request(
                codes::INVALID_PHONE,
                "phone must be the number verified by SMS in this session",
            ));
        }
        if let Some(email) = session.otp_contact(Channel::Email) {
            if email != new.email {
                return Err(ApiError::bad_request(
                    codes::INVALID_EMAIL,
                    "email must be the address verified in this session",
                ));
            }
        }
        if let Some(wallet) = session.wallet {
            new.wallets.push((wallet, true));
        }
        let user = self.create_user(id, new, now)?.clone();
        self.touch_session(ctx, now)?.user = Some(user.id.clone());
        Ok(user)
    }

    /// 409 when `address` is verified by a user other than `for_user`.
    fn check_wallet_free(&self, address: &Address, for_user: &str) -> Result<(), ApiError> {
        match self.wallet_owner(address) {
            Some((owner, true)) if owner != for_user => Err(ApiError::conflict(
                codes::ALREADY_EXISTS_WALLET_ADDRESS,
                format!("the wallet {address} is verified by another user"),
            )),
            _ => Ok(()),
        }
    }

    /// Attaches `address` to `user_id`. A wallet verified by another user is a 409; an
    /// unverified one moves. Verification is never taken back.
    pub fn attach_wallet(
        &mut self,
        user_id: &str,
        address: Address,
        verified: bool,
        now: SystemTime,
    ) -> Result<(), ApiError> {
        self.check_wallet_free(&address, user_id)?;
        if let Some(previous) = self.wallet_owners.get(&address).cloned() {
            if previous != user_id {
                if let Some(other) = self.users.get_mut(&previous) {
                    other.wallets.retain(|w| w.address != address);
                    other.updated = now;
                }
            }
        }
        let user = self.users.get_mut(user_id).ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                codes::USER_NOT_FOUND,
                "no such user",
            )
        })?;
        match user.wallets.iter_mut().find(|w| w.address == address) {
            Some(link) => link.verified |= verified,
            None => user.wallets.push(WalletLink { address, verified }),
        }
        user.updated = now;
        self.wallet_owners.insert(address, user_id.to_string());
        Ok(())
    }
}

pub fn parse_address(raw: &str) -> Result<Address, ApiError> {
    Address::parse(raw).map_err(|e| {
        ApiError::bad_request(
            codes::INVALID_WALLET_ADDRESS,
            format!("walletAddress {raw:?} is not valid: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Limits, SeedWallet};
    use crate::store::Rules;
    use std::time::Duration;

    fn store() -> Store {
        Store::new(Rules {
            limits: Limits::default(),
            conflict_cooldown: Duration::from_secs(2),
            conflict_at_authenticate: false,
            caps: crate::caps::Caps::default(),
        })
    }

    fn addr(n: u8) -> Address {
        Address::parse(&format!("0x{}", hex::encode([n; 20]))).unwrap()
    }

    fn seed(phone: &str, email: &str) -> SeedUser {
        SeedUser {
            phone_number: phone.into(),
            email_address: email.into(),
            ..SeedUser::default()
        }
    }

    #[test]
    fn unverified_moves_verified_does_not() {
        let mut s = store();
        let now = SystemTime::now();
        let mut a = seed("+12025550100", "a@example.com");
        a.wallets = vec![SeedWallet {
            address: addr(1).to_checksum(),
            verified: false,
        }];
        s.create_seed_user("A", &a, now).unwrap();
        s.create_seed_user("B", &seed("+12025550101", "b@example.com"), now)
            .unwrap();
        assert_eq!(s.wallet_owner(&addr(1)), Some(("A", false)));
        s.attach_wallet("B", addr(1), false, now).unwrap();
        assert_eq!(s.wallet_owner(&addr(1)), Some(("B", false)));
        assert!(s.user("A").unwrap().wallets.is_empty());
        s.attach_wallet("B", addr(1), true, now).unwrap();
        let err = s.attach_wallet("A", addr(1), false, now).unwrap_err();
        assert_eq!(err.code, codes::ALREADY_EXISTS_WALLET_ADDRESS);
        // Adding it unverified again for its own user keeps it verified.
        s.attach_wallet("B", addr(1), false, now).unwrap();
        assert_eq!(s.wallet_owner(&addr(1)), Some(("B", true)));
    }

    #[test]
    fn contacts_are_unique() {
        let mut s = store();
        let now = SystemTime::now();
        s.create_seed_user("A", &seed("+12025550100", "a@example.com"), now)
            .unwrap();
        let e = s
            .create_seed_user("B", &seed("+12025550100", "b@example.com"), now)
            .unwrap_err();
        assert_eq!(e.code, codes::ALREADY_EXISTS_PHONE);
        let e = s
            .create_seed_user("B", &seed("+12025550101", "A@Example.com"), now)
            .unwrap_err();
        assert_eq!(e.code, codes::ALREADY_EXISTS_EMAIL);
    }
}
