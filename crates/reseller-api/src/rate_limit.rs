//! Request rate limits of the dialect (governor's GCRA), kept in memory per replica: the token
//! endpoint per client id and per caller IP, `/api` per authenticated client.
use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

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

/// Keys not seen for a while are forgotten once this many are held.
const FORGET_ABOVE: usize = 10_000;

struct Limiter<K: Hash + Eq + Clone>(DefaultKeyedRateLimiter<K>);

impl<K: Hash + Eq + Clone> Limiter<K> {
    fn per_minute(n: u32) -> Self {
        let n = NonZeroU32::new(n.max(1)).expect("at least one");
        Self(RateLimiter::keyed(Quota::per_minute(n)))
    }

    /// `Err` carries how long to wait.
    fn check(&self, key: &K) -> Result<(), Duration> {
        if self.0.len() > FORGET_ABOVE {
            self.0.retain_recent();
        }
        self.0.check_key(key).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

pub struct Limiters {
    token_per_client: Limiter<String>,
    token_per_ip: Limiter<std::net::IpAddr>,
    api_per_client: Limiter<i32>,
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

fn limited(wait: Duration) -> RateLimited {
    RateLimited { retry_after: wait.as_secs_f64().ceil().max(1.0) as u64 }
}

impl Limiters {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            token_per_client: Limiter::per_minute(limits.token_per_client),
            token_per_ip: Limiter::per_minute(limits.token_per_ip),
            api_per_client: Limiter::per_minute(limits.api_per_client),
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
