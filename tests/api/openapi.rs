//! The committed specs under `openapi/` are what the code generates.
use std::path::PathBuf;

#[test]
fn the_committed_openapi_files_match_the_code() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi");
    let fresh = tempfile::tempdir().unwrap();
    companygate_server::openapi::export(fresh.path()).unwrap();
    for name in ["reseller.json", "reseller.yaml", "session.json", "session.yaml"] {
        let expected = std::fs::read_to_string(fresh.path().join(name)).unwrap();
        let actual = std::fs::read_to_string(committed.join(name)).unwrap_or_default();
        assert!(
            expected == actual,
            "openapi/{name} is stale: run `cargo run -p companygate-server -- export-openapi openapi` and commit"
        );
    }
}

#[tokio::test]
async fn both_specs_and_swagger_uis_are_served() {
    let app = crate::test_app::spawn_app(crate::test_app::Db::Sqlite).await;
    for path in ["/openapi/reseller.json", "/openapi/session.json"] {
        let spec: serde_json::Value = app.client.get(app.url(path)).send().await.unwrap().json().await.unwrap();
        assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
        for (_, methods) in spec["paths"].as_object().unwrap() {
            for (method, op) in methods.as_object().unwrap() {
                assert!(op["operationId"].is_string(), "{path}: {method} lacks an operationId");
            }
        }
    }
    let reseller: serde_json::Value =
        app.client.get(app.url("/openapi/reseller.json")).send().await.unwrap().json().await.unwrap();
    let flow = &reseller["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"];
    assert_eq!(flow["tokenUrl"], "/connect/token");
    assert_eq!(flow["scopes"]["api1"], "API");
    for path in ["/openapi/reseller.yaml", "/openapi/session.yaml"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    for (path, title) in [("/docs/reseller", "companygate reseller API"), ("/docs/session/", "companygate session API")]
    {
        let page = app.client.get(app.url(path)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&format!("<title>{title} - Swagger UI</title>")), "{path}");
        assert!(page.contains("SwaggerUIBundle"), "{path} serves Swagger UI");
    }
}

/// Every routed operation appears in its spec (combining APIs that share a path once dropped all
/// but one method of that path).
#[test]
fn each_spec_lists_every_operation_of_its_dialect() {
    let operations = |name: &str| -> Vec<String> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../openapi/{name}.json"));
        let spec: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut ops: Vec<String> = spec["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, methods)| {
                methods.as_object().unwrap().keys().map(move |m| format!("{} {path}", m.to_uppercase()))
            })
            .collect();
        ops.sort();
        ops
    };
    let reseller = [
        "DELETE /api/companies/bulk-delete",
        "DELETE /api/companies/clients/{resourceId}",
        "DELETE /api/companies/{resourceId}",
        "GET /api/codetypes",
        "GET /api/companies/clients/generate-client-credentials",
        "GET /api/companies/clients/{resourceId}",
        "GET /api/companies/getcompany/{companyId}",
        "GET /api/companies/my",
        "GET /api/companies/{resourceId}",
        "GET /api/companies/{resourceId}/deletion-preview",
        "GET /api/companies/{resourceId}/license-check",
        "GET /api/companies/{resourceId}/logo",
        "GET /api/countries",
        "GET /api/industries",
        "GET /api/license-period-types",
        "GET /api/license-types",
        "GET /api/lookups/{typeId}",
        "GET /api/roles",
        "POST /api/companies",
        "POST /api/companies/clients",
        "POST /api/companies/clients/search",
        "POST /api/companies/clients/search/export",
        "POST /api/companies/licenseexpirydate",
        "POST /api/companies/my/search",
        "POST /api/companies/search",
        "POST /api/companies/search/export",
        "POST /api/lookups",
        "POST /connect/token",
        "PUT /api/companies/clients/{resourceId}",
        "PUT /api/companies/limited",
        "PUT /api/companies/{resourceId}",
    ];
    assert_eq!(operations("reseller"), reseller);
    let session = [
        "DELETE /auth/login",
        "GET /",
        "GET /auth/me",
        "GET /company",
        "GET /company/{companyId}",
        "GET /company/{companyId}/deletion-preview",
        "GET /offers/company/{companyId}",
        "POST /auth/login",
        "POST /company/{companyId}/delete",
        "PUT /company/{companyId}/block",
        "PUT /company/{companyId}/disable",
        "PUT /company/{companyId}/enable",
        "PUT /company/{companyId}/unblock",
    ];
    assert_eq!(operations("session"), session);
}

/// Each reseller operation documents the statuses it can answer and no others: 400 only where a
/// body, a header, a query or a typed path parameter can be wrong (a text id cannot: any text is
/// read and an unknown one is not found), 403 and 404 where a role or a company is judged, 409 only for
/// deletion. Every operation answers 401 and 429 (bearer and rate limit), 500 and 503.
#[test]
fn each_reseller_operation_documents_only_the_statuses_it_can_answer() {
    let spec = committed_spec("reseller");
    let read = "200 400 401 403 404 429 500 503";
    let by_id = "200 401 403 404 429 500 503";
    let plain = "200 401 429 500 503";
    let expected = [
        ("DELETE /api/companies/bulk-delete", read),
        ("DELETE /api/companies/clients/{resourceId}", by_id),
        ("DELETE /api/companies/{resourceId}", "200 400 401 403 404 409 429 500 503"),
        ("GET /api/companies/clients/generate-client-credentials", by_id),
        ("GET /api/companies/clients/{resourceId}", by_id),
        ("GET /api/companies/getcompany/{companyId}", read),
        ("GET /api/companies/my", "200 401 404 429 500 503"),
        ("GET /api/companies/{resourceId}", by_id),
        ("GET /api/companies/{resourceId}/deletion-preview", "200 401 403 404 409 429 500 503"),
        ("GET /api/companies/{resourceId}/license-check", by_id),
        ("GET /api/companies/{resourceId}/logo", by_id),
        ("GET /api/codetypes", plain),
        ("GET /api/countries", plain),
        ("GET /api/industries", plain),
        ("GET /api/license-period-types", plain),
        ("GET /api/license-types", plain),
        ("GET /api/lookups/{typeId}", "200 400 401 404 429 500 503"),
        ("POST /api/lookups", "200 400 401 429 500 503"),
        ("GET /api/roles", by_id),
        ("POST /api/companies", "200 400 401 403 429 500 503"),
        ("POST /api/companies/clients", read),
        ("POST /api/companies/clients/search", read),
        ("POST /api/companies/clients/search/export", read),
        ("POST /api/companies/licenseexpirydate", read),
        ("POST /api/companies/my/search", "200 400 401 429 500 503"),
        ("POST /api/companies/search", read),
        ("POST /api/companies/search/export", read),
        ("PUT /api/companies/clients/{resourceId}", read),
        ("PUT /api/companies/limited", read),
        ("PUT /api/companies/{resourceId}", read),
    ];
    let mut documented = documented_statuses(&spec);
    documented.remove("POST /connect/token");
    let expected: std::collections::BTreeMap<String, String> =
        expected.iter().map(|(op, statuses)| (op.to_string(), statuses.to_string())).collect();
    assert_eq!(documented, expected);
}

/// What the spec documents holds: every reseller operation, sent hostile ids, broken and empty
/// bodies, and garbage headers, by a Reseller, a Company Admin and no one, answers one of the
/// statuses its operation documents, and never 500 (an undocumented status is answered 500).
#[tokio::test]
async fn every_reseller_operation_answers_only_documented_statuses() {
    // Limits raised: the calls below are more than a client may make in a minute.
    let flags = ["--api-rate-limit-per-client", "1000000"];
    let app = crate::test_app::spawn_app_with(crate::test_app::Db::Sqlite, &flags).await;
    let spec: serde_json::Value =
        app.client.get(app.url("/openapi/reseller.json")).send().await.unwrap().json().await.unwrap();
    let reseller = app.reseller_token().await;
    let admin = app.token("company1-admin", "c1-s3cret").await;
    let long = "x".repeat(300);
    let ids = ["%FF", "%00", long.as_str(), "0", "-1", "OtherCust001", "SubReseller1", "Cust0mer0003"];
    let bodies: [Option<&str>; 3] = [None, Some("{bad"), Some("{\"pageSize\": -1, \"filter\": 7}")];
    let mut seen = std::collections::BTreeMap::<u16, usize>::new();
    for (path, methods) in spec["paths"].as_object().unwrap() {
        if path == "/connect/token" {
            continue;
        }
        for (method, operation) in methods.as_object().unwrap() {
            let documented: Vec<u16> =
                operation["responses"].as_object().unwrap().keys().map(|s| s.parse().unwrap()).collect();
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for id in ids {
                let url = app.url(&path.replace("{resourceId}", id).replace("{companyId}", id).replace("{typeId}", id));
                for token in [Some(&reseller), Some(&admin), None] {
                    for body in bodies {
                        let mut request = app.client.request(method.clone(), &url).header("X-KEEPNET-Company-Id", id);
                        if let Some(token) = token {
                            request = request.bearer_auth(token);
                        }
                        if let Some(body) = body {
                            request = request.header("Content-Type", "application/json").body(body);
                        }
                        let status = request.send().await.unwrap().status().as_u16();
                        *seen.entry(status).or_default() += 1;
                        // 500 is documented everywhere, but nothing here may fail.
                        assert!(
                            documented.contains(&status) && status != 500,
                            "{method} {url} ({} token, body {body:?}) answered {status}, documented {documented:?}",
                            if token == Some(&reseller) {
                                "reseller"
                            } else if token.is_some() {
                                "admin"
                            } else {
                                "no"
                            }
                        );
                    }
                }
            }
        }
    }
    let answered: Vec<u16> = seen.keys().copied().collect();
    assert_eq!(answered, [200, 400, 401, 403, 404, 409], "{seen:?}");
}

/// The same for the session dialect: every operation, sent hostile ids, broken, empty and
/// god-token bodies, with no session, a company's session and an admin's, and god tokens right,
/// wrong and absent, answers only statuses it documents, and never 500.
#[tokio::test]
async fn every_session_operation_answers_only_documented_statuses() {
    use crate::test_app::GOD_TOKEN;
    let app = crate::test_app::spawn_app(crate::test_app::Db::Sqlite).await;
    let spec: serde_json::Value =
        app.client.get(app.url("/openapi/session.json")).send().await.unwrap().json().await.unwrap();
    let company = app.fresh_client();
    assert_eq!(app.login_with(&company, "company1@email.com", "password123").await, 200);
    let admin = app.fresh_client();
    assert_eq!(app.login_with(&admin, "admin@email.com", "password123").await, 200);
    let long = "x".repeat(300);
    let ids = ["%FF", "0", long.as_str(), "OtherCust001", "SubReseller1", "Cust0mer0001", "Cust0mer0003"];
    let right = format!("{{\"god_token\": \"{GOD_TOKEN}\", \"adminReason\": \"r\"}}");
    let bodies: [Option<&str>; 5] =
        [None, Some("{bad"), Some("{\"god_token\": 5, \"adminReason\": 7}"), Some("[]"), Some(right.as_str())];
    let queries = ["", "?god_token=", "?god_token=wrong", &format!("?god_token={GOD_TOKEN}&limit=x&offset=-1")];
    let mut seen = std::collections::BTreeMap::<u16, usize>::new();
    for (path, methods) in spec["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            let documented: Vec<u16> =
                operation["responses"].as_object().unwrap().keys().map(|s| s.parse().unwrap()).collect();
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            // Logging out would end the sessions the other calls use.
            let logout = path == "/auth/login" && method == reqwest::Method::DELETE;
            for id in ids {
                for query in queries {
                    let url = app.url(&format!("{}{query}", path.replace("{companyId}", id)));
                    for (who, client) in
                        [("nobody", app.fresh_client()), ("company", company.clone()), ("admin", admin.clone())]
                    {
                        if logout && who != "nobody" {
                            continue;
                        }
                        for body in bodies {
                            let mut request = client.request(method.clone(), &url);
                            if let Some(body) = body {
                                request = request.header("Content-Type", "application/json").body(body.to_owned());
                            }
                            let status = request.send().await.unwrap().status().as_u16();
                            *seen.entry(status).or_default() += 1;
                            assert!(
                                documented.contains(&status) && status != 500,
                                "{method} {url} ({who}, body {body:?}) answered {status}, documented {documented:?}"
                            );
                        }
                    }
                }
            }
        }
    }
    for status in [200, 400, 401, 403, 409, 422] {
        assert!(seen.contains_key(&status), "no {status} was answered: {seen:?}");
    }
}

/// Each session operation documents the statuses it can answer: 400 where a JSON body is read (a
/// GET's too, as upstream reads its god token), 401
/// behind a gate or a session, 403 where a company account may reach a company not its own (or a
/// closed profile), 409 for deletion, 422 where an id, a body field or a query value is judged.
#[test]
fn each_session_operation_documents_only_the_statuses_it_can_answer() {
    let spec = committed_spec("session");
    let state = "200 400 401 403 422 500 503";
    let block = "200 400 401 422 500 503";
    let expected = [
        ("GET /", "200 500 503"),
        ("POST /auth/login", "200 400 401 422 429 500 503"),
        ("DELETE /auth/login", "200 500 503"),
        ("GET /auth/me", "200 401 500 503"),
        ("GET /company", "200 400 422 500 503"),
        ("GET /company/{companyId}", "200 400 403 422 500 503"),
        ("PUT /company/{companyId}/block", block),
        ("POST /company/{companyId}/delete", "200 400 401 403 409 422 500 503"),
        ("GET /company/{companyId}/deletion-preview", "200 400 401 403 409 422 500 503"),
        ("PUT /company/{companyId}/disable", state),
        ("PUT /company/{companyId}/enable", state),
        ("PUT /company/{companyId}/unblock", block),
        ("GET /offers/company/{companyId}", "200 400 422 500 503"),
    ];
    let documented = documented_statuses(&spec);
    let expected: std::collections::BTreeMap<String, String> =
        expected.iter().map(|(op, statuses)| (op.to_string(), statuses.to_string())).collect();
    assert_eq!(documented, expected);
}

fn committed_spec(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../openapi/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `METHOD path` -> its documented statuses, sorted and space-separated.
fn documented_statuses(spec: &serde_json::Value) -> std::collections::BTreeMap<String, String> {
    let mut documented = std::collections::BTreeMap::new();
    for (path, methods) in spec["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            let mut statuses: Vec<&str> =
                operation["responses"].as_object().unwrap().keys().map(String::as_str).collect();
            statuses.sort();
            documented.insert(format!("{} {path}", method.to_uppercase()), statuses.join(" "));
        }
    }
    documented
}
