//! The bulk path of `seed`: target users upserted by (company, e-mail) in multi-row batches, the
//! companies' per-state counts kept in the same transaction, and all or nothing; offers upserted by
//! (company, title) the same way.
use serde_json::{Value, json};

use crate::test_app::{Db, GOD_TOKEN, TestApp, offer, spawn_app};

fn users(company: &str, n: usize, state: impl Fn(usize) -> &'static str) -> Vec<Value> {
    (0..n).map(|i| json!({"company": company, "email": format!("u{i}@bulk.example"), "state": state(i)})).collect()
}

/// (active, inactive, deleted) as the reseller search shows them.
async fn counts(app: &TestApp, token: &str, name: &str) -> (i64, i64, i64) {
    let body = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CompanyName", "ascending": true,
                      "filter": {"SearchInputTextValue": name}});
    let page: Value = app.search(token, &body).await.json().await.unwrap();
    let row = &page["data"]["results"][0];
    assert_eq!(row["companyName"], name);
    let n = |field: &str| row[field].as_i64().unwrap();
    (n("targetUserCount"), n("inactiveTargetUserCount"), n("deletedTargetUserCount"))
}

async fn target_users_are_upserted_in_batches_and_counted(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    // The base fixture gives test-company-1 three active users and one inactive.
    assert_eq!(counts(&app, &token, "test-company-1").await, (3, 1, 0));

    // 2 500 users (three batches) in a company of the database, one e-mail twice: the last wins.
    let mut load = users("Cust0mer0001", 2500, |i| if i % 5 == 0 { "inactive" } else { "active" });
    load.push(json!({"company": "Cust0mer0001", "email": "u1@bulk.example", "state": "deleted"}));
    let report = app.seed(&json!({"targetUsers": load})).await.expect("loads");
    assert_eq!(report.target_users, 2501);
    assert_eq!(app.count("target_users", "company_id", "Cust0mer0001").await, 4 + 2500);
    assert_eq!(counts(&app, &token, "test-company-1").await, (3 + 1999, 1 + 500, 1));

    // The same load again changes states, adds no row.
    let again = users("Cust0mer0001", 2500, |i| if i < 100 { "deleted" } else { "active" });
    app.seed(&json!({"targetUsers": again})).await.expect("loads again");
    assert_eq!(app.count("target_users", "company_id", "Cust0mer0001").await, 4 + 2500);
    assert_eq!(counts(&app, &token, "test-company-1").await, (3 + 2400, 1, 100));
}

/// A company new in a load is written with its target users' counts (it has no others); users of
/// a stored company in the same load are upserted and counted; loading it all again (the company
/// now stored) changes nothing.
async fn a_new_company_is_loaded_with_its_counts(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let mut new_users = users("NewCompany01", 1500, |i| ["active", "inactive", "deleted"][i % 3]);
    // A repeated e-mail: the last entry wins, and is counted once.
    new_users.push(json!({"company": "NewCompany01", "email": "u0@bulk.example", "state": "deleted"}));
    new_users.extend(users("Cust0mer0001", 10, |_| "deleted"));
    let load = json!({
        "companies": [{"resourceId": "NewCompany01", "name": "bulk-new-company", "parent": "xC5kfGz7w2Nz"}],
        "targetUsers": new_users,
    });
    for round in ["first load", "same load again"] {
        app.seed(&load).await.unwrap_or_else(|e| panic!("{round}: {e}"));
        assert_eq!(app.count("target_users", "company_id", "NewCompany01").await, 1500, "{round}");
        assert_eq!(counts(&app, &token, "bulk-new-company").await, (499, 500, 501), "{round}");
        assert_eq!(counts(&app, &token, "test-company-1").await, (3, 1, 10), "{round}");
    }
}

/// A stored company loaded again is written where the load differs from it (its name, its tags)
/// and left alone where it does not; a list ordered by name follows a rename.
async fn a_stored_company_loaded_again_changes_where_it_differs(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let record = || async {
        let response = app.client.get(app.url("/api/companies/Cust0mer0001")).bearer_auth(&token).send().await;
        let body: Value = response.unwrap().json().await.unwrap();
        let mut tags: Vec<String> =
            body["data"]["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_owned()).collect();
        tags.sort();
        (body["data"]["name"].as_str().unwrap().to_owned(), tags)
    };
    let first_by_name = || async {
        let body = json!({"pageNumber": 1, "pageSize": 1, "orderBy": "CompanyName", "ascending": true});
        let page: Value = app.search(&token, &body).await.json().await.unwrap();
        page["data"]["results"][0]["companyName"].as_str().unwrap().to_owned()
    };
    let company = |name: &str, tags: &[&str]| json!({"companies": [{"resourceId": "Cust0mer0001", "name": name, "parent": "xC5kfGz7w2Nz", "tags": tags}]});
    let expected = |name: &str, tags: &[&str]| (name.to_owned(), tags.iter().map(|t| (*t).to_owned()).collect());
    for (name, tags) in [
        ("0-renamed-company", &["alpha", "beta"][..]),
        ("0-renamed-company", &["alpha", "beta"][..]),
        ("0-renamed-company", &["beta"][..]),
        ("z-renamed-company", &["beta"][..]),
        ("z-renamed-company", &[][..]),
    ] {
        app.seed(&company(name, tags)).await.expect("loads");
        assert_eq!(record().await, expected(name, tags));
        let first = if name.starts_with('0') { name } else { "Contoso Ltd" };
        assert_eq!(first_by_name().await, first);
    }
}

async fn a_bad_target_user_loads_nothing(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let mut load = users("Cust0mer0001", 1500, |_| "active");
    load.push(json!({"company": "NoSuchComp01", "email": "x@bulk.example"}));
    let error = app.seed(&json!({"targetUsers": load})).await.unwrap_err().to_string();
    assert_eq!(
        error,
        "fixture is not valid: targetUsers[1500] (\"x@bulk.example\"): company \"NoSuchComp01\" is not a known company"
    );
    let load = vec![json!({"company": "Cust0mer0001", "email": "y@bulk.example", "state": "gone"})];
    let error = app.seed(&json!({"targetUsers": load})).await.unwrap_err().to_string();
    assert_eq!(
        error,
        "fixture is not valid: targetUsers[0] (\"y@bulk.example\"): state must be active, inactive or deleted"
    );
    assert_eq!(app.count("target_users", "company_id", "Cust0mer0001").await, 4);
    assert_eq!(counts(&app, &token, "test-company-1").await, (3, 1, 0));
}

/// `(title, location)` of a company's offers, as the session dialect lists them.
async fn offers_of(app: &TestApp, company: &str) -> Vec<(String, Option<String>)> {
    let path = format!("/offers/company/{company}");
    let listed: Value = app.fresh_client().get(app.url(&path)).send().await.unwrap().json().await.unwrap();
    let mut offers: Vec<(String, Option<String>)> = listed
        .as_array()
        .unwrap_or_else(|| panic!("offers: {listed}"))
        .iter()
        .map(|o| (o["title"].as_str().unwrap().to_owned(), o["location"].as_str().map(str::to_owned)))
        .collect();
    offers.sort();
    offers
}

async fn offers_are_upserted_by_company_and_title(db: Db) {
    let app = spawn_app(db).await;
    let first = json!({"offers": [offer("Cust0mer0001", "Security Analyst", json!({"location": "Porto"}))]});
    app.seed(&first).await.expect("loads");
    let before = offers_of(&app, "Cust0mer0001").await;
    assert!(before.contains(&("Security Analyst".to_owned(), Some("Porto".to_owned()))), "{before:?}");
    let others = offers_of(&app, "Cust0mer0002").await;

    let load = json!({"offers": [
        offer("Cust0mer0001", "Security Analyst", json!({"location": "Lisbon"})),
        offer("Cust0mer0001", "Data Engineer", json!({"location": "Faro"})),
        offer("Cust0mer0002", "Support Engineer", json!({"location": "Braga"})),
        offer("Cust0mer0001", "Data Engineer", json!({"location": "Coimbra"})),
    ]});
    let report = app.seed(&load).await.expect("loads");
    assert_eq!(report.offers, 4);
    let mut expected: Vec<(String, Option<String>)> =
        before.iter().filter(|(title, _)| title != "Security Analyst").cloned().collect();
    expected.push(("Security Analyst".to_owned(), Some("Lisbon".to_owned())));
    expected.push(("Data Engineer".to_owned(), Some("Coimbra".to_owned())));
    expected.sort();
    assert_eq!(
        offers_of(&app, "Cust0mer0001").await,
        expected,
        "a stored title is updated, a new one added once, the last entry wins"
    );
    let mut others_expected = others.clone();
    others_expected.push(("Support Engineer".to_owned(), Some("Braga".to_owned())));
    others_expected.sort();
    assert_eq!(offers_of(&app, "Cust0mer0002").await, others_expected);

    // An offer of an unknown company loads nothing, not even the offers before it.
    let load = json!({"offers": [
        offer("Cust0mer0001", "Never Loaded", json!({})),
        offer("NoSuchComp01", "Orphan", json!({})),
    ]});
    let error = app.seed(&load).await.unwrap_err().to_string();
    assert_eq!(error, "fixture is not valid: offers[1] (\"Orphan\"): company \"NoSuchComp01\" is not a known company");
    assert_eq!(offers_of(&app, "Cust0mer0001").await, expected);
}

/// upstream: src/models/Offer.js:14-110 (NIJobs 82886d01) checks each document against the
/// Offer model; a fixture's offer is checked the same way, and a refused one loads nothing.
async fn offers_are_checked_as_the_upstream_model_checks_them(db: Db) {
    let app = spawn_app(db).await;
    let long_title = "t".repeat(91);
    let seven_months = "2027-06-01T00:00:00Z";
    let cases: Vec<(Value, &str)> = vec![
        (json!({"title": ""}), "`title` is required"),
        (json!({"title": long_title}), "`title` is longer than the maximum allowed length (90)"),
        (json!({"publishDate": null}), "`publishDate` is required"),
        (json!({"publishEndDate": "2026-10-01T00:00:00Z"}), "`publishDate` must be earlier than `publishEndDate`"),
        (json!({"publishEndDate": seven_months}), "must not differ from `publishDate` by more than 6 months"),
        (json!({"jobMaxDuration": null}), "`jobMaxDuration` is required"),
        (json!({"jobMinDuration": 7}), "`jobMaxDuration` must be larger than `jobMinDuration`"),
        (json!({"description": ""}), "`description` is required"),
        (json!({"contacts": []}), "There must be at least one contact."),
        (json!({"vacancies": -1}), "`vacancies` must be at least 0"),
        (json!({"jobType": "FREELANCE"}), "`FREELANCE` is not a valid enum value for path `jobType`"),
        (json!({"fields": []}), "`fields` must have length between 1 and 5"),
        (json!({"fields": ["BACKEND", "BACKEND"]}), "Duplicate values in array `fields`"),
        (json!({"fields": ["COOKING"]}), "`COOKING` is not a valid enum value for path `fields`"),
        (
            json!({"technologies": ["C", "C#", "C++", "Go", "Java", "Rust", "Ruby", "Python"]}),
            "`technologies` must have length between 1 and 7",
        ),
        (json!({"technologies": ["rust"]}), "`rust` is not a valid enum value for path `technologies`"),
        (json!({"hiddenReason": "BORED"}), "`BORED` is not a valid enum value for path `hiddenReason`"),
        (json!({"requirements": []}), "There must be at least one requirement"),
        (json!({"ownerLogo": "ftp://logos.example.com/one.png"}), "`ownerLogo` must be an image URL"),
        (json!({"location": null}), "`location` is required"),
        (
            json!({"coordinates": {"type": "Polygon", "coordinates": [1.0, 2.0]}}),
            "`Polygon` is not a valid enum value for path `coordinates.type`",
        ),
        (json!({"applyURL": "call us"}), "`applyURL` \"call us\" is neither an http(s) URL nor a mailto: address"),
    ];
    let before = offers_of(&app, "Cust0mer0001").await;
    for (change, why) in cases {
        let load =
            json!({"offers": [offer("Cust0mer0001", "Fine", json!({})), offer("Cust0mer0001", "Bad", change.clone())]});
        let error = app.seed(&load).await.unwrap_err().to_string();
        assert!(error.starts_with("fixture is not valid: offers[1] (\"") && error.contains(why), "{change}: {error}");
        assert_eq!(offers_of(&app, "Cust0mer0001").await, before, "{change}: nothing loaded");
    }
    // Every optional field, and the company's logo when the offer names none; the offer lists
    // show the whole document.
    let mut whole = offer(
        "Logo0Company",
        "Whole",
        json!({"jobStartDate": "2026-12-01T09:00:00Z", "isPaid": true,
        "vacancies": 0, "coordinates": {"type": "Point", "coordinates": [-8.6, 41.1]},
        "applyURL": "mailto:jobs@two.example", "adminReason": "checked", "hiddenReason": "COMPANY_REQUEST",
        "isHidden": true}),
    );
    whole.as_object_mut().unwrap().remove("ownerLogo");
    let company = json!({"resourceId": "Logo0Company", "name": "Logo Company", "parent": "xC5kfGz7w2Nz",
                         "logo": "https://logos.example.com/logo-company.png"});
    app.seed(&json!({"companies": [company], "offers": [whole]})).await.expect("a whole offer loads");
    let url = app.url(&format!("/offers/company/Logo0Company?god_token={GOD_TOKEN}"));
    let answer: Value = app.client.get(url).send().await.unwrap().json().await.unwrap();
    let mut shown = answer[0].clone();
    for key in ["_id", "owner", "createdAt", "updatedAt"] {
        assert!(shown.as_object_mut().unwrap().remove(key).is_some(), "{key}: {answer}");
    }
    assert_eq!(
        shown,
        json!({"title": "Whole", "publishDate": "2026-11-01T00:00:00.000Z",
        "publishEndDate": "2027-03-01T00:00:00.000Z", "jobMinDuration": 1, "jobMaxDuration": 6,
        "jobStartDate": "2026-12-01T09:00:00.000Z", "description": "An offer.", "contacts": ["jobs@one.example"],
        "isPaid": true, "vacancies": 0, "jobType": "FULL-TIME", "fields": ["BACKEND"], "technologies": ["Rust"],
        "hiddenReason": "COMPANY_REQUEST", "adminReason": "checked", "isHidden": true, "isArchived": false,
        "requirements": ["Curiosity"], "ownerName": "Logo Company",
        "ownerLogo": "https://logos.example.com/logo-company.png", "location": "Porto",
        "coordinates": {"type": "Point", "coordinates": [-8.6, 41.1]}, "applyURL": "mailto:jobs@two.example",
        "__v": 0})
    );
}

crate::on_both_databases!(
    offers_are_checked_as_the_upstream_model_checks_them,
    offers_are_upserted_by_company_and_title,
    target_users_are_upserted_in_batches_and_counted,
    a_new_company_is_loaded_with_its_counts,
    a_stored_company_loaded_again_changes_where_it_differs,
    a_bad_target_user_loads_nothing
);
