//! The dialect's side of the core's gates (`companygate_domain::gate`): what counts as a god token
//! in a request (JavaScript truthiness, as in the original), and the 401 `insufficient-permissions`
//! answer listing, in member order, why each member of the gate did not let the caller through.
use companygate_domain::Actor;
use companygate_domain::Gateway;
use companygate_domain::gate::{GatedOperation, GodToken, Presented, Unmet};
use serde_json::Value;

use crate::error::{ErrorItem, FORBIDDEN, GateFailure, SessionError};

/// A `god_token` as sent: absent or falsy in the JavaScript sense (`""`, `0`, `false`, `null`) is
/// none; only a string can match; any other truthy value is simply wrong.
pub fn judge_god_token(gateway: &Gateway, value: Option<&Value>) -> GodToken {
    match value {
        None | Some(Value::Null) | Some(Value::Bool(false)) => GodToken::Absent,
        Some(Value::String(s)) if s.is_empty() => GodToken::Absent,
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => GodToken::Absent,
        Some(Value::String(s)) if gateway.is_god_token(s) => GodToken::Valid,
        Some(_) => GodToken::Wrong,
    }
}

fn message(unmet: Unmet) -> &'static str {
    match unmet {
        Unmet::NotACompany => "must-be-company",
        Unmet::NoGodToken => "must-be-god",
        Unmet::WrongGodToken => "invalid-god-token",
        Unmet::NotAnAdmin => "must-be-admin",
    }
}

/// The core's gate of `operation`, with its refusal in the dialect's words.
pub fn admit(operation: GatedOperation, presented: &Presented) -> Result<Actor, SessionError> {
    operation.admit(presented).map_err(|refused| {
        let failures = refused
            .0
            .into_iter()
            .map(|unmet| GateFailure { error_code: FORBIDDEN, errors: vec![ErrorItem::msg(message(unmet))] })
            .collect();
        SessionError::gate(failures)
    })
}
