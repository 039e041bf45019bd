//! The real `companygate` binary as a child process: seeded with the demo fixture, serving on a
//! free port, its log captured in a file.
#![allow(dead_code)] // each test binary uses part of this
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub const DEMO_FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/demo.json");
pub const GOD_TOKEN: &str = "process-test-god-token-9d1c";

/// The binary under test: this build's, or another one named by `COMPANYGATE_BIN` (to run the same
/// checks against an earlier build).
pub fn binary() -> String {
    std::env::var("COMPANYGATE_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_companygate").to_owned())
}

pub struct Served {
    pub base: String,
    pub log: PathBuf,
    child: Child,
}

/// Loads the demo fixture into `database_url`.
pub fn seed(database_url: &str) {
    let output = Command::new(binary())
        .args(["seed", DEMO_FIXTURE, "--database-url", database_url])
        .env("RUST_LOG", "off")
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "seed failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// `companygate serve` on a free port with the given extra flags; `log` receives its stderr.
pub fn serve(database_url: &str, log: PathBuf, rust_log: &str, flags: &[&str]) -> Served {
    let file = std::fs::File::create(&log).expect("log file");
    let mut child = Command::new(binary())
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", database_url, "--god-token", GOD_TOKEN])
        .args(flags)
        .env("RUST_LOG", rust_log)
        .env_remove("DATABASE_URL")
        .env_remove("GOD_TOKEN")
        .stdout(Stdio::piped())
        .stderr(file)
        .spawn()
        .expect("the binary runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("a first line");
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}: {}", std::fs::read_to_string(&log).unwrap_or_default()))
        .to_owned();
    Served { base, log, child }
}

impl Served {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A line of `/proc/PID/status`, in kB (e.g. `VmRSS`, `VmHWM`).
    pub fn memory_kb(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("/proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc status"))
    }

    /// SIGTERM, wait, and the whole log.
    pub fn stop(mut self) -> String {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).build().expect("http client")
}
