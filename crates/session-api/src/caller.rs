//! Who is calling: the `connect.sid` session cookie and the god token.
use std::net::IpAddr;

use companygate_domain::Gateway;
use poem::Request;
use poem::web::cookie::{Cookie, SameSite};
use serde_json::Value;

use companygate_domain::gate::{Caller, Presented, SentGodToken};

use crate::body::GetBody;
use crate::error::SessionError;

pub const COOKIE: &str = "connect.sid";

/// The session cookie `connect.sid` that `POST /auth/login` sets. Operations that also accept a
/// god token take the cookie as one alternative; `GET /auth/me` requires it.
#[derive(poem_openapi::SecurityScheme)]
#[oai(rename = "session", ty = "api_key", key_name = "connect.sid", key_in = "cookie")]
pub struct SessionCookie(#[allow(dead_code)] poem_openapi::auth::ApiKey);

/// Proxies whose `X-Forwarded-Proto` and `X-Forwarded-For` are believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Vec<IpAddr>);

/// The caller's address (see `peer::caller_address`).
pub fn caller_address(req: &Request) -> Option<IpAddr> {
    let peer = req.remote_addr().as_socket_addr()?.ip();
    let trusted = req.data::<TrustedProxies>().map_or(&[][..], |t| t.0.as_slice());
    let forwarded = req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
    Some(companygate_domain::peer::caller_address(peer, forwarded, trusted))
}

pub fn session_cookie(req: &Request) -> Option<String> {
    req.cookie().get(COOKIE).map(|c| c.value_str().to_owned()).filter(|v| !v.is_empty())
}

/// A `god_token` as sent: absent or falsy in the JavaScript sense (`""`, `0`, `false`, `null`) is
/// none; only a string can match; any other truthy value is simply wrong.
pub fn sent_god_token(value: Option<&Value>) -> SentGodToken<'_> {
    match value {
        None | Some(Value::Null) | Some(Value::Bool(false)) => SentGodToken::None,
        Some(Value::String(s)) if s.is_empty() => SentGodToken::None,
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => SentGodToken::None,
        Some(Value::String(s)) => SentGodToken::Text(s),
        Some(_) => SentGodToken::Other,
    }
}

/// Who the request says it is: its session cookie (`cookie`, from [`session_cookie`]) and the
/// god token it carried.
pub fn caller<'a>(cookie: Option<&'a str>, god_token: Option<&'a Value>) -> Caller<'a> {
    Caller { session_cookie: cookie, god_token: sent_god_token(god_token) }
}

/// The caller of a GET whose god token comes as the `god_token` query parameter, where only an
/// empty one counts as none.
pub fn caller_by_query<'a>(cookie: Option<&'a str>, god_token: Option<&'a str>) -> Caller<'a> {
    let god_token = match god_token {
        None | Some("") => SentGodToken::None,
        Some(token) => SentGodToken::Text(token),
    };
    Caller { session_cookie: cookie, god_token }
}

/// Who a GET's caller is, as the core judges it: the god token of its JSON body when it has one
/// (as upstream reads it), else the `god_token` query parameter (see [`caller_by_query`]).
pub async fn identify_get(
    req: &Request,
    gateway: &Gateway,
    god_token: Option<&str>,
    body: Option<&GetBody>,
) -> Result<Presented, SessionError> {
    let cookie = session_cookie(req);
    gateway.presented(caller_of_get(cookie.as_deref(), god_token, body)).await.map_err(SessionError::database)
}

/// The caller of a GET: the god token of its JSON body when it has one, else the query's.
pub fn caller_of_get<'a>(cookie: Option<&'a str>, god_token: Option<&'a str>, body: Option<&'a GetBody>) -> Caller<'a> {
    match body.and_then(|body| body.get("god_token")) {
        Some(sent) => caller(cookie, Some(sent)),
        None => caller_by_query(cookie, god_token),
    }
}

/// `Secure` only when the request came over HTTPS, directly or through a trusted proxy, so plain
/// HTTP development works and production cookies are secure.
fn came_over_https(req: &Request) -> bool {
    if req.scheme().as_str() == "https" {
        return true;
    }
    let trusted = req
        .data::<TrustedProxies>()
        .is_some_and(|t| req.remote_addr().as_socket_addr().is_some_and(|addr| t.0.contains(&addr.ip())));
    trusted
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').next().is_some_and(|p| p.trim().eq_ignore_ascii_case("https")))
}

pub fn set_session_cookie(req: &Request, value: &str) {
    let mut cookie = Cookie::new_with_str(COOKIE, value);
    cookie.set_path("/");
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    if came_over_https(req) {
        cookie.set_secure(true);
    }
    req.cookie().add(cookie);
}

pub fn clear_session_cookie(req: &Request) {
    let mut cookie = Cookie::new_with_str(COOKIE, "");
    cookie.set_path("/");
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_max_age(std::time::Duration::ZERO);
    req.cookie().add(cookie);
}
