//! A JSON request body read leniently and validated by hand, so every problem is reported (one line
//! each) instead of the first, and type mismatches are input errors rather than coercions. The
//! spec still documents the typed schema `T`.
use std::marker::PhantomData;

use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaSchema, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde_json::Value;

/// `NULLABLE`: the body may also be JSON `null` (the spec says so; the operation reads it as `{}`).
pub struct JsonBody<T, const NULLABLE: bool = false> {
    pub value: Value,
    _schema: PhantomData<T>,
}

impl<'a, T: Type, const NULLABLE: bool> ApiExtractor<'a> for JsonBody<T, NULLABLE> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: "application/json",
                schema: match NULLABLE {
                    true => T::schema_ref().merge(MetaSchema { nullable: true, ..MetaSchema::ANY }),
                    false => T::schema_ref(),
                },
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        // The vendor's spec lists `application/json`, `text/json` and `application/*+json`.
        let is_json = request.content_type().is_some_and(|ct| {
            let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            essence == "application/json" || essence == "text/json" || essence.ends_with("+json")
        });
        if !is_json {
            return Err(input_error("Content-Type must be application/json"));
        }
        let bytes = body.take()?.into_bytes().await.map_err(|_| input_error("The request body could not be read"))?;
        let value = serde_json::from_slice(&bytes).map_err(|e| input_error(format!("Malformed JSON: {e}")))?;
        Ok(Self { value, _schema: PhantomData })
    }
}

fn input_error(message: impl Into<String>) -> poem::Error {
    poem::Error::from_string(message, poem::http::StatusCode::BAD_REQUEST)
}

/// Collects problems with named fields of a JSON object.
pub struct Fields<'v> {
    object: Option<&'v serde_json::Map<String, Value>>,
    pub problems: Vec<String>,
}

impl<'v> Fields<'v> {
    pub fn of(value: &'v Value) -> Self {
        let object = value.as_object();
        let problems = if object.is_none() { vec!["The body must be a JSON object".to_owned()] } else { Vec::new() };
        Self { object, problems }
    }

    fn get(&self, name: &str) -> Option<&'v Value> {
        self.object.and_then(|o| o.get(name)).filter(|v| !v.is_null())
    }

    /// The raw value of an optional field (absent and null are the same).
    pub fn optional(&self, name: &str) -> Option<&'v Value> {
        self.get(name)
    }

    /// An integer in `min..=max`; `max: None` means no upper bound worth naming.
    pub fn required_int(&mut self, name: &str, min: i64, max: Option<i64>) -> Option<i64> {
        let range = match max {
            Some(max) => format!("from {min} to {max}"),
            None => format!("of at least {min}"),
        };
        match self.get(name) {
            None if self.object.is_some() => self.problem(format!("'{name}' is required")),
            None => None,
            Some(v) => match v.as_i64() {
                Some(n) if n >= min && n <= max.unwrap_or(i32::MAX as i64) => Some(n),
                _ => self.problem(format!("'{name}' must be an integer {range}")),
            },
        }
    }

    /// An integer in `min..=max`, or `default` where absent or null.
    pub fn int_or(&mut self, name: &str, default: i64, min: i64, max: i64) -> Option<i64> {
        match self.get(name) {
            None => Some(default),
            Some(_) => self.required_int(name, min, Some(max)),
        }
    }

    pub fn required_bool(&mut self, name: &str) -> Option<bool> {
        match self.get(name) {
            None if self.object.is_some() => self.problem(format!("'{name}' is required")),
            None => None,
            Some(v) => v.as_bool().or_else(|| self.problem(format!("'{name}' must be true or false"))),
        }
    }

    pub fn optional_bool(&mut self, name: &str) -> Option<bool> {
        let v = self.get(name)?;
        v.as_bool().or_else(|| self.problem(format!("'{name}' must be true or false")))
    }

    pub fn required_str(&mut self, name: &str) -> Option<&'v str> {
        match self.get(name) {
            None if self.object.is_some() => self.problem(format!("'{name}' is required")),
            None => None,
            Some(v) => v.as_str().or_else(|| self.problem(format!("'{name}' must be a string"))),
        }
    }

    /// An optional string (absent or null is `None`).
    pub fn optional_str(&mut self, name: &str) -> Option<&'v str> {
        let v = self.get(name)?;
        v.as_str().or_else(|| self.problem(format!("'{name}' must be a string")))
    }

    pub fn optional_int(&mut self, name: &str) -> Option<i64> {
        let v = self.get(name)?;
        v.as_i64().or_else(|| self.problem(format!("'{name}' must be an integer")))
    }

    /// An optional array of strings; absent or null is empty.
    pub fn string_list(&mut self, name: &str) -> Vec<String> {
        match self.get(name) {
            None => Vec::new(),
            Some(serde_json::Value::Array(a)) if a.iter().all(serde_json::Value::is_string) => {
                a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
            }
            Some(_) => {
                self.problems.push(format!("'{name}' must be an array of strings"));
                Vec::new()
            }
        }
    }

    pub fn problem<X>(&mut self, line: String) -> Option<X> {
        self.problems.push(line);
        None
    }
}
