//! The id of the request being served, carried by the task that serves it, so that log lines and
//! error answers can name it without passing it through every call.
use std::future::Future;
use std::sync::Arc;

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
}

/// Runs `work` as the request `id`.
pub async fn scope<F: Future>(id: Arc<str>, work: F) -> F::Output {
    REQUEST_ID.scope(id, work).await
}

/// The id of the request this task serves, if any.
pub fn current() -> Option<Arc<str>> {
    REQUEST_ID.try_with(Arc::clone).ok()
}
