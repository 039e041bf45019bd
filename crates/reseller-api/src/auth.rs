//! Bearer authentication of `/api` calls, documented as the OAuth2 client-credentials flow.
use companygate_domain::rate_limit::Limit;
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
    let gateway = req.data::<Gateway>().expect("the gateway is attached to every request");
    // poem-openapi answers a checker's error by its status; the envelope is written from that
    // status by `ApiError::from_poem`.
    let actor = gateway
        .authenticate_bearer(&bearer.token)
        .await
        .map_err(|e| poem::Error::from_status(ApiError::from(e).status()))?;
    if let Actor::Client { client, .. } = &actor {
        gateway.rate_limit(Limit::ApiPerClient, &client.to_string()).await.map_err(RateLimited::from)?;
    }
    Ok(actor)
}
