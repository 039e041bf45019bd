//! Blocking, unblocking, disabling and enabling a company (session dialect). Each change bumps
//! the company's version; blocking or disabling hides its offers, and undoing it shows them again.
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QuerySelect};

use crate::entities::{accounts, companies, offers};
use crate::gate::GatedOperation;
use crate::{Actor, CompanyId, Gateway};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateChange {
    /// By an admin (or god), with the reason shown to the company.
    Block {
        reason: String,
    },
    Unblock,
    /// By the company itself (or god).
    Disable,
    /// By the company itself, an admin or god.
    Enable,
}

impl StateChange {
    /// The gate in front of this change.
    pub fn gate(&self) -> GatedOperation {
        match self {
            Self::Block { .. } => GatedOperation::Block,
            Self::Unblock => GatedOperation::Unblock,
            Self::Disable => GatedOperation::Disable,
            Self::Enable => GatedOperation::Enable,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StateChangeError {
    #[error("actor may not make this change at all")]
    NotPermitted,
    #[error("company {0} does not exist")]
    NotFound(CompanyId),
    #[error("actor may not change company {0}")]
    Forbidden(CompanyId),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Whether taking a company's lock also counts as a change of it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bump {
    /// `version = version + 1`: the change is one more version of the company.
    Version,
    /// The lock only (a deletion removes the row anyway).
    LockOnly,
}

/// Writes the company's row as the transaction's first statement, which takes its row lock on
/// PostgreSQL (SQLite's writes are one at a time already), so concurrent writers of one company
/// queue here and each sees the committed result of the one before; the version is bumped in SQL,
/// so no bump is lost. `false` when there is no such company.
pub(crate) async fn lock_company(txn: &DatabaseTransaction, key: &str, bump: Bump) -> Result<bool, DbErr> {
    let version = Expr::col(companies::Column::Version);
    let version = if bump == Bump::Version { version.add(1) } else { version.into() };
    let written = companies::Entity::update_many()
        .col_expr(companies::Column::Version, version)
        .filter(companies::Column::Id.eq(key))
        .exec(txn)
        .await?;
    Ok(written.rows_affected > 0)
}

const HIDDEN_BY_BLOCK: &str = "COMPANY_BLOCKED";
const HIDDEN_BY_DISABLE: &str = "COMPANY_DISABLED";

impl Gateway {
    /// Applies `change` and returns the company as it is afterwards.
    pub(crate) async fn change_company_state(
        &self,
        actor: &Actor,
        id: CompanyId,
        change: StateChange,
    ) -> Result<companies::Model, StateChangeError> {
        if !change.gate().admits(actor) {
            return Err(StateChangeError::NotPermitted);
        }
        let key = id.resource_id().ok_or(StateChangeError::NotFound(id))?;
        let txn = self.writer.begin().await?;
        if !lock_company(&txn, key, Bump::Version).await? {
            return Err(StateChangeError::NotFound(id));
        }
        let allowed = match change {
            StateChange::Block { .. } | StateChange::Unblock => true,
            StateChange::Disable => matches!(actor, Actor::God) || actor.is_account_of(id),
            StateChange::Enable => actor.has_admin_privileges() || actor.is_account_of(id),
        };
        if !allowed {
            // Dropping the transaction rolls the bump back.
            return Err(StateChangeError::Forbidden(id));
        }
        let update = companies::Entity::update_many().filter(companies::Column::Id.eq(key));
        let (update, hide, show) = match &change {
            StateChange::Block { reason } => (
                update
                    .col_expr(companies::Column::IsBlocked, Expr::value(true))
                    .col_expr(companies::Column::AdminReason, Expr::value(reason.clone())),
                Some(HIDDEN_BY_BLOCK),
                None,
            ),
            StateChange::Unblock => (
                update
                    .col_expr(companies::Column::IsBlocked, Expr::value(false))
                    .col_expr(companies::Column::AdminReason, Expr::value(Option::<String>::None)),
                None,
                Some(HIDDEN_BY_BLOCK),
            ),
            StateChange::Disable => {
                (update.col_expr(companies::Column::IsDisabled, Expr::value(true)), Some(HIDDEN_BY_DISABLE), None)
            }
            StateChange::Enable => {
                (update.col_expr(companies::Column::IsDisabled, Expr::value(false)), None, Some(HIDDEN_BY_DISABLE))
            }
        };
        update.exec(&txn).await?;
        if let Some(reason) = hide {
            // Offers hidden for another reason keep that reason.
            offers::Entity::update_many()
                .col_expr(offers::Column::IsHidden, Expr::value(true))
                .col_expr(offers::Column::HiddenReason, Expr::value(reason))
                .col_expr(offers::Column::UpdateTime, Expr::value(chrono::Utc::now()))
                .filter(offers::Column::CompanyId.eq(key))
                .filter(offers::Column::IsHidden.eq(false))
                .exec(&txn)
                .await?;
        }
        if let Some(reason) = show {
            offers::Entity::update_many()
                .col_expr(offers::Column::IsHidden, Expr::value(false))
                .col_expr(offers::Column::HiddenReason, Expr::value(Option::<String>::None))
                .col_expr(offers::Column::UpdateTime, Expr::value(chrono::Utc::now()))
                .filter(offers::Column::CompanyId.eq(key))
                .filter(offers::Column::HiddenReason.eq(reason))
                .exec(&txn)
                .await?;
        }
        let updated = companies::Entity::find_by_id(key).one(&txn).await?.ok_or(StateChangeError::NotFound(id))?;
        // The company's accounts are told, as upstream tells them, by the outbox: the notice is
        // sent if and only if the change commits.
        let emails: Vec<String> = accounts::Entity::find()
            .select_only()
            .column(accounts::Column::Email)
            .filter(accounts::Column::CompanyId.eq(key))
            .into_tuple()
            .all(&txn)
            .await?;
        let (subject, body) = notice(&self.config.site_name, &change, &updated.name);
        for email in &emails {
            self.mail.enqueue(&txn, email, &subject, &body).await?;
        }
        txn.commit().await?;
        if !emails.is_empty() {
            self.mail.wake();
        }
        tracing::info!(company_id = %id, actor = %actor.audit_name(), change = ?change_name(&change), "company state changed");
        Ok(updated)
    }
}

/// The notice a company's accounts get of a change: "Your company account on <site> has been
/// blocked" (unblocked, disabled, enabled), as upstream words it.
fn notice(site: &str, change: &StateChange, company: &str) -> (String, String) {
    let done = match change {
        StateChange::Block { .. } => "blocked",
        StateChange::Unblock => "unblocked",
        StateChange::Disable => "disabled",
        StateChange::Enable => "enabled",
    };
    let subject = format!("Your company account on {site} has been {done}");
    let mut body = format!("Hello,\n\nthe company \"{company}\" has been {done} on {site}.\n");
    if let StateChange::Block { reason } = change {
        body.push_str(&format!("Reason given: {reason}\n"));
    }
    (subject, body)
}

fn change_name(change: &StateChange) -> &'static str {
    match change {
        StateChange::Block { .. } => "block",
        StateChange::Unblock => "unblock",
        StateChange::Disable => "disable",
        StateChange::Enable => "enable",
    }
}
