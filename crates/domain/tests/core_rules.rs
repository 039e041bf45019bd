//! The core's rules without HTTP, on an in-memory SQLite database: who manages whom (the tree), and
//! the order of checks of the operations whose order the core owns. Runs in `cargo test` in
//! seconds.
use companygate_domain::companies::record::ReadCompanyError;
use companygate_domain::companies::writes::{
    CompanyDraft, DraftField, DraftProblem, Logo, UnreadableDraft, WriteCompanyError,
};
use companygate_domain::database::{self, PoolSettings};
use companygate_domain::deletion::Deletion;
use companygate_domain::fixtures::Fixture;
use companygate_domain::gate::{GatedOperation, GodToken, Presented};
use companygate_domain::idempotency::IdempotencyKey;
use companygate_domain::{Actor, ClientRole, CompanyId, Config, DeleteCompanyError, Gateway, MailSettings, Mailer};

/// Acme manages Northwind and Customer1; Northwind manages Customer3; Globex manages its customer.
const FIXTURE: &str = r#"{
  "companies": [
    {"resourceId": "xC5kfGz7w2Nz", "name": "Acme"},
    {"resourceId": "SubReseller1", "name": "Northwind", "parent": "xC5kfGz7w2Nz"},
    {"resourceId": "Cust0mer0001", "name": "Customer1", "parent": "xC5kfGz7w2Nz"},
    {"resourceId": "Cust0mer0003", "name": "Customer3", "parent": "SubReseller1"},
    {"resourceId": "OtherReslr01", "name": "Globex"},
    {"resourceId": "OtherCust001", "name": "Globex Customer", "parent": "OtherReslr01"}
  ]
}"#;

const GOD_TOKEN: &str = "the-god-token";

async fn core() -> Gateway {
    let pools = database::connect("sqlite::memory:", PoolSettings::default()).await.expect("in-memory database");
    let mail = Mailer::from_url(None, "test", MailSettings::default()).expect("log-only mail");
    let config = Config { god_token: Some(GOD_TOKEN.into()), ..Config::default() };
    let gateway = Gateway::new(pools, config, mail).await.expect("core starts");
    gateway.seed(&Fixture::from_json(FIXTURE).expect("fixture parses")).await.expect("fixture loads");
    gateway
}

fn id(resource_id: &str) -> CompanyId {
    CompanyId::from_resource_id(resource_id).expect("a resource id")
}

fn client(company: &str, role: ClientRole) -> Actor {
    Actor::Client { client: 1, client_id: "c".into(), company: id(company), role }
}

#[tokio::test]
async fn a_company_manages_every_company_below_it_and_no_other() {
    let core = core().await;
    let acme = client("xC5kfGz7w2Nz", ClientRole::Reseller);
    let northwind = client("SubReseller1", ClientRole::Reseller);
    for (actor, company, readable) in [
        (&acme, "SubReseller1", true),
        (&acme, "Cust0mer0003", true), // two levels down
        (&acme, "OtherCust001", false),
        (&northwind, "Cust0mer0003", true),
        (&northwind, "Cust0mer0001", false), // a sibling's customer
        (&northwind, "xC5kfGz7w2Nz", false), // its own manager
        (&northwind, "SubReseller1", true),  // itself
    ] {
        let read = core.read_company(actor, Some(id(company))).await;
        assert_eq!(read.is_ok(), readable, "{actor:?} reads {company}: {:?}", read.err());
        if !readable {
            assert!(matches!(read, Err(ReadCompanyError::Forbidden)), "{company}");
        }
    }
}

#[tokio::test]
async fn a_reseller_delete_checks_the_role_then_the_id_then_management() {
    let core = core().await;
    let admin = client("Cust0mer0001", ClientRole::CompanyAdmin);
    let acme = client("xC5kfGz7w2Nz", ClientRole::Reseller);
    // The role comes first: a Company Admin learns nothing about ids, not even malformed ones.
    for raw in ["not an id", "NoSuchCompny", "Cust0mer0003"] {
        let refused = core.delete_company_named(&admin, raw, None).await;
        assert!(matches!(refused, Err(DeleteCompanyError::NotPermitted)), "{raw}: {refused:?}");
    }
    // Then the id: malformed and unknown ids are not found, as the caller spelled them.
    for raw in ["not an id", "NoSuchCompny"] {
        match core.delete_company_named(&acme, raw, None).await {
            Err(DeleteCompanyError::NotFound(given)) => assert_eq!(given, raw),
            other => panic!("{raw}: {other:?}"),
        }
    }
    // Then management, then what the company still manages.
    let other = core.delete_company_named(&acme, "OtherCust001", None).await;
    assert!(matches!(other, Err(DeleteCompanyError::Forbidden(_))), "{other:?}");
    let parent = core.delete_company_named(&acme, "SubReseller1", None).await;
    assert!(matches!(parent, Err(DeleteCompanyError::HasManagedCompanies(_))), "{parent:?}");
    // With a key, the same deletion is carried out once and answered again.
    let key = IdempotencyKey::parse("once-1").expect("a key");
    let first = core.delete_company_named(&acme, "Cust0mer0003", Some(&key)).await.expect("deleted");
    assert!(matches!(first, Deletion::Done(_)));
    let again = core.delete_company_named(&acme, "Cust0mer0003", Some(&key)).await.expect("replayed");
    assert!(matches!(again, Deletion::Replayed { ref resource_id } if resource_id == "Cust0mer0003"));
    let without_key = core.delete_company_named(&acme, "Cust0mer0003", None).await;
    assert!(matches!(without_key, Err(DeleteCompanyError::NotFound(_))), "{without_key:?}");
}

#[tokio::test]
async fn the_session_gates_let_through_whom_they_name() {
    let nobody = Presented { session: None, god: GodToken::Absent };
    let god = Presented { session: None, god: GodToken::Valid };
    for operation in [
        GatedOperation::DeleteCompany,
        GatedOperation::Block,
        GatedOperation::Unblock,
        GatedOperation::Disable,
        GatedOperation::Enable,
    ] {
        assert!(operation.admit(&nobody).is_err(), "{operation:?}");
        assert_eq!(operation.admit(&god), Ok(Actor::God), "{operation:?}");
        let refused = operation.admit(&nobody).unwrap_err();
        assert_eq!(refused.0.len(), operation.members().len(), "every member says why, {operation:?}");
    }
    // The core's own operations ask the same gate: an anonymous caller may not delete.
    let core = core().await;
    let refused = core.delete_company(&Actor::Anonymous, id("Cust0mer0001")).await;
    assert!(matches!(refused, Err(DeleteCompanyError::NotPermitted)), "{refused:?}");
}

fn valid_draft(name: &str) -> CompanyDraft {
    CompanyDraft {
        name: Some(name.into()),
        industry_id: Some("industry0001".into()),
        country_id: Some("country00001".into()),
        license_type_id: Some("licenseType1".into()),
        license_period_type_id: Some("licPeriod001".into()),
        number_of_users: Some(10),
        time_zone_id: Some("UTC".into()),
        date_format: Some("dd/MM/yyyy".into()),
        time_format: Some("HH:mm".into()),
        ..CompanyDraft::default()
    }
}

#[tokio::test]
async fn company_writes_check_the_role_then_the_company_then_the_draft() {
    let core = core().await;
    let admin = client("Cust0mer0001", ClientRole::CompanyAdmin);
    let acme = client("xC5kfGz7w2Nz", ClientRole::Reseller);
    let unreadable = || Err(UnreadableDraft("no form".into()));
    // The role first, whatever the id and the draft.
    let refused = core.create_company(&admin, unreadable()).await;
    assert!(matches!(refused, Err(WriteCompanyError::NotPermitted)), "{refused:?}");
    for raw in ["not an id", "OtherCust001", "Cust0mer0001"] {
        let refused = core.update_company(&admin, raw, unreadable()).await;
        assert!(matches!(refused, Err(WriteCompanyError::NotPermitted)), "{raw}: {refused:?}");
    }
    // Then the company (an update): malformed or unknown, then not managed; the draft is not read.
    for (raw, expected) in [("not an id", "NotFound"), ("NoSuchCompny", "NotFound"), ("OtherCust001", "Forbidden")] {
        let refused = core.update_company(&acme, raw, unreadable()).await;
        assert_eq!(format!("{:?}", refused.as_ref().unwrap_err()), expected, "{raw}");
    }
    // Then the draft as a whole, then every problem with it, in the core's order and terms.
    let refused = core.update_company(&acme, "Cust0mer0003", unreadable()).await;
    assert!(matches!(refused, Err(WriteCompanyError::Unreadable(_))), "{refused:?}");
    let draft = CompanyDraft {
        name: Some(String::new()),
        industry_id: Some("nope".into()),
        number_of_users: None,
        not_of_its_type: vec![DraftField::NumberOfUsers],
        logo: Some(Logo { bytes: b"not an image".to_vec() }),
        ..valid_draft("x")
    };
    match core.create_company(&acme, Ok(draft)).await {
        Err(WriteCompanyError::Invalid(problems)) => assert_eq!(
            problems,
            [
                DraftProblem::NotOfItsType(DraftField::NumberOfUsers),
                DraftProblem::Missing(DraftField::NumberOfUsers),
                DraftProblem::Length { field: DraftField::Name, min: 1, max: 64 },
                DraftProblem::LogoNotAnImage,
                DraftProblem::UnknownReference { field: DraftField::Industry, id: "nope".into() },
            ]
        ),
        other => panic!("{other:?}"),
    }
    // A valid draft is written, under the caller, and a managed company takes a new one.
    let created = core.create_company(&acme, Ok(valid_draft("Fresh"))).await.expect("created");
    core.update_company(&acme, &created, Ok(valid_draft("Renamed"))).await.expect("updated");
    let record = core.read_company(&acme, Some(id(&created))).await.expect("readable by its manager");
    assert_eq!(record.name, "Renamed");
}

#[tokio::test]
async fn a_bulk_delete_checks_the_role_then_the_scope_then_the_selection() {
    use companygate_domain::deletion::bulk::{BulkDeleteError, BulkOutcome, BulkSelection};
    use companygate_domain::scoped::Unreadable;
    use companygate_domain::search::{Filter, SearchError};
    let core = core().await;
    let admin = client("Cust0mer0001", ClientRole::CompanyAdmin);
    let acme = client("xC5kfGz7w2Nz", ClientRole::Reseller);
    let unreadable = || Err(Unreadable(vec!["no body".into()]));
    let all = || Ok(BulkSelection::All { filter: Filter::default(), excluded: vec![] });
    // The role first, then the scope's spelling, then the body, then the scope's management.
    let refused = core.bulk_delete(&admin, Some("not an id"), unreadable()).await;
    assert!(matches!(refused, Err(BulkDeleteError::NotPermitted(_))), "{refused:?}");
    let refused = core.bulk_delete(&acme, Some("not an id"), unreadable()).await;
    assert!(matches!(refused, Err(BulkDeleteError::ScopeNotFound)), "{refused:?}");
    let refused = core.bulk_delete(&acme, Some("OtherCust001"), unreadable()).await;
    assert!(matches!(refused, Err(BulkDeleteError::Unreadable(_))), "{refused:?}");
    let refused = core.bulk_delete(&acme, Some("OtherCust001"), all()).await;
    assert!(matches!(refused, Err(BulkDeleteError::Select(SearchError::ScopeForbidden(_)))), "{refused:?}");
    // Named companies: each judged on its own, a parent after its children.
    let items = vec!["SubReseller1".into(), "Cust0mer0003".into(), "OtherCust001".into(), "nope".into()];
    let outcomes = core.bulk_delete(&acme, None, Ok(BulkSelection::Items(items))).await.expect("judged");
    assert_eq!(
        outcomes,
        [
            ("SubReseller1".to_owned(), BulkOutcome::Deleted),
            ("Cust0mer0003".to_owned(), BulkOutcome::Deleted),
            ("OtherCust001".to_owned(), BulkOutcome::Forbidden),
            ("nope".to_owned(), BulkOutcome::NotFound),
        ]
    );
}

#[tokio::test]
async fn a_gated_operation_checks_the_gate_then_the_input_then_the_company() {
    use companygate_domain::companies::state::{StateChange, StateChangeError};
    use companygate_domain::gate::{Caller, Gated, Refused, SentGodToken, Unmet};
    let core = core().await;
    let nobody = Caller::default();
    let wrong = Caller { session_cookie: Some("no such session"), god_token: SentGodToken::Text("guess") };
    let god = Caller { session_cookie: None, god_token: SentGodToken::Text(GOD_TOKEN) };
    let bad_input: Result<CompanyId, &str> = Err("bad id");
    // The gate first, whatever the input: every member's reason, in member order.
    match core.delete_company_gated(nobody, bad_input).await {
        Err(Gated::Refused(Refused(unmet))) => assert_eq!(unmet, [Unmet::NotACompany, Unmet::NoGodToken]),
        other => panic!("{other:?}"),
    }
    match core.preview_deletion_gated::<()>(wrong, Ok(id("Cust0mer0001"))).await {
        Err(Gated::Refused(Refused(unmet))) => assert_eq!(unmet, [Unmet::NotACompany, Unmet::WrongGodToken]),
        other => panic!("{other:?}"),
    }
    // Then the input as the adapter read it, then the company.
    assert!(matches!(core.delete_company_gated(god, bad_input).await, Err(Gated::Invalid("bad id"))));
    let unknown = core.delete_company_gated::<()>(god, Ok(id("NoSuchCompny"))).await;
    assert!(matches!(unknown, Err(Gated::Failed(DeleteCompanyError::NotFound(_)))), "{unknown:?}");
    let parent = core.preview_deletion_gated::<()>(god, Ok(id("SubReseller1"))).await;
    assert!(matches!(parent, Err(Gated::Failed(DeleteCompanyError::HasManagedCompanies(_)))), "{parent:?}");
    // A state change must be of the operation whose gate it passed.
    let block = GatedOperation::Block;
    let mismatched =
        core.change_company_state_gated::<()>(block, god, Ok((id("Cust0mer0001"), StateChange::Enable))).await;
    assert!(matches!(mismatched, Err(Gated::Failed(StateChangeError::NotPermitted))), "{mismatched:?}");
    let blocked = core
        .change_company_state_gated::<()>(
            block,
            god,
            Ok((id("Cust0mer0001"), StateChange::Block { reason: "r".into() })),
        )
        .await
        .expect("god blocks");
    assert!(blocked.is_blocked);
    let deleted = core.delete_company_gated::<()>(god, Ok(id("Cust0mer0003"))).await.expect("god deletes");
    assert_eq!(deleted.company.id, "Cust0mer0003");
}

#[tokio::test]
async fn a_company_search_checks_the_scope_spelling_the_body_the_role_the_scope_then_the_filter() {
    use companygate_domain::scoped::{Scoped, Unreadable};
    use companygate_domain::search::filter::{Field, FilterGroup, FilterItem, Operator};
    use companygate_domain::search::{Condition, Filter, OrderBy, SearchError, SearchRequest};
    let core = core().await;
    let admin = client("Cust0mer0001", ClientRole::CompanyAdmin);
    let acme = client("xC5kfGz7w2Nz", ClientRole::Reseller);
    let request = |filter: Filter| SearchRequest {
        page_number: 1,
        page_size: 10,
        order_by: OrderBy::CompanyName,
        ascending: true,
        only_limit_exceeded: false,
        filter,
    };
    let bad_filter = || Filter {
        condition: None,
        text: None,
        groups: vec![FilterGroup {
            condition: Condition::And,
            items: vec![FilterItem { field: Field::Tags, operator: Operator::Gt, value: "x".into() }],
            groups: vec![],
        }],
    };
    let unreadable = || Err(Unreadable(vec!["no body".into()]));
    let search = |actor, scope, input| core.search_companies(actor, Scoped::new(scope, input));
    let refused = search(&admin, Some("not an id"), unreadable()).await;
    assert!(matches!(refused, Err(SearchError::ScopeNotFound)), "{refused:?}");
    let refused = search(&admin, Some("OtherCust001"), unreadable()).await;
    assert!(matches!(refused, Err(SearchError::Unreadable(_))), "{refused:?}");
    let refused = search(&admin, Some("Nonexistent1"), Ok(request(bad_filter()))).await;
    assert!(matches!(refused, Err(SearchError::NotPermitted)), "{refused:?}");
    let refused = search(&acme, Some("Nonexistent1"), Ok(request(bad_filter()))).await;
    assert!(matches!(refused, Err(SearchError::ScopeNotFound)), "{refused:?}");
    let refused = search(&acme, Some("OtherCust001"), Ok(request(bad_filter()))).await;
    assert!(matches!(refused, Err(SearchError::ScopeForbidden(_))), "{refused:?}");
    let refused = search(&acme, Some("SubReseller1"), Ok(request(bad_filter()))).await;
    let Err(SearchError::InvalidFilter(problems)) = refused else { panic!("{refused:?}") };
    assert_eq!(problems.len(), 1);
    // Scoped to Northwind: itself and its customer, by name.
    let page = search(&acme, Some(" SubReseller1 "), Ok(request(Filter::default()))).await.expect("a page");
    let names: Vec<&str> = page.results.iter().map(|hit| hit.row.name.as_str()).collect();
    assert_eq!(names, ["Customer3", "Northwind"]);
    assert_eq!(page.total_records, 2);
}

#[tokio::test]
async fn a_client_call_checks_the_scope_spelling_the_body_then_who_may_act() {
    use companygate_domain::credentials::clients::{ClientOrder, ClientSearch, ClientsError};
    use companygate_domain::scoped::{Scoped, Unreadable};
    let core = core().await;
    let admin = client("Cust0mer0001", ClientRole::CompanyAdmin);
    let search = ClientSearch { page_number: 1, page_size: 10, order: ClientOrder::Name, ascending: true, text: None };
    let unreadable = || Err::<ClientSearch, _>(Unreadable(vec!["no body".into()]));
    let refused = core.search_clients(&admin, Scoped::new(Some("not an id"), unreadable())).await;
    assert!(matches!(refused, Err(ClientsError::ScopeNotFound)), "{refused:?}");
    let refused = core.search_clients(&admin, Scoped::new(Some("OtherCust001"), unreadable())).await;
    assert!(matches!(refused, Err(ClientsError::Unreadable(_))), "{refused:?}");
    let refused = core.search_clients(&admin, Scoped::new(Some("OtherCust001"), Ok(search.clone()))).await;
    assert!(matches!(refused, Err(ClientsError::Forbidden)), "{refused:?}");
    let page = core.search_clients(&admin, Scoped::new(None, Ok(search))).await.expect("its own clients");
    assert_eq!((page.page_number, page.total), (1, 0));
}
