//! Hashing of account passwords and API client secrets (argon2id, PHC strings), on a small pool
//! of dedicated threads.
//!
//! argon2 with default parameters allocates about 19 MiB per hash, and the allocator keeps that
//! memory with the thread that used it. Run on arbitrary threads, a flood of logins held a
//! gigabyte and more; here at most one hash per pool thread runs at a time, so the memory it can
//! take is the pool size times 19 MiB, whatever the number of requests. Requests wait for a
//! thread in a bounded queue, and a wait longer than `MAX_WAIT` is answered as overload.
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use tokio::sync::{mpsc, oneshot};

/// The longest a request waits for its hash (queue plus work) before it is refused.
const MAX_WAIT: Duration = Duration::from_secs(10);
/// Requests queued beyond the ones being hashed; more wait (asynchronously) for room.
const QUEUE: usize = 256;

pub fn hash(secret: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .expect("argon2 with default parameters accepts any input")
        .to_string()
}

/// Verifies `secret` against a stored hash, or against a throw-away hash when there is none, so an
/// unknown e-mail or client id costs the same time as a known one.
pub fn verify(secret: &str, stored: Option<&str>) -> bool {
    static DUMMY: LazyLock<String> = LazyLock::new(|| hash("no account has this password"));
    let (hash, real) = match stored {
        Some(stored) => (stored, true),
        None => (DUMMY.as_str(), false),
    };
    let matches = PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(secret.as_bytes(), &parsed).is_ok())
        .unwrap_or(false);
    matches && real
}

/// Hashing could not start within `MAX_WAIT`: too many requests are hashing at once.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("too many password checks are waiting")]
pub struct Overloaded;

type Job = Box<dyn FnOnce() + Send>;

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
                    loop {
                        // The lock is held only while waiting for the next job, not while hashing.
                        let job = queue.lock().map(|mut q| q.blocking_recv()).unwrap_or(None);
                        match job {
                            Some(job) => job(),
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

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, Overloaded> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            // Nobody waits any more (timed out or gone): skip the work.
            if !done.is_closed() {
                let _ = done.send(work());
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
        self.run(move || hash(&secret)).await
    }

    pub(crate) async fn verify(&self, secret: String, stored: Option<String>) -> Result<bool, Overloaded> {
        self.run(move || verify(&secret, stored.as_deref())).await
    }
}
