//! Who may try an operation at all, decided before its input is looked at: the session dialect's
//! gates, which are the original's `or` of members tried in order. Which members open which
//! operation, and what each member asks of the caller, are written down here only; operations
//! check their callers with the same table ([`GatedOperation::admits`]), and an adapter renders a
//! refusal from the members it lists ([`Refused`]).
use sea_orm::DbErr;

use crate::companies::state::{StateChange, StateChangeError};
use crate::entities::companies;
use crate::sessions::SessionAccount;
use crate::{Actor, CompanyId, DeleteCompanyError, DeletedCompany, DeletionCounts, Gateway};

/// Who a request says it is, as sent: its session cookie and the god token it carries.
#[derive(Clone, Copy, Debug, Default)]
pub struct Caller<'a> {
    pub session_cookie: Option<&'a str>,
    pub god_token: SentGodToken<'a>,
}

/// A god token as sent, after the dialect has judged what counts as none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SentGodToken<'a> {
    #[default]
    None,
    Text(&'a str),
    /// Something that is not text (it can never be the god token).
    Other,
}

/// A gated operation's refusal: the gate's (no member let the caller through), the input's (as the
/// adapter judged it, in its own terms `E`), or the operation's own.
#[derive(Debug)]
pub enum Gated<E, O> {
    Refused(Refused),
    Invalid(E),
    Failed(O),
}

/// A god token as a request presented it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GodToken {
    /// None was sent (or what was sent counts as none in the dialect).
    Absent,
    /// The configured god token.
    Valid,
    /// Something else.
    Wrong,
}

/// Who a request says it is: its session's account, if any, and the god token it presented.
#[derive(Debug)]
pub struct Presented {
    pub session: Option<SessionAccount>,
    pub god: GodToken,
}

impl Presented {
    /// The actor operations see: a valid god token outranks the session.
    pub fn actor(&self) -> Actor {
        if self.god == GodToken::Valid {
            return Actor::God;
        }
        self.session.as_ref().map(SessionAccount::actor).unwrap_or(Actor::Anonymous)
    }
}

impl Gateway {
    /// Who `caller` is: its session's account, if the cookie names a live session, and its god
    /// token judged against the configured one.
    pub async fn presented(&self, caller: Caller<'_>) -> Result<Presented, DbErr> {
        let session = match caller.session_cookie {
            Some(cookie) => self.session(cookie).await?,
            None => None,
        };
        let god = match caller.god_token {
            SentGodToken::None => GodToken::Absent,
            SentGodToken::Text(token) if self.is_god_token(token) => GodToken::Valid,
            SentGodToken::Text(_) | SentGodToken::Other => GodToken::Wrong,
        };
        Ok(Presented { session, god })
    }

    /// The gate of `operation` first, then the input as the adapter judged it (its syntax comes
    /// after the gate in the session dialect), giving the actor the operation runs as.
    async fn through_gate<I, E, O: From<DbErr>>(
        &self,
        operation: GatedOperation,
        caller: Caller<'_>,
        input: Result<I, E>,
    ) -> Result<(Actor, I), Gated<E, O>> {
        let presented = self.presented(caller).await.map_err(|e| Gated::Failed(e.into()))?;
        let actor = operation.admit(&presented).map_err(Gated::Refused)?;
        let input = input.map_err(Gated::Invalid)?;
        Ok((actor, input))
    }

    /// The session dialect's deletion in one call: the gate, the id as read, then
    /// [`Self::delete_company`].
    pub async fn delete_company_gated<E>(
        &self,
        caller: Caller<'_>,
        id: Result<CompanyId, E>,
    ) -> Result<DeletedCompany, Gated<E, DeleteCompanyError>> {
        let (actor, id) = self.through_gate(GatedOperation::DeleteCompany, caller, id).await?;
        self.delete_company(&actor, id).await.map_err(Gated::Failed)
    }

    /// [`Self::preview_deletion`] behind the deletion's gate, in the order of
    /// [`Self::delete_company_gated`].
    pub async fn preview_deletion_gated<E>(
        &self,
        caller: Caller<'_>,
        id: Result<CompanyId, E>,
    ) -> Result<DeletionCounts, Gated<E, DeleteCompanyError>> {
        let (actor, id) = self.through_gate(GatedOperation::DeleteCompany, caller, id).await?;
        self.preview_deletion(&actor, id).await.map_err(Gated::Failed)
    }

    /// A block, unblock, disable or enable in one call: the gate of `operation`, the input as
    /// read (the company and the change, which must be of `operation`), then the change.
    pub async fn change_company_state_gated<E>(
        &self,
        operation: GatedOperation,
        caller: Caller<'_>,
        input: Result<(CompanyId, StateChange), E>,
    ) -> Result<companies::Model, Gated<E, StateChangeError>> {
        let (actor, (id, change)) = self.through_gate(operation, caller, input).await?;
        if change.gate() != operation {
            return Err(Gated::Failed(StateChangeError::NotPermitted));
        }
        self.change_company_state(&actor, id, change).await.map_err(Gated::Failed)
    }
}

/// One way through a gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member {
    /// A session of an account that has a company.
    Company,
    /// A valid god token.
    God,
    /// A session of an admin account.
    Admin,
}

/// Why a member did not let the caller through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unmet {
    /// No session of a company account.
    NotACompany,
    /// No god token.
    NoGodToken,
    /// A god token that is not the configured one.
    WrongGodToken,
    /// No session of an admin account.
    NotAnAdmin,
}

/// No member let the caller through: why each did not, in member order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no gate member admits the caller: {0:?}")]
pub struct Refused(pub Vec<Unmet>);

/// The operations behind a gate, each with its members in the order they are tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GatedOperation {
    /// Deleting a company, and previewing the deletion.
    DeleteCompany,
    Block,
    Unblock,
    Disable,
    Enable,
}

impl GatedOperation {
    pub fn members(self) -> &'static [Member] {
        match self {
            Self::DeleteCompany | Self::Disable => &[Member::Company, Member::God],
            Self::Block | Self::Unblock => &[Member::God, Member::Admin],
            Self::Enable => &[Member::Company, Member::Admin, Member::God],
        }
    }

    /// Whether an actor gets through this operation's gate.
    pub fn admits(self, actor: &Actor) -> bool {
        self.members().iter().any(|member| member.admits(actor))
    }

    /// Lets the caller through (as the actor operations see) or lists why each member did not.
    pub fn admit(self, presented: &Presented) -> Result<Actor, Refused> {
        let mut unmet = Vec::with_capacity(self.members().len());
        for member in self.members() {
            match member.unmet_by(presented) {
                None => return Ok(presented.actor()),
                Some(why) => unmet.push(why),
            }
        }
        Err(Refused(unmet))
    }
}

impl Member {
    fn admits(self, actor: &Actor) -> bool {
        match self {
            Self::Company => matches!(actor, Actor::Account { company: Some(_), .. }),
            Self::God => matches!(actor, Actor::God),
            Self::Admin => actor.is_admin_account(),
        }
    }

    fn unmet_by(self, presented: &Presented) -> Option<Unmet> {
        let session = presented.session.as_ref().map(SessionAccount::actor).unwrap_or(Actor::Anonymous);
        match self {
            Self::Company => (!self.admits(&session)).then_some(Unmet::NotACompany),
            Self::God => match presented.god {
                GodToken::Valid => None,
                GodToken::Absent => Some(Unmet::NoGodToken),
                GodToken::Wrong => Some(Unmet::WrongGodToken),
            },
            Self::Admin => (!self.admits(&session)).then_some(Unmet::NotAnAdmin),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CompanyId;

    fn account(company: Option<&str>, is_admin: bool) -> Actor {
        Actor::Account { account: 1, company: company.and_then(CompanyId::from_resource_id), is_admin }
    }

    #[test]
    fn members_admit_the_actors_they_name() {
        let company = account(Some("Cust0mer0001"), false);
        let admin = account(None, true);
        use GatedOperation::*;
        for (operation, actor, admitted) in [
            (DeleteCompany, &company, true),
            (DeleteCompany, &Actor::God, true),
            (DeleteCompany, &admin, false),
            (Block, &admin, true),
            (Block, &company, false),
            (Unblock, &Actor::God, true),
            (Disable, &admin, false),
            (Disable, &company, true),
            (Enable, &admin, true),
            (Enable, &company, true),
            (Enable, &Actor::Anonymous, false),
        ] {
            assert_eq!(operation.admits(actor), admitted, "{operation:?} {actor:?}");
        }
    }

    #[test]
    fn a_refusal_lists_every_member_in_order() {
        let nobody = Presented { session: None, god: GodToken::Absent };
        assert_eq!(
            GatedOperation::Enable.admit(&nobody),
            Err(Refused(vec![Unmet::NotACompany, Unmet::NotAnAdmin, Unmet::NoGodToken]))
        );
        let wrong = Presented { session: None, god: GodToken::Wrong };
        assert_eq!(GatedOperation::Block.admit(&wrong), Err(Refused(vec![Unmet::WrongGodToken, Unmet::NotAnAdmin])));
        let god = Presented { session: None, god: GodToken::Valid };
        assert_eq!(GatedOperation::Disable.admit(&god), Ok(Actor::God));
    }
}
