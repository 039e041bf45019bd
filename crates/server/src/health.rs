//! `/healthz` (the process answers) and `/readyz` (the database answers and its schema is
//! current), outside both dialects, for load balancers and orchestrators.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use companygate_domain::{Gateway, database};
use poem::http::StatusCode;
use poem::{Endpoint, Response};
use serde_json::json;

/// `/readyz` answers within this time even when the database does not.
const READY_WITHIN: Duration = Duration::from_secs(2);

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    Response::builder().status(status).content_type("application/json").body(body.to_string())
}

pub fn alive() -> impl Endpoint<Output = Response> {
    poem::endpoint::make_sync(|_| answer(StatusCode::OK, json!({"status": "ok"})))
}

/// Ready: not shutting down, and the database answers with a current schema.
pub fn ready(gateway: Gateway, draining: Arc<AtomicBool>) -> impl Endpoint<Output = Response> {
    poem::endpoint::make(move |_| {
        let gateway = gateway.clone();
        let draining = draining.load(Ordering::Relaxed);
        async move {
            if draining {
                return answer(StatusCode::SERVICE_UNAVAILABLE, json!({"status": "draining"}));
            }
            let reason = match tokio::time::timeout(READY_WITHIN, gateway.readiness()).await {
                Ok(Ok(())) => return answer(StatusCode::OK, json!({"status": "ready"})),
                Ok(Err(unready)) => {
                    tracing::warn!(%unready, "not ready");
                    unready.to_string()
                }
                Err(_) => "the database did not answer in time".to_owned(),
            };
            let mut response =
                answer(StatusCode::SERVICE_UNAVAILABLE, json!({"status": "unavailable", "reason": reason}));
            response.headers_mut().insert("Retry-After", database::RETRY_AFTER_SECS.into());
            response
        }
    })
}
