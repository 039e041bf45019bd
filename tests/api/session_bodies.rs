//! The session dialect's answers as session.md writes them, shared by its test files.
use serde_json::{Value, json};

use crate::test_app::hex;

/// The 401 of a gate whose members all failed, in member order.
pub fn refused(members: &[&str]) -> (u16, Value) {
    let or: Vec<Value> = members.iter().map(|m| json!({"error_code": 3, "errors": [{"msg": m}]})).collect();
    (401, json!({"error_code": 3, "errors": [{"msg": "insufficient-permissions"}], "or": or}))
}

pub fn invalid_id(raw: &str) -> (u16, Value) {
    (
        422,
        json!({"error_code": 1, "errors": [{"value": raw, "msg": "must-be-a-valid-id", "param": "companyId", "location": "params"}]}),
    )
}

pub fn not_found(raw: &str) -> (u16, Value) {
    (
        422,
        json!({"error_code": 1, "errors": [{"value": raw, "msg": format!("no-company-found-with-id:{raw}"), "param": "companyId", "location": "params"}]}),
    )
}

/// The 403 of a company account acting on another company.
pub fn not_allowed() -> (u16, Value) {
    (403, json!({"error_code": 3, "errors": [{"msg": "insufficient-permissions-to-manage-company-settings"}]}))
}

/// test-company-1 as the fixture made it, with `changes` applied (a `null` removes a field).
pub fn company_one(changes: Value) -> Value {
    let mut doc = json!({
        "_id": hex("Cust0mer0001"), "name": "test-company-1", "contacts": ["ceo@one.example"],
        "hasFinishedRegistration": true, "isBlocked": false, "isDisabled": false, "__v": 0,
        "bio": "text", "logo": "https://one.example/logo.png"
    });
    for (key, value) in changes.as_object().unwrap() {
        if value.is_null() {
            doc.as_object_mut().unwrap().remove(key);
        } else {
            doc[key] = value.clone();
        }
    }
    doc
}
