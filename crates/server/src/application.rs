//! Start-up as a library function: bind (port 0 works), migrate, build the core, serve both
//! dialects until told to stop.
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use companygate_domain::rate_limit::{Limiter, Rates, RedisLimits, WhenUnreachable};
use companygate_domain::{Config, Gateway, MailSettings, Mailer, database};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{EndpointExt, Route, Server};
use secrecy::ExposeSecret;

use crate::access_log;
use crate::dispatch::Dialects;
use crate::settings::{CommonSettings, FailureMode};
use crate::{health, metrics};
use companygate_reseller_api::ResellerOptions;
use companygate_session_api::SessionOptions;

pub struct Application {
    address: SocketAddr,
    acceptor: poem::listener::TcpAcceptor,
    gateway: Gateway,
    session: SessionOptions,
    reseller: ResellerOptions,
    drain: Duration,
}

/// Connects, migrates and builds the core from the settings shared by `serve` and `demo`.
pub async fn gateway(database_url: &str, common: &CommonSettings) -> anyhow::Result<Gateway> {
    if common.keep_reads_in_memory.is_some() {
        tracing::warn!("--keep-reads-in-memory (KEEP_READS_IN_MEMORY) has no effect: every read goes to the database");
    }
    let pools = open(database_url, pool_settings(common)).await?;
    let config = Config {
        site_name: common.site_name.clone(),
        token_ttl: Duration::from_secs(common.token_ttl_seconds),
        session_idle_ttl: Duration::from_secs(common.session_ttl_seconds),
        god_token: common.god_token.as_ref().map(|t| t.expose_secret().to_owned()).filter(|t| !t.is_empty()),
        logo_address: companygate_reseller_api::LOGO_ADDRESS.to_owned(),
    };
    let mail = MailSettings {
        timeout: Duration::from_secs(common.mail_timeout_seconds),
        retry_base: Duration::from_secs(common.mail_retry_seconds),
        max_attempts: common.mail_max_attempts,
    };
    let mailer = Mailer::from_url(common.mail_url.as_deref(), &common.site_name, mail)?;
    Ok(Gateway::new(pools, config, mailer).await?.with_limits(limiter(common)?).with_telemetry(metrics::telemetry()))
}

/// Opens and migrates the database; a failure says what was tried, why it failed, and what to do.
pub async fn open(database_url: &str, settings: database::PoolSettings) -> anyhow::Result<database::Pools> {
    use database::OpenError;
    let set = "or point --database-url (DATABASE_URL) at another database";
    database::open(database_url, settings).await.map_err(|error| {
        let advice = match &error {
            OpenError::SqliteFile { .. } => format!("check that its folder exists and is writable, {set}"),
            OpenError::Postgres { .. } => format!("check that the server runs there and lets this user in, {set}"),
            OpenError::Migration { .. } => {
                "each migration is applied whole or not at all: mend the cause and start again".to_owned()
            }
            OpenError::Unsupported { .. } => {
                "--database-url (DATABASE_URL) takes sqlite://FILE or postgres://USER@HOST:PORT/DATABASE".to_owned()
            }
        };
        anyhow::anyhow!("{error}; {advice}")
    })
}

/// The request-rate limits: shared through Redis when a URL is set, else in this process.
fn limiter(common: &CommonSettings) -> anyhow::Result<Limiter> {
    let rates = Rates {
        token_per_client: common.token_rate_limit_per_client,
        token_per_ip: common.token_rate_limit_per_ip,
        api_per_client: common.api_rate_limit_per_client,
        login_per_ip: common.login_rate_limit_per_ip,
        login_per_email: common.login_rate_limit_per_email,
    };
    let Some(url) = common.redis_url.as_deref().filter(|u| !u.is_empty()) else { return Ok(Limiter::in_memory(rates)) };
    let when_unreachable = match common.rate_limits_when_redis_unreachable {
        FailureMode::Open => WhenUnreachable::Open,
        FailureMode::Closed => WhenUnreachable::Closed,
    };
    let redis = RedisLimits { url: url.to_owned(), key_prefix: common.redis_key_prefix.clone(), when_unreachable };
    Limiter::shared(rates, redis).context("--redis-url is not a Redis URL")
}

pub fn pool_settings(common: &CommonSettings) -> database::PoolSettings {
    database::PoolSettings { acquire_timeout: Duration::from_millis(common.database_acquire_timeout_ms) }
}

impl Application {
    pub async fn build(bind: &str, gateway: Gateway, common: &CommonSettings) -> anyhow::Result<Self> {
        let acceptor = TcpListener::bind(bind.to_owned())
            .into_acceptor()
            .await
            .with_context(|| format!("cannot listen on {bind}"))?;
        let address = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .context("the listener has no address")?;
        let session = SessionOptions { trusted_proxies: common.trusted_proxies.clone() };
        let reseller = ResellerOptions { trusted_proxies: common.trusted_proxies.clone() };
        let drain = Duration::from_secs(common.shutdown_drain_seconds);
        Ok(Self { address, acceptor, gateway, session, reseller, drain })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// Serves until `shutdown` resolves; then `/readyz` answers 503 for the drain time (so a load
    /// balancer stops sending requests while the listener still takes them), then the listener
    /// closes and in-flight requests finish (up to 10 s).
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> std::io::Result<()> {
        let draining = Arc::new(AtomicBool::new(false));
        let drain = self.drain;
        let shutdown = {
            let draining = draining.clone();
            async move {
                shutdown.await;
                draining.store(true, Ordering::Relaxed);
                if !drain.is_zero() {
                    tracing::info!(
                        seconds = drain.as_secs(),
                        "draining: /readyz answers 503 until the listener closes"
                    );
                    tokio::time::sleep(drain).await;
                }
            }
        };
        let reseller_spec = companygate_reseller_api::service();
        let session_spec = companygate_session_api::service();
        let docs = Route::new()
            .at("/docs/reseller", swagger_page(reseller_spec.swagger_ui_html(), "companygate reseller API"))
            .at("/docs/reseller/", swagger_page(reseller_spec.swagger_ui_html(), "companygate reseller API"))
            .at("/docs/session", swagger_page(session_spec.swagger_ui_html(), "companygate session API"))
            .at("/docs/session/", swagger_page(session_spec.swagger_ui_html(), "companygate session API"))
            .at("/openapi/reseller.json", reseller_spec.spec_endpoint())
            .at("/openapi/reseller.yaml", reseller_spec.spec_endpoint_yaml())
            .at("/openapi/session.json", session_spec.spec_endpoint())
            .at("/openapi/session.yaml", session_spec.spec_endpoint_yaml())
            .at("/metrics", metrics::endpoint(self.gateway.clone()))
            .at("/healthz", health::alive())
            .at("/readyz", health::ready(self.gateway.clone(), draining));
        let telemetry = self.gateway.telemetry().clone();
        let app = Dialects {
            docs: docs.map_to_response().boxed(),
            reseller: companygate_reseller_api::endpoint(self.gateway.clone(), self.reseller).map_to_response().boxed(),
            session: companygate_session_api::endpoint(self.gateway.clone(), self.session).map_to_response().boxed(),
        }
        .around(move |inner, req| access_log::record(inner, req, telemetry.clone()));

        let background = self.gateway.clone();
        let background = tokio::spawn(async move { background.run_background().await });
        let result = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(app, shutdown, Some(Duration::from_secs(10)))
            .await;
        background.abort();
        result
    }
}

/// Swagger UI (bundled, works offline) under a title that names the dialect.
fn swagger_page(html: String, title: &str) -> impl poem::Endpoint + 'static {
    let html = html.replacen("<title>Swagger UI</title>", &format!("<title>{title} - Swagger UI</title>"), 1);
    poem::endpoint::make_sync(move |_| poem::web::Html(html.clone()))
}
