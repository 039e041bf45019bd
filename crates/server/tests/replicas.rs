//! Every replica sees every answered write (`common.md`): two `companygate serve` processes over
//! one PostgreSQL database, a steady read load on the second, and rounds of writes answered by the
//! first, each followed at once by a read on the second. Each round first reads the state on the
//! second replica, so that anything it might keep from that read is in place. On SQLite one
//! serving process per database file is the supported deployment: a second `serve` is refused,
//! and a `seed` run beside the server is seen by its next request.
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use reqwest::multipart::Form;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

use support::{GOD_TOKEN, Served, http, seed, serve};

/// Rounds of each kind of write.
const ROUNDS: usize = 100;

/// Readers keeping the second replica busy while the rounds run.
const READERS: usize = 8;

/// Rate limits out of the way of the load and the rounds.
const UNLIMITED: [&str; 6] = [
    "--api-rate-limit-per-client",
    "100000000",
    "--token-rate-limit-per-client",
    "100000000",
    "--token-rate-limit-per-ip",
    "100000000",
];

fn admin_postgres_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A PostgreSQL database of its own, dropped at the end.
struct PgDatabase {
    name: String,
    url: String,
}

impl PgDatabase {
    async fn new() -> Self {
        let name = format!("companygate_replicas_{:016x}", rand::random::<u64>());
        let admin = Database::connect(admin_postgres_url()).await.expect("PostgreSQL is reachable");
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create database");
        let url = match admin_postgres_url().rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("TEST_DATABASE_URL names a database"),
        };
        Self { name, url }
    }

    async fn drop(self) {
        let admin = Database::connect(admin_postgres_url()).await.expect("PostgreSQL is reachable");
        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).await;
    }
}

/// A complete, valid company form.
fn form(name: &str) -> Form {
    Form::new()
        .text("Name", name.to_owned())
        .text("IndustryResourceId", "industry0001")
        .text("CountryResourceId", "country00003")
        .text("LicenseTypeResourceId", "licenseType2")
        .text("LicensePeriodTypeResourceId", "licPeriod002")
        .text("NumberOfUsers", "25")
        .text("TimeZoneId", "Europe/Lisbon")
        .text("DateFormat", "dd/MM/yyyy")
        .text("TimeFormat", "HH:mm")
        .text("IsNumberOfUsersLimited", "true")
        .text("LicenseEndDate", "2030-01-31")
}

/// The 24-hex spelling of a 12-character id.
fn hex(resource_id: &str) -> String {
    resource_id.bytes().map(|b| format!("{b:02x}")).collect()
}

async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("the replica answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn token(client: &reqwest::Client, served: &Served, id: &str, secret: &str) -> String {
    let form = [("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret), ("scope", "api1")];
    let (status, body) = answer(client.post(served.url("/connect/token")).form(&form)).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("a token").to_owned()
}

/// A steady read load on `b`: company reads and searches, as a reseller's console sends them.
fn read_load(b: &Served, token: &str, stop: Arc<AtomicBool>, reads: Arc<AtomicU64>) {
    for reader in 0..READERS {
        let (client, base, token, stop, reads) =
            (http(), b.base.clone(), token.to_owned(), stop.clone(), reads.clone());
        tokio::spawn(async move {
            let search = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CompanyName", "ascending": true});
            while !stop.load(Ordering::Relaxed) {
                let request = match reader % 2 {
                    0 => client.get(format!("{base}/api/companies/Cust0mer0002")).bearer_auth(&token),
                    _ => client.post(format!("{base}/api/companies/search")).bearer_auth(&token).json(&search),
                };
                if request.send().await.is_ok() {
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
}

struct Rounds<'a> {
    a: &'a Served,
    b: &'a Served,
    client: reqwest::Client,
    acme: String,
    stale: std::cell::RefCell<Vec<String>>,
}

impl Rounds<'_> {
    /// Counts a stale answer: `seen` is not what the write just answered should give.
    fn stale(&self, kind: &str, round: usize, seen: &(u16, Value), expected: &str) {
        let answer = format!("{kind}, round {round}: {} {} (expected {expected})", seen.0, seen.1);
        self.stale.borrow_mut().push(answer);
    }

    /// A new client's token stops working on B once A has answered the client's deletion.
    async fn client_revocation(&self, round: usize) {
        let client_id = format!("revoked-{round}");
        let body = json!({"name": "Revoked", "clientId": client_id, "clientSecret": "brand-new-s3cret", "statusId": 1,
                          "hasIpAddressRestriction": false, "allowedIpAddresses": [],
                          "roleResourceIdList": ["RoleReseller"]});
        let request = self.client.post(self.a.url("/api/companies/clients")).bearer_auth(&self.acme).json(&body);
        let (status, created) = answer(request).await;
        assert_eq!(status, 200, "{created}");
        let id = created["data"]["resourceId"].as_str().unwrap().to_owned();
        let token = token(&self.client, self.a, &client_id, "brand-new-s3cret").await;
        let read = || self.client.get(self.b.url("/api/industries")).bearer_auth(&token);
        assert_eq!(answer(read()).await.0, 200, "the new client's token works on B");
        let request = self.client.delete(self.a.url(&format!("/api/companies/clients/{id}"))).bearer_auth(&self.acme);
        assert_eq!(answer(request).await.0, 200);
        let seen = answer(read()).await;
        if seen.0 != 401 {
            self.stale("client revocation", round, &seen, "401");
        }
    }

    /// A new company read on B is not found on B once A has answered its deletion, in either
    /// dialect.
    async fn company_deletion(&self, round: usize, session_dialect: bool) {
        let create = self.client.post(self.a.url("/api/companies")).bearer_auth(&self.acme);
        let (status, created) = answer(create.multipart(form(&format!("Deleted {round}")))).await;
        assert_eq!(status, 200, "{created}");
        let id = created["data"]["resourceId"].as_str().unwrap().to_owned();
        let read = || self.client.get(self.b.url(&format!("/api/companies/{id}"))).bearer_auth(&self.acme);
        assert_eq!(answer(read()).await.0, 200, "the new company reads on B");
        let deleted = match session_dialect {
            true => {
                let path = format!("/company/{}/delete", hex(&id));
                self.client.post(self.a.url(&path)).json(&json!({"god_token": GOD_TOKEN}))
            }
            false => self.client.delete(self.a.url(&format!("/api/companies/{id}"))).bearer_auth(&self.acme),
        };
        assert_eq!(answer(deleted).await.0, 200);
        let seen = answer(read()).await;
        if seen.0 != 404 {
            let kind = if session_dialect { "session deletion" } else { "reseller deletion" };
            self.stale(kind, round, &seen, "404");
        }
    }

    /// A company blocked on A reads as blocked on B (anonymous readers are told it is not found),
    /// and as unblocked once A answers that.
    async fn block(&self, round: usize) {
        let company = hex("Cust0mer0002");
        let read = || self.client.get(self.b.url(&format!("/company/{company}")));
        assert_eq!(answer(read()).await.0, 200);
        let reason = json!({"god_token": GOD_TOKEN, "adminReason": "checking replicas"});
        let block = self.client.put(self.a.url(&format!("/company/{company}/block"))).json(&reason);
        assert_eq!(answer(block).await.0, 200);
        let seen = answer(read()).await;
        if seen.0 != 422 {
            self.stale("block", round, &seen, "422");
        }
        let god = json!({"god_token": GOD_TOKEN});
        let unblock = self.client.put(self.a.url(&format!("/company/{company}/unblock"))).json(&god);
        assert_eq!(answer(unblock).await.0, 200);
        let seen = answer(read()).await;
        if seen.0 != 200 {
            self.stale("unblock", round, &seen, "200");
        }
    }

    /// A company disabled on A: its client's token is refused on B, and works again on B once A
    /// has answered the company's enabling.
    async fn disable(&self, round: usize, token: &str) {
        let company = hex("Cust0mer0001");
        let read = || self.client.get(self.b.url("/api/companies/Cust0mer0001")).bearer_auth(token);
        assert_eq!(answer(read()).await.0, 200);
        let god = json!({"god_token": GOD_TOKEN});
        let disable = self.client.put(self.a.url(&format!("/company/{company}/disable"))).json(&god);
        assert_eq!(answer(disable).await.0, 200);
        let seen = answer(read()).await;
        if seen.0 != 401 {
            self.stale("disable", round, &seen, "401");
        }
        let enable = self.client.put(self.a.url(&format!("/company/{company}/enable"))).json(&god);
        assert_eq!(answer(enable).await.0, 200);
        let seen = answer(read()).await;
        if seen.0 != 200 {
            self.stale("enable", round, &seen, "200");
        }
    }

    /// A company renamed on A reads with its new name on B.
    async fn update(&self, round: usize) {
        let read = || self.client.get(self.b.url("/api/companies/Cust0mer0002")).bearer_auth(&self.acme);
        assert_eq!(answer(read()).await.0, 200);
        let name = format!("Renamed {round}");
        let put = self.client.put(self.a.url("/api/companies/Cust0mer0002")).bearer_auth(&self.acme);
        let (status, body) = answer(put.multipart(form(&name))).await;
        assert_eq!(status, 200, "{body}");
        let seen = answer(read()).await;
        if seen.1["data"]["name"] != json!(name) {
            self.stale("update", round, &seen, &name);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answered_write_is_seen_by_the_next_request_to_another_replica() {
    let database = PgDatabase::new().await;
    seed(&database.url);
    let logs = tempfile::tempdir().expect("a temporary directory");
    let a = serve(&database.url, logs.path().join("a.log"), "warn", &UNLIMITED);
    let b = serve(&database.url, logs.path().join("b.log"), "warn", &UNLIMITED);
    let client = http();
    let acme = token(&client, &a, "acme-reseller", "s3cret-value").await;
    let company_admin = token(&client, &a, "acme-company-admin", "admin-s3cret").await;
    let (stop, reads) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
    read_load(&b, &acme, stop.clone(), reads.clone());
    let rounds = Rounds { a: &a, b: &b, client, acme, stale: Default::default() };
    for round in 0..ROUNDS {
        rounds.client_revocation(round).await;
        rounds.company_deletion(round, false).await;
        rounds.company_deletion(round, true).await;
        rounds.block(round).await;
        rounds.disable(round, &company_admin).await;
        rounds.update(round).await;
    }
    stop.store(true, Ordering::Relaxed);
    let reads = reads.load(Ordering::Relaxed);
    println!("{ROUNDS} rounds of each write; {reads} reads of the load on the second replica meanwhile");
    let stale = rounds.stale.into_inner();
    drop((a, b));
    database.drop().await;
    assert!(reads > ROUNDS as u64, "the second replica was under a read load ({reads} reads)");
    assert!(stale.is_empty(), "{} stale answers:\n{}", stale.len(), stale.join("\n"));
}

/// SQLite: a second `serve` on the file a server is serving is refused with a clear message, and a
/// `seed` run beside the server is seen by the server's very next request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_server_per_sqlite_file_and_a_seed_beside_it_is_seen_at_once() {
    let files = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}?mode=rwc", files.path().join("served.db").display());
    seed(&url);
    let served = serve(&url, files.path().join("a.log"), "warn", &[]);
    let second = std::process::Command::new(support::binary())
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", &url])
        .env("RUST_LOG", "off")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success(), "a second server on one SQLite file starts: {stderr}");
    assert!(stderr.contains("another companygate is already serving"), "{stderr}");
    assert!(stderr.contains("served.db"), "{stderr}");

    let client = http();
    let acme = token(&client, &served, "acme-reseller", "s3cret-value").await;
    let read = || client.get(served.url("/api/companies/SeededLate01")).bearer_auth(&acme);
    assert_eq!(answer(read()).await.0, 404);
    let fixture = files.path().join("late.json");
    let late = json!({"companies": [{"resourceId": "SeededLate01", "name": "Seeded Late", "parent": "xC5kfGz7w2Nz"}]});
    std::fs::write(&fixture, late.to_string()).expect("fixture written");
    let output = std::process::Command::new(support::binary())
        .args(["seed", fixture.to_str().unwrap(), "--database-url", &url])
        .env("RUST_LOG", "off")
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "seed beside the server: {}", String::from_utf8_lossy(&output.stderr));
    let (status, body) = answer(read()).await;
    assert_eq!((status, &body["data"]["name"]), (200, &json!("Seeded Late")), "{body}");
}
