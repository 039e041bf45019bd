//! `POST /connect/token`: the OAuth2 client-credentials grant with RFC 6749 answers.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use companygate_domain::Gateway;
use companygate_domain::credentials::tokens::{IssueTokenError, SCOPE};
use companygate_domain::rate_limit::Limit;

use poem::Request;
use poem::web::Data;
use poem_openapi::payload::{Form, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::ApiTags;
use crate::rate_limit::RateLimited;

/// Token request, `application/x-www-form-urlencoded`. Client credentials come either here
/// (client_secret_post) or in an HTTP Basic header (client_secret_basic).
#[derive(Object, Debug, Default, serde::Deserialize)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    #[oai(nullable)]
    pub grant_type: Option<String>,
    #[oai(nullable)]
    pub client_id: Option<String>,
    #[oai(nullable)]
    pub client_secret: Option<String>,
    /// `api1`, the only scope; absent means `api1`.
    #[oai(nullable)]
    pub scope: Option<String>,
}

#[derive(Object, Debug)]
pub struct TokenGranted {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: Seconds,
    pub scope: String,
}

/// A number of seconds, documented as the vendor documents `expires_in`: an `integer` without a
/// format (so generated clients read it into their widest integer).
#[derive(Debug, Clone, Copy)]
pub struct Seconds(pub u64);

impl poem_openapi::types::Type for Seconds {
    const IS_REQUIRED: bool = true;
    type RawValueType = u64;
    type RawElementValueType = u64;

    fn name() -> std::borrow::Cow<'static, str> {
        "integer".into()
    }

    fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
        poem_openapi::registry::MetaSchemaRef::Inline(Box::new(poem_openapi::registry::MetaSchema {
            minimum: Some(0.0),
            ..poem_openapi::registry::MetaSchema::new("integer")
        }))
    }

    fn as_raw_value(&self) -> Option<&u64> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a u64> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl poem_openapi::types::ParseFromJSON for Seconds {
    fn parse_from_json(value: Option<serde_json::Value>) -> poem_openapi::types::ParseResult<Self> {
        <u64 as poem_openapi::types::ParseFromJSON>::parse_from_json(value)
            .map(Self)
            .map_err(poem_openapi::types::ParseError::propagate)
    }
}

impl poem_openapi::types::ToJSON for Seconds {
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(self.0.into())
    }
}

/// RFC 6749 section 5.2 error body.
#[derive(Object, Debug)]
pub struct TokenError {
    /// `invalid_request`, `invalid_client`, `unsupported_grant_type` or `invalid_scope`.
    pub error: String,
    #[oai(nullable)]
    pub error_description: Option<String>,
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "TokenResponse::from_request_error")]
pub enum TokenResponse {
    /// A bearer token.
    #[oai(status = 200)]
    Granted(Json<TokenGranted>, #[oai(header = "Cache-Control")] String, #[oai(header = "Pragma")] String),
    /// `invalid_request`, `unsupported_grant_type`, `invalid_scope`, or `invalid_client` when the
    /// credentials came in the form.
    #[oai(status = 400)]
    BadRequest(Json<TokenError>, #[oai(header = "Cache-Control")] String),
    /// `invalid_client` when the credentials came in an HTTP Basic header.
    #[oai(status = 401)]
    Unauthorized(Json<TokenError>, #[oai(header = "WWW-Authenticate")] String),
    /// `slow_down`: too many token requests from this client id or address; `Retry-After` says
    /// when to try again.
    #[oai(status = 429)]
    TooManyRequests(Json<TokenError>, #[oai(header = "Retry-After")] u64),
    /// Unexpected failure.
    #[oai(status = 500)]
    Internal(Json<TokenError>),
    /// `temporarily_unavailable`: the database is unreachable or the gateway overloaded;
    /// `Retry-After` says when to try again.
    #[oai(status = 503)]
    Unavailable(Json<TokenError>, #[oai(header = "Retry-After")] u64),
}

/// `invalid_request` for a body larger than `limit` bytes.
pub(crate) fn too_large(limit: usize) -> poem::Response {
    use poem::IntoResponse;
    let description = format!("the request body is larger than {} MiB", limit / (1024 * 1024));
    TokenResponse::error("invalid_request", Some(&description)).into_response()
}

impl TokenResponse {
    fn error(error: &str, description: Option<&str>) -> Self {
        let body = TokenError { error: error.into(), error_description: description.map(Into::into) };
        Self::BadRequest(Json(body), "no-store".into())
    }

    fn unavailable() -> Self {
        let after = companygate_domain::database::RETRY_AFTER_SECS;
        let description = format!("temporarily unavailable; retry after {after} s");
        Self::Unavailable(
            Json(TokenError { error: "temporarily_unavailable".into(), error_description: Some(description) }),
            after,
        )
    }

    fn slow_down(limited: RateLimited) -> Self {
        let body = TokenError { error: "slow_down".into(), error_description: Some(limited.to_string()) };
        Self::TooManyRequests(Json(body), limited.retry_after)
    }

    fn from_request_error(err: poem::Error) -> Self {
        let description = if err.status() == poem::http::StatusCode::UNSUPPORTED_MEDIA_TYPE
            || err.to_string().contains("content type")
        {
            "the body must be application/x-www-form-urlencoded".to_owned()
        } else {
            format!("malformed request: {err}")
        };
        Self::error("invalid_request", Some(&description))
    }
}

/// Where the client credentials came from; it decides how `invalid_client` is answered.
enum Credentials {
    Basic(String, String),
    Form(String, String),
}

/// RFC 6749 2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded.
fn basic_credentials(req: &Request) -> Option<Result<(String, String), &'static str>> {
    let header = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, encoded) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = match STANDARD.decode(encoded.trim()).ok().and_then(|b| String::from_utf8(b).ok()) {
        Some(text) => text,
        None => return Some(Err("the Basic credentials are not valid base64")),
    };
    let Some((id, secret)) = decoded.split_once(':') else {
        return Some(Err("the Basic credentials have no ':'"));
    };
    let unescape =
        |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    Some(Ok((unescape(id), unescape(secret))))
}

pub struct TokenApi;

/// Proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Vec<std::net::IpAddr>);

/// The caller's address (see `peer::caller_address`).
fn caller_address(req: &Request) -> Option<std::net::IpAddr> {
    let peer = req.remote_addr().as_socket_addr()?.ip();
    let trusted = req.data::<TrustedProxies>().map_or(&[][..], |t| t.0.as_slice());
    let forwarded = req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
    Some(companygate_domain::peer::caller_address(peer, forwarded, trusted))
}

#[OpenApi(tag = "ApiTags::Authentication")]
impl TokenApi {
    /// Get an access token
    ///
    /// OAuth2 client-credentials grant. Send `grant_type=client_credentials` and `scope=api1`,
    /// with the client id and secret either as form fields or as HTTP Basic authentication. The
    /// answer's `access_token` goes into `Authorization: Bearer ...` on every `/api` call.
    #[oai(path = "/connect/token", method = "post", operation_id = "requestToken")]
    async fn token(&self, req: &Request, gateway: Data<&Gateway>, form: Form<TokenRequest>) -> TokenResponse {
        let from = caller_address(req);
        if let Some(ip) = from
            && let Err(limited) = gateway.rate_limit(Limit::TokenPerIp, &ip.to_string()).await
        {
            return TokenResponse::slow_down(limited.into());
        }
        let form = form.0;
        let credentials = match (basic_credentials(req), form.client_id, form.client_secret) {
            (Some(Err(why)), _, _) => return TokenResponse::error("invalid_request", Some(why)),
            (Some(Ok((id, secret))), form_id, form_secret) => {
                // Some clients repeat the id in the form; anything that disagrees is two methods.
                if form_secret.is_some() || form_id.is_some_and(|f| f != id) {
                    return TokenResponse::error("invalid_request", Some("use one client authentication method"));
                }
                Credentials::Basic(id, secret)
            }
            (None, Some(id), Some(secret)) => Credentials::Form(id, secret),
            (None, _, _) => {
                return TokenResponse::error("invalid_request", Some("client_id and client_secret are required"));
            }
        };
        match form.grant_type.as_deref() {
            None | Some("") => {
                return TokenResponse::error("invalid_request", Some("grant_type is required"));
            }
            Some("client_credentials") => {}
            Some(_) => return TokenResponse::error("unsupported_grant_type", None),
        }
        let scope = form.scope.unwrap_or_default();
        if !scope.split_whitespace().all(|s| s == SCOPE) {
            return TokenResponse::error("invalid_scope", None);
        }
        let (id, secret, basic) = match credentials {
            Credentials::Basic(id, secret) => (id, secret, true),
            Credentials::Form(id, secret) => (id, secret, false),
        };
        // Counted before the secret is checked, so guessing secrets is throttled too.
        if let Err(limited) = gateway.rate_limit(Limit::TokenPerClient, &id).await {
            return TokenResponse::slow_down(limited.into());
        }
        match gateway.issue_token(&id, &secret, from).await {
            Ok(token) => TokenResponse::Granted(
                Json(TokenGranted {
                    access_token: token.access_token,
                    token_type: "Bearer".into(),
                    expires_in: Seconds(token.expires_in),
                    scope: SCOPE.into(),
                }),
                "no-store".into(),
                "no-cache".into(),
            ),
            Err(IssueTokenError::InvalidClient) if basic => TokenResponse::Unauthorized(
                Json(TokenError { error: "invalid_client".into(), error_description: None }),
                r#"Basic realm="companygate""#.into(),
            ),
            Err(IssueTokenError::InvalidClient) => TokenResponse::error("invalid_client", None),
            Err(IssueTokenError::Overloaded(cause)) => {
                tracing::warn!(%cause, "token request refused");
                TokenResponse::unavailable()
            }
            Err(IssueTokenError::Database(cause)) if companygate_domain::database::is_unavailable(&cause) => {
                tracing::warn!(%cause, "token request refused: database unavailable");
                TokenResponse::unavailable()
            }
            Err(IssueTokenError::Database(cause)) => {
                tracing::error!(%cause, "token issue failed");
                TokenResponse::Internal(Json(TokenError { error: "server_error".into(), error_description: None }))
            }
        }
    }
}
