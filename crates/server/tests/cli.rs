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
    let seed = companygate(&["seed"]);
    assert_eq!(seed.status.code(), Some(2));
    assert_one_clear_line(&seed, "the following required arguments were not provided: <FILE>");
}

#[test]
fn an_unreachable_database_is_one_line() {
    let output = companygate(&["migrate", "--database-url", "postgres://nobody@127.0.0.1:1/none"]);
    assert_one_clear_line(&output, "cannot migrate the database");
    let output = companygate(&["serve", "--database-url", "mysql://nope"]);
    assert_one_clear_line(&output, "cannot open the database");
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
