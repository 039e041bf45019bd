//! Strings of the request bodies' documented schemas that poem-openapi never parses (the bodies are
//! read leniently, so every problem is reported in the dialect's words): the spec states what the
//! server accepts, e.g. as a pattern, which client generators handle better than enums of symbols
//! such as `>=` or nullable enum references.
use std::borrow::Cow;
use std::marker::PhantomData;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseFromMultipartField, ParseResult, ToJSON, Type};
use serde_json::Value;

/// What the spec says of a documented string.
pub trait Documented: Send + Sync + 'static {
    fn schema() -> MetaSchema;
}

/// A string field documented by `D`.
#[derive(Debug)]
pub struct Text<D>(pub String, PhantomData<D>);

impl<D> Text<D> {
    pub fn new(text: String) -> Self {
        Self(text, PhantomData)
    }
}

impl<D: Documented> Type for Text<D> {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(D::schema()))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl<D: Documented> ParseFromJSON for Text<D> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(text)) => Ok(Self(text, PhantomData)),
            _ => Err(ParseError::expected_type(Value::Null)),
        }
    }
}

impl<D: Documented> ToJSON for Text<D> {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

impl<D: Documented> ParseFromMultipartField for Text<D> {
    async fn parse_from_multipart(field: Option<poem::web::Field>) -> ParseResult<Self> {
        String::parse_from_multipart(field).await.map(|text| Self(text, PhantomData)).map_err(ParseError::propagate)
    }
}

/// A string matching `pattern`.
pub fn pattern(pattern: String) -> MetaSchema {
    MetaSchema { pattern: Some(pattern), ..MetaSchema::new("string") }
}
