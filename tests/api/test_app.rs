//! `spawn_app`: the real application on port 0 over a fresh database (a temporary SQLite file, or a
//! freshly created PostgreSQL database), seeded with the fixture below, plus typed helpers.
use std::path::PathBuf;
use std::sync::Once;

use companygate_domain::fixtures::Fixture;
use companygate_server::Application;
use companygate_server::application;
use companygate_server::settings::CommonSettings;
use oauth2::basic::BasicClient;
use oauth2::{AuthType, ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub const GOD_TOKEN: &str = "test-god-token-7f3a";

/// The database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per database for each `async fn name(db: Db)` listed.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name($crate::test_app::Db::Sqlite).await }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name($crate::test_app::Db::Postgres).await }
            )*
        }
    };
}

/// Companies: Acme (reseller) manages Northwind (sub-reseller), test-company-1 and
/// test-company-2; Northwind manages Contoso; Globex (another reseller) manages Globex Customer.
pub const FIXTURE: &str = r#"{
  "companies": [
    {"resourceId": "xC5kfGz7w2Nz", "name": "Acme Security Reseller", "createTime": "2026-01-01T00:00:00Z"},
    {"resourceId": "SubReseller1", "name": "Northwind Sub-Reseller", "parent": "xC5kfGz7w2Nz", "createTime": "2026-01-02T00:00:00Z"},
    {"resourceId": "Cust0mer0001", "name": "test-company-1", "parent": "xC5kfGz7w2Nz",
     "hasFinishedRegistration": true, "contacts": ["ceo@one.example"], "bio": "text",
     "logo": "https://one.example/logo.png", "isBlocked": false, "isDisabled": false,
     "adminReason": null, "numberOfUsers": 2, "isNumberOfUsersLimited": true,
     "licenseEndDate": "2027-06-30T00:00:00Z", "tags": ["emea"], "createTime": "2026-01-03T00:00:00Z"},
    {"resourceId": "Cust0mer0002", "name": "test-company-2", "parent": "xC5kfGz7w2Nz",
     "hasFinishedRegistration": true, "contacts": [], "createTime": "2026-01-04T00:00:00Z",
     "licenseEndDate": "2025-01-01T00:00:00Z"},
    {"resourceId": "Cust0mer0003", "name": "Contoso Ltd", "parent": "SubReseller1", "createTime": "2026-01-05T00:00:00Z"},
    {"resourceId": "OtherReslr01", "name": "Globex Reseller", "createTime": "2026-01-06T00:00:00Z"},
    {"resourceId": "OtherCust001", "name": "Globex Customer", "parent": "OtherReslr01", "createTime": "2026-01-07T00:00:00Z"}
  ],
  "accounts": [
    {"email": "admin@email.com", "password": "password123", "isAdmin": true},
    {"email": "company1@email.com", "password": "password123", "company": "Cust0mer0001"},
    {"email": "company2@email.com", "password": "password123", "company": "Cust0mer0002"}
  ],
  "offers": [
    {"company": "Cust0mer0001", "title": "Test Offer", "publishDate": "2026-11-01T00:00:00Z", "publishEndDate": "2027-03-01T00:00:00Z", "jobMinDuration": 1, "jobMaxDuration": 6, "description": "An offer.", "contacts": ["jobs@one.example"], "jobType": "FULL-TIME", "fields": ["BACKEND"], "technologies": ["Rust"], "requirements": ["Curiosity"], "ownerLogo": "https://logos.example.com/one.png", "location": "Porto"},
    {"company": "Cust0mer0001", "title": "Hidden Offer", "isHidden": true, "publishDate": "2026-11-01T00:00:00Z", "publishEndDate": "2027-03-01T00:00:00Z", "jobMinDuration": 1, "jobMaxDuration": 6, "description": "An offer.", "contacts": ["jobs@one.example"], "jobType": "FULL-TIME", "fields": ["BACKEND"], "technologies": ["Rust"], "requirements": ["Curiosity"], "ownerLogo": "https://logos.example.com/one.png", "location": "Porto"},
    {"company": "Cust0mer0002", "title": "Other Offer", "publishDate": "2026-11-01T00:00:00Z", "publishEndDate": "2027-03-01T00:00:00Z", "jobMinDuration": 1, "jobMaxDuration": 6, "description": "An offer.", "contacts": ["jobs@one.example"], "jobType": "FULL-TIME", "fields": ["BACKEND"], "technologies": ["Rust"], "requirements": ["Curiosity"], "ownerLogo": "https://logos.example.com/one.png", "location": "Porto"}
  ],
  "targetUsers": [
    {"company": "Cust0mer0001", "email": "ann@one.example", "firstName": "Ann"},
    {"company": "Cust0mer0001", "email": "bob@one.example"},
    {"company": "Cust0mer0001", "email": "cy@one.example"},
    {"company": "Cust0mer0001", "email": "old@one.example", "state": "inactive"},
    {"company": "Cust0mer0002", "email": "dee@two.example", "state": "deleted"}
  ],
  "apiClients": [
    {"company": "xC5kfGz7w2Nz", "clientId": "acme-reseller", "clientSecret": "s3cret-value", "role": "Reseller", "name": "CI"},
    {"company": "SubReseller1", "clientId": "northwind-reseller", "clientSecret": "n0rth-s3cret", "role": "Reseller"},
    {"company": "Cust0mer0001", "clientId": "company1-admin", "clientSecret": "c1-s3cret", "role": "Company Admin"},
    {"company": "OtherReslr01", "clientId": "globex-reseller", "clientSecret": "gl0bex-s3cret", "role": "Reseller"},
    {"company": "xC5kfGz7w2Nz", "clientId": "acme-inactive", "clientSecret": "inactive-s3cret", "role": "Reseller", "statusId": 2}
  ]
}"#;

/// The 24-hex spelling of a 12-character id.
pub fn hex(resource_id: &str) -> String {
    resource_id.bytes().map(|b| format!("{b:02x}")).collect()
}

pub struct TestApp {
    pub address: String,
    database_url: String,
    /// Keeps cookies, like a browser.
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub mail_dir: PathBuf,
    _files: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    pg_database: Option<String>,
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Quiet unless TEST_LOG is set.
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt().with_env_filter("info,sqlx=warn").with_test_writer().try_init();
        }
    });
}

fn admin_postgres_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn with_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("TEST_DATABASE_URL is a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, &[]).await
}

/// Like `spawn_app`, with extra `serve` flags.
pub async fn spawn_app_with(db: Db, extra_flags: &[&str]) -> TestApp {
    spawn_app_seeded(db, extra_flags, FIXTURE).await
}

/// Like `spawn_app_with`, over the given fixture instead of `FIXTURE` (`"{}"` for an empty database).
pub async fn spawn_app_seeded(db: Db, extra_flags: &[&str], fixture: &str) -> TestApp {
    init_logs();
    let files = tempfile::tempdir().expect("temporary directory");
    let mail_dir = files.path().join("mail");
    let (database_url, pg_database) = new_database(db, &files).await;
    let mut flags: Vec<String> =
        vec!["--god-token".into(), GOD_TOKEN.into(), "--site-name".into(), "companygate-test".into()];
    // Mail goes to files unless the test names its own relay.
    if !extra_flags.contains(&"--mail-url") {
        flags.extend(["--mail-url".into(), format!("file://{}", mail_dir.display())]);
    }
    flags.extend(extra_flags.iter().map(|s| s.to_string()));
    let common = CommonSettings::from_args(flags).expect("valid test flags");
    let gateway = application::gateway(&database_url, &common).await.expect("gateway starts");
    gateway.seed(&Fixture::from_json(fixture).expect("fixture parses")).await.expect("fixture loads");
    let app = Application::build("127.0.0.1:0", gateway, &common).await.expect("binds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder().cookie_store(true).build().expect("http client");
    let db = Database::connect(&database_url).await.expect("test connects to its database");
    TestApp {
        address,
        database_url: database_url.clone(),
        client,
        db,
        mail_dir,
        _files: files,
        shutdown: Some(tx),
        pg_database,
    }
}

/// The Redis the shared-limit tests use (`TEST_REDIS_URL`, default the local one).
pub fn test_redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A Redis key prefix no other test uses.
pub fn unique_redis_prefix() -> String {
    format!("companygate-test:{}:", uuid_like())
}

/// An offer of `company` titled `title` as the session dialect's upstream Offer model requires it
/// (every required field, as the fixture's offers have them), with `extra`'s fields added or
/// replaced.
pub fn offer(company: &str, title: &str, extra: Value) -> Value {
    let mut offer = json!({"company": company, "title": title,
        "publishDate": "2026-11-01T00:00:00Z", "publishEndDate": "2027-03-01T00:00:00Z",
        "jobMinDuration": 1, "jobMaxDuration": 6, "description": "An offer.", "contacts": ["jobs@one.example"],
        "jobType": "FULL-TIME", "fields": ["BACKEND"], "technologies": ["Rust"], "requirements": ["Curiosity"],
        "ownerLogo": "https://logos.example.com/one.png", "location": "Porto"});
    for (key, value) in extra.as_object().into_iter().flatten() {
        offer[key] = value.clone();
    }
    offer
}

/// A new empty database: a SQLite file in `files`, or a PostgreSQL database (its name returned, to
/// be dropped with [`drop_postgres_database`]).
async fn new_database(db: Db, files: &tempfile::TempDir) -> (String, Option<String>) {
    match db {
        Db::Sqlite => (format!("sqlite://{}?mode=rwc", files.path().join("test.db").display()), None),
        Db::Postgres => {
            let admin = Database::connect(admin_postgres_url()).await.expect("PostgreSQL is reachable");
            let name = format!("companygate_test_{}", uuid_like());
            // Text sorts by bytes, as on SQLite, whatever the server's default collation (the
            // tests' expected orders are computed so).
            let create = format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C'");
            admin.execute_unprepared(&create).await.expect("create test database");
            admin.close().await.ok();
            (with_database(&admin_postgres_url(), &name), Some(name))
        }
    }
}

/// Drop cannot await; a short-lived runtime on its own thread removes the database.
fn drop_postgres_database(name: String) {
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
        rt.block_on(async {
            let admin = Database::connect(admin_postgres_url()).await.ok()?;
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok()?;
            admin.close().await.ok()
        })
    })
    .join();
}

/// An empty database nothing has started on yet; removed when dropped.
pub struct EmptyDatabase {
    pub url: String,
    postgres: Option<String>,
    _files: tempfile::TempDir,
}

impl EmptyDatabase {
    pub async fn new(db: Db) -> Self {
        let files = tempfile::tempdir().expect("temporary directory");
        let (url, postgres) = new_database(db, &files).await;
        Self { url, postgres, _files: files }
    }
}

impl Drop for EmptyDatabase {
    fn drop(&mut self) {
        if let Some(name) = self.postgres.take() {
            drop_postgres_database(name);
        }
    }
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{:x}{:x}", nanos, std::process::id() as u128 * 7919 + (nanos % 1_000_003))
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(name) = self.pg_database.take() {
            drop_postgres_database(name);
        }
    }
}

/// Another replica: its own server and core over the same database. Stops when dropped.
pub struct Replica {
    pub address: String,
    _shutdown: oneshot::Sender<()>,
}

impl Replica {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

impl TestApp {
    /// Loads another fixture into this app's database through a second core, as `companygate seed`
    /// does; the app's next request sees it.
    pub async fn seed(
        &self,
        fixture: &Value,
    ) -> Result<companygate_domain::fixtures::SeedReport, companygate_domain::fixtures::SeedError> {
        let common = CommonSettings::from_args(["--god-token", GOD_TOKEN]).expect("valid flags");
        let gateway = application::gateway(&self.database_url, &common).await.expect("second gateway starts");
        gateway.seed(&Fixture::from_json(&fixture.to_string()).expect("fixture parses")).await
    }

    pub async fn replica(&self) -> Replica {
        self.replica_with(&[]).await
    }

    /// Another replica, started with these extra `serve` flags.
    pub async fn replica_with(&self, extra_flags: &[&str]) -> Replica {
        let flags = ["--god-token", GOD_TOKEN].iter().chain(extra_flags).copied();
        let common = CommonSettings::from_args(flags).expect("valid flags");
        let gateway = application::gateway(&self.database_url, &common).await.expect("second gateway starts");
        let app = Application::build("127.0.0.1:0", gateway, &common).await.expect("binds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        Replica { address, _shutdown: tx }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Tells the server to shut down, as SIGTERM does.
    pub fn begin_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// A client without cookies, for requests that must not carry a session.
    pub fn fresh_client(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).build().expect("http client")
    }

    fn oauth_client(
        &self,
        id: &str,
        secret: &str,
        auth: AuthType,
    ) -> BasicClient<
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointSet,
    > {
        BasicClient::new(ClientId::new(id.into()))
            .set_client_secret(ClientSecret::new(secret.into()))
            .set_token_uri(TokenUrl::new(self.url("/connect/token")).expect("token url"))
            .set_auth_type(auth)
    }

    /// A token from the real `oauth2` client, HTTP Basic client authentication.
    pub async fn token(&self, id: &str, secret: &str) -> String {
        self.token_with(id, secret, AuthType::BasicAuth).await.expect("token granted")
    }

    pub async fn token_with(
        &self,
        id: &str,
        secret: &str,
        auth: AuthType,
    ) -> Result<
        String,
        oauth2::RequestTokenError<oauth2::HttpClientError<reqwest::Error>, oauth2::basic::BasicErrorResponse>,
    > {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        self.oauth_client(id, secret, auth)
            .exchange_client_credentials()
            .add_scope(Scope::new("api1".into()))
            .request_async(&http)
            .await
            .map(|t| t.access_token().secret().clone())
    }

    pub async fn reseller_token(&self) -> String {
        self.token("acme-reseller", "s3cret-value").await
    }

    /// Creates a company with `form` (multipart, as a reseller); returns its resource id.
    pub async fn create_company(&self, token: &str, form: reqwest::multipart::Form) -> String {
        let request = self.client.post(self.url("/api/companies")).bearer_auth(token).multipart(form);
        let created: Value = request.send().await.unwrap().json().await.unwrap();
        created["data"]["resourceId"].as_str().unwrap_or_else(|| panic!("created: {created}")).to_owned()
    }

    /// `PUT /api/companies/{resource_id}` with `form`: the status and the answer.
    pub async fn update_company(&self, token: &str, resource_id: &str, form: reqwest::multipart::Form) -> (u16, Value) {
        let path = format!("/api/companies/{resource_id}");
        json(self.client.put(self.url(&path)).bearer_auth(token).multipart(form).send().await.unwrap()).await
    }

    pub async fn delete_company(&self, token: &str, resource_id: &str) -> reqwest::Response {
        self.client.delete(self.url(&format!("/api/companies/{resource_id}"))).bearer_auth(token).send().await.unwrap()
    }

    pub async fn search(&self, token: &str, body: &Value) -> reqwest::Response {
        self.client.post(self.url("/api/companies/search")).bearer_auth(token).json(body).send().await.unwrap()
    }

    /// Logs `client` in; returns the status.
    pub async fn login_with(&self, client: &reqwest::Client, email: &str, password: &str) -> reqwest::StatusCode {
        client
            .post(self.url("/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap()
            .status()
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::StatusCode {
        self.login_with(&self.client, email, password).await
    }

    pub async fn session_delete(
        &self,
        client: &reqwest::Client,
        company_id: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let request = client.post(self.url(&format!("/company/{company_id}/delete")));
        let request = match body {
            Some(b) => request.json(&b),
            None => request,
        };
        request.send().await.unwrap()
    }

    pub async fn me(&self, client: &reqwest::Client) -> reqwest::Response {
        client.get(self.url("/auth/me")).send().await.unwrap()
    }

    /// Rows in `table` whose `column` equals `value`.
    pub async fn count(&self, table: &str, column: &str, value: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one(Statement::from_sql_and_values(
                backend,
                format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = $1"),
                [value.into()],
            ))
            .await
            .expect("count query")
            .expect("one row");
        row.try_get::<i64>("", "n").expect("count column")
    }

    /// The version of what `id` manages (moved by every write below it).
    pub async fn subtree_version(&self, id: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let sql = "SELECT subtree_version AS n FROM companies WHERE id = $1";
        let row = self
            .db
            .query_one(Statement::from_sql_and_values(backend, sql, [id.into()]))
            .await
            .expect("version query")
            .expect("one row");
        row.try_get::<i64>("", "n").expect("version column")
    }

    pub async fn count_all(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one(Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count query")
            .expect("one row");
        row.try_get::<i64>("", "n").expect("count column")
    }

    /// The per-table counts of the deletion receipt written for `company_id`.
    pub async fn receipt_counts(&self, company_id: &str) -> Value {
        let row = self
            .db
            .query_one(Statement::from_sql_and_values(
                self.db.get_database_backend(),
                "SELECT counts FROM deletion_receipts WHERE company_id = $1",
                [company_id.into()],
            ))
            .await
            .expect("receipt query")
            .expect("a receipt");
        // JSON on PostgreSQL, text on SQLite.
        match row.try_get::<Value>("", "counts") {
            Ok(Value::String(text)) => serde_json::from_str(&text).expect("counts are JSON"),
            Ok(value) => value,
            Err(_) => serde_json::from_str(&row.try_get::<String>("", "counts").expect("counts column")).expect("JSON"),
        }
    }

    /// Waits (up to 10 s) until the outbox worker has written at least `n` messages in full; returns them.
    pub async fn wait_for_mail(&self, n: usize) -> Vec<String> {
        for _ in 0..100 {
            let mail = self.sent_mail();
            // A file the transport has created but not yet written reads empty.
            if mail.len() >= n && mail.iter().all(|m| !m.is_empty()) {
                return mail;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        self.sent_mail()
    }

    /// Messages written by the file mail transport.
    pub fn sent_mail(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.mail_dir) else { return Vec::new() };
        entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect()
    }
}

pub async fn json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, value)
}

/// The value of the `/metrics` sample at `base` whose name and labels are exactly `series`.
pub async fn metric(client: &reqwest::Client, base: &str, series: &str) -> Option<f64> {
    let text = client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Company `id`'s name as the gateway at `base` answers `GET /api/companies/{id}` to `token`.
pub async fn company_name(client: &reqwest::Client, base: &str, token: &str, id: &str) -> Option<String> {
    let answer = client.get(format!("{base}/api/companies/{id}")).bearer_auth(token).send().await.unwrap();
    json(answer).await.1["data"]["name"].as_str().map(str::to_owned)
}
