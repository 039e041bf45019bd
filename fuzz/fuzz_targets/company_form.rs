//! A multipart company form, as `POST /api/companies` reads it: the first byte picks one of a few
//! boundaries (so the fuzzer can reach the parts), the rest is the body. No panic, bounded memory.
#![no_main]
use libfuzzer_sys::fuzz_target;

const BOUNDARIES: [&str; 4] = ["X", "boundary", "----cg", "a-b_c.d"];

fuzz_target!(|data: &[u8]| {
    let Some((first, body)) = data.split_first() else { return };
    let content_type = format!("multipart/form-data; boundary={}", BOUNDARIES[usize::from(*first) % BOUNDARIES.len()]);
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
    runtime.block_on(companygate_reseller_api::fuzzing::company_form(&content_type, body.to_vec()));
});
