//! The reply shape of every `/api` answer: `{data, status, message, validationMessages, isSuccess}`.
use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{Enum, Object};

/// A count as the vendor's int32 fields carry it (saturating: no count here comes near 2^31).
pub fn int32<N: TryInto<i32>>(n: N) -> i32 {
    n.try_into().unwrap_or(i32::MAX)
}

/// The vendor's `statusName` of a company's or an API client's `statusId` (1 Active, 2 Inactive).
pub fn status_name(status_id: i32) -> String {
    if status_id == 1 { "Active" } else { "Inactive" }.into()
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Success,
    InputError,
    Unauthorized,
    Forbidden,
    NotFound,
    Failed,
    TooManyRequests,
    InternalServerError,
    MethodNotAllowed,
    ServiceUnavailable,
}

/// A successful answer carrying `data`.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct Envelope<T: ParseFromJSON + ToJSON> {
    pub data: T,
    pub status: Status,
    #[oai(nullable)]
    pub message: Option<String>,
    #[oai(nullable)]
    pub validation_messages: Option<Vec<String>>,
    /// True exactly when `status` is `SUCCESS`.
    pub is_success: bool,
}

impl<T: ParseFromJSON + ToJSON> Envelope<T> {
    pub fn success(data: T, message: Option<&str>) -> Json<Self> {
        Json(Self {
            data,
            status: Status::Success,
            message: message.map(Into::into),
            validation_messages: None,
            is_success: true,
        })
    }
}

/// An error answer: `data` is always null.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct ErrorEnvelope {
    /// Always null on errors.
    #[oai(nullable)]
    pub data: Option<serde_json::Value>,
    pub status: Status,
    #[oai(nullable)]
    pub message: Option<String>,
    /// One line per problem for `INPUT_ERROR`, else null.
    #[oai(nullable)]
    pub validation_messages: Option<Vec<String>>,
    /// Always false on errors.
    pub is_success: bool,
}

impl ErrorEnvelope {
    pub fn new(status: Status, message: impl Into<String>, validation_messages: Option<Vec<String>>) -> Self {
        Self { data: None, status, message: Some(message.into()), validation_messages, is_success: false }
    }
}
