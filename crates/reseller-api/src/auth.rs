//! Bearer authentication of `/api` calls, documented as the OAuth2 client-credentials flow.
use companygate_domain::credentials::tokens::{Refusal, SignedBearer};
use companygate_domain::{Actor, Gateway};

use poem::Request;
use poem_openapi::auth::Bearer;
use poem_openapi::{OAuthScopes, SecurityScheme};

use crate::error::ApiError;
use crate::rate_limit::RateLimited;

#[derive(OAuthScopes)]
#[allow(dead_code)] // only documents the scope; a token always carries exactly `api1`
pub enum Scopes {
    /// API
    #[oai(rename = "api1")]
    Api1,
}

/// OAuth2 client credentials: get a token from `/connect/token`, send it as `Authorization: Bearer`.
#[derive(SecurityScheme)]
#[oai(
    rename = "oauth2",
    ty = "oauth2",
    flows(client_credentials(token_url = "/connect/token", scopes = "Scopes")),
    checker = "authenticate"
)]
pub struct ResellerAuth(pub Actor);

/// Authenticates, then counts the request against the client's rate limit.
async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<Actor> {
    gateway(req).admit_api_call(&bearer.token).await.map_err(refused)
}

// The same scheme for an operation that checks the token in its own statement (the core's
// `Gateway::admit`): only its signature and expiry are checked here.
/// OAuth2 client credentials: get a token from `/connect/token`, send it as `Authorization: Bearer`.
#[derive(SecurityScheme)]
#[oai(
    rename = "oauth2",
    ty = "oauth2",
    flows(client_credentials(token_url = "/connect/token", scopes = "Scopes")),
    checker = "verify"
)]
pub struct ResellerToken(pub SignedBearer);

async fn verify(req: &Request, bearer: Bearer) -> poem::Result<SignedBearer> {
    gateway(req).verify_bearer(&bearer.token).await.map_err(|e| refused(e.into()))
}

fn gateway(req: &Request) -> &Gateway {
    req.data::<Gateway>().expect("the gateway is attached to every request")
}

/// A call refused before its operation, as the error poem-openapi answers: by its status, from
/// which `ApiError::from_poem` writes the envelope.
pub fn refused(refusal: Refusal) -> poem::Error {
    match refusal {
        Refusal::Unauthenticated(e) => poem::Error::from_status(ApiError::from(e).status()),
        Refusal::RateLimited(limited) => RateLimited::from(limited).into(),
    }
}
