//! The `companygate` command line: bad input is one clear line and a non-zero exit, never a panic.
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

fn companygate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_companygate"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("GOD_TOKEN")
        .env("RUST_LOG", "off")
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_one_clear_line(output: &Output, expected: &str) {
    let text = stderr(output);
    assert!(!output.status.success(), "should fail: {text}");
    assert_eq!(text.trim_end().lines().count(), 1, "one line expected, got: {text}");
    assert!(text.contains(expected), "{text:?} should mention {expected:?}");
    assert!(!text.contains("panicked"), "{text}");
}

#[test]
fn an_unknown_flag_is_one_line_and_exit_code_2() {
    let output = companygate(&["serve", "--no-such-flag"]);
    assert_eq!(output.status.code(), Some(2));
    assert_one_clear_line(&output, "--no-such-flag");
    assert_one_clear_line(&companygate(&["serve", "--token-ttl-seconds", "soon"]), "soon");
    assert_one_clear_line(&companygate(&["serve", "--log-format", "xml"]), "xml");
}

#[test]
fn a_bare_companygate_prints_the_help_and_a_missing_argument_is_named() {
    let bare = companygate(&[]);
    let help = String::from_utf8_lossy(&bare.stdout);
    assert_eq!(bare.status.code(), Some(0), "{}", stderr(&bare));
    assert!(help.contains("Usage: companygate <COMMAND>") && help.contains("serve"), "{help}");
    // Every flag of `serve`, with its environment twin and default, in both helps.
    let serve = String::from_utf8_lossy(&companygate(&["serve", "--help"]).stdout).into_owned();
    let flags: Vec<&str> = serve.split_whitespace().filter(|w| w.starts_with("--") && *w != "--help").collect();
    assert!(flags.len() >= 20 && flags.contains(&"--redis-url"), "{serve}");
    for flag in flags {
        assert!(help.contains(&format!("{flag}  [env: ")), "{flag} is listed with its variable: {help}");
    }
    assert!(help.contains("--database-url  [env: DATABASE_URL] [default: sqlite://companygate.db?mode=rwc]"), "{help}");
    assert!(help.contains("--token-ttl-seconds  [env: TOKEN_TTL_SECONDS] [default: 3600]"), "{help}");
    assert!(serve.contains("[env: BIND=]") && serve.contains("[default: 127.0.0.1:8080]"), "{serve}");
    assert_eq!(companygate(&["--help"]).stdout, bare.stdout);
    let seed = companygate(&["seed"]);
    assert_eq!(seed.status.code(), Some(2));
    assert_one_clear_line(&seed, "the following required arguments were not provided: <FILE>");
}

#[test]
fn an_unreachable_database_is_one_line() {
    let output = companygate(&["migrate", "--database-url", "postgres://nobody@127.0.0.1:1/none"]);
    assert_one_clear_line(
        &output,
        "cannot reach PostgreSQL at 127.0.0.1:1 (database none, user nobody): Connection refused",
    );
    let output = companygate(&["migrate", "--database-url", "sqlite:///no/such/folder/x.db"]);
    assert_one_clear_line(&output, "cannot open the SQLite database file /no/such/folder/x.db");
    let output = companygate(&["serve", "--database-url", "mysql://nope"]);
    assert_one_clear_line(&output, "cannot open the database");
}

#[test]
fn a_sqlite_file_named_without_a_mode_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fresh.db");
    let output = companygate(&["migrate", "--database-url", &format!("sqlite://{}", file.display())]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(file.exists());
}

#[test]
fn seed_loads_a_fixture_idempotently_and_names_a_bad_entry() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("seed.db").display());
    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        r#"{"companies":[{"name":"Child","parent":"xC5kfGz7w2Nz","resourceId":"Child0000001"},{"resourceId":"xC5kfGz7w2Nz","name":"Parent"}],
            "accounts":[{"email":"Boss@Child.example","password":"pw","company":"Child0000001"}],
            "apiClients":[{"company":"xC5kfGz7w2Nz","clientId":"p","clientSecret":"s","role":"Reseller"}]}"#,
    )
    .unwrap();
    for run in 0..2 {
        let output = companygate(&["seed", good.to_str().unwrap(), "--database-url", &db]);
        assert!(output.status.success(), "{}", stderr(&output));
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
        if run == 0 {
            assert_eq!(report["companies"][0]["resourceId"], "xC5kfGz7w2Nz", "parents are loaded first");
            assert_eq!(report["companies"][1]["_id"], "4368696c6430303030303031");
        }
        assert_eq!(report["companies"].as_array().unwrap().len(), 2);
        assert_eq!(report["accounts"][0], "boss@child.example");
    }
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"companies":[{"name":"A"},{"name":"Orphan","parent":"NoSuchParent"}]}"#).unwrap();
    assert_one_clear_line(
        &companygate(&["seed", bad.to_str().unwrap(), "--database-url", &db]),
        "companies[1] (\"Orphan\")",
    );
    std::fs::write(&bad, r#"{"companies":[{"nmae":"typo"}]}"#).unwrap();
    assert_one_clear_line(&companygate(&["seed", bad.to_str().unwrap(), "--database-url", &db]), "nmae");
    assert_one_clear_line(&companygate(&["seed", "/no/such/file.json", "--database-url", &db]), "cannot read");
}

#[test]
fn export_openapi_writes_four_files_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let output = companygate(&["export-openapi", dir.path().to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    for name in ["reseller.json", "reseller.yaml", "session.json", "session.yaml"] {
        assert!(std::fs::metadata(dir.path().join(name)).unwrap().len() > 100, "{name}");
    }
}

#[test]
fn serve_on_port_zero_prints_its_address_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("serve.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_companygate"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", &db])
        .env("RUST_LOG", "off")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("companygate listening on http://127.0.0.1:"), "{line}");
    assert!(!line.contains(":0 "), "the real port is printed: {line}");
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

/// `serve` on `db` with its port 0, logging nothing; the child and the base URL it printed.
fn serve(db: &str) -> (std::process::Child, String) {
    serve_logging(db, "off")
}

/// `serve` on `db` with its port 0 and JSON logs at `level` on a piped stderr.
fn serve_logging(db: &str, level: &str) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_companygate"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", db, "--log-format", "json"])
        .env("RUST_LOG", level)
        .stdout(Stdio::piped())
        .stderr(if level == "off" { Stdio::null() } else { Stdio::piped() })
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.split_whitespace().find(|w| w.starts_with("http://")).expect("the address is printed").to_owned();
    (child, base)
}

/// A token of the reseller client `FIXTURE` loads.
async fn token(client: &reqwest::Client, base: &str) -> String {
    let token: serde_json::Value = client
        .post(format!("{base}/connect/token"))
        .form(&[("grant_type", "client_credentials"), ("client_id", "p"), ("client_secret", "s")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().expect("a token").to_owned()
}

/// The status of `GET /api/companies/Child0000001` for the seeded reseller client at `base`.
async fn child_status(base: &str) -> u16 {
    let client = reqwest::Client::new();
    let token = token(&client, base).await;
    let reply = client.get(format!("{base}/api/companies/Child0000001")).bearer_auth(token).send().await.unwrap();
    reply.status().as_u16()
}

/// A parent, its child and a reseller API client `p`/`s` of the parent.
const FIXTURE: &str = r#"{"companies":[{"resourceId":"xC5kfGz7w2Nz","name":"Parent"},{"name":"Child","parent":"xC5kfGz7w2Nz","resourceId":"Child0000001"}],
    "apiClients":[{"company":"xC5kfGz7w2Nz","clientId":"p","clientSecret":"s","role":"Reseller"}]}"#;

#[tokio::test]
async fn refusals_are_logged_below_error_with_the_specs_route() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("log.db").display());
    let fixture = dir.path().join("fixture.json");
    std::fs::write(&fixture, FIXTURE).unwrap();
    assert!(companygate(&["seed", fixture.to_str().unwrap(), "--database-url", &db]).status.success());
    let (mut server, base) = serve_logging(&db, "info");
    let client = reqwest::Client::new();
    let token = token(&client, &base).await;
    let missing = format!("{base}/api/companies/NoSuchComp01");
    assert_eq!(client.delete(&missing).bearer_auth(&token).send().await.unwrap().status(), 404);
    assert_eq!(client.get(&missing).bearer_auth(&token).send().await.unwrap().status(), 404);
    assert_eq!(client.patch(&missing).bearer_auth(&token).send().await.unwrap().status(), 405);
    Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(&mut server.stderr.take().unwrap(), &mut log).unwrap();
    server.wait().unwrap();
    let lines: Vec<serde_json::Value> = log.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    assert!(lines.iter().all(|line| line["level"] != "ERROR"), "{log}");
    let routes: Vec<(String, u64)> = lines
        .iter()
        .filter(|line| line["fields"]["message"] == "request")
        .map(|line| {
            (line["span"]["route"].as_str().unwrap_or("").to_owned(), line["fields"]["status"].as_u64().unwrap())
        })
        .collect();
    let by_id = "/api/companies/{resourceId}".to_owned();
    assert_eq!(routes[1..], [(by_id.clone(), 404), (by_id.clone(), 404), (by_id, 405)], "{log}");
}

#[tokio::test]
async fn backup_copies_a_served_database_and_the_copy_restores() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("live.db");
    let db = format!("sqlite://{}?mode=rwc", file.display());
    let (mut live, _) = serve(&db);
    // Loaded while the gateway serves, so it sits in the write-ahead log, not yet in live.db.
    let fixture = dir.path().join("fixture.json");
    std::fs::write(&fixture, FIXTURE).unwrap();
    assert!(companygate(&["seed", fixture.to_str().unwrap(), "--database-url", &db]).status.success());
    let copy = dir.path().join("copy.db");
    let output = companygate(&["backup", copy.to_str().unwrap(), "--database-url", &db]);
    assert!(output.status.success(), "{}", stderr(&output));
    // A second backup into the same file is refused, naming it.
    let again = companygate(&["backup", copy.to_str().unwrap(), "--database-url", &db]);
    assert_one_clear_line(&again, "copy.db already exists");
    let postgres = companygate(&["backup", "x.db", "--database-url", "postgres://nobody@127.0.0.1:1/none"]);
    assert_one_clear_line(&postgres, "pg_dump");
    Command::new("kill").args(["-TERM", &live.id().to_string()]).status().unwrap();
    live.wait().unwrap();

    // Restored: the copy alone (no -wal beside it) serves what was loaded.
    assert!(!dir.path().join("copy.db-wal").exists());
    let restored = dir.path().join("restored.db");
    std::fs::copy(&copy, &restored).unwrap();
    let (mut server, base) = serve(&format!("sqlite://{}", restored.display()));
    assert_eq!(child_status(&base).await, 200);
    Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    server.wait().unwrap();
}
