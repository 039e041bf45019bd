//! Every failure of the dialect, as `{error_code, errors:[{msg,...}], or?}`, mapped in one place.
use companygate_domain::DeleteCompanyError;
use companygate_domain::companies::profile::{ClosedProfile, LookupError};
use companygate_domain::companies::state::StateChangeError;
use companygate_domain::credentials::passwords::Overloaded;
use companygate_domain::gate::{Gated, Refused, Unmet};
use companygate_domain::{DbErr, database};
use poem::http::StatusCode;
use poem_openapi::Object;

pub const VALIDATION: i32 = 1;
pub const FORBIDDEN: i32 = 3;
pub const UNEXPECTED: i32 = 99;

/// One problem. `value`, `param` and `location` are present for validation errors.
#[derive(Object, Debug, Clone, PartialEq)]
pub struct ErrorItem {
    /// The offending value; absent when the field was missing.
    #[oai(skip_serializing_if_is_none)]
    pub value: Option<serde_json::Value>,
    pub msg: String,
    #[oai(skip_serializing_if_is_none)]
    pub param: Option<String>,
    /// `params`, `body` or `query`.
    #[oai(skip_serializing_if_is_none)]
    pub location: Option<String>,
}

impl ErrorItem {
    pub fn msg(msg: impl Into<String>) -> Self {
        Self { value: None, msg: msg.into(), param: None, location: None }
    }

    pub fn field(location: &str, param: &str, msg: impl Into<String>, value: Option<serde_json::Value>) -> Self {
        Self { value, msg: msg.into(), param: Some(param.into()), location: Some(location.into()) }
    }
}

/// One failed member of an `or` gate.
#[derive(Object, Debug, Clone)]
pub struct GateFailure {
    pub error_code: i32,
    pub errors: Vec<ErrorItem>,
}

/// Error body. Codes: 1 validation, 2 file, 3 forbidden, 99 unexpected.
#[derive(Object, Debug, Clone)]
pub struct ErrorBody {
    pub error_code: i32,
    pub errors: Vec<ErrorItem>,
    /// For a failed gate: each member's failure, in member order.
    #[oai(skip_serializing_if_is_none)]
    pub or: Option<Vec<GateFailure>>,
}

#[derive(Debug, Clone)]
pub struct SessionError {
    pub status: StatusCode,
    pub body: ErrorBody,
    /// `Retry-After` seconds, for 429 and 503.
    pub retry_after: Option<u64>,
}

impl SessionError {
    fn new(status: StatusCode, error_code: i32, errors: Vec<ErrorItem>) -> Self {
        Self { status, body: ErrorBody { error_code, errors, or: None }, retry_after: None }
    }

    pub fn validation(errors: Vec<ErrorItem>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, VALIDATION, errors)
    }

    pub fn invalid_json() -> Self {
        Self::new(StatusCode::BAD_REQUEST, VALIDATION, vec![ErrorItem::msg("invalid-json")])
    }

    pub fn body_too_large() -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, VALIDATION, vec![ErrorItem::msg("body-too-large")])
    }

    pub fn login_required() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, FORBIDDEN, vec![ErrorItem::msg("login-required")])
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        let msg = format!("too-many-requests:retry-after-{retry_after}");
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, FORBIDDEN, vec![ErrorItem::msg(msg)]);
        e.retry_after = Some(retry_after);
        e
    }

    /// 503: the database is unreachable or the gateway overloaded; retry later.
    pub fn unavailable() -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, UNEXPECTED, vec![ErrorItem::msg("service-unavailable")]);
        e.retry_after = Some(database::RETRY_AFTER_SECS);
        e
    }

    /// A database failure: 503 when the database is unreachable or busy (the core tells),
    /// otherwise 500.
    pub fn database(cause: DbErr) -> Self {
        if database::is_unavailable(&cause) {
            tracing::warn!(%cause, "database unavailable");
            Self::unavailable()
        } else {
            Self::unexpected(cause)
        }
    }

    /// Too many password checks waiting.
    pub fn overloaded(cause: Overloaded) -> Self {
        tracing::warn!(%cause, "overloaded");
        Self::unavailable()
    }

    /// 405; the server adds `Allow` with the methods the path serves.
    pub fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, VALIDATION, vec![ErrorItem::msg("method-not-allowed")])
    }

    pub fn forbidden(msg: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, FORBIDDEN, vec![ErrorItem::msg(msg)])
    }

    /// 401 `insufficient-permissions`, with one `or` entry per gate member that did not let the
    /// caller through, in member order.
    pub fn refused(refused: Refused) -> Self {
        let failures = refused
            .0
            .into_iter()
            .map(|unmet| GateFailure { error_code: FORBIDDEN, errors: vec![ErrorItem::msg(unmet_message(unmet))] })
            .collect();
        let mut e = Self::new(StatusCode::UNAUTHORIZED, FORBIDDEN, vec![ErrorItem::msg("insufficient-permissions")]);
        e.body.or = Some(failures);
        e
    }

    /// A gated operation's refusal: the gate's, the input's (already in the dialect's terms), or
    /// the operation's, through `failed`.
    pub fn from_gated<O>(e: Gated<SessionError, O>, failed: impl FnOnce(O) -> Self) -> Self {
        match e {
            Gated::Refused(refused) => Self::refused(refused),
            Gated::Invalid(invalid) => invalid,
            Gated::Failed(cause) => failed(cause),
        }
    }

    pub fn conflict(msg: &str) -> Self {
        Self::new(StatusCode::CONFLICT, VALIDATION, vec![ErrorItem::msg(msg)])
    }

    pub fn not_found_route() -> Self {
        Self::new(StatusCode::NOT_FOUND, VALIDATION, vec![ErrorItem::msg("not-found")])
    }

    /// Logs the cause; the client only learns that something unexpected happened.
    pub fn unexpected(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "unexpected failure");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, UNEXPECTED, vec![ErrorItem::msg("unexpected-error")])
    }

    /// The 422 for an id that names no company; `raw` is the id exactly as sent.
    pub fn no_company(raw: &str) -> Self {
        Self::validation(vec![ErrorItem::field(
            "params",
            "companyId",
            format!("no-company-found-with-id:{raw}"),
            Some(raw.into()),
        )])
    }

    pub fn invalid_id(raw: &str) -> Self {
        Self::validation(vec![ErrorItem::field("params", "companyId", "must-be-a-valid-id", Some(raw.into()))])
    }

    /// Errors raised before a handler runs (unreadable body, unknown route, ...).
    pub fn from_poem(err: &poem::Error) -> Self {
        match err.status() {
            // Only a missing session cookie fails authentication before a handler runs.
            StatusCode::UNAUTHORIZED => Self::login_required(),
            StatusCode::NOT_FOUND => Self::not_found_route(),
            StatusCode::METHOD_NOT_ALLOWED => Self::method_not_allowed(),
            StatusCode::SERVICE_UNAVAILABLE => Self::unavailable(),
            s if s.is_server_error() => Self::unexpected(err),
            _ => Self::invalid_json(),
        }
    }

    /// Maps a deletion outcome; `raw` is the company id as sent.
    pub fn from_delete(e: DeleteCompanyError, raw: &str) -> Self {
        match e {
            // The handler's gate admits only actors the core lets try; this is a second line.
            DeleteCompanyError::NotPermitted => Self::forbidden("insufficient-permissions"),
            DeleteCompanyError::NotFound(_) => Self::no_company(raw),
            DeleteCompanyError::Forbidden(_) => Self::forbidden("insufficient-permissions-to-manage-company-settings"),
            DeleteCompanyError::HasManagedCompanies(_) => Self::conflict("company-has-managed-companies"),
            // The session dialect sends no idempotency keys.
            DeleteCompanyError::IdempotencyKeyReused => Self::unexpected(e),
            DeleteCompanyError::Database(cause) => Self::database(cause),
        }
    }

    pub fn from_state_change(e: StateChangeError, raw: &str) -> Self {
        match e {
            StateChangeError::NotPermitted => Self::forbidden("insufficient-permissions"),
            StateChangeError::NotFound(_) => Self::no_company(raw),
            StateChangeError::Forbidden(_) => Self::forbidden("insufficient-permissions-to-manage-company-settings"),
            StateChangeError::Database(cause) => Self::database(cause),
        }
    }

    pub fn from_lookup(e: LookupError, raw: &str) -> Self {
        match e {
            LookupError::NotFound(_) => Self::no_company(raw),
            LookupError::Closed(ClosedProfile::RegistrationNotFinished) => {
                Self::forbidden("registration-not-finished-yet")
            }
            LookupError::Closed(ClosedProfile::Blocked) => Self::forbidden("company-blocked"),
            LookupError::Database(cause) => Self::database(cause),
        }
    }
}

impl poem::IntoResponse for SessionError {
    fn into_response(self) -> poem::Response {
        let mut response = poem_openapi::payload::Json(self.body).into_response();
        response.set_status(self.status);
        if let Some(after) = self.retry_after {
            response.headers_mut().insert("Retry-After", after.into());
        }
        response
    }
}

/// Declares an operation's response: the 200 body, the error statuses the operation can answer
/// (listed by variant: `BadRequest`, `Unauthorized`, `Forbidden`, `Conflict`, `Unprocessable`),
/// and 500 and 503, which any operation can answer; poem-openapi's parse failures are routed into
/// the same error body. An error of a status the operation does not list is a defect: it is logged
/// and answered 500 `unexpected-error`.
#[macro_export]
macro_rules! session_response {
    ($name:ident, $ok:ty, [$($status:ident),* $(,)?]) => {
        $crate::session_response!(@enum $name, $ok, [], [$($status)*]);

        impl $name {
            fn from_request_error(err: poem::Error) -> Self {
                $crate::error::SessionError::from_poem(&err).into()
            }
        }

        impl From<$crate::error::SessionError> for $name {
            fn from(e: $crate::error::SessionError) -> Self {
                use poem::http::StatusCode;
                match e.status {
                    $( $crate::session_response!(@status $status) => Self::$status(poem_openapi::payload::Json(e.body)), )*
                    StatusCode::SERVICE_UNAVAILABLE => {
                        Self::ServiceUnavailable(poem_openapi::payload::Json(e.body), e.retry_after.unwrap_or_default())
                    }
                    StatusCode::INTERNAL_SERVER_ERROR => Self::Internal(poem_openapi::payload::Json(e.body)),
                    other => {
                        let cause = format!("an operation failed with a status it does not document: {other}");
                        Self::Internal(poem_openapi::payload::Json($crate::error::SessionError::unexpected(cause).body))
                    }
                }
            }
        }

        impl From<Result<$ok, $crate::error::SessionError>> for $name {
            fn from(result: Result<$ok, $crate::error::SessionError>) -> Self {
                match result {
                    Ok(body) => Self::Ok(poem_openapi::payload::Json(body)),
                    Err(e) => e.into(),
                }
            }
        }
    };
    (@enum $name:ident, $ok:ty, [$($variants:tt)*], []) => {
        #[derive(poem_openapi::ApiResponse)]
        #[oai(bad_request_handler = "Self::from_request_error")]
        pub enum $name {
            /// Done.
            #[oai(status = 200)]
            Ok(poem_openapi::payload::Json<$ok>),
            $($variants)*
            /// Unexpected failure (`unexpected-error`).
            #[oai(status = 500)]
            Internal(poem_openapi::payload::Json<$crate::error::ErrorBody>),
            /// The database is unreachable or the gateway overloaded (`service-unavailable`);
            /// `Retry-After` says when to try again.
            #[oai(status = 503)]
            ServiceUnavailable(
                poem_openapi::payload::Json<$crate::error::ErrorBody>,
                #[oai(header = "Retry-After")] u64,
            ),
        }
    };
    (@enum $name:ident, $ok:ty, [$($variants:tt)*], [BadRequest $($rest:ident)*]) => {
        $crate::session_response!(@enum $name, $ok, [$($variants)*
            /// The body is not valid JSON (`invalid-json`).
            #[oai(status = 400)]
            BadRequest(poem_openapi::payload::Json<$crate::error::ErrorBody>),
        ], [$($rest)*]);
    };
    (@enum $name:ident, $ok:ty, [$($variants:tt)*], [Unauthorized $($rest:ident)*]) => {
        $crate::session_response!(@enum $name, $ok, [$($variants)*
            /// A gate failed (`insufficient-permissions` with the `or` array) or no session (`login-required`).
            #[oai(status = 401)]
            Unauthorized(poem_openapi::payload::Json<$crate::error::ErrorBody>),
        ], [$($rest)*]);
    };
    (@enum $name:ident, $ok:ty, [$($variants:tt)*], [Forbidden $($rest:ident)*]) => {
        $crate::session_response!(@enum $name, $ok, [$($variants)*
            /// Not allowed: not your company to manage, or a company closed to you (its registration
            /// is not finished, or it is blocked).
            #[oai(status = 403)]
            Forbidden(poem_openapi::payload::Json<$crate::error::ErrorBody>),
        ], [$($rest)*]);
    };
    (@enum $name:ident, $ok:ty, [$($variants:tt)*], [Conflict $($rest:ident)*]) => {
        $crate::session_response!(@enum $name, $ok, [$($variants)*
            /// The company still manages other companies.
            #[oai(status = 409)]
            Conflict(poem_openapi::payload::Json<$crate::error::ErrorBody>),
        ], [$($rest)*]);
    };
    (@enum $name:ident, $ok:ty, [$($variants:tt)*], [Unprocessable $($rest:ident)*]) => {
        $crate::session_response!(@enum $name, $ok, [$($variants)*
            /// Validation failed: `must-be-a-valid-id`, `no-company-found-with-id:<id>`, ...
            #[oai(status = 422)]
            Unprocessable(poem_openapi::payload::Json<$crate::error::ErrorBody>),
        ], [$($rest)*]);
    };
    (@status BadRequest) => { StatusCode::BAD_REQUEST };
    (@status Unauthorized) => { StatusCode::UNAUTHORIZED };
    (@status Forbidden) => { StatusCode::FORBIDDEN };
    (@status Conflict) => { StatusCode::CONFLICT };
    (@status Unprocessable) => { StatusCode::UNPROCESSABLE_ENTITY };
}

/// Why one gate member did not let the caller through, as the original words it.
fn unmet_message(unmet: Unmet) -> &'static str {
    match unmet {
        Unmet::NotACompany => "must-be-company",
        Unmet::NoGodToken => "must-be-god",
        Unmet::WrongGodToken => "invalid-god-token",
        Unmet::NotAnAdmin => "must-be-admin",
    }
}
