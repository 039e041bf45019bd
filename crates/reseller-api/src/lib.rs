//! The reseller dialect: OAuth2 client credentials at `/connect/token`, companies under `/api`,
//! every answer in the `{data, status, message, validationMessages, isSuccess}` envelope.
use companygate_domain::Gateway;
use poem::middleware::CatchPanic;
use poem::{Endpoint, EndpointExt, IntoResponse, Route};
use poem_openapi::{OpenApiService, Tags};

mod auth;
mod body;
mod clients;
mod companies;
mod company_form;
mod deletion;
mod documented;
mod envelope;
mod error;
mod examples;
mod export;
mod lookups;
mod rate_limit;
mod rendered;
mod scope;
mod search;
mod token;

pub use companies::LOGO_ADDRESS;
pub use error::ApiError;

#[derive(Tags)]
pub enum ApiTags {
    /// Getting an access token.
    Authentication,
    /// Finding and deleting the companies you manage.
    Companies,
    /// Roles and the REST clients of a company.
    Clients,
}

pub type Service = OpenApiService<
    scope::WithScopeQuery<(
        token::TokenApi,
        companies::CompaniesApi,
        company_form::CompanyFormApi,
        deletion::DeletionApi,
        clients::ClientsApi,
        lookups::LookupsApi,
    )>,
    (),
>;

/// The dialect's OpenAPI service, served relative to the gateway's root.
pub fn service() -> Service {
    OpenApiService::new(
        scope::WithScopeQuery((
            token::TokenApi,
            companies::CompaniesApi,
            company_form::CompanyFormApi,
            deletion::DeletionApi,
            clients::ClientsApi,
            lookups::LookupsApi,
        )),
        "companygate reseller API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Manage the companies your reseller company manages: OAuth2 client credentials at \
             `/connect/token`, then bearer calls under `/api`. Every `/api` answer is an envelope \
             `{data, status, message, validationMessages, isSuccess}`. The vendor's published \
             schemas list no `isSuccess` although its quickstart says every answer carries it: it \
             is sent, and documented here.",
    )
    .server("/")
}

/// How the dialect is served.
#[derive(Clone, Debug, Default)]
pub struct ResellerOptions {
    /// Proxies whose `X-Forwarded-For` names the caller (for rate limits by address and the
    /// clients' IP restrictions).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// The dialect's routes. Whatever fails outside a handler (unknown route, a panic) is answered in
/// the envelope too.
pub fn endpoint(gateway: Gateway, options: ResellerOptions) -> impl Endpoint {
    Route::new()
        .nest("/", service())
        .catch_all_error(|err: poem::Error| async move { ApiError::from_poem(&err).into_response() })
        .with(CatchPanic::new().with_handler(|_| ApiError::Internal.into_response()))
        .data(gateway)
        .data(token::TrustedProxies(options.trusted_proxies))
}

/// The answer to a request whose body is larger than the gateway reads.
pub fn body_too_large(limit: usize) -> poem::Response {
    ApiError::input(format!("The request body is larger than {} MiB", limit / (1024 * 1024))).into_response()
}

/// The answer of `/connect/token` to a body larger than the gateway reads: RFC 6749 JSON, like
/// every other token error.
pub fn token_body_too_large(limit: usize) -> poem::Response {
    token::too_large(limit)
}

/// Entry points for the fuzz targets under `fuzz/`: the dialect's own readers of untrusted input,
/// without a server or a database.
#[doc(hidden)]
pub mod fuzzing {
    use poem::Request;
    use poem_openapi::{ApiExtractor, ExtractParamOptions};

    /// A search body as `POST /api/companies/search` reads it; a body it accepts also compiles.
    pub fn search_body(bytes: &[u8]) {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else { return };
        if let Ok(request) = crate::search::parse(&value) {
            assert!(request.filter.problems().is_empty(), "an accepted filter must compile");
        }
    }

    /// A multipart company form as `POST /api/companies` reads it (the parts, then the fields).
    pub async fn company_form(content_type: &str, bytes: Vec<u8>) {
        let request = Request::builder().content_type(content_type).body(bytes);
        let (request, body) = request.split();
        let mut body = body;
        let form = crate::company_form::FormBody::<crate::company_form::CompanyForm>::from_request(
            &request,
            &mut body,
            ExtractParamOptions {
                name: "",
                ignore_case: false,
                default_value: None,
                example_value: None,
                explode: true,
                style: None,
            },
        )
        .await;
        if let Ok(form) = form {
            let _ = crate::company_form::read_form(form.parts());
        }
    }
}
