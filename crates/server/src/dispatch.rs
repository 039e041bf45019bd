//! Both dialects share the root of one host. Requests go to the dialect that owns their path:
//! `/connect/token` and `/api/...` to the reseller dialect, docs and specs to their routes,
//! everything else to the session dialect (whose routes are at the root, as in the original).
use poem::endpoint::BoxEndpoint;
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
