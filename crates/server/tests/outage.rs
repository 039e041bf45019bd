//! PostgreSQL stopped under a running gateway: fast 503s with `Retry-After` in each dialect's own
//! format, `/healthz` still alive, `/readyz` unavailable; started again: service resumes without
//! a restart. The test runs its own PostgreSQL cluster (initdb + pg_ctl) so that stopping it
//! disturbs no other test.
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{http, seed, serve};

/// The newest PostgreSQL server binaries installed (Debian layout), or on the PATH.
fn pg_bin(name: &str) -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versions.sort_by_key(|p| {
        p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok())
    });
    versions.last().map(|bin| bin.join(name)).filter(|p| p.exists()).unwrap_or_else(|| PathBuf::from(name))
}

/// A throw-away PostgreSQL cluster on a free port. PostgreSQL refuses to run as root, so as
/// root its commands run as the `postgres` user.
struct Cluster {
    dir: PathBuf,
    port: u16,
    _keep: tempfile::TempDir,
}

fn as_postgres_user(program: PathBuf) -> Command {
    // SAFETY: getuid has no preconditions.
    if unsafe { libc_getuid() } == 0 {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

unsafe extern "C" {
    #[link_name = "getuid"]
    fn libc_getuid() -> u32;
}

fn run(mut command: Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Cluster {
    fn create() -> Self {
        let keep = tempfile::Builder::new().prefix("companygate-pg").tempdir_in("/tmp").unwrap();
        let dir = keep.path().join("data");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if unsafe { libc_getuid() } == 0 {
            run(
                {
                    let mut c = Command::new("chown");
                    c.args(["postgres:postgres"]).arg(keep.path());
                    c
                },
                "chown",
            );
        }
        let mut initdb = as_postgres_user(pg_bin("initdb"));
        initdb.args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"]).arg(&dir);
        run(initdb, "initdb");
        let cluster = Self { dir, port, _keep: keep };
        cluster.start();
        cluster
    }

    fn pg_ctl(&self, args: &[&str]) -> Command {
        let mut command = as_postgres_user(pg_bin("pg_ctl"));
        command.arg("-D").arg(&self.dir).args(args);
        command
    }

    fn start(&self) {
        let options =
            format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, self.socket_dir().display());
        let mut command = self.pg_ctl(&["-w", "-l"]);
        command.arg(self.dir.join("server.log")).args(["-o", &options, "start"]);
        run(command, "pg_ctl start");
    }

    fn stop(&self) {
        run(self.pg_ctl(&["-w", "-m", "fast", "stop"]), "pg_ctl stop");
    }

    fn socket_dir(&self) -> &Path {
        self.dir.parent().unwrap()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["-m", "immediate", "stop"]).output();
    }
}

/// Sends a request and returns status, `Retry-After` and body, failing if the answer takes
/// longer than the gateway's bound (acquire timeout 1 s here) could explain.
async fn timed(request: reqwest::RequestBuilder) -> (u16, Option<String>, Value) {
    let started = Instant::now();
    let answer =
        tokio::time::timeout(Duration::from_secs(8), request.send()).await.expect("an answer, not a hang").unwrap();
    let elapsed = started.elapsed();
    let status = answer.status().as_u16();
    let retry = answer.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    let text = answer.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    assert!(elapsed < Duration::from_secs(5), "answered after {elapsed:?}: {status} {body}");
    (status, retry, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_gives_fast_503s_and_service_resumes_without_restart() {
    let cluster = Cluster::create();
    seed(&cluster.url());
    let logs = tempfile::tempdir().unwrap();
    let served = serve(&cluster.url(), logs.path().join("log"), "warn", &["--database-acquire-timeout-ms", "1000"]);
    let client = http();
    let form =
        [("grant_type", "client_credentials"), ("client_id", "acme-reseller"), ("client_secret", "s3cret-value")];
    let token = |client: &reqwest::Client| client.post(served.url("/connect/token")).form(&form);
    let (status, _, body) = timed(token(&client)).await;
    assert_eq!(status, 200, "{body}");
    let bearer = body["access_token"].as_str().unwrap().to_owned();
    let my = |client: &reqwest::Client| client.get(served.url("/api/companies/my")).bearer_auth(&bearer);
    let login = |client: &reqwest::Client| {
        client.post(served.url("/auth/login")).json(&json!({"email": "company1@email.com", "password": "password123"}))
    };
    assert_eq!(timed(login(&client)).await.0, 200);
    assert_eq!(timed(my(&client)).await.0, 200);
    assert_eq!(timed(client.get(served.url("/readyz"))).await.0, 200);

    cluster.stop();
    for _ in 0..2 {
        let (status, retry, body) = timed(token(&client)).await;
        assert_eq!(
            (status, retry.as_deref(), body["error"].as_str()),
            (503, Some("5"), Some("temporarily_unavailable")),
            "{body}"
        );
        let (status, retry, body) = timed(my(&client)).await;
        assert_eq!(
            (status, retry.as_deref(), body["status"].as_str()),
            (503, Some("5"), Some("SERVICE_UNAVAILABLE")),
            "{body}"
        );
        assert_eq!(body["isSuccess"], false);
        let (status, retry, body) = timed(client.get(served.url("/auth/me"))).await;
        assert_eq!((status, retry.as_deref()), (503, Some("5")), "{body}");
        assert_eq!(body, json!({"error_code": 99, "errors": [{"msg": "service-unavailable"}]}));
        let (status, _, body) = timed(login(&http())).await;
        assert_eq!((status, body["error_code"].as_i64()), (503, Some(99)), "{body}");
        let (status, _, body) = timed(client.get(served.url("/company?limit=5"))).await;
        assert_eq!((status, body["error_code"].as_i64()), (503, Some(99)), "{body}");
        let (status, retry, body) = timed(client.get(served.url("/readyz"))).await;
        assert_eq!((status, retry.as_deref(), body["status"].as_str()), (503, Some("5"), Some("unavailable")));
        assert_eq!(timed(client.get(served.url("/healthz"))).await.0, 200, "the process itself is alive");
    }

    cluster.start();
    let mut ready = false;
    for _ in 0..40 {
        if timed(client.get(served.url("/readyz"))).await.0 == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(ready, "ready again once PostgreSQL is back");
    assert_eq!(timed(token(&client)).await.0, 200);
    assert_eq!(timed(my(&client)).await.0, 200, "the token issued before the outage still works");
    assert_eq!(timed(client.get(served.url("/auth/me"))).await.0, 200, "so does the session");

    // A restart while the gateway is idle breaks every pooled connection; the first requests
    // after it must not be the ones that find out (a connection idle for a second is tested
    // before use).
    cluster.stop();
    cluster.start();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    for _ in 0..3 {
        assert_eq!(timed(token(&client)).await.0, 200, "a token after a restart the gateway slept through");
        assert_eq!(timed(my(&client)).await.0, 200);
        assert_eq!(timed(client.get(served.url("/auth/me"))).await.0, 200);
    }
    let log = served.stop();
    assert!(!log.contains("panicked"), "{log}");
}
