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
        "GET /api/roles",
        "POST /api/companies",
        "POST /api/companies/clients",
        "POST /api/companies/clients/search",
        "POST /api/companies/clients/search/export",
        "POST /api/companies/my/search",
        "POST /api/companies/search",
        "POST /api/companies/search/export",
        "POST /connect/token",
        "PUT /api/companies/clients/{resourceId}",
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
