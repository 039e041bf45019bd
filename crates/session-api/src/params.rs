//! Parameters taken as the text sent while the spec documents what the server accepts. The gate
//! answers before parameters are judged (a bad id without credentials is a 401, not a 422), and
//! the handler reports a bad value in the dialect's own words, so poem-openapi must not parse them.
use std::borrow::Cow;
use std::marker::PhantomData;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseFromParameter, ParseResult, ToJSON, Type};

/// What the spec says of a raw parameter.
pub trait Documented: Send + Sync + 'static {
    fn schema() -> MetaSchema;
}

/// A parameter's text as sent, documented by `D`.
#[derive(Debug, Clone)]
pub struct Raw<D>(pub String, PhantomData<D>);

impl<D> Raw<D> {
    pub fn new(text: String) -> Self {
        Self(text, PhantomData)
    }
}

impl<D> std::ops::Deref for Raw<D> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<D: Documented> Type for Raw<D> {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        D::schema().ty.into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(D::schema()))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl<D: Documented> ToJSON for Raw<D> {
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::String(self.0.clone()))
    }
}

impl<D: Documented> ParseFromParameter for Raw<D> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Ok(Self::new(value.to_owned()))
    }
}

/// 24 hex digits (any case), or 12 printable ASCII characters other than `/`.
pub const COMPANY_ID_PATTERN: &str = "^(?:[0-9a-fA-F]{24}|[ -.0-~]{12})$";

#[derive(Debug, Clone)]
pub struct CompanyIdText;

impl Documented for CompanyIdText {
    fn schema() -> MetaSchema {
        MetaSchema { pattern: Some(COMPANY_ID_PATTERN.into()), ..MetaSchema::new("string") }
    }
}

/// The `companyId` path parameter.
pub type CompanyIdParam = Raw<CompanyIdText>;

/// An integer query parameter within `MIN..=MAX` (`MAX` 0: unbounded).
#[derive(Debug, Clone)]
pub struct IntegerText<const MIN: i64, const MAX: i64>;

impl<const MIN: i64, const MAX: i64> Documented for IntegerText<MIN, MAX> {
    fn schema() -> MetaSchema {
        MetaSchema {
            format: Some("int64"),
            minimum: Some(MIN as f64),
            maximum: (MAX > 0).then_some(MAX as f64),
            ..MetaSchema::new("integer")
        }
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
