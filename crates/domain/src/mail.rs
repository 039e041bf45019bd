//! Notification e-mails: written to the outbox inside the transaction that causes them, sent after
//! commit through `MAIL_URL` (smtp:// or file://), or only logged when no URL is configured.
use std::path::PathBuf;

use chrono::Utc;
use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entities::outbox;

/// A message gets this many tries before it stays in the outbox for an operator to look at.
const MAX_ATTEMPTS: i32 = 10;

#[derive(Debug, thiserror::Error)]
#[error("unusable mail URL: {0}")]
pub struct MailUrlError(String);

/// Plain SMTP (a local relay or a test server); credentials are url-decoded from the URL.
fn smtp_transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailUrlError> {
    let parsed = url::Url::parse(url).map_err(|e| MailUrlError(e.to_string()))?;
    let host =
        parsed.host_str().filter(|h| !h.is_empty()).ok_or_else(|| MailUrlError("smtp URL needs a host".into()))?;
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(parsed.port().unwrap_or(25));
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
}

impl Mailer {
    /// `smtp://[user:password@]host:port`, `file:///dir` or nothing (log only).
    pub fn from_url(url: Option<&str>, site_name: &str) -> Result<Self, MailUrlError> {
        let transport = match url {
            None | Some("") => Transport::Log,
            Some(url) if url.starts_with("file://") => {
                let parsed = url::Url::parse(url).map_err(|e| MailUrlError(e.to_string()))?;
                let dir = PathBuf::from(parsed.path());
                std::fs::create_dir_all(&dir).map_err(|e| MailUrlError(format!("{}: {e}", dir.display())))?;
                Transport::File(AsyncFileTransport::new(dir))
            }
            Some(url) if url.starts_with("smtp://") => Transport::Smtp(smtp_transport(url)?),
            Some(_) => {
                return Err(MailUrlError("expected smtp://host:port or file:///dir".into()));
            }
        };
        let from = Mailbox::new(Some(site_name.to_owned()), "no-reply@localhost".parse().expect("static address"));
        Ok(Self { transport, from })
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
            ..Default::default()
        }
        .insert(db)
        .await
        .map(drop)
    }

    /// Sends what is waiting in the outbox. Each message is claimed with a conditional update first,
    /// so two replicas never send the same message twice. Failures stay for the next round.
    pub async fn dispatch_pending(&self, db: &DatabaseConnection) {
        if let Err(error) = self.try_dispatch(db).await {
            tracing::warn!(%error, "outbox dispatch failed");
        }
    }

    async fn try_dispatch(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        let pending = outbox::Entity::find()
            .filter(outbox::Column::SentAt.is_null())
            .filter(outbox::Column::Attempts.lt(MAX_ATTEMPTS))
            .order_by_asc(outbox::Column::Id)
            .limit(50)
            .all(db)
            .await?;
        for message in pending {
            let claimed = outbox::Entity::update_many()
                .col_expr(outbox::Column::Attempts, Expr::value(message.attempts + 1))
                .filter(outbox::Column::Id.eq(message.id))
                .filter(outbox::Column::Attempts.eq(message.attempts))
                .filter(outbox::Column::SentAt.is_null())
                .exec(db)
                .await?;
            if claimed.rows_affected == 0 {
                continue;
            }
            let outcome = self.send(&message).await;
            let mut update = outbox::Entity::update_many().filter(outbox::Column::Id.eq(message.id));
            update = match &outcome {
                Ok(()) => update.col_expr(outbox::Column::SentAt, Expr::value(Utc::now())),
                Err(error) => update.col_expr(outbox::Column::LastError, Expr::value(error.clone())),
            };
            update.exec(db).await?;
            match outcome {
                Ok(()) => tracing::info!(outbox_id = message.id, "notification sent"),
                Err(error) => {
                    tracing::warn!(outbox_id = message.id, %error, "notification not sent; will retry")
                }
            }
        }
        Ok(())
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
