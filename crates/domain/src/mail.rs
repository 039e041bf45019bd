//! Notification e-mails: written to the outbox inside the transaction that causes them, and sent
//! by a background worker through `MAIL_URL` (smtp:// or file://), or only logged when no URL is
//! configured. No request ever waits for a mail relay.
//!
//! The worker claims a batch of due messages in a short transaction (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, so replicas never claim the same message; SQLite has one writer), moving each
//! message's next attempt past the time a send may take. It then sends them with connect and
//! command timeouts and records the result: sent, or the error and a next attempt after an
//! exponential backoff. After `max_attempts` failures a message stays in the outbox with its last
//! error, counted by `/metrics`, for an operator to look at.
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use tokio::sync::Notify;

use crate::database::Writer;
use crate::entities::outbox;
use crate::telemetry::Telemetry;

/// Messages claimed per round.
const BATCH: u64 = 10;
/// Without a wake-up, the worker looks for due messages this often.
const POLL: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
#[error("unusable mail URL: {0}")]
pub struct MailUrlError(String);

/// How the outbox is sent.
#[derive(Clone, Copy, Debug)]
pub struct MailSettings {
    /// Connecting to the relay, and each SMTP command, may take this long.
    pub timeout: Duration,
    /// The first retry waits this long; each further one twice as long as the one before (at
    /// most an hour).
    pub retry_base: Duration,
    /// A message is given up after this many failed attempts.
    pub max_attempts: i32,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self { timeout: Duration::from_secs(10), retry_base: Duration::from_secs(30), max_attempts: 10 }
    }
}

/// Plain SMTP (a local relay or a test server); credentials are url-decoded from the URL.
fn smtp_transport(url: &str, timeout: Duration) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailUrlError> {
    let parsed = url::Url::parse(url).map_err(|e| MailUrlError(e.to_string()))?;
    let host =
        parsed.host_str().filter(|h| !h.is_empty()).ok_or_else(|| MailUrlError("smtp URL needs a host".into()))?;
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(parsed.port().unwrap_or(25))
        .timeout(Some(timeout));
    if !parsed.username().is_empty() {
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let user = decode(parsed.username());
        let password = decode(parsed.password().unwrap_or_default());
        builder = builder.credentials(lettre::transport::smtp::authentication::Credentials::new(user, password));
    }
    Ok(builder.build())
}

#[derive(Clone)]
enum Transport {
    Log,
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    settings: MailSettings,
    wake: Arc<Notify>,
}

/// What the outbox holds, for metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxBacklog {
    /// Not sent yet, still being tried.
    pub pending: u64,
    /// Given up after `max_attempts` failures.
    pub failed: u64,
}

impl Mailer {
    /// `smtp://[user:password@]host:port`, `file:///dir` or nothing (log only).
    pub fn from_url(url: Option<&str>, site_name: &str, settings: MailSettings) -> Result<Self, MailUrlError> {
        let transport = match url {
            None | Some("") => Transport::Log,
            Some(url) if url.starts_with("file://") => {
                let parsed = url::Url::parse(url).map_err(|e| MailUrlError(e.to_string()))?;
                let dir = PathBuf::from(parsed.path());
                std::fs::create_dir_all(&dir).map_err(|e| MailUrlError(format!("{}: {e}", dir.display())))?;
                Transport::File(AsyncFileTransport::new(dir))
            }
            Some(url) if url.starts_with("smtp://") => Transport::Smtp(smtp_transport(url, settings.timeout)?),
            Some(_) => {
                return Err(MailUrlError("expected smtp://host:port or file:///dir".into()));
            }
        };
        let from = Mailbox::new(Some(site_name.to_owned()), "no-reply@localhost".parse().expect("static address"));
        Ok(Self { transport, from, settings, wake: Arc::default() })
    }

    pub(crate) async fn enqueue(
        &self,
        db: &impl ConnectionTrait,
        to: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), DbErr> {
        outbox::ActiveModel {
            recipient: Set(to.to_owned()),
            subject: Set(subject.to_owned()),
            body: Set(body.to_owned()),
            attempts: Set(0),
            create_time: Set(Utc::now()),
            next_attempt_at: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await
        .map(drop)
    }

    /// Tells the worker that messages were committed to the outbox.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Sends the outbox until the task is dropped: at once when woken, otherwise every few
    /// seconds, as long as due messages remain.
    pub(crate) async fn run(&self, db: &Writer, telemetry: &Telemetry) {
        loop {
            match self.send_due(db, telemetry).await {
                Ok(claimed) if claimed as u64 == BATCH => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "outbox round failed; will retry"),
            }
            let _ = tokio::time::timeout(POLL, self.wake.notified()).await;
        }
    }

    /// Claims the due messages and sends them; returns how many were claimed.
    async fn send_due(&self, db: &Writer, telemetry: &Telemetry) -> Result<usize, DbErr> {
        let claimed = self.claim(db).await?;
        for message in &claimed {
            let outcome = match tokio::time::timeout(self.send_limit(), self.send(message)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(format!("no answer from the mail relay within {:?}", self.send_limit())),
            };
            let mut update = outbox::Entity::update_many().filter(outbox::Column::Id.eq(message.id));
            update = match &outcome {
                Ok(()) => update
                    .col_expr(outbox::Column::SentAt, Expr::value(Utc::now()))
                    .col_expr(outbox::Column::LastError, Expr::value(Option::<String>::None)),
                Err(error) => update
                    .col_expr(outbox::Column::LastError, Expr::value(error.clone()))
                    .col_expr(outbox::Column::NextAttemptAt, Expr::value(Utc::now() + self.backoff(message.attempts))),
            };
            update.exec(db).await?;
            let result = if outcome.is_ok() { "sent" } else { "failed" };
            telemetry.count("companygate_outbox_sends_total", &[("result", result)], 1);
            match outcome {
                Ok(()) => tracing::info!(outbox_id = message.id, attempt = message.attempts, "notification sent"),
                Err(error) if message.attempts >= self.settings.max_attempts => tracing::error!(
                    outbox_id = message.id,
                    attempts = message.attempts,
                    %error,
                    "notification given up; it stays in the outbox"
                ),
                Err(error) => tracing::warn!(
                    outbox_id = message.id,
                    attempt = message.attempts,
                    %error,
                    "notification not sent; will retry"
                ),
            }
        }
        Ok(claimed.len())
    }

    /// The longest one send may take: connecting, then a handful of SMTP commands.
    fn send_limit(&self) -> Duration {
        self.settings.timeout * 4
    }

    fn backoff(&self, attempts: i32) -> chrono::Duration {
        let factor = 2u32.saturating_pow(attempts.clamp(1, 20) as u32 - 1);
        let wait = self.settings.retry_base.saturating_mul(factor).min(Duration::from_secs(3600));
        chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1))
    }

    /// Due messages, each with its attempt counted and its next attempt moved past the time this
    /// send may take, so that nobody else claims it meanwhile. A replica that dies mid-send leaves
    /// its messages to be claimed again once that time has passed.
    async fn claim(&self, db: &Writer) -> Result<Vec<outbox::Model>, DbErr> {
        let now = Utc::now();
        let due = Condition::all()
            .add(outbox::Column::SentAt.is_null())
            .add(outbox::Column::Attempts.lt(self.settings.max_attempts))
            .add(
                Condition::any()
                    .add(outbox::Column::NextAttemptAt.is_null())
                    .add(outbox::Column::NextAttemptAt.lte(now)),
            );
        let txn = db.begin().await?;
        let ids: Vec<i32> = outbox::Entity::find()
            .select_only()
            .column(outbox::Column::Id)
            .filter(due)
            .order_by_asc(outbox::Column::Id)
            .limit(BATCH)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .into_tuple()
            .all(&txn)
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let lease = chrono::Duration::from_std(self.send_limit() * BATCH as u32 + Duration::from_secs(30))
            .unwrap_or(chrono::Duration::hours(1));
        outbox::Entity::update_many()
            .col_expr(outbox::Column::Attempts, Expr::col(outbox::Column::Attempts).add(1))
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(now + lease))
            .filter(outbox::Column::Id.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        let claimed = outbox::Entity::find()
            .filter(outbox::Column::Id.is_in(ids))
            .order_by_asc(outbox::Column::Id)
            .all(&txn)
            .await?;
        txn.commit().await?;
        Ok(claimed)
    }

    /// How many messages wait, and how many were given up.
    pub(crate) async fn backlog(&self, db: &DatabaseConnection) -> Result<OutboxBacklog, DbErr> {
        let unsent = || outbox::Entity::find().filter(outbox::Column::SentAt.is_null());
        let failed = unsent().filter(outbox::Column::Attempts.gte(self.settings.max_attempts)).count(db).await?;
        let pending = unsent().filter(outbox::Column::Attempts.lt(self.settings.max_attempts)).count(db).await?;
        Ok(OutboxBacklog { pending, failed })
    }

    async fn send(&self, message: &outbox::Model) -> Result<(), String> {
        let email = || -> Result<Message, String> {
            Message::builder()
                .from(self.from.clone())
                .to(message.recipient.parse().map_err(|e| format!("recipient: {e}"))?)
                .subject(message.subject.clone())
                .body(message.body.clone())
                .map_err(|e| e.to_string())
        };
        match &self.transport {
            Transport::Log => {
                tracing::info!(outbox_id = message.id, subject = %message.subject, "no MAIL_URL configured; notification logged only");
                Ok(())
            }
            Transport::File(t) => t.send(email()?).await.map(drop).map_err(|e| e.to_string()),
            Transport::Smtp(t) => t.send(email()?).await.map(drop).map_err(|e| e.to_string()),
        }
    }
}
