//! The original's end-to-end suite for the company neighbourhood, one module per upstream
//! `describe` block (`company.js`: `GET /company`, `GET /company/:companyId`, `PUT
//! /company/:companyId/{block,unblock,disable,enable}`; the offer suite's `GET
//! /offers/company/:companyId`; `auth.js`: `GET /auth/me`). Each test names the upstream cases it
//! carries over and asserts the full bodies of session.md. `POST /company/:companyId/delete` is in
//! `session_delete.rs`, login and logout in `session_auth.rs`.
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::session_bodies::{company_one, invalid_id, not_allowed, not_found, refused};
use crate::test_app::{Db, GOD_TOKEN, TestApp, hex, json, offer, spawn_app, spawn_app_seeded};

async fn put(app: &TestApp, client: &reqwest::Client, path: &str, body: Value) -> (u16, Value) {
    json(client.put(app.url(path)).json(&body).send().await.unwrap()).await
}

/// The answer to a GET, each offer's `createdAt` and `updatedAt` (checked to be dates as the
/// original writes them) replaced by `"<date>"`.
async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, Value) {
    let (status, mut answer) = json(client.get(app.url(path)).send().await.unwrap()).await;
    let offers = match answer.get_mut("offers") {
        Some(offers) => offers.as_array_mut(),
        None => answer.as_array_mut(),
    };
    for offer in offers.into_iter().flatten().filter(|o| o.get("ownerName").is_some()) {
        for key in ["createdAt", "updatedAt"] {
            let date = offer[key].as_str().unwrap_or_default();
            assert!(chrono::DateTime::parse_from_rfc3339(date).is_ok() && date.ends_with('Z'), "{key}: {offer}");
            offer[key] = json!("<date>");
        }
    }
    (status, answer)
}

/// A client logged in as `email` (every fixture account's password is `password123`).
async fn logged_in(app: &TestApp, email: &str) -> reqwest::Client {
    let client = app.fresh_client();
    assert_eq!(app.login_with(&client, email, "password123").await, 200, "{email} logs in");
    client
}

/// The document of the `n`th fixture offer of test-company-1 (1 = "Test Offer", 2 = "Hidden Offer").
fn company1_offer(n: u8) -> Value {
    let (title, hidden) = if n == 1 { ("Test Offer", false) } else { ("Hidden Offer", true) };
    json!({"_id": format!("{n:024x}"), "title": title, "publishDate": "2026-11-01T00:00:00.000Z",
           "publishEndDate": "2027-03-01T00:00:00.000Z", "jobMinDuration": 1, "jobMaxDuration": 6,
           "description": "An offer.", "contacts": ["jobs@one.example"], "jobType": "FULL-TIME",
           "fields": ["BACKEND"], "technologies": ["Rust"], "isHidden": hidden, "isArchived": false,
           "owner": hex("Cust0mer0001"), "requirements": ["Curiosity"], "ownerName": "test-company-1",
           "ownerLogo": "https://logos.example.com/one.png", "location": "Porto",
           "createdAt": "<date>", "updatedAt": "<date>", "__v": 0})
}

/// test-company-1's offers as stored: (title, hidden, why hidden), in title order.
async fn offer_states(app: &TestApp) -> Vec<(String, bool, Option<String>)> {
    let sql = "SELECT title, is_hidden, hidden_reason FROM offers WHERE company_id = 'Cust0mer0001' ORDER BY title";
    let rows = app.db.query_all(sea_orm::Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get("", "title").unwrap(),
                r.try_get("", "is_hidden").unwrap(),
                r.try_get("", "hidden_reason").unwrap(),
            )
        })
        .collect()
}

/// Gives test-company-1's hidden fixture offer ("Hidden Offer") the reason it was hidden for.
async fn hide_second_offer_for(app: &TestApp, reason: &str) {
    let sql = format!("UPDATE offers SET is_hidden = true, hidden_reason = '{reason}' WHERE title = 'Hidden Offer'");
    app.db.execute_unprepared(&sql).await.unwrap();
}

fn state(title: &str, hidden: bool, reason: Option<&str>) -> (String, bool, Option<String>) {
    (title.to_owned(), hidden, reason.map(str::to_owned))
}

fn names(list: &Value) -> Vec<&str> {
    list["companies"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect()
}

/// The fixture's companies as `GET /company` lists them: by name, byte by byte (upstream's
/// `sort({ name: "asc" })` in MongoDB, src/services/company.js:41).
const ALL_NAMES: [&str; 7] = [
    "Acme Security Reseller",
    "Contoso Ltd",
    "Globex Customer",
    "Globex Reseller",
    "Northwind Sub-Reseller",
    "test-company-1",
    "test-company-2",
];

/// `describe("GET /company")`
mod list_companies {
    use super::*;

    // upstream: src/api/middleware/validators/company.js `list`: `limit` is
    // `isInt({min: 1, max: 100})` with the one message MAX(100), `offset` is `isInt({min: 0})`
    // with the one message MIN(0), whatever is wrong with them (upstream's end-to-end tests have no
    // case for them). Every failing parameter is listed, in that order.
    async fn input_validation(db: Db) {
        let app = spawn_app(db).await;
        let anon = app.fresh_client();
        let limit = |value: &str| json!([{"value": value, "location": "query", "msg": "must-be-lower-than-or-equal-to-100", "param": "limit"}]);
        let offset = |value: &str| json!([{"value": value, "location": "query", "msg": "must-be-greater-than-or-equal-to-0", "param": "offset"}]);
        let cases = [
            ("limit=abc", limit("abc")),
            ("limit=1.5", limit("1.5")),
            ("limit=0", limit("0")),
            ("limit=101", limit("101")),
            ("limit=", limit("")),
            ("limit=%205", limit(" 5")),
            ("offset=x", offset("x")),
            ("offset=-1", offset("-1")),
            ("limit=0&offset=-1", json!([limit("0")[0], offset("-1")[0]])),
        ];
        for (query, errors) in cases {
            let answer = get(&app, &anon, &format!("/company?{query}")).await;
            assert_eq!(answer, (422, json!({"error_code": 1, "errors": errors})), "{query}");
        }
        // The bounds themselves are fine.
        assert_eq!(get(&app, &anon, "/company?limit=100&offset=0").await.0, 200);
        assert_eq!(get(&app, &anon, "/company?limit=1").await.0, 200);
        assert_eq!(get(&app, &anon, "/company?limit=%2B7&offset=007").await.0, 200, "a sign and leading zeros");
    }

    // upstream: "should return an empty array"
    async fn a_clean_database_lists_nothing(db: Db) {
        let app = spawn_app_seeded(db, &[], "{}").await;
        let answer = get(&app, &app.fresh_client(), "/company").await;
        assert_eq!(answer, (200, json!({"companies": [], "totalDocCount": 0})));
    }

    // upstream: "should return the newly created company"; every company, full documents, by name
    // as upstream sorts (src/services/company.js:41): byte order, so capitals first
    async fn all_companies_by_name(db: Db) {
        let app = spawn_app(db).await;
        let (status, body) = get(&app, &app.fresh_client(), "/company").await;
        assert_eq!((status, names(&body), body["totalDocCount"].as_u64()), (200, ALL_NAMES.to_vec(), Some(7)));
        assert_eq!(body["companies"][5], company_one(json!({})));
        app.seed(&json!({"companies": [{"name": "alpha"}, {"name": "Beta"}, {"name": "Ärger"}]})).await.unwrap();
        let (_, body) = get(&app, &app.fresh_client(), "/company").await;
        let expected = [
            "Acme Security Reseller",
            "Beta",
            "Contoso Ltd",
            "Globex Customer",
            "Globex Reseller",
            "Northwind Sub-Reseller",
            "alpha",
            "test-company-1",
            "test-company-2",
            "Ärger",
        ];
        assert_eq!(names(&body), expected);
        assert_eq!(
            body["companies"][0],
            json!({"_id": hex("xC5kfGz7w2Nz"), "name": "Acme Security Reseller", "contacts": [],
                   "hasFinishedRegistration": false, "isBlocked": false, "isDisabled": false, "__v": 0})
        );
    }

    // ours (upstream has no case for paging): limit and offset page through, the count is of all
    // companies, not of the page (a deliberate difference: COMPATIBILITY.md, "totalDocCount").
    async fn limit_and_offset_page_through(db: Db) {
        let app = spawn_app(db).await;
        let anon = app.fresh_client();
        let mut seen = Vec::new();
        for offset in (0..8).step_by(3) {
            let (status, body) = get(&app, &anon, &format!("/company?limit=3&offset={offset}")).await;
            assert_eq!((status, body["totalDocCount"].as_u64()), (200, Some(7)));
            let page = names(&body);
            assert!(page.len() <= 3);
            seen.extend(page.into_iter().map(str::to_owned));
        }
        assert_eq!(seen, ALL_NAMES);
        let (_, past_the_end) = get(&app, &anon, "/company?offset=7").await;
        assert_eq!(past_the_end, json!({"companies": [], "totalDocCount": 7}));
        // Without a limit, upstream's 100 (src/api/routes/company.js:61: MAX_LIMIT_RESULTS).
        let many: Vec<Value> = (0..100).map(|i| json!({"name": format!("Many {i:03}")})).collect();
        app.seed(&json!({"companies": many})).await.unwrap();
        let (_, body) = get(&app, &anon, "/company").await;
        assert_eq!((names(&body).len(), body["totalDocCount"].as_u64()), (100, Some(107)));
        assert_eq!(names(&body)[99], "Many 095", "Acme, Contoso and the Globexes come first");
    }

    // upstream: "should not return blocked created company if not logged in", "With Auth" ›
    // "should return blocked created company logged in as admin", "Disabled companies" › "should
    // return both companies if god token is sent", "should return both companies if logged as
    // admin", "should return only the enabled company if logged as unprivileged user", "should
    // return only the enabled company if not logged"; ours: a wrong god token is no privilege.
    async fn hidden_companies_only_with_admin_privileges(db: Db) {
        let app = spawn_app(db).await;
        let company = logged_in(&app, "company1@email.com").await;
        let other = logged_in(&app, "company2@email.com").await;
        let god = app.fresh_client();
        let blocked = hex("Cust0mer0001");
        let disabled = hex("Cust0mer0002");
        let body = json!({"god_token": GOD_TOKEN, "adminReason": "spam"});
        assert_eq!(put(&app, &god, &format!("/company/{blocked}/block"), body).await.0, 200);
        let body = json!({"god_token": GOD_TOKEN});
        assert_eq!(put(&app, &god, &format!("/company/{disabled}/disable"), body).await.0, 200);

        let visible: Vec<&str> = ALL_NAMES.iter().copied().filter(|n| !n.starts_with("test-company")).collect();
        let anon = app.fresh_client();
        for (who, client) in [("anonymous", &anon), ("blocked company", &company), ("disabled company", &other)] {
            let (status, body) = get(&app, client, "/company?limit=100").await;
            assert_eq!(
                (status, names(&body), body["totalDocCount"].as_u64()),
                (200, visible.clone(), Some(5)),
                "{who}"
            );
        }
        let wrong = get(&app, &anon, "/company?god_token=wrong").await;
        assert_eq!(wrong.1["totalDocCount"], 5, "a wrong god token is no privilege");

        let admin = logged_in(&app, "admin@email.com").await;
        let (status, body) = get(&app, &admin, "/company?limit=100").await;
        assert_eq!((status, names(&body), body["totalDocCount"].as_u64()), (200, ALL_NAMES.to_vec(), Some(7)));
        assert_eq!(body["companies"][5], company_one(json!({"isBlocked": true, "adminReason": "spam", "__v": 1})));
        let (_, body) = get(&app, &anon, &format!("/company?limit=100&god_token={GOD_TOKEN}")).await;
        assert_eq!(names(&body), ALL_NAMES);
        assert_eq!(body["companies"][6]["isDisabled"], true);
    }

    crate::on_both_databases!(
        input_validation,
        a_clean_database_lists_nothing,
        all_companies_by_name,
        limit_and_offset_page_through,
        hidden_companies_only_with_admin_privileges,
    );
}

/// `describe("GET /company/:companyId")`
mod get_company {
    use super::*;

    // upstream: "Without Auth" › "should fail if invalid id", "should fail if company does not
    // exist"
    async fn bad_and_unknown_ids_are_422(db: Db) {
        let app = spawn_app(db).await;
        let anon = app.fresh_client();
        for raw in ["123", "zzzzzzzzzzzzzzzzzzzzzzzz", "Cust0mer00011"] {
            assert_eq!(get(&app, &anon, &format!("/company/{raw}")).await, invalid_id(raw), "{raw}");
        }
        for raw in ["0123456789abcdef01234567", "NoSuchCompny"] {
            assert_eq!(get(&app, &anon, &format!("/company/{raw}")).await, not_found(raw), "{raw}");
        }
    }

    // upstream: "Without Auth" › "should not return hidden offers"; ours: by hex id and by resource
    // id
    async fn the_company_and_its_visible_offers(db: Db) {
        let app = spawn_app(db).await;
        for raw in [hex("Cust0mer0001"), "Cust0mer0001".to_owned()] {
            let answer = get(&app, &app.fresh_client(), &format!("/company/{raw}")).await;
            assert_eq!(
                answer,
                (200, json!({"company": company_one(json!({})), "offers": [company1_offer(1)]})),
                "{raw}"
            );
        }
    }

    // upstream: "With Auth" › "should return hidden offers when user is owner", "should return
    // hidden offers when user is admin", "should return hidden offers when user is god"; ours:
    // another company sees what anyone sees
    async fn hidden_offers_for_the_company_itself_and_admins(db: Db) {
        let app = spawn_app(db).await;
        let path = format!("/company/{}", hex("Cust0mer0001"));
        let all = json!({"company": company_one(json!({})), "offers": [company1_offer(1), company1_offer(2)]});
        for email in ["company1@email.com", "admin@email.com"] {
            assert_eq!(get(&app, &logged_in(&app, email).await, &path).await, (200, all.clone()), "{email}");
        }
        let god = get(&app, &app.fresh_client(), &format!("{path}?god_token={GOD_TOKEN}")).await;
        assert_eq!(god, (200, all));
        let other = get(&app, &logged_in(&app, "company2@email.com").await, &path).await;
        assert_eq!(other.1["offers"], json!([company1_offer(1)]), "another company sees what anyone sees");
    }

    // The god token as a query parameter too (a deliberate difference: COMPATIBILITY.md,
    // "`god_token` on a `GET`"); upstream: "Without Auth" › "should fail if company is
    // disabled", "should fail if company is blocked"; "With Auth" › "should succeed if company is disabled and user is owner", "should
    // succeed if company is disabled and user is admin", "should succeed if company is blocked and
    // user is admin"
    async fn blocked_and_disabled_companies_are_not_found_for_others(db: Db) {
        let app = spawn_app(db).await;
        let id1 = hex("Cust0mer0001");
        let id2 = hex("Cust0mer0002");
        let company2 = logged_in(&app, "company2@email.com").await;
        let admin = logged_in(&app, "admin@email.com").await;
        let anon = app.fresh_client();
        let god = json!({"god_token": GOD_TOKEN, "adminReason": "spam"});
        assert_eq!(put(&app, &anon, &format!("/company/{id1}/block"), god).await.0, 200);
        assert_eq!(put(&app, &company2, &format!("/company/{id2}/disable"), json!({})).await.0, 200);

        assert_eq!(get(&app, &anon, &format!("/company/{id1}")).await, not_found(&id1));
        assert_eq!(get(&app, &company2, &format!("/company/{id1}")).await, not_found(&id1));
        let (status, body) = get(&app, &admin, &format!("/company/{id1}")).await;
        assert_eq!(
            (status, &body["company"]),
            (200, &company_one(json!({"isBlocked": true, "adminReason": "spam", "__v": 1})))
        );
        assert_eq!(body["offers"].as_array().unwrap().len(), 2);

        assert_eq!(get(&app, &anon, &format!("/company/{id2}")).await, not_found(&id2));
        assert_eq!(get(&app, &company2, &format!("/company/{id2}")).await.1["company"]["isDisabled"], true);
        assert_eq!(get(&app, &admin, &format!("/company/{id2}")).await.0, 200);
    }

    // upstream: "With Auth" › "should fail if company is blocked and user is owner", "should
    // succeed if company is blocked and user is admin", "should succeed if company is blocked and
    // user is god"; "Without Auth" › "should fail if company is blocked"
    async fn a_blocked_company_is_closed_to_its_own_account(db: Db) {
        let app = spawn_app(db).await;
        let id = hex("Cust0mer0001");
        let god = json!({"god_token": GOD_TOKEN, "adminReason": "spam"});
        assert_eq!(put(&app, &app.fresh_client(), &format!("/company/{id}/block"), god).await.0, 200);
        let path = format!("/company/{id}");
        let owner = logged_in(&app, "company1@email.com").await;
        assert_eq!(
            get(&app, &owner, &path).await,
            (403, json!({"error_code": 3, "errors": [{"msg": "company-blocked"}]}))
        );
        assert_eq!(get(&app, &logged_in(&app, "admin@email.com").await, &path).await.0, 200);
        assert_eq!(get(&app, &app.fresh_client(), &format!("{path}?god_token={GOD_TOKEN}")).await.0, 200);
        assert_eq!(get(&app, &app.fresh_client(), &path).await, not_found(&id));
    }

    // upstream: "Without Auth" › "should fail if company hasn't finished registration" (422);
    // "With Auth" › "should fail if company hasn't finished registration and user is owner", "...
    // and user is admin", "... and user is god" (403 registration-not-finished-yet)
    async fn an_unfinished_registration_is_closed_to_everyone(db: Db) {
        let app = spawn_app(db).await;
        app.db
            .execute_unprepared("UPDATE companies SET has_finished_registration = false WHERE id = 'Cust0mer0001'")
            .await
            .unwrap();
        let id = hex("Cust0mer0001");
        let path = format!("/company/{id}");
        let closed = (403, json!({"error_code": 3, "errors": [{"msg": "registration-not-finished-yet"}]}));
        for email in ["company1@email.com", "admin@email.com"] {
            assert_eq!(get(&app, &logged_in(&app, email).await, &path).await, closed, "{email}");
        }
        assert_eq!(get(&app, &app.fresh_client(), &format!("{path}?god_token={GOD_TOKEN}")).await, closed);
        assert_eq!(get(&app, &app.fresh_client(), &path).await, not_found(&id));
        assert_eq!(get(&app, &logged_in(&app, "company2@email.com").await, &path).await, not_found(&id));
    }

    // upstream: "Without Auth" › "should succeed when the company has no offers", "should return
    // all offers when below limit", "should return all offers when at limit", "should limit number
    // of offers" (CompanyConstants.offers.max_profile_visible: 5)
    async fn a_profile_shows_at_most_five_offers(db: Db) {
        let app = spawn_app(db).await;
        let anon = app.fresh_client();
        let titles = |answer: &Value| -> Vec<String> {
            answer.as_array().unwrap().iter().map(|o| o["title"].as_str().unwrap().to_owned()).collect()
        };
        // test-company-2 has one offer already.
        let mut written = vec!["Other Offer".to_owned()];
        for k in 1..=6 {
            let offers: Vec<Value> = (1..=k).map(|i| offer("Cust0mer0002", &format!("Offer {i}"), json!({}))).collect();
            app.seed(&json!({"offers": offers})).await.expect("offers load");
            written.push(format!("Offer {k}"));
            let shown = written.iter().take(5).cloned().collect::<Vec<_>>();
            let (status, profile) = get(&app, &anon, "/company/Cust0mer0002").await;
            assert_eq!((status, titles(&profile["offers"])), (200, shown.clone()), "{k} more offers");
            assert_eq!(titles(&get(&app, &anon, "/offers/company/Cust0mer0002").await.1), shown, "{k} more offers");
        }
    }

    // upstream: getOffersByCompanyId (src/services/offer.js:465-480) takes the company's five
    // newest offers, then removes those the caller may not see: a hidden one among them leaves
    // the others four, not a sixth in its place.
    async fn the_five_newest_offers_then_the_hidden_ones_removed(db: Db) {
        let app = spawn_app(db).await;
        // test-company-1 has "Test Offer" and "Hidden Offer"; four more are written after them.
        let more: Vec<Value> = (2..=5).map(|i| offer("Cust0mer0001", &format!("Offer {i}"), json!({}))).collect();
        app.seed(&json!({"offers": more})).await.expect("offers load");
        let titles = |answer: &Value| -> Vec<String> {
            answer.as_array().unwrap().iter().map(|o| o["title"].as_str().unwrap().to_owned()).collect()
        };
        let path = format!("/company/{}", hex("Cust0mer0001"));
        let offers_path = format!("/offers/company/{}", hex("Cust0mer0001"));
        let anon = app.fresh_client();
        let seen = ["Test Offer", "Offer 2", "Offer 3", "Offer 4"];
        assert_eq!(titles(&get(&app, &anon, &path).await.1["offers"]), seen);
        assert_eq!(titles(&get(&app, &anon, &offers_path).await.1), seen);
        let own = logged_in(&app, "company1@email.com").await;
        let all = ["Test Offer", "Hidden Offer", "Offer 2", "Offer 3", "Offer 4"];
        assert_eq!(titles(&get(&app, &own, &path).await.1["offers"]), all);
        assert_eq!(titles(&get(&app, &own, &offers_path).await.1), all);
    }

    crate::on_both_databases!(
        the_five_newest_offers_then_the_hidden_ones_removed,
        bad_and_unknown_ids_are_422,
        the_company_and_its_visible_offers,
        hidden_offers_for_the_company_itself_and_admins,
        blocked_and_disabled_companies_are_not_found_for_others,
        a_blocked_company_is_closed_to_its_own_account,
        an_unfinished_registration_is_closed_to_everyone,
        a_profile_shows_at_most_five_offers,
    );
}

/// `describe("PUT /company/:companyId/block")`
mod block {
    use super::*;

    // upstream: "should fail if admin reason not provided"; "Input Validation" › adminReason:
    // required, must be a string; companyId: must be a valid id; checked after the gate, all
    // listed together.
    async fn input_validation(db: Db) {
        let app = spawn_app(db).await;
        let anon = app.fresh_client();
        let path = format!("/company/{}/block", hex("Cust0mer0001"));
        let required = json!({"location": "body", "msg": "required", "param": "adminReason"});
        let answer = put(&app, &anon, &path, json!({"god_token": GOD_TOKEN})).await;
        assert_eq!(answer, (422, json!({"error_code": 1, "errors": [required]})));
        for value in [json!(7), json!(true), json!(["x"]), json!({"a": 1})] {
            let answer = put(&app, &anon, &path, json!({"god_token": GOD_TOKEN, "adminReason": value})).await;
            let error = json!({"value": value, "location": "body", "msg": "must-be-string", "param": "adminReason"});
            assert_eq!(answer, (422, json!({"error_code": 1, "errors": [error]})), "{value}");
        }
        let answer = put(&app, &anon, "/company/123/block", json!({"god_token": GOD_TOKEN})).await;
        let errors = json!([
            {"value": "123", "location": "params", "msg": "must-be-a-valid-id", "param": "companyId"},
            required]);
        assert_eq!(answer, (422, json!({"error_code": 1, "errors": errors})));
    }

    // upstream: "should fail if not logged in", "should fail if logged in as company"; ours: an
    // invalid god token; the id is not looked at before the gate.
    async fn only_admins_and_god_may_block(db: Db) {
        let app = spawn_app(db).await;
        let path = format!("/company/{}/block", hex("Cust0mer0001"));
        let reason = json!({"adminReason": "spam"});
        assert_eq!(
            put(&app, &app.fresh_client(), &path, reason.clone()).await,
            refused(&["must-be-god", "must-be-admin"])
        );
        assert_eq!(
            put(&app, &app.fresh_client(), "/company/123/block", json!({})).await,
            refused(&["must-be-god", "must-be-admin"])
        );
        let company = logged_in(&app, "company1@email.com").await;
        assert_eq!(put(&app, &company, &path, reason).await, refused(&["must-be-god", "must-be-admin"]));
        let wrong = json!({"adminReason": "spam", "god_token": "wrong"});
        assert_eq!(
            put(&app, &app.fresh_client(), &path, wrong).await,
            refused(&["invalid-god-token", "must-be-admin"])
        );
        let (_, doc) = get(&app, &app.fresh_client(), &format!("/company/{}", hex("Cust0mer0001"))).await;
        assert_eq!(doc["company"], company_one(json!({})), "nothing changed");
    }

    // upstream: "should fail if the company does not exist"
    async fn an_unknown_company_is_422(db: Db) {
        let app = spawn_app(db).await;
        let admin = logged_in(&app, "admin@email.com").await;
        for raw in ["NoSuchCompny", "0123456789abcdef01234567"] {
            let answer = put(&app, &admin, &format!("/company/{raw}/block"), json!({"adminReason": "x"})).await;
            assert_eq!(answer, not_found(raw));
        }
    }

    // upstream: "should allow if logged in as admin", "should allow with god token"; `__v` counts
    // the change (a deliberate difference: COMPATIBILITY.md, "`__v` after a change")
    async fn admins_and_god_block(db: Db) {
        let app = spawn_app(db).await;
        let admin = logged_in(&app, "admin@email.com").await;
        let path = format!("/company/{}/block", hex("Cust0mer0001"));
        let answer = put(&app, &admin, &path, json!({"adminReason": "spam"})).await;
        assert_eq!(answer, (200, company_one(json!({"isBlocked": true, "adminReason": "spam", "__v": 1}))));
        let path = "/company/Cust0mer0002/block";
        let (status, body) =
            put(&app, &app.fresh_client(), path, json!({"god_token": GOD_TOKEN, "adminReason": "r"})).await;
        assert_eq!(
            (status, body["isBlocked"].as_bool(), body["adminReason"].as_str(), body["__v"].as_i64()),
            (200, Some(true), Some("r"), Some(1))
        );
    }

    // upstream: "testing with offers" › "should block active offers"; ours: the company's account
    // stays logged in (and may still log in), its profile is closed to it (403 company-blocked)
    // and its offers are hidden from everyone else.
    async fn blocking_hides_the_offers_and_closes_the_profile(db: Db) {
        let app = spawn_app(db).await;
        let company = logged_in(&app, "company1@email.com").await;
        let admin = logged_in(&app, "admin@email.com").await;
        let id = hex("Cust0mer0001");
        assert_eq!(put(&app, &admin, &format!("/company/{id}/block"), json!({"adminReason": "spam"})).await.0, 200);
        assert_eq!(get(&app, &app.fresh_client(), &format!("/offers/company/{id}")).await, (200, json!([])));
        let (_, offers) = get(&app, &admin, &format!("/offers/company/{id}")).await;
        let hidden: Vec<bool> = offers.as_array().unwrap().iter().map(|o| o["isHidden"] == true).collect();
        assert_eq!(hidden, [true, true]);
        let (status, me) = json(app.me(&company).await).await;
        assert_eq!((status, me["data"]["email"].as_str()), (200, Some("company1@email.com")));
        let again = logged_in(&app, "company1@email.com").await;
        let closed = (403, json!({"error_code": 3, "errors": [{"msg": "company-blocked"}]}));
        assert_eq!(get(&app, &again, &format!("/company/{id}")).await, closed);
    }

    // upstream: "testing with offers" › "should not override offers already hidden"
    async fn blocking_keeps_the_reason_of_offers_already_hidden(db: Db) {
        let app = spawn_app(db).await;
        hide_second_offer_for(&app, "ADMIN_BLOCK").await;
        let body = json!({"god_token": GOD_TOKEN, "adminReason": "spam"});
        assert_eq!(put(&app, &app.fresh_client(), "/company/Cust0mer0001/block", body).await.0, 200);
        assert_eq!(
            offer_states(&app).await,
            [state("Hidden Offer", true, Some("ADMIN_BLOCK")), state("Test Offer", true, Some("COMPANY_BLOCKED"))]
        );
    }

    crate::on_both_databases!(
        input_validation,
        only_admins_and_god_may_block,
        an_unknown_company_is_422,
        admins_and_god_block,
        blocking_hides_the_offers_and_closes_the_profile,
        blocking_keeps_the_reason_of_offers_already_hidden,
    );
}

/// `describe("PUT /company/:companyId/unblock")`
mod unblock {
    use super::*;

    async fn blocked(app: &TestApp) {
        let body = json!({"god_token": GOD_TOKEN, "adminReason": "spam"});
        assert_eq!(put(app, &app.fresh_client(), "/company/Cust0mer0001/block", body).await.0, 200);
    }

    // upstream: "should fail if not logged in", "should fail if logged in as company"; ours: an
    // invalid god token
    async fn only_admins_and_god_may_unblock(db: Db) {
        let app = spawn_app(db).await;
        blocked(&app).await;
        let path = format!("/company/{}/unblock", hex("Cust0mer0001"));
        assert_eq!(put(&app, &app.fresh_client(), &path, json!({})).await, refused(&["must-be-god", "must-be-admin"]));
        let company = logged_in(&app, "company2@email.com").await;
        assert_eq!(put(&app, &company, &path, json!({})).await, refused(&["must-be-god", "must-be-admin"]));
        let wrong = json!({"god_token": "wrong"});
        assert_eq!(
            put(&app, &app.fresh_client(), &path, wrong).await,
            refused(&["invalid-god-token", "must-be-admin"])
        );
    }

    // upstream: "should fail if not a valid id", "should fail if company does not exist"
    async fn bad_and_unknown_ids_are_422(db: Db) {
        let app = spawn_app(db).await;
        let admin = logged_in(&app, "admin@email.com").await;
        assert_eq!(put(&app, &admin, "/company/123/unblock", json!({})).await, invalid_id("123"));
        assert_eq!(put(&app, &admin, "/company/NoSuchCompny/unblock", json!({})).await, not_found("NoSuchCompny"));
    }

    // upstream: "should allow if logged in as admin", "should allow with god token"
    async fn admins_and_god_unblock(db: Db) {
        let app = spawn_app(db).await;
        blocked(&app).await;
        let admin = logged_in(&app, "admin@email.com").await;
        let path = format!("/company/{}/unblock", hex("Cust0mer0001"));
        assert_eq!(put(&app, &admin, &path, json!({})).await, (200, company_one(json!({"__v": 2}))));
        blocked(&app).await;
        let answer = put(&app, &app.fresh_client(), &path, json!({"god_token": GOD_TOKEN})).await;
        assert_eq!(answer, (200, company_one(json!({"__v": 4}))));
    }

    // upstream: "testing with offers" › "should unblock offers blocked by company block"; ours:
    // what was hidden before stays hidden, and the company's account sees both.
    async fn unblocking_brings_back_what_blocking_hid(db: Db) {
        let app = spawn_app(db).await;
        blocked(&app).await;
        let admin = logged_in(&app, "admin@email.com").await;
        let id = hex("Cust0mer0001");
        assert_eq!(put(&app, &admin, &format!("/company/{id}/unblock"), json!({})).await.0, 200);
        assert_eq!(
            get(&app, &app.fresh_client(), &format!("/offers/company/{id}")).await,
            (200, json!([company1_offer(1)]))
        );
        let company = logged_in(&app, "company1@email.com").await;
        let (status, offers) = get(&app, &company, &format!("/offers/company/{id}")).await;
        assert_eq!((status, offers), (200, json!([company1_offer(1), company1_offer(2)])));
    }

    // upstream: "testing with offers" › "should not unblock offers hidden by company request" and
    // "should not unblock offers hidden by admin request"
    async fn unblocking_leaves_offers_hidden_for_another_reason(db: Db) {
        for reason in ["COMPANY_REQUEST", "ADMIN_BLOCK"] {
            let app = spawn_app(db).await;
            hide_second_offer_for(&app, reason).await;
            blocked(&app).await;
            let answer =
                put(&app, &app.fresh_client(), "/company/Cust0mer0001/unblock", json!({"god_token": GOD_TOKEN})).await;
            assert_eq!((answer.0, answer.1["isBlocked"].as_bool()), (200, Some(false)), "{reason}");
            assert_eq!(
                offer_states(&app).await,
                [state("Hidden Offer", true, Some(reason)), state("Test Offer", false, None)],
                "{reason}"
            );
        }
    }

    crate::on_both_databases!(
        only_admins_and_god_may_unblock,
        bad_and_unknown_ids_are_422,
        admins_and_god_unblock,
        unblocking_brings_back_what_blocking_hid,
        unblocking_leaves_offers_hidden_for_another_reason,
    );
}

/// `describe("PUT /company/:companyId/disable")`
mod disable {
    use super::*;

    // upstream: "should fail to disable company if not logged", "should fail to disable company if
    // logged as admin" (an admin is no company; only the god token stands for one); ours: an
    // invalid god token
    async fn only_companies_and_god_may_disable(db: Db) {
        let app = spawn_app(db).await;
        let path = format!("/company/{}/disable", hex("Cust0mer0001"));
        assert_eq!(
            put(&app, &app.fresh_client(), &path, json!({})).await,
            refused(&["must-be-company", "must-be-god"])
        );
        let admin = logged_in(&app, "admin@email.com").await;
        assert_eq!(put(&app, &admin, &path, json!({})).await, refused(&["must-be-company", "must-be-god"]));
        let wrong = json!({"god_token": "wrong"});
        assert_eq!(
            put(&app, &app.fresh_client(), &path, wrong).await,
            refused(&["must-be-company", "invalid-god-token"])
        );
    }

    // upstream: "should fail to disable company if logged as different company"
    async fn another_company_is_403(db: Db) {
        let app = spawn_app(db).await;
        let other = logged_in(&app, "company2@email.com").await;
        let path = format!("/company/{}/disable", hex("Cust0mer0001"));
        assert_eq!(put(&app, &other, &path, json!({})).await, not_allowed());
        let (_, doc) = get(&app, &app.fresh_client(), &format!("/company/{}", hex("Cust0mer0001"))).await;
        assert_eq!(doc["company"], company_one(json!({})), "nothing changed");
    }

    // upstream: "Id validation" › "Should fail if using invalid id", "Should fail if company does
    // not exist"
    async fn bad_and_unknown_ids_are_422(db: Db) {
        let app = spawn_app(db).await;
        let company = logged_in(&app, "company1@email.com").await;
        assert_eq!(put(&app, &company, "/company/123/disable", json!({})).await, invalid_id("123"));
        let answer = put(&app, &company, "/company/NoSuchCompny/disable", json!({})).await;
        assert_eq!(answer, not_found("NoSuchCompny"));
    }

    // upstream: "Should disable company if logged as same company", "Should disable company if god
    // token is sent"; ours: its offers disappear for everyone else, the company still sees itself
    // and stays logged in.
    async fn the_company_or_god_disables(db: Db) {
        let app = spawn_app(db).await;
        let company = logged_in(&app, "company1@email.com").await;
        let id = hex("Cust0mer0001");
        let answer = put(&app, &company, &format!("/company/{id}/disable"), json!({})).await;
        assert_eq!(answer, (200, company_one(json!({"isDisabled": true, "__v": 1}))));
        assert_eq!(get(&app, &app.fresh_client(), &format!("/company/{id}")).await, not_found(&id));
        // The offers route asks only that the company exists; disabling hid every offer.
        assert_eq!(get(&app, &app.fresh_client(), &format!("/offers/company/{id}")).await, (200, json!([])));
        assert_eq!(get(&app, &company, &format!("/company/{id}")).await.0, 200);
        assert_eq!(app.me(&company).await.status(), 200);

        let answer =
            put(&app, &app.fresh_client(), "/company/Cust0mer0002/disable", json!({"god_token": GOD_TOKEN})).await;
        assert_eq!((answer.0, answer.1["isDisabled"].as_bool()), (200, Some(true)));
    }

    // upstream: "should change offers' 'isHidden' on company disable"; ours: an offer hidden for
    // another reason keeps it.
    async fn disabling_hides_the_offers_as_disabled(db: Db) {
        let app = spawn_app(db).await;
        hide_second_offer_for(&app, "COMPANY_REQUEST").await;
        assert_eq!(offer_states(&app).await[1], state("Test Offer", false, None));
        let answer =
            put(&app, &app.fresh_client(), "/company/Cust0mer0001/disable", json!({"god_token": GOD_TOKEN})).await;
        assert_eq!((answer.0, answer.1["isDisabled"].as_bool()), (200, Some(true)));
        assert_eq!(
            offer_states(&app).await,
            [state("Hidden Offer", true, Some("COMPANY_REQUEST")), state("Test Offer", true, Some("COMPANY_DISABLED"))]
        );
    }

    crate::on_both_databases!(
        only_companies_and_god_may_disable,
        another_company_is_403,
        bad_and_unknown_ids_are_422,
        the_company_or_god_disables,
        disabling_hides_the_offers_as_disabled,
    );
}

/// `describe("PUT /company/:companyId/enable")`
mod enable {
    use super::*;

    async fn disabled(app: &TestApp) {
        let body = json!({"god_token": GOD_TOKEN});
        assert_eq!(put(app, &app.fresh_client(), "/company/Cust0mer0001/disable", body).await.0, 200);
    }

    // upstream: "should fail to enable if not logged"; ours: an invalid god token
    async fn anonymous_callers_may_not_enable(db: Db) {
        let app = spawn_app(db).await;
        disabled(&app).await;
        let path = format!("/company/{}/enable", hex("Cust0mer0001"));
        let members = ["must-be-company", "must-be-admin", "must-be-god"];
        assert_eq!(put(&app, &app.fresh_client(), &path, json!({})).await, refused(&members));
        let wrong = json!({"god_token": "wrong"});
        let answer = put(&app, &app.fresh_client(), &path, wrong).await;
        assert_eq!(answer, refused(&["must-be-company", "must-be-admin", "invalid-god-token"]));
    }

    // upstream: "Id validation" › "Should fail if using invalid id", "Should fail if company does
    // not exist"
    async fn bad_and_unknown_ids_are_422(db: Db) {
        let app = spawn_app(db).await;
        let company = logged_in(&app, "company1@email.com").await;
        assert_eq!(put(&app, &company, "/company/123/enable", json!({})).await, invalid_id("123"));
        let answer = put(&app, &company, "/company/NoSuchCompny/enable", json!({})).await;
        assert_eq!(answer, not_found("NoSuchCompny"));
    }

    // upstream: "should fail to enable if logged as different company"
    async fn another_company_is_403(db: Db) {
        let app = spawn_app(db).await;
        disabled(&app).await;
        let other = logged_in(&app, "company2@email.com").await;
        assert_eq!(put(&app, &other, "/company/Cust0mer0001/enable", json!({})).await, not_allowed());
    }

    // upstream: "Should enable company if logged as same company", "Should enable company if
    // logged as admin", "Should enable company if god token is sent"; ours: the offers come back.
    async fn the_company_an_admin_or_god_enables(db: Db) {
        let app = spawn_app(db).await;
        let id = hex("Cust0mer0001");
        let path = format!("/company/{id}/enable");
        let company = logged_in(&app, "company1@email.com").await;
        let admin = logged_in(&app, "admin@email.com").await;
        let god = json!({"god_token": GOD_TOKEN});
        let callers = [(&company, json!({})), (&admin, json!({})), (&app.client, god)];
        for (round, (client, body)) in callers.into_iter().enumerate() {
            disabled(&app).await;
            let version = 2 * round as i64 + 2;
            assert_eq!(put(&app, client, &path, body).await, (200, company_one(json!({"__v": version}))), "{round}");
            let offers = get(&app, &app.fresh_client(), &format!("/offers/company/{id}")).await;
            assert_eq!(offers, (200, json!([company1_offer(1)])));
        }
    }

    // upstream: "should change offers' 'isHidden' on company enable": what disabling hid is shown
    // again with no reason; ours: an offer hidden for another reason stays hidden.
    async fn enabling_shows_what_disabling_hid(db: Db) {
        let app = spawn_app(db).await;
        hide_second_offer_for(&app, "ADMIN_BLOCK").await;
        disabled(&app).await;
        assert_eq!(offer_states(&app).await[1], state("Test Offer", true, Some("COMPANY_DISABLED")));
        let answer =
            put(&app, &app.fresh_client(), "/company/Cust0mer0001/enable", json!({"god_token": GOD_TOKEN})).await;
        assert_eq!((answer.0, answer.1["isDisabled"].as_bool()), (200, Some(false)));
        assert_eq!(
            offer_states(&app).await,
            [state("Hidden Offer", true, Some("ADMIN_BLOCK")), state("Test Offer", false, None)]
        );
    }

    crate::on_both_databases!(
        anonymous_callers_may_not_enable,
        another_company_is_403,
        bad_and_unknown_ids_are_422,
        the_company_an_admin_or_god_enables,
        enabling_shows_what_disabling_hid,
    );
}

/// The offer suite's `describe("GET /offers/company/:companyId")`
mod company_offers {
    use super::*;

    // upstream: "Id Validation" › "should fail if requested an invalid companyId", "should fail if
    // there isn't a company with that id"
    async fn bad_and_unknown_ids_are_422(db: Db) {
        let app = spawn_app(db).await;
        let anon = app.fresh_client();
        assert_eq!(get(&app, &anon, "/offers/company/123").await, invalid_id("123"));
        let raw = "0123456789abcdef01234567";
        assert_eq!(get(&app, &anon, &format!("/offers/company/{raw}")).await, not_found(raw));
    }

    // upstream: "Get offer by companyId" › "should return non-hidden offers"; ours: only that
    // company's, and none for a company without offers
    async fn the_companys_visible_offers(db: Db) {
        let app = spawn_app(db).await;
        let anon = app.fresh_client();
        let answer = get(&app, &anon, &format!("/offers/company/{}", hex("Cust0mer0001"))).await;
        assert_eq!(answer, (200, json!([company1_offer(1)])));
        let answer = get(&app, &anon, "/offers/company/Cust0mer0002").await;
        // Whole documents (COMPATIBILITY.md, "Offers in ..."): `coordinates` has no `_id`.
        let mut other = company1_offer(1);
        other["_id"] = json!(format!("{:024x}", 3));
        other["title"] = json!("Other Offer");
        other["owner"] = json!(hex("Cust0mer0002"));
        other["ownerName"] = json!("test-company-2");
        assert_eq!(answer, (200, json!([other])));
        assert_eq!(get(&app, &anon, "/offers/company/Cust0mer0003").await, (200, json!([])));
    }

    // A deliberate difference (COMPATIBILITY.md, "`ownerName` of an offer"): a renamed company's
    // offers show its name now (upstream: the name when each offer was created).
    async fn an_offers_owner_name_is_the_companys_name_now(db: Db) {
        let app = spawn_app(db).await;
        let token = app.reseller_token().await;
        let rename = crate::company_writes::form_with("Renamed One", "5", "2030-01-01");
        assert_eq!(app.update_company(&token, "Cust0mer0001", rename).await.0, 200);
        let (status, offers) =
            get(&app, &app.fresh_client(), &format!("/offers/company/{}", hex("Cust0mer0001"))).await;
        assert_eq!((status, &offers[0]["ownerName"]), (200, &json!("Renamed One")));
    }

    // upstream: "Get offer by companyId" › "should return hidden company offers as company",
    // "should return hidden company offers as admin", "should return hidden company offers with
    // god token"; ours: another company sees only the visible ones
    async fn hidden_offers_for_the_company_itself_and_admins(db: Db) {
        let app = spawn_app(db).await;
        let path = format!("/offers/company/{}", hex("Cust0mer0001"));
        let all = (200, json!([company1_offer(1), company1_offer(2)]));
        assert_eq!(get(&app, &logged_in(&app, "company1@email.com").await, &path).await, all);
        assert_eq!(get(&app, &logged_in(&app, "admin@email.com").await, &path).await, all);
        assert_eq!(get(&app, &app.fresh_client(), &format!("{path}?god_token={GOD_TOKEN}")).await, all);
        let other = get(&app, &logged_in(&app, "company2@email.com").await, &path).await;
        assert_eq!(other, (200, json!([company1_offer(1)])));
    }

    crate::on_both_databases!(
        bad_and_unknown_ids_are_422,
        the_companys_visible_offers,
        hidden_offers_for_the_company_itself_and_admins,
        an_offers_owner_name_is_the_companys_name_now,
    );
}

/// `auth.js`: `describe("GET /auth/me")`
mod me {
    use super::*;

    // upstream: "should return forbidden when retrieving the information of the logged in user"
    // (its status is 401), "should return an error since no user is logged in"; ours: a forged
    // cookie is no session
    async fn without_a_session_login_is_required(db: Db) {
        let app = spawn_app(db).await;
        let answer = json(app.me(&app.fresh_client()).await).await;
        assert_eq!(answer, (401, json!({"error_code": 3, "errors": [{"msg": "login-required"}]})));
        let forged = app.fresh_client().get(app.url("/auth/me")).header("cookie", "connect.sid=forged").send().await;
        assert_eq!(json(forged.unwrap()).await, answer);
    }

    // upstream: "should return the informations of the logged in user (company)", "should return
    // the informations of the logged in user (admin)": an admin's answer has no `company` key
    // (src/api/routes/auth.js:19,32)
    async fn the_account_and_its_company(db: Db) {
        let app = spawn_app(db).await;
        let company = logged_in(&app, "company1@email.com").await;
        let answer = json(app.me(&company).await).await;
        let data = json!({"email": "company1@email.com", "isAdmin": false, "company": company_one(json!({}))});
        assert_eq!(answer, (200, json!({"data": data})));
        let admin = logged_in(&app, "admin@email.com").await;
        let answer = json(app.me(&admin).await).await;
        assert_eq!(answer, (200, json!({"data": {"email": "admin@email.com", "isAdmin": true}})));
    }

    crate::on_both_databases!(without_a_session_login_is_required, the_account_and_its_company);
}

/// `describe("PUT /company/:companyId/block")` … `describe("PUT /company/disable")`: the e-mail
/// cases.
mod notices {
    use super::*;

    // upstream: "should send an email to the company user when it is blocked", "... when it is
    // unblocked", "... when it is disabled", "... when it is enabled"
    async fn each_state_change_is_told_to_the_company(db: Db) {
        let app = spawn_app(db).await;
        let id = hex("Cust0mer0001");
        let steps = [
            ("block", json!({"god_token": GOD_TOKEN, "adminReason": "spam"}), "blocked"),
            ("unblock", json!({"god_token": GOD_TOKEN}), "unblocked"),
            ("disable", json!({"god_token": GOD_TOKEN}), "disabled"),
            ("enable", json!({"god_token": GOD_TOKEN}), "enabled"),
        ];
        for (n, (route, body, done)) in steps.into_iter().enumerate() {
            assert_eq!(put(&app, &app.fresh_client(), &format!("/company/{id}/{route}"), body).await.0, 200, "{route}");
            let mail = app.wait_for_mail(n + 1).await;
            let subject = format!("Subject: Your company account on companygate-test has been {done}");
            let told = mail.iter().filter(|m| m.contains("To: company1@email.com") && m.contains(&subject)).count();
            assert_eq!((mail.len(), told), (n + 1, 1), "{route}: {mail:#?}");
        }
        // A refused change tells nobody.
        let refused =
            put(&app, &app.fresh_client(), &format!("/company/{id}/block"), json!({"adminReason": "x"})).await;
        assert_eq!(refused.0, 401);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(app.sent_mail().len(), 4);
    }

    crate::on_both_databases!(each_state_change_is_told_to_the_company);
}

/// Upstream reads `god_token` from every JSON body, GETs' included (src/api/middleware/auth.js:18-27,
/// src/loaders/express.js:44); its GET cases send it so (supertest's `.send(withGodToken())`).
mod god_token_in_a_get_body {
    use super::*;

    /// `GET path` with `body` as JSON.
    async fn get_with(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
        json(app.fresh_client().get(app.url(path)).json(&body).send().await.unwrap()).await
    }

    // upstream: company.js:182 "should return both companies if god token is sent"; company.js:742
    // "should return hidden offers when user is god"; company.js:759 "should succeed if company is
    // disabled and user is god"; company.js:771 "should succeed if company is blocked and user is
    // god"; company.js:783 "should fail if company hasn't finished registration and user is god";
    // offer.js:3168 "should return hidden company offers with god token"
    async fn a_get_takes_the_god_token_from_its_json_body(db: Db) {
        let app = spawn_app(db).await;
        let god = json!({"god_token": GOD_TOKEN});
        let (one, two) = (hex("Cust0mer0001"), hex("Cust0mer0002"));
        assert_eq!(put(&app, &app.fresh_client(), &format!("/company/{two}/disable"), god.clone()).await.0, 200);
        let (status, body) = get_with(&app, "/company", god.clone()).await;
        assert_eq!((status, body["totalDocCount"].as_u64()), (200, Some(7)), "the disabled company too");
        let (_, body) = get_with(&app, "/company", json!({"god_token": "wrong"})).await;
        assert_eq!(body["totalDocCount"], 6, "a wrong god token is no privilege");

        let (status, body) = get_with(&app, &format!("/company/{one}"), god.clone()).await;
        let titles: Vec<&str> =
            body["offers"].as_array().unwrap().iter().map(|o| o["title"].as_str().unwrap()).collect();
        assert_eq!((status, titles), (200, vec!["Test Offer", "Hidden Offer"]), "hidden offers for god");
        assert_eq!(get_with(&app, &format!("/company/{two}"), god.clone()).await.0, 200, "disabled, for god");
        let offers = get_with(&app, &format!("/offers/company/{one}"), god.clone()).await;
        assert_eq!(offers.1.as_array().map(Vec::len), Some(2), "hidden offers for god: {offers:?}");

        let block = json!({"god_token": GOD_TOKEN, "adminReason": "spam"});
        assert_eq!(put(&app, &app.fresh_client(), &format!("/company/{one}/block"), block).await.0, 200);
        assert_eq!(get_with(&app, &format!("/company/{one}"), god.clone()).await.0, 200, "blocked, for god");
        app.db
            .execute_unprepared("UPDATE companies SET has_finished_registration = false WHERE id = 'Cust0mer0001'")
            .await
            .unwrap();
        let closed = (403, json!({"error_code": 3, "errors": [{"msg": "registration-not-finished-yet"}]}));
        assert_eq!(get_with(&app, &format!("/company/{one}"), god).await, closed);

        // The body's token wins over the query's; a body that is not JSON is refused as for any write.
        let path = format!("/company?god_token={GOD_TOKEN}");
        assert_eq!(get_with(&app, &path, json!({"god_token": "wrong"})).await.1["totalDocCount"], 5);
        let malformed = app.fresh_client().get(app.url("/company")).header("content-type", "application/json");
        let answer = json(malformed.body("{").send().await.unwrap()).await;
        assert_eq!(answer, (400, json!({"error_code": 1, "errors": [{"msg": "invalid-json"}]})));
    }

    // upstream: offer.js:3130 "should return non-hidden offers, even if target owner is set": a
    // body naming the owner is no privilege (only `god_token` in a body is read)
    async fn an_owner_in_a_get_body_is_no_privilege(db: Db) {
        let app = spawn_app(db).await;
        let one = hex("Cust0mer0001");
        let (status, offers) = get_with(&app, &format!("/offers/company/{one}"), json!({"owner": one})).await;
        let titles: Vec<&str> = offers.as_array().unwrap().iter().map(|o| o["title"].as_str().unwrap()).collect();
        assert_eq!((status, titles), (200, vec!["Test Offer"]));
    }

    crate::on_both_databases!(a_get_takes_the_god_token_from_its_json_body, an_owner_in_a_get_body_is_no_privilege);
}
