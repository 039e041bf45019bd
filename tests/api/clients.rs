//! `/api/roles` and REST client management.
use oauth2::AuthType;
use serde_json::{Value, json};

use crate::test_app::{Db, TestApp, json, spawn_app, spawn_app_with};

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    scope: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(scope) = scope {
        request = request.header("X-KEEPNET-Company-Id", scope);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    json(request.send().await.unwrap()).await
}

fn client(client_id: &str, roles: &[&str]) -> Value {
    json!({"name": "Integration", "clientId": client_id, "clientSecret": "brand-new-s3cret", "statusId": 1,
           "hasIpAddressRestriction": false, "allowedIpAddresses": [], "roleResourceIdList": roles})
}

async fn roles_depend_on_the_callers_role(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let admin = app.token("company1-admin", "c1-s3cret").await;
    let (status, reply) = call(&app, reqwest::Method::GET, "/api/roles", &acme, None, None).await;
    assert_eq!(
        (status, reply["data"].clone()),
        (
            200,
            json!([{"name": "Reseller", "resourceId": "RoleReseller"}, {"name": "Company Admin", "resourceId": "RoleCompAdmn"}])
        )
    );
    let (_, reply) = call(&app, reqwest::Method::GET, "/api/roles", &admin, None, None).await;
    assert_eq!(reply["data"], json!([{"name": "Company Admin", "resourceId": "RoleCompAdmn"}]));
    let (_, a) =
        call(&app, reqwest::Method::GET, "/api/companies/clients/generate-client-credentials", &acme, None, None).await;
    let (_, b) =
        call(&app, reqwest::Method::GET, "/api/companies/clients/generate-client-credentials", &acme, None, None).await;
    assert_eq!(
        (a["data"]["clientId"].as_str().unwrap().len(), a["data"]["clientSecret"].as_str().unwrap().len()),
        (24, 48)
    );
    assert_ne!(a["data"], b["data"]);
}

async fn a_reseller_creates_reads_searches_and_deletes_a_customers_client(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let (status, reply) = call(
        &app,
        reqwest::Method::POST,
        "/api/companies/clients",
        &acme,
        Some("Cust0mer0002"),
        Some(client("new-client", &["RoleCompAdmn"])),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    let id = reply["data"]["resourceId"].as_str().unwrap().to_owned();
    let token = app
        .token_with("new-client", "brand-new-s3cret", AuthType::RequestBody)
        .await
        .expect("the new client gets a token");
    let (status, reply) =
        call(&app, reqwest::Method::GET, &format!("/api/companies/clients/{id}"), &acme, None, None).await;
    assert_eq!(status, 200);
    assert_eq!(reply["data"]["roleResourceIdList"], json!(["RoleCompAdmn"]));
    assert_eq!((reply["data"]["statusId"].as_i64(), reply["data"]["statusName"].as_str()), (Some(1), Some("Active")));
    assert!(!reply.to_string().contains("brand-new-s3cret"), "the secret is never shown");
    let search = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "Name", "ascending": true, "filter": {"SearchInputTextValue": "integ"}});
    let (status, reply) =
        call(&app, reqwest::Method::POST, "/api/companies/clients/search", &acme, Some("Cust0mer0002"), Some(search))
            .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["data"]["totalNumberOfRecords"], 1);
    assert_eq!(reply["data"]["results"][0]["clientId"], "new-client");
    // Without the header the caller's own company is meant.
    let own = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": true});
    let (_, reply) = call(&app, reqwest::Method::POST, "/api/companies/clients/search", &acme, None, Some(own)).await;
    let ids: Vec<&str> =
        reply["data"]["results"].as_array().unwrap().iter().map(|c| c["clientId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["acme-reseller", "acme-inactive"]);
    let (status, _) =
        call(&app, reqwest::Method::DELETE, &format!("/api/companies/clients/{id}"), &acme, None, None).await;
    assert_eq!(status, 200);
    let body = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": true});
    assert_eq!(app.search(&token, &body).await.status(), 401, "a deleted client's token stops working");
    assert_eq!(
        call(&app, reqwest::Method::GET, &format!("/api/companies/clients/{id}"), &acme, None, None).await.0,
        404
    );
}

async fn invalid_client_input_is_listed_and_scope_is_enforced(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let admin = app.token("company1-admin", "c1-s3cret").await;
    let post = |token: &str, scope: Option<&str>, body: Value| {
        let (token, scope) = (token.to_owned(), scope.map(str::to_owned));
        let app = &app;
        async move { call(app, reqwest::Method::POST, "/api/companies/clients", &token, scope.as_deref(), Some(body)).await }
    };
    let (status, reply) = post(&acme, None, client("x1", &[])).await;
    assert_eq!((status, reply["validationMessages"].clone()), (400, json!(["Role should be selected"])));
    let (status, reply) = post(&acme, None, client("acme-reseller", &["RoleReseller"])).await;
    assert_eq!((status, reply["validationMessages"].clone()), (400, json!(["Client id is already taken"])));
    let (status, reply) =
        post(&acme, None, json!({"name": "", "clientId": 5, "statusId": 3, "roleResourceIdList": ["nope"]})).await;
    assert_eq!(status, 400);
    assert!(reply["validationMessages"].as_array().unwrap().len() >= 2, "{reply}");
    assert_eq!(post(&acme, Some("OtherCust001"), client("x2", &["RoleCompAdmn"])).await.0, 403);
    assert_eq!(post(&acme, Some("NoSuchCompny"), client("x3", &["RoleCompAdmn"])).await.0, 404);
    let (status, reply) = post(&admin, None, client("x4", &["RoleReseller"])).await;
    assert_eq!(
        (status, reply["validationMessages"][0].as_str()),
        (400, Some("Role 'RoleReseller' cannot be given here"))
    );
    assert_eq!(
        post(&admin, None, client("x5", &["RoleCompAdmn"])).await.0,
        200,
        "a Company Admin manages its own clients"
    );
    assert_eq!(post(&admin, Some("Cust0mer0002"), client("x6", &["RoleCompAdmn"])).await.0, 403);
    // Another reseller cannot see Acme's clients.
    let globex = app.token("globex-reseller", "gl0bex-s3cret").await;
    let own = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": true});
    assert_eq!(
        call(&app, reqwest::Method::POST, "/api/companies/clients/search", &globex, Some("xC5kfGz7w2Nz"), Some(own))
            .await
            .0,
        403
    );
}

async fn deactivating_a_client_revokes_its_tokens_at_once(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let (_, reply) = call(
        &app,
        reqwest::Method::POST,
        "/api/companies/clients",
        &acme,
        Some("Cust0mer0001"),
        Some(client("to-pause", &["RoleReseller"])),
    )
    .await;
    let id = reply["data"]["resourceId"].as_str().unwrap().to_owned();
    let token = app.token("to-pause", "brand-new-s3cret").await;
    let body = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": true});
    assert_eq!(app.search(&token, &body).await.status(), 200);
    let mut paused = client("to-pause", &["RoleReseller"]);
    paused["statusId"] = json!(2);
    paused.as_object_mut().unwrap().remove("clientSecret");
    assert_eq!(
        call(&app, reqwest::Method::PUT, &format!("/api/companies/clients/{id}"), &acme, None, Some(paused)).await.0,
        200
    );
    assert_eq!(app.search(&token, &body).await.status(), 401);
    assert!(
        app.token_with("to-pause", "brand-new-s3cret", AuthType::RequestBody).await.is_err(),
        "secret kept, client inactive"
    );
}

async fn an_ip_restriction_is_enforced_at_the_token_endpoint(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let mut local = String::new();
    for (client_id, allowed, works) in [("far-away", "10.9.9.9", false), ("local-only", "127.0.0.1", true)] {
        let mut body = client(client_id, &["RoleCompAdmn"]);
        body["hasIpAddressRestriction"] = json!(true);
        body["allowedIpAddresses"] = json!([allowed]);
        let (status, reply) =
            call(&app, reqwest::Method::POST, "/api/companies/clients", &acme, None, Some(body)).await;
        assert_eq!(status, 200);
        local = reply["data"]["resourceId"].as_str().unwrap().to_owned();
        assert_eq!(
            app.token_with(client_id, "brand-new-s3cret", AuthType::RequestBody).await.is_ok(),
            works,
            "{client_id}"
        );
    }
    // A restriction that no longer allows the caller holds for a secret already verified.
    let mut moved = client("local-only", &["RoleCompAdmn"]);
    moved["hasIpAddressRestriction"] = json!(true);
    moved["allowedIpAddresses"] = json!(["10.9.9.9"]);
    moved.as_object_mut().unwrap().remove("clientSecret");
    let path = format!("/api/companies/clients/{local}");
    assert_eq!(call(&app, reqwest::Method::PUT, &path, &acme, None, Some(moved)).await.0, 200);
    assert!(app.token_with("local-only", "brand-new-s3cret", AuthType::RequestBody).await.is_err(), "restricted now");
}

/// CIDR ranges in `allowedIpAddresses`, checked against the caller's address: the connection's,
/// or behind a trusted proxy the address it forwarded the request for.
async fn an_ip_restriction_takes_ranges_and_sees_through_trusted_proxies(db: Db) {
    let app = spawn_app_with(db, &["--trusted-proxies", "127.0.0.1"]).await;
    let acme = app.reseller_token().await;
    let ask = async |client_id: &str, forwarded_for: Option<&str>| {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", "brand-new-s3cret"),
            ("scope", "api1"),
        ];
        let mut request = app.client.post(app.url("/connect/token")).form(&form);
        if let Some(forwarded_for) = forwarded_for {
            request = request.header("X-Forwarded-For", forwarded_for);
        }
        request.send().await.unwrap().status().as_u16()
    };
    for (client_id, allowed) in [
        ("range-local", "127.0.0.0/8"),
        ("range-far", "10.0.0.0/8"),
        ("range-proxied", "203.0.113.0/24"),
        ("range-v6", "2001:db8::/32"),
    ] {
        let mut body = client(client_id, &["RoleCompAdmn"]);
        body["hasIpAddressRestriction"] = json!(true);
        body["allowedIpAddresses"] = json!(["192.0.2.1", allowed]);
        let (status, reply) =
            call(&app, reqwest::Method::POST, "/api/companies/clients", &acme, None, Some(body)).await;
        assert_eq!(status, 200, "{reply}");
    }
    // Refused as any unknown client is (form credentials: 400 `invalid_client`). Directly from
    // the trusted proxy's own address (no header): 127.0.0.1.
    assert_eq!(ask("range-local", None).await, 200);
    assert_eq!(ask("range-far", None).await, 400);
    assert_eq!(ask("range-proxied", None).await, 400);
    // Forwarded by the trusted proxy: the address it names, not the proxy's; a hop a client
    // forged before the proxy's own is not believed.
    assert_eq!(ask("range-proxied", Some("203.0.113.77")).await, 200);
    assert_eq!(ask("range-proxied", Some("203.0.113.77, 10.1.2.3")).await, 400);
    assert_eq!(ask("range-far", Some("203.0.113.77, 10.1.2.3")).await, 200);
    assert_eq!(ask("range-local", Some("203.0.113.77")).await, 400);
    assert_eq!(ask("range-v6", Some("2001:db8::5")).await, 200);
    // What is neither an address nor a range is refused, naming it.
    let mut body = client("range-bad", &["RoleCompAdmn"]);
    body["hasIpAddressRestriction"] = json!(true);
    body["allowedIpAddresses"] = json!(["10.0.0.0/33", "10.0.0"]);
    let (status, reply) = call(&app, reqwest::Method::POST, "/api/companies/clients", &acme, None, Some(body)).await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(
        reply["validationMessages"],
        json!(["'10.0.0.0/33' is not an IP address or CIDR range", "'10.0.0' is not an IP address or CIDR range"])
    );
}

/// A secret this replica already verified gets its token from the statement that reads the
/// client; that statement refuses what the first request would: a changed secret, an inactive
/// client, a disabled company.
async fn a_verified_secret_stops_working_when_its_client_or_company_changes(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let body = Some(client("verified", &["RoleReseller"]));
    let (status, reply) =
        call(&app, reqwest::Method::POST, "/api/companies/clients", &acme, Some("Cust0mer0001"), body).await;
    assert_eq!(status, 200);
    let path = format!("/api/companies/clients/{}", reply["data"]["resourceId"].as_str().unwrap());
    let issued = async |secret: &str| app.token_with("verified", secret, AuthType::RequestBody).await.is_ok();
    assert!(issued("brand-new-s3cret").await && issued("brand-new-s3cret").await, "verified, then known");

    let mut changed = client("verified", &["RoleReseller"]);
    changed["clientSecret"] = json!("another-s3cret-42");
    assert_eq!(call(&app, reqwest::Method::PUT, &path, &acme, Some("Cust0mer0001"), Some(changed)).await.0, 200);
    assert!(!issued("brand-new-s3cret").await, "the old secret, known before the change");
    assert!(issued("another-s3cret-42").await && issued("another-s3cret-42").await, "the new one");

    let disabled = app
        .client
        .put(app.url("/company/Cust0mer0001/disable"))
        .json(&json!({"god_token": crate::test_app::GOD_TOKEN}))
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), 200);
    assert!(!issued("another-s3cret-42").await, "its company is disabled");
}

crate::on_both_databases!(
    a_verified_secret_stops_working_when_its_client_or_company_changes,
    roles_depend_on_the_callers_role,
    a_reseller_creates_reads_searches_and_deletes_a_customers_client,
    invalid_client_input_is_listed_and_scope_is_enforced,
    deactivating_a_client_revokes_its_tokens_at_once,
    an_ip_restriction_is_enforced_at_the_token_endpoint,
    an_ip_restriction_takes_ranges_and_sees_through_trusted_proxies,
);
