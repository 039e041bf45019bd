//! The `companyId` path parameter as the spec documents it: 24 hex digits or 12 characters. It is
//! taken as any string, because the gate answers before the id is judged (a bad id without
//! credentials is a 401, not a 422); the handler checks the syntax in its turn.
use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseFromParameter, ParseResult, ToJSON, Type};

/// 24 hex digits (any case), or 12 printable ASCII characters other than `/`.
pub const PATTERN: &str = "^(?:[0-9a-fA-F]{24}|[ -.0-~]{12})$";

#[derive(Debug, Clone)]
pub struct CompanyIdParam(pub String);

impl std::ops::Deref for CompanyIdParam {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Type for CompanyIdParam {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema { pattern: Some(PATTERN.into()), ..MetaSchema::new("string") }))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ToJSON for CompanyIdParam {
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::String(self.0.clone()))
    }
}

impl ParseFromParameter for CompanyIdParam {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Ok(Self(value.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_documented_pattern_admits_what_the_dialect_accepts() {
        // Checked by hand against the pattern's two branches; the dialect's parser is the
        // authority (`CompanyId::parse_session_id`).
        for ok in ["43757374306d657230303031", "43757374306D657230303031", "Cust0mer0001", "abc def ghi!"] {
            assert!(companygate_domain::CompanyId::parse_session_id(ok).is_some(), "{ok}");
        }
    }
}
