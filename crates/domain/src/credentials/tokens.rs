//! OAuth2 client-credentials tokens: HS256 JWTs signed with keys kept in the database (so every
//! replica verifies every token), each backed by an `access_tokens` row so revocation and company
//! deletion take effect at once.
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use sea_orm::sea_query::{Alias, Expr, JoinType, Query, SelectStatement};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, QueryOrder, Set,
    Statement, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, ClientRole};
use crate::companies::record::StoredLogo;
use crate::credentials::passwords;
use crate::entities::{access_tokens, api_clients, companies, industries, signing_keys};
use crate::statement::Shaped;
use crate::{CompanyId, Gateway};

/// The only scope there is.
pub const SCOPE: &str = "api1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub client_id: String,
    pub jti: String,
    pub exp: i64,
    pub iat: i64,
    pub scope: Vec<String>,
    pub role: String,
    pub reseller_access: bool,
    pub company_admin_access: bool,
    pub root_access: bool,
    pub user_company_resourceid: String,
    pub user_company_name: String,
    /// The company's number (`0` if it has none).
    pub user_company_id: i64,
    /// Where the company's logo is (empty without one).
    pub user_company_logopath: String,
    /// Empty without an industry.
    pub user_company_industry_name: String,
    pub user_company_parentcompany_resourceid: String,
    pub user_company_parentcompany_name: String,
}

#[derive(Debug)]
pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueTokenError {
    /// Unknown id, wrong secret, inactive client, or its company is gone or disabled.
    #[error("invalid client")]
    InvalidClient,
    #[error(transparent)]
    Overloaded(#[from] passwords::Overloaded),
    #[error(transparent)]
    Database(#[from] DbErr),
}

#[derive(Debug, thiserror::Error)]
pub enum AuthenticateError {
    #[error("invalid token")]
    InvalidToken,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// A token id: the issue time in milliseconds (6 bytes), then 10 random bytes, in hex. Ids in
/// issue order go to the end of the `access_tokens` key index instead of a random page of it,
/// which kept token issue fast as the table grows; the time is in the token's `iat` anyway, and
/// the token is only valid with its signature.
fn new_jti(now: chrono::DateTime<Utc>) -> String {
    let mut jti = [0u8; 16];
    jti[..6].copy_from_slice(&now.timestamp_millis().to_be_bytes()[2..]);
    rand::thread_rng().fill_bytes(&mut jti[6..]);
    hex::encode(jti)
}

/// An API client asking for a token, with what its token says about its company.
#[derive(FromQueryResult)]
pub(crate) struct Grantee {
    id: i32,
    client_id: String,
    secret_hash: String,
    role: String,
    status_id: i32,
    has_ip_address_restriction: bool,
    allowed_ip_addresses: Option<serde_json::Value>,
    company_id: String,
    company_name: Option<String>,
    company_disabled: Option<bool>,
    company_number: Option<i32>,
    /// The logo's address; empty for an uploaded image.
    company_logo: Option<String>,
    industry_name: Option<String>,
    parent_id: Option<String>,
    parent_name: Option<String>,
}

impl Grantee {
    /// Whether the client's IP restriction allows the address `ip` (one of its addresses, or in
    /// one of its ranges).
    fn allows(&self, ip: std::net::IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.allowed_ip_addresses
            .as_ref()
            .and_then(|v| serde_json::from_value::<Vec<String>>(v.clone()).ok())
            .unwrap_or_default()
            .iter()
            .filter_map(|entry| crate::credentials::clients::allowed_range(entry))
            .any(|range| range.contains(&ip))
    }
}

/// The status of a client that is granted tokens and whose tokens are honoured.
const ACTIVE: i32 = 1;

/// What a client must be, besides the owner of its secret, to be granted a token: each condition
/// once, which both `Gateway::issue_token`'s check and the statement that writes a token's row at
/// once ([`issue_at_once`]) are made of.
#[derive(Clone, Copy)]
enum Grant {
    Active,
    /// One of the roles a token carries.
    Role,
    /// Its company is there and enabled.
    CompanyEnabled,
    /// Asking from an address its IP restriction allows, if it has one.
    Address,
}

impl Grant {
    const ALL: [Self; 4] = [Self::Active, Self::Role, Self::CompanyEnabled, Self::Address];

    fn holds(self, client: &Grantee, from: Option<std::net::IpAddr>) -> bool {
        match self {
            Self::Active => client.status_id == ACTIVE,
            Self::Role => ClientRole::parse(&client.role).is_some(),
            Self::CompanyEnabled => client.company_name.is_some() && client.company_disabled == Some(false),
            Self::Address => !client.has_ip_address_restriction || from.is_some_and(|ip| client.allows(ip)),
        }
    }

    /// The condition on [`grantee`]'s row `g`, in SQL: as [`Self::holds`], or stricter (a client
    /// it leaves out goes through the check in Rust), never looser.
    fn sql(self) -> String {
        match self {
            Self::Active => format!("g.status_id = {ACTIVE}"),
            Self::Role => {
                let roles: Vec<String> = ClientRole::ALL.iter().map(|role| format!("'{}'", role.as_str())).collect();
                format!("g.role IN ({})", roles.join(", "))
            }
            Self::CompanyEnabled => "g.company_name IS NOT NULL AND g.company_disabled = FALSE".to_owned(),
            // The caller's address is not in the statement: a restricted client is checked in Rust.
            Self::Address => "NOT g.has_ip_address_restriction".to_owned(),
        }
    }
}

/// A row of [`issue_at_once`]: the client, and whether the token's row was written.
struct IssuedAtOnce {
    client: Grantee,
    issued: bool,
}

impl FromQueryResult for IssuedAtOnce {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self { client: Grantee::from_query_result(res, pre)?, issued: res.try_get(pre, "issued")? })
    }
}

/// A client by `client_id` with its company and the company's parent.
fn grantee(backend: DatabaseBackend, client_id: sea_orm::Value) -> Statement {
    let (client, company, parent, industry) = (Alias::new("a"), Alias::new("c"), Alias::new("p"), Alias::new("i"));
    // An uploaded logo's image stays in the table: only whether there is one. Written without
    // bound values: `issue_at_once` numbers its own after the client id's.
    let prefix = StoredLogo::UPLOAD_PREFIX;
    let logo_address = Expr::cust(format!(
        "CASE WHEN substr(\"c\".\"logo\", 1, {}) = '{prefix}' THEN '' ELSE \"c\".\"logo\" END",
        prefix.len()
    ));
    let query = Query::select()
        .columns(
            [
                api_clients::Column::Id,
                api_clients::Column::ClientId,
                api_clients::Column::SecretHash,
                api_clients::Column::Role,
                api_clients::Column::StatusId,
                api_clients::Column::HasIpAddressRestriction,
                api_clients::Column::AllowedIpAddresses,
                api_clients::Column::CompanyId,
            ]
            .map(|column| (client.clone(), column)),
        )
        .expr_as(Expr::col((company.clone(), companies::Column::Name)), Alias::new("company_name"))
        .expr_as(Expr::col((company.clone(), companies::Column::IsDisabled)), Alias::new("company_disabled"))
        .expr_as(Expr::col((company.clone(), companies::Column::Number)), Alias::new("company_number"))
        .expr_as(logo_address, Alias::new("company_logo"))
        .expr_as(Expr::col((industry.clone(), industries::Column::Name)), Alias::new("industry_name"))
        .expr_as(Expr::col((parent.clone(), companies::Column::Id)), Alias::new("parent_id"))
        .expr_as(Expr::col((parent.clone(), companies::Column::Name)), Alias::new("parent_name"))
        .from_as(api_clients::Entity, client.clone())
        .join_as(
            JoinType::LeftJoin,
            companies::Entity,
            company.clone(),
            Expr::col((company.clone(), companies::Column::Id))
                .equals((client.clone(), api_clients::Column::CompanyId)),
        )
        .join_as(
            JoinType::LeftJoin,
            companies::Entity,
            parent.clone(),
            Expr::col((parent, companies::Column::Id)).equals((company.clone(), companies::Column::ParentId)),
        )
        .join_as(
            JoinType::LeftJoin,
            industries::Entity,
            industry.clone(),
            Expr::col((industry, industries::Column::Id)).equals((company, companies::Column::IndustryId)),
        )
        .and_where(Expr::col((client, api_clients::Column::ClientId)).eq(client_id))
        .to_owned();
    backend.build(&query)
}

static GRANTEE: Shaped<1> = Shaped::new();

/// PostgreSQL: [`grantee`] (`$1` the client id) and, in the same statement, the token's row
/// (`$3` its jti, `$4` its expiry, `$5` now) where the client's stored hash is `$2` and every
/// [`Grant`] holds. `issued` says whether the row was written.
fn issue_at_once() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let client = grantee(DatabaseBackend::Postgres, "".into()).sql;
        let granted: Vec<String> = Grant::ALL.iter().map(|grant| format!("({})", grant.sql())).collect();
        format!(
            "WITH g AS ({client}),
             t AS (INSERT INTO access_tokens (jti, client_id, company_id, expires_at, revoked, create_time)
                   SELECT $3, g.id, g.company_id, $4, FALSE, $5 FROM g
                   WHERE g.secret_hash = $2 AND {granted}
                   RETURNING jti)
             SELECT g.*, EXISTS (SELECT 1 FROM t) AS issued FROM g",
            granted = granted.join(" AND ")
        )
    })
}

/// A bearer token's row, with its client and company (absent when they are gone).
#[derive(FromQueryResult)]
pub(crate) struct Bearer {
    company_id: String,
    expires_at: chrono::DateTime<Utc>,
    revoked: bool,
    client_key: Option<i32>,
    client_id: Option<String>,
    client_company_id: Option<String>,
    status_id: Option<i32>,
    role: Option<String>,
    company_disabled: Option<bool>,
}

/// A token by `jti` with its client and its company.
fn bearer(backend: DatabaseBackend, jti: sea_orm::Value) -> Statement {
    backend.build(&bearer_query(jti, ""))
}

/// Prefixes the columns of a token's row where an operation's statement reads it beside its own.
pub(crate) const BEARER_PREFIX: &str = "bearer_";

/// The token `jti`'s row (see [`Bearer`]), its columns named with `prefix`; its table's alias is
/// `t`, the company's `c`.
pub(crate) fn bearer_query(jti: sea_orm::Value, prefix: &str) -> SelectStatement {
    let (token, client, company) = (Alias::new("t"), Alias::new("a"), Alias::new("c"));
    let named = |name: &str| Alias::new(format!("{prefix}{name}"));
    let of_token = [
        (access_tokens::Column::CompanyId, "company_id"),
        (access_tokens::Column::ExpiresAt, "expires_at"),
        (access_tokens::Column::Revoked, "revoked"),
    ];
    let of_client = [
        (api_clients::Column::Id, "client_key"),
        (api_clients::Column::ClientId, "client_id"),
        (api_clients::Column::CompanyId, "client_company_id"),
        (api_clients::Column::StatusId, "status_id"),
        (api_clients::Column::Role, "role"),
    ];
    let mut query = Query::select();
    for (column, name) in of_token {
        query.expr_as(Expr::col((token.clone(), column)), named(name));
    }
    for (column, name) in of_client {
        query.expr_as(Expr::col((client.clone(), column)), named(name));
    }
    query
        .expr_as(Expr::col((company.clone(), companies::Column::IsDisabled)), named("company_disabled"))
        .from_as(access_tokens::Entity, token.clone())
        .join_as(
            JoinType::LeftJoin,
            api_clients::Entity,
            client.clone(),
            Expr::col((client, api_clients::Column::Id)).equals((token.clone(), access_tokens::Column::ClientId)),
        )
        .join_as(
            JoinType::LeftJoin,
            companies::Entity,
            company.clone(),
            Expr::col((company, companies::Column::Id)).equals((token.clone(), access_tokens::Column::CompanyId)),
        )
        .and_where(Expr::col((token, access_tokens::Column::Jti)).eq(jti))
        .to_owned()
}

static BEARER: Shaped<1> = Shaped::new();

/// A bearer token whose signature and expiry are verified; whether the database still honours it
/// (not revoked, client active, company enabled) is checked by the statement that uses it, then
/// [`Gateway::admit`] turns that row into the caller.
pub struct SignedBearer {
    jti: String,
}

impl SignedBearer {
    pub(crate) fn jti(&self) -> sea_orm::Value {
        self.jti.clone().into()
    }
}

/// Why an API call is answered before its operation runs.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Unauthenticated(#[from] AuthenticateError),
    #[error(transparent)]
    RateLimited(#[from] crate::rate_limit::RateLimited),
}

impl From<DbErr> for Refusal {
    fn from(e: DbErr) -> Self {
        Self::Unauthenticated(AuthenticateError::Database(e))
    }
}

/// Signing keys by `kid`; the newest signs.
#[derive(Clone)]
pub(crate) struct KeyRing {
    keys: Arc<RwLock<Keys>>,
}

#[derive(Default)]
struct Keys {
    newest: String,
    by_kid: HashMap<String, Vec<u8>>,
}

impl KeyRing {
    /// Loads the keys; when none is usable, creates one: exactly one however many gateways start
    /// together on one database (they take turns, and whoever comes second finds the first's key).
    /// `writer` is the writer pool (on SQLite its one connection).
    pub(crate) async fn load_or_create(writer: &DatabaseConnection) -> Result<Self, DbErr> {
        let ring = Self { keys: Arc::default() };
        if ring.reload(writer).await? {
            return Ok(ring);
        }
        if writer.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            let txn = writer.begin().await?;
            crate::database::hold_start_up_lock(&txn).await?;
            ring.create_unless_usable(&txn).await?;
            txn.commit().await?;
        } else {
            // A deferred transaction that reads and then writes fails when another process wrote
            // in between; IMMEDIATE takes the write lock first, and the other process waits.
            writer.execute_unprepared("BEGIN IMMEDIATE").await?;
            crate::database::end_immediate(writer, ring.create_unless_usable(writer).await).await?;
        }
        ring.reload(writer).await?;
        Ok(ring)
    }

    async fn create_unless_usable(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        if self.reload(db).await? {
            return Ok(());
        }
        let (mut secret, mut kid) = ([0u8; 32], [0u8; 8]);
        rand::thread_rng().fill_bytes(&mut secret);
        rand::thread_rng().fill_bytes(&mut kid);
        let key = signing_keys::ActiveModel {
            kid: Set(hex::encode(kid)),
            secret: Set(STANDARD.encode(secret)),
            create_time: Set(Utc::now()),
        };
        signing_keys::Entity::insert(key).exec_without_returning(db).await?;
        tracing::info!("token signing key created");
        Ok(())
    }

    /// Reads every key; returns whether there is at least one usable key. A key whose secret is
    /// not base64 (or empty) is left out with an error in the log, and the newest usable key signs.
    async fn reload(&self, db: &impl ConnectionTrait) -> Result<bool, DbErr> {
        let rows = signing_keys::Entity::find().order_by_asc(signing_keys::Column::CreateTime).all(db).await?;
        let mut keys = Keys::default();
        for key in rows {
            match STANDARD.decode(&key.secret) {
                Ok(secret) if !secret.is_empty() => {
                    keys.newest.clone_from(&key.kid);
                    keys.by_kid.insert(key.kid, secret);
                }
                _ => tracing::error!(kid = %key.kid, "signing key ignored: its secret is not base64"),
            }
        }
        if keys.by_kid.is_empty() {
            return Ok(false);
        }
        *self.keys.write().expect("key ring lock") = keys;
        Ok(true)
    }

    fn current(&self) -> (String, Vec<u8>) {
        let keys = self.keys.read().expect("key ring lock");
        (keys.newest.clone(), keys.by_kid[&keys.newest].clone())
    }

    fn get(&self, kid: &str) -> Option<Vec<u8>> {
        self.keys.read().expect("key ring lock").by_kid.get(kid).cloned()
    }
}

impl Gateway {
    /// Client-credentials grant: checks the secret (argon2, the same work whether the id exists or
    /// not, unless this process already verified this very secret against the stored hash: see
    /// [`crate::credentials::verified_secrets`]), then signs a token and records its `jti`.
    /// `from` is the caller's address, checked against the client's IP restriction if it has one.
    pub async fn issue_token(
        &self,
        client_id: &str,
        client_secret: &str,
        from: Option<std::net::IpAddr>,
    ) -> Result<IssuedToken, IssueTokenError> {
        let now = Utc::now();
        let ttl = self.config.token_ttl.as_secs();
        let jti = new_jti(now);
        let expires_at = now + chrono::Duration::seconds(ttl as i64);
        let backend = self.db.get_database_backend();
        if backend == DatabaseBackend::Postgres
            && let Some(stored) = self.verified.stored_for(client_id, client_secret)
        {
            // A secret this process verified: the client is read and the token's row written in
            // one statement, on condition that everything the checks below look at still holds.
            let values: Vec<sea_orm::Value> =
                vec![client_id.into(), stored.into(), jti.clone().into(), expires_at.into(), now.into()];
            let statement = Statement::from_sql_and_values(backend, issue_at_once(), values);
            let issued = IssuedAtOnce::find_by_statement(statement).one(self.token_rows.connection()).await?;
            if let Some(IssuedAtOnce { client, issued: true }) = issued {
                return self.signed(client, jti, now, ttl);
            }
        }
        // The client with its company and the company's parent, in one query.
        let statement = GRANTEE.statement(backend, 0, vec![client_id.into()], |p| grantee(backend, p[0].clone()));
        let client = Grantee::find_by_statement(statement).one(&self.db).await?;
        let verified = match &client {
            Some(c) if self.verified.knows(&c.client_id, &c.secret_hash, client_secret) => true,
            _ => {
                let stored = client.as_ref().map(|c| c.secret_hash.clone());
                let verified = self.hasher.verify(client_secret.to_owned(), stored).await?;
                if let (true, Some(c)) = (verified, &client) {
                    self.verified.remember(&c.client_id, &c.secret_hash, client_secret);
                }
                verified
            }
        };
        let client = client
            .filter(|c| verified && Grant::ALL.iter().all(|grant| grant.holds(c, from)))
            .ok_or(IssueTokenError::InvalidClient)?;
        let row = access_tokens::ActiveModel {
            jti: Set(jti.clone()),
            client_id: Set(client.id),
            company_id: Set(client.company_id.clone()),
            expires_at: Set(expires_at),
            revoked: Set(false),
            create_time: Set(now),
        };
        // Committed with the rows of tokens asked for meanwhile, on the pool whose commits do not
        // wait for the disk: a crash may lose the row, and then the token is refused.
        self.token_rows.write(row).await?;
        self.signed(client, jti, now, ttl)
    }

    /// The token of `client` (its row `jti` written), issued at `now` for `ttl` seconds.
    fn signed(
        &self,
        client: Grantee,
        jti: String,
        now: chrono::DateTime<Utc>,
        ttl: u64,
    ) -> Result<IssuedToken, IssueTokenError> {
        let role = ClientRole::parse(&client.role).ok_or(IssueTokenError::InvalidClient)?;
        let company_name = client.company_name.clone().ok_or(IssueTokenError::InvalidClient)?;
        let claims = Claims {
            client_id: client.client_id.clone(),
            jti,
            iat: now.timestamp(),
            exp: now.timestamp() + ttl as i64,
            scope: vec![SCOPE.to_owned()],
            role: role.as_str().to_owned(),
            reseller_access: role == ClientRole::Reseller,
            company_admin_access: true,
            root_access: false,
            user_company_resourceid: client.company_id.clone(),
            user_company_name: company_name,
            user_company_id: client.company_number.map_or(0, i64::from),
            user_company_logopath: match client.company_logo.as_deref() {
                None => String::new(),
                Some("") => self.config.logo_address.replace("{resourceId}", &client.company_id),
                Some(address) => address.to_owned(),
            },
            user_company_industry_name: client.industry_name.clone().unwrap_or_default(),
            user_company_parentcompany_resourceid: client.parent_id.clone().unwrap_or_default(),
            user_company_parentcompany_name: client.parent_name.clone().unwrap_or_default(),
        };
        let (kid, secret) = self.keys.current();
        let header = Header { kid: Some(kid), ..Header::new(Algorithm::HS256) };
        let access_token = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&secret))
            .expect("HS256 signing cannot fail");
        self.telemetry.count("companygate_tokens_issued_total", &[], 1);
        Ok(IssuedToken { access_token, expires_in: ttl })
    }

    /// Turns a bearer token into an actor: signature, expiry, then the database (token not revoked,
    /// client active, company present and enabled).
    pub async fn authenticate_bearer(&self, token: &str) -> Result<Actor, AuthenticateError> {
        let signed = self.verify_bearer(token).await?;
        let backend = self.db.get_database_backend();
        let statement = BEARER.statement(backend, 0, vec![signed.jti.into()], |p| bearer(backend, p[0].clone()));
        Bearer::actor(Bearer::find_by_statement(statement).one(&self.db).await?)
    }

    /// An API call's caller: its bearer token as [`Self::authenticate_bearer`] checks it, then the
    /// client's request rate. An operation that checks the token in its own statement admits its
    /// caller with [`Self::admit`], in the same order.
    pub async fn admit_api_call(&self, token: &str) -> Result<Actor, Refusal> {
        let actor = self.authenticate_bearer(token).await?;
        self.count_api_call(&actor).await?;
        Ok(actor)
    }

    /// The caller of an operation whose statement read the token's row (`row`, its columns
    /// prefixed [`BEARER_PREFIX`]; None: no such token): the database's verdict on the token, then
    /// the client's request rate.
    pub(crate) async fn admit(&self, row: Option<&sea_orm::QueryResult>) -> Result<Actor, Refusal> {
        let bearer = row.map(|row| Bearer::from_query_result(row, BEARER_PREFIX)).transpose()?;
        let actor = Bearer::actor(bearer)?;
        self.count_api_call(&actor).await?;
        Ok(actor)
    }

    async fn count_api_call(&self, actor: &Actor) -> Result<(), Refusal> {
        if let Actor::Client { client, .. } = actor {
            self.rate_limit(crate::rate_limit::Limit::ApiPerClient, &client.to_string()).await?;
        }
        Ok(())
    }

    /// A bearer token's signature and expiry, checked without the database (see [`SignedBearer`]).
    pub async fn verify_bearer(&self, token: &str) -> Result<SignedBearer, AuthenticateError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthenticateError::InvalidToken)?;
        let kid = header.kid.ok_or(AuthenticateError::InvalidToken)?;
        let secret = match self.keys.get(&kid) {
            Some(secret) => secret,
            None => {
                // Another replica may have rotated the key since we loaded ours.
                self.keys.reload(&self.db).await?;
                self.keys.get(&kid).ok_or(AuthenticateError::InvalidToken)?
            }
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        let claims = jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&secret), &validation)
            .map_err(|_| AuthenticateError::InvalidToken)?
            .claims;
        Ok(SignedBearer { jti: claims.jti })
    }
}

impl Bearer {
    /// The caller a token's row (None: no such token) stands for, if the database still honours
    /// it: not revoked, not expired, its client active and its company's, the company enabled.
    fn actor(row: Option<Self>) -> Result<Actor, AuthenticateError> {
        let row = row
            .filter(|t| {
                !t.revoked
                    && t.expires_at > Utc::now()
                    && t.status_id == Some(ACTIVE)
                    && t.client_company_id.as_deref() == Some(t.company_id.as_str())
                    && t.company_disabled == Some(false)
            })
            .ok_or(AuthenticateError::InvalidToken)?;
        let (Some(client_id), Some(client_key), Some(role)) = (row.client_id, row.client_key, row.role.as_deref())
        else {
            return Err(AuthenticateError::InvalidToken);
        };
        let company = CompanyId::from_resource_id(&row.company_id).ok_or(AuthenticateError::InvalidToken)?;
        let role = ClientRole::parse(role).ok_or(AuthenticateError::InvalidToken)?;
        Ok(Actor::Client { client: client_key, client_id, company, role })
    }
}
