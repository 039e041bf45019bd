//! One log line, one span and two figures per request: method, path, route template, status,
//! duration and request id. Query values are left out
//! except for a few harmless parameters, so secrets sent in a query (`?god_token=`) never reach
//! the log.
use std::sync::Arc;
use std::time::Instant;

use companygate_domain::correlation;
use companygate_domain::telemetry::Telemetry;
use poem::http::HeaderValue;
use poem::{Endpoint, PathPattern, Request, Response, Result};
use tracing::Instrument;

use crate::dispatch;

const REQUEST_ID: &str = "x-request-id";

/// Query parameters whose values are logged as sent; every other value is replaced.
const SHOWN: [&str; 3] = ["limit", "offset", "companyId"];
const REDACTED: &str = "[redacted]";

/// `path?query` with the value of every parameter not in `SHOWN` replaced by `[redacted]`.
pub fn loggable(uri: &poem::http::Uri) -> String {
    let Some(query) = uri.query() else { return uri.path().to_owned() };
    let parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if SHOWN.contains(&name) => format!("{name}={value}"),
            Some((name, _)) => format!("{name}={REDACTED}"),
            None => pair.to_owned(),
        })
        .collect();
    format!("{}?{}", uri.path(), parts.join("&"))
}

/// Whether a client's `X-Request-Id` is used as sent: 1 to 128 letters, digits and `-_.:`.
fn sane(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

fn new_request_id() -> Arc<str> {
    use rand::Rng;
    format!("{:032x}", rand::thread_rng().r#gen::<u128>()).into()
}

/// Serves one request inside a `request` span (method, route template, request id): the request id
/// is the client's `X-Request-Id` when sane, a new one otherwise, and is echoed in the answer's
/// `X-Request-Id` (and named by 500 answers of the reseller dialect). Counts the request and its
/// latency per dialect, route template and status, and logs one line.
pub async fn record<E: Endpoint<Output = Response>>(
    inner: Arc<E>,
    req: Request,
    telemetry: Telemetry,
) -> Result<Response> {
    let method = req.method().clone();
    let uri = loggable(req.uri());
    let path = req.uri().path().to_owned();
    let dialect = dispatch::dialect_of(&path);
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| sane(id))
        .map(Arc::<str>::from)
        .unwrap_or_else(new_request_id);
    let span = tracing::info_span!("request", %method, route = tracing::field::Empty, request_id = %request_id);
    let started = Instant::now();
    let served = correlation::scope(request_id.clone(), async {
        match inner.call(req).await {
            Ok(response) => response,
            Err(error) => error.into_response(),
        }
    });
    let mut response = served.instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    // Routes are named by the specs' templates; a 405 is a known path too. Unknown paths share
    // one label, so clients cannot grow the metrics without bound.
    let routed = response.data::<PathPattern>().map(|p| p.0.clone());
    let template = (routed.is_some() || status == 405).then(|| dispatch::route_template(&path)).flatten();
    let route = match (template, routed) {
        (Some(template), _) => template.to_owned(),
        (None, Some(pattern)) => pattern.to_string(),
        (None, None) => "unmatched".to_owned(),
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let status_label = status.to_string();
    let labels = [("dialect", dialect), ("route", route.as_str()), ("status", status_label.as_str())];
    telemetry.count("companygate_http_requests_total", &labels, 1);
    telemetry.observe("companygate_http_request_duration_seconds", &labels, elapsed.as_secs_f64());
    span.record("route", route.as_str());
    let _in_span = span.enter();
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%uri, status, duration_ms, "request");
    } else {
        tracing::info!(%uri, status, duration_ms, "request");
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::loggable;

    #[test]
    fn query_values_are_redacted_unless_harmless() {
        let uri = "/company?limit=5&god_token=s3cret&offset=2&password".parse().unwrap();
        assert_eq!(loggable(&uri), "/company?limit=5&god_token=[redacted]&offset=2&password");
        let uri = "/x/y".parse().unwrap();
        assert_eq!(loggable(&uri), "/x/y");
        let uri = "/company/x/deletion-preview?GOD_TOKEN=a&god_token=b".parse().unwrap();
        assert_eq!(loggable(&uri), "/company/x/deletion-preview?GOD_TOKEN=[redacted]&god_token=[redacted]");
    }
}
