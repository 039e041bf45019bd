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

impl Endpoint for Dialects {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let path = req.uri().path();
        if path == "/connect/token" || path == "/api" || path.starts_with("/api/") {
            self.reseller.call(req).await
        } else if path.starts_with("/docs/") || path.starts_with("/openapi/") || path == "/metrics" {
            self.docs.call(req).await
        } else {
            self.session.call(req).await
        }
    }
}
