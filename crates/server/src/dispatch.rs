//! Both dialects share the root of one host. Requests go to the dialect that owns their path:
//! `/connect/token` and `/api/...` to the reseller dialect, docs and specs to their routes,
//! everything else to the session dialect (whose routes are at the root, as in the original).
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use poem::endpoint::BoxEndpoint;
use poem::http::Uri;
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
        let path = req.uri().path();
        let reseller = path == "/connect/token" || path == "/api" || path.starts_with("/api/");
        if !reseller && (path.starts_with("/docs/") || path.starts_with("/openapi/") || path == "/metrics") {
            return self.docs.call(req).await;
        }
        match req.take_body().into_bytes_limit(MAX_BODY).await {
            Ok(bytes) => req.set_body(bytes),
            Err(_) if reseller => return Ok(companygate_reseller_api::body_too_large(MAX_BODY)),
            Err(_) => return Ok(companygate_session_api::body_too_large()),
        }
        if reseller { self.reseller.call(req).await } else { self.session.call(req).await }
    }
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
    fn undecodable_segments_are_respelled_and_others_kept() {
        let uri: Uri = "/company/%FF%41/delete?god_token=%FF".parse().unwrap();
        assert_eq!(decodable(&uri).unwrap().to_string(), "/company/%EF%BF%BDA/delete?god_token=%FF");
        let uri: Uri = "/company/a%2Fb%20c/%C3%A9".parse().unwrap();
        assert_eq!(decodable(&uri), None);
        let uri: Uri = "/x/%2F%FF".parse().unwrap();
        assert_eq!(decodable(&uri).unwrap().path(), "/x/%2F%EF%BF%BD");
    }
}
