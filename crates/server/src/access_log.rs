//! One log line per request: method, path, status and duration. Query values are left out
//! except for a few harmless parameters, so secrets sent in a query (`?god_token=`) never reach
//! the log.
use std::sync::Arc;
use std::time::Instant;

use poem::{Endpoint, Request, Response, Result};

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

pub async fn record<E: Endpoint<Output = Response>>(inner: Arc<E>, req: Request) -> Result<Response> {
    let method = req.method().clone();
    let uri = loggable(req.uri());
    let started = Instant::now();
    let response = match inner.call(req).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    };
    let status = response.status().as_u16();
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, %uri, status, duration_ms, "request");
    } else {
        tracing::info!(%method, %uri, status, duration_ms, "request");
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
