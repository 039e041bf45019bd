//! Both spellings of a company id: no panic, and what parses round-trips.
#![no_main]
use companygate_domain::CompanyId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(id) = CompanyId::parse_session_id(text) {
        assert_eq!(CompanyId::parse_session_id(&id.hex()), Some(id));
        if let Some(resource) = id.resource_id() {
            assert_eq!(CompanyId::from_resource_id(resource), Some(id));
        }
    }
    if let Some(id) = CompanyId::from_resource_id(text) {
        assert_eq!(id.resource_id(), Some(text));
    }
});
