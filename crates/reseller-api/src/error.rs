//! Every failure of the dialect, mapped to its envelope in one place.
use companygate_domain::DbErr;
use companygate_domain::DeleteCompanyError;
use companygate_domain::companies::record::ReadCompanyError;
use companygate_domain::companies::writes::{DraftField, DraftProblem, WriteCompanyError};
use companygate_domain::credentials::clients::{ClientProblem, ClientsError, RoleChoice};
use companygate_domain::credentials::passwords::Overloaded;
use companygate_domain::credentials::tokens::AuthenticateError;
use companygate_domain::database;
use companygate_domain::deletion::bulk::BulkDeleteError;
use companygate_domain::scoped::Unreadable;
use companygate_domain::search::SearchError;
use poem::http::StatusCode;
use poem::{IntoResponse, Response};

use crate::envelope::{ErrorEnvelope, Status};
use crate::rate_limit::RateLimited;

pub const BEARER_CHALLENGE: &str = r#"Bearer error="invalid_token""#;

#[derive(Debug)]
pub enum ApiError {
    Input(Vec<String>),
    Unauthorized,
    Forbidden(&'static str),
    NotFound(&'static str),
    Conflict(&'static str),
    /// Over a rate limit; retry after this many seconds.
    TooManyRequests(u64),
    /// The method is not one the path serves (the server adds `Allow`).
    MethodNotAllowed,
    /// The database is unreachable or the gateway overloaded; retry after this many seconds.
    Unavailable(u64),
    Internal,
}

impl ApiError {
    pub fn input(message: impl Into<String>) -> Self {
        Self::Input(vec![message.into()])
    }

    /// Seconds to wait before retrying (0 where the error does not say).
    pub fn retry_after(&self) -> u64 {
        match self {
            Self::TooManyRequests(after) | Self::Unavailable(after) => *after,
            _ => 0,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Input(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn envelope(&self) -> ErrorEnvelope {
        match self {
            Self::Input(lines) => ErrorEnvelope::new(Status::InputError, "Invalid request", Some(lines.clone())),
            Self::Unauthorized => ErrorEnvelope::new(Status::Unauthorized, "A valid bearer token is required", None),
            Self::Forbidden(why) => ErrorEnvelope::new(Status::Forbidden, *why, None),
            Self::NotFound(what) => ErrorEnvelope::new(Status::NotFound, *what, None),
            Self::Conflict(why) => ErrorEnvelope::new(Status::Failed, *why, None),
            Self::TooManyRequests(after) => ErrorEnvelope::new(
                Status::TooManyRequests,
                format!("Too many requests; retry after {after} seconds"),
                None,
            ),
            Self::MethodNotAllowed => ErrorEnvelope::new(
                Status::MethodNotAllowed,
                "Method not allowed for this path; the Allow header lists the ones it serves",
                None,
            ),
            Self::Unavailable(after) => ErrorEnvelope::new(
                Status::ServiceUnavailable,
                format!("The service is temporarily unavailable; retry after {after} seconds"),
                None,
            ),
            Self::Internal => {
                let id = correlation_id();
                tracing::error!(correlation_id = %id, "internal error answered");
                ErrorEnvelope::new(
                    Status::InternalServerError,
                    format!("Internal server error (correlation id {id})"),
                    None,
                )
            }
        }
    }

    /// Logs the cause (never sent to the client) and answers 500.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "unexpected failure");
        Self::Internal
    }

    /// A database failure: 503 with `Retry-After` when the database is unreachable or busy (the
    /// core tells), otherwise 500.
    pub fn database(cause: DbErr) -> Self {
        if database::is_unavailable(&cause) {
            tracing::warn!(%cause, "database unavailable");
            Self::Unavailable(database::RETRY_AFTER_SECS)
        } else {
            Self::internal(cause)
        }
    }

    /// Too many password checks waiting.
    pub fn overloaded(cause: Overloaded) -> Self {
        tracing::warn!(%cause, "overloaded");
        Self::Unavailable(database::RETRY_AFTER_SECS)
    }

    /// Maps the errors poem and poem-openapi raise before a handler runs (bad JSON, wrong content
    /// type, failed security check, unknown route) to the envelope.
    pub fn from_poem(err: &poem::Error) -> Self {
        if let Some(limited) = err.downcast_ref::<RateLimited>() {
            return Self::TooManyRequests(limited.retry_after);
        }
        // The reason alone: poem-openapi names path parameters `param0` and so on, and prefixes
        // the type's internal name (`failed to parse "integer_int32": `).
        if let Some(path) = err.downcast_ref::<poem_openapi::error::ParsePathError>() {
            let reason = path.reason.split_once("\": ").map_or(path.reason.as_str(), |(_, reason)| reason);
            return Self::input(reason.to_owned());
        }
        match err.status() {
            StatusCode::UNAUTHORIZED => Self::Unauthorized,
            StatusCode::NOT_FOUND => Self::NotFound("Not found"),
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::SERVICE_UNAVAILABLE => Self::Unavailable(database::RETRY_AFTER_SECS),
            s if s.is_server_error() => Self::internal(err),
            _ => Self::input(err.to_string()),
        }
    }
}

/// The request's id (see `X-Request-Id`), or a fresh one outside a request.
fn correlation_id() -> String {
    use rand::Rng;
    match companygate_domain::correlation::current() {
        Some(id) => id.to_string(),
        None => format!("{:016x}", rand::thread_rng().r#gen::<u64>()),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = poem_openapi::payload::Json(self.envelope()).into_response();
        response.set_status(self.status());
        match self {
            Self::Unauthorized => {
                response.headers_mut().insert("WWW-Authenticate", BEARER_CHALLENGE.parse().expect("static header"));
            }
            Self::TooManyRequests(after) | Self::Unavailable(after) => {
                response.headers_mut().insert("Retry-After", after.into());
            }
            _ => {}
        }
        response
    }
}

impl From<DeleteCompanyError> for ApiError {
    fn from(e: DeleteCompanyError) -> Self {
        match e {
            DeleteCompanyError::NotPermitted => Self::Forbidden("Only a Reseller may delete companies"),
            DeleteCompanyError::NotFound(_) => Self::NotFound("Company not found"),
            DeleteCompanyError::Forbidden(_) => Self::Forbidden("You do not manage this company"),
            DeleteCompanyError::HasManagedCompanies(_) => {
                Self::Conflict("The company still manages other companies; delete or move them first")
            }
            DeleteCompanyError::IdempotencyKeyReused => {
                Self::input("Idempotency-Key was already used for a different request")
            }
            DeleteCompanyError::Database(cause) => Self::database(cause),
        }
    }
}

impl From<Unreadable> for ApiError {
    fn from(why: Unreadable) -> Self {
        Self::Input(why.0)
    }
}

impl From<SearchError> for ApiError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::NotPermitted => Self::Forbidden("Only a Reseller may list companies"),
            SearchError::InvalidFilter(problems) => {
                Self::Input(problems.iter().map(|placed| crate::search::filter_problem(&placed.problem)).collect())
            }
            SearchError::ScopeNotFound => Self::NotFound("Company not found"),
            SearchError::Unreadable(why) => why.into(),
            SearchError::ScopeForbidden(_) => Self::Forbidden("You do not manage this company"),
            SearchError::Database(cause) => Self::database(cause),
        }
    }
}

impl From<ReadCompanyError> for ApiError {
    fn from(e: ReadCompanyError) -> Self {
        match e {
            ReadCompanyError::NotPermitted | ReadCompanyError::Forbidden => {
                Self::Forbidden("You may not read this company")
            }
            ReadCompanyError::NotFound => Self::NotFound("Company not found"),
            ReadCompanyError::Database(cause) => Self::database(cause),
        }
    }
}

impl From<BulkDeleteError> for ApiError {
    fn from(e: BulkDeleteError) -> Self {
        match e {
            BulkDeleteError::TooMany { max } => {
                Self::input(format!("too many companies in one request (at most {max})"))
            }
            BulkDeleteError::ScopeNotFound => Self::NotFound("Company not found"),
            BulkDeleteError::Unreadable(why) => Self::Input(why.0),
            BulkDeleteError::Select(e) => e.into(),
            BulkDeleteError::NotPermitted(e) => e.into(),
        }
    }
}

impl From<ClientsError> for ApiError {
    fn from(e: ClientsError) -> Self {
        match e {
            ClientsError::NotPermitted | ClientsError::Forbidden => Self::Forbidden("Not allowed for this company"),
            ClientsError::NotFound => Self::NotFound("Not found"),
            ClientsError::ScopeNotFound => Self::NotFound("Company not found"),
            ClientsError::Unreadable(why) => why.into(),
            ClientsError::Invalid(problems) => Self::Input(problems.iter().map(client_problem).collect()),
            ClientsError::Overloaded(cause) => Self::overloaded(cause),
            ClientsError::Database(cause) => Self::database(cause),
        }
    }
}

impl From<WriteCompanyError> for ApiError {
    fn from(e: WriteCompanyError) -> Self {
        match e {
            WriteCompanyError::NotPermitted => Self::Forbidden("Only a Reseller may create or change companies"),
            WriteCompanyError::NotFound => Self::NotFound("Company not found"),
            WriteCompanyError::Forbidden => Self::Forbidden("You do not manage this company"),
            WriteCompanyError::Unreadable(why) => Self::Input(vec![why.0]),
            WriteCompanyError::Invalid(problems) => Self::Input(problems.iter().map(draft_problem).collect()),
            WriteCompanyError::Database(cause) => Self::database(cause),
        }
    }
}

/// One problem with an API client as sent, in the dialect's words.
fn client_problem(problem: &ClientProblem) -> String {
    match problem {
        ClientProblem::NameLength { min, max } => format!("Name must be {min} to {max} characters"),
        ClientProblem::ClientIdLength { min, max } => format!("Client id must be {min} to {max} characters"),
        ClientProblem::SecretMissing => "Client secret is required".into(),
        ClientProblem::SecretLength { min, max } => format!("Client secret must be {min} to {max} characters"),
        ClientProblem::UnknownStatus => "Status must be 1 (Active) or 2 (Inactive)".into(),
        ClientProblem::NotAnIpAddress(ip) => format!("'{ip}' is not an IP address or CIDR range"),
        ClientProblem::RestrictionWithoutAddresses => {
            "An IP address restriction needs at least one allowed address".into()
        }
        ClientProblem::NoRole => "Role should be selected".into(),
        ClientProblem::RoleNotGrantable(choice) => {
            let id = match choice {
                RoleChoice::Role(role) => crate::clients::role_resource_id(*role),
                RoleChoice::Unknown(id) => id,
            };
            format!("Role '{id}' cannot be given here")
        }
        ClientProblem::SeveralRoles => "Select exactly one role".into(),
        ClientProblem::ClientIdTaken => "Client id is already taken".into(),
        ClientProblem::SearchTextTooLong { max } => format!("the search text may be at most {max} characters"),
    }
}

/// One problem with a company form, in the form's field names.
fn draft_problem(problem: &DraftProblem) -> String {
    use crate::company_form::field_name;
    match problem {
        DraftProblem::NotOfItsType(field @ (DraftField::NumberOfUsers | DraftField::Status)) => {
            format!("{} must be a whole number", field_name(*field))
        }
        DraftProblem::NotOfItsType(field @ (DraftField::LicenseStartDate | DraftField::LicenseEndDate)) => {
            format!("{} must be a date (YYYY-MM-DD or RFC 3339)", field_name(*field))
        }
        DraftProblem::NotOfItsType(field @ DraftField::NumberOfUsersLimited) => {
            format!("{} must be true or false", field_name(*field))
        }
        DraftProblem::NotOfItsType(field) => format!("{} is not readable", field_name(*field)),
        DraftProblem::Missing(field) => format!("{} is required", field_name(*field)),
        DraftProblem::Length { field: DraftField::Tag, min, max } => {
            format!("Each of {} must be {min} to {max} characters", field_name(DraftField::Tag))
        }
        DraftProblem::Length { field, min, max } => format!("{} must be {min} to {max} characters", field_name(*field)),
        DraftProblem::Negative(field) => format!("{} must not be negative", field_name(*field)),
        DraftProblem::UnknownStatus => "StatusId must be 1 (Active) or 2 (Inactive)".into(),
        DraftProblem::EndsBeforeItStarts => "LicenseEndDate must not be before LicenseStartDate".into(),
        DraftProblem::LogoTooLarge { max_bytes } => format!("File must be at most {} MiB", max_bytes / (1024 * 1024)),
        DraftProblem::LogoNotAnImage => "File must be a PNG, JPEG, GIF or WebP image".into(),
        DraftProblem::UnknownReference { field, id } => format!("{} '{id}' does not exist", field_name(*field)),
    }
}

impl From<AuthenticateError> for ApiError {
    fn from(e: AuthenticateError) -> Self {
        match e {
            AuthenticateError::InvalidToken => Self::Unauthorized,
            AuthenticateError::Database(cause) => Self::database(cause),
        }
    }
}

/// Declares an operation's response: the success envelope, the error statuses the operation can
/// answer (listed by variant: `BadRequest`, `Unauthorized`, `Forbidden`, `NotFound`, `Conflict`,
/// `TooManyRequests`), and 500 and 503, which any operation can answer. poem-openapi's parse and
/// security failures are routed into the same envelope. The success payload is `Json<$ok>` unless
/// another payload documented as `$ok` is given. An error of a status the operation does not list
/// is a defect: it is logged and answered 500.
#[macro_export]
macro_rules! api_response {
    ($name:ident, $ok:ty, [$($status:ident),* $(,)?]) => {
        $crate::api_response!($name, $ok, poem_openapi::payload::Json<$ok>, [$($status),*]);
    };
    ($name:ident, $ok:ty, $payload:ty, [$($status:ident),* $(,)?]) => {
        $crate::api_response!(@enum $name, $payload, [], [$($status)*]);

        impl $name {
            fn from_request_error(err: poem::Error) -> Self {
                $crate::error::ApiError::from_poem(&err).into()
            }
        }

        impl From<$crate::error::ApiError> for $name {
            fn from(e: $crate::error::ApiError) -> Self {
                use poem_openapi::payload::Json;
                match &e {
                    $( $crate::api_response!(@pattern $status) => $crate::api_response!(@build $status, e), )*
                    $crate::error::ApiError::Unavailable(after) => Self::ServiceUnavailable(Json(e.envelope()), *after),
                    $crate::error::ApiError::Internal => Self::Internal(Json(e.envelope())),
                    // Only the router answers 405; an operation never does.
                    other => {
                        tracing::error!(status = %other.status(), "an operation failed with a status it does not document");
                        Self::Internal(Json($crate::error::ApiError::Internal.envelope()))
                    }
                }
            }
        }

        impl From<Result<$payload, $crate::error::ApiError>> for $name {
            fn from(result: Result<$payload, $crate::error::ApiError>) -> Self {
                match result {
                    Ok(body) => Self::Ok(body),
                    Err(e) => e.into(),
                }
            }
        }
    };
    (@enum $name:ident, $payload:ty, [$($variants:tt)*], []) => {
        // Built once per request and moved straight into the response; boxing buys nothing.
        #[allow(clippy::large_enum_variant)]
        #[derive(poem_openapi::ApiResponse)]
        #[oai(bad_request_handler = "Self::from_request_error")]
        pub enum $name {
            /// Done.
            #[oai(status = 200)]
            Ok($payload),
            $($variants)*
            /// `INTERNAL_SERVER_ERROR`: `message` carries a correlation id.
            #[oai(status = 500)]
            Internal(poem_openapi::payload::Json<$crate::envelope::ErrorEnvelope>),
            /// `SERVICE_UNAVAILABLE`: the database is unreachable or the gateway overloaded;
            /// `Retry-After` says when to try again.
            #[oai(status = 503)]
            ServiceUnavailable(
                poem_openapi::payload::Json<$crate::envelope::ErrorEnvelope>,
                #[oai(header = "Retry-After")] u64,
            ),
        }
    };
    (@enum $name:ident, $payload:ty, [$($variants:tt)*], [BadRequest $($rest:ident)*]) => {
        $crate::api_response!(@enum $name, $payload, [$($variants)*
            /// `INPUT_ERROR`: the body or a parameter is invalid; one line per problem.
            #[oai(status = 400)]
            BadRequest(poem_openapi::payload::Json<$crate::envelope::ErrorEnvelope>),
        ], [$($rest)*]);
    };
    (@enum $name:ident, $payload:ty, [$($variants:tt)*], [Unauthorized $($rest:ident)*]) => {
        $crate::api_response!(@enum $name, $payload, [$($variants)*
            /// `UNAUTHORIZED`: missing, invalid, expired or revoked token.
            #[oai(status = 401)]
            Unauthorized(
                poem_openapi::payload::Json<$crate::envelope::ErrorEnvelope>,
                #[oai(header = "WWW-Authenticate")] String,
            ),
        ], [$($rest)*]);
    };
    (@enum $name:ident, $payload:ty, [$($variants:tt)*], [Forbidden $($rest:ident)*]) => {
        $crate::api_response!(@enum $name, $payload, [$($variants)*
            /// `FORBIDDEN`: the role may not do this, or the company is not one you manage.
            #[oai(status = 403)]
            Forbidden(poem_openapi::payload::Json<$crate::envelope::ErrorEnvelope>),
        ], [$($rest)*]);
    };
    (@enum $name:ident, $payload:ty, [$($variants:tt)*], [NotFound $($rest:ident)*]) => {
        $crate::api_response!(@enum $name, $payload, [$($variants)*
            /// `NOT_FOUND`: no such company (or client) under this id.
            #[oai(status = 404)]
            NotFound(poem_openapi::payload::Json<$crate::envelope::ErrorEnvelope>),
        ], [$($rest)*]);
    };
    (@enum $name:ident, $payload:ty, [$($variants:tt)*], [Conflict $($rest:ident)*]) => {
        $crate::api_response!(@enum $name, $payload, [$($variants)*
            /// `FAILED`: the company still manages other companies.
            #[oai(status = 409)]
            Conflict(poem_openapi::payload::Json<$crate::envelope::ErrorEnvelope>),
        ], [$($rest)*]);
    };
    (@enum $name:ident, $payload:ty, [$($variants:tt)*], [TooManyRequests $($rest:ident)*]) => {
        $crate::api_response!(@enum $name, $payload, [$($variants)*
            /// `TOO_MANY_REQUESTS`: over the client's rate limit; `Retry-After` says when to retry.
            #[oai(status = 429)]
            TooManyRequests(
                poem_openapi::payload::Json<$crate::envelope::ErrorEnvelope>,
                #[oai(header = "Retry-After")] u64,
            ),
        ], [$($rest)*]);
    };
    (@pattern BadRequest) => { $crate::error::ApiError::Input(_) };
    (@pattern Unauthorized) => { $crate::error::ApiError::Unauthorized };
    (@pattern Forbidden) => { $crate::error::ApiError::Forbidden(_) };
    (@pattern NotFound) => { $crate::error::ApiError::NotFound(_) };
    (@pattern Conflict) => { $crate::error::ApiError::Conflict(_) };
    (@pattern TooManyRequests) => { $crate::error::ApiError::TooManyRequests(_) };
    (@build Unauthorized, $e:ident) => {
        Self::Unauthorized(poem_openapi::payload::Json($e.envelope()), $crate::error::BEARER_CHALLENGE.to_owned())
    };
    (@build TooManyRequests, $e:ident) => {
        Self::TooManyRequests(poem_openapi::payload::Json($e.envelope()), $e.retry_after())
    };
    (@build $status:ident, $e:ident) => { Self::$status(poem_openapi::payload::Json($e.envelope())) };
}
