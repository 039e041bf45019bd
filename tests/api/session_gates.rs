//! The session dialect's gate matrix: every kind of caller × every endpoint, full bodies for every
//! refusal, on a company the "company (own)" caller owns.
use serde_json::{Value, json};

use crate::session_bodies::{not_allowed, refused};
use crate::test_app::{Db, GOD_TOKEN, TestApp, hex, json, spawn_app};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Anonymous,
    CompanyOwn,
    CompanyOther,
    Admin,
    GodValid,
    GodWrong,
    GodNonString,
    AdminAndGod,
}

const CALLERS: [Caller; 8] = [
    Caller::Anonymous,
    Caller::CompanyOwn,
    Caller::CompanyOther,
    Caller::Admin,
    Caller::GodValid,
    Caller::GodWrong,
    Caller::GodNonString,
    Caller::AdminAndGod,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    List,
    Get,
    Offers,
    Me,
    Preview,
    Block,
    Unblock,
    Disable,
    Enable,
    Delete,
}

/// In this order on one app per caller: reads first, each change followed by its undo, delete last.
const ENDPOINTS: [Endpoint; 10] = [
    Endpoint::List,
    Endpoint::Get,
    Endpoint::Offers,
    Endpoint::Me,
    Endpoint::Preview,
    Endpoint::Block,
    Endpoint::Unblock,
    Endpoint::Disable,
    Endpoint::Enable,
    Endpoint::Delete,
];

const TARGET: &str = "Cust0mer0001";

fn god_value(caller: Caller) -> Option<Value> {
    match caller {
        Caller::GodValid | Caller::AdminAndGod => Some(json!(GOD_TOKEN)),
        Caller::GodWrong => Some(json!("wrong")),
        Caller::GodNonString => Some(json!(123)),
        _ => None,
    }
}

fn login_of(caller: Caller) -> Option<&'static str> {
    match caller {
        Caller::CompanyOwn => Some("company1@email.com"),
        Caller::CompanyOther => Some("company2@email.com"),
        Caller::Admin | Caller::AdminAndGod => Some("admin@email.com"),
        _ => None,
    }
}

/// What the god member says for this caller when it fails.
fn god_msg(caller: Caller) -> &'static str {
    match caller {
        Caller::GodWrong | Caller::GodNonString => "invalid-god-token",
        _ => "must-be-god",
    }
}

/// `Ok(())` for a success, else the full error body with its status.
fn expected(caller: Caller, endpoint: Endpoint) -> Result<(), (u16, Value)> {
    use Caller::*;
    let company = matches!(caller, CompanyOwn | CompanyOther);
    let admin = matches!(caller, Admin | AdminAndGod);
    let god = matches!(caller, GodValid | AdminAndGod);
    let forbidden = not_allowed();
    match endpoint {
        Endpoint::List | Endpoint::Get | Endpoint::Offers => Ok(()),
        Endpoint::Me if login_of(caller).is_some() => Ok(()),
        Endpoint::Me => Err((401, json!({"error_code": 3, "errors": [{"msg": "login-required"}]}))),
        Endpoint::Preview | Endpoint::Delete | Endpoint::Disable => {
            if god || caller == CompanyOwn {
                Ok(())
            } else if company {
                Err(forbidden)
            } else {
                Err(refused(&["must-be-company", god_msg(caller)]))
            }
        }
        Endpoint::Block | Endpoint::Unblock => {
            if god || admin {
                Ok(())
            } else {
                Err(refused(&[god_msg(caller), "must-be-admin"]))
            }
        }
        Endpoint::Enable => {
            if god || admin || caller == CompanyOwn {
                Ok(())
            } else if company {
                Err(forbidden)
            } else {
                Err(refused(&["must-be-company", "must-be-admin", god_msg(caller)]))
            }
        }
    }
}

async fn call(app: &TestApp, caller: Caller, endpoint: Endpoint) -> (u16, Value) {
    let id = hex(TARGET);
    let god = god_value(caller);
    let query = god.as_ref().map(|g| match g {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let with_query = |path: String| match &query {
        Some(q) => format!("{path}?god_token={q}"),
        None => path,
    };
    let mut body = json!({});
    if let Some(g) = &god {
        body["god_token"] = g.clone();
    }
    let request = match endpoint {
        Endpoint::List => app.client.get(app.url(&with_query("/company".into()))),
        Endpoint::Get => app.client.get(app.url(&with_query(format!("/company/{id}")))),
        Endpoint::Offers => app.client.get(app.url(&with_query(format!("/offers/company/{id}")))),
        Endpoint::Me => app.client.get(app.url("/auth/me")),
        Endpoint::Preview => app.client.get(app.url(&with_query(format!("/company/{id}/deletion-preview")))),
        Endpoint::Block => {
            body["adminReason"] = json!("spam");
            app.client.put(app.url(&format!("/company/{id}/block"))).json(&body)
        }
        Endpoint::Unblock => app.client.put(app.url(&format!("/company/{id}/unblock"))).json(&body),
        Endpoint::Disable => app.client.put(app.url(&format!("/company/{id}/disable"))).json(&body),
        Endpoint::Enable => app.client.put(app.url(&format!("/company/{id}/enable"))).json(&body),
        Endpoint::Delete => app.client.post(app.url(&format!("/company/{id}/delete"))).json(&body),
    };
    json(request.send().await.unwrap()).await
}

async fn every_caller_and_endpoint_meets_its_gate(db: Db) {
    let mut failures = Vec::new();
    let mut cells = 0;
    for caller in CALLERS {
        let app = spawn_app(db).await;
        if let Some(email) = login_of(caller) {
            assert_eq!(app.login(email, "password123").await, 200);
        }
        let mut version = 0;
        for endpoint in ENDPOINTS {
            cells += 1;
            let (status, body) = call(&app, caller, endpoint).await;
            match expected(caller, endpoint) {
                Err(want) => {
                    if (status, &body) != (want.0, &want.1) {
                        failures
                            .push(format!("{caller:?} {endpoint:?}: want {} {}, got {status} {body}", want.0, want.1));
                    }
                }
                Ok(()) => {
                    let company_doc =
                        matches!(endpoint, Endpoint::Block | Endpoint::Unblock | Endpoint::Disable | Endpoint::Enable);
                    if company_doc {
                        version += 1;
                    }
                    let ok = status == 200
                        && match endpoint {
                            Endpoint::Block => {
                                body["isBlocked"] == true && body["__v"] == version && body["adminReason"] == "spam"
                            }
                            Endpoint::Unblock => body["isBlocked"] == false && body["__v"] == version,
                            Endpoint::Disable => body["isDisabled"] == true && body["__v"] == version,
                            Endpoint::Enable => body["isDisabled"] == false && body["__v"] == version,
                            Endpoint::Delete => body["_id"] == hex(TARGET).as_str() && body["__v"] == version,
                            Endpoint::Preview => body["counts"]["offers"] == 2 && body["counts"]["companies"] == 1,
                            Endpoint::Get => body["company"]["_id"] == hex(TARGET).as_str(),
                            Endpoint::Offers => body.as_array().is_some_and(|o| !o.is_empty()),
                            Endpoint::List => body["companies"].as_array().is_some_and(|c| !c.is_empty()),
                            Endpoint::Me => body["data"]["email"] == login_of(caller).unwrap(),
                        };
                    if !ok {
                        failures.push(format!("{caller:?} {endpoint:?}: want success, got {status} {body}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {cells} cells wrong:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(cells, 80);
}

crate::on_both_databases!(every_caller_and_endpoint_meets_its_gate);
