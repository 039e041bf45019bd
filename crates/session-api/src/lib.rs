//! The session dialect: cookie sessions or a god token, `/auth/...` and `/company/...`, errors as
//! `{error_code, errors, or?}`.
use companygate_domain::Gateway;
use poem::middleware::{CatchPanic, CookieJarManager};
use poem::{Endpoint, EndpointExt, IntoResponse, Route};
use poem_openapi::{OpenApiService, Tags};

mod auth;
mod body;
mod caller;
mod company;
mod company_admin;
mod documents;
mod error;
mod examples;
mod offers;
mod params;
mod validation;

use caller::TrustedProxies;
pub use error::SessionError;

#[derive(Tags)]
pub enum ApiTags {
    /// Logging in and out.
    Auth,
    /// Companies.
    Company,
    /// Job offers.
    Offers,
}

pub type Service =
    OpenApiService<(auth::AuthApi, company::CompanyApi, company_admin::CompanyAdminApi, offers::OffersApi), ()>;

/// The dialect's OpenAPI service, served relative to the gateway's root.
pub fn service() -> Service {
    OpenApiService::new(
        (auth::AuthApi, company::CompanyApi, company_admin::CompanyAdminApi, offers::OffersApi),
        "companygate session API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Companies and their offers for logged-in accounts (cookie `connect.sid` from \
             `POST /auth/login`) or for operators holding the god token (`god_token` in the body). \
             Errors are `{error_code, errors:[{msg}], or?}`.",
    )
    .server("/")
}

/// How the dialect treats its callers.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// Proxies whose `X-Forwarded-Proto: https` makes cookies `Secure` and whose `X-Forwarded-For`
    /// names the caller (for rate limits by address).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

pub fn endpoint(gateway: Gateway, options: SessionOptions) -> impl Endpoint {
    Route::new()
        .nest("/", service())
        .catch_all_error(|err: poem::Error| async move { SessionError::from_poem(&err).into_response() })
        .with(CatchPanic::new().with_handler(|_| SessionError::unexpected("handler panicked").into_response()))
        .with(CookieJarManager::new())
        .data(gateway)
        .data(TrustedProxies(options.trusted_proxies))
}

/// The answer to a request whose body is larger than the gateway reads.
pub fn body_too_large() -> poem::Response {
    SessionError::body_too_large().into_response()
}
