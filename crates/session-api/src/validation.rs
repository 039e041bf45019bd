//! Field checks in the original's shape: every failing field is listed as
//! `{value?, msg, param, location}`, `value` absent when the field was missing.
use serde_json::Value;

use crate::error::{ErrorItem, SessionError};

pub struct Checks {
    location: &'static str,
    errors: Vec<ErrorItem>,
}

impl Checks {
    pub fn new(location: &'static str) -> Self {
        Self { location, errors: Vec::new() }
    }

    pub fn fail(&mut self, param: &str, msg: &str, value: Option<&Value>) {
        self.errors.push(ErrorItem::field(self.location, param, msg, value.cloned()));
    }

    /// A required string: `required` when absent, `must-be-string` for any other JSON type.
    pub fn string<'v>(&mut self, source: &'v Value, param: &str) -> Option<&'v str> {
        match source.get(param) {
            None => {
                self.fail(param, "required", None);
                None
            }
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                self.fail(param, "must-be-string", Some(other));
                None
            }
        }
    }

    /// Adds another location's failures after these.
    pub fn merge(mut self, other: Checks) -> Self {
        self.errors.extend(other.errors);
        self
    }

    /// The checked value, or a 422 listing every failure.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, SessionError> {
        match value {
            Some(v) if self.errors.is_empty() => Ok(v),
            _ => Err(SessionError::validation(self.errors)),
        }
    }
}
