//! A JSON answer written straight from the data with serde, documented as the poem-openapi type
//! `T` it has the shape of. poem-openapi's `Json` builds a `serde_json::Value` tree of the whole
//! answer before writing it, which for a tree of thousands of companies costs more than reading
//! them; this writes the bytes once. A test per use pins that the bytes are what `Json<T>` would
//! have sent.
use std::marker::PhantomData;

use poem::{IntoResponse, Response};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;

pub struct Rendered<T> {
    body: Vec<u8>,
    documented: PhantomData<fn() -> T>,
}

impl<T> Rendered<T> {
    pub fn new(value: &impl serde::Serialize) -> Result<Self, serde_json::Error> {
        Ok(Self { body: serde_json::to_vec(value)?, documented: PhantomData })
    }

    #[cfg(test)]
    pub fn bytes(&self) -> &[u8] {
        &self.body
    }
}

impl<T: Type> Payload for Rendered<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type> IntoResponse for Rendered<T> {
    fn into_response(self) -> Response {
        Response::builder().content_type(<Self as Payload>::CONTENT_TYPE).body(self.body)
    }
}
