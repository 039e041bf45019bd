//! Cascading deletion of a company: one transaction, per-table counts, a receipt and an outbox
//! e-mail written in the same transaction.
pub mod bulk;

use std::time::Instant;

use chrono::Utc;
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, Set,
};
use serde::Serialize;

use crate::actor::{Actor, ClientRole};
use crate::companies::state::{Bump, lock_company};
use crate::entities::{
    access_tokens, accounts, api_clients, companies, company_tags, deletion_receipts, offers, sessions, target_users,
};
use crate::idempotency::{self, Claim, DeletedRecord, IdempotencyKey, RefusalRecord};
use crate::tree::counts::{Delta, adjust_ancestors};
use crate::tree::manages;
use crate::{CompanyId, Gateway};

#[derive(Debug, thiserror::Error)]
pub enum DeleteCompanyError {
    /// The actor may not delete companies at all (checked before the company is looked up).
    #[error("actor may not delete companies")]
    NotPermitted,
    /// No company has this resource id (as given).
    #[error("company {0} does not exist")]
    NotFound(String),
    #[error("actor may not delete company {0}")]
    Forbidden(CompanyId),
    #[error("company {0} still manages other companies")]
    HasManagedCompanies(CompanyId),
    /// The idempotency key was first used for another operation.
    #[error("the idempotency key was used for a different request")]
    IdempotencyKeyReused,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// How many rows of each table a deletion removes (or would remove).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletionCounts {
    pub companies: u64,
    pub offers: u64,
    pub target_users: u64,
    pub accounts: u64,
    pub api_clients: u64,
    pub access_tokens: u64,
    pub sessions: u64,
    pub tags: u64,
}

/// The company as it was just before it went, with what went with it.
#[derive(Clone, Debug)]
pub struct DeletedCompany {
    pub company: companies::Model,
    pub tags: Vec<String>,
    pub counts: DeletionCounts,
}

/// The outcome of a deletion sent with an idempotency key.
#[derive(Clone, Debug)]
pub enum Deletion {
    /// Carried out now.
    Done(Box<DeletedCompany>),
    /// Carried out by an earlier request with the same key; this is its answer again.
    Replayed { resource_id: String },
}

impl Deletion {
    pub fn resource_id(&self) -> &str {
        match self {
            Self::Done(deleted) => &deleted.company.id,
            Self::Replayed { resource_id } => resource_id,
        }
    }
}

impl Gateway {
    /// Deletes a company and everything it owns, or nothing.
    ///
    /// Under concurrent deletes of one company exactly one caller succeeds; the others see
    /// `NotFound`. Tokens and sessions of the company stop working at commit because their rows go
    /// in the same transaction and every request looks them up.
    #[tracing::instrument(skip_all, fields(company_id = %id, actor = %actor.audit_name()))]
    pub async fn delete_company(&self, actor: &Actor, id: CompanyId) -> Result<DeletedCompany, DeleteCompanyError> {
        let outcome = async {
            may_delete_at_all(actor)?;
            let started = Instant::now();
            let txn = self.writer.begin().await?;
            let deleted = self.delete_in(&txn, actor, id).await?;
            txn.commit().await?;
            self.deleted(actor, &deleted, started);
            Ok(deleted)
        }
        .await;
        self.count_deletion(actor, outcome.as_ref().map(|_| "deleted"));
        outcome
    }

    /// The reseller dialect's deletion in one call, in its order of checks: whether the actor may
    /// delete at all (so a Company Admin learns nothing about ids), then the id (one that cannot
    /// name a company is not found), then the deletion, carried out once per idempotency key when
    /// one is given.
    pub async fn delete_company_named(
        &self,
        actor: &Actor,
        resource_id: &str,
        key: Option<&IdempotencyKey>,
    ) -> Result<Deletion, DeleteCompanyError> {
        if let Err(refused) = may_delete_at_all(actor) {
            self.count_deletion(actor, Err(&refused));
            return Err(refused);
        }
        let Some(id) = CompanyId::from_resource_id(resource_id) else {
            let unknown = DeleteCompanyError::NotFound(resource_id.to_owned());
            self.count_deletion(actor, Err(&unknown));
            return Err(unknown);
        };
        match key {
            Some(key) => self.delete_company_once(actor, id, key).await,
            None => self.delete_company(actor, id).await.map(|deleted| Deletion::Done(Box::new(deleted))),
        }
    }

    /// [`Self::preview_deletion`] in the order of checks of [`Self::delete_company_named`].
    pub async fn preview_deletion_named(
        &self,
        actor: &Actor,
        resource_id: &str,
    ) -> Result<DeletionCounts, DeleteCompanyError> {
        may_delete_at_all(actor)?;
        let id = CompanyId::from_resource_id(resource_id)
            .ok_or_else(|| DeleteCompanyError::NotFound(resource_id.to_owned()))?;
        self.preview_deletion(actor, id).await
    }

    /// `companygate_company_deletions_total` by the actor's dialect and the outcome; a refusal is
    /// logged as information, a failure as an error.
    fn count_deletion(&self, actor: &Actor, outcome: Result<&'static str, &DeleteCompanyError>) {
        match outcome {
            Err(error @ DeleteCompanyError::Database(_)) => tracing::error!(%error, "the deletion failed"),
            Err(error) => tracing::info!(%error, "the deletion was refused"),
            Ok(_) => {}
        }
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(DeleteCompanyError::NotPermitted | DeleteCompanyError::Forbidden(_)) => "forbidden",
            Err(DeleteCompanyError::NotFound(_)) => "not_found",
            Err(DeleteCompanyError::HasManagedCompanies(_) | DeleteCompanyError::IdempotencyKeyReused) => "conflict",
            Err(DeleteCompanyError::Database(_)) => "failed",
        };
        let dialect = match actor {
            Actor::Client { .. } => "reseller",
            Actor::Account { .. } | Actor::God => "session",
            Actor::Anonymous => "none",
        };
        self.telemetry.count("companygate_company_deletions_total", &[("dialect", dialect), ("outcome", outcome)], 1);
    }

    /// `delete_company` carried out once per caller and `key`: a repeat within 24 hours (also one
    /// sent while the first is still running) gets the first outcome, success or refusal.
    #[tracing::instrument(skip_all, fields(company_id = %id, actor = %actor.audit_name()))]
    pub(crate) async fn delete_company_once(
        &self,
        actor: &Actor,
        id: CompanyId,
        key: &IdempotencyKey,
    ) -> Result<Deletion, DeleteCompanyError> {
        let outcome = self.delete_company_once_now(actor, id, key).await;
        let counted = match &outcome {
            Ok(Deletion::Done(_)) => Ok("deleted"),
            Ok(Deletion::Replayed { .. }) => Ok("replayed"),
            Err(e) => Err(e),
        };
        self.count_deletion(actor, counted);
        outcome
    }

    async fn delete_company_once_now(
        &self,
        actor: &Actor,
        id: CompanyId,
        key: &IdempotencyKey,
    ) -> Result<Deletion, DeleteCompanyError> {
        let started = Instant::now();
        let caller = actor.audit_name();
        let operation = format!("delete-company:{id}");
        let txn = self.writer.begin().await?;
        match idempotency::claim::<DeletedRecord, RefusalRecord>(&txn, &caller, key, &operation).await? {
            Claim::Claimed => {}
            Claim::Reused => return Err(DeleteCompanyError::IdempotencyKeyReused),
            Claim::Replay(Ok(done)) => return Ok(Deletion::Replayed { resource_id: done.resource_id }),
            Claim::Replay(Err(refused)) => return Err(refused.into_error(id)),
        }
        let outcome = match may_delete_at_all(actor) {
            Ok(()) => self.delete_in(&txn, actor, id).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(deleted) => {
                let record = DeletedRecord { resource_id: deleted.company.id.clone() };
                idempotency::record::<_, RefusalRecord>(&txn, &caller, key, Ok(&record)).await?;
                txn.commit().await?;
                self.deleted(actor, &deleted, started);
                Ok(Deletion::Done(Box::new(deleted)))
            }
            Err(refused) => {
                // A refusal is an answer too; a database failure is not, and rolls the claim back.
                let Some(record) = RefusalRecord::of(&refused) else { return Err(refused) };
                idempotency::record::<DeletedRecord, _>(&txn, &caller, key, Err(&record)).await?;
                txn.commit().await?;
                Err(refused)
            }
        }
    }

    /// The deletion inside `txn`: checks, every owned row, the receipt and the notification.
    async fn delete_in(
        &self,
        txn: &DatabaseTransaction,
        actor: &Actor,
        id: CompanyId,
    ) -> Result<DeletedCompany, DeleteCompanyError> {
        let key = id.resource_id().ok_or(DeleteCompanyError::NotFound(id.to_string()))?;
        if !lock_company(txn, key, Bump::LockOnly).await? {
            return Err(DeleteCompanyError::NotFound(id.to_string()));
        }
        let company =
            companies::Entity::find_by_id(key).one(txn).await?.ok_or(DeleteCompanyError::NotFound(id.to_string()))?;
        authorize(txn, actor, id, &company).await?;
        if manages_any(txn, key).await? {
            return Err(DeleteCompanyError::HasManagedCompanies(id));
        }
        let tags = tags_of(txn, key).await?;
        let account_emails: Vec<String> = accounts::Entity::find()
            .select_only()
            .column(accounts::Column::Email)
            .filter(accounts::Column::CompanyId.eq(key))
            .into_tuple()
            .all(txn)
            .await?;
        let gone = Delta { companies: -1, exceeded: -i64::from(company.limit_exceeded) };
        adjust_ancestors(txn, &[(key, gone)]).await?;
        crate::tree::facets::forget(txn, key).await?;
        let counts = owned_rows(txn, key, Pass::Delete).await?;

        deletion_receipts::ActiveModel {
            company_id: Set(key.to_owned()),
            actor: Set(actor.audit_name()),
            counts: Set(serde_json::to_value(counts).expect("counts serialise")),
            deleted_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        for email in &account_emails {
            self.mail.enqueue(txn, email, &deletion_subject(&self.config.site_name), &deletion_body(&company)).await?;
        }
        Ok(DeletedCompany { company, tags, counts })
    }

    /// After a deletion committed: log, count, and wake the outbox sender.
    fn deleted(&self, actor: &Actor, deleted: &DeletedCompany, started: Instant) {
        tracing::info!(
            company_id = %deleted.company.id,
            actor = %actor.audit_name(),
            counts = ?deleted.counts,
            duration_ms = started.elapsed().as_millis() as u64,
            "company deleted"
        );
        let counts = &deleted.counts;
        for (table, rows) in [
            ("companies", counts.companies),
            ("offers", counts.offers),
            ("target_users", counts.target_users),
            ("accounts", counts.accounts),
            ("api_clients", counts.api_clients),
            ("access_tokens", counts.access_tokens),
            ("sessions", counts.sessions),
            ("company_tags", counts.tags),
        ] {
            self.telemetry.count("companygate_rows_deleted_total", &[("table", table)], rows);
        }
        self.mail.wake();
    }

    /// What `delete_company` would remove, with the same checks, changing nothing.
    pub(crate) async fn preview_deletion(
        &self,
        actor: &Actor,
        id: CompanyId,
    ) -> Result<DeletionCounts, DeleteCompanyError> {
        may_delete_at_all(actor)?;
        let key = id.resource_id().ok_or(DeleteCompanyError::NotFound(id.to_string()))?;
        let company = companies::Entity::find_by_id(key)
            .one(&self.db)
            .await?
            .ok_or(DeleteCompanyError::NotFound(id.to_string()))?;
        authorize(&self.db, actor, id, &company).await?;
        if manages_any(&self.db, key).await? {
            return Err(DeleteCompanyError::HasManagedCompanies(id));
        }
        owned_rows(&self.db, key, Pass::Count).await.map_err(Into::into)
    }
}

impl Gateway {
    /// The role-level check of deletion, which comes before the company is looked up: callers that
    /// must answer "forbidden" before "not found" run it before parsing the id.
    pub(crate) fn ensure_may_delete(&self, actor: &Actor) -> Result<(), DeleteCompanyError> {
        may_delete_at_all(actor)
    }
}

impl RefusalRecord {
    fn of(e: &DeleteCompanyError) -> Option<Self> {
        match e {
            DeleteCompanyError::NotPermitted => Some(Self::NotPermitted),
            DeleteCompanyError::NotFound(_) => Some(Self::NotFound),
            DeleteCompanyError::Forbidden(_) => Some(Self::Forbidden),
            DeleteCompanyError::HasManagedCompanies(_) => Some(Self::HasManagedCompanies),
            DeleteCompanyError::IdempotencyKeyReused | DeleteCompanyError::Database(_) => None,
        }
    }

    fn into_error(self, id: CompanyId) -> DeleteCompanyError {
        match self {
            Self::NotPermitted => DeleteCompanyError::NotPermitted,
            Self::NotFound => DeleteCompanyError::NotFound(id.to_string()),
            Self::Forbidden => DeleteCompanyError::Forbidden(id),
            Self::HasManagedCompanies => DeleteCompanyError::HasManagedCompanies(id),
        }
    }
}

/// Resellers' API clients, and whoever the session dialect's deletion gate admits.
fn may_delete_at_all(actor: &Actor) -> Result<(), DeleteCompanyError> {
    let reseller = matches!(actor, Actor::Client { role: ClientRole::Reseller, .. });
    if reseller || crate::gate::GatedOperation::DeleteCompany.admits(actor) {
        Ok(())
    } else {
        Err(DeleteCompanyError::NotPermitted)
    }
}

async fn authorize(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CompanyId,
    company: &companies::Model,
) -> Result<(), DeleteCompanyError> {
    let allowed = match actor {
        Actor::God => true,
        // A company account deletes its own company only.
        Actor::Account { .. } => actor.is_account_of(id),
        // A reseller deletes what it manages, never its own company.
        Actor::Client { role: ClientRole::Reseller, company: own, .. } => manages(db, *own, &company.id).await?,
        _ => false,
    };
    if allowed { Ok(()) } else { Err(DeleteCompanyError::Forbidden(id)) }
}

async fn manages_any(db: &impl ConnectionTrait, key: &str) -> Result<bool, DbErr> {
    Ok(companies::Entity::find().filter(companies::Column::ParentId.eq(key)).count(db).await? > 0)
}

pub(crate) async fn tags_of(db: &impl ConnectionTrait, key: &str) -> Result<Vec<String>, DbErr> {
    company_tags::Entity::find()
        .select_only()
        .column(company_tags::Column::Tag)
        .filter(company_tags::Column::CompanyId.eq(key))
        .into_tuple()
        .all(db)
        .await
}

fn accounts_of(key: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(accounts::Column::Id)
        .from(accounts::Entity)
        .and_where(accounts::Column::CompanyId.eq(key))
        .to_owned()
}

fn clients_of(key: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(api_clients::Column::Id)
        .from(api_clients::Entity)
        .and_where(api_clients::Column::CompanyId.eq(key))
        .to_owned()
}

fn tokens_filter(key: &str) -> Condition {
    Condition::any()
        .add(access_tokens::Column::CompanyId.eq(key))
        .add(access_tokens::Column::ClientId.in_subquery(clients_of(key)))
}

/// Whether a pass over the owned rows only counts them (preview) or deletes them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Count,
    Delete,
}

/// The rows of `E` that `condition` selects: counted, or deleted with the number deleted.
async fn rows<E>(db: &impl ConnectionTrait, pass: Pass, condition: Condition) -> Result<u64, DbErr>
where
    E: EntityTrait,
    E::Model: Sync,
{
    match pass {
        Pass::Count => E::find().filter(condition).count(db).await,
        Pass::Delete => Ok(E::delete_many().filter(condition).exec(db).await?.rows_affected),
    }
}

/// Everything a company owns, children before parents in the order the foreign keys demand. The
/// preview and the deletion both go through here, so the receipt counts what the preview counted.
async fn owned_rows(db: &impl ConnectionTrait, key: &str, pass: Pass) -> Result<DeletionCounts, DbErr> {
    let of_company = |column: sea_orm::sea_query::SimpleExpr| Condition::all().add(column);
    let sessions =
        rows::<sessions::Entity>(db, pass, of_company(sessions::Column::AccountId.in_subquery(accounts_of(key))))
            .await?;
    let access_tokens = rows::<access_tokens::Entity>(db, pass, tokens_filter(key)).await?;
    let api_clients = rows::<api_clients::Entity>(db, pass, of_company(api_clients::Column::CompanyId.eq(key))).await?;
    let offers = rows::<offers::Entity>(db, pass, of_company(offers::Column::CompanyId.eq(key))).await?;
    let target_users =
        rows::<target_users::Entity>(db, pass, of_company(target_users::Column::CompanyId.eq(key))).await?;
    let tags = rows::<company_tags::Entity>(db, pass, of_company(company_tags::Column::CompanyId.eq(key))).await?;
    let accounts = rows::<accounts::Entity>(db, pass, of_company(accounts::Column::CompanyId.eq(key))).await?;
    let companies = rows::<companies::Entity>(db, pass, of_company(companies::Column::Id.eq(key))).await?;
    Ok(DeletionCounts { companies, offers, target_users, accounts, api_clients, access_tokens, sessions, tags })
}

fn deletion_subject(site: &str) -> String {
    format!("Your company account on {site} has been deleted")
}

fn deletion_body(company: &companies::Model) -> String {
    format!(
        "Hello,\n\nthe company \"{}\" and all of its data (offers, accounts, API clients, sessions) have been deleted.\n\
         This cannot be undone.\n",
        company.name
    )
}
