//! A search body, as `POST /api/companies/search` reads it, then the filter compiler: no panic,
//! and every filter the reader accepts compiles.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    companygate_reseller_api::fuzzing::search_body(data);
});
