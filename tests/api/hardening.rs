//! Hostile or odd input gets a clear answer in the dialect's own format, never a 500: huge search
//! texts, huge token bodies, undeclared methods, unusable signing keys; and the specs state the
//! constraints the server enforces.
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::test_app::{Db, TestApp, json, spawn_app};

fn search_body(filter: Value) -> Value {
    json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CompanyName", "ascending": true, "filter": filter})
}

async fn huge_search_texts_are_input_errors(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let huge = "a".repeat(50_000);
    for filter in [
        json!({"Condition": "AND", "SearchInputTextValue": huge}),
        json!({"FilterGroups": [{"Condition": "AND", "FilterItems": [{"FieldName": "CompanyName", "Operator": "Contains", "Value": huge}]}]}),
        json!({"FilterGroups": [{"Condition": "AND", "FilterItems": [{"FieldName": "Tags", "Operator": "Include", "Value": huge}]}]}),
    ] {
        let (status, body) = json(app.search(&acme, &search_body(filter)).await).await;
        assert_eq!((status, body["status"].as_str()), (400, Some("INPUT_ERROR")), "{body}");
        assert!(body["validationMessages"][0].as_str().unwrap().contains("at most"), "{body}");
    }
    // At the limit it is an ordinary search.
    let text = "test-company-1".repeat(19);
    let (status, body) =
        json(app.search(&acme, &search_body(json!({"SearchInputTextValue": &text[..256]}))).await).await;
    assert_eq!((status, body["data"]["totalNumberOfRecords"].as_i64()), (200, Some(0)));
    let request = app.client.post(app.url("/api/companies/clients/search")).bearer_auth(&acme);
    let (status, body) =
        json(request.json(&search_body(json!({"SearchInputTextValue": huge}))).send().await.unwrap()).await;
    assert_eq!((status, body["status"].as_str()), (400, Some("INPUT_ERROR")), "{body}");
}

async fn an_oversized_token_request_gets_an_rfc_6749_error(db: Db) {
    let app = spawn_app(db).await;
    let body = format!("grant_type=client_credentials&client_id=acme-reseller&client_secret={}", "x".repeat(10 << 20));
    let answer = app
        .client
        .post(app.url("/connect/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, body) = json(answer).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert!(body.get("status").is_none() && body.get("isSuccess").is_none(), "not the envelope: {body}");
}

async fn method(app: &TestApp, method: &str, path: &str) -> (u16, Option<String>, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let answer = app.client.request(method, app.url(path)).send().await.unwrap();
    let allow = answer.headers().get("allow").map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = json(answer).await;
    (status, allow, body)
}

async fn undeclared_methods_are_405_with_allow_in_each_dialect(db: Db) {
    let app = spawn_app(db).await;
    let (status, allow, body) = method(&app, "TRACE", "/api/roles").await;
    assert_eq!((status, allow.as_deref(), body["status"].as_str()), (405, Some("GET"), Some("METHOD_NOT_ALLOWED")));
    assert_eq!(body["isSuccess"], false);
    let (status, allow, _) = method(&app, "PATCH", "/api/companies/Cust0mer0001").await;
    assert_eq!((status, allow.as_deref()), (405, Some("DELETE, GET, PUT")));
    let (status, allow, _) = method(&app, "GET", "/connect/token").await;
    assert_eq!((status, allow.as_deref()), (405, Some("POST")));
    let (status, allow, body) = method(&app, "TRACE", "/company").await;
    assert_eq!((status, allow.as_deref()), (405, Some("GET")));
    assert_eq!(body, json!({"error_code": 1, "errors": [{"msg": "method-not-allowed"}]}));
    let (status, allow, _) = method(&app, "GET", "/company/Cust0mer0001/block").await;
    assert_eq!((status, allow.as_deref()), (405, Some("PUT")));
    let (status, allow, _) = method(&app, "PUT", "/auth/login").await;
    assert_eq!((status, allow.as_deref()), (405, Some("DELETE, POST")));
}

async fn an_unusable_signing_key_is_skipped_not_a_panic(db: Db) {
    let app = spawn_app(db).await;
    let before = app.reseller_token().await;
    let backend = app.db.get_database_backend();
    // A newer key whose secret is not base64: the newest usable key keeps signing.
    app.db
        .execute(Statement::from_sql_and_values(
            backend,
            "INSERT INTO signing_keys (kid, secret, create_time) VALUES ($1, $2, $3)",
            [
                "broken-key-1".into(),
                "not base64 at all!".into(),
                (chrono::Utc::now() + chrono::Duration::days(1)).into(),
            ],
        ))
        .await
        .unwrap();
    let replica = app.replica().await;
    let form =
        [("grant_type", "client_credentials"), ("client_id", "acme-reseller"), ("client_secret", "s3cret-value")];
    let (status, token) = json(app.client.post(replica.url("/connect/token")).form(&form).send().await.unwrap()).await;
    assert_eq!(status, 200, "{token}");
    let token = token["access_token"].as_str().unwrap();
    for (base, bearer) in [(&replica.address, token), (&app.address, token), (&replica.address, before.as_str())] {
        let answer = app.client.get(format!("{base}/api/companies/my")).bearer_auth(bearer).send().await.unwrap();
        assert_eq!(answer.status(), 200);
    }
    // Only unusable keys left: start-up makes a new one.
    app.db.execute_unprepared("UPDATE signing_keys SET secret = '%%%'").await.unwrap();
    let replica = app.replica().await;
    let answer = app.client.post(replica.url("/connect/token")).form(&form).send().await.unwrap();
    assert_eq!(answer.status(), 200);
}

async fn the_specs_state_the_constraints_the_server_enforces(db: Db) {
    let app = spawn_app(db).await;
    let reseller: Value = app.client.get(app.url("/openapi/reseller.json")).send().await.unwrap().json().await.unwrap();
    let schemas = &reseller["components"]["schemas"];
    assert_eq!(
        schemas["SearchOrderBy"]["enum"],
        json!(["CreateTime", "CompanyName", "TargetUserCount", "LicenseEndDate", "ResellerName", "RenewalDate"])
    );
    assert_eq!(schemas["SearchBody"]["properties"]["pageSize"]["maximum"], json!(100.0));
    assert_eq!(schemas["ClientSearchBody"]["properties"]["pageNumber"]["minimum"], json!(1.0));
    let delete = &reseller["paths"]["/api/companies/{resourceId}"]["delete"];
    let key = delete["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "Idempotency-Key").unwrap();
    assert_eq!((key["schema"]["maxLength"].as_u64(), key["schema"]["minLength"].as_u64()), (Some(255), Some(1)));
    assert!(delete["responses"]["503"].is_object());
    // 256 characters are refused as the spec says.
    let acme = app.reseller_token().await;
    let answer = app
        .client
        .delete(app.url("/api/companies/Cust0mer0001"))
        .bearer_auth(&acme)
        .header("Idempotency-Key", "k".repeat(256))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    // Every operator the server takes matches the documented pattern, and nothing else does.
    let item = &schemas["SearchFilterItem"]["properties"];
    let pattern = item["Operator"]["pattern"].as_str().unwrap();
    assert_eq!(pattern, "^(?:=|!=|Contains|Include|>|<|>=|<=)$");
    assert_eq!(item["Value"]["anyOf"][0]["maxLength"], json!(4096));
    assert_eq!(schemas["SearchFilter"]["properties"]["SearchInputTextValue"]["maxLength"], json!(256));
    let form = &reseller["paths"]["/api/companies"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"];
    assert_eq!(form["properties"]["Name"]["maxLength"], json!(64));
    assert_eq!(form["properties"]["StatusId"]["maximum"], json!(2.0));
    assert!(!form["required"].as_array().unwrap().contains(&json!("Tags[]")));

    let session: Value = app.client.get(app.url("/openapi/session.json")).send().await.unwrap().json().await.unwrap();
    let delete = &session["paths"]["/company/{companyId}/delete"]["post"];
    let id = delete["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "companyId").unwrap();
    assert_eq!(id["schema"]["pattern"], "^(?:[0-9a-fA-F]{24}|[ -.0-~]{12})$");
    assert!(delete["responses"]["503"].is_object());
    let list = session["paths"]["/company"]["get"]["parameters"].as_array().unwrap();
    let limit = list.iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!(
        (&limit["schema"]["type"], &limit["schema"]["minimum"], &limit["schema"]["maximum"]),
        (&json!("integer"), &json!(1.0), &json!(100.0))
    );
    assert_eq!(session["components"]["schemas"]["LoginBody"]["properties"]["email"]["format"], "email");
    // A JSON body that is not an object is refused as the spec's object schema says.
    let answer = app
        .client
        .put(app.url("/company/Cust0mer0001/enable"))
        .header("content-type", "application/json")
        .body("[null, null]")
        .send()
        .await
        .unwrap();
    assert_eq!(json(answer).await, (400, json!({"error_code":1,"errors":[{"msg":"invalid-json"}]})));
}

crate::on_both_databases!(
    huge_search_texts_are_input_errors,
    an_oversized_token_request_gets_an_rfc_6749_error,
    undeclared_methods_are_405_with_allow_in_each_dialect,
    an_unusable_signing_key_is_skipped_not_a_panic,
    the_specs_state_the_constraints_the_server_enforces,
);
