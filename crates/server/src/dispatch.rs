//! Both dialects share the root of one host. Requests go to the dialect that owns their path:
//! `/connect/token` and `/api/...` to the reseller dialect, docs and specs to their routes,
//! everything else to the session dialect (whose routes are at the root, as in the original).
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use poem::endpoint::BoxEndpoint;
use std::sync::LazyLock;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

use poem::http::{HeaderValue, StatusCode, Uri};
use poem::{Endpoint, Request, Response, Result};

pub struct Dialects {
    pub docs: BoxEndpoint<'static, Response>,
    pub reseller: BoxEndpoint<'static, Response>,
    pub session: BoxEndpoint<'static, Response>,
}

/// Request bodies are read whole (up to this size) before a dialect sees them. An answer given
/// before the body was read (401, 403, ...) would otherwise make the server close the connection
/// while the client is still uploading, and the client would see a broken pipe, not the answer.
const MAX_BODY: usize = 4 * 1024 * 1024;

impl Endpoint for Dialects {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        if let Some(uri) = decodable(req.uri()) {
            *req.uri_mut() = uri;
        }
        let path = req.uri().path().to_owned();
        let token = path == "/connect/token";
        let dialect = dialect_of(&path);
        if dialect == OUTSIDE {
            return self.docs.call(req).await;
        }
        let reseller = dialect == RESELLER;
        match read_limited(req.take_body()).await {
            Ok(bytes) => req.set_body(bytes),
            Err(_) if token => return Ok(companygate_reseller_api::token_body_too_large(MAX_BODY)),
            Err(_) if reseller => return Ok(companygate_reseller_api::body_too_large(MAX_BODY)),
            Err(_) => return Ok(companygate_session_api::body_too_large()),
        }
        let mut response = if reseller { self.reseller.call(req).await? } else { self.session.call(req).await? };
        if response.status() == StatusCode::METHOD_NOT_ALLOWED
            && let Some(allow) = allowed_methods(&path)
        {
            response.headers_mut().insert(poem::http::header::ALLOW, allow);
        }
        Ok(response)
    }
}

/// A body larger than `MAX_BODY` is still read (and thrown away) up to this size, so that the
/// client, which is still sending, gets to read the refusal instead of a broken pipe.
const DRAIN_UP_TO: usize = 64 * 1024 * 1024;
/// ... for at most this long.
const DRAIN_FOR: std::time::Duration = std::time::Duration::from_secs(10);

/// The whole body if it is at most `MAX_BODY` bytes; otherwise `Err`, after draining the rest.
async fn read_limited(body: poem::Body) -> std::result::Result<Bytes, ()> {
    let mut stream = body.into_bytes_stream();
    let mut kept = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(drop)?;
        if kept.len() + chunk.len() > MAX_BODY {
            let mut seen = kept.len() + chunk.len();
            let _ = tokio::time::timeout(DRAIN_FOR, async {
                while seen <= DRAIN_UP_TO {
                    match stream.next().await {
                        Some(Ok(chunk)) => seen += chunk.len(),
                        _ => break,
                    }
                }
            })
            .await;
            return Err(());
        }
        kept.extend_from_slice(&chunk);
    }
    Ok(kept.freeze())
}

/// Paths served outside both dialects (besides `/docs/...` and `/openapi/...`).
const OUTSIDE_DIALECTS: [&str; 3] = ["/metrics", "/healthz", "/readyz"];

pub const RESELLER: &str = "reseller";
pub const SESSION: &str = "session";
/// Docs, specs, health and metrics.
pub const OUTSIDE: &str = "none";

/// Which dialect serves `path` (after percent-decoding).
pub fn dialect_of(path: &str) -> &'static str {
    if path == "/connect/token" || path == "/api" || path.starts_with("/api/") {
        RESELLER
    } else if OUTSIDE_DIALECTS.contains(&path) || path.starts_with("/docs/") || path.starts_with("/openapi/") {
        OUTSIDE
    } else {
        SESSION
    }
}

/// A path template of either spec, split at its slashes, and the methods it declares.
struct Template {
    text: String,
    segments: Vec<String>,
    methods: Vec<String>,
}

static TEMPLATES: LazyLock<Vec<Template>> = LazyLock::new(|| {
    let specs = [companygate_reseller_api::service().spec(), companygate_session_api::service().spec()];
    let mut table = Vec::new();
    for spec in specs {
        let Ok(spec) = serde_json::from_str::<serde_json::Value>(&spec) else { continue };
        let Some(paths) = spec.get("paths").and_then(|p| p.as_object()) else { continue };
        for (template, operations) in paths {
            let mut methods: Vec<String> =
                operations.as_object().map(|o| o.keys().map(|m| m.to_ascii_uppercase()).collect()).unwrap_or_default();
            methods.sort();
            let segments = template.split('/').map(str::to_owned).collect();
            table.push(Template { text: template.clone(), segments, methods });
        }
    }
    table
});

/// The spec's template that `path` matches (`/api/companies/{resourceId}`), a literal segment
/// winning over a variable one as the routers decide (`/api/companies/search`).
fn template(path: &str) -> Option<&'static Template> {
    let segments: Vec<&str> = path.split('/').collect();
    let variable = |t: &str| t.starts_with('{') && t.ends_with('}');
    TEMPLATES
        .iter()
        .filter(|t| {
            t.segments.len() == segments.len() && t.segments.iter().zip(&segments).all(|(t, s)| variable(t) || t == s)
        })
        .min_by_key(|t| t.segments.iter().map(|segment| variable(segment)).collect::<Vec<bool>>())
}

/// The spec's template of `path`, as logs and metrics name its route.
pub fn route_template(path: &str) -> Option<&'static str> {
    template(path).map(|t| t.text.as_str())
}

/// The methods both specs declare for `path`, as an `Allow` header value.
fn allowed_methods(path: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&template(path)?.methods.join(", ")).ok()
}

/// What a path segment must escape.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The router drops a path parameter whose escapes do not decode to UTF-8 (`/company/%FF`), so
/// the operation would fail before its checks ran in their order (a 401 before a bad id). Such
/// segments are re-spelled with U+FFFD for the undecodable bytes, which every id check refuses
/// in its turn. `None` when the path is fine as it is.
fn decodable(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    if percent_decode_str(path).decode_utf8().is_ok() {
        return None;
    }
    let fixed: Vec<String> = path
        .split('/')
        .map(|segment| match percent_decode_str(segment).decode_utf8() {
            Ok(_) => segment.to_owned(),
            Err(_) => utf8_percent_encode(&percent_decode_str(segment).decode_utf8_lossy(), SEGMENT).to_string(),
        })
        .collect();
    let mut path_and_query = fixed.join("/");
    if let Some(query) = uri.query() {
        path_and_query = format!("{path_and_query}?{query}");
    }
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(path_and_query.parse().ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_the_methods_of_the_matching_template() {
        assert_eq!(allowed_methods("/api/roles").unwrap(), "GET");
        assert_eq!(allowed_methods("/api/companies/Cust0mer0001").unwrap(), "DELETE, GET, PUT");
        assert_eq!(allowed_methods("/company/abc/block").unwrap(), "PUT");
        assert_eq!(allowed_methods("/auth/login").unwrap(), "DELETE, POST");
        assert_eq!(allowed_methods("/no/such/path"), None);
    }

    #[test]
    fn routes_are_named_by_the_specs_templates() {
        assert_eq!(route_template("/api/companies/Cust0mer0001"), Some("/api/companies/{resourceId}"));
        assert_eq!(route_template("/api/companies/search"), Some("/api/companies/search"));
        assert_eq!(route_template("/company/abc/delete"), Some("/company/{companyId}/delete"));
        assert_eq!(route_template("/company/abc/nothing"), None);
    }

    #[test]
    fn undecodable_segments_are_respelled_and_others_kept() {
        let uri: Uri = "/company/%FF%41/delete?god_token=%FF".parse().unwrap();
        assert_eq!(decodable(&uri).unwrap().to_string(), "/company/%EF%BF%BDA/delete?god_token=%FF");
        let uri: Uri = "/company/a%2Fb%20c/%C3%A9".parse().unwrap();
        assert_eq!(decodable(&uri), None);
        let uri: Uri = "/x/%2F%FF".parse().unwrap();
        assert_eq!(decodable(&uri).unwrap().path(), "/x/%2F%EF%BF%BD");
    }
}
