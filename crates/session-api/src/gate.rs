//! The original's `or` combinator: members are tried in order, the first that passes admits the
//! request, and otherwise the answer is 401 `insufficient-permissions` listing each member's
//! failure in member order.
use companygate_domain::sessions::SessionAccount;
use companygate_domain::{Actor, Gateway};
use serde_json::Value;

use crate::error::{ErrorItem, FORBIDDEN, GateFailure, SessionError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member {
    /// A session of an account that has a company.
    Company,
    /// A valid god token.
    God,
    /// A session of an admin account.
    Admin,
}

/// What a request carried that gates look at.
#[derive(Debug)]
pub struct Caller {
    pub session: Option<SessionAccount>,
    pub god: GodToken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GodToken {
    /// Absent, or falsy in the JavaScript sense (`""`, `0`, `false`, `null`).
    Absent,
    Valid,
    Wrong,
}

impl GodToken {
    /// Only a string can match; any other truthy value is simply wrong.
    pub fn judge(gateway: &Gateway, value: Option<&Value>) -> Self {
        match value {
            None | Some(Value::Null) | Some(Value::Bool(false)) => Self::Absent,
            Some(Value::String(s)) if s.is_empty() => Self::Absent,
            Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Self::Absent,
            Some(Value::String(s)) if gateway.is_god_token(s) => Self::Valid,
            Some(_) => Self::Wrong,
        }
    }
}

impl Caller {
    /// The actor core operations see: a valid god token outranks the session.
    pub fn actor(&self) -> Actor {
        if self.god == GodToken::Valid {
            return Actor::God;
        }
        self.session.as_ref().map(SessionAccount::actor).unwrap_or(Actor::Anonymous)
    }

    fn failure(&self, member: Member) -> Option<&'static str> {
        match member {
            Member::Company if self.session.as_ref().is_some_and(|s| s.account.company_id.is_some()) => None,
            Member::Company => Some("must-be-company"),
            Member::God => match self.god {
                GodToken::Valid => None,
                GodToken::Absent => Some("must-be-god"),
                GodToken::Wrong => Some("invalid-god-token"),
            },
            Member::Admin if self.session.as_ref().is_some_and(|s| s.actor().is_admin_account()) => None,
            Member::Admin => Some("must-be-admin"),
        }
    }
}

/// Admits the caller if any member passes.
pub fn or(members: &[Member], caller: &Caller) -> Result<(), SessionError> {
    let mut failures = Vec::with_capacity(members.len());
    for member in members {
        match caller.failure(*member) {
            None => return Ok(()),
            Some(msg) => failures.push(GateFailure { error_code: FORBIDDEN, errors: vec![ErrorItem::msg(msg)] }),
        }
    }
    Err(SessionError::gate(failures))
}
