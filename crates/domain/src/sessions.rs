//! Session-dialect logins. Sessions live in the database so every replica shares them; the cookie
//! value is random and only its SHA-256 is stored.
use chrono::Utc;
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use crate::credentials::passwords;
use crate::entities::{accounts, companies, sessions};
use crate::{Actor, CompanyId, Gateway};

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("wrong e-mail or password")]
    BadCredentials,
    #[error(transparent)]
    Overloaded(#[from] passwords::Overloaded),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// The account behind a live session.
#[derive(Clone, Debug)]
pub struct SessionAccount {
    pub account: accounts::Model,
    pub company: Option<companies::Model>,
}

impl SessionAccount {
    pub fn actor(&self) -> Actor {
        Actor::Account {
            account: self.account.id,
            company: self.account.company_id.as_deref().and_then(CompanyId::from_resource_id),
            is_admin: self.account.is_admin && self.account.company_id.is_none(),
        }
    }
}

fn hash_cookie(cookie: &str) -> String {
    hex::encode(Sha256::digest(cookie.as_bytes()))
}

/// Sessions are touched at most this often, so reads do not turn into a write per request.
const TOUCH_INTERVAL_SECS: i64 = 60;

impl Gateway {
    /// Checks the credentials and opens a new session, returning the cookie value. Any session the
    /// client came with is destroyed first (no session fixation).
    pub async fn login(&self, email: &str, password: &str, previous: Option<&str>) -> Result<String, LoginError> {
        let email = email.trim().to_lowercase();
        let account = accounts::Entity::find().filter(accounts::Column::Email.eq(&email)).one(&self.db).await?;
        let stored = account.as_ref().map(|a| a.password_hash.clone());
        let verified = self.hasher.verify(password.to_owned(), stored).await?;
        // A blocked company's account logs in as any other (upstream does too); what blocking
        // closes is the company's profile (see `company_details`).
        let Some(account) = account.filter(|_| verified) else {
            self.telemetry.count("companygate_logins_total", &[("outcome", "bad_credentials")], 1);
            return Err(LoginError::BadCredentials);
        };
        if let Some(previous) = previous {
            self.logout(previous).await?;
        }

        let mut raw = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut raw);
        let cookie = hex::encode(raw);
        let now = Utc::now();
        sessions::ActiveModel {
            id_hash: Set(hash_cookie(&cookie)),
            account_id: Set(account.id),
            expires_at: Set(now + self.idle_ttl()),
            last_seen: Set(now),
            data: Set(None),
            create_time: Set(now),
        }
        .insert(&self.writer)
        .await?;
        self.telemetry.count("companygate_logins_total", &[("outcome", "success")], 1);
        Ok(cookie)
    }

    /// The account of a live session, sliding its expiry forward.
    pub async fn session(&self, cookie: &str) -> Result<Option<SessionAccount>, DbErr> {
        let now = Utc::now();
        let Some(session) = sessions::Entity::find_by_id(hash_cookie(cookie)).one(&self.db).await? else {
            return Ok(None);
        };
        if session.expires_at <= now {
            return Ok(None);
        }
        let Some(account) = accounts::Entity::find_by_id(session.account_id).one(&self.db).await? else {
            return Ok(None);
        };
        let company = match &account.company_id {
            Some(id) => companies::Entity::find_by_id(id).one(&self.db).await?,
            None => None,
        };
        if (now - session.last_seen).num_seconds() >= TOUCH_INTERVAL_SECS {
            sessions::Entity::update_many()
                .col_expr(sessions::Column::LastSeen, sea_orm::sea_query::Expr::value(now))
                .col_expr(sessions::Column::ExpiresAt, sea_orm::sea_query::Expr::value(now + self.idle_ttl()))
                .filter(sessions::Column::IdHash.eq(session.id_hash))
                .exec(&self.writer)
                .await?;
        }
        Ok(Some(SessionAccount { account, company }))
    }

    /// Destroys the session behind `cookie`, if any.
    pub async fn logout(&self, cookie: &str) -> Result<(), DbErr> {
        sessions::Entity::delete_by_id(hash_cookie(cookie)).exec(&self.writer).await.map(drop)
    }

    fn idle_ttl(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.config.session_idle_ttl).unwrap_or(chrono::Duration::days(7))
    }
}
