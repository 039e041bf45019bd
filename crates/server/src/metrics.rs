//! `/metrics` in the Prometheus text format.
use std::sync::atomic::Ordering;

use companygate_domain::Gateway;
use poem::{Endpoint, EndpointExt, Response, handler, web::Data};

#[handler]
async fn render(gateway: Data<&Gateway>) -> Response {
    let m = gateway.metrics();
    let mut body = format!(
        "# TYPE companygate_company_deletions_total counter\ncompanygate_company_deletions_total {}\n\
         # TYPE companygate_tokens_issued_total counter\ncompanygate_tokens_issued_total {}\n\
         # TYPE companygate_logins_total counter\ncompanygate_logins_total {}\n\
         # TYPE companygate_search_rows_loaded_total counter\ncompanygate_search_rows_loaded_total {}\n\
         # TYPE companygate_rate_limited_total counter\ncompanygate_rate_limited_total {}\n",
        m.deletions.load(Ordering::Relaxed),
        m.tokens_issued.load(Ordering::Relaxed),
        m.logins.load(Ordering::Relaxed),
        m.search_rows_loaded.load(Ordering::Relaxed),
        m.rate_limited.load(Ordering::Relaxed),
    );
    // Left out while the database does not answer; the counters above still do.
    if let Ok(Ok(backlog)) = tokio::time::timeout(std::time::Duration::from_secs(1), gateway.outbox_backlog()).await {
        body.push_str(&format!(
            "# TYPE companygate_outbox_pending gauge\ncompanygate_outbox_pending {}\n\
             # TYPE companygate_outbox_failed gauge\ncompanygate_outbox_failed {}\n",
            backlog.pending, backlog.failed
        ));
    }
    Response::builder().content_type("text/plain; version=0.0.4").body(body)
}

pub fn endpoint(gateway: Gateway) -> impl Endpoint {
    render.data(gateway)
}
