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

/// A pattern matching exactly one of `names`, in any letter case (`[Aa][Bb]...`: patterns have no
/// portable flag for it).
pub fn any_case(names: &[&str]) -> String {
    let any = |name: &str| -> String {
        name.chars()
            .map(|c| match (c.to_ascii_uppercase(), c.to_ascii_lowercase()) {
                (upper, lower) if upper != lower => format!("[{upper}{lower}]"),
                _ => c.to_string(),
            })
            .collect()
    };
    format!("^(?:{})$", names.iter().map(|name| any(name)).collect::<Vec<_>>().join("|"))
}

/// A string matching `pattern`.
pub fn pattern(pattern: String) -> MetaSchema {
    MetaSchema { pattern: Some(pattern), ..MetaSchema::new("string") }
}

/// The name a path parameter has in the spec (poem-openapi's own errors call it `param0`).
pub trait ParamName: Send + Sync + 'static {
    const NAME: &'static str;
}

/// An int32 path parameter whose parse error names it as the spec does.
#[derive(Debug)]
pub struct PathInt<N>(pub i32, PhantomData<N>);

impl<N: ParamName> Type for PathInt<N> {
    const IS_REQUIRED: bool = true;
    type RawValueType = i32;
    type RawElementValueType = i32;

    fn name() -> Cow<'static, str> {
        i32::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        i32::schema_ref()
    }

    fn as_raw_value(&self) -> Option<&i32> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a i32> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl<N: ParamName> poem_openapi::types::ParseFromParameter for PathInt<N> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        value.parse().map(|n| Self(n, PhantomData)).map_err(|_| {
            ParseError::custom(format!("'{}' must be an integer from {} to {}", N::NAME, i32::MIN, i32::MAX))
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_name_in_any_case_is_one_pattern() {
        assert_eq!(super::any_case(&["Ab1", "c"]), "^(?:[Aa][Bb]1|[Cc])$");
    }
}
