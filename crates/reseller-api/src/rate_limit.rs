//! Over a request-rate limit (the limits themselves are the core's, see
//! `companygate_domain::rate_limit`): the 429 with `Retry-After` this dialect answers.

/// Over a limit: retry after this many whole seconds (at least 1).
#[derive(Debug, Clone, Copy)]
pub struct RateLimited {
    pub retry_after: u64,
}

impl From<companygate_domain::rate_limit::RateLimited> for RateLimited {
    fn from(limited: companygate_domain::rate_limit::RateLimited) -> Self {
        Self { retry_after: limited.retry_after }
    }
}

impl std::fmt::Display for RateLimited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "too many requests; retry after {} s", self.retry_after)
    }
}

impl std::error::Error for RateLimited {}

impl poem::error::ResponseError for RateLimited {
    fn status(&self) -> poem::http::StatusCode {
        poem::http::StatusCode::TOO_MANY_REQUESTS
    }
}
