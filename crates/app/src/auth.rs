//! Accounts, passwords and sessions: argon2id hashes, random session tokens kept by their
//! hash, idle and absolute expiry, and a throttle on failed logins per account and address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chiiki_domain::{Account, AccountFields, Msg, Username};
use chiiki_store::{Event, SessionRecord, Store};
use sha2::Digest;

use crate::AppError;
use crate::access::{Permission, Principal};

/// A session ends after this long without a request.
pub const IDLE: chrono::Duration = chrono::Duration::minutes(30);
/// A session ends this long after login, whatever happens.
pub const ABSOLUTE: chrono::Duration = chrono::Duration::hours(12);
/// Failed logins allowed per account, and per address, within [`WINDOW`].
pub const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
pub const MAX_FAILURES_PER_ADDRESS: u32 = 20;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// An open session: the token for the cookie, the CSRF token for its forms, and who it is.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub csrf: String,
    pub principal: Principal,
}

/// Why a login failed. Wrong name and wrong password are not told apart.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("wrong user name or password")]
    Invalid,
    #[error("too many failed logins: try again in {} minutes", .retry_after.as_secs().div_ceil(60))]
    Throttled { retry_after: Duration },
    #[error(transparent)]
    App(#[from] AppError),
}

impl LoginError {
    pub fn message(&self) -> Msg {
        match self {
            LoginError::Invalid => Msg::new(
                "ユーザー名またはパスワードが違います",
                "wrong user name or password",
            ),
            LoginError::Throttled { retry_after } => {
                let m = retry_after.as_secs().div_ceil(60);
                Msg::new(
                    format!("ログインの失敗が続いたため、{m}分後にもう一度お試しください"),
                    format!("too many failed logins: try again in {m} minutes"),
                )
            }
            LoginError::App(_) => Msg::new("ログインできませんでした", "could not log in"),
        }
    }
}

/// Counts failed logins per account and per address in a fixed window.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    fn keys(username: &str, address: IpAddr) -> [(String, u32); 2] {
        [
            (format!("u:{username}"), MAX_FAILURES_PER_ACCOUNT),
            (format!("a:{address}"), MAX_FAILURES_PER_ADDRESS),
        ]
    }

    /// `Err(wait)` when the account or the address has failed too often lately.
    fn check(&self, username: &str, address: IpAddr) -> Result<(), Duration> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for (key, max) in Self::keys(username, address) {
            if let Some((n, since)) = map.get(&key)
                && *n >= max
                && since.elapsed() < WINDOW
            {
                return Err(WINDOW - since.elapsed());
            }
        }
        Ok(())
    }

    fn fail(&self, username: &str, address: IpAddr) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for (key, _) in Self::keys(username, address) {
            let e = map.entry(key).or_insert((0, Instant::now()));
            if e.1.elapsed() >= WINDOW {
                *e = (0, Instant::now());
            }
            e.0 += 1;
        }
        // Bounded memory: forget old windows.
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
    }

    fn succeed(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&format!("u:{username}"));
    }
}

/// Random bytes as lower-case hex: 32 bytes make a 256-bit token.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system gives random bytes");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn token_hash(token: &str) -> String {
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// Checks the password policy: 10 to 256 characters, not all the same character, not the
/// user name.
pub fn check_password(username: &Username, password: &str) -> Result<(), Msg> {
    let n = password.chars().count();
    let first = password.chars().next();
    if !(10..=256).contains(&n) {
        return Err(Msg::new(
            "パスワードは10文字以上256文字以下にしてください",
            "a password has 10 to 256 characters",
        ));
    }
    if password.chars().all(|c| Some(c) == first)
        || password.eq_ignore_ascii_case(username.as_str())
    {
        return Err(Msg::new(
            "推測されやすいパスワードは使えません",
            "this password is too easy to guess",
        ));
    }
    Ok(())
}

/// An argon2id hash (PHC string) of the password, off the async threads.
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let pw = password.as_bytes().to_vec();
    tokio::task::spawn_blocking(move || Argon2::default().hash_password(&pw).map(|h| h.to_string()))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))
}

async fn verify(hash: String, password: &str) -> bool {
    let pw = password.as_bytes().to_vec();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(&pw, &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so that a wrong name takes as
/// long as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$Y1xikUffqWfSvZIJwQPdtw$DONz/i8ftvi/a5qTybJdb+/fp2sHuP1BLVOIZRMsaDE";

/// Logs in: a new session (never a reused one), recorded in the audit trail.
pub async fn login(
    store: &dyn Store,
    throttle: &Throttle,
    username: &str,
    password: &str,
    address: IpAddr,
) -> Result<Session, LoginError> {
    let key = username.trim().to_lowercase();
    throttle
        .check(&key, address)
        .map_err(|retry_after| LoginError::Throttled { retry_after })?;
    let account = match Username::parse(username) {
        Ok(u) => store.get_account(&u).await.map_err(AppError::from)?,
        Err(_) => None,
    };
    let (hash, account) = match account {
        Some((a, h)) if !a.disabled => (h, Some(a)),
        _ => (DUMMY_HASH.to_string(), None),
    };
    let ok = verify(hash, password).await;
    let Some(account) = account.filter(|_| ok) else {
        throttle.fail(&key, address);
        store
            .record_event(
                "anonymous",
                Event {
                    action: "login_failed",
                    entity: "sessions",
                    entity_id: key,
                    pref: None,
                    details: None,
                },
            )
            .await
            .map_err(AppError::from)?;
        return Err(LoginError::Invalid);
    };
    throttle.succeed(&key);
    let now = chrono::Utc::now();
    let token = random_token();
    let csrf = random_token();
    store
        .create_session(&SessionRecord {
            id_hash: token_hash(&token),
            username: account.username.clone(),
            csrf: csrf.clone(),
            created_at: now,
            last_seen_at: now,
        })
        .await
        .map_err(AppError::from)?;
    store
        .record_event(
            account.username.as_str(),
            Event {
                action: "login",
                entity: "sessions",
                entity_id: account.username.to_string(),
                pref: account.pref.map(|p| p.to_string()),
                details: None,
            },
        )
        .await
        .map_err(AppError::from)?;
    Ok(Session {
        token,
        csrf,
        principal: Principal::from_account(&account),
    })
}

/// The session of a token, if it is open: not idle too long, not too old, its account
/// enabled. Expired sessions are removed.
pub async fn resume(store: &dyn Store, token: &str) -> Result<Option<Session>, AppError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let id_hash = token_hash(token);
    let Some(s) = store.get_session(&id_hash).await? else {
        return Ok(None);
    };
    let now = chrono::Utc::now();
    if now - s.last_seen_at > IDLE || now - s.created_at > ABSOLUTE {
        store.delete_session(&id_hash).await?;
        return Ok(None);
    }
    let Some((account, _)) = store.get_account(&s.username).await? else {
        return Ok(None);
    };
    if account.disabled {
        return Ok(None);
    }
    // Writes at most once a minute per session.
    if now - s.last_seen_at > chrono::Duration::minutes(1) {
        store.touch_session(&id_hash, now).await?;
    }
    Ok(Some(Session {
        token: token.to_string(),
        csrf: s.csrf,
        principal: Principal::from_account(&account),
    }))
}

/// Ends a session.
pub async fn logout(store: &dyn Store, session: &Session) -> Result<(), AppError> {
    store.delete_session(&token_hash(&session.token)).await?;
    store
        .record_event(
            session.principal.actor(),
            Event {
                action: "logout",
                entity: "sessions",
                entity_id: session.principal.username.to_string(),
                pref: session.principal.pref.map(|p| p.to_string()),
                details: None,
            },
        )
        .await?;
    Ok(())
}

/// Creates or updates an account (administrators only), with a new password when given.
pub async fn put_account(
    store: &dyn Store,
    by: &Principal,
    fields: AccountFields,
    password: Option<&str>,
) -> Result<Account, AppError> {
    by.require(Permission::ManageAccounts)?;
    let account = Account::new(fields).map_err(AppError::invalid)?;
    // A secretariat's alliance must exist, in the account's prefecture.
    if let Some(id) = &account.alliance {
        let alliance = store.get_alliance(id).await?;
        if alliance.as_ref().map(|a| a.pref) != account.pref {
            return Err(AppError::Rejected(Msg::new(
                format!(
                    "連携推進法人「{id}」は{}にありません",
                    account.pref.map_or("指定の都道府県", |p| p.name_ja())
                ),
                format!(
                    "there is no alliance '{id}' in {}",
                    account.pref.map_or("the prefecture given", |p| p.name_en())
                ),
            )));
        }
    }
    let hash = match password {
        Some(pw) => {
            check_password(&account.username, pw).map_err(AppError::Rejected)?;
            Some(hash_password(pw).await?)
        }
        None => None,
    };
    store
        .put_account(by.actor(), &account, hash.as_deref())
        .await?;
    Ok(account)
}

/// Changes one's own password, given the current one. Ends every session of the account.
pub async fn change_password(
    store: &dyn Store,
    who: &Principal,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let Some((account, hash)) = store.get_account(&who.username).await? else {
        return Err(AppError::Rejected(Msg::new(
            "アカウントがありません",
            "no such account",
        )));
    };
    if !verify(hash, current).await {
        return Err(AppError::Rejected(Msg::new(
            "現在のパスワードが違います",
            "the current password is wrong",
        )));
    }
    check_password(&account.username, new).map_err(AppError::Rejected)?;
    let hash = hash_password(new).await?;
    store
        .put_account(who.actor(), &account, Some(&hash))
        .await?;
    Ok(())
}

/// All accounts (administrators only).
pub async fn list_accounts(store: &dyn Store, by: &Principal) -> Result<Vec<Account>, AppError> {
    by.require(Permission::ManageAccounts)?;
    Ok(store.list_accounts().await?)
}

/// Disables or enables an account (administrators only); disabling ends its sessions. An
/// administrator cannot disable their own account.
pub async fn set_disabled(
    store: &dyn Store,
    by: &Principal,
    username: &Username,
    disabled: bool,
) -> Result<(), AppError> {
    by.require(Permission::ManageAccounts)?;
    if disabled && username == &by.username {
        return Err(AppError::Rejected(Msg::new(
            "自分のアカウントは無効にできません",
            "you cannot disable your own account",
        )));
    }
    let Some((account, _)) = store.get_account(username).await? else {
        return Err(AppError::Rejected(Msg::new(
            "アカウントがありません",
            "no such account",
        )));
    };
    let mut fields = account.fields().clone();
    fields.disabled = disabled;
    let account = Account::new(fields).map_err(AppError::invalid)?;
    store.put_account(by.actor(), &account, None).await?;
    Ok(())
}

/// Sets another account's password (administrators only). Ends its sessions.
pub async fn reset_password(
    store: &dyn Store,
    by: &Principal,
    username: &Username,
    new: &str,
) -> Result<(), AppError> {
    by.require(Permission::ManageAccounts)?;
    let Some((account, _)) = store.get_account(username).await? else {
        return Err(AppError::Rejected(Msg::new(
            "アカウントがありません",
            "no such account",
        )));
    };
    check_password(username, new).map_err(AppError::Rejected)?;
    let hash = hash_password(new).await?;
    store.put_account(by.actor(), &account, Some(&hash)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy() {
        let u = Username::parse("alice").unwrap();
        assert!(check_password(&u, "short").is_err());
        assert!(check_password(&u, "aaaaaaaaaaaa").is_err());
        assert!(check_password(&u, "correct horse battery").is_ok());
        assert!(check_password(&u, &"x".repeat(257)).is_err());
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn throttle_counts_per_account_and_address() {
        let t = Throttle::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        for _ in 0..MAX_FAILURES_PER_ACCOUNT {
            assert!(t.check("alice", ip).is_ok());
            t.fail("alice", ip);
        }
        assert!(t.check("alice", ip).is_err());
        assert!(
            t.check("alice", other).is_err(),
            "per account, from any address"
        );
        assert!(t.check("bob", other).is_ok());
        for i in 0..MAX_FAILURES_PER_ADDRESS {
            t.fail(&format!("u{i}"), other);
        }
        assert!(
            t.check("carol", other).is_err(),
            "per address, for any account"
        );
    }
}
