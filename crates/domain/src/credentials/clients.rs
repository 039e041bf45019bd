//! API clients of a company, managed through the reseller dialect: a Reseller manages the clients
//! of its own company and of every company it manages, a Company Admin those of its own company.
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use rand::Rng;
use rand::distributions::Alphanumeric;
use sea_orm::sea_query::{Expr, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::credentials::passwords;
use crate::entities::{access_tokens, api_clients};
use crate::scoped::{Scoped, ScopedRefusal, Unreadable};
use crate::search::filter::{MAX_SEARCH_TEXT, like_pattern};
use crate::{Actor, ClientRole, CompanyId, Gateway};

/// A role as the caller named it: one of the roles, or a name that is none of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleChoice {
    Role(ClientRole),
    Unknown(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ClientsError {
    #[error("not an API client")]
    NotPermitted,
    #[error("company or client not found")]
    NotFound,
    /// What was given as the scoping company cannot name one.
    #[error("scope company not found")]
    ScopeNotFound,
    #[error("unreadable request")]
    Unreadable(Unreadable),
    #[error("not allowed for this company")]
    Forbidden,
    #[error("invalid input: {0:?}")]
    Invalid(Vec<ClientProblem>),
    #[error(transparent)]
    Overloaded(#[from] passwords::Overloaded),
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl From<ScopedRefusal> for ClientsError {
    fn from(refusal: ScopedRefusal) -> Self {
        match refusal {
            ScopedRefusal::ScopeNotFound => Self::ScopeNotFound,
            ScopedRefusal::Unreadable(why) => Self::Unreadable(why),
        }
    }
}

/// A client search: a page of a company's clients in an order, optionally only those whose name
/// contains `text` (case-insensitively).
#[derive(Clone, Debug)]
pub struct ClientSearch {
    /// 1-based.
    pub page_number: u64,
    pub page_size: u64,
    pub order: ClientOrder,
    pub ascending: bool,
    pub text: Option<String>,
}

/// One thing wrong with a client as given (or with a client search); a refusal lists every one
/// found, in this order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientProblem {
    /// The name is outside `min..=max` characters.
    NameLength {
        min: usize,
        max: usize,
    },
    ClientIdLength {
        min: usize,
        max: usize,
    },
    SecretMissing,
    SecretLength {
        min: usize,
        max: usize,
    },
    UnknownStatus,
    NotAnIpAddress(String),
    RestrictionWithoutAddresses,
    NoRole,
    /// A role the caller may not give (or that does not exist).
    RoleNotGrantable(RoleChoice),
    SeveralRoles,
    ClientIdTaken,
    SearchTextTooLong {
        max: usize,
    },
}

/// Two clients given the same client id at once: the database's unique index refuses the second,
/// which is told the id is taken, like one that came later.
fn taken_or_database(e: DbErr) -> ClientsError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            ClientsError::Invalid(vec![ClientProblem::ClientIdTaken])
        }
        _ => ClientsError::Database(e),
    }
}

/// What a client is created or replaced with. `secret: None` on update keeps the secret.
#[derive(Clone, Debug)]
pub struct ClientInput {
    pub name: String,
    pub client_id: String,
    pub secret: Option<String>,
    pub status_id: i32,
    pub has_ip_address_restriction: bool,
    pub allowed_ip_addresses: Vec<String>,
    pub roles: Vec<RoleChoice>,
}

#[derive(Clone, Debug)]
pub struct ClientView {
    pub resource_id: String,
    pub company_id: String,
    pub name: String,
    pub client_id: String,
    pub status_id: i32,
    pub role: ClientRole,
    pub has_ip_address_restriction: bool,
    pub allowed_ip_addresses: Vec<String>,
    pub create_time: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct ClientPage {
    /// The page as asked for (1-based), and its size.
    pub page_number: u64,
    pub page_size: u64,
    pub total: u64,
    pub clients: Vec<ClientView>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientOrder {
    CreateTime,
    Name,
    ClientId,
}

pub(crate) fn view(c: api_clients::Model) -> ClientView {
    ClientView {
        role: ClientRole::parse(&c.role).unwrap_or(ClientRole::CompanyAdmin),
        allowed_ip_addresses: c
            .allowed_ip_addresses
            .as_ref()
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default(),
        resource_id: c.resource_id,
        company_id: c.company_id,
        name: c.name,
        client_id: c.client_id,
        status_id: c.status_id,
        has_ip_address_restriction: c.has_ip_address_restriction,
        create_time: c.create_time,
    }
}

/// Fresh credentials: a 24-character id and a 48-character secret from `[0-9A-Za-z]`.
/// An entry of a client's `allowedIpAddresses`: one address, or a CIDR range (`10.0.0.0/8`,
/// `2001:db8::/32`).
pub(crate) fn allowed_range(entry: &str) -> Option<ipnet::IpNet> {
    let entry = entry.trim();
    entry.parse::<ipnet::IpNet>().ok().or_else(|| entry.parse::<IpAddr>().ok().map(ipnet::IpNet::from))
}

/// The roles `actor` may give a client.
fn grantable(actor: &Actor) -> Result<Vec<ClientRole>, ClientsError> {
    match actor {
        Actor::Client { role: ClientRole::Reseller, .. } => Ok(vec![ClientRole::Reseller, ClientRole::CompanyAdmin]),
        Actor::Client { role: ClientRole::CompanyAdmin, .. } => Ok(vec![ClientRole::CompanyAdmin]),
        _ => Err(ClientsError::NotPermitted),
    }
}

fn generate_credentials() -> (String, String) {
    let random = |n| rand::thread_rng().sample_iter(&Alphanumeric).take(n).map(char::from).collect::<String>();
    (random(24), random(48))
}

impl Gateway {
    /// The roles `actor` may give a client of the company `scope` (its own without one), checked
    /// as any call on that company's clients.
    pub async fn grantable_roles(&self, actor: &Actor, scope: Option<&str>) -> Result<Vec<ClientRole>, ClientsError> {
        let (scope, ()) = Scoped::new(scope, Ok(())).read()?;
        self.clients_company(actor, scope).await?;
        grantable(actor)
    }

    /// A fresh client id and secret (nothing stored) for a client of the company `scope` (its own
    /// without one), checked as any call on that company's clients.
    pub async fn client_credentials(
        &self,
        actor: &Actor,
        scope: Option<&str>,
    ) -> Result<(String, String), ClientsError> {
        let (scope, ()) = Scoped::new(scope, Ok(())).read()?;
        self.clients_company(actor, scope).await?;
        Ok(generate_credentials())
    }

    /// The company whose clients a call acts on: the scoping company, or the caller's own.
    pub(crate) async fn clients_company(
        &self,
        actor: &Actor,
        scope: Option<CompanyId>,
    ) -> Result<String, ClientsError> {
        let Actor::Client { role, company: own, .. } = actor else { return Err(ClientsError::NotPermitted) };
        let target = scope.unwrap_or(*own);
        // A Company Admin acts on its own company only and learns nothing about other ids.
        if *role == ClientRole::CompanyAdmin && target != *own {
            return Err(ClientsError::Forbidden);
        }
        let key = target.resource_id().ok_or(ClientsError::NotFound)?;
        let manager = own.resource_id().unwrap_or_default();
        let managed = crate::tree::managed_if_any(&self.db, manager, key).await?.ok_or(ClientsError::NotFound)?;
        if target == *own || (*role == ClientRole::Reseller && managed) {
            Ok(key.to_owned())
        } else {
            Err(ClientsError::Forbidden)
        }
    }

    /// A client the actor may manage.
    async fn managed_client(&self, actor: &Actor, resource_id: &str) -> Result<api_clients::Model, ClientsError> {
        let client = api_clients::Entity::find()
            .filter(api_clients::Column::ResourceId.eq(resource_id))
            .one(&self.db)
            .await?
            .ok_or(ClientsError::NotFound)?;
        let company = CompanyId::from_resource_id(&client.company_id).ok_or(ClientsError::NotFound)?;
        self.clients_company(actor, Some(company)).await?;
        Ok(client)
    }

    fn validate(&self, actor: &Actor, input: &ClientInput, creating: bool) -> Result<ClientRole, ClientsError> {
        let mut problems = Vec::new();
        if !(1..=64).contains(&input.name.chars().count()) {
            problems.push(ClientProblem::NameLength { min: 1, max: 64 });
        }
        if !(1..=32).contains(&input.client_id.chars().count()) {
            problems.push(ClientProblem::ClientIdLength { min: 1, max: 32 });
        }
        match &input.secret {
            None if creating => problems.push(ClientProblem::SecretMissing),
            Some(s) if !(1..=100).contains(&s.chars().count()) => {
                problems.push(ClientProblem::SecretLength { min: 1, max: 100 })
            }
            _ => {}
        }
        if input.status_id != 1 && input.status_id != 2 {
            problems.push(ClientProblem::UnknownStatus);
        }
        for ip in &input.allowed_ip_addresses {
            if allowed_range(ip).is_none() {
                problems.push(ClientProblem::NotAnIpAddress(ip.clone()));
            }
        }
        if input.has_ip_address_restriction && input.allowed_ip_addresses.is_empty() {
            problems.push(ClientProblem::RestrictionWithoutAddresses);
        }
        let grantable = grantable(actor)?;
        let role = match input.roles.as_slice() {
            [] => {
                problems.push(ClientProblem::NoRole);
                None
            }
            [RoleChoice::Role(role)] if grantable.contains(role) => Some(*role),
            [one] => {
                problems.push(ClientProblem::RoleNotGrantable(one.clone()));
                None
            }
            _ => {
                problems.push(ClientProblem::SeveralRoles);
                None
            }
        };
        match role {
            Some(role) if problems.is_empty() => Ok(role),
            _ => Err(ClientsError::Invalid(problems)),
        }
    }

    async fn client_id_taken(&self, client_id: &str, except: Option<i32>) -> Result<bool, DbErr> {
        let mut query = api_clients::Entity::find().filter(api_clients::Column::ClientId.eq(client_id));
        if let Some(id) = except {
            query = query.filter(api_clients::Column::Id.ne(id));
        }
        Ok(query.count(&self.db).await? > 0)
    }

    /// Creates a client for the scoping company (or the caller's own). The checks, in order: the
    /// scope's spelling, the body, who may act for that company, the input's problems, the
    /// client id's uniqueness.
    pub async fn create_client(&self, actor: &Actor, request: Scoped<'_, ClientInput>) -> Result<String, ClientsError> {
        let (scope, input) = request.read()?;
        let company = self.clients_company(actor, scope).await?;
        let role = self.validate(actor, &input, true)?;
        if self.client_id_taken(&input.client_id, None).await? {
            return Err(ClientsError::Invalid(vec![ClientProblem::ClientIdTaken]));
        }
        let secret = input.secret.clone().unwrap_or_default();
        let hash = self.hasher.hash(secret).await?;
        let resource_id = CompanyId::generate().to_string();
        api_clients::ActiveModel {
            resource_id: Set(resource_id.clone()),
            company_id: Set(company),
            client_id: Set(input.client_id),
            secret_hash: Set(hash),
            name: Set(input.name),
            role: Set(role.as_str().to_owned()),
            status_id: Set(input.status_id),
            has_ip_address_restriction: Set(input.has_ip_address_restriction),
            allowed_ip_addresses: Set(Some(serde_json::json!(input.allowed_ip_addresses))),
            create_time: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.writer)
        .await
        .map_err(taken_or_database)?;
        Ok(resource_id)
    }

    pub async fn get_client(&self, actor: &Actor, resource_id: &str) -> Result<ClientView, ClientsError> {
        self.managed_client(actor, resource_id).await.map(view)
    }

    /// Replaces a client's settings. Deactivating it revokes its tokens in the same transaction.
    /// Replaces a client the actor may manage. The checks, in order: the body, the client and
    /// who may manage it, the input's problems, the client id's uniqueness.
    pub async fn update_client(
        &self,
        actor: &Actor,
        resource_id: &str,
        input: Result<ClientInput, Unreadable>,
    ) -> Result<(), ClientsError> {
        let input = input.map_err(ClientsError::Unreadable)?;
        let client = self.managed_client(actor, resource_id).await?;
        let role = self.validate(actor, &input, false)?;
        if self.client_id_taken(&input.client_id, Some(client.id)).await? {
            return Err(ClientsError::Invalid(vec![ClientProblem::ClientIdTaken]));
        }
        let hash = match input.secret.clone() {
            Some(secret) => Some(self.hasher.hash(secret).await?),
            None => None,
        };
        let txn = self.writer.begin().await?;
        let id = client.id;
        let mut model: api_clients::ActiveModel = client.into();
        model.name = Set(input.name);
        model.client_id = Set(input.client_id);
        model.status_id = Set(input.status_id);
        model.role = Set(role.as_str().to_owned());
        model.has_ip_address_restriction = Set(input.has_ip_address_restriction);
        model.allowed_ip_addresses = Set(Some(serde_json::json!(input.allowed_ip_addresses)));
        if let Some(hash) = hash {
            model.secret_hash = Set(hash);
        }
        match model.update(&txn).await {
            Ok(_) => {}
            // Deleted meanwhile.
            Err(DbErr::RecordNotUpdated) => return Err(ClientsError::NotFound),
            Err(e) => return Err(taken_or_database(e)),
        }
        if input.status_id != 1 {
            revoke_tokens(&txn, id).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Deletes a client and its tokens.
    pub async fn delete_client(&self, actor: &Actor, resource_id: &str) -> Result<(), ClientsError> {
        let client = self.managed_client(actor, resource_id).await?;
        let txn = self.writer.begin().await?;
        access_tokens::Entity::delete_many().filter(access_tokens::Column::ClientId.eq(client.id)).exec(&txn).await?;
        if api_clients::Entity::delete_by_id(client.id).exec(&txn).await?.rows_affected == 0 {
            // Deleted meanwhile by someone else; the one before us answered for it.
            return Err(ClientsError::NotFound);
        }
        txn.commit().await?;
        Ok(())
    }

    /// A page of a company's clients (the scoping company's, or the caller's own). The checks, in
    /// order: the scope's spelling, the body, who may act for that company, the search text.
    pub async fn search_clients(
        &self,
        actor: &Actor,
        request: Scoped<'_, ClientSearch>,
    ) -> Result<ClientPage, ClientsError> {
        let (scope, search) = request.read()?;
        let query = self.client_query(actor, scope, search.text.as_deref()).await?;
        let total = query.clone().count(&self.db).await?;
        let (number, size) = (search.page_number, search.page_size);
        let clients = ordered(query, (search.order, search.ascending))
            .limit(size)
            .offset(number.saturating_sub(1).saturating_mul(size))
            .all(&self.db)
            .await?;
        Ok(ClientPage { page_number: number, page_size: size, total, clients: clients.into_iter().map(view).collect() })
    }

    /// The clients a client search or export covers: the company's (see
    /// [`Self::clients_company`]), optionally those whose name contains `text`.
    pub(crate) async fn client_query(
        &self,
        actor: &Actor,
        scope: Option<CompanyId>,
        text: Option<&str>,
    ) -> Result<sea_orm::Select<api_clients::Entity>, ClientsError> {
        let company = self.clients_company(actor, scope).await?;
        let mut query = api_clients::Entity::find().filter(api_clients::Column::CompanyId.eq(company));
        if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
            if text.chars().count() > MAX_SEARCH_TEXT {
                return Err(ClientsError::Invalid(vec![ClientProblem::SearchTextTooLong { max: MAX_SEARCH_TEXT }]));
            }
            let lower_name = Func::lower(Expr::col(api_clients::Column::Name));
            query = query.filter(Expr::expr(lower_name).like(LikeExpr::new(like_pattern(text)).escape('\\')));
        }
        Ok(query)
    }
}

/// `query` in a client search's order (ties broken by id).
pub(crate) fn ordered(
    query: sea_orm::Select<api_clients::Entity>,
    order: (ClientOrder, bool),
) -> sea_orm::Select<api_clients::Entity> {
    let column = match order.0 {
        ClientOrder::CreateTime => api_clients::Column::CreateTime,
        ClientOrder::Name => api_clients::Column::Name,
        ClientOrder::ClientId => api_clients::Column::ClientId,
    };
    let direction = if order.1 { sea_orm::Order::Asc } else { sea_orm::Order::Desc };
    query.order_by(column, direction).order_by_asc(api_clients::Column::Id)
}

async fn revoke_tokens(db: &impl sea_orm::ConnectionTrait, client: i32) -> Result<(), DbErr> {
    access_tokens::Entity::update_many()
        .col_expr(access_tokens::Column::Revoked, Expr::value(true))
        .filter(access_tokens::Column::ClientId.eq(client))
        .exec(db)
        .await
        .map(drop)
}
