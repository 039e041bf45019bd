//! Request rate limits of the dialect (governor's GCRA), kept in memory per replica: the token
//! endpoint per client id and per caller IP, `/api` per authenticated client.
use companygate_domain::rate_limit::KeyedLimiter;

/// Requests per minute; each limiter also allows a burst of that size.
#[derive(Clone, Copy, Debug)]
pub struct RateLimits {
    pub token_per_client: u32,
    pub token_per_ip: u32,
    pub api_per_client: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self { token_per_client: 30, token_per_ip: 120, api_per_client: 600 }
    }
}

pub struct Limiters {
    token_per_client: KeyedLimiter<String>,
    token_per_ip: KeyedLimiter<std::net::IpAddr>,
    api_per_client: KeyedLimiter<i32>,
}

/// Over a limit: retry after this many whole seconds (at least 1).
#[derive(Debug, Clone, Copy)]
pub struct RateLimited {
    pub retry_after: u64,
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

fn limited(retry_after: u64) -> RateLimited {
    RateLimited { retry_after }
}

impl Limiters {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            token_per_client: KeyedLimiter::per_minute(limits.token_per_client),
            token_per_ip: KeyedLimiter::per_minute(limits.token_per_ip),
            api_per_client: KeyedLimiter::per_minute(limits.api_per_client),
        }
    }

    pub fn token_ip(&self, ip: Option<std::net::IpAddr>) -> Result<(), RateLimited> {
        match ip {
            Some(ip) => self.token_per_ip.check(&ip).map_err(limited),
            None => Ok(()),
        }
    }

    pub fn token_client(&self, client_id: &str) -> Result<(), RateLimited> {
        self.token_per_client.check(&client_id.to_owned()).map_err(limited)
    }

    pub fn api(&self, client: i32) -> Result<(), RateLimited> {
        self.api_per_client.check(&client).map_err(limited)
    }
}
