//! Hashing of account passwords and API client secrets (argon2id, PHC strings), on a small pool
//! of dedicated threads.
//!
//! argon2 with default parameters works in 19 MiB of memory per hash. Allocated per hash on
//! arbitrary threads, the allocator kept that memory around: a flood of logins held a gigabyte
//! and more. Here each pool thread owns its working memory and reuses it for every hash, and at
//! most one hash per thread runs at a time, so hashing takes the pool size times 19 MiB, whatever
//! the number of requests. Requests wait for a
//! thread in a bounded queue, and a wait longer than `MAX_WAIT` is answered as overload.
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;
use tokio::sync::{mpsc, oneshot};

/// The longest a request waits for its hash (queue plus work) before it is refused.
const MAX_WAIT: Duration = Duration::from_secs(10);
/// Requests queued beyond the ones being hashed; more wait (asynchronously) for room.
const QUEUE: usize = 256;

/// The argon2 working memory of one hashing thread, allocated once and reused by every hash the
/// thread computes, so hashing allocates nothing per request.
pub(crate) type Memory = Vec<Block>;

fn memory_for(argon: &Argon2<'_>, memory: &mut Memory) -> usize {
    let blocks = argon.params().block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    blocks
}

/// A fresh argon2id PHC string for `secret` (default parameters, random salt).
pub fn hash(secret: &str) -> String {
    hash_with(secret, &mut Memory::new())
}

fn hash_with(secret: &str, memory: &mut Memory) -> String {
    let salt = SaltString::generate(&mut OsRng);
    let argon = Argon2::default();
    let mut salt_buffer = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_buffer).expect("a generated salt decodes");
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let blocks = memory_for(&argon, memory);
    argon
        .hash_password_into_with_memory(secret.as_bytes(), salt_bytes, &mut output, &mut memory[..blocks])
        .expect("argon2 with default parameters accepts any input");
    PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon.params()).expect("default parameters format"),
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output).expect("a 32-byte output")),
    }
    .to_string()
}

/// Verifies `secret` against a stored hash, or against a throw-away hash when there is none, so an
/// unknown e-mail or client id costs the same time as a known one.
pub fn verify(secret: &str, stored: Option<&str>) -> bool {
    verify_with(secret, stored, &mut Memory::new())
}

fn verify_with(secret: &str, stored: Option<&str>, memory: &mut Memory) -> bool {
    static DUMMY: LazyLock<String> = LazyLock::new(|| hash("no account has this password"));
    let (hash, real) = match stored {
        Some(stored) => (stored, true),
        None => (DUMMY.as_str(), false),
    };
    matches(secret, hash, memory).unwrap_or(false) && real
}

/// Recomputes the hash with the stored parameters and salt and compares in constant time.
fn matches(secret: &str, stored: &str, memory: &mut Memory) -> Option<bool> {
    let parsed = PasswordHash::new(stored).ok()?;
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = parsed.version.map(Version::try_from).transpose().ok()?.unwrap_or_default();
    let params = Params::try_from(&parsed).ok()?;
    let expected = parsed.hash?;
    let mut salt_buffer = [0u8; 64];
    let salt_bytes = parsed.salt?.decode_b64(&mut salt_buffer).ok()?;
    let argon = Argon2::new(algorithm, version, params);
    let blocks = memory_for(&argon, memory);
    let mut output = vec![0u8; expected.len()];
    argon.hash_password_into_with_memory(secret.as_bytes(), salt_bytes, &mut output, &mut memory[..blocks]).ok()?;
    Some(bool::from(output.as_slice().ct_eq(expected.as_bytes())))
}

/// Hashing could not start within `MAX_WAIT`: too many requests are hashing at once.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("too many password checks are waiting")]
pub struct Overloaded;

type Job = Box<dyn FnOnce(&mut Memory) + Send>;

/// The hashing threads. Cheap to clone; the threads end when the last clone is dropped.
#[derive(Clone)]
pub(crate) struct Hasher {
    jobs: mpsc::Sender<Job>,
}

impl Hasher {
    /// `threads` dedicated threads (at least one).
    pub(crate) fn new(threads: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("companygate-hash-{n}"))
                .spawn(move || {
                    let mut memory = Memory::new();
                    loop {
                        // The lock is held only while waiting for the next job, not while hashing.
                        let job = queue.lock().map(|mut q| q.blocking_recv()).unwrap_or(None);
                        match job {
                            Some(job) => job(&mut memory),
                            None => break,
                        }
                    }
                })
                .expect("a hashing thread starts");
        }
        Self { jobs }
    }

    /// One hashing thread per core the process may use.
    pub(crate) fn sized_to_machine() -> Self {
        Self::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, Overloaded> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            // Nobody waits any more (timed out or gone): skip the work.
            if !done.is_closed() {
                let _ = done.send(work(memory));
            }
        });
        tokio::time::timeout(MAX_WAIT, async {
            self.jobs.send(job).await.map_err(|_| Overloaded)?;
            result.await.map_err(|_| Overloaded)
        })
        .await
        .map_err(|_| Overloaded)?
    }

    pub(crate) async fn hash(&self, secret: String) -> Result<String, Overloaded> {
        self.run(move |memory| hash_with(&secret, memory)).await
    }

    pub(crate) async fn verify(&self, secret: String, stored: Option<String>) -> Result<bool, Overloaded> {
        self.run(move |memory| verify_with(&secret, stored.as_deref(), memory)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_secret_only_and_reads_like_argon2_s_own() {
        let stored = hash("correct horse");
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(verify("correct horse", Some(&stored)));
        assert!(!verify("correct horsf", Some(&stored)));
        assert!(!verify("correct horse", None), "no stored hash never matches");
        assert!(!verify("x", Some("not a PHC string")));
        // A hash made by the argon2 crate's own hasher verifies here, and ours there.
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let theirs = Argon2::default().hash_password(b"pw", &SaltString::generate(&mut OsRng)).unwrap().to_string();
        assert!(verify("pw", Some(&theirs)));
        let ours = PasswordHash::new(&stored).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse", &ours).is_ok());
    }
}
