//! An optional JSON body, read as the original reads it: no body, or a body that is not declared
//! as JSON, is an empty object; a body declared as JSON that does not parse, or is not an object,
//! is `invalid-json`.
//! The spec documents the typed schema `T`; handlers validate the raw value themselves.
use std::marker::PhantomData;

use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaMediaType, MetaRequest, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde_json::Value;

/// `REQUIRED` is what the spec says; either way a missing body reads as `{}`, so its fields are
/// reported as `required` in the original's shape rather than as a parse failure.
pub struct JsonBody<T, const REQUIRED: bool = false> {
    pub value: Value,
    _schema: PhantomData<T>,
}

impl<T, const REQUIRED: bool> JsonBody<T, REQUIRED> {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.value.get(name)
    }
}

impl<'a, T: Type, const REQUIRED: bool> ApiExtractor<'a> for JsonBody<T, REQUIRED> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType { content_type: "application/json", schema: T::schema_ref() }],
            required: REQUIRED,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        Ok(Self { value: json_object(request, body).await?, _schema: PhantomData })
    }
}

/// The body as the original reads it (see the module's doc).
async fn json_object(request: &Request, body: &mut RequestBody) -> poem::Result<Value> {
    let declared_json = request.content_type().is_some_and(|ct| {
        let essence = ct.split(';').next().unwrap_or("").trim();
        essence.eq_ignore_ascii_case("application/json") || essence.ends_with("+json")
    });
    let bytes = match body.take() {
        Ok(b) => b.into_bytes().await.map_err(|_| invalid_json())?,
        Err(_) => Default::default(),
    };
    if !declared_json || bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(&bytes).ok().filter(Value::is_object).ok_or_else(invalid_json)
}

/// The JSON body of a GET, read as the original reads every body (it parses GET bodies too, and
/// takes the god token from them). Not in the spec, whose GETs take `god_token` as a query
/// parameter: a GET with a body is outside what OpenAPI clients send.
pub struct GetBody(Value);

impl GetBody {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}

impl<'a> poem::FromRequest<'a> for GetBody {
    async fn from_request(request: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        json_object(request, body).await.map(Self)
    }
}

fn invalid_json() -> poem::Error {
    poem::Error::from_status(poem::http::StatusCode::BAD_REQUEST)
}
