use std::process::ExitCode;

use anyhow::Context;
use clap::FromArgMatches;
use companygate_domain::database;
use companygate_domain::fixtures::Fixture;
use companygate_server::settings::{Cli, Command, CommonSettings, DemoSettings, LogFormat};
use companygate_server::{Application, application, demo, openapi, sole_server};
use secrecy::ExposeSecret;

/// Allocations of 128 KiB and more get pages of their own, given back when freed. glibc raises
/// that threshold each time such a block is freed, after which large buffers (a 1.4 MB answer of
/// `/api/companies/my`, a bulk load's statements) stay in the heap; under load that kept about
/// 30 MB resident for good. Setting the threshold turns the raising off.
fn keep_large_allocations_apart() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

fn main() -> ExitCode {
    keep_large_allocations_apart();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("companygate: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run_main())
}

async fn run_main() -> ExitCode {
    let parsed = Cli::command_with_flags().try_get_matches().and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // A bare `companygate`: the help, as asked for.
            let _ = Cli::command_with_flags().print_help();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("companygate: {} (see companygate --help)", one_line(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    init_logging(&cli.command);
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("companygate: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A command-line error in one line: its first, with the names it lists below it (a missing
/// argument's, say) appended.
fn one_line(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("invalid arguments").trim_start_matches("error: ");
    let listed: Vec<&str> = lines.take_while(|line| line.starts_with("  ")).map(str::trim).collect();
    match listed.is_empty() {
        true => first.to_owned(),
        false => format!("{first} {}", listed.join(", ")),
    }
}

fn init_logging(command: &Command) {
    let format = match command {
        Command::Serve(s) => s.common.log_format,
        Command::Demo(d) => d.common.log_format,
        _ => LogFormat::Text,
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(settings) => {
            let shutdown = shutdown_signal();
            let gateway = application::gateway(&settings.database.database_url, &settings.common).await?;
            sole_server::claim(&settings.database.database_url)?;
            let app = Application::build(&settings.bind, gateway, &settings.common).await?;
            let base = format!("http://{}", app.address());
            tracing::info!(address = %app.address(), "listening");
            println!("companygate listening on {base} (Swagger UI: {base}/docs/reseller and {base}/docs/session)");
            app.run_until(shutdown).await?;
        }
        Command::Demo(settings) => {
            let file = std::env::temp_dir().join(format!("companygate-demo-{}.db", std::process::id()));
            let result = run_demo(settings, &file).await;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            result?;
        }
        Command::Migrate(args) => {
            application::open(&args.database_url, Default::default()).await?;
            println!("migrations applied");
        }
        Command::Seed { file, database } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let fixture = Fixture::from_json(&text).with_context(|| format!("{}", file.display()))?;
            let common = CommonSettings::from_args(std::iter::empty::<&str>())?;
            let gateway = application::gateway(&database.database_url, &common).await?;
            let report = gateway.seed(&fixture).await.with_context(|| format!("{}", file.display()))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Command::Backup { file, database } => {
            database::backup(&database.database_url, &file).await?;
            println!("wrote a copy of the database into {}", file.display());
        }
        Command::ExportOpenapi { dir } => {
            openapi::export(&dir).with_context(|| format!("cannot write into {}", dir.display()))?;
            println!("wrote reseller.json, reseller.yaml, session.json, session.yaml into {}", dir.display());
        }
    }
    Ok(())
}

/// `serve` on a throw-away SQLite file preloaded with the demo fixture.
async fn run_demo(settings: DemoSettings, file: &std::path::Path) -> anyhow::Result<()> {
    let shutdown = shutdown_signal();
    let _ = std::fs::remove_file(file);
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let mut common: CommonSettings = settings.common.clone();
    if common.god_token.is_none() {
        common.god_token = Some(demo::GOD_TOKEN.to_owned().into());
    }
    let god = common.god_token.as_ref().map(|t| t.expose_secret().to_owned()).unwrap_or_default();
    let gateway = application::gateway(&url, &common).await?;
    demo::seed(&gateway).await.context("cannot load the demo data")?;
    let app = Application::build(&settings.bind, gateway, &common).await?;
    println!("{}", demo::banner(&format!("http://{}", app.address()), &god));
    app.run_until(shutdown).await?;
    Ok(())
}

/// Installs the Ctrl-C and SIGTERM handlers now, so a signal that arrives right after start-up
/// is already caught, and resolves when one of them fires.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let ctrl_c = tokio::signal::ctrl_c();
    async move {
        #[cfg(unix)]
        let term = async {
            match term.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {},
            _ = term => {},
        }
        tracing::info!("shutting down; draining in-flight requests");
    }
}
