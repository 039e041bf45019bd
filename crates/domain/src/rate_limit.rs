//! Request-rate limits: which limits there are, how many requests a minute each allows, and where
//! their state lives. By default each replica keeps its own in memory (governor's GCRA); given a
//! Redis URL, every replica counts against one shared limit kept in Redis (the same GCRA, run as
//! one atomic script on Redis's clock), with the same answers and the same wait as in memory.
//!
//! When Redis cannot be reached (or does not answer within [`REDIS_TIMEOUT`]) the limiter fails
//! open (lets the request through) or closed (refuses it, retry after one second), as configured;
//! it says so in the log once when Redis goes away and once when it is back, not per request.
use std::collections::HashMap;
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use sha2::{Digest, Sha256};

/// Keys not seen for a while are forgotten once this many are held.
const FORGET_ABOVE: usize = 10_000;

/// The longest one limit check waits for Redis.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// After Redis failed, how long checks take the configured failure answer before connecting again.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// A request-rate limit, and what it is counted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    /// `POST /connect/token`, by client id.
    TokenPerClient,
    /// `POST /connect/token`, by caller address.
    TokenPerIp,
    /// Bearer-authenticated calls, by API client.
    ApiPerClient,
    /// `POST /auth/login`, by caller address.
    LoginPerIp,
    /// `POST /auth/login`, by e-mail address (kept only as a hash in Redis).
    LoginPerEmail,
}

impl Limit {
    const ALL: [Limit; 5] =
        [Self::TokenPerClient, Self::TokenPerIp, Self::ApiPerClient, Self::LoginPerIp, Self::LoginPerEmail];

    pub fn name(self) -> &'static str {
        match self {
            Self::TokenPerClient => "token-client",
            Self::TokenPerIp => "token-ip",
            Self::ApiPerClient => "api-client",
            Self::LoginPerIp => "login-ip",
            Self::LoginPerEmail => "login-email",
        }
    }
}

/// Requests per minute of each limit; each also allows a burst of that size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rates {
    pub token_per_client: u32,
    pub token_per_ip: u32,
    pub api_per_client: u32,
    pub login_per_ip: u32,
    pub login_per_email: u32,
}

impl Default for Rates {
    fn default() -> Self {
        Self { token_per_client: 30, token_per_ip: 120, api_per_client: 600, login_per_ip: 60, login_per_email: 10 }
    }
}

impl Rates {
    fn of(&self, limit: Limit) -> u32 {
        match limit {
            Limit::TokenPerClient => self.token_per_client,
            Limit::TokenPerIp => self.token_per_ip,
            Limit::ApiPerClient => self.api_per_client,
            Limit::LoginPerIp => self.login_per_ip,
            Limit::LoginPerEmail => self.login_per_email,
        }
        .max(1)
    }
}

/// What a check does while Redis cannot be reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenUnreachable {
    /// Let the request through (the limit is not enforced meanwhile).
    Open,
    /// Refuse the request as over its limit, retry after one second.
    Closed,
}

/// Where shared limits live.
#[derive(Clone, Debug)]
pub struct RedisLimits {
    /// `redis://[user:password@]host:port[/db]`.
    pub url: String,
    /// Prepended to every key, so that deployments (or tests) can share one Redis.
    pub key_prefix: String,
    pub when_unreachable: WhenUnreachable,
}

/// Over a limit: retry after this many whole seconds (at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("too many requests; retry after {retry_after} s")]
pub struct RateLimited {
    pub retry_after: u64,
}

/// A keyed in-memory limiter (governor's GCRA).
pub struct KeyedLimiter<K: Hash + Eq + Clone>(DefaultKeyedRateLimiter<K>);

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    /// `n` requests per minute, with a burst of `n`.
    pub fn per_minute(n: u32) -> Self {
        let n = NonZeroU32::new(n.max(1)).expect("at least one");
        Self(governor::RateLimiter::keyed(Quota::per_minute(n)))
    }

    /// `Err` carries how many whole seconds (at least 1) to wait.
    pub fn check(&self, key: &K) -> Result<(), u64> {
        if self.0.len() > FORGET_ABOVE {
            self.0.retain_recent();
        }
        self.0
            .check_key(key)
            // The limiter's own clock: a new one reads the CPU's features each time it is made.
            .map_err(|not_until| whole_seconds(not_until.wait_time_from(self.0.clock().now())))
    }
}

fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

/// Every limit, with its state in memory or in Redis.
pub struct Limiter {
    rates: Rates,
    backend: Backend,
}

enum Backend {
    Memory(HashMap<Limit, KeyedLimiter<String>>),
    Redis(Box<SharedLimits>),
}

impl Limiter {
    pub fn in_memory(rates: Rates) -> Self {
        let limiters = Limit::ALL.into_iter().map(|l| (l, KeyedLimiter::per_minute(rates.of(l)))).collect();
        Self { rates, backend: Backend::Memory(limiters) }
    }

    /// Limits shared through Redis. Only the URL is checked here: a Redis that is not up yet is
    /// connected to on first use (and the failure setting applies until it answers).
    pub fn shared(rates: Rates, redis: RedisLimits) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(redis.url.as_str())?;
        Ok(Self {
            rates,
            backend: Backend::Redis(Box::new(SharedLimits {
                client,
                connection: tokio::sync::Mutex::new(Connection::Never),
                script: redis::Script::new(GCRA),
                key_prefix: redis.key_prefix,
                when_unreachable: redis.when_unreachable,
                unreachable: AtomicBool::new(false),
            })),
        })
    }

    pub fn rates(&self) -> Rates {
        self.rates
    }

    /// Counts one request against `limit` for `key`.
    pub async fn check(&self, limit: Limit, key: &str) -> Result<(), RateLimited> {
        let retry_after = match &self.backend {
            Backend::Memory(limiters) => limiters[&limit].check(&key.to_owned()).err(),
            Backend::Redis(shared) => shared.check(limit, self.rates.of(limit), key).await,
        };
        match retry_after {
            None => Ok(()),
            Some(retry_after) => Err(RateLimited { retry_after }),
        }
    }
}

/// GCRA on Redis's clock: the key holds the theoretical arrival time (ms) of the next request.
/// A request is allowed when, counting it, no more than `burst` emission intervals lie ahead;
/// otherwise the answer is how many milliseconds until one would be. The key expires when it no
/// longer matters.
const GCRA: &str = r"
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + interval
local allowed_at = next_tat - burst * interval
if allowed_at > now then return allowed_at - now end
redis.call('SET', KEYS[1], next_tat, 'PX', next_tat - now)
return 0
";

enum Connection {
    Never,
    Up(redis::aio::MultiplexedConnection),
    Failed(Instant),
}

struct SharedLimits {
    client: redis::Client,
    connection: tokio::sync::Mutex<Connection>,
    script: redis::Script,
    key_prefix: String,
    when_unreachable: WhenUnreachable,
    /// Whether the last attempt failed, so each change is logged once.
    unreachable: AtomicBool,
}

impl SharedLimits {
    /// `Some(seconds)` when over the limit (or refused because Redis is away and the limiter
    /// fails closed).
    async fn check(&self, limit: Limit, per_minute: u32, key: &str) -> Option<u64> {
        let key = match limit {
            // E-mail addresses are not kept in Redis, only their hashes.
            Limit::LoginPerEmail => hex::encode(Sha256::digest(key.as_bytes())),
            _ => key.to_owned(),
        };
        let key = format!("{}{}:{key}", self.key_prefix, limit.name());
        let interval_ms = (60_000 / u64::from(per_minute)).max(1);
        match tokio::time::timeout(REDIS_TIMEOUT, self.run(&key, interval_ms, per_minute)).await {
            Ok(Ok(Some(wait_ms))) => {
                if self.unreachable.swap(false, Ordering::Relaxed) {
                    tracing::info!("rate limits: Redis answers again; limits are shared again");
                }
                (wait_ms > 0).then(|| whole_seconds(Duration::from_millis(wait_ms)))
            }
            // Redis failed less than `RECONNECT_AFTER` ago: not tried again yet (and the time of
            // that failure stays, so a steady stream of requests does not put the retry off).
            Ok(Ok(None)) => self.refusal(),
            failed => {
                let error = match failed {
                    Ok(Err(error)) => error.to_string(),
                    _ => format!("no answer within {} ms", REDIS_TIMEOUT.as_millis()),
                };
                *self.connection.lock().await = Connection::Failed(Instant::now());
                if !self.unreachable.swap(true, Ordering::Relaxed) {
                    let open = self.when_unreachable == WhenUnreachable::Open;
                    tracing::error!(
                        %error,
                        "rate limits: Redis unreachable; requests are {} until it answers",
                        if open { "let through unlimited (fail open)" } else { "refused with 429 (fail closed)" }
                    );
                }
                self.refusal()
            }
        }
    }

    /// What a check answers while Redis is away.
    fn refusal(&self) -> Option<u64> {
        match self.when_unreachable {
            WhenUnreachable::Open => None,
            WhenUnreachable::Closed => Some(1),
        }
    }

    /// The milliseconds to wait (0: allowed), or `None` when Redis failed too recently to try.
    async fn run(&self, key: &str, interval_ms: u64, burst: u32) -> redis::RedisResult<Option<u64>> {
        let mut connection = {
            let mut held = self.connection.lock().await;
            match &*held {
                Connection::Up(connection) => connection.clone(),
                Connection::Failed(at) if at.elapsed() < RECONNECT_AFTER => return Ok(None),
                _ => {
                    let connection = self.client.get_multiplexed_async_connection().await?;
                    *held = Connection::Up(connection.clone());
                    connection
                }
            }
        };
        self.script.key(key).arg(interval_ms).arg(burst).invoke_async(&mut connection).await.map(Some)
    }
}
