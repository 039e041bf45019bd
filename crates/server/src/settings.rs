//! The command line, read once. The only code that reads the environment.
use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

#[derive(Parser, Debug)]
#[command(
    name = "companygate",
    version,
    about = "One gateway, two company-management API dialects, one database.",
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The command line, whose help also lists every flag with its environment twin and default.
    pub fn command_with_flags() -> clap::Command {
        <Self as CommandFactory>::command().after_help(every_flag())
    }
}

/// Each flag of `serve` (the other commands take some of them), as its own help shows it: the
/// environment variable that sets it too, its default, and what it does.
fn every_flag() -> String {
    let serve = ServeSettings::command();
    let mut text = String::from(
        "Flags (`serve` takes every one; `demo` all but --database-url; `migrate`, `seed` and `backup` only \
         --database-url). Each can be set by its environment variable instead:",
    );
    for arg in serve.get_arguments().filter(|arg| !arg.is_hide_set()) {
        let Some(long) = arg.get_long() else { continue };
        text.push_str(&format!("\n  --{long}"));
        if let Some(env) = arg.get_env() {
            text.push_str(&format!("  [env: {}]", env.to_string_lossy()));
        }
        let defaults: Vec<String> =
            arg.get_default_values().iter().map(|value| value.to_string_lossy().into_owned()).collect();
        if !defaults.is_empty() {
            text.push_str(&format!(" [default: {}]", defaults.join(",")));
        }
        if let Some(help) = arg.get_help() {
            text.push_str(&format!("\n      {help}"));
        }
    }
    text
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the gateway.
    Serve(ServeSettings),
    /// Apply pending migrations and exit.
    Migrate(DatabaseArgs),
    /// Load a fixture file into the database (upserts) and print what it created as JSON.
    Seed {
        /// The fixture file (JSON).
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Write a consistent copy of the embedded SQLite database into FILE, also while it serves.
    Backup {
        /// The copy to write (a new file); serve it, or copy it back over the database file while
        /// no gateway runs, to restore.
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Serve on an embedded database preloaded with demo data; prints URLs and credentials.
    Demo(DemoSettings),
    /// Write reseller.{json,yaml} and session.{json,yaml} into DIR; needs no database.
    ExportOpenapi {
        /// Target directory (created if missing).
        dir: PathBuf,
    },
}

#[derive(Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// Database URL; a postgres:// URL switches to PostgreSQL.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://companygate.db?mode=rwc")]
    pub database_url: String,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Parser, Debug, Clone)]
pub struct ServeSettings {
    /// Address to listen on; port 0 picks a free port (the bound address is printed).
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub common: CommonSettings,
}

/// `demo` is `serve` with an in-memory database and demo data.
#[derive(Args, Debug, Clone)]
pub struct DemoSettings {
    /// Address to listen on.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    #[command(flatten)]
    pub common: CommonSettings,
}

#[derive(Args, Debug, Clone)]
pub struct CommonSettings {
    /// Enables god mode for requests carrying this token; unset or empty disables it.
    #[arg(long, env = "GOD_TOKEN", value_parser = parse_secret, hide_env_values = true)]
    pub god_token: Option<SecretString>,
    /// smtp://[user:password@]host:port, file:///dir, or unset to only log notifications.
    #[arg(long, env = "MAIL_URL", hide_env_values = true)]
    pub mail_url: Option<String>,
    /// Name used in notification e-mails.
    #[arg(long, env = "SITE_NAME", default_value = "companygate")]
    pub site_name: String,
    /// Log output format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Lifetime of issued access tokens.
    #[arg(long, env = "TOKEN_TTL_SECONDS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    pub token_ttl_seconds: u64,
    /// A session expires after this long without a request.
    #[arg(long, env = "SESSION_TTL_SECONDS", default_value_t = 7 * 24 * 3600, value_parser = clap::value_parser!(u64).range(1..))]
    pub session_ttl_seconds: u64,
    /// Proxies (IP addresses, comma-separated) whose X-Forwarded-Proto (cookies' Secure flag) and
    /// X-Forwarded-For (the caller's address, for rate limits and REST clients' IP restrictions)
    /// are believed.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,
    /// Token requests per minute for one client id.
    #[arg(long, env = "TOKEN_RATE_LIMIT_PER_CLIENT", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub token_rate_limit_per_client: u32,
    /// Token requests per minute from one IP address.
    #[arg(long, env = "TOKEN_RATE_LIMIT_PER_IP", default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..))]
    pub token_rate_limit_per_ip: u32,
    /// Login attempts per minute from one IP address.
    #[arg(long, env = "LOGIN_RATE_LIMIT_PER_IP", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_rate_limit_per_ip: u32,
    /// Login attempts per minute for one e-mail address.
    #[arg(long, env = "LOGIN_RATE_LIMIT_PER_EMAIL", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_rate_limit_per_email: u32,
    /// The longest a request waits for a database connection before it is answered 503.
    #[arg(long, env = "DATABASE_ACQUIRE_TIMEOUT_MS", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub database_acquire_timeout_ms: u64,
    /// Connecting to the mail relay, and each SMTP command, may take this long.
    #[arg(long, env = "MAIL_TIMEOUT_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub mail_timeout_seconds: u64,
    /// A notification that could not be sent is retried after this long, then twice as long each time.
    #[arg(long, env = "MAIL_RETRY_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub mail_retry_seconds: u64,
    /// A notification is given up (and kept in the outbox) after this many failed attempts.
    #[arg(long, env = "MAIL_MAX_ATTEMPTS", default_value_t = 10, value_parser = clap::value_parser!(i32).range(1..=100))]
    pub mail_max_attempts: i32,
    /// `/api` requests per minute for one API client.
    #[arg(long, env = "API_RATE_LIMIT_PER_CLIENT", default_value_t = 600, value_parser = clap::value_parser!(u32).range(1..))]
    pub api_rate_limit_per_client: u32,
    /// On SIGTERM, `/readyz` answers 503 this long before the listener closes, so that a load
    /// balancer's health check takes the replica out first; in-flight requests then finish.
    #[arg(long, env = "SHUTDOWN_DRAIN_SECONDS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=300))]
    pub shutdown_drain_seconds: u64,
    /// redis://[user:password@]host:port[/db]: the rate limits above are kept there, shared by
    /// every replica given the same Redis and key prefix. Unset: each replica keeps its own in memory.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Prepended to every Redis key the gateway writes.
    #[arg(long, env = "REDIS_KEY_PREFIX", default_value = "companygate:")]
    pub redis_key_prefix: String,
    /// No effect: every read goes to the database (nothing read is kept between requests).
    /// Accepted so that existing deployments that set it still start.
    #[arg(long, env = "KEEP_READS_IN_MEMORY", hide = true, action = clap::ArgAction::Set)]
    pub keep_reads_in_memory: Option<bool>,
    /// While Redis does not answer, requests are let through unlimited (open) or refused with 429
    /// (closed).
    #[arg(long, env = "RATE_LIMITS_WHEN_REDIS_UNREACHABLE", value_enum, default_value = "open")]
    pub rate_limits_when_redis_unreachable: FailureMode,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailureMode {
    Open,
    Closed,
}

fn parse_secret(text: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(text.to_owned()))
}

impl CommonSettings {
    /// Settings from flags alone (plus the environment), e.g. `["--god-token", "x"]`; unset ones
    /// take their defaults. Used by `seed` and by tests.
    pub fn from_args<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            common: CommonSettings,
        }
        let argv = std::iter::once(std::ffi::OsString::from("companygate")).chain(args.into_iter().map(Into::into));
        Only::try_parse_from(argv).map(|o| o.common)
    }
}
