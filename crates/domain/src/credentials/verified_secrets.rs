//! API client secrets this process has already verified with argon2, so that a client asking for
//! tokens again and again costs one keyed hash instead of one argon2 run per token.
//!
//! What is kept is not the secret: it is HMAC-SHA256 of the secret under a key drawn at start-up,
//! which lives only in this process's memory and is never written anywhere, next to the stored
//! argon2 hash it was checked against. A secret matches an entry only while the client's stored
//! hash is still that same string (the statement that issues the token compares it with the
//! database's), so a changed secret (or a client deleted and made again) goes through argon2 at
//! once. Wrong secrets are never remembered: every one of them costs a full
//! argon2 run on the bounded hashing pool. The number of entries is bounded (least recently used
//! go first), so memory is bounded whatever clients send.
use std::num::NonZeroUsize;
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use lru::LruCache;
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Most clients remembered at once (each about 200 bytes).
const CAPACITY: usize = 10_000;

struct Entry {
    /// The stored argon2 PHC string the secret was verified against.
    stored: String,
    mac: [u8; 32],
}

pub(crate) struct VerifiedSecrets {
    key: [u8; 32],
    /// By the client's public id.
    seen: Mutex<LruCache<String, Entry>>,
}

impl VerifiedSecrets {
    pub(crate) fn new() -> Self {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        Self { key, seen: Mutex::new(LruCache::new(NonZeroUsize::new(CAPACITY).expect("capacity is not zero"))) }
    }

    fn mac(&self, secret: &str) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(secret.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Whether `secret` was verified for client `id` while its stored hash was `stored`.
    pub(crate) fn knows(&self, id: &str, stored: &str, secret: &str) -> bool {
        self.stored_for(id, secret).is_some_and(|known| known == stored)
    }

    /// The stored hash `secret` was verified against for client `id`, if it was: the token may be
    /// issued at once where the client's stored hash is still this one.
    pub(crate) fn stored_for(&self, id: &str, secret: &str) -> Option<String> {
        let mac = self.mac(secret);
        let mut seen = self.seen.lock().expect("verified secrets lock");
        seen.get(id).filter(|e| bool::from(e.mac.ct_eq(&mac))).map(|e| e.stored.clone())
    }

    /// Remembers a secret argon2 has just accepted for client `id` against `stored`.
    pub(crate) fn remember(&self, id: &str, stored: &str, secret: &str) {
        let entry = Entry { stored: stored.to_owned(), mac: self.mac(secret) };
        self.seen.lock().expect("verified secrets lock").put(id.to_owned(), entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_verified_secret_against_the_same_stored_hash_is_known() {
        let cache = VerifiedSecrets::new();
        assert!(!cache.knows("c1", "$argon2id$a", "secret"));
        cache.remember("c1", "$argon2id$a", "secret");
        assert!(cache.knows("c1", "$argon2id$a", "secret"));
        assert_eq!(cache.stored_for("c1", "secret").as_deref(), Some("$argon2id$a"));
        assert!(!cache.knows("c1", "$argon2id$a", "secret2"), "another secret");
        assert_eq!(cache.stored_for("c1", "secret2"), None, "another secret");
        assert!(!cache.knows("c1", "$argon2id$b", "secret"), "the stored hash changed");
        assert!(!cache.knows("c2", "$argon2id$a", "secret"), "another client");
        // Another process (another key) knows nothing, and the key is not derived from the secret.
        let other = VerifiedSecrets::new();
        assert_ne!(cache.mac("secret"), other.mac("secret"));
    }

    #[test]
    fn the_number_of_entries_is_bounded() {
        let cache = VerifiedSecrets::new();
        for id in 0..(CAPACITY + 10) {
            cache.remember(&id.to_string(), "stored", "secret");
        }
        assert_eq!(cache.seen.lock().unwrap().len(), CAPACITY);
        assert!(!cache.knows("0", "stored", "secret"), "the least recently used went first");
        assert!(cache.knows(&(CAPACITY + 9).to_string(), "stored", "secret"));
    }
}
