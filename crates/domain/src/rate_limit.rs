//! A keyed request-rate limiter (governor's GCRA), kept in memory per replica.
use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

/// Keys not seen for a while are forgotten once this many are held.
const FORGET_ABOVE: usize = 10_000;

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
            .map_err(|not_until| whole_seconds(not_until.wait_time_from(DefaultClock::default().now())))
    }
}

fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}
